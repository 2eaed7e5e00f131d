"""Checks of plug-in rules and hooks, and the guard around them while a model runs.

Split from :mod:`sim.core.plugins` (which loads plug-in files and re-exports these names):
a replaced rule's signature is checked before any step (:func:`check_rules`), and at every
call its output's type, shape and range (:data:`RULE_OUTPUTS`); a failing hook or rule stops
the run with one line naming the plug-in file, the function and the step.
"""

from __future__ import annotations

import inspect
import traceback
import weakref
from pathlib import Path

import numpy as np

from sim.core import rules as default_rules
from sim.core.params import ParamError, unknown_name_message
from sim.errors import UserError


def rule_signature(name: str) -> str:
    """``name(param, ...)`` of the default rule, as a plug-in must spell it."""
    return f"{name}({', '.join(inspect.signature(getattr(default_rules, name)).parameters)})"


def _spelled(fn) -> str:
    try:
        return f"{getattr(fn, '__name__', 'function')}{inspect.signature(fn)}"
    except (TypeError, ValueError):
        return repr(fn)


def _takes_one_argument(fn) -> bool:
    try:
        inspect.signature(fn).bind(object())
    except (TypeError, ValueError):
        return False
    return True


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or "(no message)"


# ------------------------------------------------------------------ checked calls of plug-in code
# What each rule must return, checked where the model calls a plug-in's rule (default rules are
# not wrapped: no cost on the normal path). ``shape``: the names of the inputs whose broadcast
# shape the output must have (``"n"``: an integer count, the output has shape (n,)); ``kind``:
#   prob    numbers in [0, 1] (probabilities, trust, stress, hardship, quality)
#   state   floating-point numbers in [0, 1] (stored as agent state: must stay float)
#   real    finite numbers
#   nonneg  finite numbers >= 0
#   bool    booleans
#   count   integers >= 0
#   pairs   a (officer, target) pair of integer arrays of equal length, a subset of the inputs
#   two_nonneg  a pair of arrays of finite numbers >= 0, each of the shape
RULE_OUTPUTS = {
    "grievance": (("hardship", "legitimacy"), "prob"),
    "arrest_probability": (("cops", "actives"), "prob"),
    "becomes_active": (("grievance", "risk_aversion", "arrest_prob", "threshold"), "bool"),
    "jail_terms": ("n", "count"),
    "arrest_choice": ((), "pairs"),
    "within_beat": (("distance_to_beat", "proximity"), "bool"),
    "incident_probability": (("active", "grievance"), "prob"),
    "report_probability": (("trust",), "prob"),
    "response_arrest_probability": (("offender_active",), "prob"),
    "report_experiences": (("answered",), "two_nonneg"),
    "unanswered_experience": (("answered",), "nonneg"),
    "trust_after_experiences": (("trust", "good", "bad"), "state"),
    "trust_after_influence": (("trust", "neighbour_mean"), "state"),
    "trust_after_memory": (("trust", "baseline"), "state"),
    "contact_probability": (("n_proximity_officers",), "prob"),
    "good_contact_probability": (("quality_sum", "n_proximity_officers"), "prob"),
    "busy_probability": (("proximity",), "prob"),
    "officer_quality": (("stress",), "prob"),
    "absence_probability": (("stress",), "prob"),
    "stress_after_step": (("stress", "confrontations", "welfare_level"), "state"),
    "support_priority": (("hardship", "noise"), "real"),
    "hardship_after_step": (("hardship", "baseline", "supported"), "state"),
    "awareness_after_step": (("level", "reach"), "prob"),
    "effective_threshold": (("awareness",), "real"),
    "offence_probability": (("hardship", "trust", "visible"), "prob"),
    "officer_visibility": (("on_beat",), "nonneg"),
    "certainty_after_step": (("certainty",), "prob"),
    "contact_experiences": (("good",), "two_nonneg"),
    "answers_on_beat": (("distance_to_beat", "proximity"), "bool"),
    "officer_workload": (("arrests", "calls", "exposure", "on_duty"), "nonneg"),
    "hardship_proxy": (("hardship", "error"), "real"),
    "support_cut": (("days_received",), "nonneg"),
    "heat_after_step": (("heat", "events"), "nonneg"),
    "chase_choice": ((), "pairs"),
    "problem_site_choice": ((), "pairs"),
    "opportunity_after_step": (("factor", "worked"), "prob"),
    "offence_at_place": (("prob", "opportunity"), "prob"),
    "place_attractiveness": (("u",), "nonneg"),
    "officer_strain": (("load",), "nonneg"),
    "stress_susceptibility": (("u",), "nonneg"),
}

