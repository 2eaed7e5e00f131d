"""The students' app: watch the model on its grid, change parameters and rules, see the charts.

Start it with ``trustsim app`` (``--preset NAME``, ``--rules FILE`` for a rule plug-in,
``--port``, ``--host``); ``docs/students.md`` is the guide. The page is a Solara page of its
own (no Mesa ``SolaraViz``): on the left play, pause, step and reset, the speed and the
controls; on the right the grid, the run summary and four charts. Solara serves this module:
its :func:`Page` is the page's layout; the parts are in

- :mod:`sim.app.config`: defaults, ranges, colours, which parameters get a slider;
- :mod:`sim.app.model`: :class:`AppModel`, the model built from the controls, and the plug-in;
- :mod:`sim.app.grid`: the grid image; :mod:`sim.app.charts`: the SVG charts;
- :mod:`sim.app.state`: the page's state (per browser tab); :mod:`sim.app.controls`: the
  controls and sliders; :mod:`sim.app.player`: play, pause, step, reset and the play loop;
- :mod:`sim.app.views`: what each step redraws; :mod:`sim.app.notice`: the line shown when
  the page's scripts cannot be loaded.

Built to keep up with the model while it plays (a 50x50 grid does about 100 steps/s alone):

- the grid is one image, drawn from the model's arrays (:func:`grid_image`) with one pixel
  per cell and enlarged by the browser (``image-rendering: pixelated``), so a frame costs
  one pass over the cells and a PNG of a few kB, whatever the number of agents;
- the charts are SVG built here (:class:`LineChart`): each series keeps its points as text
  in data coordinates and appends the new step's point; only the axes (an SVG transform and
  a few tick labels) are redone per frame; past ``MAX_POINTS`` points a series keeps every
  second one (so the cost per frame stays bounded on long runs);
- after a step, the parts that change (step counter, grid, run summary, charts) get their new
  HTML set on their widgets directly (:func:`refresh_views`): the page is not re-rendered
  (a render of the whole page costs tens of milliseconds);
- playing runs in a thread of the page's session, at most ``speed`` steps per second; every
  click of *Step* runs one step (clicks queue; none is dropped).

Controls take effect on **Reset**: choose a preset, tick "use the settings below" to apply the
sliders instead of the preset's own values (the sliders are disabled while unticked), then
press Reset. Slider labels, units and ranges come from the metadata of
:class:`sim.core.params.Params`.

The page's JavaScript and CSS come from the ``solara-assets`` package (no internet needed).
If they cannot be loaded the page says so in one line (:func:`install_page_check`).
"""

from __future__ import annotations

import html
import os

import solara

from sim.app.charts import CHARTS, LineChart, Series, chart_html
from sim.app.config import (
    COLOURS,
    DEFAULT_PRESET,
    DEFAULT_SIZE,
    DEFAULT_SPEED,
    ENV_PRESET,
    ENV_RULES,
    GRID_PIXELS,
    GROUP_TITLES,
    MAX_POINTS,
    SHARES,
    SIZE_RANGE,
    SLIDER_MAX,
    SLIDER_STEPS,
    SLIDERS,
    SMOOTHING_DAYS,
    SPEED_RANGE,
    STRESS_DARKENING,
    TRUST_CMAP,
)
from sim.app.controls import Controls, ParameterSlider, format_value, plain_label, preset_values, slider_range, slider_step
from sim.app.grid import grid_caption, grid_html, grid_image, grid_legend_html, grid_png, grid_rgb8
from sim.app.model import PLUGIN, PLUGIN_ERROR, AppModel
from sim.app.notice import ASSETS_MISSING_ID, PAGE_CHECK, assets_message, install_page_check
from sim.app.player import Player, do_reset, do_step, play_loop, refresh_views
from sim.app.state import (
    build_model,
    initial_model,
    model_r,
    own_settings_r,
    playing,
    plugin_on_r,
    preset_r,
    seed_r,
    settings_r,
    size_r,
    speed,
)
from sim.app.views import CHART_CONTENT, LiveHTML, grid_view_html, run_info_html, step_counter_html
from sim.core.presets import PRESETS

