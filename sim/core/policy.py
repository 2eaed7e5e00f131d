"""How a policy turns one budget per step into officers and programmes (C5).

The budget is ``budget_per_cell * cells`` officer-days per step. Officers are whole people,
so the officers' share buys ``floor(share / officer_cost)`` of them and the remainder is
unspent; programmes spend their whole share. With ``budget_on`` false there is no budget:
officers come from ``officer_density`` (Epstein) and there are no programmes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Allocation:
    officers: int             # officers employed
    proximity: int            # of whom in proximity mode
    support_recipients: int   # citizens supported per step (after the administration share)
    welfare_level: float      # welfare funding per officer, as a fraction of full relief
    awareness_reach: float    # fraction of citizens reached by campaigns per step: 1 - exp(-spend / (cost n))
    cost_policing: float      # officer-days per step
    cost_programmes: float    # officer-days per step
    budget: float             # officer-days per step available (0 without a budget)
    hotspot: int = 0          # officers on hot-spot beats


def allocate(p, n_cells: int, n_citizens: int) -> Allocation:
    """Split the budget of parameters ``p`` on a grid of ``n_cells`` cells."""
    if not p.budget_on:
        officers = int(round(p.officer_density * n_cells))
        proximity = int(round(p.proximity_fraction * officers))
        return Allocation(officers, proximity, 0, 0.0, 0.0, officers * p.officer_cost, 0.0, 0.0,
                          min(officers - proximity, int(round(p.hotspot_fraction * officers))))
    budget = p.budget_per_cell * n_cells
    officers = int(np.floor(budget * p.share_officers / p.officer_cost + 1e-9))
    support = budget * p.share_support
    welfare = budget * p.share_welfare
    awareness = budget * p.share_awareness
    return Allocation(
        officers=officers,
        proximity=int(round(p.proximity_fraction * officers)),
        support_recipients=min(n_citizens, int(np.floor(support * (1.0 - p.support_admin_share) / p.support_cost + 1e-9))),
        welfare_level=min(1.0, welfare / (officers * p.welfare_cost)) if officers else 0.0,
        awareness_reach=float(-np.expm1(-awareness / (p.awareness_cost * n_citizens))) if n_citizens else 0.0,
        cost_policing=officers * p.officer_cost,
        cost_programmes=support + welfare + awareness,
        budget=budget,
        hotspot=min(officers - int(round(p.proximity_fraction * officers)), int(round(p.hotspot_fraction * officers))),
    )
