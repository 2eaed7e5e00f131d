"""Charts of a results folder (or a results object) for people who do not read Parquet.

    import sim, sim.plots as plots
    res = sim.load_results("results/compare-policies-...")      # or plots.load("results/...")
    fig = plots.timeseries(res)                                   # a matplotlib Figure
    fig.savefig("trust.png")
    plots.save_all(res, "results/.../figures", fmt="svg")         # what `trustsim plot DIR` does

Every function takes a results object (anything with ``.timeseries``, ``.summary``,
``.manifest``, ``.maps``: :class:`sim.experiment.Results`), a results folder path, or the
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
FOREST_MEASURES = ("trust_mean", "trust_p10", "tension", "incident_rate", "reported_share", "officer_stress",
                   "incidents_cumulative", "cost_cumulative")

CAPTIONS = {
    "timeseries": "Each line is the mean over the replicates of one policy; the band is its 95% confidence "
                  "interval (cut at what the measure can take). The grey area is the window the summary table "
                  "averages.",
    "timeseries_more": "Mean over the replicates of each policy with its 95% band (cut at what the measure can "
                       "take); the grey area is the summary window.",
    "forest": "Each point is a policy's difference to the baseline (paired by replicate) with its 95% interval. "
              "Filled: the interval excludes 0 (a clear difference); hollow: it includes 0 (within noise).",
    "costs": "Top: average cost per day over the whole run, by kind (the whisker is the 95% interval of the "
             "total). Bottom: extra public spending per incident averted compared with the baseline (below 0: the "
             "policy saves money); no bar means no clear reduction in incidents.",
    "maps": "End of replicate 0. Top: each citizen's trust (grey: empty cell). Bottom: incidents per cell over "
            "the whole run (hot spots). Each row uses one colour scale for all policies.",
    "sweep_heatmap": "Each cell is the mean over replicates at one combination of the two swept parameters.",
    "sensitivity": "How much of the output's variance each parameter explains (bars), with 95% confidence "
                   "intervals (whiskers).",
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
    """What the charts and the report read: any part may be missing (None / empty)."""

    timeseries: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)
    maps: dict = field(default_factory=dict)
    sweep: pd.DataFrame | None = None      # one row per sweep run (parameters + summary measures)
    indices: pd.DataFrame | None = None    # sensitivity indices (SALib), if the folder has them
    folder: Path | None = None

    @property
    def resolved(self) -> dict:
        return self.manifest.get("resolved") or self.manifest.get("scenario") or {}

    @property
    def policies(self) -> list[str]:
        pols = [p["name"] if isinstance(p, dict) else str(p) for p in self.resolved.get("policies", [])]
        if pols:
            return pols
        for frame in (self.summary, self.timeseries, self.sweep):
            if frame is not None and "policy" in frame.columns:
                return list(pd.unique(frame["policy"].astype(str)))
        return []

    @property
    def baseline(self) -> str | None:
        b = self.resolved.get("baseline")
        if b:
            return str(b)
        if self.summary is not None and "baseline" in self.summary.columns and len(self.summary):
            return str(self.summary["baseline"].iloc[0])
        pols = self.policies
        return pols[0] if pols else None

    @property
    def name(self) -> str:
        return str(self.resolved.get("name") or (self.folder.name if self.folder else "results"))

    @property
    def window_steps(self) -> tuple[int, int] | None:
        w = self.resolved.get("window_steps")
        if w:
            return int(w[0]), int(w[1])
        if self.summary is not None and len(self.summary):
            rows = self.summary[self.summary.measure == "trust_mean"] if "measure" in self.summary else self.summary
            text = str((rows if len(rows) else self.summary)["window"].iloc[0])
            try:
                a, b = text.split("-")
                return int(a), int(b)
            except ValueError:
                return None
        return None


def load(folder) -> Data:
    """Read what a results or sweep folder holds (missing parts stay None/empty)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such results folder" if not folder.exists() else f"{folder}: not a folder")
    d = Data(folder=folder)
    if (folder / "manifest.json").is_file():
        try:
            d.manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise UserError(f"{folder / 'manifest.json'}: not valid JSON ({err})") from None
    if (folder / "timeseries.parquet").is_file():
        d.timeseries = pd.read_parquet(folder / "timeseries.parquet")
    if (folder / "summary.csv").is_file():
        d.summary = pd.read_csv(folder / "summary.csv",
                                dtype={"policy": str, "measure": str, "window": str, "baseline": str})
    if (folder / "maps.npz").is_file():
        with np.load(folder / "maps.npz") as z:
            d.maps = {k: z[k] for k in z.files}
    d.sweep = _read_sweep(folder)
    d.indices = _read_indices(folder)
    if d.timeseries is None and d.summary is None and d.sweep is None and d.indices is None:
        raise UserError(f"{folder}: not a results folder (expected summary.csv, timeseries.parquet, or sweep "
                        "results; run `trustsim compare` or `trustsim sweep` first)")
    return d


