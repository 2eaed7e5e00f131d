"""Time series: each measure over time per policy, mean across replicates and its 95% band."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.measures import measure_info
from sim.errors import UserError
from sim.present.charts.style import figure, legend_labels, policy_styles, rc
from sim.present.data import as_data, need
from sim.present.labels import info
from sim.results.stats import t_intervals

# the share of incidents reported is left out: with few incidents a day it is mostly noise (it is in the tables)
TIMESERIES_MAIN = ("trust_mean", "trust_p10", "tension", "active_fraction", "incident_rate")
TIMESERIES_MORE = ("arrests", "jailed_fraction", "officer_stress", "officers_on_duty", "contacts", "cost_total")
# daily counts and shares of them: noisy from day to day, drawn as moving averages in long runs
FLOW_MEASURES = ("incidents", "incident_rate", "reported_share", "arrests", "active_fraction", "contacts",
                 "supported", "cost_incidents", "cost_total")


def band(timeseries: pd.DataFrame, measure: str, confidence: float = 0.95) -> pd.DataFrame:
    """Per policy and step (in order of appearance): mean across replicates, sd, count (values that
    are not NaN) and the t-interval bounds (NaN with fewer than two values), from
    :func:`sim.results.stats.t_intervals` over a (policy-step, replicate) array."""
    g = timeseries.groupby(["policy", "step"], sort=False)[measure]
    group, rank = g.ngroup().to_numpy(), g.cumcount().to_numpy()
    values = np.full((g.ngroups, rank.max() + 1 if len(rank) else 0), np.nan)
    values[group, rank] = timeseries[measure].to_numpy(float)
    iv = t_intervals(values, confidence)
    out = timeseries[["policy", "step"]].drop_duplicates().reset_index(drop=True)
    out["mean"], out["std"], out["count"], out["low"], out["high"] = iv.mean, iv.sd, iv.n.astype(int), iv.low, iv.high
    return out


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


def zero_or_cut(ax, measure: str) -> None:
    """A share (shown in %) or a count starts its axis at 0; a 0-1 scale whose values sit far from
    0 keeps its close-up axis but marks the cut (a break on the axis, "axis cut" in the label)."""
    mi = measure_info(measure)
    low = mi.range[0]
    if low is None:
        return
    bottom, top = ax.get_ylim()
    if mi.scale != 1 or bottom < 0.5 * top or mi.unit in ("per day", "officers"):
        ax.set_ylim(low, max(top, low + 1e-9))     # from 0: the gap between lines is not exaggerated
        return
    ax.text(0, 0.02, "//", transform=ax.transAxes, ha="center", va="center", fontsize=9, fontweight="bold",
            color="#333333", clip_on=False, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})   # a break
    ax.set_ylabel(f"{ax.get_ylabel()} (axis cut)")


def timeseries(results, measures=TIMESERIES_MAIN, policies=None, ncols: int = 2, title: str | None = None,
               smooth="auto") -> Figure:
    """Each measure over time (one panel each), one line per policy: mean across replicates and
    its 95% confidence band; the summary window shaded. Daily counts (:data:`FLOW_MEASURES`) are
    drawn as a moving average within each run (``smooth``: days, or "auto": 7 when the run is
    longer than 60 days); the panel title says so."""
    d = as_data(results)
    ts = need(d.timeseries, "the time series (timeseries.parquet)", "timeseries")
    days = smoothing(ts, smooth)
    measures = [m for m in measures if m in ts.columns]
    if not measures:
        raise UserError("timeseries: none of the requested measures is in the time series")
    policies = list(policies or d.policies)
    styles = policy_styles(policies, d.baseline)
    nrows = math.ceil(len(measures) / ncols)
    window = d.window_steps
    with rc():
        fig = figure(1.85 * nrows + 0.55)
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
        for ax, m in zip(axes, measures):
            flow = m in FLOW_MEASURES and days > 1
            b = band(smoothed(ts[ts.policy.isin(policies)], m, days if flow else 1), m)
            lo_lim, hi_lim = info(m)[4]
            b["low"], b["high"] = b["low"].clip(lower=lo_lim, upper=hi_lim), b["high"].clip(lower=lo_lim, upper=hi_lim)
            mi = measure_info(m)
            b[["mean", "low", "high"]] = b[["mean", "low", "high"]] * mi.scale          # shares in %
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
            ax.set_title(info(m)[3] + (f" ({days}-day average)" if flow else ""), loc="left", fontweight="bold")
            ax.set_ylabel((mi.scale_unit or mi.unit).split(", ")[0])
            zero_or_cut(ax, m)
        for ax in axes[len(measures):]:
            ax.set_visible(False)
        for ax in axes[max(0, len(measures) - ncols):len(measures)]:
            ax.set_xlabel("day (step)")
            ax.xaxis.set_tick_params(labelbottom=True)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, legend_labels(labels, d.baseline), loc="outside upper center", ncols=min(len(labels), 5),
                   frameon=False)
        if title:
            fig.suptitle(title)
    return fig
