"""Virtual experiments: each mirrors the design of a published study and returns its summary statistics.

Every experiment is a function ``f(values, seed, **settings) -> {statistic: float}``:

- ``values``: the calibrated parameters, ``{name: value}`` (integers may arrive as floats and are rounded);
  every other parameter keeps its default (or the experiment's preset);
- ``seed``: an integer; replicate ``r`` of every arm runs with the same model seed (common random
  numbers), so the difference between arms is the effect of the manipulation, not of the draw;
- ``settings``: the design of the experiment as written in ``targets.toml`` (grid, burn-in, steps,
  replicates, ...).

A parameter combination that :class:`sim.core.params.Params` rejects (for example a Beta distribution of
initial trust that does not exist) returns NaN for every statistic: the fit's distance treats it as
infinitely far, i.e. the prior is truncated to valid models.

Manipulations that the model has no preset for (one randomised police contact, a procedurally just
encounter) are applied with a ``after_core`` hook of :class:`sim.core.model.TrustModel`: the hook adds a
good or bad experience to the chosen citizens' tallies in that step, exactly as the model's own proximity
contacts do, so trust is updated by the model's own rules.
"""

from __future__ import annotations

import math

import numpy as np

from sim.core import rules
from sim.core.measures import CRIME_MEASURE
from sim.core.model import TrustModel
from sim.core.params import ParamError, Params

ASYMMETRY_CAP = 50.0
INT_PARAMS = frozenset(n for n in Params.names() if Params.spec(n)["type"] == "int")


def model_values(values: dict) -> dict:
    """``values`` with integer parameters rounded and NumPy scalars as Python numbers."""
    out = {}
    for name, value in values.items():
        value = value.item() if isinstance(value, np.generic) else value
        out[name] = int(round(value)) if name in INT_PARAMS else float(value) if isinstance(value, (int, float)) \
            and not isinstance(value, bool) else value
    return out


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """One model seed per replicate, shared by every arm of the experiment (common random numbers)."""
    return [int(s.generate_state(1, np.uint64)[0] % 2**62) for s in np.random.SeedSequence(int(seed)).spawn(replicates)]


def _params(values: dict, preset: str | None, grid: int, **extra) -> Params | None:
    try:
        return Params.build(preset, **{"width": grid, "height": grid, **model_values(values), **extra})
    except ParamError:
        return None


def _nan(*names) -> dict:
    return {n: math.nan for n in names}


# ------------------------------------------------------------------------------------------ experiments
def police_elasticity(values: dict, seed: int, *, grid: int = 30, burn_in: int = 20, steps: int = 60,
                      replicates: int = 2, change: float = 0.10, preset: str = "reactive") -> dict:
    """Elasticity of crime with respect to the number of officers (Chalfin & McCrary 2018; Levitt).

    Two arms at the same seed: the budget (so the officers bought) cut and raised by ``change`` (+-10%).
    Crime is the model's ordinary offending (ODD 7.8: offences map to crime statistics; rebel incidents
    are public disorder, counted apart), measured without draw noise as ``offence_risk`` (CRIME_MEASURE: the sum of the
    quiet citizens' offending chances per step), summed over ``steps`` steps after ``burn_in`` and over the
    replicates; the arc elasticity is ``log(O+ / O-) / log(officers+ / officers-)`` with the officers
    actually employed (whole people)."""
    base = _params(values, preset, grid)
    if base is None:
        return _nan("elasticity")
    crime, officers = {}, {}
    for sign in (-1, +1):
        p = _params(values, preset, grid, budget_per_cell=base.budget_per_cell * (1 + sign * change))
        if p is None:
            return _nan("elasticity")
        crime[sign] = 0.0
        for s in replicate_seeds(seed, replicates):
            m = TrustModel(params=p, rng=s).run(burn_in + steps)
            crime[sign] += _crime(m, burn_in)
            officers[sign] = len(m.officers)
    if officers[+1] <= officers[-1] or officers[-1] == 0 or min(crime.values()) <= 0:
        return _nan("elasticity")
    return {"elasticity": math.log(crime[+1] / crime[-1]) / math.log(officers[+1] / officers[-1])}


def _crime(model: TrustModel, burn_in: int) -> float:
    """Expected ordinary offences per 1,000 citizens summed over the steps after ``burn_in``
    (``offence_risk``: the offending chances, so two arms differ by their deterrence, not by draw noise)."""
    return float(model.results[CRIME_MEASURE].iloc[burn_in + 1:].sum())