# Sweep folders (issue 4) are read through these two hooks, so a change of layout is one place.
SWEEP_FILES = ("runs.parquet", "summary.parquet", "sweep.parquet", "results.parquet")
INDEX_FILES = ("sensitivity.csv", "indices.csv", "sobol.csv", "morris.csv")


def _read_sweep(folder: Path) -> pd.DataFrame | None:
    for name in SWEEP_FILES:
        if (folder / name).is_file() and name != "timeseries.parquet":
            return pd.read_parquet(folder / name)
    return None


def _read_indices(folder: Path) -> pd.DataFrame | None:
    for name in INDEX_FILES:
        if (folder / name).is_file():
            return pd.read_csv(folder / name)
    return None


def as_data(obj) -> Data:
    """A :class:`Data` from a Data, a results object, a folder path, or a dict of the parts."""
    if isinstance(obj, Data):
        return obj
    if isinstance(obj, (str, Path)):
        return load(obj)
    if isinstance(obj, dict):
        return Data(**{k: v for k, v in obj.items() if k in Data.__dataclass_fields__})
    if hasattr(obj, "summary") or hasattr(obj, "timeseries"):
        return Data(timeseries=getattr(obj, "timeseries", None), summary=getattr(obj, "summary", None),
                    manifest=getattr(obj, "manifest", None) or {}, maps=getattr(obj, "maps", None) or {},
                    sweep=getattr(obj, "sweep", None) if isinstance(getattr(obj, "sweep", None), pd.DataFrame) else None,
                    indices=getattr(obj, "indices", None) if isinstance(getattr(obj, "indices", None), pd.DataFrame) else None,
                    folder=Path(obj.folder) if isinstance(getattr(obj, "folder", None), (str, Path)) else None)
    raise TypeError(f"expected a results object, a results folder or sim.plots.Data, got {type(obj).__name__}")


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
def timeseries(results, measures=TIMESERIES_MAIN, policies=None, ncols: int = 2, title: str | None = None) -> Figure:
    """Each measure over time (one panel each), one line per policy: mean across replicates and
    its 95% confidence band; the summary window shaded."""
    d = as_data(results)
    ts = _need(d.timeseries, "the time series (timeseries.parquet)", "timeseries")
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
            b = band(ts[ts.policy.isin(policies)], m)
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
            u = u.split(", ")[0]
            ax.set_title(f"{info(m)[3]} ({u})" if u else info(m)[3], loc="left", fontweight="bold")
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
def sweep_heatmap(frame, x: str, y: str, measure: str, policy: str | None = None, baseline: str | None = None,
                  replicate: str = "replicate", annotate: bool | None = None) -> Figure:
    """Mean of ``measure`` over the other columns at each (x, y) of a sweep (one row per run).

    With ``policy`` the rows of that policy only; with ``baseline`` too, the paired difference
    policy - baseline (matched on x, y and ``replicate`` when that column exists). Grid designs
    are drawn as cells (annotated when small); scattered designs (Latin hypercube) as points."""
    if isinstance(frame, Data):
        frame = frame.sweep
    f = _need(frame, "a sweep (one row per run)", "sweep_heatmap")
    for col in (x, y, measure):
        if col not in f.columns:
            raise UserError(f"sweep_heatmap: column {col!r} not in the sweep (has {', '.join(map(str, f.columns))})")
    keys = [x, y] + ([replicate] if replicate in f.columns else [])
    if policy is not None:
        mine = f[f.policy == policy].groupby(keys)[measure].mean()
        if baseline is not None:
            base = f[f.policy == baseline].groupby(keys)[measure].mean()
            mine = (mine - base.reindex(mine.index)).dropna()
        values = mine.groupby(level=[0, 1]).mean().reset_index()
    else:
        values = f.groupby([x, y])[measure].mean().reset_index()
    diff = baseline is not None
    xs, ys = np.sort(values[x].unique()), np.sort(values[y].unique())
    grid = len(xs) * len(ys) <= 2 * len(values) and len(xs) <= 40 and len(ys) <= 40
    name, unit = info(measure)[:2]
    what = f"{name}: {policy} - {baseline}" if diff else (f"{name} ({policy})" if policy else name)
    with _rc():
        fig = _figure(4.3, 6.0)
        ax = fig.subplots()
        v = values[measure].to_numpy(float)
        if diff:
            lim = float(np.nanmax(np.abs(v))) if np.isfinite(v).any() else 1.0
            norm = matplotlib.colors.Normalize(-lim or -1, lim or 1)
            cmap = matplotlib.colormaps["PuOr_r"]
        else:
            norm = matplotlib.colors.Normalize(np.nanmin(v), np.nanmax(v) if np.nanmax(v) > np.nanmin(v) else np.nanmin(v) + 1e-9)
            cmap = matplotlib.colormaps["viridis"]
        if grid:
            z = values.pivot(index=y, columns=x, values=measure).reindex(index=ys, columns=xs).to_numpy(float)
            im = ax.imshow(z, origin="lower", aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
            ax.set_xticks(range(len(xs)), [f"{a:.3g}" if isinstance(a, (float, np.floating)) else str(a) for a in xs])
            ax.set_yticks(range(len(ys)), [f"{a:.3g}" if isinstance(a, (float, np.floating)) else str(a) for a in ys])
            ax.grid(False)
            if annotate if annotate is not None else len(xs) * len(ys) <= 64:
                for (i, j), val in np.ndenumerate(z):
                    if math.isfinite(val):
                        rgba = cmap(norm(val))
                        dark = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] < 0.5
                        ax.text(j, i, f"{val:.3g}", ha="center", va="center", fontsize=7.5,
                                color="white" if dark else "black")
        else:
            im = ax.scatter(values[x], values[y], c=v, cmap=cmap, norm=norm, s=28, edgecolors="none")
        ax.set_xlabel(_param_label(x))
        ax.set_ylabel(_param_label(y))
        ax.set_title(what, loc="left", fontweight="bold")
        cb = fig.colorbar(im, ax=ax)
        cb.set_label(f"{'difference, ' if diff else ''}{unit}" if unit else ("difference" if diff else measure))
    return fig


