"""``trustsim sensitivity SWEEP.toml --method sobol|morris [--n N] [--measures M,...] [--workers N]
[--scheduler ADDRESS|local] [--out DIR]``.

Global sensitivity of each measure and each policy difference to the sweep file's parameters
(SALib; see :mod:`sim.run.sensitivity` and ``docs/sweeps.md``): runs the SALib sample through the
sweep machinery (resumable), then writes ``indices.csv`` and ``indices.png`` to the output
folder (default ``results/<name>-<method>-n<N>/``) and prints the ranking of the parameters.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from sim.commands.sweep import (
    add_execution_options,
    check_execution_options,
    command_line,
    interrupted,
    report_parts,
    saved_counts,
)
from sim.run.sensitivity import check_measures, check_n, design_of, folder_name, ranking_table, sensitivity
from sim.scenario.sweepfile import load_sweep
from sim.storage.guard import check_output_location
from sim.storage.layout import INDICES, INDICES_CHART, default_out


def add_parser(sub):
    p = sub.add_parser("sensitivity",   # its one-line help: sim.commands.COMMANDS
                       description="Global sensitivity analysis of a sweep file's parameters (see docs/sweeps.md).")
    p.add_argument("sweep", type=Path, metavar="SWEEP.toml", help="sweep file: its parameters' ranges are the factors")
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol",
                   help="sobol: first-order and total indices (default); morris: elementary-effects screening")
    p.add_argument("--n", type=int, default=None,
                   help="base sample size: Sobol N (a power of 2; N*(D+2) points, default 32) or Morris "
                        "trajectories (N*(D+1) points, default 10)")
    p.add_argument("--measures", default=None, metavar="M1,M2",
                   help="measures to analyse (default: all); the chart shows trust_mean, tension, incident_rate, "
                        "cost_total")
    add_execution_options(p)
    p.set_defaults(func=sensitivity_command)


def sensitivity_command(args) -> int:
    check_execution_options(args)
    n = check_n(args.method, args.n)
    sw, _ = design_of(load_sweep(args.sweep, for_sensitivity=True), args.method, n)
    check_measures(sw, args.measures)   # every argument checked before any run (issue 15, case 11)
    out = args.out if args.out is not None else default_out(folder_name(sw, args.method, n), stamped=False)
    check_output_location(out, kind="folder")
    try:
        with warnings.catch_warnings():  # printed by report_parts() from the manifest
            warnings.simplefilter("ignore", UserWarning)
            res = sensitivity(args.sweep, args.method, n, workers=args.workers, scheduler=args.scheduler, out=out,
                              measures=args.measures, chunk=args.chunk,
                              command=command_line(args, "sensitivity"))
    except KeyboardInterrupt:
        return interrupted(out, *saved_counts(out))
    print(ranking_table(res.indices))
    skipped = res.manifest["sensitivity"]["skipped"]
    if skipped:
        print(f"\nskipped {len(skipped)} output(s) (see manifest.json), e.g. {skipped[0]}")
    print()

    status = report_parts(res.manifest, res.folder, res.runs[res.runs["status"] != "ok"], 0, True)
    print(f"indices: {res.folder}/{INDICES}, chart: {res.folder}/{INDICES_CHART}")
    return status
