"""The measures recorded every step (MODEL.md, "Measures, every step") and the maps."""

from __future__ import annotations

import numpy as np

MEASURES = (
    "trust_mean", "trust_p10", "tension", "active_fraction", "incidents", "incident_rate", "reported_share",
    "arrests", "jailed_fraction", "officer_stress", "officers_on_duty", "cost_policing", "cost_programmes",
    "cost_jail", "cost_incidents", "cost_total",
)
EXTRA_MEASURES = ("officers", "budget_spent", "awareness", "contacts", "supported")


def measure_row(model) -> dict:
    """One row of measures for the model's current state and this step's tallies.

    trust_*: over all citizens (Epstein's global L when trust is off); tension: mean
    grievance of free citizens; incident_rate: per 1,000 citizens per step; reported_share:
    reported / incidents (NaN with no incidents); costs in officer-days."""
    c, o, p, t, a = model.citizens, model.officers, model.p, model.tally, model.allocation
    n = max(len(c), 1)
    free = np.flatnonzero(~c.jailed)
    jailed = len(c) - len(free)
    if p.trust_on:
        legit = model.legitimacy
        tension = model.rules.grievance(c.hardship[free], legit[free])
        trust_mean, trust_p10 = _mean_and_p10(legit)
    else:                                   # Epstein's global L: the same for every citizen
        tension = model.rules.grievance(c.hardship[free], np.full(len(free), p.legitimacy))
        trust_mean, trust_p10 = (float(p.legitimacy),) * 2 if len(c) else (np.nan, np.nan)
    cost_jail = float(jailed) * p.jail_cost
    cost_incidents = t.incidents * p.incident_cost
    return {
        "step": model.steps,
        "trust_mean": trust_mean,
        "trust_p10": trust_p10,
        "tension": float(tension.mean()) if len(tension) else 0.0,
        "active_fraction": float(np.count_nonzero(c.active[free])) / n,
        "incidents": t.incidents,
        "incident_rate": 1000.0 * t.incidents / n,
        "reported_share": t.reported / t.incidents if t.incidents else np.nan,
        "arrests": t.arrests,
        "jailed_fraction": float(jailed) / n,
        "officer_stress": float(o.stress.mean()) if len(o) else 0.0,
        "officers_on_duty": int(np.count_nonzero(o.on_duty)),
        "cost_policing": a.cost_policing,
        "cost_programmes": a.cost_programmes,
        "cost_jail": cost_jail,
        "cost_incidents": cost_incidents,
        "cost_total": a.cost_policing + a.cost_programmes + cost_jail + cost_incidents,
        "officers": len(o),
        "budget_spent": a.cost_policing + a.cost_programmes,
        "awareness": model.awareness,
        "contacts": t.contacts,
        "supported": t.supported,
    }


def _mean_and_p10(x: np.ndarray) -> tuple[float, float]:
    """Mean and 10th percentile (NaN for no citizens)."""
    if not len(x):
        return np.nan, np.nan
    return float(x.mean()), float(np.percentile(x, 10))


def trust_map(model) -> np.ndarray:
    """(height, width): trust (L_i) of the free citizen on each cell, NaN elsewhere."""
    c = model.citizens
    out = np.full(model.grid.size, np.nan)
    free = ~c.jailed
    out[c.cell[free]] = model.legitimacy[free]
    return out.reshape(model.p.height, model.p.width)