_KIND_EXPECTED = {
    "prob": "numbers in [0, 1]", "state": "floating-point numbers in [0, 1]", "real": "finite numbers",
    "nonneg": "finite numbers >= 0", "bool": "booleans (True/False), e.g. the result of a comparison",
    "count": "integers >= 0", "pairs": "a pair (officers, targets) of integer arrays of equal length",
    "two_nonneg": "a pair (good, bad) of arrays of finite numbers >= 0",
}


def guard_model(model) -> None:
    """Check and guard the plug-in code of a :class:`sim.core.model.TrustModel` (call it at the end
    of ``__init__``, once ``model.rules`` and ``model.hooks`` are set):

    - every replaced rule must be a function taking the rule's parameters, every hook a function
      of one argument: else :class:`ParamError` now, at construction (not when stepping);
    - each replaced rule (not the defaults: no cost on the normal path) is wrapped so that an
      exception or a bad output (wrong shape, a scalar, None, wrong dtype, NaN, inf, out of
      range) raises ONE-line :class:`UserError` naming the plug-in file, the rule, the step and
      the problem; each hook likewise for exceptions;
    - once a step has failed (an exception, a time limit, Ctrl-C) the model refuses further steps
      with a :class:`UserError` (its state is half-changed) instead of silently not stepping.
    """
    problems = []
    ref = weakref.ref(model)
    for name in default_rules.RULE_NAMES:
        fn = getattr(model.rules, name, None)
        if fn is getattr(default_rules, name) or isinstance(fn, _CheckedRule):
            continue
        bad = _rule_problem(name, fn)
        if bad:
            problems.append(bad)
        else:
            setattr(model.rules, name, _CheckedRule(name, fn, ref))
    for point, fns in model.hooks.items():
        for i, fn in enumerate(fns):
            if isinstance(fn, _CheckedHook):
                continue
            if not callable(fn) or not _takes_one_argument(fn):
                problems.append(f"hooks.{point}[{i}]: expected a function of one argument, fn(model), "
                                f"got {_spelled(fn) if callable(fn) else _show_value(fn)}")
            else:
                fns[i] = _CheckedHook(point, fn, ref)
    if problems:
        raise ParamError(problems)
    _refuse_steps_after_failure(model)


def check_rules(rules: dict) -> None:
    """Check a ``{rule name: function}`` dict without building a model: unknown names, values
    that are not functions, functions that cannot take the rule's parameters. Raises one
    :class:`ParamError` listing every problem."""
    if not isinstance(rules, dict):
        raise ParamError([f"rules: expected a dict {{rule name: function}}, got {_show_value(rules)}"])
    problems = []
    for name, fn in rules.items():
        if name not in default_rules.RULE_NAMES:
            problems.append(unknown_name_message(name, list(default_rules.RULE_NAMES), what="rule"))
        else:
            bad = _rule_problem(name, fn)
            if bad:
                problems.append(bad)
    if problems:
        raise ParamError(problems)


def _rule_problem(name: str, fn) -> str | None:
    expected = list(inspect.signature(getattr(default_rules, name)).parameters)
    if not callable(fn):
        return f"rules.{name}: expected a function {rule_signature(name)}, got {_show_value(fn)}"
    try:
        inspect.signature(fn).bind(*expected)
    except TypeError:
        return f"rules.{name}: expected a function {rule_signature(name)}, got {_spelled(fn)}"
    except ValueError:  # no signature (some builtins): accept, checked when called
        pass
    return None


def _show_value(x) -> str:
    text = repr(x)
    return f"{text if len(text) <= 40 else text[:37] + '...'} ({type(x).__name__})"


