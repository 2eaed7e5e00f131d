"""Summaries of a scenario's runs: per-replicate window means and the ``summary.csv`` table
(columns and rows are described in :mod:`sim.run.experiment`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.measures import MEASURES
from sim.results.stats import CONFIDENCE, paired_interval, ratio_interval, t_interval

ID_COLUMNS = ("policy", "replicate", "seed", "step")
CUMULATIVE = ("incidents_cumulative", "cost_cumulative")
PUBLIC_COST = "public_cost_cumulative"
RATIO = "cost_per_incident_averted"
SUMMARY_COLUMNS = ("policy", "measure", "window", "mean", "sd", "ci_low", "ci_high", "n", "baseline",
                   "diff_mean", "diff_sd", "diff_ci_low", "diff_ci_high")
SUMMARY_DTYPES = {"policy": str, "measure": str, "window": str, "baseline": str}  # read summary.csv with these


def per_replicate(timeseries: pd.DataFrame, window_steps) -> pd.DataFrame:
    """One row per (policy, replicate): window means of MEASURES, the cumulative measures and the
    whole-run public cost (policing + programmes + jail), indexed by (policy, replicate)."""
    first, last = window_steps
    measures = [m for m in MEASURES if m in timeseries.columns]
    keys = ["policy", "replicate"]
    win = timeseries[(timeseries.step >= first) & (timeseries.step <= last)]
    out = win.groupby(keys, sort=False)[measures].mean()
    run = timeseries[timeseries.step >= 1].groupby(keys, sort=False)
    out["incidents_cumulative"] = run["incidents"].sum()
    out["cost_cumulative"] = run["cost_total"].sum()
    out[PUBLIC_COST] = run["cost_policing"].sum() + run["cost_programmes"].sum() + run["cost_jail"].sum()
    return out


def summarise(timeseries: pd.DataFrame, policies, baseline: str, window_steps, steps: int,
              confidence: float = CONFIDENCE) -> pd.DataFrame:
    """The ``summary.csv`` table from a timeseries: per policy, every measure's level and paired
    difference to ``baseline``, then the cost per incident averted."""
    reps = per_replicate(timeseries, window_steps)
    measures = [m for m in MEASURES if m in timeseries.columns]
    base = reps.loc[baseline]
    rows = []
    for policy in policies:
        mine = reps.loc[policy]
        b = base.reindex(mine.index)
        for measure in [*measures, *CUMULATIVE]:
            level = t_interval(mine[measure], confidence)
            diff = paired_interval(mine[measure].to_numpy(), b[measure].to_numpy(), confidence)
            window = f"{window_steps[0]}-{window_steps[1]}" if measure in measures else f"1-{steps}"
            rows.append({"policy": policy, "measure": measure, "window": window, "mean": level.mean, "sd": level.sd,
                         "ci_low": level.low, "ci_high": level.high, "n": level.n, "baseline": baseline,
                         "diff_mean": diff.mean, "diff_sd": diff.sd, "diff_ci_low": diff.low,
                         "diff_ci_high": diff.high})
        rows.append(_ratio_row(policy, baseline, mine, b, steps, confidence))
    df = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    df["n"] = df["n"].astype(int)
    return df


def _ratio_row(policy, baseline, mine, base, steps, confidence) -> dict:
    """The cost per incident averted of ``policy`` against the baseline (NaN for the baseline)."""
    if policy == baseline:
        ratio = t_interval([])
    else:
        extra_cost = mine[PUBLIC_COST].to_numpy() - base[PUBLIC_COST].to_numpy()
        averted = base["incidents_cumulative"].to_numpy() - mine["incidents_cumulative"].to_numpy()
        ratio = ratio_interval(extra_cost, averted, confidence)
    return {"policy": policy, "measure": RATIO, "window": f"1-{steps}", "mean": ratio.mean, "sd": np.nan,
            "ci_low": ratio.low, "ci_high": ratio.high, "n": ratio.n, "baseline": baseline,
            "diff_mean": np.nan, "diff_sd": np.nan, "diff_ci_low": np.nan, "diff_ci_high": np.nan}
