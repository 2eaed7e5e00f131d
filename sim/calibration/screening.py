"""Morris screening (SALib) of the candidate parameters against the fitted targets' statistics.

The design is ``SALib.sample.morris.sample`` (``r`` trajectories, ``r (D + 1)`` points, 4 levels) over the
priors of :mod:`sim.calibration.priors`, in each prior's design space (log10 of a log-uniform parameter:
:meth:`Prior.design_bounds`), and mu* is per that space's unit; every point runs every fitted experiment (one seed per point,
derived from the calibration seed). For each statistic, ``SALib.analyze.morris.analyze`` gives mu*, which
is divided by the statistic's half-band (``mu_star:<statistic>``: 1 = moves the statistic by its whole
tolerance) and by the largest such value over the parameters (``relative:<statistic>``: 1 = the
parameter that moves this statistic most). A parameter's score is its largest relative mu* over the
statistics, so the strongest driver of every fitted statistic scores 1 and is kept whatever the
statistic's noise or scale; the ``select`` highest scores are fitted. A statistic undefined at a few
points (an asymmetry when contacts do not move trust) takes the median there; the count is recorded.
Points are appended to ``screening_points.jsonl`` as they finish, so an interrupted screening resumes
where it stopped.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis
from SALib.sample import morris as morris_sampling

from sim.calibration.simulator import Simulator, evaluate
from sim.errors import UserError

LEVELS = 4


def morris_problem(priors) -> dict:
    """SALib's problem: the priors' names and their design-space bounds (the design and the analysis)."""
    return {"num_vars": len(priors), "names": [p.name for p in priors],
            "bounds": [list(p.design_bounds()) for p in priors]}


def morris_design(priors, trajectories: int, seed: int) -> np.ndarray:
    return morris_sampling.sample(morris_problem(priors), N=trajectories, num_levels=LEVELS, seed=seed)


def design_values(priors, row: np.ndarray) -> dict:
    """One design point as parameter values."""
    return {p.name: p.from_design(x) for p, x in zip(priors, row)}


def point_seeds(seed: int, n: int) -> list[int]:
    return [int(s.generate_state(1, np.uint64)[0] % 2**62) for s in np.random.SeedSequence([seed, 1]).spawn(n)]


def screen(spec, priors, *, quick: bool, trajectories: int, seed: int, select: int, evaluator, folder: Path,
           progress=print) -> pd.DataFrame:
    """Run (or resume) the screening; write ``screening.csv``; return it (one row per parameter)."""
    folder.mkdir(parents=True, exist_ok=True)
    X = morris_design(priors, trajectories, seed)
    names = [p.name for p in priors]
    config = {"parameters": names, "trajectories": trajectories, "seed": seed, "quick": quick,
              "targets_sha256": spec.sha256, "levels": LEVELS,
              "bounds": morris_problem(priors)["bounds"], "scales": [p.scale for p in priors]}
    pts_file = _start_or_resume(folder, config)
    done = _run_points(Simulator(spec.fit, quick), X, priors, point_seeds(seed, len(X)), pts_file, evaluator,
                       trajectories, progress)
    table, skipped, imputed = _morris_table(spec.statistics("fit"), priors, X, done, seed)
    table = _rank(table, select)
    table.attrs.update(skipped=skipped, imputed=imputed)
    (folder / "screening_notes.json").write_text(json.dumps({"skipped": skipped, "imputed": imputed}, indent=2))
    table.to_csv(folder / "screening.csv", index=False)
    return table


def _start_or_resume(folder: Path, config: dict) -> Path:
    """The file of finished points: kept when ``folder`` holds this screening, new otherwise; another
    screening's folder is refused."""
    cfg_file, pts_file = folder / "screening.json", folder / "screening_points.jsonl"
    if cfg_file.exists():
        if json.loads(cfg_file.read_text()) != config:
            raise UserError(f"{folder}: holds a screening with other settings (see screening.json); "
                            "use another --out folder")
    else:
        cfg_file.write_text(json.dumps(config, indent=2))
        pts_file.unlink(missing_ok=True)
    return pts_file


