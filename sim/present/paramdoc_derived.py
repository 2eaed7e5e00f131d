"""The derived-quantities block of ``docs/ODD.md``: figures that follow from the defaults, each
computed by calling the rules of :mod:`sim.core.rules` (so they cannot drift from the code)."""

from __future__ import annotations

import numpy as np

from sim.core import rules
from sim.core.grid import shape_size
from sim.core.params import Params
from sim.core.policy import allocate


def fmt(value) -> str:
    """A parameter value as the tables show it (booleans as true/false, floats in %g)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def cell(text: str) -> str:
    """``text`` made safe for a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def steady(update, x0: float, steps: int = 20000) -> float:
    x = x0
    for _ in range(steps):
        nxt = float(update(x))
        if abs(nxt - x) < 1e-13:
            return nxt
        x = nxt
    return x


def bisect(f, lo: float, hi: float, iters: int = 200) -> float | None:
    """A root of increasing-or-decreasing ``f`` on [lo, hi], or None if no sign change."""
    flo, fhi = f(lo), f(hi)
    if flo == 0:
        return lo
    if fhi == 0:
        return hi
    if (flo > 0) == (fhi > 0):
        return None
    for _ in range(iters):
        mid = (lo + hi) / 2
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return (lo + hi) / 2


def _one(p: Params, good: float, bad: float) -> float:
    """Trust after ``good`` and ``bad`` experiences from T = ``trust_initial_mean``."""
    return float(rules.trust_after_experiences(p.trust_initial_mean, good, bad, p))


def _break_even(p: Params) -> float:
    """Share of good contacts at which a contact leaves expected trust unchanged (contact weights
    from ``contact_experiences``)."""
    good, bad = rules.contact_experiences(np.array([True, False]), p)
    t0, g, b = p.trust_initial_mean, _one(p, float(good[0]), 0.0), _one(p, 0.0, float(bad[1]))
    return (t0 - b) / (g - b)


def _allocation(p: Params):
    cells = p.width * p.height
    return cells, allocate(p, cells, int(round(p.citizen_density * cells)))


def _d4(p: Params) -> str:
    t0, g, b = p.trust_initial_mean, _one(p, 1.0, 0.0), _one(p, 0.0, 1.0)
    return f"{g:.4f} / {b:.4f} (changes {g - t0:+.4f} / {b - t0:+.4f})"


def _flip_stress(p: Params) -> str:
    q = _break_even(p)
    s = bisect(lambda s: float(rules.officer_quality(s, p)) - q, 0.0, 1.0)
    if s is not None:
        return f"{s:.3f}"
    return ("none: contacts raise trust even at stress 1" if float(rules.officer_quality(1.0, p)) > q
            else "none: contacts lower trust even at stress 0")


def _half_life(p: Params) -> str:
    x, n = 0.0, 0
    while x < 0.5 and n < 100000:
        x, n = float(rules.trust_after_memory(x, 1.0, p)), n + 1
    return f"{n} steps" if x >= 0.5 else "never"


def _stress_balance(p: Params) -> str:
    def level(welfare):
        load = bisect(lambda x: float(rules.stress_after_step(0.5, x, welfare, p)) - 0.5, 0.0, 1.0)
        if load is None:
            return "none"
        base = float(rules.officer_workload(0.0, 0.0, 0.0, True, p))
        arrests = (load - base) / p.stress_per_confrontation if p.stress_per_confrontation else float("inf")
        return f"{load:.4f} ({arrests:.2f} arrests per day above the shift load)"

    return f"{level(0.0)} / {level(1.0)}"


def _supported(p: Params) -> str:
    first = float(rules.support_cut(np.array([0.0]), p)[0])
    h = steady(lambda x: rules.hardship_after_step(np.array([x]), np.array([1.0]), np.array([first]), p)[0], 1.0)
    after = float(rules.support_cut(np.array([365.0]), p)[0])
    h1 = steady(lambda x: rules.hardship_after_step(np.array([x]), np.array([1.0]), np.array([after]), p)[0], 1.0)
    return f"{h:.3f} x H_0 at the first day's cut; {h1:.3f} x H_0 at the cut after a year of support"


def _visible(p: Params) -> str:
    cells, a = _allocation(p)
    v = a.officers / cells * shape_size(p.vision, p.geometry)
    local = -p.deter_visible * v
    return f"{v:.2f} officers (local presence elasticity -deter_visible V = {local:.2f}; Weisburd 2021: about -0.7)"


def _proxy(p: Params) -> str:
    sd_h = 1.0 / np.sqrt(12.0)
    r = sd_h / np.sqrt(sd_h ** 2 + p.support_proxy_noise ** 2)
    return f"{r:.2f}"


