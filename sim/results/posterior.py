"""Decisions under uncertainty: how often each policy wins across plausible worlds (posterior draws).

A comparison with ``--posterior N`` runs every policy in N worlds (posterior draws) x R replicates.
:func:`runs_table` gives one row per (draw, replicate, policy) with the window means of the
measures (``posterior_runs.csv``); :func:`probabilities` turns it into one row per (measure,
policy) (``probabilities.csv``):

1. replicates are averaged within a draw (a draw is one plausible world; replicates are the model's
   noise), giving one value per (draw, policy);
2. across the draws, with ``sign`` the measure's direction (+1: higher is better, -1: lower is
   better; :data:`sim.core.measures.MEASURE_INFO`) and ``diff`` = policy - baseline in the same draw:

   ``p_best``
       share of draws in which the policy has the best value of all policies (ties share the draw
       equally, so the column sums to 1 over the policies);
   ``p_beats``
       share of draws with ``sign * diff > 0`` (NaN for the baseline);
   ``p_beats_practical``
       share of draws with ``sign * diff`` at least the measure's practical-significance threshold
       (:meth:`sim.core.measures.MeasureInfo.matters`, relative thresholds against the baseline's
       value in that draw): "better by a negligible amount" does not count (NaN without a threshold);
   ``diff_mean``, ``diff_p05``, ``diff_p95``
       mean of ``diff`` over the draws and its 5th and 95th percentiles (numpy's linear
       interpolation): the expected difference and the 90% interval of the worlds.

Only measures with a direction (``better`` +1 or -1) are ranked. Draws are equally weighted (they
were drawn by weight: :func:`sim.scenario.posterior.draw_posterior`).

:func:`draw_table` gives the same runs one row per (draw, policy, measure) with the draw's parameter
values as columns: the per-world table on which ``trustsim discover`` runs PRIM
(:mod:`sim.analysis.discover`), "in which plausible worlds does proximity beat reactive on trust".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.measures import measure_info
from sim.errors import UserError
from sim.results.summary import CUMULATIVE, per_replicate
from sim.results.sweepsummary import case_rows, paired_levels

PROBABILITY_COLUMNS = ("measure", "policy", "baseline", "draws", "direction", "threshold", "relative",
                       "p_best", "p_beats", "p_beats_practical", "diff_mean", "diff_p05", "diff_p95")
RUN_KEYS = ("draw", "particle", "replicate", "seed", "policy")
INTERVAL = (5.0, 95.0)


def ranked_measures(columns) -> list[str]:
    """The measures of ``columns`` with a direction (higher or lower is better), in that order."""
    return [m for m in columns if m not in RUN_KEYS and measure_info(m).better != 0]


def runs_table(timeseries: pd.DataFrame, window_steps, replicates: int, particles) -> pd.DataFrame:
    """One row per (draw, replicate, policy): ``draw``, ``particle`` (row of posterior.parquet),
    ``replicate`` (within the draw, 0..replicates-1), ``seed``, ``policy``, then the window means
    and whole-run totals of :func:`sim.results.summary.per_replicate`. ``timeseries`` numbers its runs
    ``replicate = draw * replicates + r`` (as the comparison folder's timeseries does)."""
    reps = per_replicate(timeseries, window_steps).reset_index()
    run = reps["replicate"].to_numpy()
    seeds = timeseries.groupby(["policy", "replicate"], sort=False)["seed"].first()
    reps.insert(0, "seed", [int(seeds.loc[(p, r)]) for p, r in zip(reps["policy"], run)])
    reps["replicate"] = run % replicates
    reps.insert(0, "particle", [int(particles[d]) for d in run // replicates])
    reps.insert(0, "draw", run // replicates)
    cols = [*RUN_KEYS, *[c for c in reps.columns if c not in RUN_KEYS]]
    return reps[cols].sort_values(["draw", "replicate", "policy"], kind="stable").reset_index(drop=True)


def world_means(runs: pd.DataFrame, measure: str, policies) -> pd.DataFrame:
    """Draws x policies: the mean of ``measure`` over the replicates of each draw (columns in
    ``policies`` order)."""
    return runs.groupby(["draw", "policy"])[measure].mean().unstack("policy").reindex(columns=list(policies))


def _p_best(values: np.ndarray, sign: int) -> np.ndarray:
    """Share of rows (draws) in which each column is best; ties share the row; rows with a NaN are left out."""
    ok = np.all(np.isfinite(values), axis=1)
    if not ok.any():
        return np.full(values.shape[1], np.nan)
    v = sign * values[ok]
    best = np.isclose(v, v.max(axis=1, keepdims=True), rtol=0, atol=1e-12)
    return (best / best.sum(axis=1, keepdims=True)).mean(axis=0)


def probabilities(runs: pd.DataFrame, policies, baseline: str, measures=None) -> pd.DataFrame:
    """The ``probabilities.csv`` table of :func:`runs_table`'s rows (module doc): one row per ranked
    measure and policy, in ``policies`` order."""
    policies = list(policies)
    measures = ranked_measures(measures if measures is not None else runs.columns)
    rows = []
    for measure in measures:
        mi = measure_info(measure)
        worlds = world_means(runs, measure, policies)
        best = _p_best(worlds.to_numpy(float), mi.better)
        base = worlds[baseline].to_numpy(float)
        for k, policy in enumerate(policies):
            diff = worlds[policy].to_numpy(float) - base
            ok = np.isfinite(diff)
            row = {"measure": measure, "policy": policy, "baseline": baseline, "draws": int(ok.sum()),
                   "direction": mi.better, "threshold": mi.threshold, "relative": mi.relative, "p_best": best[k],
                   "p_beats": np.nan, "p_beats_practical": np.nan, "diff_mean": np.nan, "diff_p05": np.nan,
                   "diff_p95": np.nan}
            if ok.any():
                d = diff[ok]
                row.update(diff_mean=float(d.mean()), diff_p05=float(np.percentile(d, INTERVAL[0])),
                           diff_p95=float(np.percentile(d, INTERVAL[1])))
                if policy != baseline:
                    better = mi.better * d > 0
                    row["p_beats"] = float(better.mean())
                    matters = [mi.matters(x, b) for x, b in zip(d, base[ok])]
                    if all(m is not None for m in matters):
                        row["p_beats_practical"] = float((better & np.array(matters, bool)).mean())
            rows.append(row)
    return pd.DataFrame(rows, columns=list(PROBABILITY_COLUMNS))


def draw_table(runs: pd.DataFrame, values, policies, baseline: str, measures=None) -> pd.DataFrame:
    """The plausible worlds as cases for scenario discovery: one row per (draw, policy, ranked measure)
    with ``draw``, the draw's parameter values (one column each, from ``values``: the manifest's
    ``posterior["values"]``, one ``{parameter: value}`` per draw), ``policy``, ``measure`` and, across
    the draw's replicates, the policy's level (``mean``, ``sd``, ``ci_low``, ``ci_high``, ``n``) and
    its paired difference to ``baseline`` replicate by replicate (same seed within a draw):
    ``diff_mean`` (the draw's mean paired difference, averaged over its replicates), ``diff_sd``,
    ``diff_ci_low``, ``diff_ci_high`` (t interval; NaN with one replicate).

    It has the shape of a sweep's ``points.csv`` with ``draw`` for ``point`` (the columns between it
    and ``policy`` are the parameters), so :func:`sim.analysis.discover.discover` reads both. A
    replicate with a missing value (e.g. the reported share of a run without incidents) drops out of
    that draw's paired difference, so ``diff_mean`` can differ there from the difference of
    :func:`world_means` that :func:`probabilities` uses."""
    policies, values = list(policies), [dict(v) for v in values]
    if baseline not in policies:
        raise UserError(f"baseline {baseline!r} is not one of the policies ({', '.join(policies)})")
    draws = np.sort(runs["draw"].unique().astype(int))
    if len(draws) == 0 or draws[0] < 0 or draws[-1] >= len(values):
        raise UserError(f"the runs' draws ({', '.join(map(str, draws[:5]))}...) do not match the {len(values)} draws "
                        "whose values the manifest lists")
    names = list(values[0])
    reps = np.sort(runs["replicate"].unique().astype(int))
    d_of = {d: i for i, d in enumerate(draws)}
    p_of = {p: i for i, p in enumerate(policies)}
    r_of = {r: i for i, r in enumerate(reps)}
    runs = runs[runs["policy"].isin(policies)]
    idx = (runs["draw"].map(d_of).to_numpy(int), runs["policy"].map(p_of).to_numpy(int),
           runs["replicate"].map(r_of).to_numpy(int))
    b = p_of[baseline]
    blocks = {}
    for measure in ranked_measures(measures if measures is not None else runs.columns):
        cube = np.full((len(draws), len(policies), len(reps)), np.nan)
        cube[idx] = runs[measure].to_numpy(float)
        blocks[measure] = paired_levels(cube, b)
    out = case_rows(blocks, policies, baseline)
    case = out.pop("case").to_numpy()
    columns = {"draw": draws[case]}
    for name in names:
        columns[name] = np.array([values[d].get(name, np.nan) for d in draws])[case]
    return pd.concat([pd.DataFrame(columns), out], axis=1)


__all__ = ["CUMULATIVE", "PROBABILITY_COLUMNS", "draw_table", "probabilities", "ranked_measures",
           "runs_table", "world_means"]
