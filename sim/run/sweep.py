"""Parameter sweeps: thousands of runs, streamed to disk, resumable, on any evaluator.

    import sim
    res = sim.sweep("experiments/sweep-budget.toml", workers=2)      # results/sweep-budget/
    res.runs          # one row per run: identity, design values, status, error, summary measures
    res.points        # one row per design point, policy and measure: mean, 95% CI, paired difference
    res.failed        # the failed runs, with their error and parameters

A **sweep file** (read by :mod:`sim.scenario.sweepfile`) is a scenario file (:mod:`sim.scenario.files`:
base, policies, replicates, steps, seed, window, interventions, rules) plus the parameters to vary
and a design (:mod:`sim.scenario.designs`)::

    [parameters]                                   # what varies (sim.Params names)
    negativity_bias = { range = [1.0, 14.0], levels = 4 }   # grid: 4 evenly spaced values
    report_trust_gain = { values = [0.0, 0.2, 0.4] }         # or a list: the values themselves
    weight_report = [0.5, 1.0, 2.0]                          # short for { values = [...] }

    [design]
    kind = "grid"          # "grid": every combination (file order, last parameter fastest);
                           # "lhs": a Latin hypercube of `samples` points (scipy.stats.qmc)
    samples = 64           # lhs only: number of design points
    levels = 5             # grid only: default levels for parameters given as a range
    seed = 7               # optional: seed of the Latin hypercube (default: the sweep's seed)
    common_seeds = false   # optional: true = replicate r has the same seed at every design point

    keep_timeseries = false          # optional: also keep every step of every run (large)
    remainder_to = "share_officers"  # optional: this budget share takes 1 - the other shares

A design point's values replace the parameter in **every** policy, after the policy's own
settings (so a swept parameter must not differ between the policies: the file is refused if
it does). In a Latin hypercube, a range is sampled uniformly (an integer parameter uniformly
among its integers) and a list of values uniformly among its items.

**Runs and seeds.** Run ``run`` is design point ``point``, policy ``policy`` (file order) and
replicate ``replicate``, numbered point by point, then policy, then replicate. Its seed is
:func:`sim.scenario.sweepfile.run_seed` ``(seed, point, replicate)`` = ``SeedSequence([seed, point, replicate])``
(``[seed, replicate]`` with ``common_seeds``): the same for every policy of a point (common
random numbers: policy differences are paired) and never dependent on the evaluator, the
number of workers or the order in which runs finish.

**Results folder** (``--out``, default ``results/<name>/``; running the same command again
resumes it)::

    sweep.json          the resolved sweep and its sha256 (a changed sweep file is refused)
    design.csv          the design points: point, then one column per parameter
    parts/part-*.parquet     per-run summary rows, one file per chunk of finished runs
    timeseries/part-*.parquet  every step of every run (keep_timeseries only)
    index.jsonl         one line per finished run (run, point, policy, replicate, seed, status, part)
    manifest.json       sessions (start, end, runs done, evaluator), counts, provenance
    runs.parquet        all runs, sorted by run (written once every run is done)
    points.csv          per point, policy and measure (written once every run is done)
    failed.csv          the failed runs with their error and parameters (if any failed)

Columns of ``runs.parquet`` and the parts: ``run, point, policy, replicate, seed, status``
(``ok`` or ``failed``), ``error`` ("" when ok), ``seconds`` and ``cpu_seconds`` (the run's wall and
CPU time in its worker), ``worker`` (host:pid),
then the design parameters, then the run's summary measures (:func:`sim.results.summary.per_replicate`):
the window mean of each measure of :data:`sim.core.measures.MEASURES` over the scenario's window,
``incidents_cumulative``, ``cost_cumulative`` and ``public_cost_cumulative`` (NaN for failed runs).
``points.csv`` (:func:`sim.results.sweepsummary.summarise_points`) has the columns of the scenario
``summary.csv`` (see :mod:`sim.run.experiment`) preceded by ``point`` and the design parameters.

**Streaming and faults** (:class:`sim.storage.sweepstore.SweepStore`). Finished runs are buffered in the main process and written as one
Parquet part per chunk (``chunk`` runs, or every ``flush_seconds``): to a hidden temporary name,
then atomically renamed; a run counts as done only once its part has its final name, and then
it is appended to ``index.jsonl``. Killing the sweep (Ctrl-C, ``kill -9``) loses at most the
runs not yet written; running the same command again skips every run in a part and runs the
rest (temporary files are deleted, never read). A run that raises is recorded as ``failed``
with its error and its parameters, and the sweep goes on; a run that could not run at all (a
worker died, the cluster went away) is not recorded and runs again on resume. A lock file keeps
two sweeps from writing one folder at once.
"""