__all__ = [
    "ASSETS_MISSING_ID", "CHARTS", "CHART_CONTENT", "COLOURS", "DEFAULT_PRESET", "DEFAULT_SIZE", "DEFAULT_SPEED",
    "ENV_PRESET", "ENV_RULES", "GRID_PIXELS", "GROUP_TITLES", "MAX_POINTS", "PAGE_CHECK", "PLUGIN", "PLUGIN_ERROR",
    "SHARES", "SIZE_RANGE", "SLIDERS", "SLIDER_MAX", "SLIDER_STEPS", "SMOOTHING_DAYS", "SPEED_RANGE",
    "STRESS_DARKENING", "TRUST_CMAP",
    "AppModel", "Controls", "LineChart", "LiveHTML", "LiveViews", "Page", "ParameterSlider", "Player", "Series",
    "assets_message", "build_model", "chart_html", "do_reset", "do_step", "format_value", "grid_caption",
    "grid_html", "grid_image", "grid_legend_html", "grid_png", "grid_rgb8", "grid_view_html", "initial_model",
    "install_page_check", "model_r", "own_settings_r", "plain_label", "play_loop", "playing", "plugin_on_r",
    "preset_r", "preset_values", "refresh_views", "run_info_html", "seed_r", "settings_r", "size_r", "slider_range",
    "slider_step", "speed", "step_counter_html",
]


@solara.component
def LiveViews(part: str):
    """The parts of the page that change with every step."""
    if model_r.value is None:
        return
    if part == "counter":
        LiveHTML("counter", step_counter_html, tag="h2", attributes={"class": "trustsim-step"},
                 style="margin: 0; font-size: 22px")
    elif part == "main":
        with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            with solara.Column(gap="6px", style={"flex": "0 0 auto"}):
                LiveHTML("grid", grid_view_html)
                solara.HTML(unsafe_innerHTML=grid_legend_html())
            with solara.Column(gap="2px", style={"flex": "1 1 300px", "min-width": "280px"}):
                solara.HTML(tag="h3", unsafe_innerHTML="This run", style="margin: 0")
                if PLUGIN_ERROR:
                    solara.HTML(unsafe_innerHTML=html.escape(f"plug-in not loaded: {PLUGIN_ERROR}"),
                                classes=["trustsim-plugin-error"],
                                style="color: #b00020; border-left: 3px solid #b00020; padding: 2px 8px")
                LiveHTML("info", run_info_html, classes=["trustsim-info"])
        with solara.Row(gap="16px", style={"flex-wrap": "wrap"}):
            for chart in CHARTS:
                with solara.Column(style={"flex": "1 1 420px", "min-width": "300px"}):
                    LiveHTML(f"chart-{chart.key}", CHART_CONTENT[chart.key], classes=["trustsim-chart"],
                             attributes={"data-chart": chart.key})



@solara.component
def Page():
    """One page per browser tab, each with its own model."""
    def start():
        preset = os.environ.get(ENV_PRESET, DEFAULT_PRESET)
        preset = preset if preset in PRESETS else DEFAULT_PRESET
        preset_r.set(preset)
        settings_r.set(preset_values(preset))
        model_r.set(initial_model(preset))

    solara.use_memo(start, [])
    solara.Title("trustsim: the students' app")
    with solara.Row(gap="16px", style={"align-items": "flex-start", "flex-wrap": "wrap", "padding": "8px"}):
        with solara.Column(gap="6px", style={"flex": "0 0 330px", "max-width": "330px"}):
            solara.HTML(tag="h1", unsafe_innerHTML="trustsim", style="margin: 0; font-size: 24px")
            LiveViews("counter")
            Player()
            Controls()
        with solara.Column(gap="12px", style={"flex": "1 1 700px", "min-width": "320px"}):
            LiveViews("main")


try:
    install_page_check()
except Exception:  # noqa: BLE001 - a Solara without this hook: the page works, only without the notice
    pass
