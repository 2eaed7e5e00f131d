"""Parameter sweeps: thousands of runs, streamed to disk, resumable, on any evaluator.

    import sim
    res = sim.sweep("experiments/sweep-budget.toml", workers=2)      # results/sweep-budget/
    res.runs          # one row per run: identity, design values, status, error, summary measures
    res.points        # one row per design point, policy and measure: mean, 95% CI, paired difference
    res.failed        # the failed runs, with their error and parameters

A **sweep file** is a scenario file (:mod:`sim.scenario.files`: base, policies, replicates, steps,
seed, window, interventions, rules) plus the parameters to vary and a design::

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
:func:`run_seed` ``(seed, point, replicate)`` = ``SeedSequence([seed, point, replicate])``
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
then the design parameters, then the run's summary measures (:func:`sim.run.experiment.per_replicate`):
the window mean of each measure of :data:`sim.core.measures.MEASURES` over the scenario's window,
``incidents_cumulative``, ``cost_cumulative`` and ``public_cost_cumulative`` (NaN for failed runs).
``points.csv`` has the columns of the scenario ``summary.csv`` (see :mod:`sim.run.experiment`)
preceded by ``point`` and the design parameters.

**Streaming and faults.** Finished runs are buffered in the main process and written as one
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

import copy
import dataclasses
import difflib
import functools
import hashlib
import inspect
import itertools
import json
import math
import os
import socket
import sys
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.params import Params
from sim.errors import UserError
from sim.results.stats import CONFIDENCE, ratio_interval, t_intervals
from sim.results.summary import CUMULATIVE, RATIO, SUMMARY_COLUMNS, per_replicate
from sim.run.evaluators import Evaluator, make_evaluator
from sim.run.single import RunSpec, run_spec
from sim.scenario.files import MAX_SEED, Scenario, read_toml
from sim.scenario.files import TOP_KEYS as SCENARIO_KEYS
from sim.scenario.files import resolve as resolve_scenario
from sim.storage.provenance import now_iso, provenance

SWEEP_KEYS = ("parameters", "design", "keep_timeseries", "remainder_to")
TOP_KEYS = (*SCENARIO_KEYS, *SWEEP_KEYS)
MODEL_TOP_KEYS = ("name", "description", "seed", "replicates", "parameters", "design")
FACTOR_KEYS = ("values", "range", "levels")
DESIGN_KEYS = ("kind", "samples", "levels", "seed", "common_seeds")
DESIGN_KINDS = ("grid", "lhs")
SHARES = ("share_officers", "share_support", "share_welfare", "share_awareness")
ID_COLUMNS = ("run", "point", "policy", "replicate", "seed", "status", "error", "seconds", "cpu_seconds", "worker")
MAX_RUNS = 10_000_000
MAX_LEVELS = 10_000
SEED_RULE = ("seed of a run = numpy.random.SeedSequence([seed, point, replicate]).generate_state(1)[0] "
             "([seed, replicate] with common_seeds), the same for every policy of a design point")
FORMAT = 1
MODEL_POLICY = "model"

_MISSING = object()


def run_seed(seed: int, point: int, replicate: int, common_seeds: bool = False) -> int:
    """The seed of replicate ``replicate`` at design point ``point`` (every policy)."""
    key = [int(seed), int(replicate)] if common_seeds else [int(seed), int(point), int(replicate)]
    return int(np.random.SeedSequence(key).generate_state(1)[0])


# ---------------------------------------------------------------------------------- factors
@dataclass(frozen=True)
class Factor:
    """One swept parameter: a list of ``values``, or a ``range`` [lo, hi] (with ``levels`` for a grid)."""

    name: str
    type: str                    # "int", "float", "bool" or "str"
    values: tuple | None = None
    lo: float | None = None
    hi: float | None = None
    levels: int | None = None

    @property
    def is_range(self) -> bool:
        return self.values is None

    def grid_values(self, levels: int | None = None) -> list:
        if not self.is_range:
            return list(self.values)
        n = self.levels or levels
        x = np.linspace(self.lo, self.hi, n)
        if self.type == "int":
            return [int(v) for v in np.unique(np.round(x).astype(np.int64))]
        return [float(v) for v in x]

    def from_unit(self, u) -> list:
        """Map points of [0, 1] to values: uniform on a float range, uniform among the integers
        of an integer range, uniform among the items of a list."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if not self.is_range:
            k = len(self.values)
            return [self.values[i] for i in np.minimum((u * k).astype(np.int64), k - 1)]
        if self.type == "int":
            lo, hi = int(self.lo), int(self.hi)
            return [int(v) for v in np.minimum(lo + np.floor(u * (hi - lo + 1)).astype(np.int64), hi)]
        return [float(v) for v in self.lo + u * (self.hi - self.lo)]

    def describe(self) -> str:
        if self.is_range:
            return f"[{self.lo:g}, {self.hi:g}]" + (" (integers)" if self.type == "int" else "")
        return "{" + ", ".join(str(v) for v in self.values) + "}"

    def to_dict(self) -> dict:
        d = {"name": self.name, "type": self.type}
        if self.is_range:
            d.update(range=[self.lo, self.hi], levels=self.levels)
        else:
            d["values"] = list(self.values)
        return d


