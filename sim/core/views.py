"""Views of a :class:`sim.core.model.TrustModel` for notebooks and for Mesa's tools: a mixin,
:class:`ModelViews`, that reads the model's state and recorded measures without changing them.

    m = sim.TrustModel(preset="proximity", rng=7, width=40, height=40).run(50)
    m                                   # in Jupyter: the setting and the last step's measures (_repr_html_)
    m.plot()                            # trust, tension, incident rate, cost per step: a matplotlib Figure
    m.agents_frame()                    # one row per citizen and officer with its state (pandas)
    m.datacollector.get_model_vars_dataframe()      # Mesa's DataCollector interface: the measures per step
    mesa.batch_run(sim.TrustModel, parameters={"preset": "mixed", "width": 30, "height": 30},
                   iterations=2, max_steps=20, number_processes=1)

Agent state is arrays (:mod:`sim.core.population`), so the model has no Mesa ``Agent`` objects
(``m.agents`` is empty): :meth:`ModelViews.agents_frame` gives the same information as a DataFrame
in one vectorised pass, and :attr:`ModelViews.datacollector` is a :class:`mesa.DataCollector` whose
model variables are the measures the model records every step anyway (:data:`sim.core.measures.MEASURES`
and ``EXTRA_MEASURES``). Labels and units come from :data:`sim.core.measures.MEASURE_INFO`.
"""

from __future__ import annotations

import html
import io

import mesa
import numpy as np
import pandas as pd

from sim.core.measures import MEASURE_INFO, MEASURES, measure_info
from sim.core.params import ParamError, Params, unknown_name_message
from sim.core.presets import PRESETS

PLOT_MEASURES = ("trust_mean", "tension", "incident_rate", "cost_total")
"""What :meth:`ModelViews.plot` draws by default: one panel each."""

REPR_MEASURES = MEASURES
"""The measures of the last step shown by the model's HTML repr, in this order."""

AGENT_COLUMNS = ("kind", "id", "x", "y", "trust", "hardship", "risk_aversion", "active", "jailed", "jail_left",
                 "mode", "stress", "on_duty", "available")
"""Columns of :meth:`ModelViews.agents_frame`."""


class MeasuresCollector(mesa.DataCollector):
    """A :class:`mesa.DataCollector` over a TrustModel's recorded measures (a live view: it grows as
    the model steps; :meth:`collect` has nothing to do, the model records every step itself).

    ``model_vars`` is ``{measure: [value at step 0, 1, ...]}`` (step 0: the initial state),
    ``get_model_vars_dataframe()`` the measures per step (index = step), which is what
    :func:`mesa.batch_run` reads. There are no agent reporters (the agents are arrays: see
    :meth:`ModelViews.agents_frame`); tables (``add_table_row``) work as in Mesa."""

    def __init__(self, model):
        super().__init__()
        self._model = model

    # Mesa's DataCollector sets these as plain attributes in __init__; here they are read from the model.
    @property
    def model_reporters(self) -> dict:
        return {name: name for name in self._columns()}

    @model_reporters.setter
    def model_reporters(self, value):
        pass

    @property
    def model_vars(self) -> dict:
        rows = self._model._rows
        return {name: [row[name] for row in rows] for name in self._columns()}

    @model_vars.setter
    def model_vars(self, value):
        pass

    @property
    def _collection_steps(self) -> list[int]:
        return [int(row["step"]) for row in self._model._rows]

    @_collection_steps.setter
    def _collection_steps(self, value):
        pass

    def _columns(self) -> list[str]:
        rows = self._model._rows
        return [k for k in rows[0] if k != "step"] if rows else []

    def collect(self, model):
        """Nothing to do: the model records its measures at every step."""

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """The measures, one row per step (index: the step, 0 = the initial state)."""
        df = pd.DataFrame(self._model._rows)
        return df.set_index("step") if "step" in df else df

    def __repr__(self):
        return f"<MeasuresCollector: {len(self._columns())} measures x {len(self._model._rows)} steps>"