from __future__ import annotations

import functools
import inspect
import os
import socket
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.core.params import ParamError
from sim.errors import UserError, safe_text
from sim.results.summary import per_replicate
from sim.results.sweepsummary import summarise_points
from sim.run.evaluators import DaskEvaluator, Evaluator, each_result, evaluator_for, make_evaluator, progress_bar
from sim.run.experiment import check_planned_budget, check_plugin
from sim.run.single import RunSpec, run_spec
from sim.scenario.designs import Factor  # noqa: F401 -- re-exported
from sim.scenario.sweepfile import MODEL_POLICY, SEED_RULE, SHARES, Sweep, load_sweep, run_seed
from sim.storage.layout import TIMESERIES_PARTS, default_out
from sim.storage.provenance import now_iso, provenance
from sim.storage.sweepstore import SweepStore, read_index, read_parts

__all__ = ["sweep", "execute", "SweepResults", "Task", "task_of", "run_task", "make_sweep_evaluator",
           # re-exported: what a sweep's user needs from the layers below
           "Sweep", "Factor", "load_sweep", "run_seed", "SweepStore", "read_index", "read_parts"]


# ---------------------------------------------------------------------------------- one run
@dataclass(frozen=True)
class Task:
    """One run, picklable: sent to a worker, which returns a result dict (see :func:`run_task`)."""

    run: int
    point: int
    policy: str
    replicate: int
    seed: int
    values: dict
    spec: RunSpec | None = None        # trustsim runs
    window: tuple | None = None
    keep_timeseries: bool = False
    model: object = None                # a model function instead
    pass_seed: bool = False


def task_of(sw: Sweep, run: int) -> Task:
    """The task of run ``run`` of ``sw``: its design values in every policy's parameters (with
    ``remainder_to`` taking what the other budget shares leave) and its seed."""
    point, policy_index, replicate = sw.identity(run)
    values = sw.values(point)
    seed = run_seed(sw.seed, point, replicate, sw.common_seeds)
    if sw.scenario is None:
        return Task(run=run, point=point, policy=MODEL_POLICY, replicate=replicate, seed=seed, values=values,
                    model=sw.model, pass_seed=accepts_seed(sw.model))
    pol = sw.scenario.policies[policy_index]
    params = {**pol.params, **values}
    if sw.remainder_to:
        others = sum(params[s] for s in SHARES if s != sw.remainder_to)
        params[sw.remainder_to] = round(1.0 - others, 12)
    spec = RunSpec(policy=pol.name, replicate=replicate, seed=seed, params=params, interventions=pol.interventions,
                   steps=sw.scenario.steps, rules=sw.scenario.rules,
                   rules_sha256=sw.scenario.rules_sha256 if sw.scenario.rules else None,
                   time_limit=sw.scenario.time_limit)
    return Task(run=run, point=point, policy=pol.name, replicate=replicate, seed=seed, values=values,
                spec=spec, window=sw.scenario.window_steps, keep_timeseries=sw.keep_timeseries)


@functools.cache
def accepts_seed(fn) -> bool:
    """True when the model function ``fn`` takes a ``seed`` argument."""
    try:
        return "seed" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def run_task(task: Task) -> dict:
    """Run one task in a worker; never raises for a failing run: returns its record with
    ``status`` "failed" and the error. (An exception that escapes, e.g. KeyboardInterrupt,
    means the run did not happen.)"""
    t0, c0 = time.perf_counter(), time.process_time()
    out = {"run": task.run, "point": task.point, "policy": task.policy, "replicate": task.replicate,
           "seed": task.seed, "status": "ok", "error": "", "worker": worker_name(),
           "values": task.values, "outputs": {}, "timeseries": None}
    try:
        if task.model is not None:
            y = task.model(dict(task.values), seed=task.seed) if task.pass_seed else task.model(dict(task.values))
            out["outputs"] = outputs_of(y)
        else:
            df, _maps = run_spec(task.spec)
            row = per_replicate(df, task.window).iloc[0]
            out["outputs"] = {k: float(x) for k, x in row.items()}
            if task.keep_timeseries:
                df.insert(0, "point", task.point)
                df.insert(0, "run", task.run)
                out["timeseries"] = df
    except Exception as err:  # noqa: BLE001 -- a failing run is recorded, the sweep goes on
        out["status"] = "failed"
        out["error"] = error_line(err)
        out["outputs"], out["timeseries"] = {}, None
    out["seconds"] = time.perf_counter() - t0
    out["cpu_seconds"] = time.process_time() - c0
    return out


