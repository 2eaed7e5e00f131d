"""The students' app: watch the model on its grid, change parameters and rules, see the charts.

Start it with ``trustsim app`` (``--preset NAME``, ``--rules FILE`` for a rule plug-in,
``--port``, ``--host``); ``docs/students.md`` is the guide. The page is Mesa's
:func:`mesa.visualization.SolaraViz`: its sidebar has play, pause, step and reset, the step
counter and the controls below; the main area has the grid, a run summary and four charts
made with :func:`mesa.visualization.make_plot_component`.

The model keeps its agents in arrays, not Mesa agents on a Mesa space, so the grid is drawn
here from the arrays as one image (:func:`grid_image`): the cost is one pass over the cells,
whatever the number of agents. (Mesa's ``make_space_component`` / ``SpaceRenderer`` draw Mesa
spaces, one portrayal per agent object: they cannot draw this model, and would be slow on
large grids if they could.)

The charts read ``model.datacollector.get_model_vars_dataframe()``, as Mesa's plot component
expects; :class:`AppModel` supplies it from ``TrustModel.results``.

Controls take effect on **Reset** (Mesa's rule): choose a preset, tick "use the settings
below" to apply the sliders instead of the preset's own values, then press Reset.
"""

from __future__ import annotations

import io
import os
from functools import lru_cache

import numpy as np
import solara
from matplotlib import colormaps
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from mesa.visualization import Slider, SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from sim.core.model import TrustModel
from sim.core.params import RADII, ParamError, Params
from sim.core.presets import PRESETS
from sim.errors import UserError

ENV_PRESET = "TRUSTSIM_APP_PRESET"   # set by `trustsim app`; the server imports this module
ENV_RULES = "TRUSTSIM_APP_RULES"
DEFAULT_PRESET = "mixed"
DEFAULT_SIZE = 50
SIZE_RANGE = (25, 400)               # cells per side; the image has one pixel per cell

# colours (Okabe-Ito, colour-blind safe); quiet citizens take their trust's colour
TRUST_CMAP = "cividis"
COLOURS = {"empty": "#ffffff", "active": "#d55e00", "jailed": "#8c8c8c",
           "reactive": "#cc79a7", "proximity": "#009e73"}
STRESS_DARKENING = 0.6               # a fully stressed officer's colour is 60% darker
GRID_PIXELS = 480                    # the grid image is about this many pixels a side

SHARES = ("share_officers", "share_support", "share_welfare", "share_awareness")
# the sliders: policy (budget), Epstein's core, trust weights
SLIDERS = (*SHARES, "proximity_fraction", "budget_per_cell", "officer_density", "vision", "legitimacy",
           "trust_initial_mean", "trust_step", "negativity_bias", "weight_arrested", "weight_witness_arrest",
           "weight_help", "weight_report")
SLIDER_STEPS = {"vision": 1, "negativity_bias": 0.5, "budget_per_cell": 0.005, "officer_density": 0.005}
SLIDER_MAX = {"budget_per_cell": 0.2, "officer_density": 0.2}   # beyond, the grid is mostly officers


def _load_configured_plugin():
    path = os.environ.get(ENV_RULES)
    if not path:
        return None, None
    from sim.core.plugins import load_plugin

    try:
        return load_plugin(path), None
    except UserError as err:
        return None, "; ".join(err.problems)


PLUGIN, PLUGIN_ERROR = _load_configured_plugin()


# ------------------------------------------------------------------ the model, as the app runs it
class _Measures:
    """What Mesa's plot component reads: ``get_model_vars_dataframe()``, one row per step."""

    def __init__(self, model):
        self.model, self._cache = model, (None, None)

    def get_model_vars_dataframe(self):
        n = len(self.model._rows)
        if self._cache[0] != n:
            self._cache = (n, self.model.results)
        return self._cache[1]


