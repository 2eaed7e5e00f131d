"""Sensitivity: Sobol or Morris indices as bars with their 95% intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.errors import UserError
from sim.present.charts.style import POLICY_COLOURS, WIDTH_IN, figure, rc
from sim.present.data import Data, need
from sim.present.labels import info

INDEX_MEASURES = ("trust_mean", "incident_rate", "tension", "cost_total")


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
    f = need(f, "sensitivity indices (indices.csv)", "sensitivity").copy()
    parameter, bar, dot, words = _columns(f, parameter)
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
    ncols = 2 if len(measures) > 1 else 1
    nrows = math.ceil(len(measures) / ncols)
    with rc():
        fig = figure(0.7 + nrows * (0.55 + 0.2 * len(params) * max(len(series), 1.5)), WIDTH_IN if ncols == 2 else 5.2)
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        difference = base if kind == "difference" and base else None
        for ax, m in zip(axes, measures):
            for k, pol in enumerate(series):
                g = f[(f["measure"] == m) & ((f["policy"] == pol) if pol is not None else True)]
                g = g.drop_duplicates(parameter).set_index(g[parameter].astype(str)).reindex(params)
                label = (f"{pol} minus {base}" if difference else pol) if pol is not None else bar
                _bars(ax, g, bar, dot, k, len(series), label)
            _panel(ax, m, params, words, difference)
        for ax in axes[len(measures):]:
            ax.set_visible(False)
        handles, labels = axes[0].get_legend_handles_labels()
        names = {"S1": "first-order S1", "sigma": "sigma (interactions)"}
        keep = [(hd, names.get(lb, lb)) for hd, lb in zip(handles, labels) if not lb.startswith("_")]
        fig.legend([k[0] for k in keep], [k[1] for k in keep], loc="outside upper center", ncols=min(len(keep), 4),
                   frameon=False)
    return fig


def _columns(f: pd.DataFrame, parameter: str | None) -> tuple:
    """(parameter column, bar column, diamond column or None, "sobol" or "morris") of the indices."""
    parameter = parameter or next((c for c in ("parameter", "param", "name", "names", "factor") if c in f.columns), None)
    if parameter is None:
        raise UserError("sensitivity: the indices need a parameter column (parameter, param or name)")
    if "ST" in f.columns or "S1" in f.columns:
        return parameter, ("ST" if "ST" in f.columns else "S1"), ("S1" if "ST" in f.columns else None), "sobol"
    if "mu_star" in f.columns:
        return parameter, "mu_star", ("sigma" if "sigma" in f.columns else None), "morris"
    raise UserError("sensitivity: expected Sobol (S1, ST) or Morris (mu_star) columns")


def _bars(ax, g: pd.DataFrame, bar: str, dot: str | None, k: int, n_series: int, label: str) -> None:
    """Series ``k`` of a panel: bars with their intervals, and the diamonds of ``dot``."""
    h = 0.8 / n_series
    pos = np.arange(len(g))[::-1] + (n_series - 1) / 2 * h - k * h
    vals = g[bar].to_numpy(float)
    ax.barh(pos, np.nan_to_num(vals), height=h * 0.9, color=POLICY_COLOURS[k % len(POLICY_COLOURS)], label=label)
    ci = _ci(g, bar)
    if ci is not None:
        lo, hi = ci
        ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(vals)
        ax.errorbar(vals[ok], pos[ok], xerr=[np.clip(vals[ok] - lo[ok], 0, None), np.clip(hi[ok] - vals[ok], 0, None)],
                    fmt="none", ecolor="#000000", elinewidth=0.9, capsize=2)
    if dot and dot in g:
        ax.plot(g[dot].to_numpy(float), pos, linestyle="none", marker="D", markersize=3.5, markerfacecolor="white",
                markeredgecolor="#000000", markeredgewidth=0.9, label="_dot" if k else dot)


def _panel(ax, m: str, params: list, words: str, difference) -> None:
    """Axes, labels and title of the panel of measure ``m``."""
    ax.set_yticks(np.arange(len(params))[::-1], params)
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color="#555555", linewidth=0.8)
    if words == "sobol":
        ax.set_xlim(-0.15, 1.15)
        ax.set_xlabel("share of the variance")
    else:
        ax.set_xlabel(f"mean |elementary effect| ({info(m)[1].split(', ')[0]})")
    ax.set_title(info(m)[3] + (" (difference)" if difference else ""), loc="left", fontweight="bold")
