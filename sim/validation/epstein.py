"""Checks of Epstein's (2002) Model I on the Epstein presets (every extension off).

Each check runs under the activation orders of the suite: exact random sequential (the paper's and
NetLogo's order, the Epstein presets' own; the checks gate under it), synchronous and 10 random
sub-batches (reported, and compared with the sequential order by :class:`ActivationOrder`). Criteria
are stated in each class and fixed before measuring.

Modules: :mod:`~sim.validation.epstein_common` (constants, shared statistics, the order-tagged base
class), :mod:`~sim.validation.epstein_run2` (run 2 and the jail term),
:mod:`~sim.validation.epstein_experiments` (legitimacy, officer withdrawal, fixed officer densities),
:mod:`~sim.validation.epstein_hysteresis` (the tipping point as bistability),
:mod:`~sim.validation.epstein_orders` (the activation orders compared).
"""

from __future__ import annotations

from sim.validation.core import Check
from sim.validation.epstein_experiments import CopDensityEquilibrium, CopWithdrawal, SalamiJump
from sim.validation.epstein_hysteresis import CopHysteresis
from sim.validation.epstein_orders import ActivationOrder
from sim.validation.epstein_run2 import JailWait, Run2Activation, Run2Punctuated, Run2Wait

__all__ = ["epstein_checks", "ActivationOrder", "CopDensityEquilibrium", "CopHysteresis", "CopWithdrawal",
           "JailWait", "Run2Activation", "Run2Punctuated", "Run2Wait", "SalamiJump"]


def epstein_checks(cfg) -> list[Check]:
    out = []
    if cfg.equilibrium_reps and cfg.equilibrium_densities:
        out.append(CopDensityEquilibrium())   # first: the withdrawal checks' discussion cites it
    for k in cfg.orders:
        if cfg.run2_reps.get(k):
            out += [Run2Punctuated(k), Run2Activation(k), Run2Wait(k)]
        if cfg.salami_reps.get(k):
            out.append(SalamiJump(k))
        if cfg.withdrawal_reps.get(k):
            out.append(CopWithdrawal(k))
        if cfg.jail_reps.get(k):
            out.append(JailWait(k))
        if cfg.hysteresis_reps and cfg.hysteresis_reps.get(k):
            out.append(CopHysteresis(k))
    if len(cfg.orders) > 1:
        out.append(ActivationOrder(cfg.orders))
    return out
