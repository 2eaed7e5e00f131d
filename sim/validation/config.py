"""How big the suite is: replicates, steps and grids for ``--quick`` and the full run.

The pass criteria do not depend on the mode (they are stated in each check); only the
numbers of replicates and steps do, so the quick suite has wider intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.params import Params
from sim.core.presets import preset_params

SEED0 = 1  # replicate r uses seed SEED0 + r in every condition (common random numbers)
SEQUENTIAL = 0  # the order code of exact random-sequential activation (the Epstein presets' own)


@dataclass(frozen=True)
class SuiteConfig:
    mode: str
    orders: tuple                 # activation orders compared: 0 = exact sequential, 1 = synchronous, K = K batches
    run2_steps: int
    run2_reps: dict               # {order: replicates}
    jail_terms: tuple             # max_jail_term values
    jail_reps: dict
    salami_steps: int
    salami_reps: dict
    withdrawal_steps: int
    withdrawal_reps: dict
    policy_steps: int             # policy-layer runs; measured over the second half
    policy_reps: int
    elasticity_factors: tuple     # budget_per_cell = default * factor
    elasticity_reps: int
    equilibrium_densities: tuple = ()  # fixed officer densities of the withdrawal diagnostic (empty: skipped)
    equilibrium_steps: int = 400       # measured over the second half
    equilibrium_reps: int = 0
    hysteresis_reps: dict = None       # {order: replicates} of the cop-density hysteresis check (None: skipped)

    def seeds(self, n: int) -> list[int]:
        return [SEED0 + r for r in range(n)]


FULL = SuiteConfig(
    mode="full", orders=(SEQUENTIAL, 1, 10),
    run2_steps=3000, run2_reps={SEQUENTIAL: 10, 1: 10, 10: 10},
    jail_terms=(15, 30, 45, 60), jail_reps={SEQUENTIAL: 6, 1: 4, 10: 4},
    salami_steps=450, salami_reps={SEQUENTIAL: 10, 1: 10, 10: 10},
    withdrawal_steps=400, withdrawal_reps={SEQUENTIAL: 10, 1: 10, 10: 10},
    policy_steps=400, policy_reps=10,
    elasticity_factors=(0.5, 0.707, 1.0, 1.414, 2.0), elasticity_reps=8,
    equilibrium_densities=tuple(round(0.04 - 0.004 * i, 3) for i in range(11)), equilibrium_steps=400,
    equilibrium_reps=3, hysteresis_reps={SEQUENTIAL: 10, 1: 0, 10: 0},
)

# The quick suite gates under the paper's order (exact random sequential, compiled) and keeps short
# synchronous and 10-batch runs 2 for the order comparison.
QUICK = SuiteConfig(
    mode="quick", orders=(SEQUENTIAL, 1, 10),
    run2_steps=1000, run2_reps={SEQUENTIAL: 3, 1: 2, 10: 2},
    jail_terms=(30, 60), jail_reps={SEQUENTIAL: 2, 1: 0, 10: 0},   # J_max 30 reuses the run 2 runs
    salami_steps=400, salami_reps={SEQUENTIAL: 4, 1: 0, 10: 0},
    withdrawal_steps=400, withdrawal_reps={SEQUENTIAL: 3, 1: 0, 10: 0},
    policy_steps=300, policy_reps=4,
    elasticity_factors=(0.5, 1.0, 2.0), elasticity_reps=3, hysteresis_reps={SEQUENTIAL: 3, 1: 0, 10: 0},
)


def order_label(k: int) -> str:
    if k == SEQUENTIAL:
        return "exact random sequential"
    return "synchronous" if k == 1 else f"{k} random sub-batches, random-sequential-like"


def preset_order_label(preset: str) -> str:
    """The activation order a preset runs in when a check does not set one, as :func:`order_label` names it."""
    p = preset_params(preset)
    activation = p.get("activation", Params().activation)
    if activation == "sequential":
        return order_label(SEQUENTIAL)
    if activation == "batches":
        return order_label(int(p.get("activation_batches", Params().activation_batches)))
    return order_label(1)


def order_tag(k: int) -> str:
    if k == SEQUENTIAL:
        return "seq"
    return "sync" if k == 1 else f"k{k}"


def order_overrides(k: int) -> dict:
    """Parameter overrides of order ``k`` on an Epstein preset (whose own order is sequential)."""
    if k == SEQUENTIAL:
        return {"activation": "sequential"}
    return {"activation": "synchronous"} if k == 1 else {"activation": "batches", "activation_batches": k}
