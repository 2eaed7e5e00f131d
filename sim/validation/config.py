"""How big the suite is: replicates, steps and grids for ``--quick`` and the full run.

The pass criteria do not depend on the mode (they are stated in each check); only the
numbers of replicates and steps do, so the quick suite has wider intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

SEED0 = 1  # replicate r uses seed SEED0 + r in every condition (common random numbers)


@dataclass(frozen=True)
class SuiteConfig:
    mode: str
    orders: tuple                 # activation_batches values compared: 1 = synchronous
    run2_steps: int
    run2_reps: dict               # {activation_batches: replicates}
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

    def seeds(self, n: int) -> list[int]:
        return [SEED0 + r for r in range(n)]


FULL = SuiteConfig(
    mode="full", orders=(1, 10),
    run2_steps=3000, run2_reps={1: 10, 10: 10},
    jail_terms=(15, 30, 45, 60), jail_reps={1: 6, 10: 4},
    salami_steps=450, salami_reps={1: 10, 10: 10},
    withdrawal_steps=400, withdrawal_reps={1: 10, 10: 10},
    policy_steps=400, policy_reps=10,
    elasticity_factors=(0.5, 0.707, 1.0, 1.414, 2.0), elasticity_reps=8,
    equilibrium_densities=tuple(round(0.04 - 0.004 * i, 3) for i in range(11)), equilibrium_steps=400,
    equilibrium_reps=3,
)

# The quick suite gates under the paper's order (10 sub-batches) and keeps a short synchronous run 2 for
# the order comparison; about 170 s of simulation CPU, two minutes on an idle two-core machine.
QUICK = SuiteConfig(
    mode="quick", orders=(1, 10),
    run2_steps=1000, run2_reps={1: 2, 10: 3},
    jail_terms=(30, 60), jail_reps={1: 0, 10: 2},   # J_max 30 reuses the run 2 runs
    salami_steps=400, salami_reps={1: 0, 10: 4},
    withdrawal_steps=400, withdrawal_reps={1: 0, 10: 3},
    policy_steps=300, policy_reps=4,
    elasticity_factors=(0.5, 1.0, 2.0), elasticity_reps=3,
)


def order_label(k: int) -> str:
    return "synchronous" if k == 1 else f"{k} random sub-batches, random-sequential-like"


def order_tag(k: int) -> str:
    return "sync" if k == 1 else f"k{k}"