def _run_points(sim, X: np.ndarray, priors, seeds: list[int], pts_file: Path, evaluator,
                trajectories: int, progress) -> pd.DataFrame:
    """Simulate the design's points not in ``pts_file`` yet (appending each as it finishes); all points'
    statistics, indexed by point."""
    done = _read_points(pts_file)
    have = set(done["point"]) if len(done) else set()
    todo = [i for i in range(len(X)) if i not in have]
    if todo:
        progress(f"screening: {len(X)} points ({trajectories} Morris trajectories x {len(priors) + 1}), "
                 f"{len(have)} done before")
        tasks = [(sim, design_values(priors, X[i]), seeds[i]) for i in todo]
        with pts_file.open("a") as fh:
            for n, (j, result) in enumerate(evaluator.map_unordered(evaluate, tasks), 1):
                if isinstance(result, BaseException):
                    raise result
                fh.write(json.dumps({"point": todo[j], **result}) + "\n")     # one line per finished point
                fh.flush()
                if n % max(1, len(todo) // 10) == 0:
                    progress(f"screening: {len(have) + n}/{len(X)} points")
        done = _read_points(pts_file)
    return done.drop_duplicates("point").set_index("point").sort_index()


def _morris_table(stats, priors, X: np.ndarray, done: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, list, dict]:
    """One row per parameter: its range and mu* for each fitted statistic (in half-bands); the statistics
    skipped (undefined or constant everywhere) and, by statistic, the number of points imputed."""
    names = [p.name for p in priors]
    problem = morris_problem(priors)
    table = pd.DataFrame({"parameter": names, "low": [p.low for p in priors], "high": [p.high for p in priors],
                          "scale": [p.scale for p in priors]})
    skipped, imputed = [], {}
    for s in stats:
        y = done[s.key].to_numpy(float) if s.key in done else np.full(len(X), np.nan)
        bad = ~np.isfinite(y)
        if bad.all() or np.ptp(y[~bad]) == 0:
            skipped.append(s.key)
            table[f"mu_star:{s.key}"] = np.nan
            continue
        if bad.any():       # an undefined statistic at a few points: the median, and say how many
            imputed[s.key] = int(bad.sum())
            y = np.where(bad, np.median(y[~bad]), y)
        with warnings.catch_warnings(), np.errstate(all="ignore"):     # one trajectory has no spread: no interval
            warnings.simplefilter("ignore", RuntimeWarning)
            res = morris_analysis.analyze(problem, X, y, num_levels=LEVELS, print_to_console=False, seed=seed)
        table[f"mu_star:{s.key}"] = np.asarray(res["mu_star"]) / s.scale
    return table, skipped, imputed


def _rank(table: pd.DataFrame, select: int) -> pd.DataFrame:
    """Add each statistic's mu* relative to its largest, the score (a parameter's largest relative mu*),
    the rank and the ``select`` selected parameters; sorted by score."""
    cols = [c for c in table if c.startswith("mu_star:")]
    relative = table[cols] / table[cols].max(axis=0)
    for c in cols:
        table[c.replace("mu_star:", "relative:")] = relative[c]
    table["score"] = relative.max(axis=1, skipna=True).fillna(0.0)
    table = table.sort_values(["score", "parameter"], ascending=[False, True]).reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    table["selected"] = table["rank"] <= select
    return table


def _read_points(path: Path) -> pd.DataFrame:
    """The finished points; a last line cut short by an interruption is ignored (that point reruns)."""
    rows = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return pd.DataFrame(rows)


def selected_parameters(table: pd.DataFrame) -> list[str]:
    return list(table.loc[table["selected"], "parameter"])


def screening_summary(table: pd.DataFrame, top: int = 12) -> str:
    lines = ["parameter                  score  (largest relative mu* over the fitted statistics; * = fitted)"]
    for _, r in table.head(top).iterrows():
        mark = "*" if r["selected"] else " "
        lines.append(f"{mark} {r['parameter']:<24} {r['score']:7.3g}" if math.isfinite(r["score"]) else
                     f"{mark} {r['parameter']:<24}     nan")
    return "\n".join(lines)
