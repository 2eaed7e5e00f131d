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

    [base]                       # optional; what every policy shares
    preset = "reactive"          #   optional; any preset name (sim.PRESETS)
    [base.params]                #   optional; parameter overrides (sim.Params names)
    width = 60

    [[policies]]                 # required, at least one; names unique
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
import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.core.interventions import FIXED_DURING_RUN, SHOCK_KINDS, Intervention
from sim.core.params import POLICY_FIELDS, ParamError, Params
from sim.core.presets import POLICY_PRESETS, PRESETS
from sim.errors import UserError

TOP_KEYS = ("name", "description", "steps", "replicates", "seed", "baseline", "window", "rules",
            "allow_unequal_budget", "budget_tolerance", "base", "policies", "interventions")
BASE_KEYS = ("preset", "params")
POLICY_KEYS = ("name", "description", "preset", "budget_shares", "proximity_fraction", "params", "interventions")
INTERVENTION_KEYS = ("step", "set", "policy", "shock")
SHARE_FIELDS = {"officers": "share_officers", "support": "share_support", "welfare": "share_welfare",
                "awareness": "share_awareness"}

MAX_STEPS = 100_000
MAX_REPLICATES = 10_000
MAX_SEED = 2**63 - 1
DEFAULT_BASELINE = "reactive"
DEFAULT_WINDOW = 0.25
DEFAULT_BUDGET_TOLERANCE = 0.01
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NAME_WORDS = "a name of letters, digits, '-', '_' or '.' (at most 64, starting with a letter or digit)"

_MISSING = object()


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
            "source": self.source, "policies": [p.to_dict() for p in self.policies],
        }