class ModelViews:
    """Notebook and Mesa views of a TrustModel (mixed into it: ``class TrustModel(ModelViews,
    mesa.Model)``). Reads ``p``, ``citizens``, ``officers``, ``steps``, ``_rows`` and ``results``."""

    # ------------------------------------------------------------------ Mesa
    @property
    def datacollector(self) -> MeasuresCollector:
        """A :class:`mesa.DataCollector` over the recorded measures (the same object every time)."""
        dc = self.__dict__.get("_measures_collector")
        if dc is None:
            dc = self.__dict__["_measures_collector"] = MeasuresCollector(self)
        return dc

    def agents_frame(self) -> pd.DataFrame:
        """One row per citizen then per officer, with its state now: ``kind`` ("citizen"/"officer"),
        ``id`` (index among its kind), ``x``, ``y`` (its cell; a jailed citizen's last cell),
        citizens' ``trust`` (L_i: Epstein's global legitimacy when trust is off), ``hardship``,
        ``risk_aversion``, ``active``, ``jailed``, ``jail_left``; officers' ``mode`` ("reactive",
        "proximity" or "hotspot"), ``stress``, ``on_duty``, ``available``. Columns that do not
        apply to a kind are missing values (NaN / None / <NA>)."""
        c, o, width = self.citizens, self.officers, self.p.width
        n_c, n_o = len(c), len(o)
        cy, cx = np.divmod(np.asarray(c.cell, np.int64), width)
        oy, ox = np.divmod(np.asarray(o.cell, np.int64), width)
        is_officer = np.concatenate([np.zeros(n_c, bool), np.ones(n_o, bool)])
        mode = np.where(o.proximity, 1, np.where(o.hotspot, 2, 0))

        def citizens_only(values, fill, array):   # a nullable column: missing for officers
            return array(np.concatenate([np.asarray(values), np.full(n_o, fill)]), is_officer)

        def officers_only(values, fill, array):   # a nullable column: missing for citizens
            return array(np.concatenate([np.full(n_c, fill), np.asarray(values)]), ~is_officer)

        nan_o, nan_c = np.full(n_o, np.nan), np.full(n_c, np.nan)
        frame = pd.DataFrame({
            "kind": pd.Categorical.from_codes(is_officer.astype(np.int8), categories=["citizen", "officer"]),
            "id": np.concatenate([np.arange(n_c), np.arange(n_o)]),
            "x": np.concatenate([cx, ox]),
            "y": np.concatenate([cy, oy]),
            "trust": np.concatenate([np.asarray(self.legitimacy, float), nan_o]),
            "hardship": np.concatenate([c.hardship, nan_o]),
            "risk_aversion": np.concatenate([c.risk_aversion, nan_o]),
            "active": citizens_only(c.active, False, pd.arrays.BooleanArray),
            "jailed": citizens_only(c.jailed, False, pd.arrays.BooleanArray),
            "jail_left": citizens_only(np.asarray(c.jail_left, np.int64), 0, pd.arrays.IntegerArray),
            "mode": pd.Categorical.from_codes(np.concatenate([np.full(n_c, -1), mode]).astype(np.int8),
                                              categories=["reactive", "proximity", "hotspot"]),
            "stress": np.concatenate([nan_c, o.stress]),
            "on_duty": officers_only(o.on_duty, False, pd.arrays.BooleanArray),
            "available": officers_only(o.available, False, pd.arrays.BooleanArray),
        }, columns=list(AGENT_COLUMNS))
        return frame

    # ------------------------------------------------------------------ notebooks
    def plot(self, measures=None, *, figsize=None):
        """The measures per step, one panel each (default :data:`PLOT_MEASURES`: trust, tension,
        incident rate, total cost), titled and labelled from :data:`MEASURE_INFO`. Returns the
        matplotlib Figure (shown by Jupyter; ``fig.savefig("run.png")`` elsewhere)."""
        df = self.results
        names = list(PLOT_MEASURES if measures is None else ([measures] if isinstance(measures, str) else measures))
        unknown = [m for m in names if m not in df.columns or m == "step"]
        if unknown or not names:
            choices = [c for c in df.columns if c != "step"]
            raise ParamError([unknown_name_message(m, choices, what="measure") for m in unknown]
                             or ["measures: expected at least one measure name"])
        cols = 1 if len(names) == 1 else 2
        rows = -(-len(names) // cols)
        fig = _figure_class()(figsize=figsize or (5.2 * cols, 2.9 * rows), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax, name in zip(axes, names):
            info = measure_info(name)
            y = df[name].to_numpy(float) * info.scale
            ax.plot(df["step"], y, color="#1f4e79", lw=1.4)
            ax.set_title(info.short[:1].upper() + info.short[1:], fontsize=10, loc="left")
            ax.set_ylabel(info.scale_unit or info.unit, fontsize=8)
            ax.set_xlabel("step (day)", fontsize=8)
            low, high = info.range
            finite = y[np.isfinite(y)]
            if low is not None and len(finite) and finite.min() >= low * info.scale:   # from the lowest possible value
                top = max(finite.max(), low * info.scale)
                if high is not None:
                    top = min(top, high * info.scale)
                span = top - low * info.scale
                ax.set_ylim(low * info.scale, top + (0.05 * span if span > 0 else max(abs(top), 1.0) * 0.1))
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
        for ax in axes[len(names):]:
            ax.set_visible(False)
        fig.suptitle(f"{self._setting_title()}: {self.steps} steps", fontsize=11)
        return fig

    def _repr_html_(self) -> str:
        """Jupyter's view: the setting, then the last step's measures with labels and units."""
        e = html.escape
        p = self.p
        activation = p.activation + (f" ({p.activation_batches} batches)" if p.activation == "batches" else "")
        setting = [("preset", self._preset_words()), ("grid", f"{p.width} x {p.height} torus"),
                   ("citizens", f"{len(self.citizens):,}"), ("officers", f"{len(self.officers):,}"),
                   ("activation", activation), ("steps run", f"{self.steps:,}"), ("seed", str(self.seed))]
        last = self._rows[-1] if self._rows else {}
        rows = []
        for name in REPR_MEASURES:
            if name not in last:
                continue
            info = MEASURE_INFO.get(name) or measure_info(name)
            value, unit = _shown(last[name], info)
            rows.append(f"<tr><td style='text-align:left'>{e(info.label)}</td><td style='text-align:right'>{e(value)}"
                        f"</td><td style='text-align:left;color:#555'>{e(unit)}</td></tr>")
        head = "".join(f"<tr><th style='text-align:left'>{e(k)}</th><td style='text-align:left'>{e(v)}</td></tr>"
                       for k, v in setting)
        return (f"<div><strong>TrustModel</strong>"
                f"<table>{head}</table>"
                f"<details open><summary>measures at step {self.steps}</summary><table>{''.join(rows)}</table>"
                f"</details></div>")

    # ------------------------------------------------------------------ helpers
    def _closest_preset(self) -> tuple[str | None, dict]:
        """(preset name, {field: value} where the model's parameters differ from it): the preset the
        model was built from (``preset_name`` or ``preset`` if set), else the preset its parameters
        differ least from (None: Params' defaults fit better)."""
        named = getattr(self, "preset_name", None) or getattr(self, "preset", None)
        candidates = [named] if isinstance(named, str) and named in PRESETS else [None, *PRESETS]
        best = None
        for name in candidates:
            try:
                base = Params.build(name)
            except Exception:  # noqa: BLE001 -- a preset that does not build is not a candidate
                continue
            diff = self.p.differences(base)
            if best is None or len(diff) < len(best[1]):
                best = (name, diff)
        return best if best is not None else (None, self.p.differences())

    def _preset_words(self) -> str:
        name, diff = self._closest_preset()
        base = name if name else "defaults"
        if not diff:
            return base
        shown = ", ".join(f"{k}={v!r}" for k, v in list(diff.items())[:4])
        more = f", ... ({len(diff)} changes)" if len(diff) > 4 else ""
        return f"{base} with {shown}{more}"

    def _setting_title(self) -> str:
        name, diff = self._closest_preset()
        return (name or "defaults") + (f" (+{len(diff)} changes)" if diff else "")


def _figure_class():
    """A matplotlib Figure that shows itself in Jupyter (``_repr_png_``) whether or not pyplot and
    its inline backend are loaded; made on first use, so importing the model does not load matplotlib."""
    global _Figure
    if _Figure is None:
        from matplotlib.figure import Figure

        class MeasuresFigure(Figure):
            def _repr_png_(self):
                buf = io.BytesIO()
                self.savefig(buf, format="png", dpi=100)
                return buf.getvalue()

        _Figure = MeasuresFigure
    return _Figure


_Figure = None


def _shown(value, info) -> tuple[str, str]:
    """(value, unit) as the repr shows them: shares in % where the measure says so, 3 significant digits."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value), info.unit
    if not np.isfinite(v):
        return "n/a", info.scale_unit or info.unit
    v *= info.scale
    text = f"{v:,.0f}" if abs(v) >= 1000 or (v == int(v) and info.scale == 1 and abs(v) >= 1) else f"{v:.3g}"
    return text, info.scale_unit or info.unit
