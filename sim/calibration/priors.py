"""The uncertain parameters and their priors.

Candidates for screening are the parameters whose reasoning in :data:`sim.present.paramdoc.REASONING`
says they were *chosen* (no published value), plus ``negativity_bias`` (published as a range, 4-14), minus
those that no fitted experiment can move (:data:`INERT`, with the reason).

The prior of each parameter (decided on 2026-12-02, before the third full run; docs/calibration.md,
"Priors", gives the reasons and the second run's evidence):

- **log-uniform** for a *scale parameter* (:func:`is_scale`): a positive rate, weight, gain or increment
  whose documented range reaches at least :data:`SCALE_SPAN` (5) times its chosen value. A uniform prior
  there puts 80-99.5% of its mass above the chosen value, in regimes nobody proposed (the second run's
  "backfire" box). The chosen value is read as an order-of-magnitude judgement: the prior is uniform in
  log10 over :data:`DECADES_EACH_SIDE` (1) decade either side of it, clipped to the documented range.
- **uniform** on the documented range for the others (probabilities and shares near the middle of
  their range, ratios with a published range, integer radii), except where :data:`NARROWED` says why a
  range must be narrower (a Beta distribution that would not exist, a radius wider than the grid).

The same priors define the Morris screening's design (in log10 for log-uniform parameters, so an
elementary effect is per step of the prior's own scale) and the ABC-SMC fit (uniform in the same log10
coordinates, so its kernels move a scale parameter by factors).
Integer parameters are sampled on the continuous range and rounded by the model wrapper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.core.params import Params
from sim.present.paramdoc import REASONING

#: Published as a range rather than a value; still uncertain within it.
ALSO_UNCERTAIN = ("negativity_bias",)

#: Chosen parameters that no fitted experiment can move today, and why they are not screened.
INERT = {
    "support_cost": "no fitted experiment funds social support",
    "support_effect": "no fitted experiment funds social support",
    "hardship_relapse": "no fitted experiment funds social support (hardship stays at its baseline)",
    "weight_help": "no fitted experiment funds social support",
    "welfare_relief": "no fitted experiment funds officers' welfare",
    "welfare_cost": "no fitted experiment funds officers' welfare",
    "awareness_cost": "no fitted experiment funds awareness campaigns",
    "awareness_gain": "no fitted experiment funds awareness campaigns",
    "awareness_decay": "no fitted experiment funds awareness campaigns",
    "support_admin_share": "no fitted experiment funds social support",
    "support_saturation": "no fitted experiment funds social support",
    "welfare_half": "no fitted experiment funds officers' welfare",
    "jail_cost": "an accounting weight: no behaviour depends on it",
    "incident_cost": "an accounting weight: no behaviour depends on it",
    "jailed_keep_cell": "a switch of Epstein's variants, not a quantity",
    "budget_per_cell": "the policy lever (the size of the budget), held fixed: the elasticity experiment varies it",
    "hotspot_refresh": "no fitted experiment deploys hot-spot officers (the held-out hot-spots trial fixes their beats)",
}

#: Priors narrower than the documented range, and why.
NARROWED = {
    "trust_initial_mean": ((0.3, 0.95), "with sd up to 0.2 the Beta distribution needs sd^2 < mean (1 - mean): "
                                        "valid on [0.3, 0.95]; surveys of confidence in the police rarely fall "
                                        "outside 30-95%"),
    "trust_initial_sd": ((0.0, 0.2), "keeps the Beta distribution valid for every mean in [0.3, 0.95]"),
    "response_radius": ((1, 10), "a radius must be at most (grid - 1) / 2: 10 keeps the 22 x 22 quick grid valid"),
    "beat_radius": ((1, 20), "beats wider than the 40 x 40 grid's half-width are no beats"),
    "contact_radius": ((1, 10), "a radius must be at most (grid - 1) / 2 on the 22 x 22 quick grid"),
    "influence_radius": ((1, 10), "a radius must be at most (grid - 1) / 2 on the 22 x 22 quick grid"),
}


#: A documented range reaching this many times the chosen value makes a parameter a scale parameter.
SCALE_SPAN = 5.0
#: Width of a log-uniform prior either side of the chosen value, in decades (clipped to the documented range).
DECADES_EACH_SIDE = 1.0


@dataclass(frozen=True)
class Prior:
    """One parameter's prior: uniform on [low, high], or log-uniform there (``scale == "log"``)."""
    name: str
    low: float
    high: float
    integer: bool
    default: float
    note: str = ""
    scale: str = "uniform"

    def design_bounds(self) -> tuple[float, float]:
        """The bounds of the space the screening's design and its elementary effects live in."""
        if self.scale == "log":
            return math.log10(self.low), math.log10(self.high)
        return self.low, self.high

    def from_design(self, x: float) -> float:
        """A design coordinate (see :meth:`design_bounds`) as the parameter's value."""
        return float(10.0 ** x) if self.scale == "log" else float(x)


def is_scale(name: str) -> bool:
    """A positive, non-integer parameter whose documented range reaches :data:`SCALE_SPAN` times its default."""
    spec = Params.spec(name)
    default = float(spec["default"])
    return (spec["type"] == "float" and default > 0 and spec["lo"] >= 0
            and spec["hi"] >= SCALE_SPAN * default)


def candidate_names() -> list[str]:
    """Parameters screened: chosen (per REASONING) or published only as a range, minus :data:`INERT`."""
    chosen = [n for n, why in REASONING.items() if "chosen" in why.lower()]
    names = [n for n in Params.names() if n in chosen or n in ALSO_UNCERTAIN]
    return [n for n in names if n not in INERT and Params.spec(n)["type"] in ("int", "float")]


def prior(name: str) -> Prior:
    spec = Params.spec(name)
    low, high = spec["lo"], spec["hi"]
    default = float(spec["default"])
    if name in NARROWED:
        (low, high), note = NARROWED[name]
        return Prior(name, float(low), float(high), spec["type"] == "int", default, note)
    if is_scale(name):
        width = 10.0 ** DECADES_EACH_SIDE
        low, high = max(float(low), default / width), min(float(high), default * width)
        note = (f"scale parameter: log-uniform, {DECADES_EACH_SIDE:g} decade either side of the chosen value, "
                "within the documented range")
        return Prior(name, low, high, False, default, note, "log")
    return Prior(name, float(low), float(high), spec["type"] == "int", default, "documented range")


def priors(names=None) -> list[Prior]:
    return [prior(n) for n in (candidate_names() if names is None else names)]
