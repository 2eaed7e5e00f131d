"""``trustsim run`` in two forms:

- ``trustsim run SCENARIO.toml [--replicates N] [--steps N] [--seed S] [--workers N] [--out DIR]``:
  every policy and replicate of a scenario file; prints the comparison table and writes the
  results folder (see :mod:`sim.run.experiment`).
  One run goes through :func:`sim.run.single.run_single`, which writes its folder.
- ``trustsim run --preset NAME [--set key=value ...] [--steps N] [--seed S] [--out DIR]``: one run
  of one preset (default: mixed, 200 steps, seed 1).
"""

from __future__ import annotations

from pathlib import Path

from sim.commands.compare import run_and_report
from sim.core.params import ParamError, Params
from sim.core.presets import get_preset
from sim.errors import UserError
from sim.run.single import RunSpec, run_single
from sim.scenario.limits import check_seed, check_steps
from sim.storage.folders import check_new_folder
from sim.storage.guard import check_output_location
from sim.storage.layout import SINGLE_RUN_FILES, default_out

SUMMARY_MEASURES = ("trust_mean", "tension", "active_fraction", "incident_rate", "reported_share",
                    "jailed_fraction", "officer_stress", "cost_total")


def add_parser(sub):
    p = sub.add_parser("run")   # its help: sim.commands.COMMANDS
    p.add_argument("scenario", nargs="?", type=Path, default=None, metavar="SCENARIO.toml",
                   help="scenario file (see experiments/); omit to run one preset")
    p.add_argument("--preset", default=None, help="run one preset instead of a scenario (default: mixed)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="with --preset: override a parameter")
    p.add_argument("--steps", type=int, default=None, metavar="N", help="steps to run (default: the scenario's, or 200)")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="random seed (default: the scenario's, or 1)")
    p.add_argument("--replicates", type=int, default=None, metavar="N", help="with a scenario: replicates per policy")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="with a scenario: worker processes (default: all cores; 1 = no pool)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default: results/<scenario or preset>-<time>)")
    p.set_defaults(func=run_command)


def run_command(args) -> int:
    if args.scenario is None:
        extra = [f"--{k}: only with a scenario file" for k in ("replicates", "workers") if getattr(args, k) is not None]
        if extra:
            raise UserError(extra)
        args.preset = args.preset or "mixed"
        args.steps = 200 if args.steps is None else args.steps
        args.seed = 1 if args.seed is None else args.seed
        return run_preset(args)
    problems = []
    if args.preset is not None:
        problems.append("--preset: give either a scenario file or --preset, not both (set a scenario's preset in its [base])")
    if args.set:
        problems.append("--set: only with --preset (set a scenario's parameters in its [base.params] or [policies.params])")
    if problems:
        raise UserError(problems)
    return run_and_report(args, args.scenario, "run")


def parse_settings(items) -> dict:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``, each value parsed as its parameter's type."""
    settings, problems = {}, []
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(f"--set {item}: expected KEY=VALUE")
            continue
        try:
            settings[key] = Params.coerce(key, value.strip())
        except ParamError as err:
            problems.extend(err.problems)
    if problems:
        raise UserError(problems)
    return settings


def run_preset(args) -> int:
    """One run of a preset; every argument and the output location are checked before it runs,
    with the caps of scenario files on ``--steps`` and ``--seed``."""
    problems = []
    for check, value, option in ((check_steps, args.steps, "--steps"), (check_seed, args.seed, "--seed")):
        try:
            check(value, option)
        except UserError as err:
            problems += err.problems
    try:
        get_preset(args.preset)
    except ParamError as err:
        problems += [f"--preset: {line}" for line in err.problems]
    if problems:
        raise UserError(problems)
    overrides = parse_settings(args.set)
    out = args.out or default_out(args.preset)
    check_new_folder(out)
    check_output_location(out, kind="new_folder")
    spec = RunSpec(preset=args.preset, seed=args.seed, steps=args.steps, overrides=overrides)
    run = run_single(spec, out=out, command="run")
    print(summary_text(run.timeseries, args.preset, args.seed, args.steps))
    print(f"wrote {out}/ ({', '.join(SINGLE_RUN_FILES)}) in {run.manifest['wall_time_s']:.1f} s")
    return 0


def summary_text(df, preset, seed, steps) -> str:
    window = df[df.step > steps * 3 // 4] if steps else df
    lines = [f"{preset} (seed {seed}, {steps} steps): means over steps {int(window.step.min())}-{int(window.step.max())}"]
    for name in SUMMARY_MEASURES:
        lines.append(f"  {name:<16} {window[name].mean():10.4f}")
    lines.append(f"  {'incidents (all)':<16} {int(df.incidents.sum()):10d}")
    lines.append(f"  {'cost (all)':<16} {df.cost_total.sum():10.1f}  officer-days")
    return "\n".join(lines)
