"""Scenario files: TOML in, a validated and fully resolved :class:`Scenario` out.

A scenario says what to compare: a base (preset + parameter overrides), the policies, how
many replicates and steps, a base seed, and interventions in time. Nothing in a scenario file
is executed (it is read with :mod:`tomllib`); a rule plug-in named by ``rules`` is only run
later, by the runs themselves.

Schema (every key; the shipped files in ``experiments/`` carry the same notes as comments)::

    name = "compare-policies"    # required; letters, digits, - _ . (names the results folder)
    description = "..."          # optional free text
    steps = 300                  # required; steps (days) per run, 1..100000
    replicates = 10              # required; runs per policy, 1..10000 (>= 2 for intervals)
    seed = 20240501              # required; base seed >= 0 (replicate r: see replicate_seed)
    baseline = "reactive"        # optional; the policy differences are taken against
                                 #   (default: "reactive" if a policy has that name, else the first)
    window = 0.25                # optional; summary window: the last fraction of the run (0, 1]
    rules = "my_rules.py"        # optional; a rule plug-in, relative to the scenario file
    allow_unequal_budget = false # optional; true: run even if budgets differ (warns loudly)
    budget_tolerance = 0.01      # optional; largest relative gap in budget spent per step, [0, 1]
    time_limit = 3600            # optional; seconds one run may take (wall clock), > 0; a run past
                                 #   it stops with one line (default DEFAULT_TIME_LIMIT, 3600)

    [base]                       # optional; what every policy shares
    preset = "reactive"          #   optional; any preset name (sim.PRESETS)
    [base.params]                #   optional; parameter overrides (sim.Params names)
    width = 60

    [[policies]]                 # required, at least one; names unique (also without regard to case)
    name = "mixed"               #   required; letters, digits, - _ .
    description = "..."          #   optional
    preset = "mixed"             #   optional; a policy preset: takes its budget split
    budget_shares = { officers = 0.7, support = 0.2, welfare = 0.05, awareness = 0.05 }
                                 #   optional; must sum to 1 (a missing share is 0); Params.share_*
    proximity_fraction = 0.5     #   optional; fraction of officers in proximity mode
    [policies.params]            #   optional; any other parameter overrides for this policy
    [[policies.interventions]]   #   optional; interventions for this policy only (same keys as below)

    [[interventions]]            # optional; for every policy
    step = 150                   #   required; takes effect before step `step` runs, 1..steps
    set = { budget_per_cell = 0.03 }  # optional; parameter changes (not width, height, citizen_density)
    policy = "proximity"         #   optional; switch to a policy preset's budget split
    shock = { trust = -0.2 }     #   optional; add to every citizen's trust and/or hardship, [-1, 1]
                                 #   (each intervention needs at least one of set, policy, shock)

Each policy's parameters are layered, later winning: the base preset, ``[base.params]``, the
policy preset's budget split (``sim.core.params.POLICY_FIELDS``), ``budget_shares``,
``proximity_fraction``, ``[policies.params]``. Its interventions are, in step order (ties in
this order): those of the base preset (Epstein's time-varying runs; those after the last step
are dropped), ``[[interventions]]``, then the policy's own.

Validation reports every problem at once, one line each, as ``FILE: key.path: expected ...``
(for example ``compare.toml: policies[2].budget_shares.officers: expected a number in [0, 1],
got 'half'``), with close matches for unknown keys; :func:`load_scenario` raises them together
as one :class:`sim.errors.UserError`.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.core.interventions import Intervention
from sim.core.params import POLICY_FIELDS, ParamError, Params
from sim.core.presets import POLICY_PRESETS, PRESETS
from sim.core.timelimit import check_time_limit
from sim.errors import UserError
from sim.scenario.limits import MAX_SEED, MAX_STEPS, case_clashes, read_toml_bounded
from sim.scenario.validator import INTERVENTION_KEYS, MISSING, NAME_PATTERN, Validator, choice_message

TOP_KEYS = ("name", "description", "steps", "replicates", "seed", "baseline", "window", "rules",
            "allow_unequal_budget", "budget_tolerance", "time_limit", "base", "policies", "interventions")
BASE_KEYS = ("preset", "params")
POLICY_KEYS = ("name", "description", "preset", "budget_shares", "proximity_fraction", "params", "interventions")
SHARE_FIELDS = {"officers": "share_officers", "support": "share_support", "welfare": "share_welfare",
                "awareness": "share_awareness"}

MAX_REPLICATES = 10_000
DEFAULT_BASELINE = "reactive"
DEFAULT_WINDOW = 0.25
DEFAULT_BUDGET_TOLERANCE = 0.01
__all__ = ["BASE_KEYS", "INTERVENTION_KEYS", "POLICY_KEYS", "TOP_KEYS", "MAX_SEED", "MAX_STEPS", "MAX_REPLICATES",
           "PolicySpec", "Scenario", "load_scenario", "read_toml", "replicate_seed", "resolve"]


def replicate_seed(base_seed: int, replicate: int) -> int:
    """The seed of replicate ``r``, the same for every policy (common random numbers):
    ``np.random.SeedSequence([base_seed, r]).generate_state(1)[0]`` (a 32-bit integer).
    TrustModel spawns its per-purpose streams from it, so replicate r of every policy starts
    from the same citizens."""
    return int(np.random.SeedSequence([int(base_seed), int(replicate)]).generate_state(1)[0])


@dataclass(frozen=True)
class PolicySpec:
    """One resolved policy: its full parameters and its interventions (dicts, step order)."""

    name: str
    params: dict
    interventions: tuple = ()
    preset: str | None = None
    description: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "preset": self.preset, "description": self.description,
                "params": dict(self.params), "interventions": [dict(iv) for iv in self.interventions]}


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with every policy resolved to full parameters."""

    name: str
    steps: int
    replicates: int
    seed: int
    policies: tuple
    baseline: str
    window: float = DEFAULT_WINDOW
    description: str = ""
    rules: str | None = None            # absolute path of the rule plug-in
    rules_sha256: str | None = None
    allow_unequal_budget: bool = False
    budget_tolerance: float = DEFAULT_BUDGET_TOLERANCE
    time_limit: float | None = None     # seconds per run (None: sim.core.timelimit.DEFAULT_TIME_LIMIT)
    source: str | None = None           # the file it came from, if any
    raw: dict = field(default_factory=dict, compare=False)  # the input (rules path made absolute)
    label: str = field(default="<scenario>", compare=False)  # how messages name it (the path as given)

    @property
    def policy_names(self) -> list[str]:
        return [p.name for p in self.policies]

    def policy(self, name: str) -> PolicySpec:
        return next(p for p in self.policies if p.name == name)

    @property
    def seeds(self) -> list[int]:
        return [replicate_seed(self.seed, r) for r in range(self.replicates)]

    @property
    def window_steps(self) -> tuple[int, int]:
        """First and last step (inclusive) of the summary window: the last
        ``max(1, round(window * steps))`` steps."""
        n = max(1, int(round(self.window * self.steps)))
        return self.steps - n + 1, self.steps

    def to_dict(self) -> dict:
        first, last = self.window_steps
        return {
            "name": self.name, "description": self.description, "steps": self.steps,
            "replicates": self.replicates, "seed": self.seed, "baseline": self.baseline,
            "window": self.window, "window_steps": [first, last],
            "rules": None if self.rules is None else {"path": self.rules, "sha256": self.rules_sha256},
            "allow_unequal_budget": self.allow_unequal_budget, "budget_tolerance": self.budget_tolerance,
            "time_limit": self.time_limit, "source": self.source, "policies": [p.to_dict() for p in self.policies],
        }