class AppModel(TrustModel):
    """TrustModel as the app builds it from its controls.

    ``preset`` and ``rng`` (the seed) as in TrustModel; ``size`` cells per side; ``own_settings``
    applies the slider values (``**settings``, names of :class:`sim.core.params.Params`) over the
    preset, with the budget shares scaled to sum 1; ``plugin_on`` uses the plug-in given to
    ``trustsim app --rules``. It never fails on a combination of controls: what had to be
    adjusted or ignored is listed in ``notes``."""

    def __init__(self, preset: str = DEFAULT_PRESET, rng: int = 1, size: int = DEFAULT_SIZE,
                 own_settings: bool = False, plugin_on: bool = True, scenario=None, **settings):
        # ``scenario``: Mesa's Reset passes a mesa.experimental Scenario; this model does not use one
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

    @property
    def datacollector(self) -> _Measures:
        if not hasattr(self, "_measures"):
            self._measures = _Measures(self)
        return self._measures


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
def grid_image(model: TrustModel) -> np.ndarray:
    """(height, width, 3) RGB floats: quiet citizens coloured by trust, active citizens,
    jailed citizens (at their last cell while it stays empty; they are off the grid),
    reactive and proximity officers darkened by stress. Vectorised over cells."""
    c, o, p = model.citizens, model.officers, model.p
    size = model.grid.size
    img = np.empty((size, 3))
    img[:] = to_rgb(COLOURS["empty"])
    occupied = np.zeros(size, bool)
    free = ~c.jailed
    occupied[c.cell[free]] = True
    if o.cell.size:
        occupied[o.cell] = True
    jailed_cells = c.cell[c.jailed]
    if not p.jailed_keep_cell:
        jailed_cells = jailed_cells[~occupied[jailed_cells]]
    img[jailed_cells] = to_rgb(COLOURS["jailed"])
    quiet = free & ~c.active
    img[c.cell[quiet]] = colormaps[TRUST_CMAP](np.clip(model.legitimacy[quiet], 0.0, 1.0))[:, :3]
    img[c.cell[free & c.active]] = to_rgb(COLOURS["active"])
    if o.cell.size:
        base = np.where(o.proximity[:, None], to_rgb(COLOURS["proximity"]), to_rgb(COLOURS["reactive"]))
        img[o.cell] = base * (1.0 - STRESS_DARKENING * np.clip(o.stress, 0.0, 1.0))[:, None]
    return img.reshape(p.height, p.width, 3)


