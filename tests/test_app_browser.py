"""The students' app (sim.app, ``trustsim app``).

Fast checks of the pieces (the grid image, the app's model, the controls) and one browser
test: ``trustsim app`` with the worked example plug-in on a free loopback port, opened in
Debian's headless Chromium through Playwright; step, play, pause and reset, checking the step
counter, a chart and the browser console. Set TRUSTSIM_APP_SCREENSHOT=PATH to also save the
screenshot there (docs/students-app.png was made so).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb

pytest.importorskip("altair", reason="Mesa's visualisation (mesa.visualization) imports altair: "
                                     "add altair to the project's dependencies")

from sim.app import COLOURS, SLIDERS, AppModel, grid_image, grid_png, model_params  # noqa: E402
from sim.core.params import Params  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "experiments" / "students" / "quiet_contacts.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


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


def test_grid_png_is_one_square_of_pixels_per_cell():
    from io import BytesIO

    from PIL import Image

    for size in (25, 400):
        m = AppModel(preset="reactive", size=size)
        with Image.open(BytesIO(grid_png(m, target=480))) as im:
            k = max(1, 480 // size)
            assert im.size == (size * k, size * k)


def test_app_model_applies_sliders_only_when_asked_and_never_fails():
    defaults = {k: v.value for k, v in model_params("mixed").items() if k in SLIDERS}
    m = AppModel(preset="mixed", size=40, own_settings=False, **{**defaults, "vision": 3})
    assert m.p.vision == Params.build("mixed").vision          # sliders ignored
    m = AppModel(preset="mixed", size=40, own_settings=True,
                 **{**defaults, "vision": 3, "share_officers": 1.0, "share_support": 1.0,
                    "share_welfare": 0.0, "share_awareness": 0.0})
    assert m.p.vision == 3 and m.p.share_officers == pytest.approx(0.5) and m.p.share_support == pytest.approx(0.5)
    assert any("scaled to sum 1" in n for n in m.notes)
    m = AppModel(preset="epstein-run1", size=25, own_settings=True, **{**defaults, "vision": 20})
    assert m.p.vision == 12 and any("vision 20 lowered to 12" in n for n in m.notes)


def test_controls_start_at_the_presets_values_and_plots_read_the_results():
    params = model_params("proximity")
    assert params["preset"]["value"] == "proximity"
    assert params["proximity_fraction"].value == Params.build("proximity").proximity_fraction
    m = AppModel(preset="proximity", size=25)
    m.run(2)
    df = m.datacollector.get_model_vars_dataframe()
    assert list(df.index) == [0, 1, 2] and {"trust_mean", "tension", "incident_rate", "cost_total"} <= set(df)


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


# ------------------------------------------------------------------ the browser test
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url, proc, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(1)
    return False


@pytest.fixture
def app_server(tmp_path):
    """``trustsim app --rules <worked example>`` on a free loopback port; stopped afterwards."""
    from sim.commands.app import install_assets, missing_assets

    if missing_assets():   # Solara's page scripts, from the npm registry when its CDN is out of reach
        try:
            install_assets()
        except Exception as err:  # noqa: BLE001 - say what is missing, whatever failed
            pytest.fail(f"the app's page scripts are missing and could not be installed: {err}")
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "app", "--port", str(port), "--rules", str(EXAMPLE),
                             "--preset", "proximity"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        if not wait_for_http(url, proc):
            log.flush()
            pytest.fail(f"trustsim app did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
def test_app_in_a_browser_steps_plays_and_resets_without_console_errors(app_server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package")
    problems = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
            page.set_default_timeout(120_000)
            sync_api.expect.set_options(timeout=120_000)   # a busy 2-core machine: generous, never timed
            page.goto(app_server, wait_until="load")
            counter = page.locator(".trustsim-step")
            sync_api.expect(counter).to_have_text("Step 0", timeout=180_000)
            assert "quiet_contacts.py" in page.inner_text("body")            # the plug-in is in use
            chart = page.locator(".trustsim-chart img").first
            sync_api.expect(chart).to_be_visible()
            before = chart.screenshot()

            step = page.get_by_role("button", name="Step", exact=True)
            for k in (1, 2, 3):
                step.click()
                sync_api.expect(counter).to_have_text(f"Step {k}")
            sync_api.expect(page.get_by_text("Time: 3.0")).to_be_visible()   # Mesa's own counter agrees
            page.wait_for_timeout(500)
            assert chart.screenshot() != before, "the trust chart did not change after three steps"

            page.get_by_role("button", name="▶").click()                     # play ...
            pause = page.get_by_role("button", name="❚❚")
            sync_api.expect(pause).to_be_visible()
            page.wait_for_function("() => { const e = document.querySelector('.trustsim-step');"
                                   " return e !== null && parseInt(e.innerText.slice(5)) >= 5; }")
            pause.click()                                                      # ... pause
            sync_api.expect(page.get_by_role("button", name="▶")).to_be_visible()
            sync_api.expect(step).to_be_enabled()                            # Mesa disables Step while playing

            shot = tmp_path / "students-app.png"
            page.screenshot(path=str(shot), full_page=True)
            if os.environ.get("TRUSTSIM_APP_SCREENSHOT"):
                shutil.copy(shot, os.environ["TRUSTSIM_APP_SCREENSHOT"])

            page.get_by_role("button", name="Reset").click()
            sync_api.expect(counter).to_have_text("Step 0")
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
