"""The behavioural rules of trustsim, one small function each.

Each rule takes and returns NumPy arrays (one entry per citizen or officer) and states
its equation and the claim it models. The model calls them through ``model.rules``, so a
plug-in (see ``docs/students.md``) can replace any of them with a function of the same
signature. Parameters arrive as a :class:`sim.core.params.Params` named ``p``.

Claims (MODEL.md): C1 closeness builds trust, C2 trust prevents crime, C3 social causes,
C4 officers' welfare, C5 equal-budget effectiveness.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

from sim.core.grid import random_matching

# --- Epstein's core (Epstein 2002, Model I) ---------------------------------------------


def grievance(hardship, legitimacy):
    """G = H (1 - L). With trust on, L is the citizen's own trust T_i (C2)."""
    return hardship * (1.0 - legitimacy)


def arrest_probability(cops, actives, p):
    """P = 1 - exp(-k * ratio(C, A)), C officers and A actives (counting oneself) in vision.

    ratio is C/A ("literal"), floor(C/A) (NetLogo Rebellion) or round(C/A) (Mesa example)."""
    ratio = cops / actives
    if p.arrest_ratio == "floor":
        ratio = np.floor(ratio)
    elif p.arrest_ratio == "round":
        ratio = np.round(ratio)
    return 1.0 - np.exp(-p.arrest_k * ratio)


def becomes_active(grievance, risk_aversion, arrest_prob, threshold):
    """Active when G - R * P > T (net risk N = R P); quiet otherwise."""
    return grievance - risk_aversion * arrest_prob > threshold


def jail_terms(rng, n, p):
    """Jail term J ~ U{0, ..., J_max} steps (``jail_term_rule`` "inclusive"); with "netlogo",
    J = max(U{0, ..., J_max - 1} - 1, 0): NetLogo Rebellion draws ``random max-jail-term`` and
    counts it down at the end of the arrest's tick, so a term j keeps the citizen away
    max(j - 1, 0) steps, which is J in trustsim's counting (released at the start of the
    step after J steps away)."""
    if p.jail_term_rule == "netlogo":
        return np.maximum(rng.integers(0, max(p.max_jail_term, 1), size=n) - 1, 0)
    return rng.integers(0, p.max_jail_term, size=n, endpoint=True)


def arrest_choice(officer, target, rng, p):
    """Whom each officer arrests. ``officer`` and ``target`` list the candidate pairs (an
    available officer, an active free citizen's cell within its ``officer_vision``); the
    result is the subset of pairs that are carried out: a uniformly random matching, each
    officer arresting at most one citizen and each citizen arrested at most once.

    Mechanism: Epstein's rule C (a cop arrests a random active agent in its vision; with
    simultaneous updating two cops cannot take the same agent). Source: Epstein (2002);
    NetLogo Rebellion ``enforce`` (``one-of`` the active turtles in vision)."""
    return random_matching(officer, target, rng)


def within_beat(distance_to_beat, proximity, p):
    """Beat confinement: a cell is allowed to an officer when it is reactive, or when its
    torus Chebyshev distance d to the officer's beat centre satisfies d <= beat_radius.

    Mechanism: proximity (community) policing assigns an officer to a small, stable area so
    residents meet the same officer again (C1). Source: MODEL.md; Skogan (2006) on beats."""
    return ~proximity | (distance_to_beat <= p.beat_radius)


# --- incidents and reporting (C2) ----------------------------------------------------------


def incident_probability(active, grievance, p):
    """Chance of causing an incident this step: p_active if active, else rate_quiet * G."""
    return np.where(active, p.incident_prob_active, p.incident_rate_quiet * grievance)


def report_probability(trust, p):
    """A witness reports with r = base + gain * T (clipped to [0, 1]): trust -> cooperation (C2)."""
    return np.clip(p.report_base + p.report_trust_gain * trust, 0.0, 1.0)


def response_arrest_probability(offender_active, responder_quality, p):
    """Chance an answered report ends in the offender's arrest: P_resp = response_arrest_prob,
    the same for every answered call (it does not depend on the offender's state or on the
    responding officer's quality, which are given for plug-ins).

    Mechanism: a response catches the offender only sometimes (the offender may have gone).
    Source: MODEL.md (incidents, reporting, response); value chosen."""
    return np.full(len(offender_active), float(p.response_arrest_prob))


def report_experiences(answered, p):
    """Reporters' experiences (C2): a report that is answered is a good experience of weight
    w_report, one that is ignored a bad experience of the same weight. Returns the arrays
    (good, bad), one entry per report (a witness reporting two incidents reports twice).

    Mechanism: citizens judge the police by how their own call is treated; an ignored call
    erodes trust, an answered one builds it. Source: MODEL.md; Tyler's process-based
    legitimacy; Skogan (2006) for the weight of bad experiences (applied in
    ``trust_after_experiences``)."""
    w = float(p.weight_report)
    return np.where(answered, w, 0.0), np.where(answered, 0.0, w)