def community_policing(values: dict, seed: int, *, grid: int = 30, burn_in: int = 20, steps: int = 60,
                       replicates: int = 2, treatment: str = "proximity", control: str = "reactive") -> dict:
    """Community policing against reactive enforcement at the same budget (Gill et al. 2014).

    Two arms at the same seed: the ``proximity`` and ``reactive`` presets. Over the ``steps`` steps after
    ``burn_in``: ``legitimacy_gain_sd``, the difference in mean trust (the model's legitimacy), averaged
    over the window and the replicates, in standard deviations of citizens' trust in the control arm at
    the end; ``crime_log_ratio``, the change in crime as ``log(O_t / O_c)``, O the expected ordinary
    offences (:func:`_crime`; ODD 7.8: offences, not rebel incidents, map to crime statistics; a log ratio
    rather than ``O_t / O_c - 1``, whose tail when the control arm has almost no crime swamps the
    screening and the distance)."""
    out = {}
    for arm in (treatment, control):
        p = _params(values, arm, grid)
        if p is None:
            return _nan("legitimacy_gain_sd", "crime_log_ratio")
        trust, crime, sds = [], 0.0, []
        for s in replicate_seeds(seed, replicates):
            m = TrustModel(params=p, rng=s).run(burn_in + steps)
            trust.append(float(m.results["trust_mean"].iloc[burn_in + 1:].mean()))
            crime += _crime(m, burn_in)
            sds.append(float(np.std(m.legitimacy)))
        out[arm] = (float(np.mean(trust)), crime, float(np.mean(sds)))
    sd = out[control][2]
    gain = (out[treatment][0] - out[control][0]) / sd if sd > 0 else math.nan
    ratio = math.log(out[treatment][1] / out[control][1]) if min(out[treatment][1], out[control][1]) > 0 else math.nan
    return {"legitimacy_gain_sd": gain, "crime_log_ratio": ratio}


class _OneDayContacts:
    """An ``after_core`` hook: at step ``at``, citizens of ``good`` get a good experience, of ``bad`` a bad
    one, before the model updates trust in that step. ``as_contact``: weighted as the model weighs a
    proximity contact (``rules.contact_experiences``, where the model has that rule: issue 12's
    ``contact_negativity_bias``); otherwise one generic experience each (weight 1, bad ones then count
    ``negativity_bias`` times in the trust update)."""

    def __init__(self, at: int, good=(), bad=(), as_contact: bool = False):
        self.at, self.good, self.bad = at, np.asarray(good, np.int64), np.asarray(bad, np.int64)
        self.as_contact = as_contact

    def __call__(self, model):
        if model.steps != self.at:
            return
        w_good, w_bad = 1.0, 1.0
        rule = getattr(model.rules, "contact_experiences", None) if self.as_contact else None
        if rule is not None:
            g, _ = rule(np.ones(1, bool), model.p)
            _, b = rule(np.zeros(1, bool), model.p)
            w_good, w_bad = float(g[0]), float(b[0])
        model.tally.good[self.good] += w_good
        model.tally.bad[self.bad] += w_bad


def _randomised_contacts(p: Params, seed: int, burn_in: int, lag: int, assign,
                         as_contact: bool = True) -> tuple[np.ndarray, dict, np.ndarray]:
    """Run ``burn_in`` steps, then at day 0 (step ``burn_in + 1``) give contacts chosen by
    ``assign(rng, free_ids, model) -> {arm: (good_ids, bad_ids, members)}``; run ``lag`` more steps.
    Returns each citizen's change in trust from just before day 0 to ``lag`` days after it (the
    within-person difference removes the spread of baseline trust) and the arms' members."""
    m = TrustModel(params=p, rng=seed).run(burn_in)
    before = m.legitimacy.copy()
    rng = np.random.default_rng([int(seed), 7919])          # the assignment's own stream: the model's draws stay common
    free = np.flatnonzero(~m.citizens.jailed)
    arms = assign(rng, free, m)
    good = np.concatenate([a[0] for a in arms.values()])
    bad = np.concatenate([a[1] for a in arms.values()])
    m.hooks["after_core"].append(_OneDayContacts(m.steps + 1, good, bad, as_contact))
    m.run(1 + lag)
    return m.legitimacy - before, {k: a[2] for k, a in arms.items()}, before


def _split(rng, ids, parts: int) -> list[np.ndarray]:
    return np.array_split(rng.permutation(ids), parts)


def _valence(rng, ids, quality: float) -> tuple[np.ndarray, np.ndarray]:
    """Each contact is good with probability ``quality`` (the model's rule for proximity contacts)."""
    good = rng.random(len(ids)) < quality
    return ids[good], ids[~good]


def _officer_quality(m) -> float:
    q = m.quality
    return float(q.mean()) if len(q) else float(m.p.quality_base)