def _param_label(name: str) -> str:
    from sim.params import Params

    try:
        s = Params.spec(name)
    except Exception:
        return name
    return f"{name} ({s['unit']})" if s.get("unit") else name


SOBOL_COLUMNS = (("S1", "S1_conf", "first-order S1"), ("ST", "ST_conf", "total ST"))
MORRIS_COLUMNS = (("mu_star", "mu_star_conf", "mu* (mean |effect|)"), ("sigma", None, "sigma (interactions)"))


def sensitivity(frame, measures=None, parameter: str | None = None, max_panels: int = 6) -> Figure:
    """Sobol (S1 and ST) or Morris (mu* and sigma) indices as grouped horizontal bars with their
    confidence intervals, one panel per measure (and policy) in ``frame``."""
    if isinstance(frame, Data):
        frame = frame.indices
    f = _need(frame, "sensitivity indices", "sensitivity").copy()
    parameter = parameter or next((c for c in ("parameter", "param", "name", "names", "factor") if c in f.columns), None)
    if parameter is None:
        raise UserError("sensitivity: the indices need a parameter column (parameter/param/name)")
    cols = SOBOL_COLUMNS if "S1" in f.columns or "ST" in f.columns else MORRIS_COLUMNS
    cols = tuple(c for c in cols if c[0] in f.columns)
    if not cols:
        raise UserError("sensitivity: expected Sobol (S1, ST) or Morris (mu_star) columns")
    group_cols = [c for c in ("measure", "output", "policy", "contrast") if c in f.columns]
    groups = list(f.groupby(group_cols, sort=False)) if group_cols else [((), f)]
    if measures is not None and "measure" in group_cols:
        groups = [(k, g) for k, g in groups if g["measure"].iloc[0] in measures]
    groups = groups[:max_panels]
    n = len(groups)
    ncols = 1 if n == 1 else 2
    nrows = math.ceil(n / ncols)
    n_params = f[parameter].nunique()
    with _rc():
        fig = _figure(0.6 + nrows * (0.6 + 0.32 * n_params), WIDTH_IN if ncols == 2 else 5.5)
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        colours = ("#0072B2", "#E69F00")
        for ax, (key, g) in zip(axes, groups):
            g = g.reset_index(drop=True)
            order = g.sort_values(cols[-1][0], ascending=True)
            yy = np.arange(len(order))
            h = 0.8 / len(cols)
            for k, (col, conf, lab) in enumerate(cols):
                vals = order[col].to_numpy(float)
                err = order[conf].to_numpy(float) if conf and conf in order else None
                pos = yy + (k - (len(cols) - 1) / 2) * h
                ax.barh(pos, vals, height=h * 0.95, color=colours[k], label=lab,
                        xerr=None if err is None else 1.0 * err, error_kw={"ecolor": "#000000", "capsize": 2, "elinewidth": 0.9})
            ax.set_yticks(yy, order[parameter].astype(str))
            ax.grid(axis="y", visible=False)
            ax.axvline(0, color="#555555", linewidth=0.8)
            key = key if isinstance(key, tuple) else (key,)
            title = " / ".join(label(str(k), unit=False) if str(k) in MEASURE_INFO else str(k) for k in key) or "index"
            ax.set_title(title, loc="left", fontweight="bold")
            ax.set_xlabel("sensitivity index (share of variance)" if cols[0][0] == "S1" else "elementary effect")
        for ax in axes[n:]:
            ax.set_visible(False)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper center", ncols=len(labels), frameon=False)
    return fig


