"""Differences to the baseline: each policy's paired difference with its 95% interval."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from sim.core.measures import measure_info
from sim.errors import UserError
from sim.present.charts.style import figure, legend_labels, policy_styles, rc
from sim.present.data import as_data, need
from sim.present.labels import info
from sim.present.numbers import is_clear

FOREST_MEASURES = ("trust_mean", "trust_p10", "tension", "incident_rate", "reported_share", "officer_stress",
                   "incidents_cumulative", "cost_cumulative")


def negligible_halfwidth(measure: str, rows, baseline) -> float | None:
    """The practical-significance threshold of ``measure`` in its units (relative ones times the
    baseline's level), or None."""
    mi = measure_info(measure)
    if mi.threshold is None:
        return None
    if not mi.relative:
        return mi.threshold
    if baseline not in rows.index:
        return None
    b = abs(float(rows.loc[baseline, "mean"]))
    return mi.threshold * b if math.isfinite(b) and b > 0 else None


def forest(results, measures=FOREST_MEASURES, ncols: int = 2) -> Figure:
    """Paired difference to the baseline (policy - baseline) with its 95% interval, one panel per
    measure, one row per non-baseline policy. Filled marker: interval excludes 0."""
    d = as_data(results)
    s = need(d.summary, "the summary (summary.csv)", "forest")
    base = d.baseline
    measures = [m for m in measures if (s.measure == m).any()]
    others = [p for p in d.policies if p != base and (s.policy == p).any()]
    if not others:
        raise UserError("forest: needs at least one policy besides the baseline")
    styles = policy_styles(d.policies, base)
    nrows = math.ceil(len(measures) / ncols)
    with rc():
        fig = figure(0.35 + nrows * (0.55 + 0.3 * len(others)))
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        y = np.arange(len(others))[::-1]
        for ax, m in zip(axes, measures):
            rows = s[s.measure == m].set_index("policy")
            ax.axvline(0, color="#555555", linewidth=0.9, zorder=1)
            t = negligible_halfwidth(m, rows, base)
            if t:                                # differences inside the band are too small to matter
                ax.axvspan(-t, t, color="#000000", alpha=0.07, linewidth=0, zorder=0)
            for yi, p in zip(y, others):
                if p not in rows.index:
                    continue
                r = rows.loc[p]
                lo, hi, mean = float(r["diff_ci_low"]), float(r["diff_ci_high"]), float(r["diff_mean"])
                st = styles[p]
                clear = bool(is_clear(lo, hi))
                if math.isfinite(lo) and math.isfinite(hi):
                    ax.plot([lo, hi], [yi, yi], color=st["color"], linewidth=2.2, solid_capstyle="butt", zorder=2)
                ax.plot([mean], [yi], marker=st["marker"], markersize=6.5, color=st["color"], zorder=3,
                        markerfacecolor=st["color"] if clear else "white", markeredgewidth=1.5, linestyle="none")
            ax.set_yticks(y, legend_labels(others, None))
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