def grid_png(model: TrustModel, target: int = GRID_PIXELS) -> bytes:
    """The grid image as PNG bytes, each cell an equal square of pixels (nearest neighbour;
    about ``target`` pixels a side). Built with numpy and Pillow, no matplotlib: a few
    milliseconds even for a 400x400 grid."""
    from PIL import Image

    img = (grid_image(model) * 255).round().astype(np.uint8)
    k = max(1, target // max(img.shape[:2]))
    buf = io.BytesIO()
    Image.fromarray(img).resize((img.shape[1] * k, img.shape[0] * k), Image.NEAREST).save(buf, format="png")
    return buf.getvalue()


def grid_caption(model: TrustModel) -> str:
    c, o = model.citizens, model.officers
    return (f"step {model.steps}: {int((c.active & ~c.jailed).sum())} active, {int(c.jailed.sum())} jailed, "
            f"{int(o.on_duty.sum())}/{len(o)} officers on duty")


@lru_cache(maxsize=1)
def legend_png() -> bytes:
    """The legend and the trust colour bar (drawn once)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    fig = Figure(figsize=(2.1, 4.6), dpi=90)
    handles = [Patch(color=colormaps[TRUST_CMAP](0.85), label="quiet citizen\n(colour: trust)"),
               Patch(color=COLOURS["active"], label="active citizen"),
               Patch(color=COLOURS["jailed"], label="jailed (at the cell\nof arrest, if empty)"),
               Patch(color=COLOURS["reactive"], label="reactive officer"),
               Patch(color=COLOURS["proximity"], label="proximity officer"),
               Patch(color="#333333", label="darker officer:\nmore stressed")]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 1.0), fontsize=8, frameon=False)
    cax = fig.add_axes((0.08, 0.05, 0.12, 0.38))
    bar = fig.colorbar(ScalarMappable(norm=Normalize(0.0, 1.0), cmap=TRUST_CMAP), cax=cax)
    bar.set_label("trust of quiet citizens", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


@solara.component
def GridView(model):
    """The grid, redrawn after every step, with its legend."""
    update_counter.get()
    with solara.Column(gap="4px"):
        solara.Text(grid_caption(model))
        with solara.Row(gap="8px"):
            solara.Image(grid_png(model), format="png")
            solara.Image(legend_png(), format="png")


@solara.component
def RunInfo(model):
    """Step counter and what this run is: preset, settings, rules, notes."""
    update_counter.get()
    c, o = model.citizens, model.officers
    if model.plugin:
        rules = f"plug-in {model.plugin.describe()}"
    else:
        rules = "default rules (sim/rules.py)" + (f"; plug-in {PLUGIN.name} switched off" if PLUGIN else "")
    lines = [f"preset {model.preset_name}, seed {model.seed}, grid {model.p.width}x{model.p.height}, "
             f"{'your settings' if model.own_settings else 'the preset’s settings'}",
             f"citizens {len(c)}: {int((c.active & ~c.jailed).sum())} active, {int(c.jailed.sum())} jailed",
             f"officers {len(o)}: {int(o.proximity.sum())} proximity, {int(o.on_duty.sum())} on duty",
             f"rules: {rules}"]
    changed = model.p.differences()
    if changed:
        lines.append("parameters not at their defaults: " + ", ".join(f"{k} {_short(v)}" for k, v in changed.items()))
    if PLUGIN_ERROR:
        lines.append(f"plug-in not loaded: {PLUGIN_ERROR}")
    lines += [f"note: {n}" for n in model.notes]
    with solara.Column(gap="2px"):
        solara.HTML(tag="h3", unsafe_innerHTML=f"Step {model.steps}", attributes={"class": "trustsim-step"})
        for line in lines:
            solara.Text(line)


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


# ------------------------------------------------------------------ charts
def _labels(title, ylabel, ylim=None):
    def post_process(ax):
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        if ylim:
            ax.set_ylim(*ylim)
    return post_process


CHARTS = (
    make_plot_component({"trust_mean": "#0072b2", "trust_p10": "#56b4e9"},
                        post_process=_labels("trust (mean and 10th percentile)", "trust, 0-1", (0, 1))),
    make_plot_component({"tension": "#d55e00"}, post_process=_labels("tension", "mean grievance of free citizens")),
    make_plot_component({"incident_rate": "#cc79a7"},
                        post_process=_labels("incident rate", "incidents per 1,000 citizens per step")),
    make_plot_component({"cost_total": "#000000", "cost_policing": "#0072b2", "cost_programmes": "#009e73",
                         "cost_jail": "#8c8c8c", "cost_incidents": "#e69f00"},
                        post_process=_labels("cost per step", "officer-days per step")),
)


# ------------------------------------------------------------------ controls
def model_params(preset: str, plugin=None) -> dict:
    """Mesa's ``model_params``: a preset menu, seed, grid size, the switches and one slider per
    main parameter, starting at the preset's values (so Reset alone reproduces the start)."""
    values = Params.build(preset).to_dict()
    out = {
        "preset": {"type": "Select", "value": preset, "values": list(PRESETS), "label": "preset"},
        "rng": Slider("seed", 1, 0, 1000, 1),
        "size": Slider("grid size (cells per side)", DEFAULT_SIZE, SIZE_RANGE[0], SIZE_RANGE[1], 5),
    }
    if plugin is not None:
        out["plugin_on"] = {"type": "Checkbox", "value": True, "label": f"use the plug-in {plugin.name}"}
    out["own_settings"] = {"type": "Checkbox", "value": False,
                           "label": "use the settings below (else the preset's own), then Reset"}
    for name in SLIDERS:
        spec = Params.spec(name)
        hi = min(spec["hi"], SLIDER_MAX.get(name, spec["hi"]))
        if spec["type"] == "int":
            out[name] = Slider(name, int(values[name]), int(spec["lo"]), int(hi), 1)
        else:
            step = SLIDER_STEPS.get(name, 0.05 if hi - spec["lo"] <= 1 else 0.1)
            out[name] = Slider(name, float(values[name]), float(spec["lo"]), float(hi), step, dtype=float)
    return out


def initial_model(preset: str | None = None) -> AppModel:
    return AppModel(preset=preset or os.environ.get(ENV_PRESET, DEFAULT_PRESET), rng=1, size=DEFAULT_SIZE,
                    plugin_on=True)


@solara.component
def Dashboard(model):
    """The main area: grid and run summary, then the four charts, two by two.

    (Laid out here rather than by SolaraViz's ``components``: with Solara 1.64 on Vue 3 the
    draggable grid SolaraViz puts them in fails to load, "GlobalVue.use is not a function".)"""
    with solara.Column(gap="8px", style={"padding": "8px"}):
        with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            GridView(model)
            RunInfo(model)
        for pair in (CHARTS[:2], CHARTS[2:]):
            with solara.Columns([1, 1]):
                for make_chart, _page in pair:
                    with solara.Column(classes=["trustsim-chart"]):
                        make_chart(model)


@solara.component
def Page():
    """One page per browser tab, each with its own model. SolaraViz gives the sidebar
    (play, pause, step, reset, step counter, the controls); its Reset replaces
    ``model.value``, which redraws the dashboard with the new model."""
    preset = os.environ.get(ENV_PRESET, DEFAULT_PRESET)
    first = solara.use_memo(lambda: initial_model(preset), [])
    model = solara.use_reactive(first)
    SolaraViz(model, components=[], model_params=model_params(preset, PLUGIN), name="trustsim", play_interval=150)
    Dashboard(model.value)
