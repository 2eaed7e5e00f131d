"""Charts of a results folder (or a results object) for people who do not read Parquet.

    import sim, sim.present.plots as plots
    res = sim.load_results("results/compare-policies-...")      # or plots.load("results/...")
    fig = plots.timeseries(res)                                   # a matplotlib Figure
    fig.savefig("trust.png")
    plots.save_all(res, "results/.../figures", fmt="svg")         # what `trustsim plot DIR` does

Every function takes a results object (anything with ``.timeseries``, ``.summary``,
``.manifest``, ``.maps``: :class:`sim.run.experiment.Results`), a results folder path, or the
:class:`Data` of :func:`load`, and returns a :class:`matplotlib.figure.Figure` made without
pyplot (no global state, nothing left open; works with any backend).

Charts (each also gives its one-line caption through :data:`CAPTIONS`):

``timeseries``   each measure over time per policy: mean across replicates and its 95% t band;
                 the summary window is shaded.
``forest``       paired difference to the baseline per policy and measure, with its 95% interval
                 (filled marker: the interval excludes 0, a clear difference; hollow: within noise).
``costs``        cost per day by kind per policy (stacked bars, whole run, with the 95% interval of
                 the total) and the cost per incident averted with its Fieller interval.
``maps``         final trust and cumulative incidents per cell, replicate 0, policies side by side,
                 one colour scale per row.
``sweep_heatmap``  a measure (or a policy's difference to the baseline) over two swept parameters.
``sensitivity``    Sobol (S1, ST) or Morris (mu*, sigma) indices as bars with confidence intervals.

Design: Okabe-Ito colours (safe for the common colour-vision deficiencies) plus line styles, so
charts survive grey-scale printing; the baseline is black. Sequential maps use cividis and
viridis-family colour maps, differences a diverging map centred on 0. Axes carry units (one step
is one day; costs are in officer-days, the cost of one officer for one day). Figures are sized
for a report column (7.5 in wide) with 9-10 pt text.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats as _st

from sim.errors import UserError

# ---------------------------------------------------------------------------------- style
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
# Policy colours in scenario order after the baseline (which is black); yellow last (weak on white).
POLICY_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)))
MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")
COST_COLOURS = {"cost_policing": "#0072B2", "cost_programmes": "#009E73", "cost_jail": "#E69F00",
                "cost_incidents": "#D55E00"}
WIDTH_IN = 7.5          # report column width, inches
DPI = 150
STYLE = {
    "font.size": 9, "axes.titlesize": 9.5, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "legend.fontsize": 8.5, "figure.titlesize": 11, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.color": "#dddddd", "grid.linewidth": 0.6, "axes.axisbelow": True,
    "svg.fonttype": "path", "pdf.fonttype": 42, "figure.facecolor": "white", "savefig.facecolor": "white",
}

# measure -> (label, unit, better: +1 higher is better, -1 lower is better, 0 neither, short label, range)
# ``range``: the values the measure can take, used to cut confidence bands at what is possible.
MEASURE_INFO = {
    "trust_mean": ("mean trust", "0-1 scale", +1, "mean trust", (0, 1)),
    "trust_p10": ("trust of the least trusting 10%", "0-1 scale, 10th percentile", +1, "trust, lowest 10%", (0, 1)),
    "tension": ("tension", "0-1, mean grievance of free citizens", -1, "tension", (0, 1)),
    "active_fraction": ("citizens in open revolt", "share of citizens, 0-1", -1, "citizens in revolt", (0, 1)),
    "incidents": ("incidents", "per day", -1, "incidents", (0, None)),
    "incident_rate": ("incident rate", "per 1,000 citizens per day", -1, "incident rate", (0, None)),
    "reported_share": ("incidents reported", "share of incidents, 0-1", +1, "incidents reported", (0, 1)),
    "arrests": ("arrests", "per day", 0, "arrests", (0, None)),
    "jailed_fraction": ("citizens in jail", "share of citizens, 0-1", 0, "citizens in jail", (0, 1)),
    "officer_stress": ("officer stress", "0-1, mean over officers", -1, "officer stress", (0, 1)),
    "officers_on_duty": ("officers on duty", "officers", 0, "officers on duty", (0, None)),
    "cost_policing": ("policing cost", "officer-days per day", 0, "policing cost", (0, None)),
    "cost_programmes": ("programme cost", "officer-days per day", 0, "programme cost", (0, None)),
    "cost_jail": ("jail cost", "officer-days per day", 0, "jail cost", (0, None)),
    "cost_incidents": ("social cost of incidents", "officer-days per day", -1, "cost of incidents", (0, None)),
    "cost_total": ("total cost", "officer-days per day", -1, "total cost", (0, None)),
    "officers": ("officers employed", "officers", 0, "officers", (0, None)),
    "budget_spent": ("budget spent", "officer-days per day", 0, "budget spent", (0, None)),
    "awareness": ("awareness", "0-1", 0, "awareness", (0, 1)),
    "contacts": ("proximity contacts", "per day", 0, "contacts", (0, None)),
    "supported": ("citizens supported", "per day", 0, "citizens supported", (0, None)),
    "incidents_cumulative": ("incidents over the run", "incidents", -1, "incidents, whole run", (0, None)),
    "cost_cumulative": ("total cost over the run", "officer-days", -1, "cost, whole run", (0, None)),
    "cost_per_incident_averted": ("cost per incident averted", "officer-days per incident", -1,
                                  "cost per incident averted", (None, None)),
}
COST_KINDS = ("cost_policing", "cost_programmes", "cost_jail", "cost_incidents")
COST_LABELS = {"cost_policing": "policing (officers)", "cost_programmes": "programmes (support, welfare, awareness)",
               "cost_jail": "jail", "cost_incidents": "social cost of incidents"}

TIMESERIES_MAIN = ("trust_mean", "trust_p10", "tension", "active_fraction", "incident_rate", "reported_share")
TIMESERIES_MORE = ("arrests", "jailed_fraction", "officer_stress", "officers_on_duty", "contacts", "cost_total")
# daily counts and shares of them: noisy from day to day, drawn as moving averages in long runs
FLOW_MEASURES = ("incidents", "incident_rate", "reported_share", "arrests", "active_fraction", "contacts",
                 "supported", "cost_incidents", "cost_total")
FOREST_MEASURES = ("trust_mean", "trust_p10", "tension", "incident_rate", "reported_share", "officer_stress",
                   "incidents_cumulative", "cost_cumulative")

CAPTIONS = {
    "timeseries": "Each line is the mean over the replicates of one policy; the band is its 95% confidence "
                  "interval (cut at what the measure can take). Daily counts are shown as moving averages where the "
                  "title says so. The grey area is the window the summary table averages.",
    "timeseries_more": "Mean over the replicates of each policy with its 95% band (cut at what the measure can "
                       "take); the grey area is the summary window.",
    "forest": "Each point is a policy's difference to the baseline (paired by replicate) with its 95% interval. "
              "Filled: the interval excludes 0 (a clear difference); hollow: it includes 0 (within noise).",
    "costs": "Top: average cost per day over the whole run, by kind (the whisker is the 95% interval of the "
             "total). Bottom: extra public spending per incident averted compared with the baseline (below 0: the "
             "policy saves money); no bar means no clear reduction in incidents.",
    "maps": "End of replicate 0. Top: each citizen's trust (grey: empty cell). Bottom: incidents per cell over "
            "the whole run (hot spots). Each row uses one colour scale for all policies.",
    "sensitivity": "Which swept parameters drive the results. Bars: each parameter's total effect (Sobol ST, "
                   "including interactions; Morris: mean absolute effect mu*) with its 95% interval; diamonds: its "
                   "effect alone (S1; Morris: sigma, the sign of interactions). Near zero: the result does not "
                   "depend on that assumption.",
}


def _rc():
    return matplotlib.rc_context(STYLE)


def _figure(height_in: float, width_in: float = WIDTH_IN) -> Figure:
    return Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")


def info(measure: str) -> tuple:
    """(label, unit, better, short label, (low, high) range) of a measure (generic for unknown names)."""
    name = measure.replace("_", " ")
    return MEASURE_INFO.get(measure, (name, "", 0, name, (None, None)))


def label(measure: str, unit: bool = True) -> str:
    name, u = info(measure)[:2]
    return f"{name} ({u})" if unit and u else name


def unit(measure: str) -> str:
    return info(measure)[1]


def better(measure: str) -> int:
    return info(measure)[2]


# ---------------------------------------------------------------------------------- data
@dataclass
class Data:
    """What the charts and the report read: any part may be missing (None / empty).

    A comparison folder (:mod:`sim.run.experiment`) gives ``timeseries``, ``summary``, ``manifest``
    and ``maps``; a sweep folder (:mod:`sim.run.sweep`) gives ``sweep`` (runs.parquet: one row per
    run), ``points`` (points.csv: per design point, policy and measure) and ``sweep_meta``
    (sweep.json); a sensitivity folder adds ``indices`` (indices.csv)."""

    timeseries: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)
    maps: dict = field(default_factory=dict)
    sweep: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    indices: pd.DataFrame | None = None
    sweep_meta: dict = field(default_factory=dict)
    folder: Path | None = None

    @property
    def resolved(self) -> dict:
        """The resolved scenario: name, description, steps, replicates, seed, baseline, window,
        window_steps, policies (with their full parameters); for a sweep also ``parameters`` and
        ``design``."""
        r = self.manifest.get("resolved")
        if r:
            return r
        meta = self.sweep_meta.get("resolved") or {}
        if meta:
            return {**(meta.get("scenario") or {}), "name": meta.get("name"), "description": meta.get("description"),
                    "seed": meta.get("seed"), "replicates": meta.get("replicates"),
                    "parameters": meta.get("parameters") or [], "design": meta.get("design") or {},
                    "n_points": meta.get("n_points"), "n_runs": meta.get("n_runs")}
        return self.manifest.get("scenario") or {}

    @property
    def is_sweep(self) -> bool:
        return self.sweep is not None or self.points is not None or self.indices is not None

    @property
    def policies(self) -> list[str]:
        pols = [p["name"] if isinstance(p, dict) else str(p) for p in self.resolved.get("policies", [])]
        if pols:
            return pols
        for frame in (self.summary, self.timeseries, self.points, self.sweep, self.indices):
            if frame is not None and "policy" in frame.columns:
                return list(pd.unique(frame["policy"].astype(str)))
        return []

    @property
    def baseline(self) -> str | None:
        b = self.resolved.get("baseline")
        if b:
            return str(b)
        for frame in (self.summary, self.points, self.indices):
            if frame is not None and "baseline" in frame.columns and frame["baseline"].notna().any():
                return str(frame["baseline"].dropna().iloc[0])
        pols = self.policies
        return pols[0] if pols else None

    @property
    def name(self) -> str:
        return str(self.resolved.get("name") or self.manifest.get("sweep") or
                   (self.folder.name if self.folder else "results"))

    @property
    def parameters(self) -> list[str]:
        """The swept parameters, in the sweep file's order."""
        ps = self.resolved.get("parameters") or (self.manifest.get("shape") or {}).get("parameters") or []
        names = [p.get("name") if isinstance(p, dict) else str(p) for p in ps]
        return [n for n in names if n]

    @property
    def window_steps(self) -> tuple[int, int] | None:
        w = self.resolved.get("window_steps")
        if w:
            return int(w[0]), int(w[1])
        for frame in (self.summary, self.points):
            if frame is not None and len(frame) and "window" in frame.columns:
                rows = frame[frame.measure == "trust_mean"] if "measure" in frame.columns else frame
                text = str((rows if len(rows) else frame)["window"].iloc[0])
                try:
                    a, b = text.split("-")
                    return int(a), int(b)
                except ValueError:
                    return None
        return None


