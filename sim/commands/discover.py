"""``trustsim discover DIR``: where in parameter space each policy beats the baseline (PRIM).

``DIR`` is a finished sweep's folder or a comparison over posterior draws (``trustsim compare
--posterior N``). From a sweep it reads the per-point table (``points.csv``, written when every run is
done); from a comparison over posterior draws it builds the per-draw table
(:func:`sim.results.posterior.draw_table`: each draw's parameter values from the manifest's
``posterior`` entry, and per policy and measure the draw's mean paired difference to the baseline over
its replicates, from ``posterior_runs.csv``). On either it runs the same PRIM
(:func:`sim.analysis.discover.discover`) for each policy other than the baseline and each measure asked
for, prints one plain sentence per policy and measure (one line instead when there are too few cases,
:data:`sim.analysis.discover.MIN_CASES`), and writes ``discovery.csv`` into the folder, which the
report shows (a comparison's under "Decisions under uncertainty").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.discover import CRITERIA, DEFAULT_CRITERION, DEFAULT_MIN_DENSITY, MIN_CASES, discover, too_few_line
from sim.errors import UserError, safe_text
from sim.present import readers
from sim.results.posterior import draw_table
from sim.storage.layout import DISCOVERY, MANIFEST, POINTS, POSTERIOR_RUNS

DEFAULT_MEASURES = ("trust_mean", "incident_rate", "tension", "cost_total")

CRITERION_HELP = (
    "when a case counts as a win for the policy: 'matters' (default): better than the baseline by at least the "
    "measure's practical threshold (0.02 of trust, 0.01 of tension, 10%% of the baseline's incident rate, 1%% of its "
    "total cost: sim.core.measures.MEASURE_INFO), the rule of P(matters) in compare --posterior; a gain too small "
    "to matter in practice is not a win, so the rules say where a policy is worth choosing rather than where it is "
    "ahead by noise; 'mean': the mean paired difference is on the better side of 0, however small; 'clear': its "
    "95%% interval across replicates excludes 0 (how sure, not how big: with many replicates a negligible gain is "
    "clear)")


def add_parser(sub):
    p = sub.add_parser("discover")   # its help: sim.commands.COMMANDS
    p.add_argument("folder", type=Path, metavar="DIR",
                   help="a finished sweep's folder (points.csv) or a comparison over posterior draws "
                        "(trustsim compare --posterior N: posterior_runs.csv)")
    p.add_argument("--policy", action="append", help="policy to examine (repeat; default: every policy but the baseline)")
    p.add_argument("--measure", action="append", help=f"measure (repeat; default: {', '.join(DEFAULT_MEASURES)})")
    p.add_argument("--criterion", choices=CRITERIA, default=DEFAULT_CRITERION, help=CRITERION_HELP)
    p.add_argument("--min-density", type=float, default=DEFAULT_MIN_DENSITY,
                   help="the box must hold at least this share of cases where the policy wins (default 0.8)")
    p.set_defaults(func=discover_command)


def discover_command(args) -> int:
    if not 0 < args.min_density <= 1:
        raise UserError(f"--min-density: expected a number in (0, 1], got {args.min_density}")
    folder = args.folder
    if (folder / POINTS).is_file():
        table, what = _sweep_table(folder / POINTS), "this sweep"
        baseline = str(table["baseline"].iloc[0])
    elif (folder / POSTERIOR_RUNS).is_file():
        table, baseline = _posterior_table(folder)
        what = "this comparison"
    elif not folder.is_dir():
        raise UserError(f"{safe_text(folder)}: no such folder" if not folder.exists() else
                        f"{safe_text(folder)}: not a folder")
    else:
        raise UserError(f"{safe_text(folder)}: neither a finished sweep ({POINTS} missing: run the sweep to the end "
                        f"first, trustsim sweep FILE resumes it) nor a comparison over posterior draws "
                        f"({POSTERIOR_RUNS} missing: trustsim compare SCENARIO --posterior N writes it)")
    policies = args.policy or [p for p in dict.fromkeys(table["policy"]) if p != baseline]
    measures = args.measure or [m for m in DEFAULT_MEASURES if m in set(table["measure"])]
    _check_choices("--policy", policies, set(table["policy"]) - {baseline}, what)
    _check_choices("--measure", measures, set(table["measure"]), what)
    found = [discover(table, pol, m, baseline, criterion=args.criterion, min_density=args.min_density)
             for pol in policies for m in measures]
    if found and found[0].n_cases < MIN_CASES:
        print(too_few_line(found[0].kind, found[0].n_cases, baseline))
    else:
        for d in found:
            print(d.sentence())
    out = folder / DISCOVERY
    pd.DataFrame([d.to_row() for d in found]).to_csv(out, index=False)
    print(f"wrote {out}")
    return 0


def _sweep_table(path: Path) -> pd.DataFrame:
    """A sweep's points table, checked."""
    try:
        points = pd.read_csv(path)
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: cannot be read as a sweep's points table ({err.__class__.__name__})") from None
    missing = [c for c in ("point", "policy", "measure", "baseline", "diff_mean", "diff_ci_low", "diff_ci_high")
               if c not in points.columns]
    if missing:
        raise UserError(f"{path}: not a sweep's points table (missing columns: {', '.join(missing)})")
    return points


def _posterior_table(folder: Path) -> tuple[pd.DataFrame, str]:
    """The per-draw table of a comparison over posterior draws, and its baseline."""
    where = safe_text(folder / MANIFEST)
    manifest = readers.read_json(folder / MANIFEST, required=True)
    post = manifest.get("posterior")
    values = post.get("values") if isinstance(post, dict) else None
    if not isinstance(values, list) or not values or not all(isinstance(v, dict) and v for v in values):
        raise UserError(f"{where}: has no posterior entry with each draw's parameter values (is it a comparison "
                        "over posterior draws? trustsim compare SCENARIO --posterior N writes one)")
    resolved = manifest.get("resolved") if isinstance(manifest.get("resolved"), dict) else {}
    baseline = resolved.get("baseline")
    runs = readers.read_summary(folder / POSTERIOR_RUNS, needs=("draw", "replicate", "policy"))
    policies = [p["name"] if isinstance(p, dict) else str(p) for p in resolved.get("policies") or []] \
        or list(dict.fromkeys(runs["policy"]))
    if not isinstance(baseline, str) or baseline not in policies:
        raise UserError(f"{where}: names no baseline among the policies ({', '.join(policies)}); "
                        f"{readers.REDO}")
    try:
        return draw_table(runs, values, policies, baseline), baseline
    except (KeyError, ValueError, TypeError) as err:
        raise UserError(f"{safe_text(folder / POSTERIOR_RUNS)}: does not match the manifest's draws "
                        f"({err.__class__.__name__}); {readers.REDO}") from None


def _check_choices(flag: str, asked, allowed: set, what: str = "this sweep"):
    bad = [a for a in asked if a not in allowed]
    if bad:
        raise UserError(f"{flag}: {', '.join(map(repr, bad))} not in {what} (expected one of: "
                        f"{', '.join(sorted(map(str, allowed)))})")
