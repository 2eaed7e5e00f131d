"""The validation suite: named checks of trustsim against Epstein (2002) and empirical findings.

    from sim.validation import run_validation
    report = run_validation(quick=True, workers=2, out="results/validation")
    report["ok"]          # every gating (Epstein) check passed

Modules: :mod:`~sim.validation.core` (run specs, statistics, outbursts), :mod:`~sim.validation.epstein`
(Epstein's Model I findings, gating under the sequential order; the checks are in the ``epstein_*``
modules), :mod:`~sim.validation.policy` (the policy layer against published shapes, reported),
:mod:`~sim.validation.report` (validation.md/json/csv, section.html), :mod:`~sim.validation.config`
(sizes of the quick and full suites), :mod:`~sim.validation.heldout` (the calibration's held-out targets
against the shipped posterior's predictive, read by ``sim.commands.validate``), :mod:`~sim.validation.claims` with
:mod:`~sim.validation.claims_plan` (``trustsim claims``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

from sim.core.params import Params
from sim.errors import UserError
from sim.run.evaluators import available_cores, each_result, make_evaluator
from sim.storage.folders import check_new_folder, new_folder, write_json
from sim.storage.guard import check_output_location
from sim.storage.layout import FIGURES, VALIDATION_ARRAYS, VALIDATION_JSON, VALIDATION_RUNS, default_out
from sim.storage.provenance import now_iso, provenance
from sim.validation.config import FULL, QUICK, SEED0, SuiteConfig
from sim.validation.core import Check, CheckResult, RunSpec, find_outbursts, simulate
from sim.validation.epstein import epstein_checks
from sim.validation.heldout import HeldOutCheck, HeldOutInput
from sim.validation.policy import policy_checks
from sim.validation.report import write_all

__all__ = ["run_validation", "build_checks", "save_runs", "load_runs", "Check", "CheckResult", "RunSpec", "SuiteConfig", "FULL", "QUICK",
           "find_outbursts", "HeldOutInput", "suite_ok"]


def build_checks(cfg: SuiteConfig, heldout: HeldOutInput | None = None) -> list[Check]:
    """Every check of the suite; ``heldout``: the calibration's held-out statistics (``trustsim validate``
    reads them from the shipped posterior; without them the held-out check is listed as not run)."""
    return epstein_checks(cfg) + policy_checks(cfg) + [HeldOutCheck(heldout)]


def suite_ok(results) -> bool:
    """``trustsim validate``'s exit status: every gating check passed (a check not run is not gating)."""
    return all(r.passed is True for r in results if r.gating)


def _clean(obj):
    """NaN and infinities -> None, so validation.json is strict JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not hasattr(obj, "__len__"):
        return _clean(obj.item())
    return obj


def _load():
    """1-minute load average (other users of the machine slow the suite down), or None."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _progress_printer(total: int, stream=sys.stderr):
    t0, last = time.perf_counter(), [-1e9]

    def report(done: int):
        now = time.perf_counter()
        if done == total or now - last[0] >= 10:
            last[0] = now
            print(f"validate: {done}/{total} runs ({now - t0:.0f} s)", file=stream, flush=True)

    return report


RUNS_FILES = (VALIDATION_RUNS, VALIDATION_ARRAYS)

# Everything a RunSpec holds besides preset, seed, steps, overrides and columns, with its value when absent.
# Each saved run keeps all of them, so a reused run is the run that was simulated (the hysteresis check's
# runs differ only by their interventions).
_SPEC_EXTRAS = {"params": None, "interventions": (), "rules": None, "rules_sha256": None, "policy": "", "replicate": 0,
                "time_limit": None}


def _spec_record(spec: RunSpec) -> dict:
    extras = {k: getattr(spec, k) for k in _SPEC_EXTRAS}
    extras["params"] = None if spec.params is None else dict(spec.params)
    extras["interventions"] = list(spec.interventions)
    return {"preset": spec.preset, "seed": spec.seed, "steps": spec.steps,
            "overrides": [list(kv) for kv in sorted(spec.overrides.items())], "columns": list(spec.columns), **extras}


