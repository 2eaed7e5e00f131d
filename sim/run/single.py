"""One simulation: its specification (:class:`RunSpec`) and the one function that runs it
(:func:`run_model`), used by scenarios, sweeps, the validation suite and ``trustsim run --preset``.

A spec names either a preset with parameter ``overrides`` (``TrustModel(preset, **overrides)``,
the preset's own interventions included) or full ``params`` (a scenario's resolved policy), plus
interventions, an optional rule plug-in, the seed, the number of steps and a time limit (a run
past it stops with one line, :class:`sim.core.timelimit.TimeLimitExceeded`). Specs are picklable
(evaluators send them to worker processes) and hashable (the validation suite keys its runs by
them); parameter mappings are stored as read-only dicts (:class:`FrozenDict`).
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.interventions import Intervention
from sim.core.model import TrustModel
from sim.core.params import ParamError, Params
from sim.core.plugins import Plugin, guard_model, load_plugin
from sim.core.timelimit import DEFAULT_TIME_LIMIT, run_time_limit
from sim.errors import UserError
from sim.results.data import RunData
from sim.storage.comparison import write_results_folder
from sim.storage.provenance import now_iso, provenance

ACTIVES = "actives"  # pseudo-column: number of active free citizens (active_fraction * citizens)


class FrozenDict(dict):
    """A read-only, hashable dict (a spec's parameters), equal to the dict with the same items."""

    __slots__ = ()

    def __hash__(self):
        return hash(tuple(sorted(self.items())))

    def __reduce__(self):
        return type(self), (dict(self),)

    def _read_only(self, *args, **kwargs):
        raise TypeError("a run's parameters are read-only: make a new RunSpec")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only


@dataclass(frozen=True)
class RunSpec:
    """One run: ``TrustModel(preset, rng=seed, params=Params(**params), interventions=...,
    **overrides).run(steps)``, with the rule plug-in ``rules`` if given.

    ``policy`` and ``replicate`` name the run in a scenario; ``columns`` are the series
    :func:`run_series` keeps (the validation suite's runs)."""

    seed: int
    steps: int = 100
    preset: str | None = None
    params: dict | None = None       # full parameters (sim.Params fields), or None: the preset's
    overrides: dict = None           # parameter overrides (on the preset, or on params)
    interventions: tuple = ()        # Intervention dicts, step order
    rules: str | None = None         # path of a rule plug-in (sim.core.plugins.load_plugin), or None
    rules_sha256: str | None = None  # if given, the plug-in file must still have this hash
    policy: str = ""
    replicate: int = 0
    columns: tuple = ()
    time_limit: float | None = None  # seconds of wall clock for the run; None: DEFAULT_TIME_LIMIT

    def __post_init__(self):
        object.__setattr__(self, "params", None if self.params is None else FrozenDict(self.params))
        object.__setattr__(self, "overrides", FrozenDict(self.overrides or {}))
        object.__setattr__(self, "interventions", tuple(self.interventions))
        object.__setattr__(self, "columns", tuple(self.columns))

    def __hash__(self):
        return hash((self.seed, self.steps, self.preset, self.params, self.overrides, self.rules, self.rules_sha256,
                     self.policy, self.replicate, self.columns, self.time_limit,
                     json.dumps(self.interventions, sort_keys=True, default=str)))

    @classmethod
    def make(cls, preset, seed, steps, columns=(ACTIVES,), **overrides) -> RunSpec:
        """A run of ``preset`` with parameter overrides (the validation suite's runs)."""
        return cls(seed=int(seed), steps=int(steps), preset=preset, overrides=overrides, columns=tuple(columns))

    @property
    def cost(self) -> float:
        """Rough relative cost, to start the longest runs first."""
        return self.steps * self.overrides.get("activation_batches", 1) ** 0.5

    def describe(self) -> str:
        if self.policy:
            return f"policy {self.policy!r} replicate {self.replicate} (seed {self.seed})"
        return f"preset {self.preset!r} (seed {self.seed}, {self.steps} steps)"


def build_model(spec: RunSpec) -> TrustModel:
    """The model of ``spec`` at step 0 (the plug-in, if any, is loaded here, in the worker, and
    its rules' outputs are checked as they are called: :func:`sim.core.plugins.guard_model`)."""
    rules = hooks = None
    if spec.rules:
        plugin = load_plugin(spec.rules)
        if spec.rules_sha256 and plugin.sha256 != spec.rules_sha256:
            raise UserError(f"{spec.rules}: the plug-in file changed since the scenario was read "
                            f"(sha256 {spec.rules_sha256[:12]} became {plugin.sha256[:12]}); run again")
        rules, hooks = plugin.rules, plugin.hooks
    params = Params(**spec.params) if spec.params is not None else None
    model = TrustModel(spec.preset, rng=spec.seed, params=params,
                       interventions=[Intervention.coerce(d) for d in spec.interventions], rules=rules, hooks=hooks,
                       **spec.overrides)
    if spec.rules:
        guard_model(model)  # idempotent: TrustModel may do it itself
    return model


def run_model(spec: RunSpec) -> TrustModel:
    """Build the model of ``spec`` and run it ``spec.steps`` steps: the one place a run happens.
    Building and running take at most ``spec.time_limit`` seconds (default
    :data:`~sim.core.timelimit.DEFAULT_TIME_LIMIT`, 3600), else one-line ``TimeLimitExceeded``."""
    with run_time_limit(spec.time_limit or DEFAULT_TIME_LIMIT):
        model = build_model(spec)
        model.run(spec.steps)
    return model


def run_spec(spec: RunSpec) -> tuple[pd.DataFrame, dict]:
    """Run ``spec``: its timeseries (columns ``policy, replicate, seed, step`` + every column of
    ``TrustModel.results``) and its final maps (``model.maps``)."""
    model = run_model(spec)
    df = model.results
    df.insert(0, "seed", spec.seed)
    df.insert(0, "replicate", spec.replicate)
    df.insert(0, "policy", spec.policy)
    return df, model.maps


def run_series(spec: RunSpec) -> dict:
    """Run ``spec`` keeping only its ``columns`` (:data:`ACTIVES`: the number of active citizens):
    ``{"series": {column: array}, "citizens", "seconds", "cpu_seconds"}``."""
    t0, c0 = time.perf_counter(), time.process_time()
    model = run_model(spec)
    df = model.results
    n = len(model.citizens)
    out = {}
    for col in spec.columns:
        if col == ACTIVES:
            out[col] = np.rint(df["active_fraction"].to_numpy() * n).astype(np.int64)
        else:
            out[col] = df[col].to_numpy()
    return {"series": out, "citizens": n, "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}


def run_timed(spec: RunSpec) -> tuple[pd.DataFrame, dict, float]:
    """:func:`run_spec` and its wall time in seconds."""
    t0 = time.perf_counter()
    df, maps = run_spec(spec)
    return df, maps, time.perf_counter() - t0


def run_single(spec: RunSpec, *, out=None, command: str = "run") -> RunData:
    """One run of a preset (``trustsim run --preset``): timeseries with ``preset, seed`` columns,
    maps and manifest; written to the new folder ``out`` when given."""
    started, t0 = now_iso(), time.perf_counter()
    model = run_model(spec)
    wall = time.perf_counter() - t0
    df = model.results
    df.insert(0, "seed", spec.seed)
    df.insert(0, "preset", spec.preset)
    manifest = {
        "command": command, "preset": spec.preset, "seed": spec.seed, "steps": spec.steps,
        "params": model.p.to_dict(), "interventions": [iv.to_dict() for iv in model.interventions],
        "started": started, "wall_time_s": round(wall, 3), **provenance(),
    }
    data = RunData(df, model.maps, manifest)
    if out is not None:
        write_results_folder(Path(out), df, manifest, model.maps)
    return data


def check_plugin(plugin: Plugin, steps: int = 3, preset: str = "mixed", time_limit: float | None = 60.0) -> None:
    """Run a small model (24 x 24, ``preset``) with the plug-in for a few steps, at most
    ``time_limit`` seconds: a failure in the plug-in's code, a bad rule output (wrong shape, NaN,
    out of range: :func:`sim.core.plugins.guard_model`) or a run past the time limit becomes one
    :class:`UserError` line naming the file, the line or rule and the error. Callers run it before
    anything else (``trustsim app --rules``, ``trustsim compare --rules``, scenarios with ``rules``)."""
    try:
        with run_time_limit(time_limit):
            model = TrustModel(preset=preset, rng=0, width=24, height=24, rules=plugin.rules, hooks=plugin.hooks)
            guard_model(model)  # idempotent: TrustModel does it too
            model.run(steps)
    except (UserError, ParamError):
        raise
    except Exception as err:  # the plug-in's code failed: say where, in one line
        frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == Path(plugin.path)]
        where = f"{plugin.name} line {frames[-1].lineno} (in {frames[-1].name})" if frames else plugin.name
        message = " ".join(str(err).split()) or "(no message)"
        raise UserError(f"{where}: the plug-in failed in a test run ({preset}, {steps} steps): "
                        f"{type(err).__name__}: {message}") from None
