"""Global sensitivity analysis (SALib) of a sweep file's parameters: Sobol indices or Morris screening.

    import sim
    res = sim.sensitivity("experiments/sweep-trust-sensitivity.toml", method="sobol", n=32, workers=2)
    res.indices       # one row per output and parameter: S1, ST with 95% intervals (Sobol)
                      # or mu*, its interval, mu and sigma (Morris)

The parameters of the sweep file (their ranges, or lists of values) are the factors; its
``[design]`` is replaced by a SALib sample: ``SALib.sample.sobol.sample`` (Saltelli's scheme on a
scrambled Sobol' sequence, ``n * (D + 2)`` points without second-order indices; ``n`` a power of
2) or ``SALib.sample.morris.sample`` (``n`` trajectories, ``n * (D + 1)`` points). SALib samples
the unit cube and each factor maps [0, 1] to its values as a Latin hypercube does
(:meth:`sim.scenario.designs.Factor.from_unit`): uniform on a range, uniform among the integers of an
integer range or the items of a list. Every point runs every policy and replicate through the
sweep machinery (:func:`sim.run.sweep.execute`: any evaluator, streamed to disk, resumable); the
replicates of a point are averaged, and the analysis (``SALib.analyze.sobol`` /
``SALib.analyze.morris``, bootstrap intervals) is done for each output:

- each measure of each policy (``kind = "level"``): the replicate mean of the run's summary measure;
- each measure of each policy's paired difference to the baseline (``kind = "difference"``): the
  replicate mean of policy - baseline at the same seed, i.e. what drives the *ranking* of policies.

Outputs with a missing value at some point (failed runs, or a measure that is undefined there)
or with no variation are skipped and listed in ``manifest["sensitivity"]["skipped"]``.

Results folder (default ``results/<name>-<method>-n<N>/``): the sweep folder of
:mod:`sim.run.sweep`, plus ``indices.csv`` (columns: ``method, measure, policy, kind, baseline,
parameter, range``, then Sobol ``S1, S1_ci_low, S1_ci_high, ST, ST_ci_low, ST_ci_high`` or
Morris ``mu_star, mu_star_ci_low, mu_star_ci_high, mu, sigma``, then ``n_points``) and
``indices.png`` (bar chart of the headline measures).

With ``model=f`` the factors are the arguments of a function ``f(values) -> float or {output:
float}`` instead of the simulation (the sweep dict then needs only ``parameters``, and optionally
``name``, ``seed``, ``replicates``, ``design.seed``); this is how the analysis is checked against
the exact indices of the Ishigami function.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.measures import MEASURES
from sim.errors import UserError
from sim.results.stats import CONFIDENCE
from sim.results.summary import CUMULATIVE, RATIO
from sim.run.sweep import execute
from sim.scenario.designs import frame_from_unit
from sim.scenario.sweepfile import Sweep, load_sweep
from sim.storage.layout import INDICES, INDICES_CHART, default_out
from sim.storage.sweepstore import atomic_write, write_manifest

METHODS = ("sobol", "morris")
DEFAULT_N = {"sobol": 32, "morris": 10}
MORRIS_LEVELS = 4
RESAMPLES = 200
HEADLINE = ("trust_mean", "tension", "incident_rate", "cost_total")
SOBOL_COLUMNS = ("S1", "S1_ci_low", "S1_ci_high", "ST", "ST_ci_low", "ST_ci_high")
MORRIS_COLUMNS = ("mu_star", "mu_star_ci_low", "mu_star_ci_high", "mu", "sigma")
ID_COLUMNS = ("method", "measure", "policy", "kind", "baseline", "parameter", "range")


@dataclass
class SensitivityResults:
    """``indices`` (see the module doc), plus the sweep's ``runs`` and ``points``, ``folder``,
    ``manifest``."""

    indices: pd.DataFrame
    runs: pd.DataFrame
    points: pd.DataFrame
    folder: Path
    manifest: dict

    def __repr__(self):
        s = self.manifest.get("sensitivity", {})
        return (f"SensitivityResults({self.manifest.get('sweep')!r}, {s.get('method')} n={s.get('n')}: "
                f"{len(self.indices)} indices; {self.folder})")


# ---------------------------------------------------------------------------------- sampling
def problem(sw: Sweep) -> dict:
    """The SALib problem: every factor on the unit interval (mapped by ``Factor.from_unit``)."""
    return {"num_vars": len(sw.factors), "names": sw.factor_names, "bounds": [[0.0, 1.0]] * len(sw.factors)}


def check_n(method: str, n) -> int:
    if method not in METHODS:
        raise UserError(f"--method: expected one of {', '.join(METHODS)}, got {method!r}")
    if n is None:
        return DEFAULT_N[method]
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise UserError(f"--n: expected an integer >= 2, got {n!r}")
    if method == "sobol" and n & (n - 1):
        lower = 2 ** int(math.log2(n))
        raise UserError(f"--n: expected a power of 2 for Sobol' sampling (its balance properties need it), "
                        f"got {n}; try {lower} or {2 * lower}")
    return n


def sample_unit(sw: Sweep, method: str, n: int, seed: int) -> np.ndarray:
    """The SALib sample on the unit cube, (points x factors)."""
    prob = problem(sw)
    if method == "sobol":
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(prob, n, calc_second_order=False, scramble=True, seed=seed)
    from SALib.sample import morris as morris_sample

    return morris_sample.sample(prob, n, num_levels=MORRIS_LEVELS, seed=seed)


def design_of(sw: Sweep, method: str, n: int) -> tuple[Sweep, np.ndarray]:
    """``sw`` on the SALib sample of ``method`` with ``n``; returns it and the unit sample."""
    seed = int(sw.design.get("seed", sw.seed)) % 2**32
    unit = sample_unit(sw, method, n, seed)
    design = {"kind": method, "n": n, "seed": seed, "common_seeds": sw.common_seeds,
              **({"num_levels": MORRIS_LEVELS} if method == "morris" else {"calc_second_order": False})}
    return sw.with_points(frame_from_unit(sw.factors, unit), design), unit


def check_measures(sw: Sweep, measures) -> list[str] | None:
    """The measures asked for (a list, or a comma-separated string; None: all), checked against
    what a run of ``sw`` yields BEFORE anything runs: one-line UserError naming ``--measures``.
    (A model function's outputs are only known once it has run: checked then, by :func:`outputs_of`.)"""
    if measures is None:
        return None
    if isinstance(measures, str):
        measures = [m.strip() for m in measures.split(",") if m.strip()]
    measures = [str(m) for m in measures]
    if not measures:
        raise UserError("--measures: expected one or more measure names separated by commas, got none")
    if sw.model is None:
        available = [*MEASURES, *CUMULATIVE]
        unknown = [m for m in measures if m not in available]
        if unknown:
            raise UserError(f"--measures: unknown {', '.join(unknown)}; expected some of {', '.join(available)}")
    return measures


# ---------------------------------------------------------------------------------- analysis
def outputs_of(points: pd.DataFrame, sw: Sweep, measures=None) -> tuple[dict, list[str]]:
    """{(measure, policy, kind): Y ordered by point} from a points frame, and the outputs skipped
    (with the reason)."""
    available = [m for m in dict.fromkeys(points["measure"]) if m != RATIO]
    if measures is not None:
        unknown = [m for m in measures if m not in available]
        if unknown:
            raise UserError(f"--measures: unknown {', '.join(unknown)}; expected some of {', '.join(available)}")
        available = [m for m in available if m in measures]
    out, skipped = {}, []
    n = sw.n_points
    for policy in sw.policies:
        kinds = [("level", "mean")]
        if policy != sw.baseline:
            kinds.append(("difference", "diff_mean"))
        rows = points[points["policy"] == policy]
        for measure in available:
            sel = rows[rows["measure"] == measure].sort_values("point")
            for kind, col in kinds:
                y = sel[col].to_numpy(dtype=float)
                key = (measure, policy, kind)
                if len(y) != n or not np.all(np.isfinite(y)):
                    skipped.append(f"{_label(key)}: missing at {n - int(np.isfinite(y).sum())} of {n} points")
                elif np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
                    skipped.append(f"{_label(key)}: constant")
                else:
                    out[key] = y
    return out, skipped


def _bootstrap_seed(seed: int) -> int:
    """SALib treats a seed of 0 as no seed: shift it so the intervals are reproducible."""
    return int(seed) % (2**31 - 1) + 1


def _label(key) -> str:
    measure, policy, kind = key
    return f"{measure} ({policy})" if kind == "level" else f"{measure} ({policy} - baseline)"


def analyze(sw: Sweep, method: str, unit: np.ndarray, outputs: dict, *, seed: int = 0,
            confidence: float = CONFIDENCE, resamples: int = RESAMPLES) -> pd.DataFrame:
    """SALib's analysis of each output; one row per output and parameter."""
    prob = problem(sw)
    rows = []
    ranges = {f.name: f.describe() for f in sw.factors}
    for (measure, policy, kind), y in outputs.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # parts of a varying output may be constant (e.g. a count that stays 0): SALib says so per output
            warnings.filterwarnings("ignore", message="Constant values encountered", category=UserWarning)
            if method == "sobol":
                from SALib.analyze import sobol as sobol_analyze

                res = sobol_analyze.analyze(prob, y, calc_second_order=False, num_resamples=resamples,
                                            conf_level=confidence, seed=_bootstrap_seed(seed))
            else:
                from SALib.analyze import morris as morris_analyze

                res = morris_analyze.analyze(prob, unit, y, num_resamples=resamples, conf_level=confidence,
                                             num_levels=MORRIS_LEVELS, seed=_bootstrap_seed(seed))
        for j, name in enumerate(sw.factor_names):
            row = {"method": method, "measure": measure, "policy": policy, "kind": kind, "baseline": sw.baseline,
                   "parameter": name, "range": ranges[name]}
            if method == "sobol":
                for idx in ("S1", "ST"):
                    est, half = float(res[idx][j]), float(res[f"{idx}_conf"][j])
                    row.update({idx: est, f"{idx}_ci_low": est - half, f"{idx}_ci_high": est + half})
            else:
                est, half = float(res["mu_star"][j]), float(res["mu_star_conf"][j])
                row.update({"mu_star": est, "mu_star_ci_low": est - half, "mu_star_ci_high": est + half,
                            "mu": float(res["mu"][j]), "sigma": float(res["sigma"][j])})
            row["n_points"] = sw.n_points
            rows.append(row)
    columns = [*ID_COLUMNS, *(SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS), "n_points"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------- the chart
def plot_indices(indices: pd.DataFrame, path, measures=None) -> Path | None:
    """Bar chart: one panel per headline measure (rows) and policy difference (columns; the
    policies' levels when there is one policy); Sobol ST and S1, or Morris mu* and sigma, per
    parameter, with the intervals as error bars."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if indices.empty:
        return None
    method = indices["method"].iloc[0]
    measures = [m for m in (measures or HEADLINE) if m in set(indices["measure"])] or \
        list(dict.fromkeys(indices["measure"]))[:4]
    diffs = indices[indices["kind"] == "difference"]
    data = diffs if len(diffs) else indices[indices["kind"] == "level"]
    panels = list(dict.fromkeys(data["policy"]))
    params = list(dict.fromkeys(indices["parameter"]))
    fig = Figure(figsize=(3.6 * len(panels) + 1.5, 0.45 * len(params) * len(measures) + 1.2 * len(measures) + 0.6))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(measures), len(panels), squeeze=False, sharex=method == "sobol")
    y = np.arange(len(params))
    for i, measure in enumerate(measures):
        for j, policy in enumerate(panels):
            ax = axes[i][j]
            d = data[(data["measure"] == measure) & (data["policy"] == policy)].set_index("parameter").reindex(params)
            if method == "sobol":
                bars = (("ST", "total (ST)", "#9ecae1"), ("S1", "first order (S1)", "#08519c"))
            else:
                bars = (("mu_star", "mu*", "#08519c"), ("sigma", "sigma", "#9ecae1"))
            for k, (col, label, colour) in enumerate(bars):
                lo, hi = d.get(f"{col}_ci_low"), d.get(f"{col}_ci_high")
                err = None if lo is None else np.vstack([d[col] - lo, hi - d[col]]).clip(min=0)
                ax.barh(y + (0.2 if k == 0 else -0.2), d[col].fillna(0.0), height=0.38, color=colour, label=label,
                        xerr=err, error_kw={"elinewidth": 0.8, "capsize": 2})
            ax.set_yticks(y, params if j == 0 else [""] * len(params), fontsize=8)
            ax.axvline(0, color="black", linewidth=0.6)
            what = f"{policy} - {d['baseline'].dropna().iloc[0] if d['baseline'].notna().any() else 'baseline'}" \
                if len(diffs) else policy
            ax.set_title(f"{measure}: {what}", fontsize=9)
            ax.tick_params(axis="x", labelsize=8)
            if i == 0 and j == len(panels) - 1:
                ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"{'Sobol indices' if method == 'sobol' else 'Morris screening'} "
                 f"({indices['n_points'].iloc[0]} points; bars: 95% bootstrap intervals)", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    return path


# ---------------------------------------------------------------------------------- the API
def folder_name(sw: Sweep, method: str, n: int) -> str:
    """The default results folder's name: ``<name>-<method>-n<N>`` (under results/)."""
    return f"{sw.name}-{method}-n{n}"


def sensitivity(source, method: str = "sobol", n: int | None = None, *, model=None, workers: int | None = None,
                scheduler: str | None = None, out=None, evaluator=None, progress: bool | None = None,
                measures=None, plot: bool = True, confidence: float = CONFIDENCE, resamples: int = RESAMPLES,
                chunk: int = 20, flush_seconds: float = 5.0, command: str = "api") -> SensitivityResults:
    """Sobol or Morris sensitivity of a sweep file's outputs to its parameters (see the module doc).

    Runs (or resumes) the sample in ``out`` (default ``results/<name>-<method>-n<N>/``) on the
    chosen evaluator, then writes ``indices.csv`` and ``indices.png`` there. ``measures``: the
    measures to analyse (default: all). Raises UserError if runs are still missing afterwards
    (run again to finish them)."""
    n = check_n(method, n)
    sw = load_sweep(source, model=model, for_sensitivity=True)
    sw, unit = design_of(sw, method, n)
    measures = check_measures(sw, measures)
    folder = Path(out) if out is not None else default_out(folder_name(sw, method, n), stamped=False)
    info = {"method": method, "n": n, "points": sw.n_points, "confidence": confidence, "resamples": resamples,
            "sampler": f"SALib.sample.{method}.sample", "analyzer": f"SALib.analyze.{method}.analyze"}
    res = execute(sw, out=folder, workers=workers, scheduler=scheduler, evaluator=evaluator, progress=progress,
                  chunk=chunk, flush_seconds=flush_seconds, command=command, extra_manifest={"sensitivity": info})
    if res.points is None:
        raise UserError(f"{folder}: {res.manifest['runs']['missing']} runs are still missing "
                        f"({res.not_run} could not run); run the same command again to finish them")
    outputs, skipped = outputs_of(res.points, sw, measures)
    indices = analyze(sw, method, unit, outputs, seed=sw.design["seed"], confidence=confidence, resamples=resamples)
    atomic_write(folder / INDICES, lambda p: indices.to_csv(p, index=False))
    chart = plot_indices(indices, folder / INDICES_CHART) if plot else None
    manifest = dict(res.manifest)
    manifest["sensitivity"] = {**info, "skipped": skipped, "failed_runs": int(manifest["runs"]["failed"]),
                               "outputs": len(outputs), "chart": None if chart is None else chart.name}
    write_manifest(folder, manifest)
    return SensitivityResults(indices=indices, runs=res.runs, points=res.points, folder=folder, manifest=manifest)


def ranking_table(indices: pd.DataFrame, measures=None, top: int = 6) -> str:
    """A plain-text table of the headline outputs, parameters by decreasing ST (or mu*)."""
    if indices.empty:
        return "(no indices)"
    method = indices["method"].iloc[0]
    key = "ST" if method == "sobol" else "mu_star"
    measures = [m for m in (measures or HEADLINE) if m in set(indices["measure"])] or \
        list(dict.fromkeys(indices["measure"]))[:4]
    diffs = indices[indices["kind"] == "difference"]
    data = diffs if len(diffs) else indices
    lines = []
    for (measure, policy), g in data[data["measure"].isin(measures)].groupby(["measure", "policy"], sort=False):
        head = f"{measure}, {policy}" + (f" - {g['baseline'].iloc[0]}" if g["kind"].iloc[0] == "difference" else "")
        lines.append(head)
        for _, r in g.sort_values(key, ascending=False).head(top).iterrows():
            if method == "sobol":
                lines.append(f"  {r['parameter']:<24} ST {r['ST']:6.3f} [{r['ST_ci_low']:6.3f}, {r['ST_ci_high']:6.3f}]"
                             f"   S1 {r['S1']:6.3f} [{r['S1_ci_low']:6.3f}, {r['S1_ci_high']:6.3f}]")
            else:
                lines.append(f"  {r['parameter']:<24} mu* {r['mu_star']:9.4g} [{r['mu_star_ci_low']:9.4g}, "
                             f"{r['mu_star_ci_high']:9.4g}]   sigma {r['sigma']:9.4g}")
    return "\n".join(lines)


__all__ = ["sensitivity", "SensitivityResults", "analyze", "check_measures", "outputs_of", "design_of", "plot_indices", "problem",
           "ranking_table", "METHODS"]