def load(folder) -> Data:
    """Read what a results, sweep or sensitivity folder holds (missing parts stay None/empty)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such results folder" if not folder.exists() else f"{folder}: not a folder")
    d = Data(folder=folder)
    d.manifest = _read_json(folder / "manifest.json")
    d.sweep_meta = _read_json(folder / "sweep.json")
    if (folder / "timeseries.parquet").is_file():
        d.timeseries = pd.read_parquet(folder / "timeseries.parquet")
    if (folder / "summary.csv").is_file():
        d.summary = pd.read_csv(folder / "summary.csv",
                                dtype={"policy": str, "measure": str, "window": str, "baseline": str})
    if (folder / "maps.npz").is_file():
        with np.load(folder / "maps.npz") as z:
            d.maps = {k: z[k] for k in z.files}
    if (folder / "runs.parquet").is_file():
        d.sweep = pd.read_parquet(folder / "runs.parquet")
    elif (folder / "parts").is_dir():           # a sweep still running or interrupted
        from sim.run.sweep import read_parts

        runs = read_parts(folder / "parts")
        d.sweep = runs if len(runs) else None
    if d.sweep is not None and "status" in d.sweep.columns:
        d.sweep = d.sweep[d.sweep["status"] == "ok"].reset_index(drop=True)
    if (folder / "points.csv").is_file():
        d.points = pd.read_csv(folder / "points.csv", dtype={"policy": str, "measure": str, "window": str,
                                                            "baseline": str})
    if (folder / "indices.csv").is_file():
        d.indices = pd.read_csv(folder / "indices.csv", dtype={"policy": str, "measure": str, "parameter": str})
    if d.timeseries is None and d.summary is None and not d.is_sweep:
        raise UserError(f"{folder}: not a results folder (expected summary.csv and timeseries.parquet from "
                        "`trustsim compare`, or a sweep or sensitivity folder)")
    return d


def _read_json(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: not valid JSON ({err})") from None


def as_data(obj) -> Data:
    """A :class:`Data` from a Data, a results object, a folder path, or a dict of the parts."""
    if isinstance(obj, Data):
        return obj
    if isinstance(obj, (str, Path)):
        return load(obj)
    if isinstance(obj, dict):
        return Data(**{k: v for k, v in obj.items() if k in Data.__dataclass_fields__})
    if hasattr(obj, "summary") or hasattr(obj, "timeseries"):
        frame = lambda name: getattr(obj, name, None) if isinstance(getattr(obj, name, None), pd.DataFrame) else None
        folder = getattr(obj, "folder", None)
        if isinstance(folder, (str, Path)) and Path(folder).is_dir() and not isinstance(getattr(obj, "timeseries", None),
                                                                                      pd.DataFrame):
            return load(folder)       # a sweep or sensitivity results object: its folder has everything
        return Data(timeseries=frame("timeseries"), summary=frame("summary"),
                    manifest=getattr(obj, "manifest", None) or {}, maps=getattr(obj, "maps", None) or {},
                    sweep=frame("runs"), points=frame("points"), indices=frame("indices"),
                    folder=Path(folder) if isinstance(folder, (str, Path)) else None)
    raise TypeError(f"expected a results object, a results folder or sim.present.plots.Data, got {type(obj).__name__}")


def policy_styles(policies, baseline=None) -> dict:
    """policy -> dict(color, linestyle, marker): the baseline black and solid, the others in order."""
    out, k = {}, 0
    for p in policies:
        if p == baseline:
            out[p] = {"color": "#000000", "linestyle": "-", "marker": "o"}
        else:
            out[p] = {"color": POLICY_COLOURS[k % len(POLICY_COLOURS)], "linestyle": LINESTYLES[(k + 1) % len(LINESTYLES)],
                      "marker": MARKERS[(k + 1) % len(MARKERS)]}
            k += 1
    return out


def _need(frame, what: str, chart: str):
    if frame is None or len(frame) == 0:
        raise UserError(f"{chart}: needs {what}, which these results do not have")
    return frame


def band(timeseries: pd.DataFrame, measure: str, confidence: float = 0.95) -> pd.DataFrame:
    """Per policy and step: mean across replicates, n, and the t-interval bounds (NaN with n < 2)."""
    g = timeseries.groupby(["policy", "step"], sort=False)[measure]
    out = g.agg(["mean", "std", "count"]).reset_index()
    n = out["count"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, _st.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)), np.nan)
        half = t * out["std"].to_numpy(float) / np.sqrt(n)
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out


# ---------------------------------------------------------------------------------- charts
def smoothing(timeseries: pd.DataFrame, smooth="auto") -> int:
    """The moving-average window (days) for daily counts: ``smooth`` itself, or with "auto" 7
    for runs longer than 60 days, else 1 (none)."""
    if smooth == "auto":
        return 7 if len(timeseries) and timeseries["step"].max() > 60 else 1
    return max(1, int(smooth))


def smoothed(timeseries: pd.DataFrame, measure: str, days: int) -> pd.DataFrame:
    """``timeseries`` with ``measure`` replaced by its trailing moving average over ``days`` steps
    within each run (policy, replicate); missing values are skipped."""
    if days <= 1:
        return timeseries
    out = timeseries.sort_values(["policy", "replicate", "step"], kind="stable").copy()
    out[measure] = (out.groupby(["policy", "replicate"], sort=False)[measure]
                    .transform(lambda x: x.rolling(days, min_periods=1).mean()))
    return out


def timeseries(results, measures=TIMESERIES_MAIN, policies=None, ncols: int = 2, title: str | None = None,
               smooth="auto") -> Figure:
    """Each measure over time (one panel each), one line per policy: mean across replicates and
    its 95% confidence band; the summary window shaded. Daily counts (:data:`FLOW_MEASURES`) are
    drawn as a moving average within each run (``smooth``: days, or "auto": 7 when the run is
    longer than 60 days); the panel title says so."""
    d = as_data(results)
    ts = _need(d.timeseries, "the time series (timeseries.parquet)", "timeseries")
    days = smoothing(ts, smooth)
    measures = [m for m in measures if m in ts.columns]
    if not measures:
        raise UserError("timeseries: none of the requested measures is in the time series")
    policies = list(policies or d.policies)
    styles = policy_styles(policies, d.baseline)
    nrows = math.ceil(len(measures) / ncols)
    window = d.window_steps
    with _rc():
        fig = _figure(1.85 * nrows + 0.55)
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
        for ax, m in zip(axes, measures):
            flow = m in FLOW_MEASURES and days > 1
            b = band(smoothed(ts[ts.policy.isin(policies)], m, days if flow else 1), m)
            lo_lim, hi_lim = info(m)[4]
            b["low"], b["high"] = b["low"].clip(lower=lo_lim, upper=hi_lim), b["high"].clip(lower=lo_lim, upper=hi_lim)
            for p in policies:
                r = b[b.policy == p]
                if r.empty:
                    continue
                s = styles[p]
                ax.plot(r["step"], r["mean"], color=s["color"], linestyle=s["linestyle"], linewidth=1.4, label=p)
                if r["low"].notna().any():
                    ax.fill_between(r["step"], r["low"], r["high"], color=s["color"], alpha=0.18, linewidth=0)
            if window:
                ax.axvspan(window[0], window[1], color="#000000", alpha=0.06, linewidth=0)
            name, u = info(m)[:2]
            ax.set_title(info(m)[3] + (f" ({days}-day average)" if flow else ""), loc="left", fontweight="bold")
            ax.set_ylabel(u.split(", ")[0])
        for ax in axes[len(measures):]:
            ax.set_visible(False)
        for ax in axes[max(0, len(measures) - ncols):len(measures)]:
            ax.set_xlabel("day (step)")
            ax.xaxis.set_tick_params(labelbottom=True)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, _legend_labels(labels, d.baseline), loc="outside upper center", ncols=min(len(labels), 5),
                   frameon=False)
        if title:
            fig.suptitle(title)
    return fig


def _legend_labels(labels, baseline):
    return [f"{p} (baseline)" if p == baseline else p for p in labels]


def forest(results, measures=FOREST_MEASURES, ncols: int = 2) -> Figure:
    """Paired difference to the baseline (policy - baseline) with its 95% interval, one panel per
    measure, one row per non-baseline policy. Filled marker: interval excludes 0."""
    d = as_data(results)
    s = _need(d.summary, "the summary (summary.csv)", "forest")
    base = d.baseline
    measures = [m for m in measures if (s.measure == m).any()]
    others = [p for p in d.policies if p != base and (s.policy == p).any()]
    if not others:
        raise UserError("forest: needs at least one policy besides the baseline")
    styles = policy_styles(d.policies, base)
    nrows = math.ceil(len(measures) / ncols)
    with _rc():
        fig = _figure(0.35 + nrows * (0.55 + 0.3 * len(others)))
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        y = np.arange(len(others))[::-1]
        for ax, m in zip(axes, measures):
            rows = s[s.measure == m].set_index("policy")
            ax.axvline(0, color="#555555", linewidth=0.9, zorder=1)
            for yi, p in zip(y, others):
                if p not in rows.index:
                    continue
                r = rows.loc[p]
                lo, hi, mean = float(r["diff_ci_low"]), float(r["diff_ci_high"]), float(r["diff_mean"])
                st = styles[p]
                clear = math.isfinite(lo) and math.isfinite(hi) and (lo > 0 or hi < 0)
                if math.isfinite(lo) and math.isfinite(hi):
                    ax.plot([lo, hi], [yi, yi], color=st["color"], linewidth=2.2, solid_capstyle="butt", zorder=2)
                ax.plot([mean], [yi], marker=st["marker"], markersize=6.5, color=st["color"], zorder=3,
                        markerfacecolor=st["color"] if clear else "white", markeredgewidth=1.5, linestyle="none")
            ax.set_yticks(y, others)
            ax.set_ylim(-0.6, len(others) - 0.4)
            ax.grid(axis="y", visible=False)
            _, u, good, short, _ = info(m)
            hint = {1: " (higher is better)", -1: " (lower is better)", 0: ""}[good]
            ax.set_title(f"{short}{hint}", loc="left", fontweight="bold")
            u = u.split(", ")[0]
            ax.set_xlabel(f"minus {base}, {u}" if u else f"minus {base}")
            lo_all = np.nanmin(np.r_[rows["diff_ci_low"].to_numpy(float), rows["diff_mean"].to_numpy(float), 0.0])
            hi_all = np.nanmax(np.r_[rows["diff_ci_high"].to_numpy(float), rows["diff_mean"].to_numpy(float), 0.0])
            pad = 0.08 * (hi_all - lo_all) or 1e-9
            ax.set_xlim(lo_all - pad, hi_all + pad)
        for ax in axes[len(measures):]:
            ax.set_visible(False)
    return fig


def cost_breakdown(d: Data) -> pd.DataFrame:
    """Per policy: mean cost per day by kind over the whole run (steps 1..), and the total's 95%
    interval across replicates (from the time series; from the summary window means without it)."""
    policies = d.policies
    if d.timeseries is not None and len(d.timeseries) and all(k in d.timeseries for k in COST_KINDS):
        ts = d.timeseries[d.timeseries.step >= 1]
        per_rep = ts.groupby(["policy", "replicate"], sort=False)[[*COST_KINDS, "cost_total"]].mean()
        rows = []
        for p in policies:
            if p not in per_rep.index.get_level_values(0):
                continue
            r = per_rep.loc[p]
            tot = r["cost_total"].to_numpy(float)
            lo, hi = _t_bounds(tot)
            rows.append({"policy": p, **{k: float(r[k].mean()) for k in COST_KINDS}, "total": float(tot.mean()),
                         "total_low": lo, "total_high": hi, "period": "whole run"})
        return pd.DataFrame(rows)
    s = _need(d.summary, "the time series or the summary", "costs")
    rows = []
    for p in policies:
        r = s[(s.policy == p)].set_index("measure")
        if "cost_total" not in r.index:
            continue
        rows.append({"policy": p, **{k: float(r.loc[k, "mean"]) if k in r.index else 0.0 for k in COST_KINDS},
                     "total": float(r.loc["cost_total", "mean"]), "total_low": float(r.loc["cost_total", "ci_low"]),
                     "total_high": float(r.loc["cost_total", "ci_high"]), "period": f"steps {r.loc['cost_total', 'window']}"})
    return pd.DataFrame(rows)


def _t_bounds(x, confidence=0.95):
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return math.nan, math.nan
    half = float(_st.t.ppf(0.5 + confidence / 2, len(x) - 1)) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return float(x.mean()) - half, float(x.mean()) + half


def costs(results) -> Figure:
    """Top: stacked bars of cost per day by kind per policy (whole run, with the 95% interval of the
    total). Bottom: extra public cost per incident averted vs the baseline, with its Fieller interval,
    only where incidents were clearly averted."""
    d = as_data(results)
    cb = cost_breakdown(d)
    base = d.baseline
    if cb.empty:
        raise UserError("costs: the results have no cost measures")
    ratio = None
    if d.summary is not None:
        ratio = d.summary[d.summary.measure == "cost_per_incident_averted"].set_index("policy")
    others = [p for p in cb["policy"] if p != base]
    with _rc():
        fig = _figure(1.8 + 0.3 * len(cb) + (0.8 + 0.3 * len(others) if ratio is not None and others else 0))
        if ratio is not None and others:
            ax1, ax2 = fig.subplots(2, 1, height_ratios=[len(cb) + 1.6, len(others) + 1.2])
        else:
            ax1, ax2 = fig.subplots(1, 1), None
        y = np.arange(len(cb))[::-1]
        left = np.zeros(len(cb))
        for k in COST_KINDS:
            v = cb[k].to_numpy(float)
            ax1.barh(y, v, left=left, color=COST_COLOURS[k], label=COST_LABELS[k], height=0.62,
                     hatch="///" if k == "cost_incidents" else None, edgecolor="white", linewidth=0.5)
            left += v
        lo, hi = cb["total_low"].to_numpy(float), cb["total_high"].to_numpy(float)
        ok = np.isfinite(lo) & np.isfinite(hi)
        tot = cb["total"].to_numpy(float)
        ax1.errorbar(tot[ok], y[ok], xerr=[tot[ok] - lo[ok], hi[ok] - tot[ok]], fmt="none", ecolor="#000000",
                     elinewidth=1.1, capsize=3)
        ax1.set_yticks(y, [f"{p} (baseline)" if p == base else p for p in cb["policy"]])
        ax1.grid(axis="y", visible=False)
        ax1.set_xlabel(f"officer-days per day ({cb['period'].iloc[0]})")
        ax1.set_title("cost per day, by kind", loc="left", fontweight="bold")
        fig.legend(*ax1.get_legend_handles_labels(), loc="outside upper center", ncols=2, frameon=False, fontsize=8)
        if ax2 is None:
            return fig
        ax2.set_title(f"extra public cost per incident averted, compared with {base}", loc="left", fontweight="bold")
        y2 = np.arange(len(others))[::-1]
        styles = policy_styles(d.policies, base)
        ax2.axvline(0, color="#555555", linewidth=0.9)
        finite = [0.0]
        for yi, p in zip(y2, others):
            r = ratio.loc[p] if p in ratio.index else None
            m = float(r["mean"]) if r is not None else math.nan
            if not math.isfinite(m) or not _incidents_clearly_averted(d, p):
                ax2.text(0.01, yi, "no clear reduction in incidents: no ratio", transform=ax2.get_yaxis_transform(),
                         va="center", fontsize=8, color="#444444")
                continue
            rlo, rhi = float(r["ci_low"]), float(r["ci_high"])
            ax2.barh([yi], [m], color=styles[p]["color"], height=0.55)
            finite.append(m)
            if math.isfinite(rlo) and math.isfinite(rhi):
                ax2.errorbar([m], [yi], xerr=[[m - rlo], [rhi - m]], fmt="none", ecolor="#000000", capsize=3)
                finite += [rlo, rhi]
            else:
                ax2.text(m, yi, "  interval unbounded", fontsize=7.5, va="center", ha="left", color="#444444")
        ax2.set_yticks(y2, others)
        ax2.set_ylim(-0.6, len(others) - 0.4)
        ax2.grid(axis="y", visible=False)
        span = (max(finite) - min(finite)) or 1.0
        ax2.set_xlim(min(finite) - 0.1 * span, max(finite) + 0.1 * span)
        ax2.set_xlabel("officer-days per incident averted, whole run (below 0: saves money)")
    return fig


def _incidents_clearly_averted(d: Data, policy: str) -> bool:
    """True when the policy's cumulative incidents are clearly below the baseline's."""
    if d.summary is None:
        return False
    r = d.summary[(d.summary.policy == policy) & (d.summary.measure == "incidents_cumulative")]
    if r.empty:
        return False
    hi = float(r["diff_ci_high"].iloc[0])
    return math.isfinite(hi) and hi < 0


def maps(results, policies=None) -> Figure:
    """Final trust (top) and cumulative incidents per cell (bottom) for replicate 0, policies side by
    side; each row shares one colour scale."""
    d = as_data(results)
    policies = [p for p in (policies or d.policies) if f"{p}/trust" in d.maps or f"{p}/incidents" in d.maps]
    if not policies:
        raise UserError("maps: these results have no maps (maps.npz)")
    rows = [k for k in ("trust", "incidents") if any(f"{p}/{k}" in d.maps for p in policies)]
    n = len(policies)
    h, w = next(iter(d.maps.values())).shape
    cell_in = min(WIDTH_IN / n * 0.86, 2.4)
    with _rc():
        fig = _figure(len(rows) * cell_in * h / w + 0.55 * len(rows), WIDTH_IN)
        axes = np.atleast_2d(fig.subplots(len(rows), n, squeeze=False))
        for i, kind in enumerate(rows):
            arrays = [np.asarray(d.maps.get(f"{p}/{kind}", np.full((h, w), np.nan)), float) for p in policies]
            vals = np.concatenate([a[np.isfinite(a)].ravel() for a in arrays]) if arrays else np.array([])
            if kind == "trust":
                cmap = matplotlib.colormaps["cividis"].with_extremes(bad="#d9d9d9")
                vmin, vmax = (float(vals.min()), float(vals.max())) if len(vals) else (0.0, 1.0)
                what = "trust at the end (0-1)"
            else:
                cmap = matplotlib.colormaps["magma_r"]
                vmin, vmax = 0.0, (float(vals.max()) if len(vals) and vals.max() > 0 else 1.0)
                what = "incidents per cell, whole run"
            if vmax <= vmin:
                vmax = vmin + 1e-9
            for j, (p, a) in enumerate(zip(policies, arrays)):
                ax = axes[i, j]
                im = ax.imshow(a, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest", origin="lower")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                for side in ("top", "right", "bottom", "left"):
                    ax.spines[side].set_visible(True)
                    ax.spines[side].set_color("#888888")
                if i == 0:
                    ax.set_title(f"{p}\n(baseline)" if p == d.baseline else p, fontweight="bold")
            cb = fig.colorbar(im, ax=list(axes[i]), shrink=0.92, pad=0.02, aspect=14)
            cb.set_label(what)
    return fig


# ---------------------------------------------------------------------------------- sweeps
SWEEP_MEASURES = ("trust_mean", "incident_rate")
INDEX_MEASURES = ("trust_mean", "incident_rate", "tension", "cost_total")


def sweep_values(source, x: str, y: str | None, measure: str, policy: str | None = None,
                 baseline: str | None = None) -> pd.DataFrame:
    """Per (x, y): ``value`` (the mean over replicates and over any other swept parameter) and the
    95% interval ``low``/``high`` (NaN when other parameters were averaged over). With ``policy``
    and ``baseline``: the paired difference policy - baseline.

    ``source``: a :class:`Data` (uses points.csv when there, else runs), a points frame (columns
    ``measure, mean, ci_low, ..., diff_ci_high``) or a runs frame (one row per run, a column per
    measure)."""
    from sim.results.stats import t_interval

    keys = [x] + ([y] if y else [])
    diff = baseline is not None and policy is not None and policy != baseline
    if isinstance(source, Data):
        frame = source.points if source.points is not None and len(source.points) else source.sweep
    else:
        frame = source
    f = _need(frame, "sweep results (points.csv or runs.parquet)", "sweep chart")
    for col in keys:
        if col not in f.columns:
            raise UserError(f"sweep chart: column {col!r} not in the sweep (has {', '.join(map(str, f.columns))})")
    if "measure" in f.columns and "mean" in f.columns:                      # points.csv
        rows = f[(f.measure == measure) & ((f.policy == policy) if policy is not None else True)]
        if rows.empty:
            raise UserError(f"sweep chart: no values of {measure!r}" + (f" for {policy!r}" if policy else ""))
        v, lo, hi = ("diff_mean", "diff_ci_low", "diff_ci_high") if diff else ("mean", "ci_low", "ci_high")
        g = rows.groupby(keys)
        out = g[v].mean().rename("value").to_frame()
        single = g.size() == 1
        out["low"] = g[lo].first().where(single)
        out["high"] = g[hi].first().where(single)
        return out.reset_index()
    if measure not in f.columns:                                           # runs
        raise UserError(f"sweep chart: measure {measure!r} not in the sweep runs")
    runs = f if policy is None or "policy" not in f.columns else f[f.policy == policy]
    ident = [c for c in ("point", "replicate") if c in f.columns] or keys
    mine = runs.set_index(keys + [c for c in ident if c not in keys])[measure]
    if diff:
        base = f[f.policy == baseline].set_index(keys + [c for c in ident if c not in keys])[measure]
        mine = (mine - base.reindex(mine.index)).dropna()
    rows = []
    for key, vals in mine.groupby(level=list(range(len(keys)))):
        iv = t_interval(vals.to_numpy())
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key)), "value": iv.mean, "low": iv.low, "high": iv.high})
    return pd.DataFrame(rows)


def _tick(v) -> str:
    return f"{v:.3g}" if isinstance(v, (float, np.floating)) else str(v)


def sweep_heatmap(source, x: str, y: str, measures=SWEEP_MEASURES, policies=None, baseline: str | None = None,
                  annotate: bool | None = None) -> Figure:
    """A measure (columns of panels) over two swept parameters, per policy (rows): the paired
    difference to ``baseline`` when given (diverging colours centred on 0, cells whose 95% interval
    includes 0 hatched), else the level. A grid design is drawn as cells, any other design (Latin
    hypercube, Sobol sample) as coloured points (hollow: interval includes 0)."""
    if isinstance(measures, str):
        measures = (measures,)
    if policies is None or isinstance(policies, str):
        policies = [policies]
    diff = baseline is not None
    panels = {(p, m): sweep_values(source, x, y, m, p, baseline) for p in policies for m in measures}
    nrows, ncols = len(policies), len(measures)
    with _rc():
        fig = _figure(0.5 + 2.9 * nrows, WIDTH_IN if ncols > 1 else 5.2)
        axes = np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))
        for j, m in enumerate(measures):
            vals = np.concatenate([panels[(p, m)]["value"].to_numpy(float) for p in policies])
            finite = vals[np.isfinite(vals)]
            if diff:
                lim = float(np.abs(finite).max()) if len(finite) and np.abs(finite).max() > 0 else 1.0
                norm, cmap = matplotlib.colors.Normalize(-lim, lim), matplotlib.colormaps["PuOr_r"]
            else:
                lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
                norm, cmap = matplotlib.colors.Normalize(lo, hi if hi > lo else lo + 1e-9), matplotlib.colormaps["viridis"]
            for i, p in enumerate(policies):
                ax = axes[i, j]
                v = panels[(p, m)]
                im = _heat(ax, v, x, y, norm, cmap, annotate)
                name, unit = info(m)[0], info(m)[1]
                what = f"{name}: {p} minus {baseline}" if diff else (f"{name}: {p}" if p else name)
                ax.set_title(what, loc="left", fontweight="bold")
                ax.set_xlabel(_param_label(x))
                ax.set_ylabel(_param_label(y))
            cb = fig.colorbar(im, ax=list(axes[:, j]), shrink=0.9, aspect=25)
            u = unit.split(", ")[0]
            cb.set_label(f"{'difference, ' if diff else ''}{u}" if u else ("difference" if diff else name))
    return fig


def _heat(ax, v: pd.DataFrame, x: str, y: str, norm, cmap, annotate):
    from matplotlib.patches import Rectangle

    xs, ys = np.sort(v[x].unique()), np.sort(v[y].unique())
    grid = len(xs) * len(ys) == len(v) and len(xs) <= 40 and len(ys) <= 40
    noise = (v["low"] <= 0) & (v["high"] >= 0)
    if not grid:
        filled = ~noise.to_numpy()
        sc = ax.scatter(v[x][filled], v[y][filled], c=v["value"][filled], cmap=cmap, norm=norm, s=30, edgecolors="none")
        ax.scatter(v[x][~filled], v[y][~filled], facecolors="white", edgecolors=cmap(norm(v["value"][~filled])),
                   s=30, linewidths=1.3)
        return matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap) if not filled.any() else sc
    z = v.pivot(index=y, columns=x, values="value").reindex(index=ys, columns=xs).to_numpy(float)
    nz = v.assign(noise=noise).pivot(index=y, columns=x, values="noise").reindex(index=ys, columns=xs).to_numpy()
    im = ax.imshow(z, origin="lower", aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
    ax.set_xticks(range(len(xs)), [_tick(a) for a in xs])
    ax.set_yticks(range(len(ys)), [_tick(a) for a in ys])
    ax.grid(False)
    show = annotate if annotate is not None else len(xs) * len(ys) <= 49
    from matplotlib import patheffects

    finite = np.abs(z[np.isfinite(z)])
    big = float(finite.max()) if len(finite) and finite.max() > 0 else 1.0
    dec = int(min(6, max(0, 1 - math.floor(math.log10(big)))))       # two significant digits of the largest
    for (i, j), val in np.ndenumerate(z):
        if nz[i, j] is True or nz[i, j] == True:  # noqa: E712  (numpy bool)
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#8c8c8c",
                                   linewidth=0, alpha=0.8))
        if show and math.isfinite(val):
            rgba = cmap(norm(val))
            dark = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] < 0.5
            text = f"{val:.{dec}f}"
            if float(text) == 0:
                text = f"{0:.{dec}f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=7.5, color="white" if dark else "black",
                    path_effects=[patheffects.withStroke(linewidth=2.2, foreground="black" if dark else "white")])
    return im


def sweep_lines(source, x: str, measures=SWEEP_MEASURES, policies=None, baseline: str | None = None) -> Figure:
    """One swept parameter: each measure (or difference to the baseline) against it, per policy,
    with the 95% interval as a band."""
    if isinstance(measures, str):
        measures = (measures,)
    policies = list(policies or [None])
    styles = policy_styles([p for p in policies if p], baseline)
    with _rc():
        fig = _figure(2.9, WIDTH_IN)
        axes = np.atleast_1d(fig.subplots(1, len(measures), squeeze=False)).ravel()
        for ax, m in zip(axes, measures):
            for p in policies:
                v = sweep_values(source, x, None, m, p, baseline).sort_values(x)
                st = styles.get(p, {"color": "#0072B2", "linestyle": "-", "marker": "o"})
                ax.plot(v[x], v["value"], color=st["color"], linestyle=st["linestyle"], marker=st["marker"],
                        markersize=4, label=p or m)
                if v["low"].notna().any():
                    ax.fill_between(v[x], v["low"], v["high"], color=st["color"], alpha=0.18, linewidth=0)
            if baseline is not None:
                ax.axhline(0, color="#555555", linewidth=0.9)
            name, unit = info(m)[:2]
            u = unit.split(", ")[0]
            ax.set_title(f"{name} ({'minus ' + baseline + ', ' if baseline else ''}{u})" if u else name,
                         loc="left", fontweight="bold")
            ax.set_xlabel(_param_label(x))
        handles, labels = axes[0].get_legend_handles_labels()
        if any(policies):
            fig.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 5), frameon=False)
    return fig


def _param_label(name: str) -> str:
    from sim.core.params import Params

    try:
        s = Params.spec(name)
    except Exception:
        return name
    return f"{name} ({s['unit']})" if s.get("unit") else name


def _ci(frame: pd.DataFrame, col: str):
    """(low, high) arrays of the interval of ``col``: ``col_ci_low/high`` or ``col +- col_conf``."""
    if f"{col}_ci_low" in frame and f"{col}_ci_high" in frame:
        return frame[f"{col}_ci_low"].to_numpy(float), frame[f"{col}_ci_high"].to_numpy(float)
    if f"{col}_conf" in frame:
        v, c = frame[col].to_numpy(float), frame[f"{col}_conf"].to_numpy(float)
        return v - c, v + c
    return None


def sensitivity(source, measures=None, kind: str | None = None, parameter: str | None = None) -> Figure:
    """Sensitivity indices as bars with 95% intervals, one panel per measure: Sobol total effect ST
    (bars) and first-order S1 (diamonds), or Morris mu* (bars) and sigma (diamonds); one bar
    colour per policy (or per policy difference to the baseline, ``kind="difference"``, the default
    when the indices have it: what moves the ranking of policies)."""
    f = source.indices if isinstance(source, Data) else source
    f = _need(f, "sensitivity indices (indices.csv)", "sensitivity").copy()
    parameter = parameter or next((c for c in ("parameter", "param", "name", "names", "factor") if c in f.columns), None)
    if parameter is None:
        raise UserError("sensitivity: the indices need a parameter column (parameter, param or name)")
    if "ST" in f.columns or "S1" in f.columns:
        bar, dot, words = ("ST" if "ST" in f.columns else "S1"), ("S1" if "ST" in f.columns else None), "sobol"
    elif "mu_star" in f.columns:
        bar, dot, words = "mu_star", ("sigma" if "sigma" in f.columns else None), "morris"
    else:
        raise UserError("sensitivity: expected Sobol (S1, ST) or Morris (mu_star) columns")
    if "kind" in f.columns:
        kind = kind or ("difference" if (f["kind"] == "difference").any() else "level")
        f = f[f["kind"] == kind]
    if "measure" not in f.columns:
        f["measure"] = "output"
    available = list(dict.fromkeys(f["measure"]))
    measures = [m for m in (measures or INDEX_MEASURES) if m in available] or available[:4]
    series = list(dict.fromkeys(f["policy"])) if "policy" in f.columns else [None]
    base = f["baseline"].dropna().iloc[0] if "baseline" in f.columns and f["baseline"].notna().any() else None
    params = list(dict.fromkeys(f[parameter].astype(str)))
    colours = [POLICY_COLOURS[k % len(POLICY_COLOURS)] for k in range(len(series))]
    ncols = 2 if len(measures) > 1 else 1
    nrows = math.ceil(len(measures) / ncols)
    with _rc():
        fig = _figure(0.7 + nrows * (0.55 + 0.2 * len(params) * max(len(series), 1.5)), WIDTH_IN if ncols == 2 else 5.2)
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        y = np.arange(len(params))[::-1]
        h = 0.8 / len(series)
        for ax, m in zip(axes, measures):
            for k, pol in enumerate(series):
                g = f[(f["measure"] == m) & ((f["policy"] == pol) if pol is not None else True)]
                g = g.drop_duplicates(parameter).set_index(g[parameter].astype(str)).reindex(params)
                pos = y + (len(series) - 1) / 2 * h - k * h
                vals = g[bar].to_numpy(float)
                label = (f"{pol} minus {base}" if kind == "difference" and base else pol) if pol is not None else bar
                ax.barh(pos, np.nan_to_num(vals), height=h * 0.9, color=colours[k], label=label)
                ci = _ci(g, bar)
                if ci is not None:
                    lo, hi = ci
                    ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(vals)
                    ax.errorbar(vals[ok], pos[ok], xerr=[np.clip(vals[ok] - lo[ok], 0, None),
                                                         np.clip(hi[ok] - vals[ok], 0, None)],
                                fmt="none", ecolor="#000000", elinewidth=0.9, capsize=2)
                if dot and dot in g:
                    ax.plot(g[dot].to_numpy(float), pos, linestyle="none", marker="D", markersize=3.5,
                            markerfacecolor="white", markeredgecolor="#000000", markeredgewidth=0.9,
                            label="_dot" if k else dot)
            ax.set_yticks(y, params)
            ax.grid(axis="y", visible=False)
            ax.axvline(0, color="#555555", linewidth=0.8)
            if words == "sobol":
                ax.set_xlim(-0.15, 1.15)
                ax.set_xlabel("share of the variance")
            else:
                ax.set_xlabel(f"mean |elementary effect| ({info(m)[1].split(', ')[0]})")
            ax.set_title(info(m)[3] + (" (difference)" if kind == "difference" and base else ""),
                         loc="left", fontweight="bold")
        for ax in axes[len(measures):]:
            ax.set_visible(False)
        handles, labels = axes[0].get_legend_handles_labels()
        names = {"S1": "first-order S1", "sigma": "sigma (interactions)"}
        keep = [(hd, names.get(lb, lb)) for hd, lb in zip(handles, labels) if not lb.startswith("_")]
        fig.legend([k[0] for k in keep], [k[1] for k in keep], loc="outside upper center", ncols=min(len(keep), 4),
                   frameon=False)
    return fig


# ---------------------------------------------------------------------------------- all of them
def sweep_axes(d: Data) -> list[str]:
    """The swept parameters the sweep charts are drawn over (at most two, in file order)."""
    frame = d.points if d.points is not None else d.sweep
    if frame is None:
        return []
    names = [n for n in d.parameters if n in frame.columns]
    if not names:
        from sim.core.params import Params

        names = [c for c in frame.columns if c in Params.names() and frame[c].nunique() > 1]
    return names[:2]


def sweep_captions(d: Data, diff: bool, n_params: int) -> str:
    what = ("Colour: the policy's paired difference to the baseline (orange: higher, purple: lower, white: none); "
            "hatched cells / hollow points: the 95% interval includes zero (within noise).") if diff else \
        "Colour: the mean over replicates."
    more = (" Other swept parameters vary too: each cell averages over them." if n_params > 2 else "")
    return f"Each cell (or point) is one combination of the swept parameters. {what}{more}"


def figures(results) -> dict:
    """Every chart these results support: name -> (Figure, caption). Charts whose data is missing
    are left out."""
    d = as_data(results)
    out = {}
    if d.timeseries is not None and len(d.timeseries):
        out["timeseries"] = (timeseries(d), CAPTIONS["timeseries"])
        if any(m in d.timeseries.columns for m in TIMESERIES_MORE):
            out["timeseries_more"] = (timeseries(d, TIMESERIES_MORE), CAPTIONS["timeseries_more"])
    if d.summary is not None and len(d.summary) and len([p for p in d.policies if p != d.baseline]):
        out["forest"] = (forest(d), CAPTIONS["forest"])
    if (d.timeseries is not None and len(d.timeseries)) or (d.summary is not None and len(d.summary)):
        try:
            out["costs"] = (costs(d), CAPTIONS["costs"])
        except UserError:
            pass
    if d.maps:
        out["maps"] = (maps(d), CAPTIONS["maps"])
    axes = sweep_axes(d)
    if axes:
        frame = d.points if d.points is not None else d.sweep
        cols = set(frame["measure"]) if "measure" in frame.columns else set(frame.columns)
        measures = [m for m in SWEEP_MEASURES if m in cols]
        others = [p for p in d.policies if p != d.baseline][:3]
        policies, base = (others, d.baseline) if others else (d.policies[:1] or [None], None)
        if measures and len(axes) == 2:
            out["sweep_heatmap"] = (sweep_heatmap(d, axes[0], axes[1], measures, policies, base),
                                    sweep_captions(d, base is not None, len(d.parameters)))
        elif measures:
            out["sweep_lines"] = (sweep_lines(d, axes[0], measures, policies, base),
                                  "Mean over replicates at each value of the swept parameter, with its 95% interval"
                                  + (" (difference to the baseline)." if base else "."))
    if d.indices is not None and len(d.indices):
        out["sensitivity"] = (sensitivity(d), CAPTIONS["sensitivity"])
    return out


def metadata(fmt: str) -> dict:
    """Provenance written into saved figures (PNG/SVG/PDF metadata keys)."""
    from sim.storage.provenance import git_commit, package_versions

    v = package_versions()
    text = f"trustsim {v.get('trustsim')} commit {git_commit()}; matplotlib {v.get('matplotlib')}"
    if fmt == "png":
        return {"Software": text}
    if fmt == "svg":
        return {"Creator": text}
    if fmt == "pdf":
        return {"Creator": text}
    return {}


def save_all(results, out_dir, fmt: str = "png", dpi: int = DPI) -> dict:
    """Write every chart to ``out_dir/<name>.<fmt>`` and ``out_dir/figures.json`` (captions and
    provenance). Returns name -> path."""
    if fmt not in ("png", "svg", "pdf"):
        raise UserError(f"--format: expected png, svg or pdf, got {fmt!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written, captions = {}, {}
    for name, (fig, caption) in figures(results).items():
        path = out_dir / f"{name}.{fmt}"
        fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata(fmt))
        written[name], captions[name] = path, caption
    from sim.storage.folders import write_json
    from sim.storage.provenance import provenance

    write_json(out_dir / "figures.json", {"figures": {n: {"file": p.name, "caption": captions[n]} for n, p in written.items()},
                                          "format": fmt, "dpi": dpi, **provenance()})
    return written
