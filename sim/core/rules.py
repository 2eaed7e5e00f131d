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
    """Chance of causing an incident this step: p_active if active, else rate_quiet * G (with
    ``offending_on`` the model uses ``offence_probability`` for quiet citizens instead)."""
    return np.where(active, p.incident_prob_active, p.incident_rate_quiet * grievance)


def offence_probability(hardship, trust, visible, certainty, awareness, p):
    """Ordinary offending of a quiet free citizen this step (apart from Epstein's rebellion):

        o = base (1 + g_H H) (1 + g_T (1 - T)) exp(-d_V V) (1 - d_C c) (1 - e_A a), clipped to [0, 1]

    with H hardship, T trust, V the visibility-weighted count of on-duty officers within
    ``vision`` (``officer_visibility``), c the perceived certainty of response (the recent share
    of offences answered, one number for the population) and a the awareness level.

    Mechanism: strain (hardship raises offending) and legitimacy (citizens who trust the police
    comply more, Tyler) set the propensity; deterrence by visible presence and by the certainty
    of being caught lowers it (Nagin 2013: certainty, not severity; Weisburd 2021: a 10% fall in
    local police presence raises local crime by about 7%); campaigns make a share of the aware
    take precautions (van Dijk & Steinmetz 1981: 12 of 68 per cent). Multiplicative, so each
    factor is a relative change and can be switched off by a zero parameter."""
    o = (p.offence_base * (1.0 + p.offence_hardship_gain * hardship) * (1.0 + p.offence_distrust_gain * (1.0 - trust))
         * np.exp(-p.deter_visible * visible) * (1.0 - p.deter_certainty * certainty)
         * (1.0 - p.awareness_effect * awareness))
    return np.clip(o, 0.0, 1.0)


def officer_visibility(on_beat, p):
    """Weight of each on-duty officer in the deterrence count V: ``visibility_beat`` for an
    officer on a proximity beat, 1 for the others.

    Mechanism: the visibility channel of proximity policing: an officer on foot on a known beat
    is seen more than one passing by (C1, C2). Source: MODEL.md; Weisburd (2021) for the size of
    presence effects; the multiplier itself is not measured in the sources read (docs/evidence.md)."""
    return np.where(on_beat, float(p.visibility_beat), 1.0)


def certainty_after_step(certainty, answered_share, p):
    """Perceived certainty of response: c' = c + m (answered share of this step's offences - c),
    m = ``certainty_memory``; unchanged in a step without offences (answered_share NaN).

    Mechanism: would-be offenders learn the chance of a response from what happens around
    them (deterrence by certainty; Nagin 2013)."""
    if not np.isfinite(answered_share):
        return certainty
    return certainty + p.certainty_memory * (answered_share - certainty)


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


def contact_experiences(good, p):
    """Weights of a contact (C1): (good, bad) per contact; a good contact is 1 good experience,
    a bad one ``contact_negativity_bias / negativity_bias`` bad experiences, so that after
    ``trust_after_experiences`` (which multiplies bad ones by ``negativity_bias``) a bad contact
    moves logit trust ``contact_negativity_bias`` times as much as a good one.

    Mechanism: the procedural-quality channel: contacts are judged on procedural fairness, for
    which the asymmetry of good and bad experiences is close to symmetric (Oliveira et al. 2021),
    unlike the 4-14 of Skogan (2006) for trust in effectiveness."""
    good = np.asarray(good, bool)
    return good.astype(float), np.where(good, 0.0, float(p.contact_negativity_bias) / float(p.negativity_bias))


def answers_on_beat(distance_to_beat, proximity, p):
    """Responsiveness channel: an on-duty proximity officer busy with contacts still answers a
    report at torus Chebyshev distance d <= beat_radius from its beat centre (when
    ``beat_responsiveness_on``). Mechanism: a beat officer knows and is reachable by its residents
    (Skogan 2006; Gill et al. 2014). Source: MODEL.md."""
    return np.asarray(proximity, bool) & (distance_to_beat <= p.beat_radius) & bool(p.beat_responsiveness_on)


def busy_probability(proximity, p):
    """Chance an officer is busy on its beat this step (and so cannot arrest or respond):
    b = contact_time (+ problem_time with ``problem_solving_on``) for a proximity officer, 0 for a
    reactive one, at most 1 (problem-solving gets min(problem_time, 1 - contact_time)). The model
    splits the busy ones by the same draw u < b: u < contact_time are busy with contacts, the
    others with problem-solving.

    Mechanism: time spent on contacts and problem-solving is time not spent on enforcement, the
    cost side of proximity policing (C1, C5). Source: MODEL.md (proximity officers' time budget)."""
    busy = float(p.contact_time) + (float(p.problem_time) if p.problem_solving_on else 0.0)
    return np.where(proximity, min(busy, 1.0), 0.0)


