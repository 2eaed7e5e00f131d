"""``trustsim validate [--quick] [--out DIR] [--workers N] [--reuse DIR]``: the validation suite.

Runs the named checks of :mod:`sim.validation` and writes validation.md (with a figure per
check), validation.json, validation.csv and section.html into a new folder. Exits 0 when
every Epstein check passes, 1 when one fails (policy-layer checks are reported, not gating),
2 on a user error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.errors import UserError
from sim.validation import run_validation


def add_parser(sub):
    p = sub.add_parser("validate")   # its help: sim.commands.COMMANDS
    p.add_argument("--quick", action="store_true",
                   help="fewer replicates and steps (about two minutes on two cores; used in CI)")
    p.add_argument("--out", type=Path, default=None,
                   help="new output folder (default: results/validation-<mode>-<time>)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--reuse", type=Path, default=None, metavar="DIR",
                   help="reuse the simulations saved in an earlier validate folder (runs.json, runs.npz): only the "
                        "analysis and the report are redone; runs it lacks are simulated")
    p.set_defaults(func=validate)


def validate(args) -> int:
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers: expected a positive integer, got {args.workers}")
    command = "trustsim validate" + (" --quick" if args.quick else "") + (f" --out {args.out}" if args.out else "")
    report = run_validation(quick=args.quick, workers=args.workers, out=args.out, command=command, reuse=args.reuse)
    for r in report["results"]:
        mark = {True: "ok  ", False: "FAIL", None: "??  "}[r.passed] if r.gating else "info"
        print(f"{mark} {r.name:<40} {r.verdict:<24} {r.headline}")
    meta = report["meta"]
    print(f"wrote {report['out']}/validation.md (+ .json, .csv, section.html, figures/, runs.*) "
          f"in {meta['wall_time_s']:.0f} s; {'all Epstein checks pass' if report['ok'] else 'an Epstein check FAILED'}")
    sys.stdout.flush()
    return 0 if report["ok"] else 1