def error_line(err: BaseException) -> str:
    """A failed run's error as ``Type: message`` on one line (control and bidi characters
    escaped), e.g. ``UserError: my_rules.py: rule grievance at step 3: returned NaN ...`` for a
    plug-in, ``TimeLimitExceeded: run exceeded its time limit of 60 s ...`` for a run too long."""
    text = "; ".join(err.problems) if isinstance(err, (UserError, ParamError)) else str(err)
    return safe_text(" ".join(f"{type(err).__name__}: {text or '(no message)'}".split()))[:1000]


@functools.cache
def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def outputs_of(y) -> dict:
    if isinstance(y, dict):
        return {str(k): float(x) for k, x in y.items()}
    return {"y": float(y)}


# ---------------------------------------------------------------------------------- running
@dataclass
class SweepResults:
    """What a sweep produced: ``runs`` (one row per run), ``points`` (per design point, policy and
    measure; None until every run is done), ``folder``, ``manifest``; ``failed`` and ``not_run``."""

    runs: pd.DataFrame
    points: pd.DataFrame | None
    folder: Path
    manifest: dict
    not_run: int = 0

    @property
    def failed(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] != "ok"] if len(self.runs) else self.runs

    @property
    def complete(self) -> bool:
        return self.manifest["runs"]["done"] == self.manifest["runs"]["total"]

    def timeseries(self) -> pd.DataFrame:
        """Every step of every run (only with keep_timeseries), sorted by run and step."""
        return read_parts(self.folder / TIMESERIES_PARTS)

    def __repr__(self):
        r = self.manifest["runs"]
        return (f"SweepResults({self.manifest['sweep']!r}: {r['done']}/{r['total']} runs, {r['failed']} failed; "
                f"{self.folder})")


def make_sweep_evaluator(workers=None, scheduler=None) -> Evaluator:
    """``scheduler`` "local" or an address: a DaskEvaluator; else ``make_evaluator(workers)``."""
    if scheduler:
        return DaskEvaluator(scheduler, workers)
    return make_evaluator(workers)


def sweep(source, *, workers: int | None = None, scheduler: str | None = None, out=None,
          evaluator: Evaluator | None = None, progress: bool | None = None, chunk: int = 20,
          flush_seconds: float = 5.0, model=None, command: str = "api") -> SweepResults:
    """Run (or resume) a sweep: a sweep file, a dict, or a :class:`Sweep`.

    ``workers``: processes (None = all cores, 1 = in this process); ``scheduler``: "local" (a Dask
    LocalCluster on 127.0.0.1 with ``workers`` workers) or a Dask scheduler address
    ``tcp://HOST:PORT``; ``evaluator``: any :mod:`sim.run.evaluators` evaluator instead. ``out``:
    the results folder (default ``results/<name>/``); if it holds this sweep, only the missing
    runs are run. ``model``: a function to evaluate instead of the simulation (see
    :class:`Sweep`). Failed runs are in ``.failed``; the sweep does not raise for them."""
    sw = load_sweep(source, model=model)
    return execute(sw, out=out, workers=workers, scheduler=scheduler, evaluator=evaluator, progress=progress,
                   chunk=chunk, flush_seconds=flush_seconds, command=command)