def problem_site_choice(officer, target, incidents, p):
    """Where each problem-solving officer works: of its candidate pairs (officer, cell of its beat
    with past incidents) the pair with the most past incidents (ties: the first listed). Returns
    the chosen subset of pairs, at most one per officer.

    Mechanism: problem-oriented policing at hot spots: scanning picks the places with the most
    recorded incidents (the S of SARA; Hinkle, Weisburd, Telep & Petersen 2020; Braga & Weisburd
    on the concentration of crime at places)."""
    if not len(officer):
        return officer[:0], target[:0]
    order = np.lexsort((-incidents, officer))
    first = np.ones(len(order), bool)
    first[1:] = officer[order][1:] != officer[order][:-1]
    keep = order[first]
    return officer[keep], target[keep]


def opportunity_after_step(factor, worked, p):
    """Offending opportunity of each cell (1 = untouched):

        f' = clip(f + decay (1 - f) - gain * w * (f - (1 - effect)), 1 - effect, 1)

    w = officer-days of problem-solving at the cell this step, decay = ``problem_decay``,
    gain = ``problem_gain``, effect = ``problem_effect``. A cell worked on continually settles at
    1 - effect * gain w / (gain w + decay); left alone it returns to 1.

    Mechanism: problem-solving removes the conditions that make a place a hot spot (situational
    prevention), and the problem comes back when the work stops. Effect size: POP areas had 33.8%
    less crime and disorder than controls (Hinkle, Weisburd, Telep & Petersen 2020, Campbell
    review of 34 studies), the floor 1 - 0.34 (docs/evidence.md)."""
    floor = 1.0 - p.problem_effect
    f = factor + p.problem_decay * (1.0 - factor) - p.problem_gain * worked * (factor - floor)
    return np.clip(f, floor, 1.0)


def offence_at_place(prob, opportunity, p):
    """Ordinary offending at a place: o' = clip(o * A * f, 0, 1), ``opportunity`` = A * f: A the
    attractiveness of the offender's cell (``place_attractiveness``) and f its opportunity factor
    (``opportunity_after_step``; 1 without problem-solving).

    Mechanism: offending needs an opportunity at the place (routine activity theory; Clarke's
    situational prevention); some places offer far more (the law of crime concentration,
    Weisburd 2015); problem-solving lowers it (Hinkle et al. 2020)."""
    return np.clip(prob * opportunity, 0.0, 1.0)


def place_attractiveness(u, p):
    """Each cell's attractiveness for offending, drawn once from a uniform u (quantile transform):
    A = exp(sigma z - sigma^2 / 2), z = Phi^-1(u), sigma = ``place_sigma``: lognormal with mean 1,
    so the mean offending rate is unchanged; all 1 when sigma = 0.

    Mechanism: crime concentrates at a few micro places (the law of crime concentration: 50% of
    crime at 2.1-6.0% of street segments in eight cities, Weisburd 2015). For a lognormal the
    top share q of places holds half of the expected offences when sigma = Phi^-1(1 - q):
    q = 4% gives sigma = 1.75 (2.1%: 2.03; 6%: 1.55)."""
    u = np.asarray(u, float)
    if p.place_sigma < 1e-6:
        return np.ones(len(u))
    from scipy.stats import norm

    z = norm.ppf(np.clip(u, 1e-12, 1 - 1e-12))
    return np.exp(p.place_sigma * z - p.place_sigma ** 2 / 2)


# --- officers (C4) -------------------------------------------------------------------------


def officer_quality(stress, p):
    """Procedural quality q = q_0 (1 - loss * stress): stressed officers are harsher (C4)."""
    return p.quality_base * (1.0 - p.stress_quality_loss * stress)


def absence_probability(stress, p):
    """Chance an officer is absent this step: absence_max * stress (C4)."""
    return p.absence_max * stress


def officer_workload(arrests, calls, exposure, on_duty, p):
    """Stress load of each officer this step (C4):

        load = on_duty * (shift * hours / 8 + c_call * calls + c_arrest * arrests + c_exp * exposure)

    calls: reports answered; arrests: arrests made (core or after a response); exposure:
    incidents within ``officer_vision``. Mechanism: operational stress rises with the demand of
    the job (Queiroes et al. 2020: 88% of officers report high operational stress; Parkes et al.
    2024: absence rises with job strain). Magnitudes: docs/ODD.md (anchored on mean absence and
    burnout shares, docs/evidence.md section 7)."""
    base = p.stress_per_shift * p.shift_hours / 8.0
    load = base + p.stress_per_call * calls + p.stress_per_confrontation * arrests + p.stress_per_exposure * exposure
    return np.where(on_duty, load, 0.0)


def officer_strain(load, susceptibility, p):
    """Load an officer feels: load * susceptibility_j, susceptibility drawn once per officer
    (Gamma, mean 1, coefficient of variation ``stress_susceptibility_cv``; see
    ``stress_susceptibility``).

    Mechanism: the same job weighs differently on different officers (coping, resilience,
    life outside work: Queiros et al. 2020, 53.8% low resilient coping); sickness absence is very
    unequal between officers (Parkes et al. 2024: 46% none in a year, 8% 20 days or more),
    which a spread of susceptibility reproduces (C4)."""
    return np.asarray(load, float) * susceptibility