# ---------------------------------------------------------------------------------- loading
def read_toml(source, what: str) -> tuple[dict, Path]:
    """The table of a TOML file and its resolved path; a missing, unreadable or malformed file is
    a one-line UserError naming it (``what``: "scenario", "sweep")."""
    path, label = Path(source), str(source)
    if not path.is_file():
        raise UserError(f"{label}: no such {what} file" if not path.exists() else f"{label}: not a file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), path.resolve()
    except UnicodeDecodeError:
        raise UserError(f"{label}: expected a UTF-8 text file (TOML)") from None
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"{label}: invalid TOML: {err}") from None


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
    v = _Validator(label)
    if not isinstance(raw, dict):
        v.err("(top)", "expected a table")
        raise UserError(v.problems)
    v.known_keys(raw, TOP_KEYS, "")
    name = v.get(raw, "name", "", kind="name")
    description = v.get(raw, "description", "", kind="str", default="")
    steps = v.get(raw, "steps", "", kind="int", lo=1, hi=MAX_STEPS)
    replicates = v.get(raw, "replicates", "", kind="int", lo=1, hi=MAX_REPLICATES)
    seed = v.get(raw, "seed", "", kind="int", lo=0, hi=MAX_SEED)
    window = v.get(raw, "window", "", kind="float", lo=0.0, hi=1.0, default=DEFAULT_WINDOW, open_lo=True)
    allow_unequal = v.get(raw, "allow_unequal_budget", "", kind="bool", default=False)
    tolerance = v.get(raw, "budget_tolerance", "", kind="float", lo=0.0, hi=1.0, default=DEFAULT_BUDGET_TOLERANCE)
    baseline = v.get(raw, "baseline", "", kind="str", default=None)
    rules = v.get(raw, "rules", "", kind="str", default=None)
    steps_ok = steps if isinstance(steps, int) else None

    rules_path = rules_hash = None
    if isinstance(rules, str):
        rules_path, rules_hash = _check_rules(v, rules, base_dir)
        if rules_path is not None:
            raw["rules"] = rules_path

    # base
    base = v.get(raw, "base", "", kind="table", default={})
    base_preset, base_params_raw = None, {}
    if isinstance(base, dict):
        v.known_keys(base, BASE_KEYS, "base")
        base_preset = v.get(base, "preset", "base", kind="str", default=None)
        if base_preset is not None and base_preset not in PRESETS:
            v.err("base.preset", _choice_message(base_preset, list(PRESETS), "a preset name"))
            base_preset = None
        base_params_raw = v.get(base, "params", "base", kind="table", default={}) or {}
        base_params_raw = v.params(base_params_raw, "base.params")
    base_params = dict(PRESETS[base_preset].params) if base_preset else {}
    base_params.update(base_params_raw)
    base_problems = _cross_problems(base_params) if not v.problems_under("base") else []

    # interventions of the base preset, then global ones
    preset_ivs = []
    if base_preset:
        for step, changes in PRESETS[base_preset].interventions:
            if steps_ok is None or step <= steps_ok:
                preset_ivs.append(Intervention(step=step, set=dict(changes)).to_dict())
    global_ivs = v.interventions(raw.get("interventions", _MISSING), "interventions", steps_ok)

    # policies
    policies_raw = v.get(raw, "policies", "", kind="tables")
    policies, names, crossed = [], [], {}
    if isinstance(policies_raw, list):
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
            spec, cross = _policy(v, pol, path, pname, base_params, preset_ivs, global_ivs, steps_ok)
            if spec is not None:
                policies.append(spec)
            if cross:
                crossed[path] = cross
        # a problem of the base shared by every policy is reported once, at base
        shared = [m for m in base_problems if len(crossed) == len(policies_raw) and all(m in c for c in crossed.values())]
        for msg in shared:
            v.err("base", msg)
        for path, cross in crossed.items():
            for msg in cross:
                if msg not in shared:
                    v.err(path, msg)

    # baseline
    good_names = list(dict.fromkeys(n for n in names if n))
    if baseline is None:
        baseline = DEFAULT_BASELINE if DEFAULT_BASELINE in good_names else (good_names[0] if good_names else None)
    elif isinstance(baseline, str) and good_names and baseline not in good_names:
        v.err("baseline", _choice_message(baseline, good_names, "the name of one of the policies"))

    if v.problems:
        raise UserError(v.problems)
    return Scenario(name=name, description=description, steps=steps, replicates=replicates, seed=seed,
                    policies=tuple(policies), baseline=baseline, window=float(window), rules=rules_path,
                    rules_sha256=rules_hash, allow_unequal_budget=allow_unequal, budget_tolerance=float(tolerance),
                    source=source, raw=raw, label=label)


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
            v.err(f"{path}.preset", _choice_message(preset, list(POLICY_PRESETS), "a policy preset "
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
    own_ivs = v.interventions(pol.get("interventions", _MISSING), f"{path}.interventions", steps)
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


def _choice_message(value, choices, what):
    close = difflib.get_close_matches(str(value), choices, n=2, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    return f"expected {what}: one of {', '.join(choices)}; got {value!r}{hint}"


_KIND_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string",
               "name": NAME_WORDS, "table": "a table", "tables": "an array of tables ([[...]])"}


class _Validator:
    """Collects problems as ``LABEL: key.path: message`` lines."""

    def __init__(self, label: str):
        self.label = label
        self.problems: list[str] = []
        self._paths: list[str] = []

    def err(self, path: str, message: str):
        self.problems.append(f"{self.label}: {path}: {message}")
        self._paths.append(path)

    def problems_under(self, prefix: str) -> bool:
        return any(p == prefix or p.startswith(prefix + ".") or p.startswith(prefix + "[") for p in self._paths)

    @staticmethod
    def join(path, key):
        return f"{path}.{key}" if path else key

    def known_keys(self, table: dict, allowed, path: str):
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), list(allowed), n=2, cutoff=0.6)
                hint = f"did you mean {' or '.join(close)}? " if close else ""
                self.err(self.join(path, key), f"unknown key ({hint}expected one of: {', '.join(allowed)})")

    def get(self, table, key, path, *, kind, default=_MISSING, lo=None, hi=None, open_lo=False):
        """``table[key]`` checked against ``kind`` and the range; ``_MISSING`` default = required.
        Returns the value, or None after recording a problem."""
        full = self.join(path, key)
        if not isinstance(table, dict):
            return None
        if key not in table:
            if default is _MISSING:
                self.err(full, f"expected {_KIND_WORDS[kind]}{_range_words(kind, lo, hi, open_lo)}, but it is missing")
                return None
            return default
        value = table[key]
        ok = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": isinstance(value, (int, float)) and not isinstance(value, bool) and value == value,
            "bool": isinstance(value, bool),
            "str": isinstance(value, str),
            "name": isinstance(value, str) and bool(NAME_PATTERN.match(value)),
            "table": isinstance(value, dict),
            "tables": isinstance(value, list) and all(isinstance(x, dict) for x in value),
        }[kind]
        if ok and lo is not None:
            ok = (lo < value if open_lo else lo <= value) and value <= hi
        if not ok:
            self.err(full, f"expected {_KIND_WORDS[kind]}{_range_words(kind, lo, hi, open_lo)}, got {_show(value)}")
            return None
        return value

    def params(self, table: dict, path: str) -> dict:
        """Per-parameter checks (name, type, range); returns the good entries."""
        good = {}
        for key, value in table.items():
            if key not in Params.names():
                close = difflib.get_close_matches(str(key), Params.names(), n=3, cutoff=0.6)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                self.err(f"{path}.{key}", f"unknown parameter{hint}")
                continue
            msgs = Params._check(key, value)
            for msg in msgs:
                self.err(f"{path}.{key}", msg.split(": ", 1)[1])
            if not msgs:
                good[key] = value
        return good

    def interventions(self, items, path: str, steps: int | None) -> list[dict]:
        """Checks ``[[interventions]]``; returns the good ones as Intervention dicts."""
        if items is _MISSING:
            return []
        if not (isinstance(items, list) and all(isinstance(x, dict) for x in items)):
            self.err(path, f"expected an array of tables ([[...]]), got {_show(items)}")
            return []
        out = []
        for i, iv in enumerate(items):
            p = f"{path}[{i}]"
            n_before = len(self.problems)
            self.known_keys(iv, INTERVENTION_KEYS, p)
            step = self.get(iv, "step", p, kind="int", lo=1, hi=steps if steps else MAX_STEPS)
            changes = self.get(iv, "set", p, kind="table", default={})
            if isinstance(changes, dict):
                for k in changes:
                    if k in FIXED_DURING_RUN:
                        self.err(f"{p}.set.{k}", f"expected a parameter that can change during a run "
                                                 f"(not {', '.join(FIXED_DURING_RUN)})")
                self.params({k: x for k, x in changes.items() if k not in FIXED_DURING_RUN}, f"{p}.set")
            policy = self.get(iv, "policy", p, kind="str", default=None)
            if isinstance(policy, str) and policy not in POLICY_PRESETS:
                self.err(f"{p}.policy", _choice_message(policy, list(POLICY_PRESETS), "a policy preset"))
            shock = self.get(iv, "shock", p, kind="table", default={})
            if isinstance(shock, dict):
                self.known_keys(shock, SHOCK_KINDS, f"{p}.shock")
                for kind in SHOCK_KINDS:
                    self.get(shock, kind, f"{p}.shock", kind="float", lo=-1.0, hi=1.0, default=None)
            if not any(k in iv for k in ("set", "policy", "shock")):
                self.err(p, "expected at least one of set, policy, shock")
            elif not (iv.get("set") or iv.get("policy") or iv.get("shock")) and len(self.problems) == n_before:
                self.err(p, "expected a change: set, policy and shock are all empty")
            if len(self.problems) == n_before:
                out.append(Intervention(step=step, set=dict(iv.get("set", {})), policy=iv.get("policy"),
                                        shock=dict(iv.get("shock", {}))).to_dict())
        return out

    def interventions_consistent(self, params: Params, ivs: list[dict], path: str):
        """Each intervention, applied in turn, must leave valid parameters."""
        current = params
        for d in ivs:
            changes = Intervention.coerce(d).parameter_changes()
            if not changes:
                continue
            try:
                current = current.replace(**changes)
            except ParamError as err:
                for msg in err.problems:
                    self.err(path, f"after the intervention at step {d['step']}: {msg}")
                return


def _range_words(kind, lo, hi, open_lo=False):
    if lo is None or kind not in ("int", "float"):
        return ""
    show = (lambda x: str(x)) if kind == "int" else (lambda x: f"{x:g}")
    return f" in {'(' if open_lo else '['}{show(lo)}, {show(hi)}]"


def _show(value) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array" if value else "an empty array"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
