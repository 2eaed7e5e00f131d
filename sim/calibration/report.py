"""Targets against the posterior predictive (the held-out report) and the calibration's figures.

    from sim.calibration.report import heldout_report
    print(heldout_report("results/calibration"))     # a ``trustsim validate``-style table of the held-out targets

:func:`predictive_report` gives, for every statistic of every ready target: its role, band, the
posterior-predictive median and 90% interval, the share of draws inside the band, the median at today's
defaults, and a verdict: ``agrees`` (the median is inside the band), ``disagrees`` (outside).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.calibration.results import load_result
from sim.calibration.targets import load_targets
from sim.errors import UserError

COLUMNS = ("target", "statistic", "role", "low", "high", "median", "q05", "q95", "share_in_band", "defaults_median",
           "verdict", "draws")


def predictive_report(spec, predictive: pd.DataFrame, role: str | None = None) -> pd.DataFrame:
    rows = []
    post = predictive[predictive["source"] == "posterior"] if len(predictive) else predictive
    base = predictive[predictive["source"] == "defaults"] if len(predictive) else predictive
    for t in spec.targets:
        if not t.ready or (role is not None and t.role != role):
            continue
        for s in t.statistics:
            x = post[s.key].to_numpy(float) if s.key in post else np.array([])
            x = x[np.isfinite(x)]
            d = base[s.key].to_numpy(float) if s.key in base else np.array([])
            d = d[np.isfinite(d)]
            med = float(np.median(x)) if len(x) else math.nan
            rows.append({"target": t.id, "statistic": s.name, "role": t.role, "low": s.band[0], "high": s.band[1],
                         "median": med, "q05": float(np.quantile(x, 0.05)) if len(x) else math.nan,
                         "q95": float(np.quantile(x, 0.95)) if len(x) else math.nan,
                         "share_in_band": float(np.mean((x >= s.band[0]) & (x <= s.band[1]))) if len(x) else math.nan,
                         "defaults_median": float(np.median(d)) if len(d) else math.nan,
                         "verdict": ("agrees" if s.within(med) else "disagrees") if len(x) else "no draws",
                         "draws": int(len(x))})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def format_report(report: pd.DataFrame, title: str = "") -> str:
    lines = [title] if title else []
    lines.append(f"{'target.statistic':<42} {'role':<9} {'band':>17} {'median':>9} {'90% interval':>21} "
                 f"{'in band':>8} {'defaults':>9}  verdict")
    def g(v):
        return f"{v:.3g}" if isinstance(v, (int, float)) and math.isfinite(v) else "-"

    for _, r in report.iterrows():
        share = f"{r['share_in_band']:.0%}" if math.isfinite(r["share_in_band"]) else "-"
        lines.append(f"{r['target'] + '.' + r['statistic']:<42} {r['role']:<9} {f'[{g(r.low)}, {g(r.high)}]':>17} "
                     f"{g(r['median']):>9} {f'[{g(r.q05)}, {g(r.q95)}]':>21} {share:>8} {g(r['defaults_median']):>9}  "
                     f"{r['verdict']}")
    return "\n".join(lines)


def heldout_report(out, targets=None) -> pd.DataFrame:
    """The held-out targets of a calibration folder against its posterior predictive (a table); targets
    waiting for a mechanism are listed with verdict ``needs issue 12``."""
    res = load_result(out)
    if not len(res.predictive):
        raise UserError(f"{out}: no posterior predictive yet (predictive.csv): finish the calibration first")
    spec = load_targets(targets or res.manifest["config"]["targets_file"])
    report = predictive_report(spec, res.predictive, role="held_out")
    waiting = [{"target": t.id, "statistic": s.name, "role": t.role, "low": s.band[0], "high": s.band[1],
                "verdict": t.status, "draws": 0} for t in spec.waiting for s in t.statistics]
    return pd.concat([report, pd.DataFrame(waiting, columns=list(COLUMNS))], ignore_index=True) if waiting else report


# ------------------------------------------------------------------------------------------------ figures
def write_figures(folder: Path, posterior: pd.DataFrame, fitted, predictive: pd.DataFrame, spec, diagnostics) -> list[Path]:
    """``marginals.png``, ``pairwise.png`` and ``predictive.png`` in ``folder``; their paths."""
    w = posterior["weight"].to_numpy(float)
    w = w / w.sum()
    return [_save(_marginals_figure(posterior, fitted, w), folder / "marginals.png"),
            _save(_pairwise_figure(posterior, fitted, w), folder / "pairwise.png"),
            _save(_predictive_figure(predictive, spec), folder / "predictive.png")]


def _marginals_figure(posterior: pd.DataFrame, fitted, w: np.ndarray) -> Figure:
    """Weighted histograms on the prior range, the default marked."""
    names = [p.name for p in fitted]
    cols = min(4, len(names))
    rows = math.ceil(len(names) / cols)
    fig = Figure(figsize=(3.2 * cols, 2.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, p in zip(axes.flat, fitted):
        ax.hist(posterior[p.name], bins=_bins(p, 15), weights=w, color="#4477aa", alpha=0.85)
        ax.axvline(p.default, color="#cc3311", lw=1.2, label="default")
        _prior_axis(ax, p, "x")
        ax.set_title(p.name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Posterior marginals (generation {int(posterior['generation'].iloc[0])}, weighted; x-axis = prior range)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def _bins(p, n: int) -> np.ndarray:
    """``n`` histogram bins over the prior's range, even on the prior's own scale (log or linear)."""
    return np.geomspace(p.low, p.high, n + 1) if p.scale == "log" else np.linspace(p.low, p.high, n + 1)


def _prior_axis(ax, p, which: str) -> None:
    """The axis spans the prior's range, on a log scale for a log-uniform prior."""
    if p.scale == "log":
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    (ax.set_xlim if which == "x" else ax.set_ylim)(p.low, p.high)