# ---------------------------------------------------------------------------------- the sweep
@dataclass(frozen=True)
class Sweep:
    """A validated sweep: its factors, design points and (for trustsim runs) resolved scenario.

    ``model`` is None for trustsim runs; otherwise a function ``model(values) -> float or
    {output: float}`` (``values``: {parameter: value}; with a ``seed`` parameter it also gets
    the run's seed) evaluated instead of the simulation, through the same machinery."""

    name: str
    seed: int
    replicates: int
    factors: tuple
    design: dict
    points: pd.DataFrame = field(compare=False, repr=False)
    scenario: Scenario | None = None
    keep_timeseries: bool = False
    remainder_to: str | None = None
    model: object = None
    description: str = ""
    source: str | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    # ------------------------------------------------------------ shape
    @property
    def factor_names(self) -> list[str]:
        return [f.name for f in self.factors]

    @property
    def policies(self) -> list[str]:
        return self.scenario.policy_names if self.scenario is not None else [MODEL_POLICY]

    @property
    def baseline(self) -> str:
        return self.scenario.baseline if self.scenario is not None else MODEL_POLICY

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_runs(self) -> int:
        return self.n_points * len(self.policies) * self.replicates

    @property
    def common_seeds(self) -> bool:
        return bool(self.design.get("common_seeds", False))

    def identity(self, run: int) -> tuple[int, int, int]:
        """(point, policy index, replicate) of run ``run``."""
        rest, replicate = divmod(int(run), self.replicates)
        point, policy = divmod(rest, len(self.policies))
        return point, policy, replicate

    def run_number(self, point: int, policy: int, replicate: int) -> int:
        return (point * len(self.policies) + policy) * self.replicates + replicate

    def values(self, point: int) -> dict:
        """{parameter: value} of a design point, as plain Python values."""
        return {name: _plain(col[int(point)]) for name, col in self._columns.items()}

    @functools.cached_property
    def _columns(self) -> dict:
        return {name: self.points[name].to_numpy() for name in self.factor_names}

    @functools.cached_property
    def _plugin_hash(self) -> dict:
        """The plug-in's sha256 for RunSpec (workers refuse a plug-in file changed since loading)."""
        if self.scenario is None or not self.scenario.rules:
            return {}
        return {"rules_sha256": self.scenario.rules_sha256}

    @functools.cached_property
    def _pass_seed(self) -> bool:
        return _accepts_seed(self.model)

    def with_points(self, points: pd.DataFrame, design: dict) -> Sweep:
        """The same sweep on other design points (e.g. a sensitivity sample)."""
        points = points.reset_index(drop=True)
        _check_size(len(points) * len(self.policies) * self.replicates, self.source or self.name)
        return dataclasses.replace(self, points=points, design=dict(design))

    # ------------------------------------------------------------ runs
    def task(self, run: int) -> Task:
        point, policy_index, replicate = self.identity(run)
        values = self.values(point)
        seed = run_seed(self.seed, point, replicate, self.common_seeds)
        if self.scenario is None:
            return Task(run=run, point=point, policy=MODEL_POLICY, replicate=replicate, seed=seed, values=values,
                        model=self.model, pass_seed=self._pass_seed)
        pol = self.scenario.policies[policy_index]
        params = {**pol.params, **values}
        if self.remainder_to:
            others = sum(params[s] for s in SHARES if s != self.remainder_to)
            params[self.remainder_to] = round(1.0 - others, 12)
        spec = RunSpec(policy=pol.name, replicate=replicate, seed=seed, params=params,
                       interventions=pol.interventions, steps=self.scenario.steps, rules=self.scenario.rules,
                       **self._plugin_hash)
        return Task(run=run, point=point, policy=pol.name, replicate=replicate, seed=seed, values=values,
                    spec=spec, window=self.scenario.window_steps, keep_timeseries=self.keep_timeseries)

    # ------------------------------------------------------------ identity of the results
    def resolved(self) -> dict:
        """Everything that decides the runs' results (plus name and description), JSON-ready."""
        scen = None
        if self.scenario is not None:
            scen = self.scenario.to_dict()
            for key in ("name", "description", "source"):
                scen.pop(key, None)
            if scen.get("rules"):
                scen["rules"] = {"sha256": scen["rules"]["sha256"], "file": Path(scen["rules"]["path"]).name}
            for pol in scen["policies"]:
                pol.pop("description", None)
        return {
            "format": FORMAT, "name": self.name, "description": self.description,
            "kind": "trustsim" if self.model is None else "function",
            "model": None if self.model is None else _qualname(self.model),
            "seed": self.seed, "replicates": self.replicates, "keep_timeseries": self.keep_timeseries,
            "remainder_to": self.remainder_to, "design": self.design,
            "parameters": [f.to_dict() for f in self.factors],
            "n_points": self.n_points, "n_runs": self.n_runs, "points_sha256": _points_hash(self.points),
            "scenario": scen,
        }

    @property
    def sha256(self) -> str:
        return sweep_hash(self.resolved())


def sweep_hash(resolved: dict) -> str:
    """sha256 of a resolved sweep, leaving out what does not change results (name, description)."""
    keep = {k: v for k, v in resolved.items() if k not in ("name", "description")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


def _points_hash(points: pd.DataFrame) -> str:
    data = {c: [_plain(v) for v in points[c]] for c in points.columns}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def _qualname(fn) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__name__)}"


def _accepts_seed(fn) -> bool:
    try:
        return "seed" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------------- loading