def _origin(fn) -> tuple[str, str | None]:
    """(file name, full path) of the code of ``fn``."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if code is None:
        return getattr(fn, "__name__", type(fn).__name__), None
    return Path(code.co_filename).name, code.co_filename


def _when(ref) -> str:
    model = ref()
    step = getattr(model, "steps", None)
    if step is None:
        return ""
    return " at set-up" if step == 0 else f" at step {step}"


def _where(err: BaseException, file: str, path: str | None) -> str:
    """``file line N (in function)`` of the deepest frame of ``err`` in the plug-in's file."""
    if path is not None:
        frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == path]
        if frames:
            return f"{file} line {frames[-1].lineno} (in {frames[-1].name})"
    return file


def _raised(err: BaseException) -> str:
    return f"{type(err).__name__}: {_one_line(err)}"


class _CheckedRule:
    """A plug-in rule whose every call is checked; see :func:`guard_model`."""

    __slots__ = ("name", "fn", "ref", "file", "path", "params", "shape_from", "kind", "__wrapped__", "__name__")

    def __init__(self, name, fn, ref):
        self.name, self.fn, self.ref = name, fn, ref
        self.__wrapped__ = fn
        self.__name__ = getattr(fn, "__name__", name)
        self.file, self.path = _origin(fn)
        self.params = list(inspect.signature(getattr(default_rules, name)).parameters)
        self.shape_from, self.kind = RULE_OUTPUTS.get(name, (None, None))

    def __repr__(self):
        return f"<checked rule {self.name}: {self.fn!r}>"

    def __call__(self, *args):
        try:
            out = self.fn(*args)
        except (UserError, ParamError):
            raise
        except Exception as err:  # the plug-in's code failed: one line, where and what
            raise UserError(f"{_where(err, self.file, self.path)}: rule {self.name}{_when(self.ref)}: "
                            f"{_raised(err)}") from err
        problem = self._problem(out, args)
        if problem:
            raise UserError(f"{self.file}: rule {self.name}{_when(self.ref)}: {problem}")
        return out

    # -------------------------------------------------- output checks
    def _expected_shape(self, args):
        given = dict(zip(self.params, args))
        if self.shape_from == "n":
            return (int(given["n"]),)
        if not self.shape_from:
            return None
        try:
            return np.broadcast_shapes(*(np.shape(given[k]) for k in self.shape_from if k in given))
        except ValueError:
            return None

    def _problem(self, out, args) -> str | None:
        kind = self.kind
        if kind is None:  # a rule without a declared output: only None is refused
            return "returned None; expected a value (did the function forget to return?)" if out is None else None
        want = _KIND_EXPECTED[kind]
        if out is None:
            return f"returned None; expected {want} (did the function forget to return?)"
        if kind in ("pairs", "two_nonneg"):
            return self._pair_problem(out, args, want)
        return _array_problem(out, self._expected_shape(args), kind, want)

    def _pair_problem(self, out, args, want) -> str | None:
        if not isinstance(out, tuple) or len(out) != 2:
            return f"returned {_describe(out)}; expected {want}"
        if self.kind == "two_nonneg":
            shape = self._expected_shape(args)
            for part, label in zip(out, ("good", "bad")):
                bad = _array_problem(part, shape, "nonneg", _KIND_EXPECTED["nonneg"])
                if bad:
                    return f"{label}: {bad}"
            return None
        a, b = (np.asarray(x) if isinstance(x, np.ndarray) or np.ndim(x) else None for x in out)
        if a is None or b is None or a.ndim != 1 or b.ndim != 1 or len(a) != len(b):
            return f"returned {_describe(out[0])} and {_describe(out[1])}; expected {want}"
        if (a.size and a.dtype.kind not in "iu") or (b.size and b.dtype.kind not in "iu"):
            return f"returned {a.dtype} and {b.dtype} arrays; expected {want}"
        officer, target = (np.asarray(x) for x in args[:2])
        if a.size and not (np.isin(a, officer).all() and np.isin(b, target).all()):
            return "returned pairs that are not among the candidate pairs given; expected a subset of them"
        return None


