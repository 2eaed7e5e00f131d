"""Summaries of a sweep's runs: per design point, policy and measure, the level and the paired
difference to the baseline policy across replicates (the ``points.csv`` of :mod:`sim.run.sweep`).

:func:`paired_levels` and :func:`case_rows` are the table's two steps for any set of cases (design points
here, posterior draws in :func:`sim.results.posterior.draw_table`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.results.stats import CONFIDENCE, ratio_interval, t_intervals
from sim.results.summary import CUMULATIVE, PUBLIC_COST, RATIO, SUMMARY_COLUMNS
from sim.scenario.sweepfile import ID_COLUMNS, Sweep

STATISTICS = ("mean", "sd", "ci_low", "ci_high", "n", "diff_mean", "diff_sd", "diff_ci_low", "diff_ci_high")


def output_columns(runs: pd.DataFrame, sw: Sweep) -> list[str]:
    """The columns of ``runs`` that are run outputs (not identity, status or design values)."""
    skip = set(ID_COLUMNS) | set(sw.factor_names)
    return [c for c in runs.columns if c not in skip]


def summarise_points(runs: pd.DataFrame, sw: Sweep, confidence: float | None = None) -> pd.DataFrame:
    """One row per design point, policy and measure (point, then policy, then measure order):
    mean, sd and t interval across replicates, and the paired difference to the baseline policy
    (same replicate = same seed), as in a scenario's ``summary.csv`` (see :mod:`sim.run.experiment`);
    for trustsim runs also the cost per incident averted (:func:`sim.results.stats.ratio_interval`).
    Failed runs count as missing values."""
    confidence = CONFIDENCE if confidence is None else confidence
    n_pts, n_pol = sw.n_points, len(sw.policies)
    summarised = [m for m in output_columns(runs, sw) if m != PUBLIC_COST]
    b = sw.policies.index(sw.baseline)
    blocks = {m: paired_levels(_cube(runs, sw, m), b, confidence) for m in summarised}
    if sw.scenario is not None:
        blocks[RATIO] = _ratio_block(runs, sw, b, confidence)
    df = case_rows(blocks, sw.policies, sw.baseline).rename(columns={"case": "point"})
    for name in sw.factor_names:
        df[name] = sw.points[name].to_numpy()[df["point"].to_numpy()]
    df["window"] = np.tile(np.array(_windows(sw, list(blocks)), dtype=object), n_pts * n_pol)
    return df[["point", *sw.factor_names, *SUMMARY_COLUMNS]]


def paired_levels(cube: np.ndarray, b: int, confidence: float = CONFIDENCE) -> tuple:
    """The :data:`STATISTICS` of a (cases x policies x replicates) array, each a (cases x policies) array:
    the level across replicates, and the difference to policy ``b`` replicate by replicate (same seed)."""
    return (*t_intervals(cube, confidence), *t_intervals(cube - cube[:, b:b + 1, :], confidence))


def case_rows(blocks: dict, policies, baseline: str) -> pd.DataFrame:
    """One row per case, policy and measure, in that order, from ``{measure: STATISTICS arrays}``
    (:func:`paired_levels`): ``case`` (0-based), ``policy``, ``measure``, the level, ``baseline``, the
    paired difference."""
    measures = list(blocks)
    n_cases, n_pol, n_m = len(next(iter(blocks.values()))[0]), len(policies), len(measures)
    stat = {name: np.stack([blocks[m][k] for m in measures], axis=-1).reshape(-1) for k, name in enumerate(STATISTICS)}
    df = pd.DataFrame({"case": np.repeat(np.arange(n_cases), n_pol * n_m)})
    df["policy"] = np.tile(np.repeat(np.array(policies, dtype=object), n_m), n_cases)
    df["measure"] = np.tile(np.array(measures, dtype=object), n_cases * n_pol)
    for name in ("mean", "sd", "ci_low", "ci_high", "n"):
        df[name] = stat[name]
    df["baseline"] = baseline
    for name in ("diff_mean", "diff_sd", "diff_ci_low", "diff_ci_high"):
        df[name] = stat[name]
    df["n"] = df["n"].astype(int)
    return df


def _cube(runs: pd.DataFrame, sw: Sweep, column: str) -> np.ndarray:
    """``column`` as a (points x policies x replicates) array, NaN for runs not in ``runs``."""
    a = np.full(sw.n_runs, np.nan)
    a[runs["run"].to_numpy()] = runs[column].to_numpy(dtype=float)
    return a.reshape(sw.n_points, len(sw.policies), sw.replicates)


def _ratio_block(runs: pd.DataFrame, sw: Sweep, b: int, confidence: float) -> tuple:
    """The statistics of the cost per incident averted against policy ``b`` (NaN for ``b``)."""
    n_pts, n_pol = sw.n_points, len(sw.policies)
    cost, inc = _cube(runs, sw, PUBLIC_COST), _cube(runs, sw, "incidents_cumulative")
    r = np.full((5, n_pts, n_pol), np.nan)
    for i in range(n_pts):
        for j in range(n_pol):
            if j != b:
                x = ratio_interval(cost[i, j] - cost[i, b], inc[i, b] - inc[i, j], confidence)
                r[:, i, j] = (x.mean, np.nan, x.low, x.high, x.n)
            else:
                r[4, i, j] = 0
    nan = np.full((n_pts, n_pol), np.nan)
    return (r[0], r[1], r[2], r[3], r[4], nan, nan, nan, nan, nan)


def _windows(sw: Sweep, measures) -> list[str]:
    if sw.scenario is None:
        return ["" for _ in measures]
    first, last = sw.scenario.window_steps
    return [f"1-{sw.scenario.steps}" if m in (*CUMULATIVE, RATIO) else f"{first}-{last}" for m in measures]
