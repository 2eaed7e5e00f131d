"""The students' app (sim.app, ``trustsim app``).

Fast checks of the pieces (the grid image, the charts, the app's model, the slider labels,
the page's assets) and two browser tests in Debian's headless Chromium through Playwright,
with every request that would leave 127.0.0.1 blocked and recorded:

- ``trustsim app`` with the worked example plug-in: no request leaves the computer; five quick
  clicks on Step make five steps; play and pause; a slider is disabled until "use the settings
  below" is ticked, then shows its new value and unit, and Reset applies it; no console error.
- with the page's scripts refused (as when solara-assets is missing and the CDN out of reach):
  the page says, in one line, that its scripts could not be loaded.

Set TRUSTSIM_APP_SCREENSHOT=PATH to also save the first test's screenshot there, after 60
steps (docs/students-app.png is made so).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

pytest.importorskip("solara", reason="the app needs solara")

from sim.app import (  # noqa: E402
    CHARTS,
    COLOURS,
    MAX_POINTS,
    SLIDERS,
    SMOOTHING_DAYS,
    AppModel,
    LineChart,
    format_value,
    grid_image,
    grid_png,
    plain_label,
    preset_values,
)
from sim.core.params import Params  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "experiments" / "students" / "quiet_contacts.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


# ------------------------------------------------------------------ the pieces, without a browser
def test_grid_image_colours_each_cell_by_what_is_on_it():
    m = AppModel(preset="proximity", rng=3, size=30)
    m.run(3)
    c, o = m.citizens, m.officers
    i = np.flatnonzero(~c.jailed)[0]
    c.active[i] = True                     # make one free citizen active
    img = grid_image(m).reshape(-1, 3)
    assert img.shape == (30 * 30, 3)
    assert np.allclose(img[c.cell[i]], to_rgb(COLOURS["active"]))
    quiet = np.flatnonzero(~c.jailed & ~c.active)
    lo, hi = quiet[np.argmin(c.trust[quiet])], quiet[np.argmax(c.trust[quiet])]
    assert not np.allclose(img[c.cell[lo]], img[c.cell[hi]])          # trust shows
    calm = np.flatnonzero(o.stress == 0)
    if len(calm):
        want = to_rgb(COLOURS["proximity"] if o.proximity[calm[0]] else COLOURS["reactive"])
        assert np.allclose(img[o.cell[calm[0]]], want)
    empty = np.ones(m.grid.size, bool)
    empty[c.cell] = False
    empty[o.cell] = False
    assert np.allclose(img[empty], 1.0)    # white


def test_grid_png_has_one_pixel_per_cell():
    from io import BytesIO

    from PIL import Image

    for size in (25, 120):
        m = AppModel(preset="reactive", size=size)
        with Image.open(BytesIO(grid_png(m))) as im:
            assert im.size == (size, size)
            assert np.allclose(np.asarray(im.convert("RGB")) / 255, grid_image(m), atol=1 / 255)


def test_app_model_applies_sliders_only_when_asked_and_never_fails():
    defaults = preset_values("mixed")
    m = AppModel(preset="mixed", size=40, own_settings=False, **{**defaults, "vision": 3})
    assert m.p.vision == Params.build("mixed").vision          # sliders ignored
    m = AppModel(preset="mixed", size=40, own_settings=True,
                 **{**defaults, "vision": 3, "share_officers": 1.0, "share_support": 1.0,
                    "share_welfare": 0.0, "share_awareness": 0.0})
    assert m.p.vision == 3 and m.p.share_officers == pytest.approx(0.5) and m.p.share_support == pytest.approx(0.5)
    assert any("scaled to sum 1" in n for n in m.notes)
    m = AppModel(preset="epstein-run1", size=25, own_settings=True, **{**defaults, "vision": 20})
    assert m.p.vision == 12 and any("vision 20 lowered to 12" in n for n in m.notes)


def test_sliders_start_at_the_presets_values_and_are_labelled_from_the_metadata():
    assert preset_values("proximity")["proximity_fraction"] == Params.build("proximity").proximity_fraction
    labels = {name: plain_label(name) for name in SLIDERS}
    assert len(set(labels.values())) == len(SLIDERS)                 # each label says which parameter
    for name, label in labels.items():
        spec = Params.spec(name)
        assert label and "_" not in label and label[0].isupper(), (name, label)
        words = set(re.findall(r"[a-z']+", label.lower()))
        assert words <= set(re.findall(r"[a-z']+", spec["doc"].lower())), (name, label)   # from the metadata
        shown = format_value(name, spec["default"])
        if spec["unit"] and spec["unit"] != "x":
            assert shown.endswith(" " + spec["unit"]), (name, shown)
        assert re.match(r"-?\d", shown), (name, shown)


def _rows(model):
    return model._rows


def test_charts_extend_their_lines_and_smooth_the_incident_rate():
    m = AppModel(preset="reactive", size=30, rng=2)
    m.run(20)
    chart = next(c for c in CHARTS if c.smooth == "incident_rate")
    state = chart.new_state()
    chart.update(state, _rows(m)[:12])
    chart.update(state, _rows(m))                                     # the rest, appended
    daily, smooth = state["lines"]["incident_rate"], state["lines"]["incident_rate_smooth"]
    rates = pd.Series([r["incident_rate"] for r in _rows(m)])
    assert daily.values == pytest.approx(list(rates))
    assert smooth.values == pytest.approx(list(rates.rolling(SMOOTHING_DAYS, min_periods=1).mean()))
    assert len(daily.points().split()) == len(rates)
    assert f"{SMOOTHING_DAYS}-day" in chart.html(state)               # the window is said
    legend = chart.html(state).split('class="trustsim-chart-legend"')[1]
    assert "moving average" in legend and "incident_rate" not in legend   # plain words, outside the plot


def test_a_long_series_keeps_a_bounded_number_of_points_ending_at_the_last():
    chart = LineChart("t", "t", "t", {"x": ("x", "#000000")})
    state = chart.new_state()
    rows = [{"x": float(i)} for i in range(5 * MAX_POINTS + 3)]
    for k in range(0, len(rows), 97):
        chart.update(state, rows[:k + 97])
    points = state["lines"]["x"].points().split()
    assert len(points) <= MAX_POINTS + 2
    assert points[-1] == f"{len(rows) - 1},{len(rows) - 1}"


def test_page_renders_steps_and_shows_a_plugin_error_in_one_line(monkeypatch):
    import solara
    import solara.widgets

    import sim.app as app

    monkeypatch.setattr(app, "PLUGIN_ERROR", "rules.py line 3: SyntaxError: invalid syntax")
    _, rc = solara.render(app.Page(), handle_error=False)
    try:
        def texts():
            return [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]

        errors = [t for t in texts() if "plug-in not loaded" in t]
        assert errors == ["plug-in not loaded: rules.py line 3: SyntaxError: invalid syntax"]
        for _ in range(3):
            app.do_step()
        assert "Step 3" in texts() and any(t.startswith("<div>day 3:") for t in texts())
    finally:
        rc.close()


def test_app_command_refuses_a_port_in_use_and_bad_arguments(capsys):
    from sim.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        for args, needle in ((["--port", str(port)], f"--port {port}: already in use"),
                             (["--port", "70000"], "--port: expected an integer in [1, 65535]"),
                             (["--preset", "proximty"], "did you mean proximity")):
            assert main(["app", *args]) == 2
            err = capsys.readouterr().err
            assert needle in err and len(err.strip().splitlines()) == 1, err


def test_the_pages_assets_are_installed_for_this_solara():
    """solara-assets (a dependency) puts the page's scripts where Solara's asset proxy looks:
    the page then needs no internet. Its version must match solara's."""
    from sim.commands.app import asset_specs, assets_hint, missing_assets

    assert asset_specs(), "no asset packages found in Solara's page template"
    assert missing_assets() == [], assets_hint()