def load_sweep(source, *, model=None, for_sensitivity: bool = False) -> Sweep:
    """A :class:`Sweep` from a TOML file path, a dict with the same keys, or a Sweep.

    With ``model`` (a function), the parameters are the function's arguments (any names,
    ranges or values) and the scenario keys do not apply. ``for_sensitivity``: the design is
    replaced by a sensitivity sample, so grid levels and LHS samples are not required.
    Raises :class:`UserError` listing every problem, one line each."""
    if isinstance(source, Sweep):
        return source
    if isinstance(source, dict):
        return resolve(source, label="<sweep>", base_dir=Path.cwd(), model=model, for_sensitivity=for_sensitivity)
    if isinstance(source, (str, Path)):
        raw, path = read_toml(source, "sweep")
        return resolve(raw, label=str(source), base_dir=path.parent, model=model,
                       for_sensitivity=for_sensitivity, source=str(path))
    raise UserError(f"sweep: expected a path to a .toml file or a dict, got {type(source).__name__}")


def resolve(raw: dict, *, label: str = "<sweep>", base_dir: Path | None = None, model=None,
            for_sensitivity: bool = False, source: str | None = None) -> Sweep:
    """Validate ``raw`` (the parsed TOML) and build the design; every problem in one UserError."""
    from sim.scenario.files import _Validator  # the scenario files' messages: "FILE: key.path: expected ..."

    raw = copy.deepcopy(raw)
    v = _Validator(label)
    if not isinstance(raw, dict):
        v.err("(top)", "expected a table")
        raise UserError(v.problems)
    allowed = MODEL_TOP_KEYS if model is not None else TOP_KEYS
    v.known_keys(raw, allowed, "")

    scenario = None
    if model is None:
        try:
            scenario = resolve_scenario({k: x for k, x in raw.items() if k in SCENARIO_KEYS}, label=label,
                                        base_dir=base_dir, source=source)
        except UserError as err:
            v.problems.extend(err.problems)
        name, seed, replicates = (scenario.name, scenario.seed, scenario.replicates) if scenario else (None,) * 3
        description = scenario.description if scenario else ""
    else:
        if not callable(model):
            raise UserError(f"model: expected a function, got {type(model).__name__}")
        name = v.get(raw, "name", "", kind="name", default="model")
        description = v.get(raw, "description", "", kind="str", default="")
        seed = v.get(raw, "seed", "", kind="int", lo=0, hi=MAX_SEED, default=0)
        replicates = v.get(raw, "replicates", "", kind="int", lo=1, hi=10_000, default=1)

    factors = _factors(v, raw.get("parameters", _MISSING), model is not None)
    design = _design(v, raw.get("design", {}), factors, seed, for_sensitivity)
    keep_ts = v.get(raw, "keep_timeseries", "", kind="bool", default=False)
    remainder = v.get(raw, "remainder_to", "", kind="str", default=None)
    if model is not None and keep_ts:
        v.err("keep_timeseries", "expected false: a model function has no time series")
    if remainder is not None:
        if remainder not in SHARES:
            close = difflib.get_close_matches(remainder, SHARES, n=1)
            v.err("remainder_to", f"expected one of {', '.join(SHARES)}, got {remainder!r}"
                                  + (f" (did you mean {close[0]!r}?)" if close else ""))
        elif any(f.name == remainder for f in factors):
            v.err("remainder_to", f"expected a share that is not swept, got {remainder!r} "
                                  f"(parameters.{remainder} sets it)")
    if scenario is not None and factors:
        paths = {f.name: f"parameters.{f.name}" for f in factors}
        if remainder in SHARES and remainder not in paths:
            paths[remainder] = "remainder_to"
        _check_policies_agree(v, scenario, paths)
    if v.problems:
        raise UserError(v.problems)

    points = _build_points(factors, design, label) if not for_sensitivity else _base_points(factors)
    sweep = Sweep(name=name, seed=seed, replicates=replicates, factors=tuple(factors), design=design, points=points,
                  scenario=scenario, keep_timeseries=bool(keep_ts), remainder_to=remainder, model=model,
                  description=description or "", source=source, raw=raw)
    _check_size(sweep.n_runs, label)
    return sweep


def _check_size(n_runs: int, label: str):
    if n_runs > MAX_RUNS:
        raise UserError(f"{label}: design: expected at most {MAX_RUNS:,} runs (points x policies x replicates), "
                        f"got {n_runs:,}")


