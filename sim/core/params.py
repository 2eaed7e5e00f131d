"""All model parameters as one validated object, with defaults, ranges and units.

Every assumption of the model is a field of :class:`Params`. Each field carries its
default, its allowed range (or choices), its unit and a one-line meaning; ``docs/ODD.md``
gives the reasoning and sources. ``Params(**overrides)`` validates every field and raises
one :class:`ParamError` listing all problems, with close matches for unknown names.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core.presets import preset_params
from sim.core.problems import ParamError, unknown_name_message


def _p(default, lo=None, hi=None, *, unit="", doc="", choices=None, group=""):
    """Declare a parameter: default, inclusive range [lo, hi] or choices, unit, meaning."""
    meta = {"lo": lo, "hi": hi, "unit": unit, "doc": doc, "choices": choices, "group": group}
    return field(default=default, metadata=meta)


GEOMETRIES = ("moore", "von_neumann", "euclidean")
ARREST_RATIO_RULES = ("literal", "floor", "round")
ACTIVATIONS = ("synchronous", "batches", "sequential")
JAIL_TERM_RULES = ("inclusive", "netlogo")
RADII = ("vision", "officer_vision", "influence_radius", "witness_radius", "response_radius", "contact_radius")


@dataclass(frozen=True, kw_only=True)
class Params:
    """Parameters of :class:`sim.TrustModel`. Units: one step is one day; costs are in
    officer-days (1 = the cost of one officer for one step)."""

    # --- grid and population -------------------------------------------------------
    width: int = _p(40, 5, 5000, unit="cells", doc="grid width (torus)", group="grid")
    height: int = _p(40, 5, 5000, unit="cells", doc="grid height (torus)", group="grid")
    citizen_density: float = _p(0.7, 0.0, 0.95, unit="per cell", doc="citizens per cell", group="grid")
    officer_density: float = _p(0.04, 0.0, 0.5, unit="per cell",
                                doc="officers per cell when budget_on is false (Epstein's cop density)", group="grid")
    vision: int = _p(7, 1, 20, unit="cells", doc="citizens' vision radius", group="grid")
    officer_vision: int = _p(7, 1, 20, unit="cells", doc="officers' vision radius", group="grid")
    geometry: str = _p("euclidean", choices=GEOMETRIES, doc="vision shape: Moore square, von Neumann diamond, Euclidean disc", group="grid")
    movement_on: bool = _p(True, doc="switch: agents move to a random empty cell in vision each step", group="grid")
    move_tries: int = _p(10, 1, 50, unit="draws", doc="random cells in vision tried when looking for an empty one", group="grid")
    activation: str = _p("synchronous", choices=ACTIVATIONS,
                         doc="order of the core phase: sequential = each agent in a fresh random order moves, decides "
                             "and arrests, seeing those before it (Epstein, NetLogo; compiled); synchronous = all at "
                             "once; batches = activation_batches random sub-batches", group="grid")
    activation_batches: int = _p(1, 1, 200, unit="batches",
                                 doc="with activation = batches: K random sub-batches with counts refreshed between "
                                     "them (K > 1 approximates random sequential order); must be 1 otherwise",
                                 group="grid")

    # --- Epstein's core --------------------------------------------------------------
    legitimacy: float = _p(0.82, 0.0, 1.0, doc="global legitimacy L, used when trust_on is false", group="epstein")
    threshold: float = _p(0.1, 0.0, 1.0, doc="activation threshold T: active when G - R*P > T", group="epstein")
    arrest_k: float = _p(2.3, 0.0, 20.0, doc="k in P = 1 - exp(-k * ratio(C, A))", group="epstein")
    arrest_ratio: str = _p("floor", choices=ARREST_RATIO_RULES,
                           doc="ratio(C, A): C/A (literal), floor(C/A) (NetLogo), round(C/A) (Mesa example)", group="epstein")
    max_jail_term: int = _p(30, 0, 10000, unit="steps", doc="J_max: jail term drawn from U{0..J_max}", group="epstein")
    jailed_keep_cell: bool = _p(False, doc="jailed citizens keep occupying their cell (else they leave the grid)", group="epstein")
    jail_term_rule: str = _p("inclusive", choices=JAIL_TERM_RULES,
                             doc="inclusive: J ~ U{0..J_max} steps away; netlogo: NetLogo's `random max-jail-term` "
                                 "with its end-of-tick countdown, max(U{0..J_max-1} - 1, 0) steps away", group="epstein")
    arrest_moves_officer: bool = _p(False, doc="the arresting officer moves onto the arrested citizen's cell (NetLogo "
                                               "Rebellion's `move-to suspect`; not with jailed_keep_cell)", group="epstein")
    count_self_active: bool = _p(False, doc="an active citizen also counts itself among the actives in vision, "
                                            "A = 2 + other actives (NetLogo Rebellion); else A = 1 + other actives",
                                 group="epstein")

    # --- endogenous trust (C1, C2) -----------------------------------------------------
    trust_on: bool = _p(True, doc="switch: individual trust T_i replaces L in G_i = H_i (1 - T_i) and is moved by experience", group="trust")
    trust_initial_mean: float = _p(0.911, 0.01, 0.99, doc="mean initial trust (Beta distribution)", group="trust")
    trust_initial_sd: float = _p(0.08, 0.0, 0.45, doc="sd of initial trust", group="trust")
    trust_step: float = _p(0.112, 0.0, 2.0, doc="alpha: change of logit trust per good experience (bad: alpha * negativity_bias)", group="trust")
    negativity_bias: float = _p(4.0, 1.0, 14.0, unit="x",
                                doc="how much more a bad experience moves logit trust than a good one (Skogan 2006: 4-14)", group="trust")
    weight_arrested: float = _p(2.0, 0.0, 10.0, doc="weight of being arrested (a bad experience)", group="trust")
    weight_witness_arrest: float = _p(0.3, 0.0, 10.0, doc="weight of witnessing an arrest, times (1 - officer quality)", group="trust")
    weight_help: float = _p(1.0, 0.0, 10.0, doc="weight of receiving social support (a good experience)", group="trust")
    weight_report: float = _p(1.0, 0.0, 10.0, doc="weight of one's report being answered (good) or ignored (bad)", group="trust")
    weight_unanswered: float = _p(0.05, 0.0, 10.0, doc="weight of an unanswered incident nearby (bad)", group="trust")
    trust_memory: float = _p(0.02, 0.0, 0.5, unit="per step", doc="rate at which trust relaxes to the citizen's initial level", group="trust")
    influence_on: bool = _p(True, doc="switch: trust moves toward neighbours' mean trust", group="trust")
    influence_rate: float = _p(0.02, 0.0, 1.0, unit="per step", doc="mu: T += mu (mean neighbour trust - T)", group="trust")
    influence_radius: int = _p(2, 1, 10, unit="cells", doc="radius of social influence", group="trust")

    # --- incidents, reporting and response (C2) ----------------------------------------------
    incidents_on: bool = _p(True, doc="switch: incidents, reporting by witnesses and police response", group="incidents")
    incident_prob_active: float = _p(0.3, 0.0, 1.0, unit="per step", doc="chance an active citizen causes an incident", group="incidents")
    incident_rate_quiet: float = _p(0.00459, 0.0, 0.1, unit="per step",
                                    doc="chance a quiet free citizen causes an incident, times its grievance", group="incidents")
    witness_radius: int = _p(1, 1, 10, unit="cells", doc="who sees an incident or an arrest", group="incidents")
    report_base: float = _p(0.02, 0.0, 1.0, doc="reporting chance of a witness with zero trust", group="incidents")
    report_trust_gain: float = _p(0.2, 0.0, 1.0, doc="extra reporting chance per unit of trust", group="incidents")
    response_radius: int = _p(10, 1, 50, unit="cells", doc="an officer this close can answer a report", group="incidents")
    response_arrest_prob: float = _p(0.5, 0.0, 1.0, doc="chance an answered report leads to the offender's arrest", group="incidents")

    # --- ordinary offending, apart from rebellion (C2, C3) -------------------------------------------
    offending_on: bool = _p(True, doc="switch: quiet citizens offend with a propensity rising with hardship and distrust, "
                                      "deterred by visible officers and the certainty of response (else "
                                      "incident_rate_quiet * G, undeterred)", group="offending")
    offence_base: float = _p(0.0004, 0.0, 0.05, unit="per citizen per step",
                             doc="offending chance per step of a quiet citizen with zero hardship, full trust, no "
                                 "officers in sight", group="offending")
    offence_hardship_gain: float = _p(2.57, 0.0, 20.0, unit="x per unit of H",
                                      doc="offending multiplier 1 + gain * H (strain)", group="offending")
    offence_distrust_gain: float = _p(2.0, 0.0, 20.0, unit="x per unit of 1 - T",
                                      doc="offending multiplier 1 + gain * (1 - T) (legitimacy -> compliance)",
                                      group="offending")
    deter_visible: float = _p(0.1, 0.0, 2.0, unit="per visible officer",
                              doc="offending multiplier exp(-deter_visible * V), V = weighted on-duty officers within "
                                  "vision (0 = no deterrence by presence)", group="offending")
    deter_certainty: float = _p(0.3, 0.0, 1.0,
                                doc="offending multiplier 1 - deter_certainty * c, c = recent share of offences answered "
                                    "(0 = no deterrence by certainty)", group="offending")
    place_sigma: float = _p(1.75, 0.0, 3.0,
                            doc="concentration of offending at places: each cell's attractiveness is lognormal with "
                                "mean 1 and this sigma of its log (drawn once); 0 = all places alike",
                            group="offending")
    certainty_memory: float = _p(0.05, 0.001, 1.0, unit="per step",
                                 doc="rate at which the perceived certainty of response follows the answered share",
                                 group="offending")

    # --- officers: stress, quality, absence (C4) -------------------------------------------------
    stress_on: bool = _p(True, doc="switch: officer stress, its effect on conduct and absence", group="officers")
    quality_base: float = _p(0.673, 0.0, 1.0, doc="procedural quality of an unstressed officer", group="officers")
    stress_quality_loss: float = _p(0.6, 0.0, 1.0, doc="quality = quality_base (1 - loss * stress)", group="officers")
    stress_per_confrontation: float = _p(0.075, 0.0, 0.5, doc="stress load per arrest", group="officers")
    stress_recovery: float = _p(0.02, 0.0, 0.5, unit="per step",
                                doc="share of stress shed each step: s' = s + load (1 - s) - (recovery + relief) s",
                                group="officers")
    welfare_relief: float = _p(0.03, 0.0, 0.5, unit="per step",
                               doc="extra share of stress shed each step at fully funded welfare", group="officers")
    welfare_cost: float = _p(0.1, 0.001, 10.0, unit="officer-days per officer", doc="welfare spend per officer for full relief", group="officers")
    absence_max: float = _p(0.3, 0.0, 1.0, doc="chance of absence of a fully stressed officer (absence = absence_max * stress)", group="officers")
    stress_per_shift: float = _p(0.003, 0.0, 0.1, unit="per step",
                                 doc="stress load of an ordinary 8-hour shift (organisational stress); 0 = off", group="officers")
    shift_hours: float = _p(8.0, 4.0, 16.0, unit="hours", doc="shift length: the shift load scales with hours / 8",
                            group="officers")
    stress_per_call: float = _p(0.00466, 0.0, 0.5, doc="stress load per report answered; 0 = off", group="officers")
    stress_per_exposure: float = _p(0.00219, 0.0, 0.5,
                                    doc="stress load per incident within the officer's vision (exposure); 0 = off",
                                    group="officers")
    stress_susceptibility_cv: float = _p(2.0, 0.0, 4.0,
                                         doc="spread of officers' stress susceptibility: each officer's workload is "
                                             "multiplied by a factor drawn at hiring from a Gamma distribution of mean 1 "
                                             "and this coefficient of variation; 0 = all officers alike",
                                         group="officers")
    welfare_half: float = _p(0.5, 0.01, 10.0, doc="welfare level giving half of the relief (diminishing returns: "
                                                  "relief = welfare_relief * (1 + half) w / (w + half))", group="officers")

    # --- policy: one budget per step (C3, C5) ----------------------------------------------------
    budget_on: bool = _p(True, doc="switch: officers and programmes come from the budget (else officer_density, no programmes)", group="policy")
    budget_per_cell: float = _p(0.04, 0.0, 0.5, unit="officer-days per cell per step", doc="total budget per step", group="policy")
    share_officers: float = _p(1.0, 0.0, 1.0, doc="budget share for officers", group="policy")
    share_support: float = _p(0.0, 0.0, 1.0, doc="budget share for citizens' social support", group="policy")
    share_welfare: float = _p(0.0, 0.0, 1.0, doc="budget share for officers' welfare", group="policy")
    share_awareness: float = _p(0.0, 0.0, 1.0, doc="budget share for awareness campaigns", group="policy")
    proximity_fraction: float = _p(0.0, 0.0, 1.0, doc="fraction of officers in proximity mode", group="policy")
    hotspot_fraction: float = _p(0.0, 0.0, 1.0, doc="fraction of officers on hot-spot beats (the cells with the most "
                                                     "past incidents); proximity_fraction + hotspot_fraction <= 1",
                                 group="policy")
    hotspot_refresh: int = _p(30, 1, 10000, unit="steps", doc="hot-spot beats are re-centred on the cells with the "
                                                               "most past incidents every this many steps", group="policy")
    chase_on: bool = _p(True, doc="switch: reactive available officers move toward recent incidents and active citizens "
                                  "in vision (else a random walk)", group="policy")
    heat_decay: float = _p(0.1, 0.0, 1.0, unit="per step", doc="rate at which the recent-activity map reactive officers "
                                                               "chase fades", group="policy")
    visibility_beat: float = _p(0.975, 0.0, 5.0, unit="x",
                                doc="visibility channel: weight of an on-duty officer on its beat in the deterrence count "
                                    "V (reactive officers weigh 1; 1 = channel off)", group="policy")
    beat_responsiveness_on: bool = _p(True, doc="responsiveness channel: a proximity officer busy with contacts still "
                                                "answers reports within its beat", group="policy")
    weight_vicarious: float = _p(0.25, 0.0, 2.0, doc="vicarious channel: weight of hearing of a neighbour's contact "
                                                     "(good or bad) within influence_radius; 0 = off", group="policy")
    contact_negativity_bias: float = _p(1.5, 1.0, 14.0, unit="x",
                                        doc="procedural-quality channel: how much more a bad contact moves trust than "
                                            "a good one (contacts are judged on procedural fairness)", group="policy")
    problem_solving_on: bool = _p(True, doc="problem-solving channel: proximity officers spend problem_time on the "
                                            "cells of their beat with the most past incidents, lowering the "
                                            "offending opportunity there", group="policy")
    problem_time: float = _p(0.1, 0.0, 0.5, doc="share of a proximity officer's time spent on problem-solving (not "
                                                "available for arrests or response); it gets at most what contact_time leaves, "
                                                "min(problem_time, 1 - contact_time)",
                             group="policy")
    problem_effect: float = _p(0.34, 0.0, 1.0, doc="largest relative cut of the offending opportunity at a place by "
                                                   "problem-solving (the opportunity factor's floor is 1 - effect)",
                               group="policy")
    problem_gain: float = _p(0.05, 0.0, 0.2, unit="per officer-day",
                             doc="share of the remaining possible cut achieved by one officer-day of problem-solving "
                                 "at a place", group="policy")
    problem_decay: float = _p(0.01, 0.0, 0.05, unit="per step",
                              doc="rate at which a place's opportunity factor returns to 1 (the problem comes back)",
                              group="policy")
    problem_radius: int = _p(1, 0, 3, unit="cells",
                             doc="a problem-solving officer works the hot cell and the cells within this Chebyshev "
                                 "distance of it (the place)", group="policy")
    contact_time: float = _p(0.5, 0.0, 1.0, doc="share of a proximity officer's time spent on contacts (not arrests or response)", group="policy")
    contact_radius: int = _p(2, 1, 10, unit="cells", doc="reach of a proximity officer's contacts", group="policy")
    contact_rate: float = _p(0.5, 0.0, 1.0, unit="per step",
                             doc="contact chance of a citizen near a proximity officer, times contact_time", group="policy")
    beat_radius: int = _p(5, 1, 100, unit="cells", doc="proximity officers stay this close to their beat", group="policy")
    support_cost: float = _p(0.1, 0.001, 10.0, unit="officer-days", doc="cost of supporting one citizen for one step", group="policy")
    support_targeting: float = _p(1.0, 0.0, 1.0, doc="1 = support goes to the highest observed hardship proxy, 0 = to "
                                                      "random citizens", group="policy")
    support_proxy_noise: float = _p(0.3, 0.0, 2.0, doc="sd of the error of the observed hardship proxy (persistent per "
                                                       "citizen); 0 = hardship observed exactly", group="policy")
    support_takeup: float = _p(0.65, 0.0, 1.0, doc="share of citizens who would claim support when offered (fixed per "
                                                   "citizen); 1 = everyone", group="policy")
    support_admin_share: float = _p(0.1, 0.0, 0.9, doc="share of the support budget spent on administration", group="policy")
    support_delivery: str = _p("social_services", choices=("social_services", "police"),
                               doc="who delivers support: social services (no experience of the police) or the police "
                                   "(each support day a good experience of weight weight_help)", group="policy")
    support_saturation: float = _p(60.0, 0.0, 10000.0, unit="support-days",
                                   doc="diminishing returns: a recipient's cut is support_effect / (1 + days received / "
                                       "saturation); 0 = off", group="policy")
    support_effect: float = _p(0.05, 0.0, 1.0, doc="relative hardship cut per step of support", group="policy")
    hardship_relapse: float = _p(0.02, 0.0, 1.0, unit="per step", doc="rate hardship returns to the citizen's baseline", group="policy")
    awareness_cost: float = _p(0.02, 0.001, 10.0, unit="officer-days",
                               doc="cost of one campaign contact with one citizen; reach = 1 - exp(-spend / (cost * "
                                   "citizens)) (diminishing returns)", group="policy")
    awareness_gain: float = _p(0.01, 0.0, 1.0, doc="rebellion: threshold increase at full awareness", group="policy")
    awareness_effect: float = _p(0.18, 0.0, 1.0, doc="offending: share of aware citizens who take precautions; offending "
                                                     "multiplier 1 - effect * a (bounded)", group="policy")
    awareness_max: float = _p(0.68, 0.0, 1.0, doc="ceiling of awareness (the recall of a saturating campaign)",
                              group="policy")
    awareness_decay: float = _p(0.05, 0.0, 1.0, unit="per step", doc="rate awareness fades", group="policy")

    # --- costs (C5) ------------------------------------------------------------------------------
    officer_cost: float = _p(1.0, 0.01, 100.0, unit="officer-days", doc="cost of one officer for one step (the unit)", group="costs")
    jail_cost: float = _p(0.4, 0.0, 100.0, unit="officer-days", doc="cost of one citizen in jail for one step", group="costs")
    incident_cost: float = _p(20.0, 0.0, 100.0, unit="officer-days", doc="social cost of one incident", group="costs")

    def __post_init__(self):
        for name in self.names():  # NumPy scalars (from sweeps and samplers) become Python values
            value = getattr(self, name)
            if isinstance(value, np.generic):
                object.__setattr__(self, name, value.item())
        problems, invalid = [], set()
        for name in self.names():
            found = self.check(name, getattr(self, name))
            problems += found
            invalid.update([name] if found else [])

        def valid(*names):  # checks across fields run only on fields that are valid themselves
            return not invalid.intersection(names)

        if valid("citizen_density", "officer_density", "budget_on") and \
                self.citizen_density + (0 if self.budget_on else self.officer_density) >= 1.0:
            problems.append("citizen_density + officer_density: expected a sum below 1 "
                            f"(got {self.citizen_density + self.officer_density:g})")
        shares = ("share_officers", "share_support", "share_welfare", "share_awareness")
        if valid("budget_on", *shares) and self.budget_on:
            total = sum(getattr(self, k) for k in shares)
            if abs(total - 1.0) > 1e-6:
                problems.append(f"{' + '.join(shares)}: expected a sum of 1 (got {total:g})")
        if valid("budget_on", "citizen_density", "budget_per_cell", "share_officers", "officer_cost") and \
                self.budget_on and \
                self.citizen_density + self.budget_per_cell * self.share_officers / self.officer_cost >= 1.0:
            problems.append("budget_per_cell * share_officers / officer_cost + citizen_density: expected below 1 "
                            "(more agents than cells)")
        if valid("proximity_fraction", "hotspot_fraction") and self.proximity_fraction + self.hotspot_fraction > 1 + 1e-9:
            problems.append("proximity_fraction + hotspot_fraction: expected a sum of at most 1 "
                            f"(got {self.proximity_fraction + self.hotspot_fraction:g})")
        if valid("trust_initial_sd", "trust_initial_mean") and \
                self.trust_initial_sd**2 >= self.trust_initial_mean * (1 - self.trust_initial_mean):
            problems.append("trust_initial_sd: expected sd^2 < mean (1 - mean) for a Beta distribution "
                            f"(got sd {self.trust_initial_sd:g} with mean {self.trust_initial_mean:g})")
        if valid("activation", "activation_batches") and self.activation != "batches" and self.activation_batches != 1:
            problems.append(f"activation_batches: expected 1 unless activation is 'batches' "
                            f"(got {self.activation_batches} with activation {self.activation!r})")
        if valid("width", "height"):
            half = (min(self.width, self.height) - 1) // 2
            for name in RADII:
                if valid(name) and getattr(self, name) > half:
                    problems.append(f"{name}: expected at most {half} on a {self.width}x{self.height} grid "
                                    f"(a neighbourhood must not wrap onto itself), got {getattr(self, name)}")
        if problems:
            raise ParamError(problems)

    # --- introspection ---------------------------------------------------------------------------
    @classmethod
    def names(cls) -> list[str]:
        return list(_FIELDS)

    @classmethod
    def spec(cls, name: str) -> dict:
        """Default, type, range/choices, unit and meaning of one parameter."""
        f = cls._field(name)
        return {"name": name, "default": f.default, "type": f.type, **f.metadata}

    @classmethod
    def _field(cls, name: str):
        if name not in _FIELDS:
            raise ParamError([unknown_name_message(name, cls.names())])
        return _FIELDS[name]

    @classmethod
    def check(cls, name: str, value: Any) -> list[str]:
        """Problems (one line each, empty if none) with ``value`` for parameter ``name``: type, choices, range."""
        s = cls.spec(name)
        kind = s["type"]
        if kind == "bool":
            ok = isinstance(value, bool)
        elif kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind == "float":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
        else:
            ok = isinstance(value, str)
        if not ok:
            return [f"{name}: expected {_kind_words(kind)}, got {value!r}"]
        if s["choices"] is not None and value not in s["choices"]:
            close = difflib.get_close_matches(str(value), s["choices"], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return [f"{name}: expected one of {', '.join(s['choices'])}, got {value!r}{hint}"]
        lo, hi = s["lo"], s["hi"]
        if lo is not None and not (lo <= value <= hi):
            return [f"{name}: expected a value in [{lo:g}, {hi:g}]{' ' + s['unit'] if s['unit'] else ''}, got {value!r}"]
        return []

    # --- construction ----------------------------------------------------------------------------
    @classmethod
    def build(cls, preset: str | None = None, **overrides) -> Params:
        """Parameters of a preset (or the defaults) with keyword overrides, all validated."""
        base = preset_params(preset) if preset else {}
        unknown = [unknown_name_message(k, cls.names()) for k in overrides if k not in cls.names()]
        if unknown:
            raise ParamError(unknown)
        return cls(**{**base, **overrides})

    def replace(self, **changes) -> Params:
        """A validated copy with some fields changed."""
        unknown = [unknown_name_message(k, self.names()) for k in changes if k not in self.names()]
        if unknown:
            raise ParamError(unknown)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def differences(self, other: Params | None = None) -> dict:
        """Fields whose value differs from ``other`` (default: the defaults)."""
        other = other or Params()
        return {k: v for k, v in self.to_dict().items() if getattr(other, k) != v}

    @classmethod
    def coerce(cls, name: str, text: str):
        """Parse a command-line string into the type of parameter ``name``."""
        kind = cls.spec(name)["type"]
        try:
            if kind == "bool":
                low = text.strip().lower()
                if low in ("true", "1", "yes", "on"):
                    return True
                if low in ("false", "0", "no", "off"):
                    return False
                raise ValueError
            if kind == "int":
                return int(text)
            if kind == "float":
                return float(text)
            return text
        except ValueError:
            raise ParamError([f"{name}: expected {_kind_words(kind)}, got {text!r}"]) from None


def _checked_init(init):
    """Wrap the dataclass ``__init__`` so an unknown keyword is a ParamError with close matches."""
    def __init__(self, **kwargs):
        unknown = [unknown_name_message(k, Params.names()) for k in kwargs if k not in Params.names()]
        if unknown:
            raise ParamError(unknown)
        init(self, **kwargs)
    __init__.__doc__ = init.__doc__
    return __init__


_FIELDS = {f.name: f for f in dataclasses.fields(Params)}
Params.__init__ = _checked_init(Params.__init__)


def _kind_words(kind: str) -> str:
    return {"bool": "true or false", "int": "an integer", "float": "a number", "str": "a string"}[kind]


POLICY_FIELDS = ("share_officers", "share_support", "share_welfare", "share_awareness", "proximity_fraction",
                 "hotspot_fraction")
