"""Sweep files: a scenario file plus the parameters to vary and a design (the schema is in
:mod:`sim.run.sweep` and ``docs/sweeps.md``), read into a validated :class:`Sweep` with its design
points (:mod:`sim.scenario.designs`). Nothing here runs a simulation.

Run ``run`` of a sweep is design point ``point``, policy ``policy`` (file order) and replicate
``replicate``, numbered point by point, then policy, then replicate; its seed is
:func:`run_seed`.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.scenario.designs import (
    MAX_LEVELS,
    MAX_RUNS,
    base_points,
    build_points,
    check_size,
    plain,
    read_factors,
)
from sim.scenario.files import TOP_KEYS as SCENARIO_KEYS
from sim.scenario.files import Scenario, read_toml
from sim.scenario.files import resolve as resolve_scenario
from sim.scenario.limits import MAX_SEED
from sim.scenario.validator import MISSING, Validator

SWEEP_KEYS = ("parameters", "design", "keep_timeseries", "remainder_to")
TOP_KEYS = (*SCENARIO_KEYS, *SWEEP_KEYS)
MODEL_TOP_KEYS = ("name", "description", "seed", "replicates", "parameters", "design")
DESIGN_KEYS = ("kind", "samples", "levels", "seed", "common_seeds")
DESIGN_KINDS = ("grid", "lhs")
SHARES = ("share_officers", "share_support", "share_welfare", "share_awareness")
ID_COLUMNS = ("run", "point", "policy", "replicate", "seed", "status", "error", "seconds", "cpu_seconds", "worker")
SEED_RULE = ("seed of a run = numpy.random.SeedSequence([seed, point, replicate]).generate_state(1)[0] "
             "([seed, replicate] with common_seeds), the same for every policy of a design point")
FORMAT = 1
MODEL_POLICY = "model"


def run_seed(seed: int, point: int, replicate: int, common_seeds: bool = False) -> int:
    """The seed of replicate ``replicate`` at design point ``point`` (every policy)."""
    key = [int(seed), int(replicate)] if common_seeds else [int(seed), int(point), int(replicate)]
    return int(np.random.SeedSequence(key).generate_state(1)[0])


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
        return {name: plain(col[int(point)]) for name, col in self._columns.items()}

    @functools.cached_property
    def _columns(self) -> dict:
        return {name: self.points[name].to_numpy() for name in self.factor_names}

    def with_points(self, points: pd.DataFrame, design: dict) -> Sweep:
        """The same sweep on other design points (e.g. a sensitivity sample)."""
        points = points.reset_index(drop=True)
        check_size(len(points) * len(self.policies) * self.replicates, self.source or self.name)
        return dataclasses.replace(self, points=points, design=dict(design))

    # ------------------------------------------------------------ identity of the results
    def resolved(self) -> dict:
        """Everything that decides the runs' results (plus name and description), JSON-ready."""
        scen = None
        if self.scenario is not None:
            scen = self.scenario.to_dict()
            for key in ("name", "description", "source", "time_limit"):   # these do not change results
                scen.pop(key, None)
            if scen.get("rules"):
                scen["rules"] = {"sha256": scen["rules"]["sha256"], "file": Path(scen["rules"]["path"]).name}
            for pol in scen["policies"]:
                pol.pop("description", None)
        return {
            "format": FORMAT, "name": self.name, "description": self.description,
            "kind": "trustsim" if self.model is None else "function",
            "model": None if self.model is None else qualname(self.model),
            "seed": self.seed, "replicates": self.replicates, "keep_timeseries": self.keep_timeseries,
            "remainder_to": self.remainder_to, "design": self.design,
            "parameters": [f.to_dict() for f in self.factors],
            "n_points": self.n_points, "n_runs": self.n_runs, "points_sha256": points_hash(self.points),
            "scenario": scen,
        }

    @property
    def sha256(self) -> str:
        return sweep_hash(self.resolved())


def sweep_hash(resolved: dict) -> str:
    """sha256 of a resolved sweep, leaving out what does not change results (name, description)."""
    keep = {k: v for k, v in resolved.items() if k not in ("name", "description")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


def points_hash(points: pd.DataFrame) -> str:
    data = {c: [plain(v) for v in points[c]] for c in points.columns}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def qualname(fn) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '_qualname__', type(fn).__name__)}"


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
    raw = copy.deepcopy(raw)
    v = Validator(label)
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

    factors = read_factors(v, raw.get("parameters", MISSING), model is not None, reserved=ID_COLUMNS)
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

    points = build_points(factors, design, label) if not for_sensitivity else base_points(factors)
    sweep = Sweep(name=name, seed=seed, replicates=replicates, factors=tuple(factors), design=design, points=points,
                  scenario=scenario, keep_timeseries=bool(keep_ts), remainder_to=remainder, model=model,
                  description=description or "", source=source, raw=raw)
    check_size(sweep.n_runs, label)
    return sweep


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

