"""Words shared by the tables, charts and report: measure labels (read from
:data:`sim.core.measures.MEASURE_INFO`, the one source), lists, and the budget check.

Light on purpose (no pandas, no matplotlib): ``trustsim compare`` imports it at start-up."""

from __future__ import annotations

from sim.core.measures import measure_info

UNEQUAL_BUDGET = ("the policies did not spend equal budgets, so the differences mix the effect of the policy with "
                  "the effect of the money")


def info(measure: str) -> tuple:
    """(label, unit, better, short label, (low, high) range) of a measure (generic for unknown names)."""
    return measure_info(measure).as_tuple()


def label(measure: str, unit: bool = True) -> str:
    name, u = info(measure)[:2]
    return f"{name} ({u})" if unit and u else name


def unit(measure: str) -> str:
    return measure_info(measure).unit


def better(measure: str) -> int:
    return measure_info(measure).better


def better_words(measure: str) -> str:
    """'higher is better', 'lower is better' or '' (neither)."""
    return {1: "higher is better", -1: "lower is better", 0: ""}[better(measure)]


def and_(items) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def budget_equal(budget_check: dict) -> bool:
    """Whether the manifest's budget check found equal budgets (True when there was no check)."""
    return bool((budget_check or {}).get("equal", True))


def budget_gap(budget_check: dict) -> str:
    """'largest gap 0.5%, tolerance 1%' of a manifest's ``budget_check``."""
    bc = budget_check or {}
    return (f"largest gap {100 * float(bc.get('max_relative_gap', 0)):.2g}%, "
            f"tolerance {100 * float(bc.get('tolerance', 0)):.2g}%")


def window_words(d) -> str:
    """'days 150-200 (the last 25% of each run)' for the summary window of :class:`sim.present.data.Data`."""
    w = d.window_steps
    if not w:
        return ""
    share = d.resolved.get("window")
    part = f" (the last {100 * float(share):.0f}% of each run)" if share else ""
    return f"days {w[0]}-{w[1]}{part}"
