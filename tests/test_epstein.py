"""Epstein's (2002) Model I presets: every extension off, outbursts and quiet spells, and the
time-varying experiments (legitimacy eroded or dropped, officers withdrawn) at their steps."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from conftest import SMALL
from sim.core.presets import PRESETS, get_preset

EPSTEIN = [name for name in PRESETS if name.startswith("epstein")]
OUTBURST = 50  # actives


def actives(m) -> np.ndarray:
    return np.rint(m.results.active_fraction.to_numpy() * len(m.citizens)).astype(int)


def longest_run(mask: np.ndarray) -> int:
    best = cur = 0
    for x in mask:
        cur = cur + 1 if x else 0
        best = max(best, cur)
    return best


@pytest.fixture(scope="module")
def run2():
    """epstein-run2 on its own 40x40 grid for 200 steps (shared by the tests below)."""
    return sim.TrustModel(preset="epstein-run2", rng=1).run(200)


def test_run2_shows_outbursts_and_quiet_spells(run2):
    a = actives(run2)
    ups = np.flatnonzero((a[1:] > OUTBURST) & (a[:-1] <= OUTBURST))
    downs = np.flatnonzero((a[1:] < OUTBURST) & (a[:-1] >= OUTBURST))
    assert len(ups) >= 2, f"fewer than two outbursts above {OUTBURST} actives: max {a.max()}"
    assert len(downs) >= 1 and downs[0] > ups[0], "the first outburst never fell back"
    assert longest_run(a <= 5) >= 15, "no quiet spell of 15 steps with at most 5 actives"


def test_run2_has_every_extension_off(run2):
    df, p = run2.results, run2.p
    np.testing.assert_allclose(df.trust_mean, p.legitimacy)  # trust is constant and equals L
    assert (df.incidents == 0).all() and df.reported_share.isna().all() and run2.maps["incidents"].sum() == 0
    assert (df.officer_stress == 0).all() and (df.officers_on_duty == df.officers).all()
    assert (df.officers == round(p.officer_density * p.width * p.height)).all()
    assert (df.cost_programmes == 0).all() and (df.contacts == 0).all() and (df.supported == 0).all()
    assert (df.awareness == 0).all()
    np.testing.assert_array_equal(run2.citizens.trust, run2.citizens.trust0)
    np.testing.assert_array_equal(run2.citizens.hardship, run2.citizens.hardship0)
    assert df.arrests.sum() > 0 and df.jailed_fraction.max() > 0


def test_tension_is_epstein_grievance_of_the_free(run2):
    c, p = run2.citizens, run2.p
    free = ~c.jailed
    assert run2.results.tension.iloc[-1] == pytest.approx(np.mean(c.hardship[free] * (1 - p.legitimacy)))


def test_the_literal_ratio_gives_no_outburst():
    """MODEL.md: the literal C/A does not give the paper's outbursts (floor does, above)."""
    m = sim.TrustModel(preset="epstein-run2", rng=1, arrest_ratio="literal").run(200)
    assert actives(m).max() < OUTBURST


@pytest.mark.parametrize("name", EPSTEIN)
def test_every_epstein_preset_runs_with_extensions_off(name):
    m = sim.TrustModel(preset=name, rng=3, **SMALL).run(5)
    df = m.results
    assert (df.incidents == 0).all() and (df.officer_stress == 0).all()
    np.testing.assert_allclose(df.trust_mean, m.p.legitimacy)


# Long schedules checked cheaply: a 10x10 grid, sparse citizens and no movement.
CHEAP = dict(width=10, height=10, vision=3, officer_vision=3, response_radius=4, citizen_density=0.3,
             movement_on=False)


def _schedule(name, key):
    return [(step, changes[key]) for step, changes in get_preset(name).interventions]


@pytest.mark.parametrize("name", ["epstein-jump", "epstein-salami"])
def test_legitimacy_follows_the_preset_schedule_step_by_step(name):
    schedule = _schedule(name, "legitimacy")
    assert schedule
    last = schedule[-1][0]
    df = sim.TrustModel(preset=name, rng=2, **CHEAP).run(last + 1).results
    expected = np.full(last + 2, PRESETS[name].params["legitimacy"])
    for step, value in schedule:
        expected[step:] = value
    np.testing.assert_allclose(df.trust_mean, expected)
    assert df.trust_mean.iloc[-1] == pytest.approx(0.6)


def test_jump_drops_legitimacy_in_one_step_and_salami_gradually():
    jump, salami = _schedule("epstein-jump", "legitimacy"), _schedule("epstein-salami", "legitimacy")
    assert len(jump) == 1 and jump[0][1] == 0.6
    drops = -np.diff([0.9] + [v for _, v in salami])
    assert len(salami) > 10 and np.allclose(drops, 0.01)


def test_cop_withdrawal_removes_officers_at_the_scheduled_steps():
    schedule = _schedule("epstein-cop-withdrawal", "officer_density")
    last = schedule[-1][0]
    m = sim.TrustModel(preset="epstein-cop-withdrawal", rng=2, **CHEAP).run(last + 1)
    df = m.results
    cells = 10 * 10
    expected = np.full(last + 2, round(0.04 * cells))
    for step, density in schedule:
        expected[step:] = round(density * cells)
    np.testing.assert_array_equal(df.officers, expected)
    assert df.officers.iloc[-1] == 0 and (df.arrests[last:] == 0).all()


def test_presets_carry_their_interventions_but_a_params_object_does_not():
    assert len(sim.TrustModel(preset="epstein-jump", rng=1).interventions) == 1
    p = sim.Params.build("epstein-jump")
    assert sim.TrustModel(params=p, rng=1).interventions == []
