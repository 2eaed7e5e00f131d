"""The students' app: watch the model on its grid, change parameters and rules, see the charts.

Start it with ``trustsim app`` (``--preset NAME``, ``--rules FILE`` for a rule plug-in,
``--port``, ``--host``); ``docs/students.md`` is the guide. The page is a Solara page of its
own (no Mesa ``SolaraViz``): on the left play, pause, step and reset, the speed and the
controls; on the right the grid, the run summary and four charts.

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

import base64
import html
import io
import math
import os
import re
import threading
import time
from functools import lru_cache

import numpy as np
import reacton.core
import solara
from matplotlib import colormaps
from matplotlib.colors import to_hex, to_rgb

from sim.core.model import TrustModel
from sim.core.params import RADII, ParamError, Params
from sim.core.plugins import load_plugin
from sim.core.presets import PRESETS
from sim.errors import UserError

ENV_PRESET = "TRUSTSIM_APP_PRESET"   # set by `trustsim app`; the server imports this module
ENV_RULES = "TRUSTSIM_APP_RULES"
DEFAULT_PRESET = "mixed"
DEFAULT_SIZE = 50
SIZE_RANGE = (25, 400)               # cells per side; the image has one pixel per cell
DEFAULT_SPEED = 20                   # steps per second at most, while playing
SPEED_RANGE = (1, 60)
SMOOTHING_DAYS = 7                   # the incident rate's moving average, in steps (days)
MAX_POINTS = 600                     # points per chart series before it keeps every second one

# colours (Okabe-Ito, colour-blind safe); quiet citizens take their trust's colour
TRUST_CMAP = "cividis"
COLOURS = {"empty": "#ffffff", "active": "#d55e00", "jailed": "#8c8c8c",
           "reactive": "#cc79a7", "proximity": "#009e73"}
STRESS_DARKENING = 0.6               # a fully stressed officer's colour is 60% darker
GRID_PIXELS = 480                    # the grid is shown about this many pixels a side

SHARES = ("share_officers", "share_support", "share_welfare", "share_awareness")
# the sliders: policy (budget), Epstein's core, trust weights
SLIDERS = (*SHARES, "proximity_fraction", "budget_per_cell", "officer_density", "vision", "legitimacy",
           "trust_initial_mean", "trust_step", "negativity_bias", "weight_arrested", "weight_witness_arrest",
           "weight_help", "weight_report")
SLIDER_STEPS = {"vision": 1, "negativity_bias": 0.5, "budget_per_cell": 0.005, "officer_density": 0.005}
SLIDER_MAX = {"budget_per_cell": 0.2, "officer_density": 0.2}   # beyond, the grid is mostly officers
GROUP_TITLES = {"policy": "Policy: how the budget is spent", "grid": "Officers and vision",
                "epstein": "Epstein's core (only when trust is off: epstein-* presets)", "trust": "Trust"}


def _load_configured_plugin():
    path = os.environ.get(ENV_RULES)
    if not path:
        return None, None
    try:
        return load_plugin(path), None
    except UserError as err:
        return None, "; ".join(err.problems)


PLUGIN, PLUGIN_ERROR = _load_configured_plugin()


# ------------------------------------------------------------------ the model, as the app runs it
class AppModel(TrustModel):
    """TrustModel as the app builds it from its controls.

    ``preset`` and ``rng`` (the seed) as in TrustModel; ``size`` cells per side; ``own_settings``
    applies the slider values (``**settings``, names of :class:`sim.core.params.Params`) over the
    preset, with the budget shares scaled to sum 1; ``plugin_on`` uses the plug-in given to
    ``trustsim app --rules``. It never fails on a combination of controls: what had to be
    adjusted or ignored is listed in ``notes``. ``lock`` is held while a step runs and while
    the page reads the model (playing runs in a thread)."""

    def __init__(self, preset: str = DEFAULT_PRESET, rng: int = 1, size: int = DEFAULT_SIZE,
                 own_settings: bool = False, plugin_on: bool = True, **settings):
        notes = []
        unknown = sorted(set(settings) - set(SLIDERS))
        if unknown:
            raise ValueError(f"AppModel: unknown settings {unknown}")
        if preset not in PRESETS:
            notes.append(f"unknown preset {preset!r}: using {DEFAULT_PRESET}")
            preset = DEFAULT_PRESET
        size = int(min(max(int(size), SIZE_RANGE[0]), SIZE_RANGE[1]))
        base = {"width": size, "height": size}
        chosen = dict(_normalised_shares(settings, notes)) if own_settings else {}
        overrides = _fit_radii(preset, {**base, **chosen}, notes)
        try:
            Params.build(preset, **overrides)
        except ParamError as err:
            notes.append("settings not applied (" + "; ".join(err.problems) + ")")
            overrides = _fit_radii(preset, base, notes)
        plugin = PLUGIN if plugin_on else None
        super().__init__(preset=preset, rng=int(rng), rules=plugin.rules if plugin else None,
                         hooks=plugin.hooks if plugin else None, **overrides)
        self.preset_name, self.own_settings, self.plugin, self.notes = preset, own_settings, plugin, notes
        self.lock = threading.RLock()
        self.views: dict = {}          # widgets the page redraws after each step (refresh_views)

    def app_step(self) -> None:
        """One step, under the lock (the page may be drawing the model meanwhile)."""
        with self.lock:
            self.step()


def _normalised_shares(settings: dict, notes: list) -> dict:
    out = dict(settings)
    total = sum(float(settings.get(s, 0.0)) for s in SHARES)
    if total <= 0:
        notes.append("budget shares all zero: the preset's shares are used")
        for s in SHARES:
            out.pop(s, None)
    elif abs(total - 1.0) > 1e-9:
        for s in SHARES:
            out[s] = float(settings.get(s, 0.0)) / total
        notes.append("budget shares scaled to sum 1: " + ", ".join(f"{s[6:]} {out[s]:.2f}" for s in SHARES))
    return out


def _fit_radii(preset: str, overrides: dict, notes: list) -> dict:
    """Lower radii that would wrap around a small grid to the largest allowed."""
    half = (min(overrides["width"], overrides["height"]) - 1) // 2
    merged = {**(PRESETS[preset].params), **overrides}
    out = dict(overrides)
    for name in RADII:
        value = merged.get(name, Params.spec(name)["default"])
        if value > half:
            out[name] = half
            notes.append(f"{name} {value} lowered to {half} (grid {overrides['width']}x{overrides['height']})")
    return out


# ------------------------------------------------------------------ the grid, drawn from the arrays
def _rgb8(colour) -> np.ndarray:
    return (np.asarray(to_rgb(colour)) * 255).round().astype(np.uint8)


@lru_cache(maxsize=1)
def _trust_lut() -> np.ndarray:
    """The trust colour scale as 256 uint8 RGB colours (indexing beats calling the colormap)."""
    return (colormaps[TRUST_CMAP](np.linspace(0.0, 1.0, 256))[:, :3] * 255).round().astype(np.uint8)


def grid_rgb8(model: TrustModel) -> np.ndarray:
    """(height, width, 3) uint8 RGB: quiet citizens coloured by trust, active citizens,
    jailed citizens (at their last cell while it stays empty; they are off the grid),
    reactive and proximity officers darkened by stress. Vectorised over cells."""
    c, o, p = model.citizens, model.officers, model.p
    size = model.grid.size
    img = np.empty((size, 3), np.uint8)
    img[:] = _rgb8(COLOURS["empty"])
    occupied = np.zeros(size, bool)
    free = ~c.jailed
    occupied[c.cell[free]] = True
    if o.cell.size:
        occupied[o.cell] = True
    jailed_cells = c.cell[c.jailed]
    if not p.jailed_keep_cell:
        jailed_cells = jailed_cells[~occupied[jailed_cells]]
    img[jailed_cells] = _rgb8(COLOURS["jailed"])
    quiet = free & ~c.active
    level = (np.clip(model.legitimacy[quiet], 0.0, 1.0) * 255).round().astype(np.intp)
    img[c.cell[quiet]] = _trust_lut()[level]
    img[c.cell[free & c.active]] = _rgb8(COLOURS["active"])
    if o.cell.size:
        base = np.where(o.proximity[:, None], _rgb8(COLOURS["proximity"]), _rgb8(COLOURS["reactive"]))
        shade = 1.0 - STRESS_DARKENING * np.clip(o.stress, 0.0, 1.0)
        img[o.cell] = (base * shade[:, None]).round().astype(np.uint8)
    return img.reshape(p.height, p.width, 3)


def grid_image(model: TrustModel) -> np.ndarray:
    """:func:`grid_rgb8` as floats in [0, 1]."""
    return grid_rgb8(model) / 255.0


def grid_png(model: TrustModel) -> bytes:
    """The grid image as PNG bytes, one pixel per cell (the page enlarges it without
    smoothing). Built with numpy and Pillow: well under a millisecond at 50x50."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(grid_rgb8(model)).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def grid_html(model: TrustModel) -> str:
    """An ``<img>`` of the grid, each cell a square of about ``GRID_PIXELS / side`` pixels."""
    side = max(model.p.width, model.p.height)
    k = max(1, GRID_PIXELS // side)
    data = base64.b64encode(grid_png(model)).decode("ascii")
    return (f'<img class="trustsim-grid" alt="the grid" src="data:image/png;base64,{data}" '
            f'width="{model.p.width * k}" height="{model.p.height * k}" '
            'style="image-rendering: pixelated; image-rendering: crisp-edges; display: block; border: 1px solid #ccc">')


def grid_caption(model: TrustModel) -> str:
    c, o = model.citizens, model.officers
    return (f"day {model.steps}: {int((c.active & ~c.jailed).sum())} active, {int(c.jailed.sum())} jailed, "
            f"{int(o.on_duty.sum())}/{len(o)} officers on duty")


def _swatch(colour: str, label: str) -> str:
    return (f'<span style="display:inline-flex;align-items:center;gap:5px;margin-right:12px;white-space:nowrap">'
            f'<span style="width:12px;height:12px;background:{colour};border:1px solid #999;display:inline-block">'
            f'</span>{html.escape(label)}</span>')


def grid_legend_html() -> str:
    """What the colours of the grid mean, with the trust colour bar (HTML, no image)."""
    stops = ", ".join(f"{to_hex(colormaps[TRUST_CMAP](x))} {x * 100:.0f}%" for x in np.linspace(0, 1, 6))
    items = [_swatch(COLOURS["active"], "active citizen"), _swatch(COLOURS["jailed"], "jailed (cell of arrest, if empty)"),
             _swatch(COLOURS["reactive"], "reactive officer"), _swatch(COLOURS["proximity"], "proximity officer"),
             _swatch(COLOURS["empty"], "empty cell")]
    return ('<div class="trustsim-legend" style="font-size:13px;line-height:1.8;max-width:480px">'
            + "".join(items)
            + '<div style="display:flex;align-items:center;gap:6px">quiet citizen, by trust: 0'
              f'<span style="flex:0 0 160px;height:12px;background:linear-gradient(to right, {stops});'
              'border:1px solid #999"></span>1</div>'
              '<div>officers are darker when more stressed</div></div>')


# ------------------------------------------------------------------ charts
class Series:
    """One line of a chart: its values and their SVG points ("x,y " in data coordinates),
    extended as steps come in. Past ``MAX_POINTS`` points it keeps every second one."""

    def __init__(self, label: str, colour: str, width: float = 2.0, opacity: float = 1.0):
        self.label, self.colour, self.width, self.opacity = label, colour, width, opacity
        self.values: list[float] = []
        self.stride, self._points = 1, []

    def extend(self, values) -> None:
        start = len(self.values)
        self.values.extend(float(v) for v in values)
        if len(self.values) // self.stride > MAX_POINTS:
            self.stride *= 2
            self._points = [self._point(i) for i in range(0, len(self.values), self.stride)]
        else:
            first = -(-start // self.stride) * self.stride
            self._points.extend(self._point(i) for i in range(first, len(self.values), self.stride))

    def _point(self, i: int) -> str:
        v = self.values[i]
        return "" if v != v else f"{i},{v:.5g}"    # NaN: a gap in the points (skipped)

    def points(self) -> str:
        last = len(self.values) - 1
        tail = [self._point(last)] if last >= 0 and last % self.stride else []
        return " ".join(p for p in (*self._points, *tail) if p)

    def top(self) -> float:
        finite = [v for v in self.values if v == v]
        return max(finite) if finite else 0.0


def _nice_ticks(hi: float, n: int = 4) -> list[float]:
    """0 and round multiples up to at least ``hi``."""
    if not hi > 0:
        hi = 1.0
    raw = hi / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [round(k * step, 12) for k in range(int(math.ceil(hi / step - 1e-9)) + 1)]


def _tick_label(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


class LineChart:
    """A line chart of some measures of a run, as an SVG with its legend outside the plot.

    ``series`` maps a measure (a column of ``model.results``) to ``(label, colour)``;
    ``smooth`` adds, for the named measure, its moving average over ``SMOOTHING_DAYS`` steps
    (the daily values then drawn faint); ``ylim`` fixes the y-axis (else 0 to the maximum)."""

    W, H, LEFT, RIGHT, TOP, BOTTOM = 440, 190, 52, 10, 8, 26

    def __init__(self, key: str, title: str, ylabel: str, series: dict, ylim=None, smooth: str | None = None):
        self.key, self.title, self.ylabel, self.spec, self.ylim, self.smooth = key, title, ylabel, series, ylim, smooth

    def new_state(self) -> dict:
        lines = {}
        for name, (label, colour) in self.spec.items():
            if name == self.smooth:
                lines[name] = Series(f"{label}, each day", colour, width=1.0, opacity=0.35)
                lines[name + "_smooth"] = Series(f"{label}, {SMOOTHING_DAYS}-day moving average", colour, width=2.5)
            else:
                lines[name] = Series(label, colour)
        return {"n": 0, "lines": lines, "cumsum": [0.0]}

    def update(self, state: dict, rows: list[dict]) -> None:
        """Append the rows not yet seen (one dict of measures per step)."""
        new = rows[state["n"]:]
        if not new:
            return
        for name in self.spec:
            values = [r.get(name, float("nan")) for r in new]
            state["lines"][name].extend(values)
            if name == self.smooth:
                cs, smooth = state["cumsum"], []
                for v in values:
                    cs.append(cs[-1] + (v if v == v else 0.0))
                    k = min(SMOOTHING_DAYS, len(cs) - 1)
                    smooth.append((cs[-1] - cs[-1 - k]) / k)
                state["lines"][name + "_smooth"].extend(smooth)
        state["n"] = len(rows)

    def svg(self, state: dict) -> str:
        lines = list(state["lines"].values())
        n = state["n"]
        x1 = max(n - 1, 10)
        if self.ylim:
            y0, y1 = self.ylim
            ticks = [y0 + (y1 - y0) * k / 4 for k in range(5)]
        else:
            ticks = _nice_ticks(max(line.top() for line in lines) * 1.05)
            y0, y1 = 0.0, ticks[-1]
        pw, ph = self.W - self.LEFT - self.RIGHT, self.H - self.TOP - self.BOTTOM
        sx, sy = pw / x1, ph / (y1 - y0)

        def ypix(v):
            return self.TOP + ph - (v - y0) * sy

        xticks = _nice_ticks(x1, 5)
        xticks = [t for t in xticks if t <= x1]
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.W} {self.H}" width="100%" '
                 f'style="max-width:{self.W * 1.4:.0f}px;font:11px sans-serif" role="img" aria-label="{html.escape(self.title)}">',
                 f'<rect x="{self.LEFT}" y="{self.TOP}" width="{pw}" height="{ph}" fill="none" stroke="#bbb"/>']
        for t in ticks:
            y = ypix(t)
            parts.append(f'<line x1="{self.LEFT}" x2="{self.LEFT + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                         f'<text x="{self.LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#444">{_tick_label(t)}</text>')
        for t in xticks:
            x = self.LEFT + t * sx
            parts.append(f'<text x="{x:.1f}" y="{self.H - 8}" text-anchor="middle" fill="#444">{t:g}</text>')
        parts.append(f'<clipPath id="clip-{self.key}"><rect x="{self.LEFT}" y="{self.TOP}" width="{pw}" height="{ph}"/></clipPath>'
                     f'<g clip-path="url(#clip-{self.key})"><g transform="translate({self.LEFT},{self.TOP + ph}) '
                     f'scale({sx:.6g},{-sy:.6g}) translate(0,{-y0:.6g})">')
        for line in lines:
            parts.append(f'<polyline class="series" fill="none" stroke="{line.colour}" stroke-width="{line.width}" '
                         f'stroke-opacity="{line.opacity}" vector-effect="non-scaling-stroke" stroke-linejoin="round" '
                         f'points="{line.points()}"/>')
        parts.append("</g></g></svg>")
        return "".join(parts)

    def html(self, state: dict) -> str:
        legend = "".join(_swatch(line.colour if line.opacity == 1 else _faint(line.colour), line.label)
                         for line in state["lines"].values())
        return (f'<div style="font-size:14px;font-weight:500">{html.escape(self.title)}</div>'
                f'<div style="font-size:12px;color:#555">{html.escape(self.ylabel)}; across: day</div>'
                f"{self.svg(state)}"
                f'<div class="trustsim-chart-legend" style="font-size:12px;line-height:1.7">{legend}</div>')


def _faint(colour: str) -> str:
    r, g, b = to_rgb(colour)
    return to_hex((1 - 0.35 * (1 - r), 1 - 0.35 * (1 - g), 1 - 0.35 * (1 - b)))


CHARTS = (
    LineChart("trust", "Trust in the police", "trust, 0 to 1",
              {"trust_mean": ("mean", "#0072b2"), "trust_p10": ("lowest 10% (10th percentile)", "#56b4e9")}, ylim=(0.0, 1.0)),
    LineChart("tension", "Tension", "mean grievance of free citizens, 0 to 1",
              {"tension": ("mean grievance", "#d55e00")}),
    LineChart("incidents", f"Incident rate ({SMOOTHING_DAYS}-day moving average)", "incidents per 1,000 citizens per day",
              {"incident_rate": ("incident rate", "#cc79a7")}, smooth="incident_rate"),
    LineChart("cost", "Cost per day", "officer-days per day",
              {"cost_total": ("total", "#000000"), "cost_policing": ("policing", "#0072b2"),
               "cost_programmes": ("social programmes", "#009e73"), "cost_jail": ("jail", "#8c8c8c"),
               "cost_incidents": ("harm of incidents", "#e69f00")}),
)


def chart_html(model: AppModel, chart: LineChart) -> str:
    """The chart for this model, its series extended with the steps run since the last call."""
    states = model.__dict__.setdefault("_chart_states", {})
    state = states.get(chart.key)
    if state is None:
        state = states[chart.key] = chart.new_state()
    chart.update(state, model._rows)
    return chart.html(state)


# ------------------------------------------------------------------ the sliders' labels
def plain_label(name: str) -> str:
    """A short plain-language label from the parameter's meaning (``Params`` metadata):
    parentheses, a leading symbol ("alpha: ...") and qualifying clauses dropped."""
    text = re.sub(r"\s*\([^)]*\)", "", Params.spec(name)["doc"])
    text = re.sub(r"^\w{1,8}: ", "", text)
    text = re.split(r",\s| when ", text)[0].strip()
    return text[:1].upper() + text[1:]


def slider_step(name: str) -> float:
    spec = Params.spec(name)
    if spec["type"] == "int":
        return 1
    hi = min(spec["hi"], SLIDER_MAX.get(name, spec["hi"]))
    return SLIDER_STEPS.get(name, 0.05 if hi - spec["lo"] <= 1 else 0.1)


def format_value(name: str, value) -> str:
    """The value at the slider's precision, with the parameter's unit."""
    unit = Params.spec(name)["unit"]
    step = slider_step(name)
    decimals = 0 if step >= 1 else max(0, -math.floor(math.log10(step) + 1e-9))
    text = f"{value:.{decimals}f}"
    if unit == "x":
        return text + "×"
    return f"{text} {unit}" if unit else text


def slider_range(name: str) -> tuple:
    spec = Params.spec(name)
    return spec["lo"], min(spec["hi"], SLIDER_MAX.get(name, spec["hi"]))


def preset_values(preset: str) -> dict:
    values = Params.build(preset).to_dict()
    return {name: values[name] for name in SLIDERS}


# ------------------------------------------------------------------ the page's state (one per browser tab)
# solara.reactive values are per session: each tab has its own model and controls.
model_r = solara.reactive(None)            # the AppModel shown; Reset replaces it
playing = solara.reactive(False)
speed = solara.reactive(DEFAULT_SPEED)
preset_r = solara.reactive(DEFAULT_PRESET)
seed_r = solara.reactive(1)
size_r = solara.reactive(DEFAULT_SIZE)
own_settings_r = solara.reactive(False)
plugin_on_r = solara.reactive(True)
settings_r = solara.reactive({})           # slider name -> value


def initial_model(preset: str | None = None) -> AppModel:
    return AppModel(preset=preset or os.environ.get(ENV_PRESET, DEFAULT_PRESET), rng=1, size=DEFAULT_SIZE,
                    plugin_on=True)


def build_model() -> AppModel:
    return AppModel(preset=preset_r.value, rng=seed_r.value, size=size_r.value, own_settings=own_settings_r.value,
                    plugin_on=plugin_on_r.value, **settings_r.value)


def refresh_views(model: AppModel) -> None:
    """Redraw what changes with each step (step counter, grid, run summary, charts) by setting
    the content of their widgets directly: no render of the page, so a frame costs about as much
    as building its HTML (a re-render of the whole page costs tens of milliseconds)."""
    with model.lock:
        for widget, content in list(model.views.values()):
            widget.unsafe_innerHTML = content(model)


def do_step() -> None:
    """One step per click: clicks are handled one after the other, none is dropped."""
    model = model_r.value
    if model is not None and not playing.value:
        model.app_step()
        refresh_views(model)


def do_reset() -> None:
    playing.set(False)
    model_r.set(build_model())


def play_loop(cancel: threading.Event, render_lock=None) -> None:
    """While playing: step, redraw, wait out the rest of 1/speed seconds.

    ``render_lock`` is the page's render lock (reacton's): a step waits while a render runs
    (one started by a click on pause, say), so the page never draws a half-made step."""
    while playing.value and not cancel.is_set():
        started = time.perf_counter()
        if render_lock is not None:
            with render_lock:
                pass
        model = model_r.value
        if cancel.is_set() or not playing.value or model is None:
            break
        model.app_step()
        refresh_views(model)
        rest = 1.0 / max(1, speed.value) - (time.perf_counter() - started)
        if rest > 0:
            cancel.wait(rest)


def _pending(model: AppModel | None) -> bool:
    """Do the controls differ from what built the model shown?"""
    if model is None:
        return False
    p = model.p
    if (preset_r.value, seed_r.value, size_r.value, own_settings_r.value) != (model.preset_name, model.seed, p.width,
                                                                              model.own_settings):
        return True
    if PLUGIN is not None and plugin_on_r.value != (model.plugin is not None):
        return True
    return own_settings_r.value and any(not math.isclose(float(v), float(getattr(p, k)), abs_tol=1e-9)
                                        for k, v in settings_r.value.items() if k not in SHARES)


# ------------------------------------------------------------------ what each step redraws
def step_counter_html(model: AppModel) -> str:
    return f"Step {model.steps}"


def grid_view_html(model: AppModel) -> str:
    return f"<div>{html.escape(grid_caption(model))}</div>{grid_html(model)}"


def run_info_html(model: AppModel) -> str:
    """What this run is: preset, settings, rules, counts, notes."""
    c, o = model.citizens, model.officers
    if model.plugin:
        rules = f"plug-in {model.plugin.describe()}"
    else:
        rules = "default rules (sim/core/rules.py)" + (f"; plug-in {PLUGIN.name} switched off" if PLUGIN else "")
    lines = [f"preset {model.preset_name}, seed {model.seed}, grid {model.p.width}x{model.p.height}, "
             f"{'your settings' if model.own_settings else 'the preset’s settings'}",
             f"citizens {len(c)}: {int((c.active & ~c.jailed).sum())} active, {int(c.jailed.sum())} jailed",
             f"officers {len(o)}: {int(o.proximity.sum())} proximity, {int(o.on_duty.sum())} on duty",
             f"rules: {rules}"]
    changed = model.p.differences()
    if changed:
        lines.append("parameters not at their defaults: " + ", ".join(f"{k} {_short(v)}" for k, v in changed.items()))
    lines += [f"note: {n}" for n in model.notes]
    return "".join(f'<div style="margin: 2px 0">{html.escape(line)}</div>' for line in lines)


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _chart_content(chart: LineChart):
    return lambda model: chart_html(model, chart)


CHART_CONTENT = {chart.key: _chart_content(chart) for chart in CHARTS}


# ------------------------------------------------------------------ components
@solara.component
def LiveHTML(key: str, content, tag: str = "div", classes=(), attributes=None, style=None):
    """HTML drawn from the model by ``content(model)``, redrawn after every step by
    :func:`refresh_views` (registered on the model under ``key``). The widget is made here and
    placed in the page as a widget, not rendered from props, so that a later render of the page
    (a click on Pause, say) does not put back the content it had when it was first rendered."""
    model = model_r.value
    attrs = {**(attributes or {}), **({"class": " ".join(classes)} if classes else {}), **({"style": style} if style else {})}

    def make():
        with model.lock:
            return solara.widgets.HTML(tag=tag, unsafe_innerHTML=content(model), attributes=attrs)

    widget = solara.use_memo(make, [])

    def register():
        with model.lock:
            widget.unsafe_innerHTML = content(model)   # a new model (Reset)
        model.views[key] = (widget, content)

        def unregister():
            if model.views.get(key, (None,))[0] is widget:
                del model.views[key]
        return unregister

    solara.use_effect(register, [model])
    solara.v.Html(tag="div", children=[widget])


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
def Player():
    """Play/pause, step, reset, speed. Playing runs in a thread of this session."""
    render_lock = getattr(reacton.core.get_render_context(required=False), "thread_lock", None)
    solara.use_thread(lambda cancel: play_loop(cancel, render_lock), dependencies=[playing.value],
                      intrusive_cancel=False)
    with solara.Row(gap="8px", style={"align-items": "center"}):
        if playing.value:
            solara.Button("❚❚ Pause", on_click=lambda: playing.set(False), color="primary", classes=["trustsim-pause"])
        else:
            solara.Button("▶ Play", on_click=lambda: playing.set(True), color="primary", classes=["trustsim-play"])
        solara.Button("Step", on_click=do_step, disabled=playing.value, outlined=True, classes=["trustsim-stepbtn"])
        solara.Button("Reset", on_click=do_reset, outlined=True, classes=["trustsim-reset"])
    _labelled_slider(f"Speed: at most {speed.value} steps per second", speed, *SPEED_RANGE, 1, False, "speed")


def _labelled_slider(label: str, value, lo, hi, step, disabled: bool, key: str, title: str = ""):
    with solara.Column(gap="0px", classes=["trustsim-slider"], style={"margin-top": "4px"}):
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(label),
                    attributes={"class": "trustsim-slider-label", "data-name": key, "title": title},
                    style=f"font-size: 13px; color: {'#999' if disabled else '#222'}")
        if isinstance(step, int) and step >= 1 and isinstance(lo, int):
            solara.SliderInt("", value=value, min=lo, max=hi, step=step, disabled=disabled, thumb_label=False)
        else:
            solara.SliderFloat("", value=value, min=lo, max=hi, step=step, disabled=disabled, thumb_label=False)


def _checkbox(label: str, value, css_class: str):
    # solara.Checkbox passes its label twice (label and child), which Vue 3 shows twice
    solara.v.Checkbox(label=label, v_model=value.value, on_v_model=value.set, hide_details=True, density="compact",
                      class_=css_class)


@solara.component
def ParameterSlider(name: str):
    """One parameter: its plain label, current value and unit (Params metadata), and the slider;
    disabled while "use the settings below" is unticked (the sliders are then ignored)."""
    value = settings_r.value.get(name, Params.spec(name)["default"])
    lo, hi = slider_range(name)

    def set_value(v):
        settings_r.set({**settings_r.value, name: v})

    spec = Params.spec(name)
    r = solara.use_reactive(value, on_change=set_value)
    if r.value != value:
        r.set(value)
    step = slider_step(name)
    if spec["type"] == "int":
        lo, hi = int(lo), int(hi)
    _labelled_slider(f"{plain_label(name)}: {format_value(name, value)}", r, lo, hi, step,
                     not own_settings_r.value, name, title=f"{name}: {spec['doc']}")


@solara.component
def Controls():
    """The controls: they take effect on Reset."""
    def choose_preset(name):
        preset_r.set(name)
        settings_r.set(preset_values(name))

    solara.Select("preset", values=list(PRESETS), value=preset_r.value, on_value=choose_preset)
    _labelled_slider(f"Seed: {seed_r.value}", seed_r, 0, 1000, 1, False, "seed")
    _labelled_slider(f"Grid size: {size_r.value} x {size_r.value} cells", size_r, SIZE_RANGE[0], SIZE_RANGE[1], 5,
                     False, "size")
    if PLUGIN is not None:
        _checkbox(f"use the plug-in {PLUGIN.name}", plugin_on_r, "trustsim-plugin-on")
    _checkbox("use the settings below (else the preset's own)", own_settings_r, "trustsim-own-settings")
    if _pending(model_r.value):
        solara.HTML(tag="div", unsafe_innerHTML="Changed: press <b>Reset</b> to apply.", classes=["trustsim-pending"],
                    style="font-size: 13px; padding: 4px 8px; background: #e8f1fb; border-left: 3px solid #0072b2")
    else:
        solara.Text("Changes apply when you press Reset.", style={"font-size": "12px", "color": "#666"})
    groups: dict[str, list[str]] = {}
    for name in SLIDERS:
        groups.setdefault(Params.spec(name)["group"], []).append(name)
    for group, names in groups.items():
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(GROUP_TITLES.get(group, group)),
                    style="font-weight: 500; margin-top: 10px; font-size: 14px")
        for name in names:
            ParameterSlider(name)


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