def _factors(v, table, model_mode: bool) -> list[Factor]:
    if table is _MISSING:
        v.err("parameters", "expected a table of parameters to vary ([parameters]), but it is missing")
        return []
    if not isinstance(table, dict) or not table:
        v.err("parameters", "expected a table with at least one parameter, e.g. negativity_bias = [2.0, 4.0, 8.0]")
        return []
    out = []
    for name, entry in table.items():
        path = f"parameters.{name}"
        if model_mode:
            if not (isinstance(name, str) and name.isidentifier()) or name in ID_COLUMNS:
                v.err(path, f"expected a parameter name of letters, digits and _ (not one of {', '.join(ID_COLUMNS)})")
                continue
            kind = None
        else:
            if name not in Params.names():
                close = difflib.get_close_matches(str(name), Params.names(), n=3, cutoff=0.6)
                v.err(path, "unknown parameter" + (f" (did you mean {', '.join(close)}?)" if close else ""))
                continue
            kind = Params.spec(name)["type"]
        if isinstance(entry, list):
            entry = {"values": entry}
        if not isinstance(entry, dict):
            v.err(path, "expected a list of values, { values = [...] } or { range = [low, high] }, "
                        f"got {entry!r}")
            continue
        n_before = len(v.problems)
        v.known_keys(entry, FACTOR_KEYS, path)
        if ("values" in entry) == ("range" in entry):
            v.err(path, "expected exactly one of values = [...] or range = [low, high]")
            continue
        if "values" in entry:
            values = entry["values"]
            if not isinstance(values, list) or not values:
                v.err(f"{path}.values", f"expected a non-empty list, got {values!r}")
                continue
            for i, x in enumerate(values):
                problem = _value_problem(name, kind, x)
                if problem:
                    v.err(f"{path}.values[{i}]", problem)
            if len(v.problems) == n_before and len({json.dumps(x) for x in values}) < len(values):
                v.err(f"{path}.values", "expected distinct values, got a value twice")
            if "levels" in entry:
                v.err(f"{path}.levels", "expected levels only with a range (a list of values is its own levels)")
            if len(v.problems) == n_before:
                ftype = kind or _type_of(values)
                if ftype is None:
                    v.err(f"{path}.values", "expected values of one type (numbers, true/false or strings)")
                    continue
                if ftype == "float":
                    values = [float(x) for x in values]
                out.append(Factor(name=name, type=ftype, values=tuple(values)))
            continue
        rng = entry["range"]
        ftype = kind or "float"
        if ftype not in ("int", "float"):
            v.err(f"{path}.range", f"expected values = [...] for a {'true/false' if ftype == 'bool' else 'text'} "
                                   "parameter (a range needs numbers)")
            continue
        if not (isinstance(rng, list) and len(rng) == 2
                and all(isinstance(x, (int, float)) and not isinstance(x, bool) and x == x for x in rng)):
            v.err(f"{path}.range", f"expected [low, high], two numbers, got {rng!r}")
            continue
        for bound, x in zip(("low", "high"), rng):
            problem = _value_problem(name, kind, x)
            if problem:
                v.err(f"{path}.range", f"{bound} end: {problem}")
        if len(v.problems) == n_before and not rng[0] < rng[1]:
            v.err(f"{path}.range", f"expected low < high, got {rng!r}")
        levels = v.get(entry, "levels", path, kind="int", lo=2, hi=MAX_LEVELS, default=None)
        if (ftype == "int" and isinstance(levels, int) and len(v.problems) == n_before
                and levels > int(rng[1]) - int(rng[0]) + 1):
            v.err(f"{path}.levels", f"expected at most {int(rng[1]) - int(rng[0]) + 1} levels for an integer "
                                    f"parameter in {rng!r}, got {levels}")
        if len(v.problems) == n_before:
            out.append(Factor(name=name, type=ftype, lo=rng[0] if ftype == "int" else float(rng[0]),
                              hi=rng[1] if ftype == "int" else float(rng[1]), levels=levels))
    return out


def _value_problem(name, kind, x) -> str | None:
    if kind is None:  # a model function's parameter: any number, true/false or text
        ok = isinstance(x, (bool, int, float, str)) and x == x
        return None if ok else f"expected a number, true/false or a string, got {x!r}"
    msgs = Params._check(name, x)
    return msgs[0].split(": ", 1)[1] if msgs else None


def _type_of(values) -> str | None:
    if all(isinstance(x, bool) for x in values):
        return "bool"
    if all(isinstance(x, int) and not isinstance(x, bool) for x in values):
        return "int"
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in values):
        return "float"
    if all(isinstance(x, str) for x in values):
        return "str"
    return None


def _design(v, table, factors, seed, for_sensitivity) -> dict:
    if not isinstance(table, dict):
        v.err("design", f"expected a table ([design]), got {table!r}")
        return {}
    v.known_keys(table, DESIGN_KEYS, "design")
    kind = v.get(table, "kind", "design", kind="str", default="grid")
    if isinstance(kind, str) and kind not in DESIGN_KINDS:
        close = difflib.get_close_matches(kind, DESIGN_KINDS, n=1, cutoff=0.3)
        v.err("design.kind", f"expected one of {', '.join(DESIGN_KINDS)} (grid: every combination, lhs: Latin "
                             f"hypercube), got {kind!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        kind = None
    samples = v.get(table, "samples", "design", kind="int", lo=1, hi=MAX_RUNS, default=None)
    levels = v.get(table, "levels", "design", kind="int", lo=2, hi=MAX_LEVELS, default=None)
    dseed = v.get(table, "seed", "design", kind="int", lo=0, hi=MAX_SEED, default=None)
    common = v.get(table, "common_seeds", "design", kind="bool", default=False)
    if not for_sensitivity:
        if kind == "lhs":
            if samples is None and "samples" not in table:
                v.err("design.samples", "expected an integer in [1, 10000000] for a Latin hypercube (lhs), "
                                        "but it is missing")
            if "levels" in table:
                v.err("design.levels", "expected levels only with kind = \"grid\"")
            for f in factors:
                if f.levels is not None:
                    v.err(f"parameters.{f.name}.levels", "expected levels only with kind = \"grid\" "
                                                        "(a Latin hypercube samples the whole range)")
        elif kind == "grid":
            if "samples" in table:
                v.err("design.samples", "expected samples only with kind = \"lhs\" (a grid has every combination)")
            for f in factors:
                if f.is_range and f.levels is None and levels is None:
                    v.err(f"parameters.{f.name}", "expected levels = N with a range in a grid design (or "
                                                  "design.levels, or a list of values)")
                if (f.is_range and f.type == "int" and f.levels is None and isinstance(levels, int)
                        and levels > int(f.hi) - int(f.lo) + 1):
                    v.err("design.levels", f"expected at most {int(f.hi) - int(f.lo) + 1} levels for the integer "
                                           f"parameter {f.name} in [{f.lo}, {f.hi}], got {levels}")
    return {"kind": kind, "samples": samples, "levels": levels,
            "seed": dseed if dseed is not None else seed, "common_seeds": bool(common)}


def _check_policies_agree(v, scenario: Scenario, paths: dict):
    """A swept parameter (or the remainder share) must be the same in every policy."""
    for name, path in paths.items():
        got = {p.name: p.params.get(name) for p in scenario.policies}
        if len(set(map(repr, got.values()))) > 1:
            shown = ", ".join(f"{k} {x!r}" for k, x in got.items())
            v.err(path, f"the policies set {name} differently ({shown}); a swept value replaces it in every "
                        "policy: sweep it with one policy, or set it only in [base]")


def _build_points(factors, design, label) -> pd.DataFrame:
    if design["kind"] == "grid":
        grids = [f.grid_values(design["levels"]) for f in factors]
        n = math.prod(len(g) for g in grids)
        _check_size(n, label)
        rows = list(itertools.product(*grids))
        return _frame(factors, rows)
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(design["seed"])).random(design["samples"])
    return _frame_from_unit(factors, u)