def stress_susceptibility(u, p):
    """Each officer's stress susceptibility from a uniform draw u (quantile transform): Gamma with
    mean 1 and coefficient of variation cv = ``stress_susceptibility_cv`` (shape 1 / cv^2); all 1
    when cv < 0.001. Source of the spread: Parkes et al. (2024) absence distribution, which a
    Gamma-Poisson mixture with mean 1 fits with shape near 0.24 (cv near 2; docs/evidence.md 7)."""
    u = np.asarray(u, float)
    if p.stress_susceptibility_cv < 1e-3:                  # a spread this small is no spread
        return np.ones(len(u))
    from scipy.stats import gamma

    shape = 1.0 / p.stress_susceptibility_cv ** 2
    return gamma.ppf(np.clip(u, 1e-12, 1 - 1e-12), shape, scale=1.0 / shape)


def stress_after_step(stress, confrontations, welfare_level, p):
    """s' = clip(s + L (1 - s) - (recovery + relief(w)) s, 0, 1), L = ``confrontations``, the step's
    workload from ``officer_workload``; relief(w) = welfare_relief (1 + h) w / (w + h) with
    h = ``welfare_half``: welfare relief with diminishing returns, equal to welfare_relief at full
    funding (w = 1). The steady state L / (L + recovery + relief) stays in (0, 1) (C4)."""
    w = np.asarray(welfare_level, float)
    relief = p.welfare_relief * (1.0 + p.welfare_half) * w / (w + p.welfare_half)
    s = stress + confrontations * (1.0 - stress) - (p.stress_recovery + relief) * stress
    return np.clip(s, 0.0, 1.0)


# --- social programmes (C3) ----------------------------------------------------------------


def hardship_proxy(hardship, error, p):
    """What the programme observes: proxy = H + support_proxy_noise * e, e ~ N(0, 1) fixed per
    citizen (a proxy-means test's error is a property of the household, not of the day).

    Mechanism: targeting works on a noisy proxy of need (Brown, Ravallion & van de Walle 2018;
    Kidd & Athias 2019: poverty-targeted schemes miss 44-97% of their intended recipients) (C3)."""
    return hardship + p.support_proxy_noise * error


def support_priority(hardship, noise, p):
    """Who is supported first: targeting * proxy + (1 - targeting) * noise, highest first
    (``hardship`` is the observed proxy from ``hardship_proxy``; only claimants are ranked)."""
    return p.support_targeting * hardship + (1.0 - p.support_targeting) * noise


def support_cut(days_received, p):
    """Relative hardship cut of one support day: effect / (1 + days / saturation) (effect alone
    with saturation 0): diminishing returns per recipient, the first days of support do most
    (C3; the closest published model, JASSS 26(3) 12, 2023, uses diminishing returns too)."""
    if p.support_saturation <= 0:
        return np.full(np.shape(days_received), float(p.support_effect))
    return p.support_effect / (1.0 + np.asarray(days_received, float) / p.support_saturation)


def hardship_after_step(hardship, baseline, supported, p):
    """H' = (1 - cut) (H + relapse (H_0 - H)): hardship drifts back to the citizen's baseline H_0,
    and support cuts it by the fraction ``supported`` (the day's cut from ``support_cut``, 0 for
    citizens not supported; True counts as ``support_effect``) (C3)."""
    cut = np.asarray(supported)
    cut = cut * float(p.support_effect) if cut.dtype == bool else cut
    h = hardship + p.hardship_relapse * (baseline - hardship)
    return h - cut * h


def awareness_after_step(level, reach, p):
    """a' = clip(a + reach (a_max - a) - decay a, 0, a_max): campaigns raise awareness toward the
    ceiling a_max = ``awareness_max`` (the recall of a saturating campaign: 68% in van Dijk &
    Steinmetz 1981), and it fades (C3)."""
    return np.clip(level + reach * (p.awareness_max - level) - p.awareness_decay * level, 0.0, p.awareness_max)


def heat_after_step(heat, events, p):
    """Recent-activity map that reactive officers chase: heat' = (1 - decay) heat + events, with
    events this step's incidents plus active citizens per cell."""
    return (1.0 - p.heat_decay) * heat + events


def chase_choice(officer, target, heat, p):
    """Where each chasing officer heads: of its candidate pairs (officer, cell with heat > 0
    within ``officer_vision``) the pair with the most heat (ties: the first listed). Returns the
    chosen subset of pairs, at most one per officer.

    Mechanism: reactive officers chase reports and activity rather than walking at random
    (MODEL.md; Braga & Weisburd on the concentration of crime)."""
    if not len(officer):
        return officer[:0], target[:0]
    order = np.lexsort((-heat, officer))
    first = np.ones(len(order), bool)
    first[1:] = officer[order][1:] != officer[order][:-1]
    keep = order[first]
    return officer[keep], target[keep]


def effective_threshold(awareness, p):
    """Awareness raises the activation threshold: T_eff = T + gain * a (C3)."""
    return p.threshold + p.awareness_gain * awareness


RULE_NAMES = tuple(
    name for name, obj in list(globals().items())
    if callable(obj) and getattr(obj, "__module__", None) == __name__ and not name.startswith("_")
)
