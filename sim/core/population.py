"""Initial state: the citizens and officers as arrays (structure of arrays).

Citizens are drawn from the ``population`` stream and officers placed from the
``officers`` stream, so two runs with the same seed start from the same citizens (cells,
hardship, risk aversion, initial trust) whatever their policies (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Citizens:
    cell: np.ndarray          # current cell (the last cell while jailed off the grid)
    hardship: np.ndarray      # H_i in [0, 1]
    hardship0: np.ndarray     # baseline hardship the citizen relapses to
    risk_aversion: np.ndarray  # R_i in [0, 1]
    trust: np.ndarray         # T_i in [0, 1]
    trust0: np.ndarray        # initial trust, where fading memory returns
    active: np.ndarray        # bool
    jailed: np.ndarray        # bool
    jail_left: np.ndarray     # steps of jail left
    support_days: np.ndarray = None   # days of support received so far (diminishing returns)
    proxy_error: np.ndarray = None    # persistent error of the observed hardship proxy, N(0, 1)
    claim_draw: np.ndarray = None     # U(0, 1) per citizen: claims support when offered if below support_takeup

    def __len__(self):
        return len(self.cell)


@dataclass
class Officers:
    cell: np.ndarray
    proximity: np.ndarray     # bool: proximity mode (beat and contacts) or reactive
    beat: np.ndarray          # beat centre cell of proximity officers
    stress: np.ndarray        # s_j in [0, 1]
    on_duty: np.ndarray       # bool, drawn each step from stress
    available: np.ndarray     # bool: on duty and not busy with contacts this step
    hotspot: np.ndarray       # bool: on a hot-spot beat (confined to it, no contacts)
    susceptibility: np.ndarray = None  # stress susceptibility, drawn at hiring (rules.stress_susceptibility)

    def __len__(self):
        return len(self.cell)

    @property
    def confined(self) -> np.ndarray:
        """Officers kept within ``beat_radius`` of their beat: proximity and hot-spot officers."""
        return self.proximity | self.hotspot

    @classmethod
    def hired(cls, cells: np.ndarray, susceptibility: np.ndarray | None = None) -> Officers:
        n = len(cells)
        return cls(cells, np.zeros(n, bool), cells.copy(), np.zeros(n), np.ones(n, bool), np.ones(n, bool),
                   np.zeros(n, bool), np.ones(n) if susceptibility is None else np.asarray(susceptibility, float))

    def keep(self, mask: np.ndarray) -> Officers:
        return Officers(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))

    def join(self, other: Officers) -> Officers:
        return Officers(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in self.__dataclass_fields__))


def initial_trust(rng: np.random.Generator, n: int, mean: float, sd: float) -> np.ndarray:
    """T_0 ~ Beta with the given mean and sd (all equal to the mean when sd is 0)."""
    u = rng.random(n)  # drawn always, so the other draws do not depend on sd
    if sd < 1e-6:  # a spread this small is no spread (and would overflow the Beta's parameters)
        return np.full(n, mean)
    from scipy.stats import beta

    nu = mean * (1 - mean) / sd**2 - 1
    return beta.ppf(u, mean * nu, (1 - mean) * nu)


def draw_citizens(rng: np.random.Generator, p, n_cells: int, support_rng: np.random.Generator | None = None) -> Citizens:
    """Citizens on distinct random cells with H ~ U(0,1), R ~ U(0,1), T_0 ~ Beta; from
    ``support_rng`` (a separate stream, so the other draws do not depend on it) each citizen's
    proxy error e ~ N(0, 1) and whether it would claim support (probability ``support_takeup``)."""
    n = int(round(p.citizen_density * n_cells))
    cell = rng.choice(n_cells, size=n, replace=False)
    hardship = rng.random(n)
    risk = rng.random(n)
    trust = initial_trust(rng, n, p.trust_initial_mean, p.trust_initial_sd)
    srng = support_rng if support_rng is not None else np.random.default_rng(0)
    error, claim_draw = srng.standard_normal(n), srng.random(n)
    return Citizens(cell, hardship.copy(), hardship, risk, trust.copy(), trust,
                    np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, np.int64),
                    np.zeros(n), error, claim_draw)
