"""``trustsim sweep SWEEP.toml [--workers N] [--scheduler ADDRESS|local] [--out DIR] [--chunk N]``.

Runs every run of a sweep file (see :mod:`sim.run.sweep` and ``docs/sweeps.md``), streaming results
to the output folder (default ``results/<name>/``). Running the same command again resumes:
only the missing runs run. Exit status: 0 when every run succeeded, 1 when some runs failed
(listed in ``failed.csv``) or could not run, 2 for a bad sweep file or option, 130 when
interrupted (the finished runs are kept).
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from sim.errors import UserError
from sim.run.evaluators import execution_problems
from sim.run.sweep import execute, load_sweep, read_index
from sim.storage.guard import check_output_location
from sim.storage.layout import DESIGN, FAILED, INDEX, MANIFEST, PARTS, POINTS, RUNS, default_out


def add_parser(sub):
    p = sub.add_parser("sweep",   # its one-line help: sim.commands.COMMANDS
                       description="Run a parameter sweep (see docs/sweeps.md). Results stream to --out; running "
                                   "the same command again runs only the missing runs.")
    p.add_argument("sweep", type=Path, metavar="SWEEP.toml", help="sweep file (see experiments/sweep-*.toml)")
    add_execution_options(p)
    p.set_defaults(func=sweep_command)


def add_execution_options(p):
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: all cores; 1 = in this process); with --scheduler local: "
                        "Dask workers")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS|local",
                   help="run on Dask: 'local' starts a LocalCluster on 127.0.0.1, tcp://HOST:PORT uses a running "
                        "scheduler")
    p.add_argument("--out", type=Path, default=None, help="results folder (default: results/<name>/); an existing "
                                                          "folder of the same sweep is resumed")
    p.add_argument("--chunk", type=int, default=20,
                   help="runs per Parquet part (default 20; 1 = one file per run)")


def check_execution_options(args):
    problems = execution_problems(args.workers, args.scheduler)
    if args.chunk < 1:
        problems.append(f"--chunk: expected an integer >= 1, got {args.chunk}")
    if problems:
        raise UserError(problems)


def command_line(args, name: str) -> str:
    """The command as typed (for the manifest)."""
    parts = ["trustsim", name, str(args.sweep)]
    for opt in ("method", "n", "measures", "workers", "scheduler", "out", "chunk"):
        value = getattr(args, opt, None)
        if value is not None:
            parts += [f"--{opt}", str(value)]
    return " ".join(parts)


def interrupted(folder, done: int | None, total: int | None) -> int:
    what = (f"{done} of {total} runs are saved in {folder}/" if done is not None
            else f"finished runs are saved in {folder}/")
    print(f"trustsim: interrupted: {what}; run the same command again to finish", file=sys.stderr)
    return 130


def sweep_command(args) -> int:
    check_execution_options(args)
    sw = load_sweep(args.sweep)
    out = args.out if args.out is not None else default_out(sw.name, stamped=False)
    check_output_location(out, kind="folder")     # before any run: a new, empty or trustsim results folder
    try:
        with warnings.catch_warnings():  # printed by report() from the manifest
            warnings.simplefilter("ignore", UserWarning)
            res = execute(sw, out=out, workers=args.workers, scheduler=args.scheduler, chunk=args.chunk,
                          command=command_line(args, "sweep"))
    except KeyboardInterrupt:
        return interrupted(out, *saved_counts(out))
    return report(res)


def saved_counts(folder):
    """(runs done, runs in total) of a sweep folder, from its manifest (total None if unreadable)."""
    try:
        m = json.loads((Path(folder) / MANIFEST).read_text())
        return m["runs"]["done"], m["runs"]["total"]
    except (OSError, ValueError, KeyError):
        return len(read_index(folder)), None


def report(res) -> int:
    """Print what a sweep did; the exit status (0 all ok, 1 some runs failed or could not run)."""
    return report_parts(res.manifest, res.folder, res.failed, res.not_run, res.points is not None)


def report_parts(m: dict, folder, failed, not_run: int, complete: bool) -> int:
    r, s = m["runs"], m["sessions"][-1]
    for note in m.get("warnings", []):
        print(f"trustsim: WARNING: {note}", file=sys.stderr)
    print(f"{m['sweep']}: {r['done']} of {r['total']} runs done ({r['ok']} ok, {r['failed']} failed); this session ran "
          f"{s['ran']} in {s['wall_time_s']:.1f} s on {s['workers']} worker(s) ({s['evaluator']})"
          + (f", {s['done_before']} were done before" if s.get("done_before") else ""))
    files = ([RUNS, POINTS, DESIGN, INDEX, MANIFEST] if complete else [f"{PARTS}/", DESIGN, INDEX, MANIFEST])
    if r["failed"]:
        files.append(FAILED)
    print(f"wrote {folder}/ ({', '.join(files)})")
    status = 0
    if r["failed"]:
        first = failed.iloc[0]
        print(f"trustsim: {r['failed']} run(s) failed, e.g. run {first['run']} (point {first['point']}, "
              f"{first['policy']}, replicate {first['replicate']}): {first['error']}; see {folder}/{FAILED}",
              file=sys.stderr)
        status = 1
    if not_run:
        example = (m.get("not_run_errors") or ["?"])[0]
        print(f"trustsim: {not_run} run(s) could not run ({example}); run the same command again to retry them",
              file=sys.stderr)
        status = 1
    return status
