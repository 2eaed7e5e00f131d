"""``trustsim claims [--quick] [--out DIR] [--workers N] [--write-docs]``: each claim C1-C5 of
MODEL.md in a setting where it holds and one where it fails (:mod:`sim.validation.claims`).

Prints one line per claim and setting, ``C1 | setting | holds | measure treatment - comparison
effect [95% CI]``, writes claims.md, claims.csv, claims.json, runs.csv and manifest.json into a new
folder (default ``results/claims-<time>``; with ``--write-docs`` also ``docs/claims.md``). Exits 0
when every claim is shown both holding and failing, 1 when one is not, 2 on a user error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.errors import UserError
from sim.validation.claims import CLAIMS, CLAIMS_MD, DOCS_FILE, line, run_claims


def add_parser(sub):
    p = sub.add_parser("claims")   # its help: sim.commands.COMMANDS
    p.add_argument("--quick", action="store_true",
                   help="a small grid, few steps and replicates (seconds; used in the tests): the verdicts of a quick "
                        "run are a smoke test, not evidence")
    p.add_argument("--out", type=Path, default=None, help="new output folder (default: results/claims-<time>)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--write-docs", action="store_true",
                   help=f"also write {DOCS_FILE} (from the root of the checkout; refused with --quick)")
    p.set_defaults(func=claims)


def claims(args) -> int:
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers: expected a positive integer, got {args.workers}")
    if args.write_docs and args.quick:
        raise UserError("--write-docs: the documented table comes from a full run; drop --quick")
    command = "trustsim claims" + (" --quick" if args.quick else "") + (" --write-docs" if args.write_docs else "")
    report = run_claims(quick=args.quick, out=args.out, workers=args.workers, command=command,
                        write_docs=args.write_docs)
    for setting, judgement, *_ in report["results"]:
        print(line(setting, judgement))
    not_shown = [c for c in CLAIMS if not report["status"][c][0]]
    for c in not_shown:
        print(f"{c}: {report['status'][c][1]}")
    meta = report["meta"]
    docs = f" and {DOCS_FILE}" if args.write_docs else ""
    print(f"wrote {report['out']}/{CLAIMS_MD} (+ claims.csv, claims.json, runs.csv, manifest.json){docs}: "
          f"{meta['runs']} runs in {meta['wall_time_s']:.0f} s; "
          + ("every claim shown holding and failing" if report["ok"] else
             f"NOT shown both ways: {', '.join(not_shown)}"))
    sys.stdout.flush()
    return 0 if report["ok"] else 1