def contact_asymmetry(values: dict, seed: int, *, grid: int = 30, burn_in: int = 20, lag: int = 7,
                      replicates: int = 2, preset: str = "reactive") -> dict:
    """Impact of a bad police contact relative to a good one (Skogan 2006).

    Free citizens are split at random in three at day 0: one good contact, one bad contact, none
    (control); each is one generic experience (Skogan's encounters include reports answered or ignored,
    which the model weighs with ``negativity_bias``), not a proximity contact (which issue 12 weighs with
    ``contact_negativity_bias``, Oliveira et al.'s near-symmetric procedural channel).
    ``asymmetry = -(dT_bad - dT_control) / (dT_good - dT_control)`` ``lag`` days later, where dT is
    the mean within-person change of trust; replicates pooled. Capped at ``ASYMMETRY_CAP`` (also when good
    contacts do not raise trust but bad ones lower it); NaN when neither moves trust (``trust_step`` 0)."""
    p = _params(values, preset, grid)
    if p is None:
        return _nan("asymmetry")

    def assign(rng, free, m):
        good, bad, control = _split(rng, free, 3)
        empty = np.empty(0, np.int64)
        return {"good": (good, empty, good), "bad": (empty, bad, bad), "control": (empty, empty, control)}

    effects = {"good": [], "bad": []}
    for s in replicate_seeds(seed, replicates):
        change, arms, _ = _randomised_contacts(p, s, burn_in, lag, assign, as_contact=False)
        base = change[arms["control"]].mean()
        effects["good"].append(change[arms["good"]].mean() - base)
        effects["bad"].append(change[arms["bad"]].mean() - base)
    good, bad = float(np.mean(effects["good"])), float(np.mean(effects["bad"]))
    if good > 0:
        ratio = min(max(-bad / good, 0.0), ASYMMETRY_CAP)
    else:       # good contacts do nothing (or harm): bad ones weigh "infinitely" more, or neither moves trust
        ratio = ASYMMETRY_CAP if bad < 0 else math.nan
    return {"asymmetry": ratio}


def door_to_door(values: dict, seed: int, *, grid: int = 30, burn_in: int = 20, lag: int = 21,
                 replicates: int = 2, preset: str = "reactive") -> dict:
    """One door-to-door contact, measured three weeks later (Peyton, Sierra-Arevalo & Rand 2019).

    Free citizens are randomised at day 0: half receive one contact from an officer (good with the
    probability of the officers' current procedural quality, the model's rule for proximity contacts),
    half none. ``effect_sd``: the treated minus control mean change in trust ``lag`` (21) days later, in
    standard deviations of baseline trust (the study's metric); replicates pooled."""
    p = _params(values, preset, grid)
    if p is None:
        return _nan("effect_sd")

    def assign(rng, free, m):
        treated, control = _split(rng, free, 2)
        good, bad = _valence(rng, treated, _officer_quality(m))
        return {"treated": (good, bad, treated), "control": (np.empty(0, np.int64),) * 2 + (control,)}

    effects = []
    for s in replicate_seeds(seed, replicates):
        change, arms, before = _randomised_contacts(p, s, burn_in, lag, assign)
        sd = float(np.std(before))
        effects.append((change[arms["treated"]].mean() - change[arms["control"]].mean()) / sd if sd > 0 else math.nan)
    return {"effect_sd": float(np.mean(effects))}


def procedural_justice(values: dict, seed: int, *, grid: int = 30, burn_in: int = 20, lag: int = 7,
                       replicates: int = 2, preset: str = "reactive") -> dict:
    """A procedurally just encounter against a usual one (Mazerolle et al. 2013).

    Every free citizen has one police encounter at day 0; half at random get it delivered with
    procedural justice (good for certain: quality 1), half a usual one (good with the officers' current
    quality). ``lag`` days later: ``confidence_gain_sd``, the difference in mean trust change in SD of
    baseline trust; ``cooperation_gain``, the difference in the within-person change of the chance of
    reporting a witnessed incident (the model's cooperation, ``rules.report_probability``), relative to
    the usual arm's chance before the encounter."""
    p = _params(values, preset, grid)
    if p is None:
        return _nan("confidence_gain_sd", "cooperation_gain")

    def assign(rng, free, m):
        just, usual = _split(rng, free, 2)
        good, bad = _valence(rng, usual, _officer_quality(m))
        return {"just": (just, np.empty(0, np.int64), just), "usual": (good, bad, usual)}

    conf, coop = [], []
    for s in replicate_seeds(seed, replicates):
        change, arms, before = _randomised_contacts(p, s, burn_in, lag, assign)
        sd = float(np.std(before))
        conf.append((change[arms["just"]].mean() - change[arms["usual"]].mean()) / sd if sd > 0 else math.nan)
        after = before + change

        (d_just, _), (d_usual, r_usual) = (_reporting_change(before, after, arms[a], p) for a in ("just", "usual"))
        coop.append((d_just - d_usual) / r_usual if r_usual > 0 else math.nan)
    return {"confidence_gain_sd": float(np.mean(conf)), "cooperation_gain": float(np.mean(coop))}