def _base_points(factors) -> pd.DataFrame:
    return _frame(factors, [])


def _frame(factors, rows) -> pd.DataFrame:
    cols = {f.name: [r[j] for r in rows] for j, f in enumerate(factors)}
    return pd.DataFrame({f.name: pd.Series(cols[f.name], dtype=_dtype(f.type)) for f in factors})


def _frame_from_unit(factors, u) -> pd.DataFrame:
    """Design points from a (points x factors) array of [0, 1] coordinates."""
    return pd.DataFrame({f.name: pd.Series(f.from_unit(u[:, j]), dtype=_dtype(f.type))
                         for j, f in enumerate(factors)})


def _dtype(kind: str):
    return {"int": "int64", "float": "float64", "bool": "bool", "str": "object"}[kind]


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
    spec: object = None                 # sim.run.experiment.RunSpec (trustsim runs)
    window: tuple | None = None
    keep_timeseries: bool = False
    model: object = None                # a model function instead
    pass_seed: bool = False


def run_task(task: Task) -> dict:
    """Run one task in a worker; never raises for a failing run: returns its record with
    ``status`` "failed" and the error. (An exception that escapes, e.g. KeyboardInterrupt,
    means the run did not happen.)"""
    t0, c0 = time.perf_counter(), time.process_time()
    out = {"run": task.run, "point": task.point, "policy": task.policy, "replicate": task.replicate,
           "seed": task.seed, "status": "ok", "error": "", "worker": _worker_name(),
           "values": task.values, "outputs": {}, "timeseries": None}
    try:
        if task.model is not None:
            y = task.model(dict(task.values), seed=task.seed) if task.pass_seed else task.model(dict(task.values))
            out["outputs"] = _outputs_of(y)
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
        out["error"] = f"{type(err).__name__}: {' '.join(str(err).split()) or '(no message)'}"
        out["outputs"], out["timeseries"] = {}, None
    out["seconds"] = time.perf_counter() - t0
    out["cpu_seconds"] = time.process_time() - c0
    return out


@functools.cache
def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _outputs_of(y) -> dict:
    if isinstance(y, dict):
        return {str(k): float(x) for k, x in y.items()}
    return {"y": float(y)}


