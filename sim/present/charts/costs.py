"""Costs: cost per day by kind per policy, and the cost per incident averted."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.errors import UserError
from sim.present.charts.style import COST_COLOURS, figure, legend_labels, policy_styles, rc
from sim.present.data import Data, as_data, need
from sim.results.stats import t_interval

COST_KINDS = ("cost_policing", "cost_programmes", "cost_jail", "cost_incidents")
COST_LABELS = {"cost_policing": "policing (officers)", "cost_programmes": "programmes (support, welfare, awareness)",
               "cost_jail": "jail", "cost_incidents": "social cost of incidents"}


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
    s = need(d.summary, "the time series or the summary", "costs")
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
    iv = t_interval(x, confidence)
    return (iv.low, iv.high) if iv.n >= 2 else (math.nan, math.nan)


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
    with rc():
        fig = figure(1.8 + 0.3 * len(cb) + (0.8 + 0.3 * len(others) if ratio is not None and others else 0))
        if ratio is not None and others:
            ax1, ax2 = fig.subplots(2, 1, height_ratios=[len(cb) + 1.6, len(others) + 1.2])
        else:
            ax1, ax2 = fig.subplots(1, 1), None
        _cost_bars(fig, ax1, cb, base)
        if ax2 is not None:
            _cost_per_incident_bars(ax2, d, ratio, others)
    return fig


def _cost_bars(fig, ax1, cb: pd.DataFrame, base) -> None:
    """Stacked bars of cost per day by kind, with the 95% interval of the total."""
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
    ax1.set_yticks(y, legend_labels(cb["policy"], base))
    ax1.grid(axis="y", visible=False)
    ax1.set_xlabel(f"officer-days per day ({cb['period'].iloc[0]})")
    ax1.set_title("cost per day, by kind", loc="left", fontweight="bold")
    fig.legend(*ax1.get_legend_handles_labels(), loc="outside upper center", ncols=2, frameon=False, fontsize=8)


def _cost_per_incident_bars(ax2, d: Data, ratio: pd.DataFrame, others) -> None:
    """Extra public cost per incident averted with its Fieller interval, where incidents were clearly averted."""
    base = d.baseline
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
    ax2.set_yticks(y2, legend_labels(others, None))
    ax2.set_ylim(-0.6, len(others) - 0.4)
    ax2.grid(axis="y", visible=False)
    span = (max(finite) - min(finite)) or 1.0
    ax2.set_xlim(min(finite) - 0.1 * span, max(finite) + 0.1 * span)
    ax2.set_xlabel("officer-days per incident averted, whole run (below 0: saves money)")


def _incidents_clearly_averted(d: Data, policy: str) -> bool:
    """True when the policy's cumulative incidents are clearly below the baseline's."""
    if d.summary is None:
        return False
    r = d.summary[(d.summary.policy == policy) & (d.summary.measure == "incidents_cumulative")]
    if r.empty:
        return False
    hi = float(r["diff_ci_high"].iloc[0])
    return math.isfinite(hi) and hi < 0