# ---------------------------------------------------------------------------------- loading
def read_toml(source, what: str) -> tuple[dict, Path]:
    """The table of a TOML file and its resolved path; a missing, unreadable, binary, too large,
    too deeply nested or malformed file is a one-line UserError naming it (``what``: "scenario",
    "sweep"). The size and nesting are bounded before parsing
    (:func:`sim.scenario.limits.read_toml_bounded`)."""
    if not isinstance(source, (str, Path)):
        raise UserError(f"{what}: expected the path of a .toml file, got {type(source).__name__}")
    return read_toml_bounded(Path(source), what)


def load_scenario(source, *, overrides: dict | None = None) -> Scenario:
    """A :class:`Scenario` from a TOML file path, a TOML-like dict, or a Scenario (returned as is
    unless ``overrides`` are given). ``overrides`` (e.g. ``{"replicates": 3}``) replace top-level
    keys before validation. Raises :class:`UserError` listing every problem."""
    if isinstance(source, Scenario):
        if not overrides:
            return source
        return resolve(source.raw, label=source.label, base_dir=None, overrides=overrides, source=source.source)
    if isinstance(source, dict):
        return resolve(source, label="<scenario>", base_dir=Path.cwd(), overrides=overrides)
    if isinstance(source, (str, Path)):
        raw, path = read_toml(source, "scenario")
        return resolve(raw, label=str(source), base_dir=path.parent, overrides=overrides, source=str(path))
    raise UserError(f"scenario: expected a path to a .toml file or a dict, got {type(source).__name__}")


