"""``trustsim discover SWEEP_DIR``: where in parameter space each policy beats the baseline (PRIM).

Reads the sweep's per-point table (``points.csv``, written when every run is done), runs PRIM
(:mod:`sim.analysis.discover`) for each policy other than the baseline and each measure asked for,
prints one plain sentence per policy and measure, and writes ``discovery.csv`` into the folder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.discover import discover
from sim.errors import UserError
from sim.storage.layout import DISCOVERY, POINTS

DEFAULT_MEASURES = ("trust_mean", "incident_rate", "tension", "cost_total")


def add_parser(sub):
    p = sub.add_parser("discover")   # its help: sim.commands.COMMANDS
    p.add_argument("folder", type=Path, metavar="SWEEP_DIR", help="a finished sweep's results folder")
    p.add_argument("--policy", action="append", help="policy to examine (repeat; default: every policy but the baseline)")
    p.add_argument("--measure", action="append", help=f"measure (repeat; default: {', '.join(DEFAULT_MEASURES)})")
    p.add_argument("--criterion", choices=("mean", "clear"), default="mean",
                   help="'mean': the mean paired difference is on the better side of 0; 'clear': its 95%% interval is")
    p.add_argument("--min-density", type=float, default=0.8,
                   help="the box must hold at least this share of cases where the policy wins (default 0.8)")
    p.set_defaults(func=discover_command)


def discover_command(args) -> int:
    if not 0 < args.min_density <= 1:
        raise UserError(f"--min-density: expected a number in (0, 1], got {args.min_density}")
    path = args.folder / POINTS
    if not path.is_file():
        raise UserError(f"{path}: no such file; run the sweep to the end first (trustsim sweep FILE resumes it)")
    try:
        points = pd.read_csv(path)
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: cannot be read as a sweep's points table ({err.__class__.__name__})") from None
    missing = [c for c in ("point", "policy", "measure", "baseline", "diff_mean", "diff_ci_low", "diff_ci_high")
               if c not in points.columns]
    if missing:
        raise UserError(f"{path}: not a sweep's points table (missing columns: {', '.join(missing)})")
    baseline = str(points["baseline"].iloc[0])
    policies = args.policy or [p for p in dict.fromkeys(points["policy"]) if p != baseline]
    measures = args.measure or [m for m in DEFAULT_MEASURES if m in set(points["measure"])]
    _check_choices("--policy", policies, set(points["policy"]) - {baseline})
    _check_choices("--measure", measures, set(points["measure"]))
    found = [discover(points, pol, m, baseline, criterion=args.criterion, min_density=args.min_density)
             for pol in policies for m in measures]
    for d in found:
        print(d.sentence())
    out = args.folder / DISCOVERY
    pd.DataFrame([d.to_row() for d in found]).to_csv(out, index=False)
    print(f"wrote {out}")
    return 0


def _check_choices(flag: str, asked, allowed: set):
    bad = [a for a in asked if a not in allowed]
    if bad:
        raise UserError(f"{flag}: {', '.join(map(repr, bad))} not in this sweep (expected one of: {', '.join(sorted(map(str, allowed)))})")
