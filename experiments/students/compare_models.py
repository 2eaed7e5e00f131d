"""Compare a changed model with the original: paired differences, replicate by replicate.

    python experiments/students/compare_models.py ORIGINAL_DIR CHANGED_DIR

Both folders come from `trustsim compare` (or `trustsim run SCENARIO.toml`) on two scenario
files that differ only in `rules` (for example original.toml and quiet-contacts.toml here).
Because both used the same seed, replicate r of a policy starts from the same citizens in
both runs, so the difference changed - original is taken per replicate and then averaged,
with a 95% t interval (as `trustsim compare` does between policies). The measures are the
window means of the comparison (its last quarter by default).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

import sim
from sim.results.stats import paired_interval
from sim.results.summary import per_replicate

MEASURES = (("trust_mean", "trust (mean, 0-1)"), ("tension", "tension (mean grievance, 0-1)"),
            ("incident_rate", "incident rate (per 1,000 citizens per day)"),
            ("cost_total", "cost (officer-days per day)"), ("jailed_fraction", "share of citizens in jail"))

DECIMALS = {"incident_rate": 3, "cost_total": 2}


def window(results) -> tuple[int, int]:
    r = results.manifest["resolved"]
    steps = int(r["steps"])
    first = steps - max(1, round(float(r.get("window", 0.25)) * steps)) + 1
    return first, steps


def differences(original, changed) -> pd.DataFrame:
    """One row per policy and measure: mean of changed - original over paired replicates,
    its 95% interval and the number of pairs."""
    ro, rc = original.manifest["resolved"], changed.manifest["resolved"]
    if any(ro[k] != rc[k] for k in ("steps", "seed", "replicates")) or original.policies != changed.policies:
        raise ValueError("the two folders are not paired: use the same steps, seed, replicates and policies")
    a, b = per_replicate(original.timeseries, window(original)), per_replicate(changed.timeseries, window(changed))
    rows = []
    for policy in original.policies:
        for measure, _ in MEASURES:
            d = paired_interval(b.loc[policy, measure].to_numpy(), a.loc[policy, measure].to_numpy())
            rows.append({"policy": policy, "measure": measure, "diff": d.mean, "ci_low": d.low, "ci_high": d.high,
                         "n": d.n})
    return pd.DataFrame(rows)


def main(argv) -> int:
    if len(argv) != 2:
        print("usage: python experiments/students/compare_models.py ORIGINAL_DIR CHANGED_DIR", file=sys.stderr)
        return 2
    original, changed = (sim.load_results(d) for d in argv)
    try:
        table = differences(original, changed)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    first, last = window(original)
    plugin = (changed.manifest.get("plugin") or {}).get("path", "none")
    print(f"changed ({changed.name}, plug-in {plugin}) minus original ({original.name}):")
    print(f"means over steps {first}-{last}, {original.manifest['resolved']['replicates']} paired replicates, "
          f"[95% interval]; an interval that includes 0 means no clear difference")
    for measure, label in MEASURES:
        print(f"\n{label}")
        d = DECIMALS.get(measure, 4)
        for row in table[table.measure == measure].itertuples():
            ci = "" if np.isnan(row.ci_low) else f"  [{row.ci_low:+.{d}f}, {row.ci_high:+.{d}f}]"
            clear = "" if np.isnan(row.ci_low) else ("  within noise" if row.ci_low <= 0 <= row.ci_high else "  clear")
            print(f"  {row.policy:<16} {row.diff:+.{d}f}{ci}{clear}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