def _reporting_change(before, after, ids, p) -> tuple[float, float]:
    """Mean within-person change of the chance of reporting, and its mean before."""
    r0 = rules.report_probability(before[ids], p)
    return float(np.mean(rules.report_probability(after[ids], p) - r0)), float(np.mean(r0))


def punctuated_equilibrium(values: dict, seed: int, *, grid: int = 40, steps: int = 500, replicates: int = 1,
                           preset: str = "epstein-run2", burst: float = 0.05, quiet: float = 0.01) -> dict:
    """Epstein's (2002) punctuated equilibrium in the rebellion layer (run 2, figs. 3-7).

    One long run of the ``epstein-run2`` preset (every extension off). ``outbursts_per_100``: outbursts
    per 100 steps, an outburst being a rise of the active fraction above ``burst`` after it was below
    ``quiet``; ``quiet_share``: the share of steps with the active fraction below ``quiet``. Replicates
    averaged. The calibrated parameters apply where the preset uses them (none of today's candidates
    does: trust, incidents and stress are off in Epstein's presets)."""
    p = _params(values, preset, grid)
    if p is None:
        return _nan("outbursts_per_100", "quiet_share")
    rates, shares = [], []
    for s in replicate_seeds(seed, replicates):
        active = TrustModel(params=p, rng=s).run(steps).results["active_fraction"].to_numpy()[1:]
        count, armed = 0, False
        for a in active:
            if a < quiet:
                armed = True
            elif a > burst and armed:
                count, armed = count + 1, False
        rates.append(100.0 * count / steps)
        shares.append(float(np.mean(active < quiet)))
    return {"outbursts_per_100": float(np.mean(rates)), "quiet_share": float(np.mean(shares))}


class _HotSpotBeats:
    """A ``step_end`` hook: at the end of step ``at`` (the first day with hot-spot officers, whom the
    model placed on its own hottest cells that day), each hot-spot officer's beat is re-centred on a
    treated place (``centres``, one entry per officer) and the officer moves to an empty cell within
    ``beat_radius`` of it; ``hotspot_refresh`` is set beyond the run, so the model never re-centres them.
    Moves use the experiment's own random stream (the model's streams are not drawn from). The window's
    incident map starts here (``start``)."""

    def __init__(self, at: int, centres: np.ndarray, rng: np.random.Generator):
        self.at, self.centres, self.rng, self.start = at, np.asarray(centres, np.int64), rng, None

    def __call__(self, model):
        if model.steps != self.at:
            return
        o, p = model.officers, model.p
        ids = np.flatnonzero(o.hotspot)
        assert len(ids) == len(self.centres), "hot-spot officers and treated places differ in number"
        o.beat[ids] = self.centres
        todo = ids[model.grid.chebyshev(o.cell[ids], o.beat[ids]) > p.beat_radius]
        for _ in range(5):          # a few rounds: two officers may aim at the same empty cell
            if not len(todo):
                break
            target = model.grid.claim_empty_near(model.occ, o.beat[todo], self.rng, p.beat_radius, "moore", p.move_tries)
            moved = model._relocate_officers(todo, target)  # the model's own move (keeps its occupancy consistent)
            todo = np.setdiff1d(todo, moved)
        self.start = model.incident_map.copy()


