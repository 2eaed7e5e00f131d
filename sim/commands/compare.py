"""``trustsim compare [SCENARIO.toml] [--replicates N] [--steps N] [--seed S] [--workers N] [--out DIR]
[--rules FILE [--rules-policies NAME ...]]``.

Runs a policy comparison (default: ``experiments/compare-policies.toml``), prints the table of
trust, tension, incident rate and cost per policy with 95% intervals and paired differences to
the baseline, and writes the results folder (default ``results/<scenario>-<timestamp>/``).

``--rules FILE`` runs a rule plug-in (its Python code runs: see ``docs/students.md``) in every
policy, or only in those named by ``--rules-policies`` (the others run the standard rules: compare
a policy with and without your rule by listing it twice in a scenario file). The plug-in is checked
with a short test run before anything else, so a mistake is one line; the manifest records its
path, sha256, rules, hooks and policies.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from sim.api import compare
from sim.core.params import unknown_name_message
from sim.core.plugins import load_plugin
from sim.errors import UserError
from sim.present.tables import comparison_table
from sim.run.experiment import DEFAULT_SCENARIO
from sim.run.single import check_plugin
from sim.scenario.files import load_scenario
from sim.storage.folders import check_new_folder
from sim.storage.guard import check_output_location
from sim.storage.layout import COMPARISON_FILES, default_out


def add_parser(sub):
    p = sub.add_parser("compare")   # its help: sim.commands.COMMANDS
    p.add_argument("scenario", nargs="?", type=Path, default=None, metavar="SCENARIO.toml",
                   help="scenario file (default: experiments/compare-policies.toml)")
    add_run_options(p)
    p.add_argument("--rules", type=Path, default=None, metavar="FILE",
                   help="a rule plug-in (Python file; its code runs) used by every policy, or by those of "
                        "--rules-policies")
    p.add_argument("--rules-policies", nargs="+", default=None, metavar="NAME",
                   help="the policies that use the --rules plug-in (default: all)")
    p.set_defaults(func=compare_command)


def add_run_options(p):
    p.add_argument("--replicates", type=int, default=None, metavar="N", help="replicates per policy (default: the scenario's)")
    p.add_argument("--steps", type=int, default=None, metavar="N", help="steps per run (default: the scenario's)")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="base seed (default: the scenario's)")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="worker processes (default: all cores; 1 = no pool)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: results/<scenario>-<time>)")


def check_run_options(args):
    problems = []
    for opt, lo in (("replicates", 1), ("steps", 1), ("seed", 0), ("workers", 1)):
        value = getattr(args, opt, None)
        if value is not None and value < lo:
            problems.append(f"--{opt}: expected an integer >= {lo}, got {value}")
    if problems:
        raise UserError(problems)


def run_and_report(args, scenario, command: str) -> int:
    """Shared by ``compare`` and ``run SCENARIO.toml``: validate the options, the scenario and the
    output folder (given or default), then run, save, print."""
    check_run_options(args)
    overrides = {k: getattr(args, k) for k in ("replicates", "steps", "seed") if getattr(args, k) is not None}
    if scenario is None:
        if not DEFAULT_SCENARIO.is_file():
            raise UserError(f"{DEFAULT_SCENARIO}: the default scenario is missing; pass a scenario file")
        scenario = DEFAULT_SCENARIO
    resolved = load_scenario(scenario, overrides=overrides)
    rules, rules_policies = check_rules_options(args, resolved)
    out = args.out if args.out is not None else default_out(resolved.name)
    check_new_folder(out)
    check_output_location(out, kind="new_folder")   # fail before running, not after
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        res = compare(resolved, workers=args.workers, command=command, rules=rules, rules_policies=rules_policies)
    for note in res.manifest["warnings"]:
        print(f"trustsim: WARNING: {note}", file=sys.stderr)
    out = res.save(out)
    print(comparison_table(res))
    plugin = res.manifest.get("plugin")
    if plugin:
        print(f"rule plug-in {plugin['path']} (sha256 {plugin['sha256'][:12]}) in: {', '.join(plugin['policies'])}")
    t = res.manifest["timings"]
    print(f"\nwrote {out}/ ({', '.join(COMPARISON_FILES)}); "
          f"{t['runs']} runs in {t['wall_time_s']:.1f} s on {t['workers']} worker(s)")
    return 0


def check_rules_options(args, scenario) -> tuple[str | None, list[str] | None]:
    """``--rules`` and ``--rules-policies`` checked before anything runs: the policy names, then the
    plug-in (loaded and given a short test run: one line on any mistake). Returns (path, policies)."""
    rules, names = getattr(args, "rules", None), getattr(args, "rules_policies", None)
    if rules is None:
        if names:
            raise UserError("--rules-policies: needs --rules FILE (the plug-in those policies use)")
        return None, None
    if scenario.rules:
        raise UserError(f"--rules: {scenario.label} already names a rule plug-in (rules = {scenario.rules}); "
                        "give the plug-in in one place only")
    problems = [f"--rules-policies: {unknown_name_message(n, list(scenario.policy_names), what='policy')}; "
                f"the policies are {', '.join(scenario.policy_names)}" for n in names or () if n not in
                scenario.policy_names]
    if problems:
        raise UserError(problems)
    check_plugin(load_plugin(rules))
    return str(rules), list(names) if names else None


def compare_command(args) -> int:
    return run_and_report(args, args.scenario, "compare")