# ------------------------------------------------------------------ the browser tests
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """``trustsim app --rules <worked example> --preset proximity`` on a free loopback port,
    for this module's browser tests (each opens its own page: its own session and model);
    yields (url, log path)."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("app") / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "app", "--port", str(port), "--rules", str(EXAMPLE),
                                 "--preset", "proximity"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, env={**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"})
    url = f"http://127.0.0.1:{port}/"
    try:
        if not wait_for_http(url, proc):
            pytest.fail(f"trustsim app did not start: {log_path.read_text()[-2000:]}")
        yield url, log_path
    finally:
        stop(proc)


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def offline_page(browser, outside: list, problems: list | None, viewport=(1400, 1900), refuse: str | None = None):
    """A page in a context that lets requests reach 127.0.0.1 only; others are aborted and
    listed in ``outside``; console errors, page errors and HTTP errors go in ``problems``.
    Local requests whose path starts with ``refuse`` are aborted too (and listed)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})

    def route(r):
        url = r.request.url
        host = re.sub(r"^\w+://([^/:]+).*", r"\1", url)
        path = re.sub(r"^\w+://[^/]+", "", url)
        local = host in LOCAL_HOSTS or url.startswith(("data:", "blob:"))
        if local and not (refuse and path.startswith(refuse)):
            return r.continue_()
        outside.append(url)
        return r.abort()

    context.route("**/*", route)
    page = context.new_page()
    if problems is not None:
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.set_default_timeout(60_000)
    return page


needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture
def sync_api():
    return pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package")


@pytest.fixture
def browser(sync_api):
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def step_number(page) -> int:
    return int(page.locator(".trustsim-step").inner_text().split()[-1])


@pytest.mark.browser
@needs_chromium
def test_app_offline_steps_every_click_plays_and_applies_a_slider_on_reset(sync_api, browser, app_server, tmp_path):
    expect = sync_api.expect
    expect.set_options(timeout=60_000)            # a busy 2-core machine: generous, never timed
    url, log = app_server
    outside, problems = [], []
    page = offline_page(browser, outside, problems, viewport=(1400, 1150))
    page.goto(url, wait_until="load")
    counter = page.locator(".trustsim-step")
    expect(counter).to_have_text("Step 0")
    body = page.inner_text("body")
    assert "quiet_contacts.py" in body and "preset proximity" in body   # the plug-in and preset in use
    trust_line = page.locator('[data-chart="trust"] polyline').first

    step = page.locator(".trustsim-stepbtn")
    step.evaluate("b => { for (let i = 0; i < 5; i++) b.click(); }")   # five quick clicks ...
    expect(counter).to_have_text("Step 5")                            # ... five steps
    page.wait_for_timeout(700)
    assert step_number(page) == 5, "more steps than clicks"
    expect(trust_line).to_have_attribute("points", re.compile(r"^(\S+ ){5}\S+$"))   # 6 points: days 0-5

    page.locator(".trustsim-play").click()                           # play ...
    at_least = 60 if os.environ.get("TRUSTSIM_APP_SCREENSHOT") else 15
    page.wait_for_function("n => parseInt(document.querySelector('.trustsim-step').innerText.split(' ')[1]) >= n",
                           arg=at_least)
    page.locator(".trustsim-pause").click()                          # ... pause
    expect(page.locator(".trustsim-play")).to_be_visible()
    expect(step).to_be_enabled()                                     # Step is disabled while playing
    n = step_number(page)
    expect(trust_line).to_have_attribute("points", re.compile(rf"^(\S+ ){{{n}}}\S+$"))   # all agree on the step
    expect(page.locator("body")).to_contain_text(f"day {n}:")
    shot = tmp_path / "students-app.png"
    page.screenshot(path=str(shot))

    label = page.locator('.trustsim-slider-label[data-name="vision"]')
    slider = page.locator('.trustsim-slider:has([data-name="vision"]) .v-slider')
    thumb = slider.locator('[role="slider"]')
    before = Params.build("proximity").vision
    expect(label).to_have_text(f"Citizens' vision radius: {before} cells")
    disabled = re.compile(r"\bv-input--disabled\b")
    expect(slider).to_have_class(disabled)                            # ignored, so disabled
    page.locator(".trustsim-own-settings input").check()
    expect(slider).not_to_have_class(disabled)
    thumb.focus()
    page.keyboard.press("ArrowLeft")
    expect(label).to_have_text(f"Citizens' vision radius: {before - 1} cells")
    expect(page.locator(".trustsim-pending")).to_be_visible()        # "press Reset to apply"

    page.locator(".trustsim-reset").click()
    expect(counter).to_have_text("Step 0")
    expect(page.locator("body")).to_contain_text(f"vision {before - 1}")   # the run uses the slider's value
    expect(page.locator(".trustsim-pending")).to_have_count(0)
    if os.environ.get("TRUSTSIM_APP_SCREENSHOT"):
        shutil.copy(shot, os.environ["TRUSTSIM_APP_SCREENSHOT"])
    assert outside == [], f"requests left 127.0.0.1: {outside[:5]}"
    assert not problems, "\n".join(problems) + "\n" + log.read_text()[-1500:]


@pytest.mark.browser
@needs_chromium
def test_without_its_scripts_the_page_says_so_in_one_line(sync_api, browser, app_server):
    # as if solara-assets were missing and the CDN out of reach: Solara's asset proxy fails
    outside = []
    page = offline_page(browser, outside, None, viewport=(1000, 700), refuse="/_solara/cdn/")
    page.goto(app_server[0], wait_until="load")
    notice = page.locator("#trustsim-assets-missing")
    sync_api.expect(notice).to_be_visible()
    text = notice.inner_text()
    assert "could not load its scripts" in text and "pip install solara-assets==" in text
    assert len(text.strip().splitlines()) == 1
    assert any("/_solara/cdn/" in u for u in outside), "the page loaded no asset: this test no longer tests one missing"