def unanswered_experience(answered, p):
    """Witnesses' experience of an incident (C2): every witness of an incident that no
    officer answers has a bad experience of weight w_unanswered (0 if it was answered).
    One entry per (incident, witness) pair.

    Mechanism: disorder left unattended signals an absent or indifferent police.
    Source: MODEL.md (an incident left unanswered nearby)."""
    return np.where(answered, 0.0, float(p.weight_unanswered))


# --- trust (C1, C2) ------------------------------------------------------------------------


def trust_after_experiences(trust, good, bad, p):
    """logit T' = logit T + alpha * good - alpha * bias * bad  (T' = 1 / (1 + exp(-logit T'))).

    ``good`` and ``bad`` are the weighted counts of this step's experiences. On the logit
    scale a bad experience moves trust exactly ``negativity_bias`` times as much as a good
    one (Skogan 2006); the change is largest at middling trust and T' stays in (0, 1)."""
    t = np.clip(trust, 1e-9, 1 - 1e-9)
    return expit(logit(t) + p.trust_step * (good - p.negativity_bias * bad))


def trust_after_influence(trust, neighbour_mean, p):
    """Social influence: T' = T + mu (mean trust of neighbours - T)."""
    return trust + p.influence_rate * (neighbour_mean - trust)


def trust_after_memory(trust, baseline, p):
    """Fading memory: T' = T + rho (T_0 - T), back toward the citizen's initial trust."""
    return trust + p.trust_memory * (baseline - trust)


def contact_probability(n_proximity_officers, p):
    """A citizen near n proximity officers has a contact with 1 - (1 - rate * time)^n (C1)."""
    return 1.0 - (1.0 - p.contact_rate * p.contact_time) ** n_proximity_officers


def good_contact_probability(quality_sum, n_proximity_officers, p):
    """A contact is good with probability q_bar = (sum of q_j) / n: the mean procedural
    quality of the n on-duty proximity officers within ``contact_radius`` (0 when n = 0).
    A good contact adds 1 to the citizen's ``good`` experiences, a bad one 1 to ``bad``.

    Mechanism: procedural justice: how an officer treats people decides whether a contact
    builds or erodes trust (C1, C4). Source: Tyler; Mazerolle et al. (2013)."""
    return np.divide(quality_sum, n_proximity_officers, out=np.zeros(len(quality_sum)),
                     where=n_proximity_officers > 0)


def busy_probability(proximity, p):
    """Chance an officer is busy with contacts this step (and so cannot arrest or respond):
    b = contact_time for a proximity officer, 0 for a reactive one.

    Mechanism: time spent on contacts is time not spent on enforcement, the cost side of
    proximity policing (C1, C5). Source: MODEL.md (proximity officers' time budget)."""
    return np.where(proximity, float(p.contact_time), 0.0)


# --- officers (C4) -------------------------------------------------------------------------


def officer_quality(stress, p):
    """Procedural quality q = q_0 (1 - loss * stress): stressed officers are harsher (C4)."""
    return p.quality_base * (1.0 - p.stress_quality_loss * stress)


def absence_probability(stress, p):
    """Chance an officer is absent this step: absence_max * stress (C4)."""
    return p.absence_max * stress


def stress_after_step(stress, confrontations, welfare_level, p):
    """s' = clip(s + c * confrontations - recovery - welfare_relief * welfare_level, 0, 1) (C4)."""
    s = stress + p.stress_per_confrontation * confrontations - p.stress_recovery - p.welfare_relief * welfare_level
    return np.clip(s, 0.0, 1.0)


# --- social programmes (C3) ----------------------------------------------------------------


def support_priority(hardship, noise, p):
    """Who is supported first: targeting * H + (1 - targeting) * noise, highest first."""
    return p.support_targeting * hardship + (1.0 - p.support_targeting) * noise


def hardship_after_step(hardship, baseline, supported, p):
    """H' = (1 - effect * supported) (H + relapse (H_0 - H)): hardship drifts back to the
    citizen's baseline H_0, and support cuts it by the fraction ``effect`` (C3)."""
    h = hardship + p.hardship_relapse * (baseline - hardship)
    return np.where(supported, h - p.support_effect * h, h)


def awareness_after_step(level, reach, p):
    """a' = clip(a + reach (1 - a) - decay a, 0, 1): campaigns raise awareness, which fades (C3)."""
    return np.clip(level + reach * (1.0 - level) - p.awareness_decay * level, 0.0, 1.0)


def effective_threshold(awareness, p):
    """Awareness raises the activation threshold: T_eff = T + gain * a (C3)."""
    return p.threshold + p.awareness_gain * awareness


RULE_NAMES = tuple(
    name for name, obj in list(globals().items())
    if callable(obj) and getattr(obj, "__module__", None) == __name__ and not name.startswith("_")
)