def _stress_steady(p: Params) -> str:
    def steady_at(load, welfare):
        return steady(lambda s: float(rules.stress_after_step(s, load, welfare, p)), 0.0)
    base = float(rules.officer_workload(0.0, 0.0, 0.0, True, p))
    return f"{steady_at(base, 0.0):.3f} / {steady_at(base, 1.0):.3f} (shift load only, no calls or arrests)"


def _move_fail(p: Params) -> str:
    cells, a = _allocation(p)
    full = p.citizen_density + a.officers / cells
    return f"{full ** p.move_tries:.3f} (occupied fraction {full:.3f}, {p.move_tries} draws)"


def _awareness_default(p: Params) -> str:
    _, a = _allocation(p)
    return f"{steady(lambda x: rules.awareness_after_step(x, a.awareness_reach, p), 0.0):.3f}"


def _beta(p: Params) -> str:
    m, sd = p.trust_initial_mean, p.trust_initial_sd
    if sd == 0:
        return f"all equal to {m:g}"
    nu = m * (1 - m) / sd ** 2 - 1
    return f"Beta({m * nu:.3g}, {(1 - m) * nu:.3g})"


#: (id, quantity, function of the parameters giving the value as text)
DERIVED = (
    ("D1", "Epstein arrest probability P at C = A = 1 (`arrest_probability`)",
     lambda p: f"{float(rules.arrest_probability(1.0, 1.0, p)):.3f}"),
    ("D2", "Grievance of a citizen at median hardship 0.5: with L = `legitimacy` / with T = `trust_initial_mean`",
     lambda p: f"{float(rules.grievance(0.5, p.legitimacy)):.3f} / {float(rules.grievance(0.5, p.trust_initial_mean)):.3f}"),
    ("D3", "Trust after being arrested once, from T = `trust_initial_mean`",
     lambda p: f"{_one(p, 0.0, p.weight_arrested):.3f} (from {p.trust_initial_mean:g})"),
    ("D4", "Trust after one good / one bad experience of weight 1, from T = `trust_initial_mean`", _d4),
    ("D5", "Break-even share of good contacts at T = `trust_initial_mean`: below it a proximity contact "
           "lowers expected trust; compare `quality_base`",
     lambda p: f"{_break_even(p):.3f} (quality_base {p.quality_base:g})"),
    ("D6", "Officer stress at which its quality falls to the break-even share D5", _flip_stress),
    ("D7", "Half-life of a trust deviation under `trust_memory` alone", _half_life),
    ("D8", "Contact chance per step of a citizen near one / three proximity officers",
     lambda p: f"{float(rules.contact_probability(1, p)):.3f} / {float(rules.contact_probability(3, p)):.3f}"),
    ("D9", "Report chance of one witness at T = 0 / T = `trust_initial_mean` / T = 1",
     lambda p: " / ".join(f"{float(rules.report_probability(t, p)):.3f}" for t in (0.0, p.trust_initial_mean, 1.0))),
    ("D10", "Daily workload that keeps an officer's stress at 0.5: without welfare / at full welfare",
     _stress_balance),
    ("D11", "Absence chance of an officer at stress 0.5 / 1",
     lambda p: f"{float(rules.absence_probability(0.5, p)):.3f} / {float(rules.absence_probability(1.0, p)):.3f}"),
    ("D12", "Steady hardship of a citizen supported every step", _supported),
    ("D13", "Chance a mover finds no empty cell in `move_tries` draws (and stays), at the default densities",
     _move_fail),
    ("D14", "Steady awareness at the default allocation (see the preset table for the others)", _awareness_default),
    ("D15", "Initial trust distribution", _beta),
    ("D16", "Mean on-duty officers within a citizen's `vision` at the default budget (all on duty, evenly spread)",
     _visible),
    ("D17", "Correlation of the observed hardship proxy with hardship (H ~ U(0, 1), error sd "
            "`support_proxy_noise`)", _proxy),
    ("D18", "Steady officer stress under the shift load alone: without welfare / at full welfare", _stress_steady),
)


def derived(p: Params) -> list[tuple[str, str, str]]:
    """(id, quantity, value) rows, each computed by calling the rules at ``p``."""
    rows = []
    for ident, what, compute in DERIVED:
        try:
            value = compute(p)
        except Exception as err:  # a changed rule signature must not stop the doc from rendering
            value = f"not computable ({type(err).__name__})"
        rows.append((ident, what, value))
    return rows


def render_derived(p: Params | None = None) -> str:
    """Derived quantities at the defaults, each computed by calling the rules."""
    p = p or Params()
    out = ["| Id | Quantity (at the default parameters) | Value |", "|---|---|---|"]
    out += [f"| {i} | {cell(what)} | {cell(value)} |" for i, what, value in derived(p)]
    return "\n".join(out) + "\n"
