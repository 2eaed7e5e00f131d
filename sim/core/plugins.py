"""Rule plug-ins: change how agents behave without copying or editing trustsim.

**A plug-in runs your code.** Loading a plug-in executes a Python file with your user's
rights. This is the one place trustsim runs code that is not its own: scenario files are
TOML and are never executed, ``--set`` values are parsed, not evaluated. Load only files
you wrote or trust.

A plug-in is one Python file. Mark each function that replaces a rule of
:mod:`sim.core.rules` with ``@rule`` (the function's name is the rule's name and its
parameters are the rule's parameters, in the same order), and each function to run at a
point of the schedule with ``@hook("point")`` (one parameter: the model)::

    import numpy as np
    from sim.core.plugins import hook, rule

    @rule
    def report_probability(trust, p):              # replaces sim.core.rules.report_probability
        return np.clip(p.report_base + 2 * p.report_trust_gain * trust, 0.0, 1.0)

    @hook("step_end")                               # runs at the end of every step
    def note_trust(model):
        model.trust_history = getattr(model, "trust_history", []) + [model.citizens.trust.mean()]

Hook points are :data:`HOOK_POINTS` (``step_start``, ``after_core``, ``step_end``). ``@hook`` without a point uses the function's name as the point.

Use it: ``rules = "my_rules.py"`` in a scenario file (path relative to the scenario
file), ``trustsim app --rules my_rules.py``, or from Python::

    plugin = load_plugin("my_rules.py")
    TrustModel(preset="proximity", rng=1, rules=plugin.rules, hooks=plugin.hooks)

Mistakes in the file (an unknown rule or hook point, a wrong list of parameters, a
syntax error) raise :class:`sim.errors.UserError` with one line per problem naming the
file, the line and what was expected. A :class:`Plugin` pickles as its path and hash and
loads the file again on the other side (for worker processes); it refuses if the file
changed in between.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from sim.core import rules as default_rules
from sim.core.params import unknown_name_message
from sim.core.pluginguard import RULE_OUTPUTS, _one_line, _spelled, _takes_one_argument, check_rules, guard_model, rule_signature
from sim.errors import UserError

__all__ = ["rule", "hook", "load_plugin", "Plugin", "rule_signature", "guard_model", "check_rules", "RULE_OUTPUTS",
           "HOOK_POINTS"]

HOOK_POINTS = ("step_start", "after_core", "step_end")
"""Where in a step :class:`sim.core.model.TrustModel` runs hooks: at its start, after the core
(move, decide, arrest), at its end."""

_collecting = threading.local()  # the functions decorated while load_plugin executes a file


def _record(kind: str, name, fn):
    found = getattr(_collecting, "found", None)
    if found is not None:
        found.append((kind, name, fn))
    return fn


def rule(name_or_fn=None):
    """Mark a function as the replacement of the rule of :mod:`sim.core.rules` with the same
    name: ``@rule``. ``@rule("name")`` names the rule explicitly."""
    if callable(name_or_fn):
        return _record("rule", name_or_fn.__name__, name_or_fn)
    return lambda fn: _record("rule", name_or_fn or fn.__name__, fn)


def hook(point_or_fn=None):
    """Mark a function ``fn(model)`` to run at a point of every step: ``@hook("step_end")``.
    Bare ``@hook`` uses the function's name as the point."""
    if callable(point_or_fn):
        return _record("hook", point_or_fn.__name__, point_or_fn)
    return lambda fn: _record("hook", point_or_fn or fn.__name__, fn)


@dataclass(frozen=True, eq=False)
class Plugin:
    """A loaded plug-in: ``rules`` {rule name: function}, ``hooks`` {point: [functions]},
    ``path`` (resolved), ``sha256`` (of the file's bytes). Pass ``rules=plugin.rules,
    hooks=plugin.hooks`` to :class:`sim.TrustModel`."""

    rules: dict
    hooks: dict
    path: str
    sha256: str
    module: object = field(repr=False, default=None)

    @property
    def name(self) -> str:
        return Path(self.path).name

    def to_dict(self) -> dict:
        """What a manifest records: path, hash, and which rules and hooks it sets."""
        return {"path": self.path, "sha256": self.sha256, "rules": sorted(self.rules),
                "hooks": {point: [f.__name__ for f in fns] for point, fns in self.hooks.items()}}

    def describe(self) -> str:
        """One line: file, short hash, what it changes."""
        parts = [f"rules {', '.join(sorted(self.rules))}" if self.rules else "",
                 "hooks " + ", ".join(f"{f.__name__} at {point}" for point, fns in self.hooks.items() for f in fns)
                 if self.hooks else ""]
        return f"{self.name} (sha256 {self.sha256[:12]}): " + "; ".join(p for p in parts if p)

    def __reduce__(self):  # worker processes load the same file again, checking its hash
        return (_reload, (self.path, self.sha256))