def resolve(raw: dict, *, label: str = "<scenario>", base_dir: Path | None = None, overrides: dict | None = None,
            source: str | None = None) -> Scenario:
    """Validate ``raw`` (the parsed TOML) and resolve it; every problem in one UserError."""
    raw = copy.deepcopy(raw)
    if overrides:
        raw.update({k: v for k, v in overrides.items() if v is not None})
    v = Validator(label)
    if not isinstance(raw, dict):
        v.err("(top)", "expected a table")
        raise UserError(v.problems)
    v.known_keys(raw, TOP_KEYS, "")
    top = _top_keys(v, raw)
    steps_ok = top["steps"] if isinstance(top["steps"], int) else None
    rules_path = rules_hash = None
    if isinstance(top["rules"], str):
        rules_path, rules_hash = _check_rules(v, top["rules"], base_dir)
        if rules_path is not None:
            raw["rules"] = rules_path
    base_params, base_problems, preset_ivs = _base(v, raw, steps_ok)
    global_ivs = v.interventions(raw.get("interventions", MISSING), "interventions", steps_ok)
    policies, names = _policies(v, raw, base_params, base_problems, preset_ivs, global_ivs, steps_ok)
    baseline = _baseline(v, top["baseline"], names)
    if v.problems:
        raise UserError(v.problems)
    return Scenario(name=top["name"], description=top["description"], steps=top["steps"],
                    replicates=top["replicates"], seed=top["seed"], policies=tuple(policies), baseline=baseline,
                    window=float(top["window"]), rules=rules_path, rules_sha256=rules_hash,
                    allow_unequal_budget=top["allow_unequal_budget"], budget_tolerance=float(top["budget_tolerance"]),
                    time_limit=top["time_limit"], source=source, raw=raw, label=label)


def _top_keys(v: Validator, raw: dict) -> dict:
    """The top-level scalar keys, checked (None where a problem was recorded)."""
    return {
        "name": v.get(raw, "name", "", kind="name"),
        "description": v.get(raw, "description", "", kind="str", default=""),
        "steps": v.get(raw, "steps", "", kind="int", lo=1, hi=MAX_STEPS),
        "replicates": v.get(raw, "replicates", "", kind="int", lo=1, hi=MAX_REPLICATES),
        "seed": v.get(raw, "seed", "", kind="int", lo=0, hi=MAX_SEED),
        "window": v.get(raw, "window", "", kind="float", lo=0.0, hi=1.0, default=DEFAULT_WINDOW, open_lo=True),
        "allow_unequal_budget": v.get(raw, "allow_unequal_budget", "", kind="bool", default=False),
        "budget_tolerance": v.get(raw, "budget_tolerance", "", kind="float", lo=0.0, hi=1.0,
                                  default=DEFAULT_BUDGET_TOLERANCE),
        "baseline": v.get(raw, "baseline", "", kind="str", default=None),
        "rules": v.get(raw, "rules", "", kind="str", default=None),
        "time_limit": _time_limit(v, raw),
    }


