"""The exact random-sequential engine (activation = "sequential", sim/core/sequential.py).

Its compiled helpers equal the rules of sim/core/rules.py they re-implement (hypothesis, random
inputs); the count grids it keeps incrementally equal fresh counts; a plug-in replacing a rule
the compiled loop cannot use runs the same loop interpreted (warned once, naming the rule) with
identical results; the numba cache goes to the user's cache directory from a read-only install.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import kernels, sequential
from sim.core import rules as R
from sim.core.grid import Torus, random_matching
from sim.core.model import TrustModel
from sim.core.params import ParamError, Params

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(width=16, height=16, vision=3, officer_vision=3, response_radius=5)
FAST = settings(max_examples=60, deadline=None)
unit = st.floats(0.0, 1.0, allow_nan=False)


@FAST
@given(st.lists(st.tuples(unit, unit, unit), min_size=1, max_size=30), unit)
def test_becomes_active_helper_equals_the_rule(rows, threshold):
    g, r, prob = (np.array(x) for x in zip(*rows))
    compiled = [sequential._becomes_active(a, b, c, threshold) for a, b, c in rows]
    assert compiled == list(R.becomes_active(g, r, prob, threshold))


@FAST
@given(st.lists(st.tuples(st.integers(0, 60), st.booleans()), min_size=1, max_size=30), st.integers(1, 30))
def test_within_beat_helper_equals_the_rule(rows, beat_radius):
    d, prox = (np.array(x) for x in zip(*rows))
    p = SimpleNamespace(beat_radius=beat_radius)
    compiled = [sequential._within_beat(a, b, beat_radius) for a, b in rows]
    assert compiled == list(R.within_beat(d, prox, p))


@FAST
@given(st.sampled_from(["literal", "floor", "round"]), st.floats(0.0, 20.0), st.integers(1, 40), st.integers(1, 40),
       st.data())
def test_probability_table_is_the_rule_at_every_count(ratio, k, max_c, max_a, data):
    p = SimpleNamespace(arrest_ratio=ratio, arrest_k=k)
    table = sequential.probability_table(R.arrest_probability, p, max_c, max_a)
    c, a = data.draw(st.integers(0, max_c)), data.draw(st.integers(1, max_a))
    assert table[c, a] == R.arrest_probability(np.array([float(c)]), np.array([float(a)]), p)[0]


@FAST
@given(st.integers(5, 40), st.integers(5, 40), st.data())
def test_torus_helpers_equal_the_grid(width, height, data):
    torus = Torus(width, height)
    a, b = data.draw(st.integers(0, width * height - 1)), data.draw(st.integers(0, width * height - 1))
    dy, dx = data.draw(st.integers(-(height - 1), height - 1)), data.draw(st.integers(-(width - 1), width - 1))
    assert kernels.shift(a, dy, dx, width, height) == torus.shift(np.array([a]), dy, dx)[0]
    assert kernels.chebyshev(a, b, width, height) == torus.chebyshev(np.array([a]), np.array([b]))[0]


@FAST
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_arrest_pick_equals_the_rule_for_one_officer_draw_for_draw(k, seed):
    """One officer with k candidates: the helper picks the candidate the rule (a random
    matching) picks, and leaves the generator in the same state."""
    cells = np.arange(100, 100 + k)
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    pick = sequential._arrest_pick(a, 0, cells, k)
    officer, chosen = R.arrest_choice(np.zeros(k, np.int64), cells, b, None)
    assert list(chosen) == [cells[pick]] and list(officer) == [0]
    assert a.random() == b.random()


def model(**kw):
    kw = {**dict(preset="epstein-run2", rng=4, **SMALL), **kw}
    return TrustModel(**kw)


def test_the_epstein_presets_run_in_sequential_order_and_the_policy_presets_do_not_change():
    assert model().p.activation == "sequential"
    assert Params.build("mixed").activation == Params().activation


def test_activation_batches_only_with_batches():
    with pytest.raises(ParamError, match="activation_batches: expected 1 unless activation is 'batches'"):
        Params(activation="sequential", activation_batches=4)
    assert Params(activation="batches", activation_batches=4).activation_batches == 4


@pytest.mark.parametrize("preset,extra", [("epstein-run2", {}), ("mixed", {"activation": "sequential"}),
                                          ("epstein-run2", {"jailed_keep_cell": True}),
                                          ("netlogo-rebellion", {"legitimacy": 0.6}),
                                          ("epstein-run2", {"officer_vision": 2, "legitimacy": 0.6})])
def test_count_grids_kept_incrementally_equal_fresh_counts(preset, extra):
    """Checked right after the core phase (later phases move officers and jail citizens)."""
    checked = []

    def check(m):
        c, o, p, e = m.citizens, m.officers, m.p, m._seq
        at = np.arange(m.grid.size)
        active = c.cell[c.active & ~c.jailed]
        cops, act = m.grid.counts_near([o.cell[o.on_duty], active], at, p.vision, p.geometry)
        act_o, = m.grid.counts_near([active], at, p.officer_vision, p.geometry)
        assert np.array_equal(e.grids[0], cops) and np.array_equal(e.grids[1], act)
        assert np.array_equal(e.grids[2], act_o)
        checked.append(len(active))

    model(preset=preset, hooks={"after_core": [check]}, **extra).run(12)
    assert len(checked) == 12 and sum(checked) > 0


def test_sequential_state_stays_consistent_and_arrests_happen():
    m = model(width=20, height=20, legitimacy=0.5)
    arrests = 0
    for _ in range(30):
        before = m.citizens.jailed.copy()
        m.step()
        c, o = m.citizens, m.officers
        on_grid = np.concatenate([c.cell[~c.jailed], o.cell])
        assert len(np.unique(on_grid)) == len(on_grid)                       # one agent per cell
        assert np.array_equal(m.occ[c.cell[~c.jailed]], np.flatnonzero(~c.jailed))
        assert np.array_equal(m.occ[o.cell], len(c) + np.arange(len(o)))
        assert np.count_nonzero(m.occ >= 0) == len(on_grid)
        assert not (c.active & c.jailed).any()
        assert m.tally.arrests >= np.count_nonzero(c.jailed & ~before)
        assert m.tally.confrontations.max(initial=0) <= 1                   # an officer arrests at most once
        arrests += m.tally.arrests
    assert arrests > 0


def test_same_seed_same_results_and_the_order_matters():
    a, b = model().run(40).results, model().run(40).results
    assert a.equals(b)
    sync = model(activation="synchronous").run(40).results
    assert not a.equals(sync)


def _copy_of(rule_name):
    """A plug-in rule that is a fresh copy of the default rule (same source, re-executed)."""
    import inspect

    env = {"np": np, "random_matching": random_matching}
    exec(textwrap.dedent(inspect.getsource(getattr(R, rule_name))), env)
    return env[rule_name]


@pytest.mark.parametrize("rule_name", ["becomes_active", "within_beat", "arrest_choice"])
def test_a_replaced_rule_runs_the_interpreted_loop_with_a_warning_and_the_same_results(rule_name):
    kw = dict(preset="mixed", activation="sequential", **SMALL)
    compiled = model(**kw).run(8).results
    with pytest.warns(RuntimeWarning, match=f"replaces {rule_name}") as caught:
        m = model(**kw, rules={rule_name: _copy_of(rule_name)})
        m.run(8)
    assert sum("activation 'sequential'" in str(w.message) for w in caught) == 1      # once
    assert m.results.equals(compiled)


def test_a_different_rule_is_used_by_the_interpreted_loop():
    def never(grievance, risk_aversion, arrest_prob, threshold):
        return np.zeros(len(grievance), bool)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = model(legitimacy=0.3, rules={"becomes_active": never}).run(5).results
    assert (r.active_fraction == 0).all() and (r.arrests == 0).all()
    assert model(legitimacy=0.3).run(5).results.active_fraction.max() > 0


def test_a_replaced_arrest_probability_is_used_by_the_compiled_loop_without_warning():
    def fearless(cops, actives, p):
        return np.zeros(len(cops))

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        r = model(rules={"arrest_probability": fearless}).run(5).results
    assert r.active_fraction.iloc[1] > model().run(5).results.active_fraction.iloc[1]


def test_numba_cache_goes_to_the_user_cache_dir_when_the_package_is_read_only(tmp_path):
    """Simulated read-only install: os.access reports the package directory unwritable."""
    script = textwrap.dedent(f"""
        import os
        os.environ.pop("NUMBA_CACHE_DIR", None)
        os.environ["XDG_CACHE_HOME"] = {str(tmp_path / 'cache')!r}
        real = os.access
        pkg = {str(ROOT / 'sim' / 'core')!r}
        os.access = lambda path, mode, **kw: False if str(path).startswith(pkg) else real(path, mode, **kw)
        from sim.core import kernels
        print(kernels.CACHE_DIR)
        print(kernels.shift(0, -1, -1, 7, 5))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                         env={k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"})
    assert out.returncode == 0, out.stderr
    where, value = out.stdout.split()
    assert Path(where) == tmp_path / "cache" / "trustsim" / "numba" and value == str(4 * 7 + 6)
    assert any(Path(where).rglob("*.nbi")), "no numba index file written to the user cache"


# --------------------------------------------------------------------------- NetLogo micro-rules


@pytest.mark.parametrize("activation", ["sequential", "synchronous"])
def test_arresting_officer_moves_onto_the_arrested_citizens_cell(activation):
    seen = []

    def check(m):
        if m.tally.arrests:
            cells = np.concatenate(m.tally.arrest_cells)
            assert set(cells) <= set(m.officers.cell), "an arresting officer is not on its arrestee's cell"
            assert np.array_equal(m.occ[m.officers.cell], len(m.citizens) + np.arange(len(m.officers)))
            seen.append(len(cells))

    model(preset="netlogo-rebellion", legitimacy=0.5, activation=activation, hooks={"after_core": [check]}).run(15)
    assert sum(seen) > 0


def test_netlogo_jail_terms_follow_random_max_jail_term_with_its_countdown():
    p = Params(jail_term_rule="netlogo", max_jail_term=30)
    terms = R.jail_terms(np.random.default_rng(0), 20000, p)
    assert terms.min() == 0 and terms.max() == 28
    assert np.mean(terms == 0) == pytest.approx(2 / 30, abs=0.01)       # j = 0 and j = 1 both come back next step
    inclusive = R.jail_terms(np.random.default_rng(0), 20000, Params(max_jail_term=30))
    assert inclusive.max() == 30


def test_an_active_citizen_counts_itself_among_the_actives_when_asked():
    """Same seed with and without the switch: identical until the second step's decisions,
    where A differs by exactly 1 for the citizens active at that moment."""
    seen = {}
    for flag in (False, True):
        calls = []

        def prob(cops, actives, p, calls=calls):
            calls.append(actives.copy())
            return R.arrest_probability(cops, actives, p)

        m = model(preset="epstein-run2", legitimacy=0.3, activation="synchronous", count_self_active=flag,
                  rules={"arrest_probability": prob})
        m.step()
        was_active = m.citizens.active.copy()
        m.step()
        seen[flag] = (calls[1], was_active)
    (a_off, active), (a_on, _) = seen[False], seen[True]
    diff = a_on - a_off
    assert set(np.unique(diff)) <= {0.0, 1.0} and diff.sum() == active.sum() > 0


def test_the_netlogo_preset_differs_from_run2_only_in_the_micro_rules():
    diff = Params.build("netlogo-rebellion").differences(Params.build("epstein-run2"))
    assert diff == {"arrest_moves_officer": True, "jail_term_rule": "netlogo", "count_self_active": True,
                    "move_tries": 50}


def _digest(seed):
    import hashlib

    r = TrustModel(preset="netlogo-rebellion", rng=seed, **SMALL).run(15).results
    return hashlib.sha256(r.to_numpy(float).tobytes()).hexdigest()


def test_same_seed_same_results_in_worker_processes():
    """The compiled loop draws from the model's own streams: a run in another process (spawned:
    a fresh interpreter loading the numba cache) gives the same bytes."""
    import concurrent.futures
    import multiprocessing

    here = [_digest(s) for s in (1, 2)]
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        there = list(pool.map(_digest, (1, 2)))
    assert here == there and here[0] != here[1]
