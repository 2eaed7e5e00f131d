"""The mechanisms of issue 12, each switched on and off: ordinary offending and its deterrence,
social support that can fail, workload stress and welfare with diminishing returns, bounded
awareness, the proximity channels (visibility, responsiveness, vicarious experience,
procedural quality), chasing reactive officers and hot-spot beats.

Each test shows the mechanism ON moving its outcome and OFF (a switch or a zero value) not.
Runs are small (20x20, a few steps) and paired (same seed); rule tests call sim.core.rules.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import rules
from sim.core.params import ParamError, Params

P = Params()
NOBODY_ACTIVE = dict(threshold=1.0)
unit = st.floats(0.0, 1.0)


# --- 1. ordinary offending -------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(h1=unit, h2=unit, t1=unit, t2=unit, v1=st.floats(0, 30), v2=st.floats(0, 30), c1=unit, c2=unit)
def test_offending_rises_with_hardship_and_distrust_and_falls_with_deterrence(h1, h2, t1, t2, v1, v2, c1, c2):
    def o(h, t, v, c):
        return float(rules.offence_probability(np.array([h]), np.array([t]), np.array([v]), c, 0.0, P)[0])
    lo_h, hi_h = sorted((h1, h2))
    lo_t, hi_t = sorted((t1, t2))
    lo_v, hi_v = sorted((v1, v2))
    lo_c, hi_c = sorted((c1, c2))
    assert o(lo_h, 0.5, 1, 0.5) <= o(hi_h, 0.5, 1, 0.5)
    assert o(0.5, hi_t, 1, 0.5) <= o(0.5, lo_t, 1, 0.5)
    assert o(0.5, 0.5, hi_v, 0.5) <= o(0.5, 0.5, lo_v, 0.5)
    assert o(0.5, 0.5, 1, hi_c) <= o(0.5, 0.5, 1, lo_c)
    assert 0.0 <= o(h1, t1, v1, c1) <= 1.0


def test_zero_deterrence_parameters_remove_deterrence():
    p = P.replace(deter_visible=0.0, deter_certainty=0.0)
    out = rules.offence_probability(np.full(3, 0.5), np.full(3, 0.5), np.array([0.0, 5.0, 50.0]), 0.9, 0.0, p)
    assert out[0] == out[1] == out[2] > 0


def test_offences_are_counted_and_are_part_of_incidents(make):
    r = make(NOBODY_ACTIVE, offence_base=0.01).run(5).results.iloc[1:]
    assert r.offences.sum() > 0
    assert (r.offences == r.incidents).all()           # nobody active: every incident is an offence
    assert (r.rebel_incidents == 0).all()
    np.testing.assert_allclose(r.offence_rate, 1000 * r.offences / (0.7 * 400))


def test_offending_off_means_no_offences(make):
    r = make(offending_on=False).run(5).results
    assert (r.offences == 0).all() and (r.offence_risk == 0).all()


def test_visible_officers_deter_offending(make):
    """Same population, expected offences (no draw noise) at step 1: more officers, fewer;
    with deter_visible 0 the officers make no difference to the expected offending."""
    base = dict(NOBODY_ACTIVE, offence_base=0.01, deter_certainty=0.0, stress_on=False,
                place_sigma=0.0)   # places alike: citizens' cells (moved by the officers) do not matter
    few = make(base, budget_per_cell=0.01).run(1).results.offence_risk[1]
    many = make(base, budget_per_cell=0.2).run(1).results.offence_risk[1]
    assert many < few
    few0 = make(base, budget_per_cell=0.01, deter_visible=0.0).run(1).results.offence_risk[1]
    many0 = make(base, budget_per_cell=0.2, deter_visible=0.0).run(1).results.offence_risk[1]
    assert few0 == pytest.approx(many0, rel=1e-12)


def test_certainty_of_response_follows_the_answered_share_and_deters(make):
    base = dict(NOBODY_ACTIVE, offence_base=0.02, deter_visible=0.0, report_base=1.0, stress_on=False,
                place_sigma=0.0)
    answered = make(base, certainty_memory=0.5).run(6).results
    ignored = make(base, certainty_memory=0.5, report_base=0.0, report_trust_gain=0.0).run(6).results
    assert answered.certainty.iloc[-1] > 0.5 > ignored.certainty.iloc[-1]
    assert ignored.offence_risk.iloc[-1] > answered.offence_risk.iloc[-1]
    off = make(base, certainty_memory=0.5, deter_certainty=0.0).run(6).results
    off_ignored = make(base, certainty_memory=0.5, deter_certainty=0.0, report_base=0.0,
                       report_trust_gain=0.0).run(2).results
    assert off.offence_risk[1] == pytest.approx(off_ignored.offence_risk[1], rel=1e-12)


# --- 2. social support that can fail ---------------------------------------------------------------

SUPPORT = dict(share_officers=0.5, share_support=0.5, support_effect=0.2, incidents_on=False)


def test_only_claimants_are_supported(make):
    m = make(SUPPORT, support_takeup=0.3, support_proxy_noise=0.0).run(1)
    c = m.citizens
    helped = c.hardship < c.hardship0 - 1e-12
    assert helped.any() and not helped[c.claim_draw >= 0.3].any()
    everyone = make(SUPPORT, support_takeup=1.0, support_proxy_noise=0.0).run(1).citizens
    assert (everyone.hardship0 - everyone.hardship).sum() > (c.hardship0 - c.hardship).sum()


def test_noisy_proxy_mistargets_support(make):
    def relief(noise):
        c = make(SUPPORT, support_takeup=1.0, support_proxy_noise=noise).run(1).citizens
        return (c.hardship0 - c.hardship).sum()
    assert relief(0.0) > relief(0.5) > relief(2.0)


def test_administration_share_cuts_recipients(make):
    lean = make(SUPPORT, support_admin_share=0.0).allocation.support_recipients
    heavy = make(SUPPORT, support_admin_share=0.5).allocation.support_recipients
    assert heavy < lean and heavy == pytest.approx(lean / 2, abs=1)


@pytest.mark.parametrize("delivery, moves", [("social_services", False), ("police", True)])
def test_support_is_an_experience_of_the_police_only_when_the_police_deliver_it(make, delivery, moves):
    m = make(SUPPORT, NOBODY_ACTIVE, weight_arrested=0.0, weight_witness_arrest=0.0, weight_report=0.0,
             weight_unanswered=0.0, trust_memory=0.0, influence_on=False, weight_help=1.0,
             support_delivery=delivery).run(1)
    c = m.citizens
    helped = c.hardship < c.hardship0 - 1e-12
    assert helped.any()
    assert (np.all(c.trust[helped] > c.trust0[helped]) if moves else np.allclose(c.trust, c.trust0, atol=1e-12))


@settings(max_examples=50, deadline=None)
@given(d1=st.floats(0, 1000), d2=st.floats(0, 1000), sat=st.floats(1, 500))
def test_support_has_diminishing_returns_per_recipient_unless_switched_off(d1, d2, sat):
    lo, hi = sorted((d1, d2))
    p = P.replace(support_saturation=sat)
    cut = rules.support_cut(np.array([lo, hi]), p)
    assert cut[1] <= cut[0] <= p.support_effect
    flat = rules.support_cut(np.array([lo, hi]), P.replace(support_saturation=0.0))
    assert flat[0] == flat[1] == P.support_effect


def test_repeated_support_cuts_less_each_day(make):
    m = make(SUPPORT, support_takeup=1.0, support_proxy_noise=0.0, hardship_relapse=0.0, support_saturation=2.0)
    m.run(6)
    assert m.citizens.support_days.max() >= 5
    flat = make(SUPPORT, support_takeup=1.0, support_proxy_noise=0.0, hardship_relapse=0.0, support_saturation=0.0)
    flat.run(6)
    assert (flat.citizens.hardship0 - flat.citizens.hardship).sum() > (m.citizens.hardship0 - m.citizens.hardship).sum()


# --- 3. officer stress from workload, welfare with diminishing returns ------------------------------

def test_workload_terms_each_add_load_and_zero_removes_them():
    one = np.ones(1)
    base = float(rules.officer_workload(0 * one, 0 * one, 0 * one, one > 0, P)[0])
    assert base > 0
    for name, args in (("stress_per_confrontation", (one, 0 * one, 0 * one)),
                       ("stress_per_call", (0 * one, one, 0 * one)),
                       ("stress_per_exposure", (0 * one, 0 * one, one))):
        assert rules.officer_workload(*args, one > 0, P)[0] > base
        assert rules.officer_workload(*args, one > 0, P.replace(**{name: 0.0}))[0] == pytest.approx(base)
    assert rules.officer_workload(one, one, one, one < 0, P)[0] == 0            # absent: no load
    assert rules.officer_workload(0 * one, 0 * one, 0 * one, one > 0, P.replace(shift_hours=12))[0] > base


def test_welfare_relief_has_diminishing_returns():
    s = np.full(4, 0.5)
    w = np.array([0.0, 0.25, 0.5, 1.0])
    relief = 0.5 - rules.stress_after_step(s, 0.0, w, P)
    steps = np.diff(relief) / np.diff(w)
    assert np.all(np.diff(relief) > 0) and np.all(np.diff(steps) < 0)


def test_stress_at_the_defaults_is_driven_by_workload(make):
    busy = make(budget_per_cell=0.02).run(40).results.officer_stress.iloc[-1]
    idle = make(budget_per_cell=0.02, stress_per_shift=0.0, stress_per_call=0.0, stress_per_confrontation=0.0,
                stress_per_exposure=0.0).run(40).results.officer_stress.iloc[-1]
    assert idle == 0.0 < busy


# --- 4. awareness: saturating reach, ceiling, bounded effect -----------------------------------------

def test_awareness_stays_below_its_ceiling_and_reach_saturates(make):
    m = make(share_officers=0.5, share_awareness=0.5, awareness_max=0.4).run(30)
    assert 0 < m.results.awareness.max() <= 0.4 + 1e-12
    small = make(share_officers=0.9, share_awareness=0.1).allocation.awareness_reach
    large = make(share_officers=0.8, share_awareness=0.2).allocation.awareness_reach
    assert small < large < 2 * small


def test_awareness_lowers_offending_only_with_a_positive_effect():
    a = rules.offence_probability(np.full(2, 0.5), np.full(2, 0.5), np.zeros(2), 0.0, np.array([0.0, 0.68]), P)
    assert a[1] < a[0] and a[1] >= a[0] * (1 - P.awareness_effect * 0.68) - 1e-15
    off = rules.offence_probability(np.full(2, 0.5), np.full(2, 0.5), np.zeros(2), 0.0, np.array([0.0, 0.68]),
                                    P.replace(awareness_effect=0.0))
    assert off[0] == off[1]


# --- 5. proximity channels ----------------------------------------------------------------------------

def test_visibility_channel_weighs_beat_officers(make):
    base = dict(NOBODY_ACTIVE, offence_base=0.01, deter_certainty=0.0, stress_on=False, proximity_fraction=1.0,
                contact_time=0.0)
    seen = make(base, visibility_beat=3.0).run(1).results.offence_risk[1]
    plain = make(base, visibility_beat=1.0).run(1).results.offence_risk[1]
    reactive = make(base, proximity_fraction=0.0).run(1).results.offence_risk[1]
    assert seen < plain == pytest.approx(reactive, rel=1e-12)
    assert list(rules.officer_visibility(np.array([True, False]), P)) == [P.visibility_beat, 1.0]


def test_responsiveness_channel_lets_busy_beat_officers_answer(make):
    base = dict(NOBODY_ACTIVE, offence_base=0.02, report_base=1.0, proximity_fraction=1.0, contact_time=1.0,
                stress_on=False, beat_radius=9)
    on = make(base, beat_responsiveness_on=True).run(3).results
    off = make(base, beat_responsiveness_on=False).run(3).results
    assert off.arrests.iloc[1:].sum() == 0 < on.arrests.iloc[1:].sum()
    d = rules.answers_on_beat(np.array([1, 20]), np.array([True, True]), P)
    assert list(d) == [True, False]


CONTACTS = dict(NOBODY_ACTIVE, incidents_on=False, stress_on=False, proximity_fraction=1.0, contact_rate=1.0,
                contact_time=1.0, weight_arrested=0.0, weight_witness_arrest=0.0, weight_help=0.0,
                trust_memory=0.0, influence_on=False, quality_base=1.0)


def test_vicarious_channel_reaches_neighbours_of_contacted_citizens(make):
    on = make(CONTACTS, weight_vicarious=0.5).run(1)
    off = make(CONTACTS, weight_vicarious=0.0).run(1)
    moved_on = np.abs(on.citizens.trust - on.citizens.trust0) > 1e-12
    moved_off = np.abs(off.citizens.trust - off.citizens.trust0) > 1e-12
    assert moved_off.sum() == off.results.contacts[1]
    assert moved_on.sum() > moved_off.sum()
    assert (on.citizens.trust - on.citizens.trust0).sum() > (off.citizens.trust - off.citizens.trust0).sum()


def test_procedural_quality_channel_sets_the_weight_of_a_bad_contact():
    g, b = rules.contact_experiences(np.array([True, False]), P.replace(contact_negativity_bias=2.0, negativity_bias=4.0))
    assert list(g) == [1.0, 0.0] and list(b) == [0.0, 0.5]


def test_beat_share_is_a_lever_and_contacts_have_a_time_cost(make):
    counts = [make(proximity_fraction=f, incidents_on=False).allocation.proximity for f in (0.0, 0.3, 0.6, 1.0)]
    assert counts == sorted(counts) and len(set(counts)) == 4
    r = make(proximity_fraction=0.5, contact_time=0.5, stress_on=False).run(3).results
    assert r.contact_officer_days.iloc[1:].sum() > 0
    assert (make(proximity_fraction=0.5, contact_time=0.0).run(3).results.contact_officer_days == 0).all()


# --- 6. chasing reactive officers, hot spots ----------------------------------------------------------

def test_chase_choice_picks_the_hottest_cell_per_officer():
    who, cells = rules.chase_choice(np.array([0, 0, 1, 1, 1]), np.array([10, 11, 12, 13, 14]),
                                    np.array([1.0, 3.0, 2.0, 5.0, 5.0]), P)
    assert dict(zip(who.tolist(), cells.tolist())) == {0: 11, 1: 13}


def test_reactive_officers_chase_activity(make):
    """With chasing, officers end closer to the cells with heat than a random walk leaves them."""
    def distance(chase):
        m = make(offence_base=0.02, chase_on=chase, stress_on=False, rng=3).run(4)
        hot = np.flatnonzero(m.incident_map > 0)
        d = m.grid.chebyshev(m.officers.cell[:, None], hot[None, :]).min(axis=1)
        return d.mean(), m
    near, m_on = distance(True)
    far, m_off = distance(False)
    assert near < far
    assert (m_off.heat == 0).all() and m_on.heat.any()     # the activity map is kept only with chasing on


def test_hot_spot_officers_keep_to_the_cells_with_most_incidents(make):
    m = make(offence_base=0.02, hotspot_fraction=0.5, hotspot_refresh=5, stress_on=False).run(6)
    o = m.officers
    assert o.hotspot.sum() == round(0.5 * len(o))
    beats = o.beat[o.hotspot]
    assert m.incident_map[beats].mean() > m.incident_map.mean()
    assert (m.grid.chebyshev(o.cell[o.hotspot], beats) <= m.p.beat_radius).mean() > 0.9


def test_beat_shares_cannot_exceed_the_officers():
    with pytest.raises(ParamError, match="proximity_fraction \\+ hotspot_fraction"):
        Params(proximity_fraction=0.7, hotspot_fraction=0.5)


def test_hot_spots_preset_spends_the_same_budget_as_reactive(make):
    a, b = make(preset="hot-spots").allocation, make(preset="reactive").allocation
    assert a.officers == b.officers and a.hotspot > 0 and b.hotspot == 0


# --- policies as doses -----------------------------------------------------------------------------

def test_the_doses_sweep_varies_one_programme_at_a_time():
    """Every policy of experiments/sweep-doses.toml differs from the baseline in one programme only
    (its budget share, or the share of officers on beats or hot spots), so a difference can be
    attributed to that programme."""
    from pathlib import Path

    from sim.scenario.sweepfile import load_sweep

    sweep = load_sweep(Path(__file__).resolve().parent.parent / "experiments" / "sweep-doses.toml")
    policies = {p.name: p.params for p in sweep.scenario.policies}
    base = policies[sweep.scenario.baseline]
    programmes = {"support": ("share_support",), "welfare": ("share_welfare",), "awareness": ("share_awareness",),
                  "beats": ("proximity_fraction",), "hotspots": ("hotspot_fraction",)}
    assert set(policies) - {sweep.scenario.baseline}
    for name, params in policies.items():
        if name == sweep.scenario.baseline:
            continue
        changed = {k for k in params if params[k] != base[k]} - {"share_officers"}
        assert changed == set(programmes[name.split("-")[0]]), (name, changed)
        Params(**params)                                   # a valid point of the simplex