def _time_limit(v: Validator, raw: dict) -> float | None:
    """``time_limit`` (seconds per run, > 0), or None when absent or after recording a problem."""
    try:
        return check_time_limit(raw.get("time_limit"))
    except UserError as err:
        v.err("time_limit", err.problems[0].removeprefix("time_limit: "))
        return None


def _base(v: Validator, raw: dict, steps: int | None) -> tuple[dict, list[str], list[dict]]:
    """The ``[base]`` table: the parameters every policy starts from, the problems of those
    parameters taken together, and the base preset's interventions up to ``steps``."""
    base = v.get(raw, "base", "", kind="table", default={})
    base_preset, base_params_raw = None, {}
    if isinstance(base, dict):
        v.known_keys(base, BASE_KEYS, "base")
        base_preset = v.get(base, "preset", "base", kind="str", default=None)
        if base_preset is not None and base_preset not in PRESETS:
            v.err("base.preset", choice_message(base_preset, list(PRESETS), "a preset name"))
            base_preset = None
        base_params_raw = v.get(base, "params", "base", kind="table", default={}) or {}
        base_params_raw = v.params(base_params_raw, "base.params")
    base_params = dict(PRESETS[base_preset].params) if base_preset else {}
    base_params.update(base_params_raw)
    base_problems = _cross_problems(base_params) if not v.problems_under("base") else []
    preset_ivs = []
    if base_preset:
        for step, changes in PRESETS[base_preset].interventions:
            if steps is None or step <= steps:
                preset_ivs.append(Intervention(step=step, set=dict(changes)).to_dict())
    return base_params, base_problems, preset_ivs


def _policies(v: Validator, raw, base_params, base_problems, preset_ivs, global_ivs, steps):
    """The ``[[policies]]``, resolved: (PolicySpecs, names in file order, None for a bad name)."""
    policies_raw = v.get(raw, "policies", "", kind="tables")
    policies, names, crossed = [], [], {}
    if not isinstance(policies_raw, list):
        return policies, names
    if not policies_raw:
        v.err("policies", "expected at least one [[policies]] table, got an empty list")
    for i, pol in enumerate(policies_raw):
        path = f"policies[{i}]"
        pname = v.get(pol, "name", path, kind="name")
        if isinstance(pname, str) and NAME_PATTERN.match(pname):
            if pname in names:
                v.err(f"{path}.name", f"expected a unique policy name, got {pname!r} again "
                                      f"(also policies[{names.index(pname)}])")
            names.append(pname)
        else:
            names.append(None)
        spec, cross = _policy(v, pol, path, pname, base_params, preset_ivs, global_ivs, steps)
        if spec is not None:
            policies.append(spec)
        if cross:
            crossed[path] = cross
    for first, later in case_clashes(names):
        if names[first] != names[later]:       # exact repeats are reported above
            v.err(f"policies[{later}].name", f"expected a policy name unique without regard to case, got "
                                              f"{names[later]!r} (policies[{first}] is {names[first]!r})")
    # a problem of the base shared by every policy is reported once, at base
    shared = [m for m in base_problems if len(crossed) == len(policies_raw) and all(m in c for c in crossed.values())]
    for msg in shared:
        v.err("base", msg)
    for path, cross in crossed.items():
        for msg in cross:
            if msg not in shared:
                v.err(path, msg)
    return policies, names


