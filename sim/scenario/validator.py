"""Checking a parsed TOML table (scenario files, sweep files): every problem is collected as one
line ``LABEL: key.path: expected ...`` (with close matches for unknown keys and names), so a file
with several mistakes is reported at once (:class:`sim.errors.UserError` with every line)."""

from __future__ import annotations

import difflib
import re

from sim.core.interventions import FIXED_DURING_RUN, SHOCK_KINDS, Intervention
from sim.core.params import ParamError, Params
from sim.core.presets import POLICY_PRESETS
from sim.scenario.limits import MAX_STEPS

INTERVENTION_KEYS = ("step", "set", "policy", "shock")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NAME_WORDS = "a name of letters, digits, '-', '_' or '.' (at most 64, starting with a letter or digit)"

MISSING = object()  # a default meaning "required"; also "the key is absent"


def choice_message(value, choices, what):
    close = difflib.get_close_matches(str(value), choices, n=2, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    return f"expected {what}: one of {', '.join(choices)}; got {value!r}{hint}"


KIND_WORDS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string",
               "name": NAME_WORDS, "table": "a table", "tables": "an array of tables ([[...]])"}


class Validator:
    """Collects problems as ``LABEL: key.path: message`` lines (``problems``); its ``get``,
    ``params`` and ``interventions`` check values and return the good ones (None otherwise)."""

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

    def get(self, table, key, path, *, kind, default=MISSING, lo=None, hi=None, open_lo=False):
        """``table[key]`` checked against ``kind`` ("int", "float", "bool", "str", "name", "table",
        "tables") and the range; ``MISSING`` default = required.
        Returns the value, or None after recording a problem."""
        full = self.join(path, key)
        if not isinstance(table, dict):
            return None
        if key not in table:
            if default is MISSING:
                self.err(full, f"expected {KIND_WORDS[kind]}{range_words(kind, lo, hi, open_lo)}, but it is missing")
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
            self.err(full, f"expected {KIND_WORDS[kind]}{range_words(kind, lo, hi, open_lo)}, got {show(value)}")
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
            msgs = Params.check(key, value)
            for msg in msgs:
                self.err(f"{path}.{key}", msg.split(": ", 1)[1])
            if not msgs:
                good[key] = value
        return good

    def interventions(self, items, path: str, steps: int | None) -> list[dict]:
        """Checks ``[[interventions]]``; returns the good ones as Intervention dicts."""
        if items is MISSING:
            return []
        if not (isinstance(items, list) and all(isinstance(x, dict) for x in items)):
            self.err(path, f"expected an array of tables ([[...]]), got {show(items)}")
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
                self.err(f"{p}.policy", choice_message(policy, list(POLICY_PRESETS), "a policy preset"))
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


def range_words(kind, lo, hi, open_lo=False):
    if lo is None or kind not in ("int", "float"):
        return ""
    show = (lambda x: str(x)) if kind == "int" else (lambda x: f"{x:g}")
    return f" in {'(' if open_lo else '['}{show(lo)}, {show(hi)}]"


def show(value) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array" if value else "an empty array"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
