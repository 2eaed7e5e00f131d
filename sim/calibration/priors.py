"""The uncertain parameters and their priors.

Candidates for screening are the parameters whose reasoning in :data:`sim.present.paramdoc.REASONING`
says they were *chosen* (no published value), plus ``negativity_bias`` (published as a range, 4-14), minus
those that no fitted experiment can move (:data:`INERT`, with the reason). Priors are uniform on each
parameter's documented range in :class:`sim.core.params.Params`, except where :data:`NARROWED` says why
a range must be narrower (a Beta distribution that would not exist, a radius wider than the grid).
Integer parameters are sampled on the continuous range and rounded by the model wrapper.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Prior:
    name: str
    low: float
    high: float
    integer: bool
    default: float
    note: str = ""


def candidate_names() -> list[str]:
    """Parameters screened: chosen (per REASONING) or published only as a range, minus :data:`INERT`."""
    chosen = [n for n, why in REASONING.items() if "chosen" in why.lower()]
    names = [n for n in Params.names() if n in chosen or n in ALSO_UNCERTAIN]
    return [n for n in names if n not in INERT and Params.spec(n)["type"] in ("int", "float")]


def prior(name: str) -> Prior:
    spec = Params.spec(name)
    low, high = spec["lo"], spec["hi"]
    note = "documented range"
    if name in NARROWED:
        (low, high), note = NARROWED[name]
    return Prior(name, float(low), float(high), spec["type"] == "int", float(spec["default"]), note)


def priors(names=None) -> list[Prior]:
    return [prior(n) for n in (candidate_names() if names is None else names)]