def _places(grid: int, place: int) -> tuple[np.ndarray, int]:
    """Place index of every cell (``place`` x ``place`` blocks, row-major) and the places per side."""
    side = grid // place
    y, x = np.divmod(np.arange(grid * grid), grid)
    return (y // place) * side + x // place, side


def _ring(places: np.ndarray, side: int) -> set[int]:
    """The places around ``places`` (Moore neighbours on the torus of places), ``places`` excluded."""
    out = set()
    for q in places:
        py, px = divmod(int(q), side)
        out |= {((py + dy) % side) * side + (px + dx) % side for dy in (-1, 0, 1) for dx in (-1, 0, 1)}
    return out - {int(q) for q in places}


def hot_spots_policing(values: dict, seed: int, *, grid: int = 40, burn_in: int = 30, steps: int = 90,
                       replicates: int = 2, preset: str = "reactive", place: int = 4, hot_spots: int = 20,
                       officers_per_spot: int = 1) -> dict:
    """Hot-spots policing in a randomised place-based trial (Braga et al. 2019; Braga & Weisburd 2022).

    The city is cut into places of ``place`` x ``place`` cells. After ``burn_in`` steps of the ``preset``
    (reactive enforcement), the ``hot_spots`` places with the most incidents so far are the hot spots;
    they are paired by rank (1-2, 3-4, ...) and one of each pair is treated, at random (blocked
    randomisation on past incidents, as in the Minneapolis and Jersey City trials; the assignment has its
    own random stream). From day 1 the treated places get ``officers_per_spot`` officers each through the
    model's own hot-spots deployment (``hotspot_fraction``: officers kept within ``beat_radius`` of their
    beat, no contacts), taken from the reactive officers at the same budget, as a department redeploys
    patrol; their beats are centred on the treated places from the end of day 1 (``_HotSpotBeats``).
    Control places get the usual (reactive) policing. Over the ``steps`` steps after day 1, replicates
    pooled, incidents per place:

    - ``incident_change``: treated hot spots against control hot spots, ``(I_T + 0.5) / (I_C + 0.5) - 1``
      (the arms have equal numbers of places; continuity 0.5);
    - ``catchment_change``: the same for the catchment areas, the ring of places around the treated hot
      spots against the ring around the control ones (per place: rings differ in size), places near both
      arms or themselves hot spots left out. Above 0: displacement; below 0: diffusion of benefits.

    Both arms are places of the same run, so they share every random number (common random numbers hold
    by construction); replicates differ in seed. Post-period counts are compared rather than the
    pre/post ratio (Braga's RIRR): with the pairs balanced on past incidents, the pre-period adds noise
    without removing bias (randomisation removes it)."""
    p = _params(values, preset, grid)
    if p is None or grid % place or hot_spots < 2:
        return _nan("incident_change", "catchment_change")
    place_of, side = _places(grid, place)
    n_places = side * side
    hot_spots = min(hot_spots - hot_spots % 2, n_places - n_places % 2)
    counts = np.zeros(4)            # treated spots, control spots, treated ring, control ring: incidents
    sizes = np.zeros(4)             # ... and places
    for s in replicate_seeds(seed, replicates):
        rng = np.random.default_rng([int(s), 104729])       # the trial's own stream
        m = TrustModel(params=p, rng=s).run(burn_in)
        past = np.bincount(place_of, weights=m.incident_map, minlength=n_places)
        order = np.lexsort((rng.random(n_places), -past))   # most incidents first, ties at random
        pairs = order[:hot_spots].reshape(-1, 2)
        flip = rng.random(len(pairs)) < 0.5
        treated, control = np.where(flip, pairs[:, 0], pairs[:, 1]), np.where(flip, pairs[:, 1], pairs[:, 0])
        n_officers = len(treated) * officers_per_spot
        if n_officers > len(m.officers):
            return _nan("incident_change", "catchment_change")
        if n_officers:
            py, px = np.divmod(treated, side)
            centres = np.repeat((py * place + place // 2) * grid + px * place + place // 2, officers_per_spot)
            m.set_params(hotspot_fraction=n_officers / len(m.officers), hotspot_refresh=10000)
            hook = _HotSpotBeats(m.steps + 1, centres, rng)
            m.hooks["step_end"].append(hook)
            m.run(1)
            start = hook.start
        else:
            m.run(1)
            start = m.incident_map.copy()
        m.run(steps)
        post = np.bincount(place_of, weights=m.incident_map - start, minlength=n_places)
        ring_t, ring_c = _ring(treated, side), _ring(control, side)
        spots = set(pairs.ravel().tolist())
        ring_t, ring_c = sorted(ring_t - ring_c - spots), sorted(ring_c - ring_t - spots)
        for k, group in enumerate((treated, control, ring_t, ring_c)):
            counts[k] += post[np.asarray(group, np.int64)].sum()
            sizes[k] += len(group)
    if sizes[2] == 0 or sizes[3] == 0:
        ring = math.nan
    else:
        ring = ((counts[2] + 0.5) / sizes[2]) / ((counts[3] + 0.5) / sizes[3]) - 1.0
    return {"incident_change": (counts[0] + 0.5) / (counts[1] + 0.5) - 1.0, "catchment_change": ring}


EXPERIMENTS = {f.__name__: f for f in (police_elasticity, community_policing, contact_asymmetry, door_to_door,
                                       procedural_justice, punctuated_equilibrium, hot_spots_policing)}