# ---------------------------------------------------------------------------------- the store
class SweepStore:
    """The results folder of one sweep: creation, resume, streaming writes (see the module doc)."""

    def __init__(self, folder, sweep: Sweep, *, chunk: int = 20, flush_seconds: float = 5.0):
        self.folder = Path(folder)
        self.sweep = sweep
        self.chunk = max(1, int(chunk))
        self.flush_seconds = float(flush_seconds)
        self.parts = self.folder / "parts"
        self.ts_parts = self.folder / "timeseries"
        self._buffer: list[dict] = []
        self._oldest = None
        self._lock_file = None
        self.done: set[int] = set()
        self.failed: set[int] = set()

    # ------------------------------------------------------------ opening
    def check(self) -> bool:
        """Refuse a folder holding something else; True if it holds this sweep (a resume).
        Reads only: nothing is written."""
        f = self.folder
        if f.exists() and not f.is_dir():
            raise UserError(f"--out {f}: exists and is not a folder")
        meta = f / "sweep.json"
        if meta.is_file():
            try:
                stored = json.loads(meta.read_text())
            except (OSError, ValueError) as err:
                raise UserError(f"--out {f}: sweep.json is unreadable ({err}); use a new folder") from None
            new = self.sweep.resolved()
            if stored.get("sha256") != sweep_hash(new):
                changed = _changed_keys(stored.get("resolved", {}), new)
                raise UserError(
                    f"--out {f}: holds the results of a different sweep (sha256 {str(stored.get('sha256'))[:12]} "
                    f"there, {sweep_hash(new)[:12]} now; changed: {', '.join(changed) or 'unknown'}); refusing to mix "
                    f"them: use a new --out folder, or restore the sweep file (a copy is in {meta})")
            return True
        if f.is_dir() and any(not p.name.startswith(".") for p in f.iterdir()):
            raise UserError(f"--out {f}: exists, is not empty and holds no sweep (no sweep.json); choose a new folder")
        return False

    def open(self) -> bool:
        """Create or reopen the folder, take the lock, clean up, load what is done. True on resume."""
        resume = self.check()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock()
        if not resume:
            self.parts.mkdir(exist_ok=True)
            if self.sweep.keep_timeseries:
                self.ts_parts.mkdir(exist_ok=True)
            design = self.sweep.points.copy()
            design.insert(0, "point", np.arange(len(design)))
            _atomic_write(self.folder / "design.csv", lambda p: design.to_csv(p, index=False))
            resolved = self.sweep.resolved()
            _atomic_write(self.folder / "sweep.json", lambda p: Path(p).write_text(
                json.dumps({"sha256": sweep_hash(resolved), "resolved": resolved, "source": self.sweep.source,
                            "raw": self.sweep.raw}, indent=2, default=str) + "\n"))
        self.parts.mkdir(exist_ok=True)
        self._clean()
        self._load_done()
        return resume

    def _lock(self):
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return
        fh = open(self.folder / ".lock", "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise UserError(f"--out {self.folder}: another sweep is writing this folder right now; wait for it "
                            "or choose another folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._lock_file = fh

    def _clean(self):
        """Delete temporary files of interrupted writes and time series parts whose run part
        never got its final name."""
        for d in (self.folder, self.parts, self.ts_parts):
            if d.is_dir():
                for p in d.glob(".tmp-*"):
                    p.unlink(missing_ok=True)
        if self.ts_parts.is_dir():
            committed = {p.name for p in self.parts.glob("part-*.parquet")}
            for p in self.ts_parts.glob("part-*.parquet"):
                if p.name not in committed:
                    p.unlink(missing_ok=True)

    def _load_done(self):
        import pyarrow.parquet as pq

        self.done, self.failed = set(), set()
        lines = []
        for part in sorted(self.parts.glob("part-*.parquet")):
            t = pq.read_table(part, columns=["run", "point", "policy", "replicate", "seed", "status", "error"])
            for row in t.to_pylist():
                if row["run"] in self.done:
                    raise UserError(f"--out {self.folder}: run {row['run']} appears in two parts (was the folder "
                                    "written by two sweeps at once?); start again in a new folder")
                self.done.add(row["run"])
                if row["status"] != "ok":
                    self.failed.add(row["run"])
                lines.append(_index_line(row, part.name))
        _atomic_write(self.folder / "index.jsonl", lambda p: Path(p).write_text("".join(lines)))

    # ------------------------------------------------------------ writing
    def add(self, result: dict):
        self._buffer.append(result)
        if self._oldest is None:
            self._oldest = time.monotonic()
        if len(self._buffer) >= self.chunk or time.monotonic() - self._oldest >= self.flush_seconds:
            self.flush()

    def flush(self):
        """Write the buffered runs as one part (time series first, then the summary part, which
        commits them), then append them to the index."""
        if not self._buffer:
            return
        rows, self._buffer, self._oldest = self._buffer, [], None
        name = f"part-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:12]}.parquet"
        if self.sweep.keep_timeseries:
            frames = [r["timeseries"] for r in rows if r["timeseries"] is not None]
            if frames:
                self.ts_parts.mkdir(exist_ok=True)
                ts = pd.concat(frames, ignore_index=True)
                _atomic_write(self.ts_parts / name, lambda p: ts.to_parquet(p, index=False))
        df = self.frame(rows)
        _atomic_write(self.parts / name, lambda p: df.to_parquet(p, index=False))
        with open(self.folder / "index.jsonl", "a") as fh:
            fh.write("".join(_index_line(r, name) for r in rows))
        for r in rows:
            self.done.add(r["run"])
            if r["status"] != "ok":
                self.failed.add(r["run"])

    def frame(self, rows) -> pd.DataFrame:
        """Result dicts as part rows: identity, status, design values, summary measures."""
        outputs = list(dict.fromkeys(k for r in rows for k in r["outputs"]))
        if self.sweep.scenario is not None:
            from sim.core.measures import MEASURES

            outputs = list(dict.fromkeys([*MEASURES, *CUMULATIVE, "public_cost_cumulative", *outputs]))
        data = {c: [r[c] for r in rows] for c in ID_COLUMNS}
        df = pd.DataFrame(data).astype({"run": "int64", "point": "int64", "replicate": "int64", "seed": "int64",
                                        "seconds": "float64", "cpu_seconds": "float64"})
        for f in self.sweep.factors:
            df[f.name] = pd.Series([r["values"][f.name] for r in rows], dtype=_dtype(f.type))
        for k in outputs:
            df[k] = np.array([r["outputs"].get(k, np.nan) for r in rows], dtype=float)
        return df

    def close(self):
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # ------------------------------------------------------------ reading
    def read_runs(self) -> pd.DataFrame:
        return read_parts(self.parts)


def _index_line(row: dict, part: str) -> str:
    d = {k: row[k] for k in ("run", "point", "policy", "replicate", "seed", "status")}
    if row.get("status") != "ok":
        d["error"] = row.get("error", "")
    d["part"] = part
    return json.dumps(d) + "\n"


def _atomic_write(path: Path, write):
    """``write(tmp_path)``, fsync, then rename to ``path`` (readers never see a partial file)."""
    path = Path(path)
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _changed_keys(old: dict, new: dict) -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        if key in ("name", "description", "points_sha256", "n_points", "n_runs"):
            continue
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += [f"{key}.{k}" for k in _changed_keys(a, b)]
        elif json.dumps(a, sort_keys=True, default=str) != json.dumps(b, sort_keys=True, default=str):
            out.append("parameters" if key == "parameters" else key)
    if not out and old.get("points_sha256") != new.get("points_sha256"):
        out.append("design points")
    return out


def read_parts(folder) -> pd.DataFrame:
    """Every committed part of ``folder`` (``parts/`` or ``timeseries/``) as one frame, sorted by
    run (and step). Temporary files are never read."""
    files = sorted(Path(folder).glob("part-*.parquet"))
    if not files:
        return pd.DataFrame()
    df = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)
    keys = [k for k in ("run", "step") if k in df.columns]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def read_index(folder) -> pd.DataFrame:
    """``index.jsonl`` as a frame (a last line cut short by a kill is skipped)."""
    rows = []
    path = Path(folder) / "index.jsonl"
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
    return pd.DataFrame(rows)


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
        return read_parts(self.folder / "timeseries")

    def __repr__(self):
        r = self.manifest["runs"]
        return (f"SweepResults({self.manifest['sweep']!r}: {r['done']}/{r['total']} runs, {r['failed']} failed; "
                f"{self.folder})")


