"""``trustsim compare [SCENARIO.toml] [--replicates N] [--steps N] [--seed S] [--workers N] [--out DIR]
[--rules FILE [--rules-policies NAME ...]] [--posterior N [--posterior-from DIR]]``.

Runs a policy comparison (default: ``experiments/compare-policies.toml``), prints the table of
trust, tension, incident rate and cost per policy with 95% intervals and paired differences to
the baseline, and writes the results folder (default ``results/<scenario>-<timestamp>/``).

``--posterior N`` runs every policy in N plausible worlds (draws of the shipped posterior, or of the
calibration folder ``--posterior-from DIR``) x the replicates, common random numbers within a draw,
and prints after the table, per measure, the probability that each policy is best and that it beats
the baseline (by anything, and by at least the measure's practical threshold), with the expected
difference and its 90% interval over the worlds; the folder gains ``posterior_runs.csv`` and
``probabilities.csv`` (:mod:`sim.results.posterior`).

``--rules FILE`` runs a rule plug-in (its Python code runs: see ``docs/students.md``) in every
policy, or only in those named by ``--rules-policies`` (the others run the standard rules: compare
a policy with and without your rule by listing it twice in a scenario file). The plug-in is checked
with a short test run before anything else, so a mistake is one line; the manifest records its
path, sha256, rules, hooks and policies.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from sim.api import compare
from sim.core.params import unknown_name_message
from sim.core.plugins import load_plugin
from sim.errors import UserError
from sim.present.posterior import has_probabilities
from sim.run.experiment import DEFAULT_SCENARIO
from sim.run.posterior import posterior_draws
from sim.run.single import check_plugin
from sim.scenario.files import load_scenario
from sim.scenario.posterior import check_draw_count
from sim.storage.folders import check_new_folder
from sim.storage.guard import check_output_location
from sim.storage.layout import COMPARISON_FILES, POSTERIOR_FILES, default_out


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
    p.add_argument("--posterior", type=draw_count, default=None, metavar="N",
                   help="run every policy in N plausible worlds (posterior draws, by weight, distinct) x the replicates "
                        "and print the probability that each policy is best and beats the baseline")
    p.add_argument("--posterior-from", type=Path, default=None, metavar="DIR",
                   help="a calibration folder (trustsim calibrate --out DIR) to draw from (default: the shipped posterior)")
    p.set_defaults(func=compare_command)


def draw_count(text: str) -> int:
    """``--posterior N``: a whole number >= 1 (argparse turns the error into one line, exit 2)."""
    try:
        return check_draw_count(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of posterior draws >= 1, got {text!r}") from None
    except UserError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("--posterior: ")) from None


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
    posterior, posterior_from = getattr(args, "posterior", None), getattr(args, "posterior_from", None)
    if posterior_from is not None and posterior is None:
        raise UserError("--posterior-from: needs --posterior N, the number of posterior draws")
    if posterior is not None:
        posterior_draws(resolved, posterior, posterior_from)     # a missing or bad posterior: one line, before running
    out = args.out if args.out is not None else default_out(resolved.name)
    check_new_folder(out)
    check_output_location(out, kind="new_folder")   # fail before running, not after
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        res = compare(resolved, workers=args.workers, command=command, rules=rules, rules_policies=rules_policies,
                      posterior=posterior, posterior_from=posterior_from)
    for note in res.manifest["warnings"]:
        print(f"trustsim: WARNING: {note}", file=sys.stderr)
    out = res.save(out)
    print(res.table())     # with the probabilities' table over posterior draws
    plugin = res.manifest.get("plugin")
    if plugin:
        print(f"rule plug-in {plugin['path']} (sha256 {plugin['sha256'][:12]}) in: {', '.join(plugin['policies'])}")
    t = res.manifest["timings"]
    files = [*COMPARISON_FILES, *(POSTERIOR_FILES if has_probabilities(res) else ())]
    print(f"\nwrote {out}/ ({', '.join(files)}); "
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