def _pairwise_figure(posterior: pd.DataFrame, fitted, w: np.ndarray) -> Figure:
    """Weighted scatter of every pair (histograms on the diagonal)."""
    k = len(fitted)
    fig = Figure(figsize=(1.9 * k, 1.9 * k))
    axes = fig.subplots(k, k, squeeze=False)
    size = 6 + 60 * w / w.max()
    for i, pi in enumerate(fitted):
        for j, pj in enumerate(fitted):
            ax = axes[i][j]
            if i == j:
                ax.hist(posterior[pi.name], bins=_bins(pi, 12), weights=w, color="#4477aa")
                _prior_axis(ax, pi, "x")
            elif i > j:
                ax.scatter(posterior[pj.name], posterior[pi.name], s=size, alpha=0.5, color="#4477aa", lw=0)
                _prior_axis(ax, pj, "x")
                _prior_axis(ax, pi, "y")
            else:
                ax.axis("off")
            ax.tick_params(labelsize=5)
            if j == 0:
                ax.set_ylabel(pi.name, fontsize=6)
            if i == k - 1:
                ax.set_xlabel(pj.name, fontsize=6)
    fig.suptitle("Posterior, pairwise (point size = weight)", fontsize=10)
    fig.tight_layout()
    return fig


def _predictive_figure(predictive: pd.DataFrame, spec) -> Figure:
    """The posterior predictive and the runs at today's defaults against each target's band."""
    stats = spec.statistics()
    cols = min(3, len(stats))
    rows = math.ceil(len(stats) / cols)
    fig = Figure(figsize=(4.2 * cols, 2.4 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    post = predictive[predictive["source"] == "posterior"]
    base = predictive[predictive["source"] == "defaults"]
    for ax, s in zip(axes.flat, stats):
        _predictive_panel(ax, s, spec.target(s.target).role, post[s.key].to_numpy(float), base[s.key].to_numpy(float))
    for ax in list(axes.flat)[len(stats):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6, loc="upper left")
    fig.suptitle("Posterior predictive against each target's band", fontsize=10)
    fig.tight_layout()
    return fig


def _predictive_panel(ax, s, role: str, x: np.ndarray, d: np.ndarray) -> None:
    """One statistic: its band, the posterior draws ``x`` (above) and the runs at today's defaults ``d`` (below)."""
    ax.axvspan(*s.band, color="#99cc99" if role == "fit" else "#ddcc77", alpha=0.5,
               label=f"band ({'fitted' if role == 'fit' else 'held out'})")
    rng = np.random.default_rng(0)
    ax.scatter(x, 0.6 + 0.25 * rng.random(len(x)), s=12, color="#4477aa", label="posterior predictive")
    ax.scatter(d, 0.15 + 0.25 * rng.random(len(d)), s=12, color="#cc3311", marker="x", label="today's defaults")
    finite = np.concatenate([x[np.isfinite(x)], d[np.isfinite(d)], np.array(s.band)])
    lo, hi = np.quantile(finite, [0.02, 0.98])
    pad = 0.1 * (hi - lo or 1.0)
    ax.set_xlim(min(lo, s.band[0]) - pad, max(hi, s.band[1]) + pad)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.set_title(f"{s.key} ({role})", fontsize=8)
    ax.tick_params(labelsize=7)


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    return path