def _baseline(v: Validator, baseline, names) -> str | None:
    good_names = list(dict.fromkeys(n for n in names if n))
    if baseline is None:
        return DEFAULT_BASELINE if DEFAULT_BASELINE in good_names else (good_names[0] if good_names else None)
    if isinstance(baseline, str) and good_names and baseline not in good_names:
        v.err("baseline", choice_message(baseline, good_names, "the name of one of the policies"))
    return baseline


def _policy(v, pol, path, pname, base_params, preset_ivs, global_ivs, steps):
    """Resolve one policy. Returns (PolicySpec or None, cross-parameter problems not yet recorded)."""
    if not isinstance(pol, dict):
        return None, []
    n_before = len(v.problems)
    v.known_keys(pol, POLICY_KEYS, path)
    description = v.get(pol, "description", path, kind="str", default="")
    preset = v.get(pol, "preset", path, kind="str", default=None)
    params = dict(base_params)
    if isinstance(preset, str):
        if preset in POLICY_PRESETS:
            params.update({k: PRESETS[preset].params[k] for k in POLICY_FIELDS})
        else:
            v.err(f"{path}.preset", choice_message(preset, list(POLICY_PRESETS), "a policy preset "
                                                    "(other presets go in [base])"))
    shares = v.get(pol, "budget_shares", path, kind="table", default=None)
    own = {}
    if isinstance(shares, dict):
        n_known = len(v.problems)
        v.known_keys(shares, tuple(SHARE_FIELDS), f"{path}.budget_shares")
        typo = len(v.problems) > n_known  # an unknown share: its sum would only repeat the problem
        values = {}
        for key in SHARE_FIELDS:
            x = v.get(shares, key, f"{path}.budget_shares", kind="float", lo=0.0, hi=1.0, default=0.0)
            if x is not None:
                values[key] = float(x)
        if not typo and len(values) == len(SHARE_FIELDS) and abs(sum(values.values()) - 1.0) > 1e-6:
            v.err(f"{path}.budget_shares", "expected officers + support + welfare + awareness = 1 "
                                           f"(a missing share is 0), got a sum of {sum(values.values()):g}")
        own.update({SHARE_FIELDS[k]: x for k, x in values.items()})
    prox = v.get(pol, "proximity_fraction", path, kind="float", lo=0.0, hi=1.0, default=None)
    if prox is not None:
        own["proximity_fraction"] = prox
    pparams = v.get(pol, "params", path, kind="table", default={}) or {}
    pparams = v.params(pparams, f"{path}.params")
    for k in pparams:
        if k in own:
            where = "proximity_fraction" if k == "proximity_fraction" else "budget_shares"
            v.err(f"{path}.params.{k}", f"expected to be set once, but {path}.{where} sets it too")
    params.update(own)
    params.update(pparams)
    own_ivs = v.interventions(pol.get("interventions", MISSING), f"{path}.interventions", steps)
    if len(v.problems) > n_before:
        return None, []
    cross = _cross_problems(params)
    if cross:
        return None, cross
    ivs = sorted([*preset_ivs, *global_ivs, *own_ivs], key=lambda d: d["step"])
    full = Params(**params)
    v.interventions_consistent(full, ivs, path)
    if len(v.problems) > n_before:
        return None, []
    return PolicySpec(name=pname, params=full.to_dict(), interventions=tuple(ivs),
                      preset=preset if preset in POLICY_PRESETS else None, description=description), []


def _cross_problems(params: dict) -> list[str]:
    """Problems of a full parameter set that no single key shows (sums, grid size vs radii)."""
    try:
        Params(**params)
    except ParamError as err:
        return list(err.problems)
    return []


def _check_rules(v, rules: str, base_dir: Path | None):
    if not rules.endswith(".py"):
        v.err("rules", f"expected the path of a Python file ending in .py, got {rules!r}")
        return None, None
    path = Path(rules)
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    if not path.is_file():
        v.err("rules", f"expected an existing file (relative to the scenario file), got {rules!r} "
                       f"(looked for {path})")
        return None, None
    return str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest()
