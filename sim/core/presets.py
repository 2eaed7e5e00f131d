"""Named presets: Epstein's (2002) Model I runs and the five budgeted policies.

A preset is a set of parameter overrides plus, for Epstein's time-varying experiments,
a list of interventions ``(step, {parameter: value})``. The Epstein presets switch every
extension off, so the model is Epstein's Model I. The policy presets spend the same budget
per step (``budget_per_cell``) and differ only in how they split it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.core.problems import ParamError, unknown_name_message


@dataclass(frozen=True)
class Preset:
    description: str
    params: dict
    interventions: tuple = field(default=())  # ((step, {param: value}), ...)


# Every extension off: global legitimacy, no incidents, no stress, officers from officer_density.
EPSTEIN_MODEL_I = dict(
    width=40, height=40, citizen_density=0.7, officer_density=0.04, vision=7, officer_vision=7,
    legitimacy=0.82, max_jail_term=30, threshold=0.1, arrest_k=2.3, geometry="euclidean", arrest_ratio="floor",
    trust_on=False, influence_on=False, incidents_on=False, stress_on=False, budget_on=False,
    # pinned so a change of the general defaults never changes Epstein's model
    activation="sequential", activation_batches=1, movement_on=True, move_tries=10, jailed_keep_cell=False,
    jail_term_rule="inclusive", arrest_moves_officer=False, count_self_active=False, chase_on=False,
)


def _salami_steps(start=0.9, end=0.6, first_step=50, every=10):
    """Legitimacy eroded by 0.01 every ``every`` steps from ``start`` down to ``end``."""
    n = round((start - end) / 0.01)
    return tuple((first_step + every * (i + 1), {"legitimacy": round(start - 0.01 * (i + 1), 2)}) for i in range(n))


def _withdrawal_steps(start=0.04, end=0.0, first_step=50, every=25, cut=0.004):
    n = round((start - end) / cut)
    return tuple((first_step + every * (i + 1), {"officer_density": round(start - cut * (i + 1), 4)}) for i in range(n))


PRESETS: dict[str, Preset] = {
    # Epstein (2002) Table 2, run 1: vision 1.7 (the eight neighbours: Moore vision 1), L 0.89, J_max 15, no movement
    # (here everyone still moves: movement_on would stop officers too, and run 1 would freeze); docs/ODD.md 8, item 20.
    "epstein-run1": Preset(
        "Epstein (2002) Model I, run 1 (Table 2; figs. 1-2): local outbursts and deceptive behaviour under short "
        "sight (the eight neighbouring cells), legitimacy 0.89, J_max 15; Table 2 has no movement, but here everyone "
        "moves (trustsim cannot stop citizens alone); every extension off.",
        dict(EPSTEIN_MODEL_I, geometry="moore", vision=1, officer_vision=1, legitimacy=0.89, max_jail_term=15),
    ),
    "epstein-run2": Preset(
        "Epstein (2002) Model I, run 2 (Table 2; figs. 3-7): punctuated equilibrium over a long run; every extension "
        "off.",
        dict(EPSTEIN_MODEL_I),
    ),
    "epstein-salami": Preset(
        "Epstein (2002) fig. 9: legitimacy 0.9 eroded by 0.01 every 10 steps down to 0.6; every extension off.",
        dict(EPSTEIN_MODEL_I, legitimacy=0.9),
        _salami_steps(),
    ),
    "epstein-jump": Preset(
        "Epstein (2002) fig. 10: legitimacy 0.9 dropped to 0.6 in one jump at step 77; every extension off.",
        dict(EPSTEIN_MODEL_I, legitimacy=0.9),
        ((77, {"legitimacy": 0.6}),),
    ),
    "epstein-cop-withdrawal": Preset(
        "Epstein (2002) fig. 11: officer density 0.04 cut by 0.004 every 25 steps to zero; every extension off.",
        dict(EPSTEIN_MODEL_I),
        _withdrawal_steps(),
    ),
    "netlogo-rebellion": Preset(
        "NetLogo Rebellion (Wilensky 2004) as far as its code says: run 2's parameters, random sequential order, "
        "the arresting cop moves onto the arrestee's patch, jail term `random max-jail-term`, an active agent "
        "counted in A, a random empty patch in vision (50 draws); every extension off.",
        dict(EPSTEIN_MODEL_I, arrest_moves_officer=True, jail_term_rule="netlogo", count_self_active=True, move_tries=50),
    ),
    "reactive": Preset(
        "Reactive enforcement: the whole budget on officers who patrol, arrest and answer reports.",
        dict(share_officers=1.0, share_support=0.0, share_welfare=0.0, share_awareness=0.0, proximity_fraction=0.0,
             hotspot_fraction=0.0),
    ),
    "proximity": Preset(
        "Proximity policing: the whole budget on officers, all in proximity mode (beats and contacts; busy beat "
        "officers still answer reports on their beat). The share on beats is a lever: proximity_fraction.",
        dict(share_officers=1.0, share_support=0.0, share_welfare=0.0, share_awareness=0.0, proximity_fraction=1.0,
             hotspot_fraction=0.0),
    ),
    "social-support": Preset(
        "Social support: fewer reactive officers; the rest on citizens' support, officers' welfare and awareness.",
        dict(share_officers=0.6, share_support=0.3, share_welfare=0.05, share_awareness=0.05, proximity_fraction=0.0,
             hotspot_fraction=0.0),
    ),
    "mixed": Preset(
        "Mixed: officers half in proximity mode, plus citizens' support, officers' welfare and awareness.",
        dict(share_officers=0.75, share_support=0.15, share_welfare=0.05, share_awareness=0.05, proximity_fraction=0.5,
             hotspot_fraction=0.0),
    ),
    "hot-spots": Preset(
        "Hot-spots policing (Braga & Weisburd): the whole budget on officers, half of them kept on the cells with "
        "the most past incidents, the rest reactive.",
        dict(share_officers=1.0, share_support=0.0, share_welfare=0.0, share_awareness=0.0, proximity_fraction=0.0,
             hotspot_fraction=0.5),
    ),
}

POLICY_PRESETS = ("reactive", "proximity", "social-support", "mixed", "hot-spots")


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ParamError([unknown_name_message(name, list(PRESETS), what="preset")
                          + f"; known presets: {', '.join(PRESETS)}"])
    return PRESETS[name]


def preset_params(name: str) -> dict:
    return dict(get_preset(name).params)
