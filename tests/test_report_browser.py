"""The report in a real browser: headless Chromium (Debian's package, driven by Playwright's
Python package; never `playwright install`) opens report.html from a file, every image loads,
nothing is logged as an error, no request leaves the file, the page fits 1280 and 420 px
without scrolling sideways, an injected scenario name stays text, the bottom line is on the first
screen. Also: `trustsim report --format pdf`. The screenshots in docs/ (report-1280.png,
report-420.png) are the first screen (viewport 1280x900 and 420x900) of the default comparison's
report (`trustsim compare`, then `trustsim plot` and `trustsim report` on its folder)."""

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
    manifest["resolved"]["name"] = '<img src="https://example.com/x.png" onerror="alert(2)">'
    manifest["resolved"]["description"] = EVIL + " \u202eevil\u202c"          # the title, with a bidi override
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


@pytest.fixture
def browser():
    """Function-scoped: Playwright's sync API cannot nest, and the PDF test starts its own."""
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _open(browser, url: str, width: int):
    """The page at ``width`` CSS pixels, with its console errors, requests and dialogs recorded."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    seen = {"errors": [], "requests": [], "dialogs": []}
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(url, wait_until="load")
    return page, seen


@pytest.fixture(scope="module")
def report_url(folder):
    from sim.present.report import write_report

    return write_report(folder).resolve().as_uri()


@pytest.mark.parametrize("width", [1280, 420])
def test_report_opens_offline_fits_the_width_and_every_image_loads(report_url, browser, tmp_path, width):
    page, seen = _open(browser, report_url, width)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")   # folded charts too
    images = page.evaluate("Array.from(document.images).map(i => ({src: i.src.slice(0, 22), complete: i.complete, "
                           "w: i.naturalWidth, h: i.naturalHeight, shown: i.getBoundingClientRect().width}))")
    assert len(images) >= 5, images                                   # time series x2, forest, costs, maps
    assert all(i["complete"] and i["w"] > 0 and i["h"] > 0 for i in images), images
    assert all(i["src"].startswith("data:image/png") for i in images)
    assert all(0 < i["shown"] <= width for i in images), images       # scaled to the column
    inner, scroll = page.evaluate("[window.innerWidth, document.scrollingElement.scrollWidth]")
    assert scroll <= inner, f"the page scrolls sideways at {width} px: {scroll} > {inner}"
    assert page.title().startswith(EVIL)                              # shown as text...
    assert page.locator("h1").inner_text().startswith(EVIL)
    assert "\u202e" not in page.content() and "\\u202eevil" in page.locator("h1").inner_text()   # bidi escaped
    assert page.evaluate("document.scripts.length") == 0               # ...never run
    assert not seen["dialogs"], seen["dialogs"]
    assert not seen["errors"], seen["errors"]
    assert [u for u in seen["requests"] if not u.startswith("data:")] == [report_url], seen["requests"]
    bullets = page.locator(".bottom li").all_inner_texts()
    assert 3 <= len(bullets) <= 5 and all(b[:1].isupper() for b in bullets), bullets
    assert any(w.startswith("Warning: only 2 replicates") for w in page.locator(".warning").all_inner_texts())
    assert page.locator(".bottom").bounding_box()["y"] < 900          # the bottom line is on the first screen
    shot = tmp_path / f"report-{width}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    page.close()


def test_report_pdf(folder, tmp_path, monkeypatch):
    from sim.cli import main
    from sim.present import plots

    monkeypatch.setattr(plots, "figures", lambda d: {})    # the charts are checked above; this checks printing

    out = tmp_path / "report.pdf"
    assert main(["report", str(folder), "--format", "pdf", "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 20_000
