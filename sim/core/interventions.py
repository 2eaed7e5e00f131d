"""Interventions in time: at step t, change parameters, switch policy, or shock the state.

An intervention at step ``t`` takes effect before step ``t`` runs, so the row of step ``t``
is the first one to show it. ``set`` changes any parameter except the grid's size and
population; ``policy`` replaces the budget split by that of a policy preset; ``shock`` adds
to every citizen's ``trust`` (a legitimacy shock, which fades as trust relaxes back to its
baseline) or to ``hardship`` (an economic shock, which lasts: the baseline moves too).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.core.params import POLICY_FIELDS, ParamError
from sim.core.presets import POLICY_PRESETS, get_preset

SHOCK_KINDS = ("trust", "hardship")
FIXED_DURING_RUN = ("width", "height", "citizen_density", "jailed_keep_cell")


@dataclass(frozen=True)
class Intervention:
    step: int
    set: dict = field(default_factory=dict)
    policy: str | None = None
    shock: dict = field(default_factory=dict)

    def __post_init__(self):
        problems = []
        if not isinstance(self.step, int) or isinstance(self.step, bool) or self.step < 1:
            problems.append(f"step: expected an integer >= 1, got {self.step!r}")
        for name in self.set:
            if name in FIXED_DURING_RUN:
                problems.append(f"set.{name}: cannot change during a run (fixed: {', '.join(FIXED_DURING_RUN)})")
        if self.policy is not None and self.policy not in POLICY_PRESETS:
            problems.append(f"policy: expected one of {', '.join(POLICY_PRESETS)}, got {self.policy!r}")
        for kind, value in self.shock.items():
            if kind not in SHOCK_KINDS:
                problems.append(f"shock.{kind}: expected one of {', '.join(SHOCK_KINDS)}")
            elif not isinstance(value, (int, float)) or isinstance(value, bool) or not -1 <= value <= 1:
                problems.append(f"shock.{kind}: expected a number in [-1, 1], got {value!r}")
        if problems:
            raise ParamError(problems)

    def parameter_changes(self) -> dict:
        """The parameter changes this intervention makes (policy fields, then ``set``)."""
        changes = {}
        if self.policy is not None:
            preset = get_preset(self.policy).params
            changes.update({k: preset[k] for k in POLICY_FIELDS})
        changes.update(self.set)
        return changes

    def to_dict(self) -> dict:
        d = {"step": self.step}
        if self.set:
            d["set"] = dict(self.set)
        if self.policy is not None:
            d["policy"] = self.policy
        if self.shock:
            d["shock"] = dict(self.shock)
        return d

    @classmethod
    def coerce(cls, item) -> Intervention:
        """An Intervention from itself, a dict, or a ``(step, {param: value})`` pair."""
        if isinstance(item, Intervention):
            return item
        if isinstance(item, dict):
            return cls(**item)
        step, changes = item
        return cls(step=step, set=dict(changes))