def _reload(path: str, sha256: str) -> Plugin:
    plugin = load_plugin(path)
    if plugin.sha256 != sha256:
        raise UserError(f"{path}: the plug-in file changed while the runs were starting "
                        f"(sha256 {sha256[:12]} became {plugin.sha256[:12]}); run again")
    return plugin


def load_plugin(path) -> Plugin:
    """Execute the plug-in file at ``path`` and collect its ``@rule`` and ``@hook`` functions,
    checked against :mod:`sim.core.rules` and the model's hook points. Raises :class:`UserError`
    (one line per problem) on any mistake. This runs the file's code."""
    shown = str(path)
    file = Path(path).expanduser()
    if not file.is_file():
        raise UserError(f"{shown}: plug-in file not found" if not file.exists() else f"{shown}: not a file")
    if file.suffix != ".py":
        raise UserError(f"{shown}: expected a Python file ending in .py")
    file = file.resolve()
    data = file.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    module, found = _execute(file, data, sha, shown)

    problems, rules, hooks, seen = [], {}, {}, {}
    for kind, name, fn in found:
        where = f"{shown} line {_line(fn)}"
        if not callable(fn) or not isinstance(name, str):
            problems.append(f"{where}: @{kind} expects a function and a name in quotes, got {name!r}")
            continue
        if kind == "rule":
            if name not in default_rules.RULE_NAMES:
                problems.append(f"{where}: {unknown_name_message(name, list(default_rules.RULE_NAMES), 'rule')}"
                                f"; rules are the functions of sim/rules.py")
                continue
            if name in seen:
                problems.append(f"{where}: rule {name} is replaced twice (also at line {seen[name]}); keep one")
                continue
            seen[name] = _line(fn)
            bad = _signature_problem(fn, name)
            if bad:
                problems.append(f"{where}: rule {name}: expected the signature {rule_signature(name)} "
                                f"(the parameters of sim/rules.py, in order), got {bad}")
                continue
            rules[name] = fn
        else:
            if name not in HOOK_POINTS:
                problems.append(f"{where}: {unknown_name_message(name, list(HOOK_POINTS), 'hook point')}"
                                f"; hook points are {', '.join(HOOK_POINTS)}")
                continue
            if not _takes_one_argument(fn):
                problems.append(f"{where}: hook {getattr(fn, '__name__', fn)!s} at {name}: expected a function "
                                f"of one argument, {getattr(fn, '__name__', 'hook')}(model), got {_spelled(fn)}")
                continue
            hooks.setdefault(name, []).append(fn)
    if not found:
        problems.append(f"{shown}: defines no rule or hook; mark functions with @rule or @hook "
                        f"(from sim.core.plugins import rule, hook)")
    if problems:
        raise UserError(problems)
    return Plugin(rules=rules, hooks=hooks, path=str(file), sha256=sha, module=module)


# ------------------------------------------------------------------ helpers
def _execute(file: Path, data: bytes, sha: str, shown: str):
    """Run the file as a fresh module (registered in sys.modules so that pickling and
    dataclasses in it work) and return it with the functions decorated while it ran."""
    name = f"trustsim_plugin_{''.join(c if c.isalnum() else '_' for c in file.stem)}_{sha[:12]}"
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    outer, _collecting.found = getattr(_collecting, "found", None), []
    found = _collecting.found
    try:
        exec(compile(data, str(file), "exec"), module.__dict__)
    except SyntaxError as err:
        sys.modules.pop(name, None)
        raise UserError(f"{shown} line {err.lineno}: SyntaxError: {err.msg}") from None
    except Exception as err:
        sys.modules.pop(name, None)
        lines = [f.lineno for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == file]
        where = f"{shown} line {lines[-1]}" if lines else shown
        raise UserError(f"{where}: the plug-in failed while loading: {type(err).__name__}: {_one_line(err)}") from None
    finally:
        _collecting.found = outer
    return module, found


def _line(fn) -> int | str:
    code = getattr(inspect.unwrap(fn), "__code__", None)
    return code.co_firstlineno if code else "?"


def _signature_problem(fn, name: str) -> str | None:
    """None if ``fn`` takes the default rule's parameters, same names, same order (extra
    parameters must have defaults); else how ``fn`` is spelled."""
    expected = list(inspect.signature(getattr(default_rules, name)).parameters)
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return repr(fn)
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    head, extra = params[:len(expected)], params[len(expected):]
    ok = ([p.name for p in head] == expected and all(p.kind in positional for p in head)
          and all(p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                  for p in extra))
    return None if ok else f"{name}({', '.join(str(p) for p in params)})"
