"""Running on, parameter changes and interventions during a run, a mixin of :class:`sim.core.model.TrustModel`.

Interventions (Epstein 2002's time-varying legitimacy and officer withdrawal, policy changes,
shocks to trust or hardship) apply just before their step through Mesa's event list. Every
planned state is validated when scheduled, so none fails mid-run.
"""

from __future__ import annotations

from functools import partial
from typing import Self

import numpy as np

from sim.core.interventions import FIXED_DURING_RUN, SHOCK_KINDS, Intervention
from sim.core.params import ParamError


class Scheduling:
    """``run``, ``set_params``, ``apply_intervention``, ``schedule_intervention`` of a TrustModel."""

    def run(self, steps: int) -> Self:
        """Run ``steps`` more steps; returns the model so ``m.run(100).results`` works."""
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ParamError([f"steps: expected a non-negative integer, got {steps!r}"])
        for _ in range(int(steps)):
            self.step()
        return self

    def set_params(self, **changes):
        """Change parameters now (validated); re-allocates the budget."""
        fixed = [f"{k}: cannot change during a run" for k in changes if k in FIXED_DURING_RUN]
        if fixed:
            raise ParamError(fixed)
        self.p = self.p.replace(**changes)
        self._apply_allocation()

    def apply_intervention(self, iv: Intervention):
        changes = iv.parameter_changes()
        if changes:
            self.set_params(**changes)
        c = self.citizens
        if "trust" in iv.shock:
            c.trust = np.clip(c.trust + iv.shock["trust"], 0.0, 1.0)
        if "hardship" in iv.shock:
            c.hardship = np.clip(c.hardship + iv.shock["hardship"], 0.0, 1.0)
            c.hardship0 = np.clip(c.hardship0 + iv.shock["hardship"], 0.0, 1.0)
        assert set(iv.shock) <= set(SHOCK_KINDS)

    def schedule_intervention(self, iv: Intervention):
        """Apply ``iv`` just before step ``iv.step`` (Mesa's event list, at time step - 0.5)."""
        iv = Intervention.coerce(iv)
        if iv.step <= self.steps:
            raise ParamError([f"intervention step {iv.step}: already past (model is at step {self.steps})"])
        self._check_planned([*self._planned(), iv])  # fail now, not mid-run
        callback = partial(self.apply_intervention, iv)
        self._pending.append(callback)
        self.schedule_event(callback, at=iv.step - 0.5)

    def _planned(self) -> list[Intervention]:
        """Scheduled interventions still to come, in the order they will apply."""
        return [iv for iv in (callback.args[0] for callback in self._pending) if iv.step > self.steps]

    def _check_planned(self, planned: list[Intervention]):
        """Replay ``planned`` in step order (ties in scheduling order) from the current
        parameters: each state must be valid, so no intervention fails mid-run."""
        p = self.p
        for iv in sorted(planned, key=lambda iv: iv.step):
            changes = iv.parameter_changes()
            fixed = [f"intervention at step {iv.step}: {k}: cannot change during a run"
                     for k in changes if k in FIXED_DURING_RUN]
            if fixed:
                raise ParamError(fixed)
            try:
                p = p.replace(**changes) if changes else p
            except ParamError as err:
                raise ParamError([f"intervention at step {iv.step}: {e}" for e in err.problems]) from None
