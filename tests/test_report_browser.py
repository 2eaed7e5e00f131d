"""The report in a real browser: headless Chromium (Debian's package, driven by Playwright's
Python package; never `playwright install`) opens report.html from a file, every image loads,
nothing is logged as an error, no request leaves the file, an injected scenario name stays
text, and a screenshot is saved. Also: `trustsim report --format pdf`."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
EVIL = "<script>alert(1)</script>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                      "(apt-get install chromium; .ci/run installs it)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package (test extra)")

TINY = {"name": "tiny-browser", "steps": 10, "replicates": 2, "seed": 9, "allow_unequal_budget": True,
        "base": {"params": {"width": 20, "height": 20, "vision": 3, "officer_vision": 3, "response_radius": 5}},
        "policies": [{"name": p, "preset": p} for p in ("reactive", "proximity", "social-support", "mixed")]}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A small real comparison whose manifest carries a hostile scenario name and description."""
    import sim

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sim.run_scenario(TINY, workers=1, progress=False)
    out = res.save(tmp_path_factory.mktemp("browser") / "tiny")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["resolved"]["name"] = EVIL
    manifest["resolved"]["description"] = '<img src="https://example.com/x.png" onerror="alert(2)">'
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


@pytest.fixture
def browser():
    """Function-scoped: Playwright's sync API cannot nest, and the PDF test starts its own."""
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def test_report_opens_offline_with_every_image_loaded(folder, browser, tmp_path):
    from sim.present.report import write_report

    path = write_report(folder)
    url = path.resolve().as_uri()
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    errors, requests, dialogs = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url, wait_until="load")
    images = page.evaluate("Array.from(document.images).map(i => ({src: i.src.slice(0, 22), complete: i.complete, "
                           "w: i.naturalWidth, h: i.naturalHeight}))")
    assert len(images) >= 5, images                                   # time series x2, forest, costs, maps
    assert all(i["complete"] and i["w"] > 0 and i["h"] > 0 for i in images), images
    assert all(i["src"].startswith("data:image/png") for i in images)
    assert page.title().startswith(EVIL)                              # shown as text...
    assert page.locator("h1").inner_text().startswith(EVIL)
    assert page.evaluate("document.scripts.length") == 0               # ...never run
    assert not dialogs, dialogs
    assert not errors, errors
    assert [u for u in requests if not u.startswith("data:")] == [url], requests
    headline = page.locator(".headline").inner_text()
    assert "reactive, the baseline" in headline
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    page.close()


def test_report_pdf(folder, tmp_path, monkeypatch):
    from sim.cli import main
    from sim.present import plots

    monkeypatch.setattr(plots, "figures", lambda d: {})    # the charts are checked above; this checks printing

    out = tmp_path / "report.pdf"
    assert main(["report", str(folder), "--format", "pdf", "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 20_000