def default_out(sweep: Sweep, root="results") -> Path:
    return Path(root) / sweep.name


def make_sweep_evaluator(workers=None, scheduler=None) -> Evaluator:
    """``scheduler`` "local" or an address: a DaskEvaluator; else ``make_evaluator(workers)``."""
    if scheduler:
        from sim.run.evaluators import DaskEvaluator

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
    from tqdm.auto import tqdm

    if scheduler is not None and evaluator is None:
        from sim.run.evaluators import DaskEvaluator

        DaskEvaluator.check_address(scheduler)
    store = SweepStore(out if out is not None else default_out(sw), sw, chunk=chunk, flush_seconds=flush_seconds)
    store.check()  # refuse before starting workers
    if sw.scenario is not None and sw.scenario.rules:  # fail fast on a broken plug-in (this runs its code)
        from sim.core.plugins import load_plugin

        if load_plugin(sw.scenario.rules).sha256 != sw.scenario.rules_sha256:
            raise UserError(f"{sw.scenario.rules}: the plug-in file changed since the sweep file was read; run again")
    notes = _check_budgets(sw) if sw.scenario is not None and len(sw.policies) > 1 else []
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    extra_manifest = {**(extra_manifest or {}), "warnings": notes}
    own = evaluator is None
    evaluator = evaluator or make_sweep_evaluator(workers, scheduler)  # e.g. cannot connect: nothing written
    try:
        resume = store.open()
    except BaseException:
        if own:
            evaluator.close()
        raise
    session = {"started": now_iso(), "finished": None, "command": command, "evaluator": repr(evaluator),
               "workers": evaluator.workers, "resumed": resume, "done_before": len(store.done), "ran": 0, "ok": 0,
               "failed": 0, "not_run": 0, "interrupted": False}
    t0 = time.perf_counter()
    not_run_errors: list[str] = []
    try:
        _write_manifest(store, _manifest(store, session, extra_manifest))
        show = sys.stderr.isatty() if progress is None else bool(progress)
        todo = (r for r in range(sw.n_runs) if r not in store.done)
        batch = max(256, 16 * max(1, evaluator.workers))
        failed_before = len(store.failed)
        with tqdm(total=sw.n_runs, initial=len(store.done), desc=sw.name, unit="run", disable=not show,
                  file=sys.stderr, dynamic_ncols=True) as bar:
            bar.set_postfix(failed=failed_before, refresh=False)
            while True:
                runs = list(itertools.islice(todo, batch))
                if not runs:
                    break
                tasks = [sw.task(r) for r in runs]
                for index, result in evaluator.map_unordered(run_task, tasks):
                    if isinstance(result, BaseException):  # the run did not happen: retried on resume
                        session["not_run"] += 1
                        if len(not_run_errors) < 20:
                            not_run_errors.append(f"run {tasks[index].run}: {type(result).__name__}: {result}")
                        continue
                    store.add(result)
                    session["ran"] += 1
                    session["ok" if result["status"] == "ok" else "failed"] += 1
                    bar.set_postfix(failed=failed_before + session["failed"], refresh=False)
                    bar.update(1)
            store.flush()
    except BaseException:
        session["interrupted"] = True
        try:
            store.flush()
        finally:
            session.update(finished=now_iso(), wall_time_s=round(time.perf_counter() - t0, 3))
            _write_manifest(store, _manifest(store, session, extra_manifest, not_run_errors))
            store.close()
            if own:
                evaluator.close()
        raise
    if own:
        evaluator.close()
    session.update(finished=now_iso(), wall_time_s=round(time.perf_counter() - t0, 3))
    manifest = _manifest(store, session, extra_manifest, not_run_errors)
    try:
        runs = store.read_runs()
        points = None
        if manifest["runs"]["done"] == sw.n_runs:
            points = summarise_points(runs, sw)
            _atomic_write(store.folder / "runs.parquet", lambda p: runs.to_parquet(p, index=False))
            _atomic_write(store.folder / "points.csv", lambda p: points.to_csv(p, index=False))
        failed = runs[runs["status"] != "ok"] if len(runs) else runs
        if len(failed):
            _atomic_write(store.folder / "failed.csv", lambda p: failed.to_csv(p, index=False))
        _write_manifest(store, manifest)
    finally:
        store.close()
    return SweepResults(runs=runs, points=points, folder=store.folder, manifest=manifest,
                        not_run=session["not_run"])


