"""What each step redraws (step counter, grid, run summary, charts), and :func:`LiveHTML`, the
widget that shows one of them and is redrawn by :func:`sim.app.player.refresh_views`."""

from __future__ import annotations

import html

import solara

from sim.app.charts import CHARTS, LineChart, chart_html
from sim.app.grid import grid_caption, grid_html
from sim.app.model import PLUGIN, AppModel
from sim.app.state import model_r


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


# ------------------------------------------------------------------ the widget each of those is shown in
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