def _spec_from(record: dict) -> RunSpec:
    extras = {k: record[k] for k in _SPEC_EXTRAS}
    extras["interventions"] = tuple(extras["interventions"] or ())
    return RunSpec(seed=int(record["seed"]), steps=int(record["steps"]), preset=record["preset"],
                   overrides={k: v for k, v in record["overrides"]}, columns=tuple(record["columns"]), **extras)


def save_runs(folder: Path, runs: dict) -> None:
    """The simulated series with their whole specs (interventions, full parameters, plug-in, ...), so a
    later ``reuse`` redoes the analysis without simulating."""
    index, arrays = [], {}
    for i, (spec, res) in enumerate(runs.items()):
        index.append({**_spec_record(spec), "citizens": res["citizens"], "seconds": res["seconds"],
                      "cpu_seconds": res["cpu_seconds"]})
        for col, values in res["series"].items():
            arrays[f"r{i}__{col}"] = values
    write_json(folder / RUNS_FILES[0], index)
    np.savez_compressed(folder / RUNS_FILES[1], **arrays)


def load_runs(folder) -> dict:
    """The runs saved by :func:`save_runs`, keyed by their specs. Runs saved before the specs were kept
    whole (no ``interventions`` entry) are left out, and so simulated again: their interventions and
    parameters were not saved, so which run they are is not known."""
    folder = Path(folder)
    missing = [n for n in RUNS_FILES if not (folder / n).is_file()]
    if missing:
        raise UserError(f"--reuse {folder}: expected {' and '.join(RUNS_FILES)} from an earlier validate run "
                        f"(missing {', '.join(missing)})")
    runs, incomplete = {}, 0
    try:
        index = json.loads((folder / RUNS_FILES[0]).read_text(encoding="utf-8"))
        with np.load(folder / RUNS_FILES[1]) as arrays:
            for i, r in enumerate(index):
                series = {c: np.asarray(arrays[f"r{i}__{c}"]) for c in r["columns"]}
                if not set(_SPEC_EXTRAS) <= set(r):           # an earlier format: read, then left out
                    int(r["seed"]), int(r["steps"]), dict(r["overrides"]), r["preset"], r["citizens"]
                    incomplete += 1
                    continue
                runs[_spec_from(r)] = {"series": series, "citizens": r["citizens"], "seconds": r["seconds"],
                                       "cpu_seconds": r["cpu_seconds"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError, RecursionError,
            zipfile.BadZipFile) as err:
        raise UserError(f"--reuse {folder}: {RUNS_FILES[0]} and {RUNS_FILES[1]} cannot be read as saved validation "
                        f"runs ({type(err).__name__}); run trustsim validate without --reuse") from None
    if incomplete:
        print(f"validate: {incomplete} runs in {folder} were saved without their interventions and parameters "
              "(an earlier trustsim); they are simulated again", file=sys.stderr)
    return runs


def simulate_all(specs, runs: dict, workers: int | None, tick) -> tuple[dict, int]:
    """Simulate ``specs`` (through the run layer's one evaluator loop) into ``runs``; returns the
    runs that failed ({spec: exception}) and the number of workers. ``tick(done)`` after each."""
    errors = {}
    with make_evaluator(workers) as ev:
        for done, (_, spec, res) in enumerate(each_result(simulate, specs, ev), start=1):
            if isinstance(res, BaseException):
                errors[spec] = res
            else:
                runs[spec] = res
            tick(done)
        return errors, ev.workers


def _earlier_timings(reuse) -> dict | None:
    """How the reused runs were simulated (from the earlier validation.json), or None."""
    if reuse is None or not (Path(reuse) / VALIDATION_JSON).is_file():
        return None
    old = json.loads((Path(reuse) / VALIDATION_JSON).read_text())
    return old.get("simulated_in") or {
        **{k: old.get(k) for k in ("started", "wall_time_s", "simulation_cpu_s", "load_average_start",
                                   "load_average_end", "workers", "cores", "runs")},
        "git_commit": old.get("provenance", {}).get("git_commit")}


def analyse_checks(checks, runs: dict, errors: dict, cfg: SuiteConfig, figdir: Path) -> dict:
    """{name: CheckResult} of every check, in order (a check sees the results before it); a check
    whose runs failed or whose analysis raises is reported as an error, the others still run."""
    results = {}
    for c in checks:
        needed = c.specs(cfg)
        failed = [s for s in needed if s in errors]
        if failed:
            results[c.name] = c.result(measured={}, headline=f"could not run: {errors[failed[0]]!r}",
                                       passed=None, verdict="error", runs=len(needed))
            continue
        try:
            results[c.name] = c.analyse(runs, cfg, figdir, results)
        except Exception as err:  # noqa: BLE001 -- a broken check is reported, the others still run
            results[c.name] = c.result(measured={}, headline=f"analysis failed: {err!r}", passed=None,
                                       verdict="error")
    return results


def run_validation(quick: bool = False, workers: int | None = None, out: str | Path | None = None,
                   progress=True, config: SuiteConfig | None = None, command: str | None = None,
                   reuse: str | Path | None = None, heldout: HeldOutInput | None = None) -> dict:
    """Run the suite and write its report into the new folder ``out``.

    ``heldout``: the held-out calibration targets' posterior-predictive summaries
    (:class:`sim.validation.heldout.HeldOutInput`; ``trustsim validate`` reads the shipped posterior).

    ``reuse``: a folder written by an earlier run; its saved simulations (runs.json,
    runs.npz) are used instead of running them again (only missing runs are simulated).
    Returns ``{"ok": bool, "results": [CheckResult], "meta": dict, "out": Path}``; ``ok`` is
    true when every gating check passed."""
    cfg = config or (QUICK if quick else FULL)
    out = Path(out) if out is not None else default_out(f"validation-{cfg.mode}")
    check_new_folder(out)
    check_output_location(out, kind="new_folder")   # before any run
    started, t0, load0 = now_iso(), time.perf_counter(), _load()
    checks = build_checks(cfg, heldout)
    wanted = dict.fromkeys(s for c in checks for s in c.specs(cfg))
    cached = load_runs(reuse) if reuse is not None else {}
    runs = {s: cached[s] for s in wanted if s in cached}
    specs = sorted((s for s in wanted if s not in runs), key=lambda s: -s.cost)
    tick = _progress_printer(len(specs)) if progress is True else (progress or (lambda done: None))
    errors, n_workers = simulate_all(specs, runs, workers, tick)
    if reuse is not None:
        print(f"validate: reused {len(runs) - (len(specs) - len(errors))} saved runs from {reuse}", file=sys.stderr)
    sim_wall = sum(r["seconds"] for r in runs.values())
    sim_cpu = sum(r.get("cpu_seconds", r["seconds"]) for r in runs.values())
    if errors:
        first = next(iter(errors.values()))
        print(f"validate: {len(errors)} of {len(specs)} runs failed; first error: {first!r}", file=sys.stderr)
    with new_folder(out) as tmp:
        figdir = tmp / FIGURES
        figdir.mkdir()
        results = analyse_checks(checks, runs, errors, cfg, figdir)
        wall = time.perf_counter() - t0
        meta = {
            "command": command or f"trustsim validate{' --quick' if cfg.mode == 'quick' else ''}",
            "mode": cfg.mode, "workers": n_workers, "runs": len(wanted), "simulated_now": len(specs),
            "reused_from": str(reuse) if reuse is not None else None, "simulated_in": _earlier_timings(reuse),
            "failed_runs": len(errors), "started": started, "wall_time_s": round(wall, 1), "simulation_cpu_s": round(sim_cpu, 1),
            "simulation_wall_s": round(sim_wall, 1), "cores": available_cores(),
            "load_average_start": load0, "load_average_end": _load(),
            "config": {**dataclasses.asdict(cfg), "seeds_from": SEED0},
            "default_params": Params().to_dict(), "provenance": provenance(),
        }
        ordered = list(results.values())
        ok = suite_ok(ordered)
        meta["ok"] = ok
        write_all(tmp, [_CleanView(r) for r in ordered], _clean(meta))
        save_runs(tmp, runs)
    return {"ok": ok, "results": ordered, "meta": meta, "out": out}


class _CleanView:
    """A CheckResult whose ``to_dict`` is strict-JSON clean; other attributes pass through."""

    def __init__(self, r: CheckResult):
        self._r = r

    def __getattr__(self, name):
        return getattr(self._r, name)

    def to_dict(self):
        return _clean(self._r.to_dict())
