"""Sweeps: a measure (or a policy's difference to the baseline) over one or two swept parameters."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.errors import UserError
from sim.present.charts.style import WIDTH_IN, figure, param_label, policy_styles, rc
from sim.present.data import Data, need
from sim.present.labels import info
from sim.present.numbers import decimals, num, within_noise
from sim.results.stats import t_interval

SWEEP_MEASURES = ("trust_mean", "incident_rate")


def sweep_values(source, x: str, y: str | None, measure: str, policy: str | None = None,
                 baseline: str | None = None) -> pd.DataFrame:
    """Per (x, y): ``value`` (the mean over replicates and over any other swept parameter) and the
    95% interval ``low``/``high`` (NaN when other parameters were averaged over). With ``policy``
    and ``baseline``: the paired difference policy - baseline.

    ``source``: a :class:`Data` (uses points.csv when there, else runs), a points frame (columns
    ``measure, mean, ci_low, ..., diff_ci_high``) or a runs frame (one row per run, a column per
    measure)."""
    keys = [x] + ([y] if y else [])
    diff = baseline is not None and policy is not None and policy != baseline
    if isinstance(source, Data):
        frame = source.points if source.points is not None and len(source.points) else source.sweep
    else:
        frame = source
    f = need(frame, "sweep results (points.csv or runs.parquet)", "sweep chart")
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
    with rc():
        fig = figure(0.5 + 2.9 * nrows, WIDTH_IN if ncols > 1 else 5.2)
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
                ax.set_xlabel(param_label(x))
                ax.set_ylabel(param_label(y))
            cb = fig.colorbar(im, ax=list(axes[:, j]), shrink=0.9, aspect=25)
            u = unit.split(", ")[0]
            cb.set_label(f"{'difference, ' if diff else ''}{u}" if u else ("difference" if diff else name))
    return fig


def _heat(ax, v: pd.DataFrame, x: str, y: str, norm, cmap, annotate):
    xs, ys = np.sort(v[x].unique()), np.sort(v[y].unique())
    grid = len(xs) * len(ys) == len(v) and len(xs) <= 40 and len(ys) <= 40
    noise = within_noise(v["low"], v["high"])
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
    finite = np.abs(z[np.isfinite(z)])
    big = float(finite.max()) if len(finite) and finite.max() > 0 else 1.0
    dec = decimals([big], 2)                                         # two significant digits of the largest
    for (i, j), val in np.ndenumerate(z):
        if nz[i, j] is True or nz[i, j] == True:  # noqa: E712  (numpy bool)
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#8c8c8c",
                                   linewidth=0, alpha=0.8))
        if show and math.isfinite(val):
            rgba = cmap(norm(val))
            dark = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] < 0.5
            text = num(val, dec)
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
    with rc():
        fig = figure(2.9, WIDTH_IN)
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
            ax.set_xlabel(param_label(x))
        handles, labels = axes[0].get_legend_handles_labels()
        if any(policies):
            fig.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 5), frameon=False)
    return fig