# ---------------------------------------------------------------------------------- all of them
def sweep_axes(d: Data) -> tuple[str, str] | None:
    """The two swept parameters to draw a heat map over (from the manifest, else the sweep's columns)."""
    if d.sweep is None:
        return None
    declared = d.manifest.get("parameters") or (d.manifest.get("sweep") or {}).get("parameters") or \
        (d.manifest.get("resolved") or {}).get("parameters")
    names = list(declared.keys()) if isinstance(declared, dict) else \
        [p.get("name") if isinstance(p, dict) else str(p) for p in (declared or [])]
    from sim.params import Params

    names = [n for n in names if n in d.sweep.columns] or [c for c in d.sweep.columns if c in Params.names()
                                                         and d.sweep[c].nunique() > 1]
    return (names[0], names[1]) if len(names) >= 2 else None


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
        measure = next((m for m in ("trust_mean", "incident_rate", "cost_total") if m in d.sweep.columns), None)
        if measure:
            pol = [p for p in d.policies if p != d.baseline] if "policy" in d.sweep.columns else []
            if pol:
                out["sweep_heatmap"] = (sweep_heatmap(d.sweep, *axes, measure, policy=pol[0], baseline=d.baseline),
                                        f"{CAPTIONS['sweep_heatmap']} Colour: {pol[0]} minus {d.baseline} "
                                        "(orange: higher, purple: lower, white: no difference).")
            else:
                out["sweep_heatmap"] = (sweep_heatmap(d.sweep, *axes, measure), CAPTIONS["sweep_heatmap"])
    if d.indices is not None and len(d.indices):
        out["sensitivity"] = (sensitivity(d.indices), CAPTIONS["sensitivity"])
    return out


def metadata(fmt: str) -> dict:
    """Provenance written into saved figures (PNG/SVG/PDF metadata keys)."""
    from sim.provenance import git_commit, package_versions

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
    from sim.output import write_json
    from sim.provenance import provenance

    write_json(out_dir / "figures.json", {"figures": {n: {"file": p.name, "caption": captions[n]} for n, p in written.items()},
                                          "format": fmt, "dpi": dpi, **provenance()})
    return written
