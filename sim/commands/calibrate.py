"""``trustsim calibrate [--quick] [--workers N] [--scheduler local|tcp://HOST:PORT] --out DIR [--report]``.

Calibrates the uncertain parameters to the published patterns of ``sim/calibration/targets.toml``: Morris
screening (SALib), ABC-SMC (pyabc), posterior predictive of every target (fitted and held out). Running
the same command on the same ``--out`` folder resumes an interrupted calibration. ``--report`` prints the
targets of a finished folder against its posterior predictive without running anything. See
``docs/calibration.md``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from sim.calibration.fit import calibrate, load_result
from sim.calibration.report import format_report, heldout_report
from sim.calibration.targets import load_targets
from sim.errors import UserError
from sim.run.evaluators import execution_problems


def add_parser(sub):
    p = sub.add_parser("calibrate",   # its one-line help: sim.commands.COMMANDS
                       description="Calibrate trustsim's uncertain parameters to published patterns "
                                   "(see docs/calibration.md).")
    p.add_argument("--out", type=Path, required=True, help="output folder (an existing one of the same "
                                                           "calibration is resumed)")
    p.add_argument("--quick", action="store_true", help="tiny setting (small grids, 2 generations, 10 particles): "
                                                        "checks the machinery in about a minute")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: all cores; 1 = in this process, reproducible from --seed); "
                        "with --scheduler local: Dask workers")
    p.add_argument("--scheduler", default=None, metavar="local|tcp://HOST:PORT",
                   help="run on Dask (pyabc's DaskDistributedSampler): 'local' starts a LocalCluster on 127.0.0.1, "
                        "tcp://HOST:PORT uses a running scheduler")
    p.add_argument("--targets", type=Path, default=None, help="targets file (default: the packaged "
                                                              "sim/calibration/targets.toml)")
    p.add_argument("--params", default=None, metavar="P1,P2",
                   help="fit these parameters and skip the screening")
    p.add_argument("--population", type=int, default=None, help="particles per generation (default: the targets "
                                                                 "file's [calibration])")
    p.add_argument("--generations", type=int, default=None, help="maximum generations (default: the targets file's)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the targets file's)")
    p.add_argument("--report", action="store_true", help="only print the targets of the --out folder against its "
                                                         "posterior predictive")
    p.add_argument("--verbose", action="store_true", help="pyabc's own log messages")
    p.set_defaults(func=calibrate_command)


def _check(args):
    problems = execution_problems(args.workers, args.scheduler)
    for flag in ("population", "generations"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            problems.append(f"--{flag}: expected an integer >= 1, got {value}")
    if args.seed is not None and args.seed < 0:
        problems.append(f"--seed: expected a non-negative integer, got {args.seed}")
    if problems:
        raise UserError(problems)


def _command(args) -> str:
    parts = ["trustsim", "calibrate"]
    for flag in ("quick", "report", "verbose"):
        if getattr(args, flag):
            parts.append(f"--{flag}")
    for opt in ("workers", "scheduler", "targets", "params", "population", "generations", "seed", "out"):
        value = getattr(args, opt)
        if value is not None:
            parts += [f"--{opt}", str(value)]
    return shlex.join(parts)


def calibrate_command(args) -> int:
    _check(args)
    if args.report:
        res = load_result(args.out)
        print(format_report(res.report, f"All targets against the posterior predictive ({args.out}):"))
        print()
        print(format_report(heldout_report(args.out, args.targets), "Held-out targets:"))
        return 0
    def progress(message):
        print(message, flush=True)

    try:
        res = calibrate(args.out, quick=args.quick, workers=args.workers, scheduler=args.scheduler,
                        targets=args.targets, params=args.params, population=args.population,
                        generations=args.generations, seed=args.seed, command=_command(args), progress=progress,
                        verbose=args.verbose)
    except KeyboardInterrupt:
        print(f"trustsim: interrupted; completed generations are kept in {args.out}/abc.db: run the same command "
              "again to resume", file=sys.stderr)
        return 130
    d = res.diagnostics
    print()
    print(d.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print()
    print(format_report(res.report, "Targets against the posterior predictive (fit: fitted; held_out: validation):"))
    waiting = [t.id for t in load_targets(args.targets).waiting]
    if waiting:
        print(f"not run (mechanism missing, status 'needs issue 12'): {', '.join(waiting)}")
    print(f"\nposterior: {res.folder}/posterior.parquet; manifest, diagnostics.csv, predictive.csv, report.csv, "
          f"marginals.png, pairwise.png, predictive.png in {res.folder}/")
    return 0