def _check_budgets(sw: Sweep) -> list[str]:
    """The policies' budgets at the base parameters, checked as ``trustsim compare`` does."""
    from sim.run.experiment import budget_check, planned_budget

    s = sw.scenario
    check = budget_check(planned_budget(s), s.baseline, s.budget_tolerance, s.allow_unequal_budget)
    if not check["equal"] and not s.allow_unequal_budget:
        raise UserError([f"{s.source or s.name}: budgets differ (at the base parameters): {p}; make them equal or "
                         "set allow_unequal_budget = true" for p in check["problems"]])
    return [f"UNEQUAL BUDGETS (at the base parameters, allowed by allow_unequal_budget): {p}; differences between "
            "these policies mix the effect of the policy with that of the money" for p in check["problems"]]


def _manifest(store: SweepStore, session: dict, extra: dict | None = None, not_run_errors=()) -> dict:
    path = store.folder / "manifest.json"
    old = {}
    if path.is_file():
        try:
            old = json.loads(path.read_text())
        except ValueError:
            old = {}
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


def _write_manifest(store: SweepStore, manifest: dict):
    _atomic_write(store.folder / "manifest.json",
                  lambda p: Path(p).write_text(json.dumps(manifest, indent=2, default=str) + "\n"))


# ---------------------------------------------------------------------------------- summary
def output_columns(runs: pd.DataFrame, sw: Sweep) -> list[str]:
    skip = set(ID_COLUMNS) | set(sw.factor_names)
    return [c for c in runs.columns if c not in skip]


def summarise_points(runs: pd.DataFrame, sw: Sweep, confidence: float | None = None) -> pd.DataFrame:
    """One row per design point, policy and measure (point, then policy, then measure order):
    mean, sd and t interval across replicates, and the paired difference to the baseline policy
    (same replicate = same seed), as in a scenario's ``summary.csv`` (see :mod:`sim.run.experiment`);
    for trustsim runs also the cost per incident averted (:func:`sim.results.stats.ratio_interval`).
    Failed runs count as missing values."""
    confidence = CONFIDENCE if confidence is None else confidence
    n_pts, n_pol, n_rep = sw.n_points, len(sw.policies), sw.replicates
    outputs = output_columns(runs, sw)
    summarised = [m for m in outputs if m != "public_cost_cumulative"]
    b = sw.policies.index(sw.baseline)
    run_ids = runs["run"].to_numpy()

    def cube(column):
        a = np.full(sw.n_runs, np.nan)
        a[run_ids] = runs[column].to_numpy(dtype=float)
        return a.reshape(n_pts, n_pol, n_rep)

    blocks = {}
    for m in summarised:
        a = cube(m)
        level = t_intervals(a, confidence)
        diff = t_intervals(a - a[:, b:b + 1, :], confidence)
        blocks[m] = (*level, *diff)
    measures = list(summarised)
    if sw.scenario is not None:
        measures.append(RATIO)
        cost, inc = cube("public_cost_cumulative"), cube("incidents_cumulative")
        r = np.full((5, n_pts, n_pol), np.nan)
        for i in range(n_pts):
            for j in range(n_pol):
                if j != b:
                    x = ratio_interval(cost[i, j] - cost[i, b], inc[i, b] - inc[i, j], confidence)
                    r[:, i, j] = (x.mean, np.nan, x.low, x.high, x.n)
                else:
                    r[4, i, j] = 0
        nan = np.full((n_pts, n_pol), np.nan)
        blocks[RATIO] = (r[0], r[1], r[2], r[3], r[4], nan, nan, nan, nan, nan)
    n_m = len(measures)
    stat = {name: np.stack([blocks[m][k] for m in measures], axis=-1).reshape(-1)
            for k, name in enumerate(("mean", "sd", "ci_low", "ci_high", "n", "diff_mean", "diff_sd", "diff_ci_low",
                                      "diff_ci_high"))}
    point = np.repeat(np.arange(n_pts), n_pol * n_m)
    steps = sw.scenario.steps if sw.scenario is not None else None
    first, last = sw.scenario.window_steps if sw.scenario is not None else (None, None)
    windows = ["" if steps is None else f"1-{steps}" if m in (*CUMULATIVE, RATIO) else f"{first}-{last}"
               for m in measures]
    df = pd.DataFrame({"point": point})
    for name in sw.factor_names:
        df[name] = sw.points[name].to_numpy()[point]
    df["policy"] = np.tile(np.repeat(np.array(sw.policies, dtype=object), n_m), n_pts)
    df["measure"] = np.tile(np.array(measures, dtype=object), n_pts * n_pol)
    df["window"] = np.tile(np.array(windows, dtype=object), n_pts * n_pol)
    for name in ("mean", "sd", "ci_low", "ci_high", "n"):
        df[name] = stat[name]
    df["baseline"] = sw.baseline
    for name in ("diff_mean", "diff_sd", "diff_ci_low", "diff_ci_high"):
        df[name] = stat[name]
    df["n"] = df["n"].astype(int)
    return df[["point", *sw.factor_names, *SUMMARY_COLUMNS]]
