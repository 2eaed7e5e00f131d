"""``trustsim validate [--quick] [--out DIR] [--workers N] [--reuse DIR]``: the validation suite.

Runs the named checks of :mod:`sim.validation` and writes validation.md (with a figure per
check), validation.json, validation.csv and section.html into a new folder. Exits 0 when
every gating check passes (the Epstein checks and, once a posterior is shipped, the held-out
calibration targets), 1 when one fails (policy-layer checks are reported, not gating), 2 on a
user error.

The held-out calibration targets are read here (:func:`heldout_input`) rather than in
:mod:`sim.validation`: validation and calibration are on the same layer and must not import each other,
and this command is the one place above both. It reads the shipped posterior's folder with the
calibration's own reader and summariser (:func:`sim.calibration.results.load_result`,
:func:`sim.calibration.report.predictive_report`, the code that wrote those files) and hands the
validation layer plain rows; the criterion and verdict are the validation layer's
(:mod:`sim.validation.heldout`).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from sim.calibration.report import predictive_report
from sim.calibration.results import load_result
from sim.calibration.targets import TARGETS_FILE, load_targets
from sim.errors import UserError
from sim.scenario.posterior import SHIPPED_POSTERIOR
from sim.storage.layout import MANIFEST, PREDICTIVE
from sim.validation import run_validation
from sim.validation.heldout import PRODUCE, HeldOutInput


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


def heldout_input(folder=None, targets=None) -> HeldOutInput:
    """The held-out targets' posterior-predictive summaries from a calibration folder (None: the shipped
    posterior, :data:`sim.scenario.posterior.SHIPPED_POSTERIOR`), judged against the bands of ``targets``
    (default: the packaged targets file, today's bands). No folder, or one without ``manifest.json`` and
    ``predictive.csv``: ``missing`` (the check is listed as not run, with the command that makes one); a
    folder that cannot be read: ``error``."""
    shipped = folder is None
    folder = Path(SHIPPED_POSTERIOR if shipped else folder)
    shown = "sim/data/posterior/" if shipped else str(folder)
    if not (folder / MANIFEST).is_file() or not (folder / PREDICTIVE).is_file():
        what = "no shipped posterior" if shipped else "no finished calibration"
        return HeldOutInput(source=shown, missing=f"{what} ({shown} has no {MANIFEST} and {PREDICTIVE}): run "
                                                  f"{PRODUCE}")
    try:
        result = load_result(folder)
        spec = load_targets(targets or TARGETS_FILE)
        table = predictive_report(spec, result.predictive, role="held_out")
    except (UserError, OSError, ValueError, KeyError) as err:
        return HeldOutInput(source=shown, error=str(err).splitlines()[0] if str(err) else type(err).__name__)
    manifest = result.manifest
    notes = []
    if manifest.get("config", {}).get("targets_sha256") != spec.sha256:
        notes.append("the targets file changed since this calibration: the bands are today's, the draws were made "
                     "with the calibration's designs (a held-out target added since has no draws)")
    if manifest.get("status") != "complete":
        notes.append(f"the calibration's status is {manifest.get('status')!r}, not 'complete'")
    rows = [{"target": r.target, "statistic": r.statistic, "low": float(r.low), "high": float(r.high),
             "median": _num(r["median"]), "q05": _num(r.q05), "q95": _num(r.q95),
             "share_in_band": _num(r.share_in_band), "draws": int(r.draws), "defaults_median": _num(r.defaults_median),
             "status": "ready"} for _, r in table.iterrows()]
    rows += [{"target": t.id, "statistic": s.name, "low": s.band[0], "high": s.band[1], "draws": 0, "status": t.status}
             for t in spec.targets if t.role == "held_out" and not t.ready for s in t.statistics]
    return HeldOutInput(source=shown, rows=tuple(rows), command=manifest.get("command"), notes=tuple(notes))


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def validate(args) -> int:
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers: expected a positive integer, got {args.workers}")
    command = "trustsim validate" + (" --quick" if args.quick else "") + (f" --out {args.out}" if args.out else "")
    report = run_validation(quick=args.quick, workers=args.workers, out=args.out, command=command, reuse=args.reuse,
                            heldout=heldout_input())
    for r in report["results"]:
        mark = {True: "ok  ", False: "FAIL", None: "??  "}[r.passed] if r.gating else "info"
        print(f"{mark} {r.name:<40} {r.verdict:<24} {r.headline}")
    meta = report["meta"]
    print(f"wrote {report['out']}/validation.md (+ .json, .csv, section.html, figures/, runs.*) "
          f"in {meta['wall_time_s']:.0f} s; {'all gating checks pass' if report['ok'] else 'a gating check FAILED'}")
    sys.stdout.flush()
    return 0 if report["ok"] else 1