def execute(sw: Sweep, *, out=None, workers=None, scheduler=None, evaluator=None, progress=None, chunk=20,
            flush_seconds=5.0, command="api", extra_manifest: dict | None = None) -> SweepResults:
    """Run every run of ``sw`` not yet in ``out``, streaming results to it (see the module doc)."""
    if scheduler is not None and evaluator is None:
        DaskEvaluator.check_address(scheduler)
    store = SweepStore(out if out is not None else default_out(sw.name, stamped=False), sw, chunk=chunk,
                       flush_seconds=flush_seconds)
    store.check()  # refuse before starting workers
    notes = []
    if sw.scenario is not None:
        check_plugin(sw.scenario, "sweep")
        if len(sw.policies) > 1:  # the policies' budgets at the base parameters, checked as `trustsim compare` does
            notes = check_planned_budget(sw.scenario, "at the base parameters", sw.scenario.source or sw.name)[1]
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    extra = {**(extra_manifest or {}), "warnings": notes}
    t0 = time.perf_counter()
    # making the evaluator may fail (e.g. cannot connect): then nothing is written
    with evaluator_for(evaluator, workers, make=lambda w: make_sweep_evaluator(w, scheduler)) as ev:
        resume = store.open()
        session = {"started": now_iso(), "finished": None, "command": command, "evaluator": repr(ev),
                   "workers": ev.workers, "resumed": resume, "done_before": len(store.done), "ran": 0, "ok": 0,
                   "failed": 0, "not_run": 0, "interrupted": False}
        not_run_errors: list[str] = []
        try:
            store.write_manifest(_manifest(store, session, extra))
            _run_missing(store, ev, session, not_run_errors, progress)
        except BaseException:
            session["interrupted"] = True
            try:
                store.flush()
            finally:
                session.update(finished=now_iso(), wall_time_s=round(time.perf_counter() - t0, 3))
                store.write_manifest(_manifest(store, session, extra, not_run_errors))
                store.close()
            raise
    session.update(finished=now_iso(), wall_time_s=round(time.perf_counter() - t0, 3))
    manifest = _manifest(store, session, extra, not_run_errors)
    try:
        runs = store.read_runs()
        points = summarise_points(runs, sw) if manifest["runs"]["done"] == sw.n_runs else None
        store.write_results(runs, points)
        store.write_manifest(manifest)
    finally:
        store.close()
    return SweepResults(runs=runs, points=points, folder=store.folder, manifest=manifest,
                        not_run=session["not_run"])


def _run_missing(store: SweepStore, ev: Evaluator, session: dict, not_run_errors: list, progress) -> None:
    """Run every run not in ``store`` on ``ev``, adding the results to the store (then flushed)."""
    sw = store.sweep
    todo = (task_of(sw, r) for r in range(sw.n_runs) if r not in store.done)
    failed_before = len(store.failed)
    with progress_bar(sw.n_runs, sw.name, progress, initial=len(store.done), leave=True, dynamic_ncols=True) as bar:
        bar.set_postfix(failed=failed_before, refresh=False)
        for _, task, result in each_result(run_task, todo, ev, batch=max(256, 16 * max(1, ev.workers))):
            if isinstance(result, BaseException):  # the run did not happen: retried on resume
                session["not_run"] += 1
                if len(not_run_errors) < 20:
                    not_run_errors.append(f"run {task.run}: {type(result).__name__}: {result}")
                continue
            store.add(result)
            session["ran"] += 1
            session["ok" if result["status"] == "ok" else "failed"] += 1
            bar.set_postfix(failed=failed_before + session["failed"], refresh=False)
            bar.update(1)
        store.flush()


def _manifest(store: SweepStore, session: dict, extra: dict | None = None, not_run_errors=()) -> dict:
    old = store.read_manifest()
    sessions = [s for s in old.get("sessions", []) if s.get("started") != session["started"]]
    sw = store.sweep
    n_failed = len(store.failed)
    return {
        "sweep": sw.name, "sweep_file": sw.source, "sha256": sw.sha256,
        "runs": {"total": sw.n_runs, "done": len(store.done), "ok": len(store.done) - n_failed, "failed": n_failed,
                 "missing": sw.n_runs - len(store.done)},
        "shape": {"points": sw.n_points, "policies": sw.policies, "replicates": sw.replicates,
                  "parameters": sw.factor_names, "design": sw.design},
        "seeds": {"seed": sw.seed, "rule": SEED_RULE},
        "not_run_errors": list(not_run_errors)[:20],
        **(extra or {}),
        "sessions": [*sessions, {**session, **provenance()}],
    }
