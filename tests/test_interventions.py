"""Interventions in time: exact timing, policy switches, budget cuts, shocks, validation."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.core.params import ParamError
from sim.core.policy import allocate
from sim.core.presets import POLICY_PRESETS

QUIET_TRUST = dict(weight_arrested=0.0, weight_witness_arrest=0.0, weight_help=0.0, weight_report=0.0,
                   weight_unanswered=0.0, trust_memory=0.0, influence_on=False, incidents_on=False, threshold=1.0)


# --- timing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("t", [1, 2, 5])
@pytest.mark.parametrize("form", ["object", "dict", "pair"])
def test_an_intervention_takes_effect_exactly_at_its_step(make, t, form):
    """Row t is the first to show the change; row t - 1 does not."""
    iv = {"object": sim.Intervention(step=t, set={"legitimacy": 0.4}),
          "dict": {"step": t, "set": {"legitimacy": 0.4}},
          "pair": (t, {"legitimacy": 0.4})}[form]
    df = make(trust_on=False, legitimacy=0.8, interventions=[iv]).run(t + 2).results
    np.testing.assert_allclose(df.trust_mean[:t], 0.8)
    np.testing.assert_allclose(df.trust_mean[t:], 0.4)


def test_an_intervention_scheduled_during_a_run_takes_effect_at_its_step(make):
    m = make(trust_on=False, legitimacy=0.8).run(3)
    m.schedule_intervention(sim.Intervention(step=6, set={"legitimacy": 0.5}))
    m.run(5)
    df = m.results
    np.testing.assert_allclose(df.trust_mean[[5, 6, 8]], [0.8, 0.5, 0.5])


def test_interventions_at_the_same_step_on_different_parameters_all_apply(make):
    ivs = [(3, {"legitimacy": 0.5}), (3, {"threshold": 0.2}), sim.Intervention(step=3, policy="proximity")]
    m = make(trust_on=False, interventions=ivs).run(3)
    assert (m.p.legitimacy, m.p.threshold, m.p.proximity_fraction) == (0.5, 0.2, 1.0)


def test_changes_before_their_step_leave_the_run_identical(make):
    """Up to row t - 1 a run with an intervention at t is the run without it."""
    a = make(preset="mixed").run(6).results
    b = make(preset="mixed", interventions=[sim.Intervention(step=4, policy="reactive")]).run(6).results
    assert a.iloc[:4].equals(b.iloc[:4])
    assert not a.iloc[4:].equals(b.iloc[4:])


# --- policy switch ------------------------------------------------------------------------------

def test_a_policy_switch_mid_run_changes_officer_modes(make):
    t = 4
    m = make(preset="reactive", interventions=[sim.Intervention(step=t, policy="proximity")])
    n = len(m.officers)
    m.run(t - 1)
    assert n > 0 and not m.officers.proximity.any()
    cells = m.officers.cell.copy()
    m.step()
    assert m.officers.proximity.all() and len(m.officers) == n
    np.testing.assert_array_equal(m.officers.beat, cells)  # each beat is where its officer was at the switch
    (ay, ax), (by, bx) = np.divmod(m.officers.cell, m.p.width), np.divmod(m.officers.beat, m.p.width)
    dy, dx = np.abs(ay - by), np.abs(ax - bx)
    dist = np.maximum(np.minimum(dy, m.p.height - dy), np.minimum(dx, m.p.width - dx))
    assert (dist <= m.p.beat_radius).all()  # proximity officers stay on their beat
    df = m.run(2).results
    assert (df.contacts[:t] == 0).all() and df.contacts[t] > 0


def test_switching_back_to_reactive_ends_contacts(make):
    m = make(preset="proximity", interventions=[sim.Intervention(step=3, policy="reactive")]).run(5)
    df = m.results
    assert (df.contacts[1:3] > 0).all() and (df.contacts[3:] == 0).all()
    assert not m.officers.proximity.any()


def test_a_switch_to_social_support_moves_budget_from_officers_to_programmes(make):
    t = 3
    m = make(preset="reactive", interventions=[sim.Intervention(step=t, policy="social-support")]).run(t + 1)
    df = m.results
    assert df.officers[t] < df.officers[t - 1]
    assert df.cost_programmes[t - 1] == 0 and df.cost_programmes[t] > 0
    assert df.supported[t - 1] == 0 and df.supported[t] > 0
    assert df.budget_spent[t] == pytest.approx(df.budget_spent[t - 1], abs=m.p.officer_cost)
    assert len(m.officers) == allocate(m.p, m.grid.size, len(m.citizens)).officers


# --- budget ---------------------------------------------------------------------------------------

def test_a_budget_cut_lowers_officers_at_its_step(make, check):
    t = 3
    m = make(preset="reactive", interventions=[(t, {"budget_per_cell": 0.02})]).run(t + 2)
    check(m)
    df = m.results
    assert (df.officers[:t] == df.officers[0]).all()
    assert (df.officers[t:] < df.officers[0]).all()
    assert df.officers[t] == allocate(m.p, m.grid.size, len(m.citizens)).officers
    assert df.cost_policing[t] < df.cost_policing[t - 1]


def test_a_budget_increase_hires_officers_on_empty_cells(make, check):
    m = make(preset="mixed", interventions=[(2, {"budget_per_cell": 0.08})]).run(3)
    check(m)
    assert m.results.officers[2] > m.results.officers[1]


def test_withdrawing_officers_without_a_budget(make, check):
    m = make(preset="epstein-run2", interventions=[(2, {"officer_density": 0.01}), (4, {"officer_density": 0.0})])
    m.run(5)
    check(m)
    df = m.results
    assert df.officers[1] == round(0.04 * 400) and df.officers[2] == round(0.01 * 400) and df.officers[4] == 0


# --- shocks ----------------------------------------------------------------------------------------

def test_a_trust_shock_lowers_trust_at_its_step(make):
    m = make(QUIET_TRUST, trust_initial_sd=0.05, interventions=[sim.Intervention(step=3, shock={"trust": -0.3})])
    m.run(2)
    before = m.citizens.trust.copy()
    m.run(1)
    np.testing.assert_allclose(m.citizens.trust, np.clip(before - 0.3, 0, 1), atol=1e-9)
    df = m.results
    assert df.trust_mean[3] < df.trust_mean[2] - 0.25


def test_an_economic_shock_raises_hardship_and_its_baseline(make):
    m = make(preset="reactive", interventions=[sim.Intervention(step=2, shock={"hardship": 0.2})])
    h0 = m.citizens.hardship0.copy()
    m.run(3)
    np.testing.assert_allclose(m.citizens.hardship0, np.clip(h0 + 0.2, 0, 1))
    np.testing.assert_allclose(m.citizens.hardship, m.citizens.hardship0)  # no support: hardship = baseline
    df = m.results
    assert df.tension[2] > df.tension[1]


# --- validation --------------------------------------------------------------------------------

@pytest.mark.parametrize("iv, needle", [
    (dict(step=0, set={"legitimacy": 0.5}), "step: expected an integer >= 1"),
    (dict(step=2.5, set={"legitimacy": 0.5}), "step: expected an integer >= 1"),
    (dict(step=3, set={"width": 30}), "set.width: cannot change during a run"),
    (dict(step=3, set={"citizen_density": 0.5}), "set.citizen_density: cannot change during a run"),
    (dict(step=3, policy="proximty"), f"policy: expected one of {', '.join(POLICY_PRESETS)}"),
    (dict(step=3, shock={"trst": -0.1}), "shock.trst: expected one of trust, hardship"),
    (dict(step=3, shock={"trust": -2}), "shock.trust: expected a number in [-1, 1]"),
])
def test_bad_interventions_are_param_errors_naming_the_field(iv, needle):
    with pytest.raises(ParamError) as err:
        sim.Intervention(**iv)
    assert any(needle in q for q in err.value.problems), err.value.problems


@pytest.mark.parametrize("changes, needle", [
    ({"vison": 3}, "vison: unknown parameter (did you mean vision"),
    ({"legitimacy": 1.5}, "legitimacy: expected a value in [0, 1]"),
    ({"vision": 15}, "vision: expected at most 9 on a 20x20 grid"),
    ({"share_support": 0.5}, "expected a sum of 1"),
])
def test_bad_parameter_changes_fail_when_scheduled_not_mid_run(make, changes, needle):
    with pytest.raises(ParamError) as err:
        make(interventions=[(5, changes)])
    assert any(needle in q for q in err.value.problems), err.value.problems


def test_an_intervention_in_the_past_is_refused(make):
    m = make().run(3)
    with pytest.raises(ParamError, match=r"intervention step 3: already past \(model is at step 3\)"):
        m.schedule_intervention((3, {"legitimacy": 0.5}))


def test_fixed_parameters_cannot_change_during_a_run(make):
    m = make().run(1)
    with pytest.raises(ParamError, match="width: cannot change during a run"):
        m.set_params(width=30)


@pytest.mark.parametrize("start", [False, True])
def test_switching_jailed_keep_cell_mid_run_keeps_the_grid_consistent(make, start):
    """Either refused when scheduled (a ParamError naming it) or the grid stays consistent."""
    from conftest import consistency_problems

    try:
        m = make(trust_on=False, legitimacy=0.3, jailed_keep_cell=start, max_jail_term=15,
                 interventions=[(4, {"jailed_keep_cell": not start})])
    except ParamError as err:
        assert "jailed_keep_cell" in str(err)
        return
    for _ in range(12):
        m.step()
        assert not consistency_problems(m), (m.steps, consistency_problems(m))


def test_interventions_valid_one_by_one_but_not_together_are_refused_when_scheduled(make):
    ivs = [(2, {"share_officers": 0.5, "share_support": 0.5}), (3, {"share_officers": 1.0})]
    with pytest.raises(ParamError, match=r"intervention at step 3: .*expected a sum of 1"):
        make(interventions=ivs)
    ok = [ivs[0], (3, {"share_officers": 1.0, "share_support": 0.0})]  # the same cut, valid together: runs
    assert make(interventions=ok).run(4).p.share_officers == 1.0
