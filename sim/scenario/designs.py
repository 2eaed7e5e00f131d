"""Sweep designs: the swept parameters (:class:`Factor`, read from a sweep file's ``[parameters]``)
and the design points they make (a full grid, a Latin hypercube, or points of the unit cube
such as a SALib sample), as a frame with one column per parameter."""

from __future__ import annotations

import difflib
import itertools
import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.params import Params
from sim.errors import UserError
from sim.scenario.validator import MISSING, Validator

FACTOR_KEYS = ("values", "range", "levels")
MAX_LEVELS = 10_000
MAX_RUNS = 10_000_000


def check_size(n_runs: int, label: str):
    """Refuse a design of more than :data:`MAX_RUNS` runs (or grid points) in one line."""
    if n_runs > MAX_RUNS:
        raise UserError(f"{label}: design: expected at most {MAX_RUNS:,} runs (points x policies x replicates), "
                        f"got {n_runs:,}")


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


# ---------------------------------------------------------------------------------- reading
def read_factors(v: Validator, table, model_mode: bool, reserved=()) -> list[Factor]:
    """The ``[parameters]`` table as factors (problems recorded in ``v``). ``model_mode``: the
    parameters of a model function (any identifier not in ``reserved``), else sim.Params names."""
    if table is MISSING:
        v.err("parameters", "expected a table of parameters to vary ([parameters]), but it is missing")
        return []
    if not isinstance(table, dict) or not table:
        v.err("parameters", "expected a table with at least one parameter, e.g. negativity_bias = [2.0, 4.0, 8.0]")
        return []
    out = []
    for name, entry in table.items():
        path = f"parameters.{name}"
        if model_mode:
            if not (isinstance(name, str) and name.isidentifier()) or name in reserved:
                v.err(path, f"expected a parameter name of letters, digits and _ (not one of {', '.join(reserved)})")
                continue
            kind = None
        else:
            if name not in Params.names():
                v.err(path, "unknown parameter" + _did_you_mean(name, Params.names()))
                continue
            kind = Params.spec(name)["type"]
        if isinstance(entry, list):
            entry = {"values": entry}
        if not isinstance(entry, dict):
            v.err(path, "expected a list of values, { values = [...] } or { range = [low, high] }, "
                        f"got {entry!r}")
            continue
        v.known_keys(entry, FACTOR_KEYS, path)
        if ("values" in entry) == ("range" in entry):
            v.err(path, "expected exactly one of values = [...] or range = [low, high]")
            continue
        read = _values_factor if "values" in entry else _range_factor
        factor = read(v, name, kind, entry, path)
        if factor is not None:
            out.append(factor)
    return out


def _did_you_mean(name, known) -> str:
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _values_factor(v: Validator, name, kind, entry, path) -> Factor | None:
    n_before = len(v.problems)
    values = entry["values"]
    if not isinstance(values, list) or not values:
        v.err(f"{path}.values", f"expected a non-empty list, got {values!r}")
        return None
    for i, x in enumerate(values):
        problem = value_problem(name, kind, x)
        if problem:
            v.err(f"{path}.values[{i}]", problem)
    if len(v.problems) == n_before and len({json.dumps(x) for x in values}) < len(values):
        v.err(f"{path}.values", "expected distinct values, got a value twice")
    if "levels" in entry:
        v.err(f"{path}.levels", "expected levels only with a range (a list of values is its own levels)")
    if len(v.problems) != n_before:
        return None
    ftype = kind or type_of(values)
    if ftype is None:
        v.err(f"{path}.values", "expected values of one type (numbers, true/false or strings)")
        return None
    if ftype == "float":
        values = [float(x) for x in values]
    return Factor(name=name, type=ftype, values=tuple(values))


def _range_factor(v: Validator, name, kind, entry, path) -> Factor | None:
    n_before = len(v.problems)
    rng = entry["range"]
    ftype = kind or "float"
    if ftype not in ("int", "float"):
        v.err(f"{path}.range", f"expected values = [...] for a {'true/false' if ftype == 'bool' else 'text'} "
                               "parameter (a range needs numbers)")
        return None
    if not (isinstance(rng, list) and len(rng) == 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) and x == x for x in rng)):
        v.err(f"{path}.range", f"expected [low, high], two numbers, got {rng!r}")
        return None
    for bound, x in zip(("low", "high"), rng):
        problem = value_problem(name, kind, x)
        if problem:
            v.err(f"{path}.range", f"{bound} end: {problem}")
    if len(v.problems) == n_before and not rng[0] < rng[1]:
        v.err(f"{path}.range", f"expected low < high, got {rng!r}")
    levels = v.get(entry, "levels", path, kind="int", lo=2, hi=MAX_LEVELS, default=None)
    if (ftype == "int" and isinstance(levels, int) and len(v.problems) == n_before
            and levels > int(rng[1]) - int(rng[0]) + 1):
        v.err(f"{path}.levels", f"expected at most {int(rng[1]) - int(rng[0]) + 1} levels for an integer "
                                f"parameter in {rng!r}, got {levels}")
    if len(v.problems) != n_before:
        return None
    return Factor(name=name, type=ftype, lo=rng[0] if ftype == "int" else float(rng[0]),
                  hi=rng[1] if ftype == "int" else float(rng[1]), levels=levels)


def value_problem(name, kind, x) -> str | None:
    if kind is None:  # a model function's parameter: any number, true/false or text
        ok = isinstance(x, (bool, int, float, str)) and x == x
        return None if ok else f"expected a number, true/false or a string, got {x!r}"
    msgs = Params.check(name, x)
    return msgs[0].split(": ", 1)[1] if msgs else None


def type_of(values) -> str | None:
    if all(isinstance(x, bool) for x in values):
        return "bool"
    if all(isinstance(x, int) and not isinstance(x, bool) for x in values):
        return "int"
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in values):
        return "float"
    if all(isinstance(x, str) for x in values):
        return "str"
    return None


# ---------------------------------------------------------------------------------- points
def build_points(factors, design, label) -> pd.DataFrame:
    """The design points of a grid (every combination, last factor fastest) or of a Latin hypercube
    (``design["samples"]`` points, seeded by ``design["seed"]``)."""
    if design["kind"] == "grid":
        grids = [f.grid_values(design["levels"]) for f in factors]
        n = math.prod(len(g) for g in grids)
        check_size(n, label)
        rows = list(itertools.product(*grids))
        return frame(factors, rows)
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(design["seed"])).random(design["samples"])
    return frame_from_unit(factors, u)


def base_points(factors) -> pd.DataFrame:
    return frame(factors, [])


def frame(factors, rows) -> pd.DataFrame:
    cols = {f.name: [r[j] for r in rows] for j, f in enumerate(factors)}
    return pd.DataFrame({f.name: pd.Series(cols[f.name], dtype=dtype_of(f.type)) for f in factors})


def frame_from_unit(factors, u) -> pd.DataFrame:
    """Design points from a (points x factors) array of [0, 1] coordinates."""
    return pd.DataFrame({f.name: pd.Series(f.from_unit(u[:, j]), dtype=dtype_of(f.type))
                         for j, f in enumerate(factors)})


def dtype_of(kind: str):
    return {"int": "int64", "float": "float64", "bool": "bool", "str": "object"}[kind]


def plain(v):
    return v.item() if isinstance(v, np.generic) else v

