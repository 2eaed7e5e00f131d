"""The compiled kernels of the vectorised path (sim/core/compiled.py) equal the NumPy code they replace.

Each kernel is checked against its NumPy version (``compiled.ENABLED = False`` switches every caller to
it) over random inputs, bit for bit: the same pairs in the same order, the same counts, the same float
sums (the same additions in the same order), the same random draws from the same streams (the stream is
left in the same state). The default rules the fused kernels re-implement (``within_beat``,
``chase_choice``, ``problem_site_choice``) equal the rules; a plug-in replacing one of them sends the
model to the NumPy path with identical results; a whole run is the same with and without the kernels.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import compiled, kernels
from sim.core import rules as R
from sim.core.grid import Torus, draw_winners
from sim.core.measures import percentile10
from sim.core.model import TrustModel

FAST = settings(max_examples=40, deadline=None)
GEOMETRIES = ("moore", "von_neumann", "euclidean")


def _numpy(fn, *args, **kwargs):
    compiled.ENABLED = False
    try:
        return fn(*args, **kwargs)
    finally:
        compiled.ENABLED = True


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.tobytes() == b.astype(a.dtype).tobytes() and a.dtype.kind == b.dtype.kind


def _state(rng):
    return rng.bit_generator.state


@st.composite
def grids(draw, max_side=24):
    width, height = draw(st.integers(5, max_side)), draw(st.integers(5, max_side))
    radius = draw(st.integers(1, (min(width, height) - 1) // 2))
    return width, height, radius, draw(st.sampled_from(GEOMETRIES)), draw(st.integers(0, 2**32))


# ------------------------------------------------------------------ random streams inside kernels
@kernels.njit
def _draws(h, k, n, out_i, out_d, out_r):
    st_ = np.zeros(2, np.uint64)
    for i in range(n):
        out_i[i] = kernels.bounded_uint16(h, k - 1, st_)
    for i in range(n):
        out_d[i] = kernels.next_double(h)
    for i in range(n):
        out_r[i] = kernels.next_uint64(h)


@FAST
@given(st.integers(2, 2**15 - 1), st.integers(1, 300), st.integers(0, 2**32), st.booleans())
def test_stream_handle_draws_are_numpys(k, n, seed, odd):
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    if odd:                                   # leave a buffered half word in the bit generator
        a.integers(0, 7, dtype=np.uint32)
        b.integers(0, 7, dtype=np.uint32)
    got_i, got_d, got_r = np.zeros(n, np.int64), np.zeros(n), np.zeros(n, np.uint64)
    _draws(compiled.handle(a), k, n, got_i, got_d, got_r)
    assert _same(got_i, b.integers(0, k, size=n, dtype=np.int16))
    assert _same(got_d, b.random(n))
    assert _same(got_r, b.bit_generator.random_raw(n))
    assert _state(a) == _state(b)


def test_handle_only_for_numpy_generators():
    assert compiled.handle(np.random.default_rng(1)) is not None
    assert compiled.handle(object()) is None
    assert _numpy(compiled.handle, np.random.default_rng(1)) is None


# ------------------------------------------------------------------ claims of empty cells
@FAST
@given(grids(), st.floats(0.05, 0.95), st.integers(1, 12), st.booleans())
def test_claims_equal_numpy(grid, density, tries, beats):
    width, height, radius, geometry, seed = grid
    g = Torus(width, height)
    r = np.random.default_rng(seed)
    occ = np.where(r.random(g.size) < density, r.integers(0, 100, g.size), -1).astype(np.int32)
    cells = r.choice(g.size, size=int(r.integers(0, g.size + 1)), replace=True)
    beat = r.integers(0, g.size, len(cells))
    confined = r.random(len(cells)) < 0.5
    beat_radius = int(r.integers(0, max(width, height)))
    p = type("P", (), {"beat_radius": beat_radius})()

    def allowed(index, cell):                 # as TrustModel._move builds it from the rule
        return R.within_beat(g.chebyshev(cell, beat[index]), confined[index], p)

    veto = (allowed, (beat, confined, beat_radius)) if beats else (None, None)
    a, b = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    got = g._claims(occ, cells, a, radius, geometry, tries, *veto)
    want = _numpy(g._claims, occ, cells, b, radius, geometry, tries, veto[0])
    assert _same(got[0], want[0]) and _same(got[1], want[1])
    assert _state(a) == _state(b)


class _Shifted:
    """A generator whose raw draws are a real generator's, shifted so that keys (raw >> 33) are
    raw >> ``shift``: few distinct keys, so ties (drawn again) are frequent."""

    def __init__(self, rng, shift):
        self.bit_generator = self
        self._rng, self._shift = rng, np.uint64(shift)

    def random_raw(self, n):
        return (self._rng.bit_generator.random_raw(n) >> self._shift) << np.uint64(33)


@FAST
@given(st.integers(1, 400), st.integers(1, 30), st.integers(58, 63), st.integers(0, 2**32))
def test_claim_winners_with_ties_equal_draw_winners(n, cells, shift, seed):
    """The winners part of the claims kernel, ties included, is ``draw_winners`` draw for draw."""
    g = Torus(cells + 4, 5)
    occ = np.full(g.size, -1, np.int32)
    where = np.random.default_rng(seed).integers(0, cells, n)
    a, b = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    want = draw_winners(where, _Shifted(b, shift), g._winner_buffer())
    # every agent claims its cell in one try: a one-cell shape at offset (0, 0)
    who, got = np.empty(n, np.int64), np.empty(n, np.int64)
    zero = np.zeros(1, np.int64)
    k = compiled.claims(compiled.handle(a), occ, where.astype(np.int64), zero, zero, g.width, g.height, 1,
                        where.astype(np.int64), np.zeros(n, bool), 0, False, who, got, g._winner_buffer(),
                        g._count_buffer(), shift)
    assert _same(who[:k], np.flatnonzero(want)) and _same(got[:k], where[want])
    assert _state(a) == _state(b)
    assert (g._winner_buffer() == -1).all() and (g._count_buffer() == 0).all()


# ------------------------------------------------------------------ counts, sums, pairs
@FAST
@given(grids(), st.integers(0, 3), st.booleans())
def test_counts_near_equal_numpy(grid, n_groups, repeats):
    width, height, radius, geometry, seed = grid
    g = Torus(width, height)
    r = np.random.default_rng(seed)
    groups = [r.choice(g.size, size=int(r.integers(0, g.size + 1)), replace=repeats) for _ in range(n_groups)]
    at = r.integers(0, g.size, int(r.integers(0, 3 * g.size)))
    got = g.counts_near(groups, at, radius, geometry, dtype=float)
    want = _numpy(g.counts_near, groups, at, radius, geometry, dtype=float)
    assert len(got) == len(want) and all(_same(x, y) for x, y in zip(got, want))


@FAST
@given(grids(), st.booleans(), st.booleans(), st.sampled_from(["few", "many"]))
def test_sum_near_equal_numpy_bit_for_bit(grid, repeats, distinct, amount):
    width, height, radius, geometry, seed = grid
    g = Torus(width, height)
    r = np.random.default_rng(seed)
    n = int(r.integers(0, 4)) if amount == "few" else int(r.integers(0, g.size + 1))
    cells = r.choice(g.size, size=n, replace=repeats and not distinct)
    weights = r.random(n) * r.choice([1e-3, 1.0, 1e3], n) * r.choice([-1.0, 1.0], n)
    at = r.integers(0, g.size, int(r.integers(0, 2 * g.size)))
    got = g.sum_near(cells, weights, at, radius, geometry, distinct)
    want = _numpy(g.sum_near, cells, weights, at, radius, geometry, distinct)
    assert _same(got, want)


@FAST
@given(grids(), st.floats(0.0, 1.0))
def test_pairs_within_equal_numpy(grid, share):
    width, height, radius, geometry, seed = grid
    g = Torus(width, height)
    r = np.random.default_rng(seed)
    sources = r.integers(0, g.size, int(r.integers(0, 40)))
    targets = r.random(g.size) < share
    got = g.pairs_within(sources, radius, geometry, targets)
    want = _numpy(g.pairs_within, sources, radius, geometry, targets)
    assert _same(got[0], want[0]) and _same(got[1], want[1])


@FAST
@given(grids(), st.floats(0.0, 1.0), st.booleans())
def test_best_within_equals_pairs_and_the_choice_rules(grid, share, integer):
    """The fused kernel equals pairs_within followed by the default chase_choice / problem_site_choice
    (ties included: integer values tie often)."""
    width, height, radius, geometry, seed = grid
    g = Torus(width, height)
    r = np.random.default_rng(seed)
    sources = r.integers(0, g.size, int(r.integers(0, 40)))
    values = np.where(r.random(g.size) < share, r.integers(1, 4, g.size) if integer else r.random(g.size), 0)
    got = g.best_within(sources, radius, geometry, values)
    who, cells = _numpy(g.pairs_within, sources, radius, geometry, values > 0)
    for rule in (R.chase_choice, R.problem_site_choice):
        want = rule(who, cells, values[cells], None)
        assert _same(got[0], want[0]) and _same(got[1], want[1])


@FAST
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=3, max_size=400))
def test_percentile10_is_numpys(values):
    x = np.array(values)
    assert percentile10(x) == float(np.percentile(x, 10))


# ------------------------------------------------------------------ whole runs and plug-ins
RUN = dict(width=24, height=24, vision=4, officer_vision=4, response_radius=6, beat_radius=3)


def _digest(model) -> bytes:
    c, o = model.citizens, model.officers
    parts = [model.results.to_numpy(float), c.cell, c.trust, c.active, o.cell, o.stress, model.occ, model.heat,
             model.opportunity]
    return b"".join(np.ascontiguousarray(np.asarray(a, float)).tobytes() for a in parts) + \
        repr(sorted((k, g.bit_generator.state["state"]["state"]) for k, g in model.streams.items())).encode()


@pytest.mark.parametrize("preset,overrides", [
    ("mixed", {}), ("hot-spots", {"geometry": "moore"}), ("proximity", {"geometry": "von_neumann"}),
    ("mixed", {"activation": "batches", "activation_batches": 3, "jailed_keep_cell": True}),
])
def test_a_run_is_the_same_with_and_without_the_kernels(preset, overrides):
    fast = TrustModel(preset=preset, rng=3, **RUN, **overrides).run(40)
    slow = _numpy(lambda: TrustModel(preset=preset, rng=3, **RUN, **overrides).run(40))
    assert _digest(fast) == _digest(slow)


@pytest.mark.parametrize("name,overrides", [("within_beat", {}), ("chase_choice", {"problem_solving_on": False}),
                                            ("problem_site_choice", {"chase_on": False})])
def test_a_plugin_replacing_a_fused_rule_takes_the_numpy_path_with_the_same_results(name, overrides, monkeypatch):
    """A plug-in that replaces a rule a kernel re-implements (here by a copy of the rule) sends that
    call to the NumPy path (the kernel is not called), the model says so once, and the run is unchanged."""
    rule = getattr(R, name)

    def copy(*args):
        return rule(*args)

    kernel = {"within_beat": "claims", "chase_choice": "best_within", "problem_site_choice": "best_within"}[name]
    base = TrustModel(preset="mixed", rng=5, **RUN, **overrides).run(30)
    calls = []
    original = getattr(compiled, kernel)

    def spy(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(compiled, kernel, spy)
    with pytest.warns(RuntimeWarning, match=f"replaces {name}, which a compiled kernel") as caught:
        plugged = TrustModel(preset="mixed", rng=5, rules={name: copy}, **RUN, **overrides).run(30)
    assert sum(name in str(w.message) for w in caught) == 1       # said once per model, not every step
    assert _digest(plugged) == _digest(base)
    if name == "within_beat":       # claims still run for citizens, never with the beat veto compiled
        assert all(not args[11] for args in calls)
    else:
        assert not calls


@FAST
@given(st.integers(0, 200), st.integers(1, 40), st.integers(1, 40), st.integers(1, 5), st.integers(0, 2**32))
def test_random_matching_equals_numpy(n, n_left, n_right, rounds, seed):
    from sim.core.movement import random_matching

    r = np.random.default_rng(seed)
    left, right = r.integers(0, n_left, n) * 3, r.integers(0, n_right, n) + 7
    a, b = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    got = random_matching(left, right, a, rounds)
    want = _numpy(random_matching, left, right, b, rounds)
    assert _same(got[0], want[0]) and _same(got[1], want[1])
    assert _state(a) == _state(b)


def test_counts_near_many_sources_on_one_cell_do_not_overflow():
    """Counts above the int16 range (incidents can repeat on a cell) are exact."""
    g = Torus(9, 9)
    cells = np.full(40_000, 40)
    got = g.counts_near([cells], np.array([40, 41, 0]), 1, "moore", dtype=float)[0]
    assert list(got) == [40_000.0, 40_000.0, 0.0]
    assert _same(got, _numpy(g.counts_near, [cells], np.array([40, 41, 0]), 1, "moore", dtype=float)[0])
