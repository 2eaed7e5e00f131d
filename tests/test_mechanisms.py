"""Each mechanism moves what it should, and switching it off removes its effect.

Most tests compare two runs that share their random numbers (same seed, one parameter
changed) at the first step where they can differ, or call one rule of sim.core.rules directly
with constructed arrays. They assert directions and exact identities, not magnitudes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import rules
from sim.core.params import Params

# Trust moved by nothing at all: every experience weight zero, no fading memory, no influence.
NO_TRUST_CHANNELS = dict(weight_arrested=0.0, weight_witness_arrest=0.0, weight_help=0.0, weight_report=0.0,
                         weight_unanswered=0.0, trust_memory=0.0, influence_on=False)
# Nobody can become active (G - R P <= 1 < T), so nobody is arrested by the core.
NOBODY_ACTIVE = dict(threshold=1.0)
# Quiet citizens' incidents from the plain rate incident_rate_quiet * G (ordinary offending off), with
# initial trust 0.88 (the default before the calibration) so that grievance makes incidents in 3 steps.
PLAIN_INCIDENTS = dict(offending_on=False, trust_initial_mean=0.88)
# Many actives: global legitimacy low.
RESTLESS = dict(trust_on=False, legitimacy=0.2)
P = Params()
unit = st.floats(0.0, 1.0)
TINY = 1e-12  # trust passes through the rules' arithmetic every step: "unchanged" means within this


def assert_unchanged(a, b):
    np.testing.assert_allclose(a, b, rtol=0, atol=TINY)


def torus_offsets(a, b, width, height):
    """(dy, dx) from cells a to cells b on the torus, each in [-size/2, size/2]."""
    ay, ax = np.divmod(a, width)
    by, bx = np.divmod(b, width)
    dy = (by - ay + height // 2) % height - height // 2
    dx = (bx - ax + width // 2) % width - width // 2
    return dy, dx


def within(dy, dx, radius, geometry):
    if geometry == "moore":
        return np.maximum(np.abs(dy), np.abs(dx)) <= radius
    if geometry == "von_neumann":
        return np.abs(dy) + np.abs(dx) <= radius
    return dy * dy + dx * dx <= radius * radius


# --- trust_on: individual trust replaces global legitimacy ----------------------------------------

def test_trust_on_moves_trust_and_grievance_uses_it(make):
    m = make(legitimacy=0.3).run(10)
    c = m.citizens
    assert not np.array_equal(c.trust, c.trust0)
    df = m.results
    assert df.trust_mean.nunique() > 1
    free = ~c.jailed
    assert df.tension.iloc[-1] == pytest.approx(np.mean(c.hardship[free] * (1 - c.trust[free])))


def test_trust_off_keeps_global_legitimacy(make):
    m = make(trust_on=False, legitimacy=0.3, trust_initial_mean=0.7).run(10)
    c = m.citizens
    np.testing.assert_array_equal(c.trust, c.trust0)
    df = m.results
    np.testing.assert_allclose(df.trust_mean, 0.3)
    np.testing.assert_allclose(df.trust_p10, 0.3)
    free = ~c.jailed
    assert df.tension.iloc[-1] == pytest.approx(np.mean(c.hardship[free] * 0.7))


def test_trust_update_keeps_trust_in_unit_interval_for_any_counts():
    t = np.linspace(0, 1, 11)
    for good in (0.0, 1.0, 40.0):
        for bad in (0.0, 1.0, 40.0):
            out = rules.trust_after_experiences(t, np.full(11, good), np.full(11, bad), P.replace(trust_step=0.5))
            assert np.all(out >= 0) and np.all(out <= 1)


# --- experiences ---------------------------------------------------------------------------------

def test_being_arrested_lowers_exactly_the_arrested_citizens_trust(make):
    """Only the arrest weight on: after step 1, the arrested citizens' trust is the trust rule
    applied to one bad experience of weight w; everyone else is untouched."""
    m = make(NO_TRUST_CHANNELS, weight_arrested=2.0, incidents_on=False, trust_initial_mean=0.3,
             trust_initial_sd=0.1).run(1)
    c, p = m.citizens, m.p
    assert c.jailed.any()
    j = c.jailed
    expected = rules.trust_after_experiences(c.trust0[j], np.zeros(j.sum()), np.full(j.sum(), p.weight_arrested), p)
    np.testing.assert_allclose(c.trust[j], expected, rtol=1e-12)
    assert np.all(c.trust[j] < c.trust0[j])
    assert_unchanged(c.trust[~j], c.trust0[~j])


@pytest.mark.parametrize("quality, moves", [(0.2, True), (1.0, False)])
def test_witnessing_an_arrest_hurts_trust_only_when_the_officer_conduct_is_poor(make, quality, moves):
    m = make(NO_TRUST_CHANNELS, weight_witness_arrest=1.0, incidents_on=False, stress_on=False,
             quality_base=quality, trust_initial_mean=0.3, witness_radius=2).run(1)
    c = m.citizens
    assert c.jailed.any()
    changed = np.abs(c.trust - c.trust0) > TINY
    assert np.all(c.trust <= c.trust0 + TINY)
    assert changed.any() == moves
    assert not changed[c.jailed].any()  # the arrested are not witnesses of their own arrest


@pytest.mark.parametrize("officers", [0.0, 0.2])
def test_reports_answered_or_ignored_move_reporters_trust(make, officers):
    """Only the report weight on. With no officers every report is ignored: trust only falls.
    With many officers within reach, reports are answered: trust rises for some."""
    m = make(NO_TRUST_CHANNELS, NOBODY_ACTIVE, weight_report=1.0, budget_on=False, officer_density=officers,
             incident_rate_quiet=0.1, report_base=1.0, stress_on=False, **PLAIN_INCIDENTS).run(3)
    d = m.citizens.trust - m.citizens.trust0
    assert m.results.incidents.sum() > 0
    if officers == 0:
        assert (d < -TINY).any() and not (d > TINY).any()
    else:
        assert (d > TINY).any()


def test_unanswered_incidents_lower_witnesses_trust_only(make):
    m = make(NO_TRUST_CHANNELS, NOBODY_ACTIVE, weight_unanswered=1.0, budget_on=False, officer_density=0.0,
             incident_rate_quiet=0.1, **PLAIN_INCIDENTS).run(3)
    d = m.citizens.trust - m.citizens.trust0
    assert m.results.incidents.sum() > 0
    assert (d < -TINY).any() and not (d > TINY).any()


def test_fading_memory_returns_trust_geometrically_to_its_baseline(make):
    import sim

    m = make(NO_TRUST_CHANNELS, NOBODY_ACTIVE, incidents_on=False, trust_memory=0.2,
             interventions=[sim.Intervention(step=2, shock={"trust": -0.5})]).run(2)
    c = m.citizens
    gap = c.trust - c.trust0
    assert (gap < 0).all()
    m.step()
    np.testing.assert_allclose(c.trust - c.trust0, 0.8 * gap, atol=1e-12)


# --- influence_on: trust moves toward the neighbours' mean ------------------------------------------

@pytest.mark.parametrize("geometry", ["moore", "von_neumann", "euclidean"])
def test_influence_moves_trust_toward_the_mean_of_neighbours(make, geometry):
    """Checked against a brute-force neighbour mean over the torus."""
    m = make(NO_TRUST_CHANNELS, NOBODY_ACTIVE, incidents_on=False, geometry=geometry, influence_on=True,
             influence_rate=0.5, influence_radius=2, width=12, height=12, vision=3, officer_vision=3,
             response_radius=3, trust_initial_sd=0.2, trust_initial_mean=0.5).run(1)
    c, p = m.citizens, m.p
    assert not c.jailed.any()
    t0 = c.trust0
    dy, dx = torus_offsets(c.cell[:, None], c.cell[None, :], p.width, p.height)
    near = within(dy, dx, p.influence_radius, geometry) & ~np.eye(len(c), dtype=bool)
    count = near.sum(1)
    mean = np.where(count > 0, (near * t0[None, :]).sum(1) / np.maximum(count, 1), t0)
    np.testing.assert_allclose(c.trust, t0 + p.influence_rate * (mean - t0), rtol=0, atol=1e-10)
    assert c.trust.std() < t0.std()


def test_influence_off_leaves_trust_alone(make):
    m = make(NO_TRUST_CHANNELS, NOBODY_ACTIVE, incidents_on=False, influence_rate=0.5).run(3)
    assert_unchanged(m.citizens.trust, m.citizens.trust0)


# --- incidents_on: incidents, reporting, response -----------------------------------------------------

def test_incidents_are_counted_mapped_and_costed(make):
    m = make(RESTLESS).run(8)
    df = m.results
    assert df.incidents.sum() > 0
    assert m.maps["incidents"].sum() == df.incidents.sum()
    np.testing.assert_allclose(df.cost_incidents, df.incidents * m.p.incident_cost)
    some = df.incidents > 0
    assert ((df.reported_share[some] >= 0) & (df.reported_share[some] <= 1)).all()


def test_incidents_off_means_no_incidents_reports_or_responses(make):
    m = make(RESTLESS, incidents_on=False).run(8)
    df = m.results
    assert (df.incidents == 0).all() and df.reported_share.isna().all() and (df.cost_incidents == 0).all()
    assert m.maps["incidents"].sum() == 0


def test_reported_incidents_draw_a_response_that_can_arrest(make):
    """Nobody is active, so every arrest comes from answering a report."""
    base = dict(NOBODY_ACTIVE, **PLAIN_INCIDENTS, incident_rate_quiet=0.1, response_arrest_prob=1.0, stress_on=False)
    answered = make(**base, report_base=1.0).run(3).results
    assert answered.arrests.sum() > 0
    silent = make(**base, report_base=0.0, report_trust_gain=0.0).run(3).results
    assert silent.incidents.sum() > 0 and silent.arrests.sum() == 0 and (silent.reported_share.fillna(0) == 0).all()


def _constant_incidents(active, grievance, p):
    return np.full(len(grievance), 0.05)


def test_reporting_rises_with_trust(make, monkeypatch):
    """Incidents made independent of trust: the same incidents at step 1, and the more
    trusting population reports a superset of them."""
    monkeypatch.setattr(rules, "incident_probability", _constant_incidents)
    rows = {}
    for mean in (0.2, 0.9):
        m = make(NOBODY_ACTIVE, PLAIN_INCIDENTS, trust_initial_mean=mean, trust_initial_sd=0.0, report_base=0.05,
                 report_trust_gain=0.9).run(6)
        rows[mean] = m.results
    low, high = rows[0.2], rows[0.9]
    assert low.incidents[1] == high.incidents[1] > 0
    assert high.reported_share[1] > low.reported_share[1]
    share = {k: (v.reported_share * v.incidents).sum() / v.incidents.sum() for k, v in rows.items()}
    assert share[0.9] > share[0.2]


@settings(max_examples=50, deadline=None)
@given(t1=unit, t2=unit, base=unit, gain=unit)
def test_report_probability_is_monotone_in_trust_and_a_probability(t1, t2, base, gain):
    p = P.replace(report_base=base, report_trust_gain=gain)
    lo, hi = sorted((t1, t2))
    r = rules.report_probability(np.array([lo, hi]), p)
    assert 0 <= r[0] <= r[1] <= 1


# --- stress_on: confrontations, quality, absence, welfare ---------------------------------------------

STRESSFUL = dict(RESTLESS, stress_on=True, stress_per_confrontation=0.3, stress_recovery=0.0)


def test_stress_rises_with_confrontations(make):
    df = make(STRESSFUL, absence_max=0.0).run(6).results
    assert df.arrests.sum() > 0
    assert df.officer_stress.iloc[-1] > 0
    assert (np.diff(df.officer_stress) >= 0).all()  # no recovery, no welfare: stress only rises


def test_stress_off_means_no_stress_no_absence_and_base_quality(make):
    m = make(STRESSFUL, stress_on=False, absence_max=1.0).run(6)
    df = m.results
    assert (df.officer_stress == 0).all()
    assert (df.officers_on_duty == df.officers).all()
    np.testing.assert_array_equal(m.quality, m.p.quality_base)


def test_absence_rises_with_stress(make):
    stressed = make(STRESSFUL, absence_max=1.0).run(8).results
    assert stressed.officers_on_duty[1] == stressed.officers[1]  # nobody is stressed before step 1
    assert (stressed.officers_on_duty < stressed.officers).any()
    calm = make(STRESSFUL, absence_max=0.0).run(8).results
    assert (calm.officers_on_duty == calm.officers).all()


def test_stressed_officers_have_lower_procedural_quality(make):
    m = make(STRESSFUL, absence_max=0.0, quality_base=0.9, stress_quality_loss=0.5).run(6)
    stress, quality = m.officers.stress, m.quality
    assert (stress > 0).any()
    assert np.all(quality[stress > 0] < 0.9)
    np.testing.assert_array_equal(quality[stress == 0], 0.9)
    assert np.all(np.diff(quality[np.argsort(stress)]) <= 1e-15)  # the more stressed, the harsher


@settings(max_examples=50, deadline=None)
@given(s1=unit, s2=unit, amax=unit, q0=unit, loss=unit)
def test_stress_lowers_quality_and_raises_absence(s1, s2, amax, q0, loss):
    p = P.replace(absence_max=amax, quality_base=q0, stress_quality_loss=loss)
    lo, hi = sorted((s1, s2))
    a = rules.absence_probability(np.array([lo, hi]), p)
    q = rules.officer_quality(np.array([lo, hi]), p)
    assert 0 <= a[0] <= a[1] <= 1
    assert 0 <= q[1] <= q[0] <= 1
    if hi - lo > 1e-6:
        assert a[1] > a[0] or amax < 1e-6
        assert q[1] < q[0] or q0 * loss < 1e-6


WELFARE = dict(STRESSFUL, share_officers=0.5, share_welfare=0.5, absence_max=0.0)


def test_welfare_lowers_stress(make):
    a = make(WELFARE, welfare_relief=0.0).run(8)
    b = make(WELFARE, welfare_relief=0.3).run(8)
    assert len(a.officers) == len(b.officers) > 0 and a.allocation.welfare_level == 1.0
    sa, sb = a.results.officer_stress, b.results.officer_stress
    assert sb[1] <= sa[1] and sb.sum() < sa.sum()
    assert sa.iloc[-1] > 0


def test_welfare_relief_without_welfare_spending_has_no_effect(make):
    off = dict(WELFARE, share_officers=0.5, share_welfare=0.0, share_support=0.5)
    a = make(**off, welfare_relief=0.0).run(6).results
    b = make(**off, welfare_relief=0.3).run(6).results
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=50, deadline=None)
@given(s=unit, c1=st.integers(0, 5), c2=st.integers(0, 5), w1=unit, w2=unit)
def test_stress_rule_rises_with_confrontations_and_falls_with_welfare(s, c1, c2, w1, w2):
    lo_c, hi_c = sorted((c1, c2))
    lo_w, hi_w = sorted((w1, w2))
    out = rules.stress_after_step(np.full(2, s), np.array([lo_c, hi_c]), lo_w, P)
    assert 0 <= out[0] <= out[1] <= 1
    out = rules.stress_after_step(np.full(2, s), np.full(2, c1), np.array([lo_w, hi_w]), P)
    assert 0 <= out[1] <= out[0] <= 1


# --- budget_on ----------------------------------------------------------------------------------------

def test_budget_buys_officers_and_programmes(make):
    m = make(preset="mixed").run(2)
    a, p = m.allocation, m.p
    assert len(m.officers) == math.floor(p.budget_per_cell * 400 * p.share_officers / p.officer_cost + 1e-9)
    assert int(m.officers.proximity.sum()) == round(p.proximity_fraction * len(m.officers))
    df = m.results
    assert (df.cost_programmes > 0).all() and (df.supported[1:] == a.support_recipients).all() and a.support_recipients > 0
    assert df.awareness.iloc[-1] > 0
    assert (df.budget_spent <= a.budget + 1e-9).all()


def test_budget_off_uses_officer_density_and_ignores_the_shares(make):
    base = dict(budget_on=False, officer_density=0.05, proximity_fraction=0.0)
    m = make(**base).run(4)
    df = m.results
    assert len(m.officers) == round(0.05 * 400)
    assert (df.cost_programmes == 0).all() and (df.supported == 0).all() and (df.awareness == 0).all()
    other = make(**base, share_officers=0.2, share_support=0.5, share_awareness=0.5).run(4).results
    pd.testing.assert_frame_equal(df, other)


# --- social support -------------------------------------------------------------------------------

# Support as in the first version: everyone claims, hardship observed exactly, no administration
# share, no diminishing returns (tests/test_channels.py tests each of these).
SUPPORT = dict(share_officers=0.5, share_support=0.5, support_effect=0.2, support_takeup=1.0, support_proxy_noise=0.0,
               support_admin_share=0.0, support_saturation=0.0)


def test_targeted_support_lowers_the_hardship_of_the_hardest_hit(make):
    """Step 1: exactly the k highest-hardship citizens get H0 (1 - effect); others keep H0."""
    m = make(SUPPORT, support_targeting=1.0).run(1)
    c, k = m.citizens, m.allocation.support_recipients
    assert 0 < k < len(c) and m.results.supported[1] == k
    top = np.argsort(-c.hardship0)[:k]
    expected = c.hardship0.copy()
    expected[top] *= 1 - m.p.support_effect
    np.testing.assert_allclose(c.hardship, expected)


def test_untargeted_support_reaches_less_hardship(make):
    aimed = make(SUPPORT, support_targeting=1.0).run(1).citizens
    random = make(SUPPORT, support_targeting=0.0).run(1).citizens

    def relief(c):
        return (c.hardship0 - c.hardship).sum()
    assert relief(random) < relief(aimed)
    assert (random.hardship < random.hardship0).sum() == (aimed.hardship < aimed.hardship0).sum()


def test_receiving_help_raises_trust(make):
    m = make(SUPPORT, NO_TRUST_CHANNELS, NOBODY_ACTIVE, incidents_on=False, weight_help=1.0,
             support_delivery="police").run(1)
    c = m.citizens
    helped = c.hardship < c.hardship0
    assert helped.any()
    assert np.all(c.trust[helped] > c.trust0[helped])
    assert_unchanged(c.trust[~helped], c.trust0[~helped])


def test_hardship_relapses_to_its_baseline_when_support_stops(make):
    import sim

    m = make(SUPPORT, hardship_relapse=0.25, interventions=[sim.Intervention(step=3, policy="reactive")]).run(2)
    h2 = m.citizens.hardship.copy()
    assert (h2 < m.citizens.hardship0).any()
    m.step()
    c = m.citizens
    np.testing.assert_allclose(c.hardship, h2 + 0.25 * (c.hardship0 - h2))


def test_no_support_leaves_hardship_at_its_baseline(make):
    m = make(share_officers=1.0).run(5)
    np.testing.assert_array_equal(m.citizens.hardship, m.citizens.hardship0)
    assert (m.results.supported == 0).all()


# --- awareness -------------------------------------------------------------------------------------

AWARE = dict(RESTLESS, share_officers=0.5, share_awareness=0.5)


def test_awareness_raises_the_threshold_and_keeps_citizens_quiet(make, recorder):
    active = {}
    for gain in (0.0, 0.3):
        calls = recorder("becomes_active")
        m = make(AWARE, awareness_gain=gain).run(1)
        (args, out), = calls["becomes_active"]
        assert args[3] == pytest.approx(m.p.threshold + gain * m.awareness)
        active[gain] = out
    assert m.awareness > 0
    assert not np.any(active[0.3] & ~active[0.0])          # a subset...
    assert active[0.3].sum() < active[0.0].sum()           # ...and strictly fewer


def test_no_campaign_means_no_awareness(make):
    df = make(RESTLESS, awareness_gain=1.0).run(3).results
    assert (df.awareness == 0).all()


@settings(max_examples=50, deadline=None)
@given(a=unit, reach=unit, decay=unit)
def test_awareness_rule_stays_in_unit_interval(a, reach, decay):
    out = rules.awareness_after_step(a, reach, P.replace(awareness_decay=decay))
    assert 0 <= out <= 1
    assert rules.effective_threshold(1.0, P) >= rules.effective_threshold(0.0, P)


# --- proximity contacts ------------------------------------------------------------------------------

CONTACTS = dict(**NO_TRUST_CHANNELS, **NOBODY_ACTIVE, incidents_on=False, stress_on=False, proximity_fraction=1.0,
                contact_rate=1.0, contact_time=1.0, contact_radius=2, weight_vicarious=0.0)


@pytest.mark.parametrize("quality, direction", [(1.0, 1), (0.0, -1)])
def test_proximity_contacts_move_trust_by_officer_quality(make, quality, direction):
    m = make(CONTACTS, quality_base=quality).run(1)
    c = m.citizens
    d = c.trust - c.trust0
    assert m.results.contacts[1] > 0
    assert (direction * d > TINY).sum() == m.results.contacts[1]
    assert not (direction * d < -TINY).any()


@pytest.mark.parametrize("off", [dict(proximity_fraction=0.0), dict(contact_time=0.0), dict(contact_rate=0.0)])
def test_no_proximity_contacts_leave_trust_alone(make, off):
    m = make(CONTACTS, off, quality_base=1.0).run(3)
    assert (m.results.contacts == 0).all()
    assert_unchanged(m.citizens.trust, m.citizens.trust0)


@settings(max_examples=50, deadline=None)
@given(n1=st.integers(0, 6), n2=st.integers(0, 6), rate=unit, time=unit)
def test_contact_probability_rises_with_nearby_proximity_officers(n1, n2, rate, time):
    lo, hi = sorted((n1, n2))
    p = P.replace(contact_rate=rate, contact_time=time)
    c = rules.contact_probability(np.array([lo, hi]), p)
    assert 0 <= c[0] <= c[1] <= 1
    assert rules.contact_probability(np.array([0]), p)[0] == 0


# --- negativity bias ---------------------------------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(t=st.floats(0.01, 0.99), alpha=st.floats(0.01, 2.0), bias=st.floats(1.0, 14.0), more=st.floats(0.1, 5.0))
def test_a_bad_experience_moves_trust_more_than_a_good_one(t, alpha, bias, more):
    """On the logit scale (the rule's documented equation) exactly ``bias`` times as much;
    on the trust scale, more so for a larger bias."""
    def moves(b):
        p = P.replace(trust_step=alpha, negativity_bias=b)
        x = np.array([t])
        up = rules.trust_after_experiences(x, np.array([1.0]), np.array([0.0]), p)[0]
        down = rules.trust_after_experiences(x, np.array([0.0]), np.array([1.0]), p)[0]
        return up, down

    up, down = moves(bias)
    assert down < t < up
    logit = lambda v: math.log(v / (1 - v))  # noqa: E731
    assert logit(t) - logit(down) == pytest.approx(bias * (logit(up) - logit(t)), rel=1e-6)
    up2, down2 = moves(min(14.0, bias + more))
    assert up2 == up and down2 <= down


def test_negativity_bias_deepens_the_loss_from_bad_contacts_only(make):
    """Same contacts under two contact biases: every bad contact costs more trust under the
    larger bias, exactly the rule's value for a bad experience of weight bias / negativity_bias
    (so a bad contact moves logit trust `contact_negativity_bias` times a good one); good
    contacts do not depend on it."""
    loss = {}
    for bias in (1.0, 4.0):
        m = make(CONTACTS, quality_base=0.0, contact_negativity_bias=bias).run(1)
        c = m.citizens
        loss[bias] = c.trust0 - c.trust
        hit = loss[bias] > TINY
        assert hit.sum() == m.results.contacts[1] > 0
        np.testing.assert_allclose(c.trust[hit], rules.trust_after_experiences(
            c.trust0[hit], np.zeros(hit.sum()), np.full(hit.sum(), bias / m.p.negativity_bias), m.p), rtol=1e-12)
    hit = loss[1.0] > TINY
    assert np.array_equal(hit, loss[4.0] > TINY)
    assert np.all(loss[4.0][hit] > loss[1.0][hit])
    gain = {}
    for bias in (1.0, 4.0):
        m = make(CONTACTS, quality_base=1.0, contact_negativity_bias=bias).run(1)
        gain[bias] = m.citizens.trust - m.citizens.trust0
    np.testing.assert_array_equal(gain[1.0], gain[4.0])


# --- Epstein's core: arrest ratio, jail, movement, geometry, activation ---------------------------------

@pytest.mark.parametrize("rule", ["literal", "floor", "round"])
def test_arrest_ratio_rules(rule):
    cops = np.array([0, 1, 3, 2, 5, 4, 7])
    actives = np.array([1, 2, 2, 4, 2, 1, 3])
    p = P.replace(arrest_ratio=rule, arrest_k=2.3)
    ratio = {"literal": lambda c, a: c / a, "floor": lambda c, a: math.floor(c / a),
             "round": lambda c, a: round(c / a)}[rule]  # round: Python's (Mesa's example), half to even
    expected = [1 - math.exp(-2.3 * ratio(int(c), int(a))) for c, a in zip(cops, actives)]
    np.testing.assert_allclose(rules.arrest_probability(cops, actives, p), expected, rtol=1e-12)


def test_literal_and_round_ratios_activate_subsets_of_floor(recorder, make):
    """At step 1 nobody is active yet, so A = 1 and the three rules agree; at step 2 the
    same state gives literal and round a higher P than floor, hence subsets of its actives."""
    out = {}
    for rule in ("literal", "floor", "round"):
        calls = recorder("becomes_active")
        make(RESTLESS, arrest_ratio=rule, incidents_on=False, legitimacy=0.35).run(2)
        out[rule] = [o for _, o in calls["becomes_active"]]
    np.testing.assert_array_equal(out["literal"][0], out["floor"][0])
    np.testing.assert_array_equal(out["round"][0], out["floor"][0])
    floor2 = out["floor"][1]
    for rule in ("literal", "round"):
        assert len(out[rule][1]) == len(floor2)
        assert not np.any(out[rule][1] & ~floor2), rule
    assert out["literal"][1].sum() < floor2.sum()


def test_becomes_active_is_the_threshold_rule():
    g = np.array([0.5, 0.5, 0.2, 0.11])
    r = np.array([0.5, 0.5, 0.0, 0.0])
    prob = np.array([0.0, 0.9, 1.0, 0.0])
    np.testing.assert_array_equal(rules.becomes_active(g, r, prob, 0.1), [True, False, True, True])
    np.testing.assert_array_equal(rules.becomes_active(g, r, prob, 0.11), [True, False, True, False])


def test_jail_terms_are_within_zero_and_jmax():
    t = rules.jail_terms(np.random.default_rng(0), 5000, P.replace(max_jail_term=4))
    assert set(np.unique(t)) == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("keep", [True, False])
def test_jailed_keep_cell(make, check, keep):
    m = make(RESTLESS, jailed_keep_cell=keep, max_jail_term=3)
    released = False
    for _ in range(8):
        before = m.citizens.jailed.copy()
        m.step()
        c = m.citizens
        check(m)
        jailed = np.flatnonzero(c.jailed)
        assert len(jailed)
        if keep:
            np.testing.assert_array_equal(m.occ[c.cell[jailed]], jailed)
        else:
            assert not np.any(m.occ[c.cell[jailed]] == jailed)
        out = before & ~c.jailed
        if out.any():
            released = True
            np.testing.assert_array_equal(m.occ[c.cell[out]], np.flatnonzero(out))  # back on the grid
    assert released


def test_jailed_citizens_keep_their_cell_while_jailed(make):
    m = make(RESTLESS, jailed_keep_cell=True, max_jail_term=20, movement_on=True).run(2)
    c = m.citizens
    ids = np.flatnonzero(c.jailed & (c.jail_left >= 3))
    cells = c.cell[ids].copy()
    m.run(3)
    np.testing.assert_array_equal(m.citizens.cell[ids], cells)


def test_movement_off_keeps_everybody_in_place(make):
    m = make(RESTLESS, movement_on=False, jailed_keep_cell=True)
    c0, o0 = m.citizens.cell.copy(), m.officers.cell.copy()
    m.run(6)
    assert m.results.arrests.sum() > 0 and m.results.incidents.sum() > 0
    np.testing.assert_array_equal(m.citizens.cell, c0)
    np.testing.assert_array_equal(m.officers.cell, o0)


def test_movement_on_moves_agents(make):
    m = make(RESTLESS)
    c0, o0 = m.citizens.cell.copy(), m.officers.cell.copy()
    m.run(1)
    assert (m.citizens.cell != c0).mean() > 0.1 and (m.officers.cell != o0).any()


@pytest.mark.parametrize("geometry", ["moore", "von_neumann", "euclidean"])
def test_vision_geometry_shapes_what_citizens_count_and_where_agents_move(make, recorder, geometry):
    """Step 1, checked by brute force on the torus: each citizen's officer count C is the
    number of officers within vision in that geometry, and every move stays within vision."""
    calls = recorder("arrest_probability")
    m = make(geometry=geometry, incidents_on=False, stress_on=False, vision=3, officer_vision=2,
             budget_on=False, officer_density=0.1)
    c0, o0 = m.citizens.cell.copy(), m.officers.cell.copy()
    m.run(1)
    c, o, p = m.citizens, m.officers, m.p
    (args, _), = calls["arrest_probability"]
    cops = args[0]
    dy, dx = torus_offsets(c.cell[:, None], o.cell[None, :], p.width, p.height)
    np.testing.assert_array_equal(cops, within(dy, dx, p.vision, geometry).sum(1))
    for before, after, radius in ((c0, c.cell, p.vision), (o0, o.cell, p.officer_vision)):
        dy, dx = torus_offsets(before, after, p.width, p.height)
        assert within(dy, dx, radius, geometry).all()
        assert (after != before).any()


def test_synchronous_activation_counts_actives_from_the_previous_step(make, recorder):
    calls = recorder("arrest_probability")
    make(RESTLESS, incidents_on=False, activation="synchronous").run(1)
    (args, _), = calls["arrest_probability"]
    assert (args[1] == 1).all()  # nobody was active before step 1: A counts only oneself


def test_activation_batches_refresh_counts_between_batches(make, recorder):
    """K batches per step, each agent decides once; later batches see earlier batches' actives."""
    k = 4
    calls = recorder("arrest_probability", "becomes_active")
    m = make(RESTLESS, incidents_on=False, activation="batches", activation_batches=k, budget_on=False, officer_density=0.0,
             ).run(2)
    decided = [len(out) for _, out in calls["becomes_active"]]
    assert len(decided) == 2 * k
    n = len(m.citizens)
    assert sum(decided[:k]) == n and sum(decided[k:]) == n  # no officers: nobody jailed, everybody decides once
    actives_seen = [args[1] for args, _ in calls["arrest_probability"][:k]]
    assert (actives_seen[0] == 1).all()
    assert any((a > 1).any() for a in actives_seen[1:])


def test_activation_batches_change_the_dynamics(make):
    a = make(preset="epstein-run2", activation="synchronous").run(10).results
    b = make(preset="epstein-run2", activation="batches", activation_batches=5).run(10).results
    assert not a.active_fraction.equals(b.active_fraction)