# ------------------------------------------------------------------ when the page's scripts do not load
ASSETS_MISSING_ID = "trustsim-assets-missing"
PAGE_CHECK = """{% extends "solara.html.j2" %}
{% block after_pre_rendered_html %}
<div id="ASSETS_ID" style="display:none;margin:16px;padding:12px;border:2px solid #d55e00;font:16px sans-serif"></div>
<script>
window.addEventListener("load", function () {
  if (typeof window.solara === "undefined") {
    var e = document.getElementById("ASSETS_ID");
    e.textContent = MESSAGE;
    e.style.display = "block";
    document.body.prepend(e);
  }
});
</script>
{{ super() }}
{% endblock %}
"""


def assets_message() -> str:
    import importlib.metadata as md

    try:
        version = md.version("solara")
    except md.PackageNotFoundError:
        version = "<your solara version>"
    return ("This page could not load its scripts (Solara's page assets are not installed and the internet "
            f"cannot be reached): install them with pip install solara-assets=={version}, then restart trustsim app.")


def install_page_check() -> None:
    """Add to Solara's page a line that shows if its scripts fail to load (no script needed
    to show it), instead of a blank page. Safe to call more than once."""
    import json

    import jinja2
    from solara.server import server

    if getattr(server.get_jinja_env, "_trustsim", False):
        return
    original = server.get_jinja_env
    template = (PAGE_CHECK.replace("ASSETS_ID", ASSETS_MISSING_ID)
                .replace("MESSAGE", json.dumps(assets_message()).replace("<", "\\u003c")))

    def get_jinja_env(app_name: str):
        env = original(app_name=app_name)
        if not getattr(env, "_trustsim", False):
            env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({"index.html.j2": template}), env.loader])
            env.cache = {} if env.cache is not None else None
            env._trustsim = True
        return env

    get_jinja_env._trustsim = True
    server.get_jinja_env = get_jinja_env


try:
    install_page_check()
except Exception:  # noqa: BLE001 - a Solara without this hook: the page works, only without the notice
    pass