def _describe(out) -> str:
    if out is None:
        return "None"
    if isinstance(out, np.ndarray):
        return f"an array of shape {out.shape} ({out.dtype})"
    if np.ndim(out) == 0:
        return f"a scalar {_show_value(out)}"
    return f"a {type(out).__name__} of length {len(out)}" if hasattr(out, "__len__") else _show_value(out)


def _array_problem(out, shape, kind, want) -> str | None:
    """The problem of ``out`` as an output of ``shape`` and ``kind``, or None."""
    if shape is not None and shape != ():
        if not isinstance(out, np.ndarray):
            if np.ndim(out) == 0:
                return f"returned {_describe(out)}; expected an array of shape {shape} (one value per input) of {want}"
            out = np.asarray(out)
        if out.shape != shape:
            return f"returned an array of shape {out.shape}; expected shape {shape} (one value per input)"
    else:
        if np.ndim(out) != 0:
            return f"returned {_describe(out)}; expected a single number"
    try:
        arr = np.asarray(out)
    except Exception:  # noqa: BLE001 -- anything numpy cannot read is the wrong kind
        return f"returned {_describe(out)}; expected {want}"
    k = arr.dtype.kind
    if kind == "bool":
        return None if k == "b" else f"returned {arr.dtype} values; expected {want}"
    if kind == "count":
        if k not in "iu":
            return f"returned {arr.dtype} values; expected {want}"
        return None if not arr.size or arr.min() >= 0 else f"returned a negative value ({arr.min()}); expected {want}"
    allowed = "f" if kind == "state" else "fiu"
    if k not in allowed or (k == "f" and arr.dtype.itemsize > 8):
        return f"returned {arr.dtype} values; expected {want}"
    if not arr.size:
        return None
    if k == "f":
        finite = np.isfinite(arr)
        if not finite.all():
            nan = int(np.isnan(arr).sum())
            what = f"NaN ({nan} of {arr.size} values)" if nan else f"inf ({int((~finite).sum())} of {arr.size} values)"
            return f"returned {what}; expected {want}"
    lo = 0.0 if kind in ("prob", "state", "nonneg") else None
    hi = 1.0 if kind in ("prob", "state") else None
    if lo is not None:
        low, high = arr.min(), arr.max()
        if low < lo or (hi is not None and high > hi):
            bad = low if low < lo else high
            n = int(((arr < lo) | (arr > hi if hi is not None else False)).sum())
            return f"returned {n} of {arr.size} values outside {_range(lo, hi)} (e.g. {bad:.4g}); expected {want}"
    return None


def _range(lo, hi) -> str:
    return f"[{lo:g}, {hi:g}]" if hi is not None else f">= {lo:g}"


class _CheckedHook:
    """A plug-in hook whose exceptions become one line; see :func:`guard_model`."""

    __slots__ = ("point", "fn", "ref", "file", "path", "__wrapped__", "__name__")

    def __init__(self, point, fn, ref):
        self.point, self.fn, self.ref = point, fn, ref
        self.__wrapped__ = fn
        self.__name__ = getattr(fn, "__name__", "hook")
        self.file, self.path = _origin(fn)

    def __call__(self, model):
        try:
            return self.fn(model)
        except (UserError, ParamError):
            raise
        except Exception as err:
            raise UserError(f"{_where(err, self.file, self.path)}: hook {self.__name__} at {self.point}"
                            f"{_when(self.ref)}: {_raised(err)}") from err


def _refuse_steps_after_failure(model) -> None:
    """Wrap the instance's ``step`` (Mesa's wrapped step) so that after a step raised, further
    steps raise a one-line UserError rather than silently doing nothing."""
    inner = model.step
    if getattr(inner, "_refuses_after_failure", False):
        return
    ref = weakref.ref(model)

    def step(*args, **kwargs):
        m = ref()
        failed = getattr(m, "failed_step", None)
        if failed is not None:
            raise UserError(f"the model cannot step again: step {failed[0]} failed ({failed[1]}) and left its state "
                            "half-changed; build a new model")
        try:
            return inner(*args, **kwargs)
        except BaseException as err:
            m.failed_step = (getattr(m, "steps", "?"), f"{type(err).__name__}: {_one_line(err)}"[:200])
            raise

    step._refuses_after_failure = True
    model.step = step
