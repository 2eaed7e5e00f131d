"""Exactness of the spatial kernels of sim/grid.py against brute force on small tori.

Every fast path (padded torus, incremental row sums, packed counts, int32 movement,
random winners) is checked against a direct loop over cells and offsets."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.grid import EMPTY, Torus, draw_winners, offsets, random_matching, random_winners, shape_size

GEOMETRIES = ("moore", "von_neumann", "euclidean")
SHAPES = [(7, 5), (12, 9), (16, 16)]      # (width, height): non-square on purpose


def torus_offsets(radius, geometry, include_centre):
    dy, dx = offsets(radius, geometry, include_centre)
    return list(zip(dy.tolist(), dx.tolist()))


def brute_sum(values, width, height, radius, geometry):
    """Sum of ``values`` (one per cell) over each cell's neighbourhood, centre included:
    the layer shifted by every offset of the shape, added up."""
    v = np.asarray(values).reshape(height, width)
    out = np.zeros((height, width), dtype=np.result_type(v.dtype, np.int64))
    for dy, dx in torus_offsets(radius, geometry, True):
        out += np.roll(v, (-dy, -dx), axis=(0, 1))      # out[y, x] += v[(y + dy) % H, (x + dx) % W]
    return out.ravel()


def test_brute_force_reference_is_right_on_a_hand_example():
    v = np.zeros(25, int)
    v[0] = 1                                             # one agent in the corner of a 5x5 torus
    counts = brute_sum(v, 5, 5, 1, "von_neumann").reshape(5, 5)
    assert counts[0, 0] == counts[0, 1] == counts[1, 0] == counts[0, 4] == counts[4, 0] == 1
    assert counts.sum() == 5


def radii(width, height):
    return range(0, (min(width, height) - 1) // 2 + 1)


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("width, height", SHAPES)
def test_offsets_have_the_documented_shape(geometry, width, height):
    for r in radii(width, height):
        cells = set(torus_offsets(r, geometry, True))
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                inside = {"moore": max(abs(dy), abs(dx)) <= r, "von_neumann": abs(dy) + abs(dx) <= r,
                          "euclidean": dy * dy + dx * dx <= r * r}[geometry]
                assert ((dy, dx) in cells) == inside
        assert shape_size(r, geometry) == len(cells)
        assert (0, 0) not in set(torus_offsets(r, geometry, False))


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("width, height", SHAPES)
def test_neighbourhood_sum_matches_brute_force_for_int_bool_and_float_layers(geometry, width, height):
    rng = np.random.default_rng(width * height)
    g = Torus(width, height)
    for r in radii(width, height):
        ints = rng.integers(0, 5, size=width * height)
        floats = rng.random(width * height)
        bools = rng.random(width * height) < 0.4
        np.testing.assert_array_equal(g.neighbourhood_sum(ints.reshape(height, width), r, geometry),
                                      brute_sum(ints, width, height, r, geometry))
        np.testing.assert_array_equal(g.neighbourhood_sum(bools.reshape(height, width), r, geometry),
                                      brute_sum(bools.astype(int), width, height, r, geometry))
        np.testing.assert_allclose(g.neighbourhood_sum(floats.reshape(height, width), r, geometry),
                                   brute_sum(floats, width, height, r, geometry).astype(float), rtol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("width, height", SHAPES)
def test_packed_counts_match_brute_force(geometry, width, height):
    """Several groups counted in one packed word, at arbitrary cells (repeats allowed)."""
    rng = np.random.default_rng(1)
    g = Torus(width, height)
    n = width * height
    for r in radii(width, height):
        for n_groups in (1, 2, 3, 5):       # 5 groups of 8-bit fields need more than one word
            groups = [rng.choice(n, size=rng.integers(0, n + 1), replace=False) for _ in range(n_groups)]
            at = rng.integers(0, n, size=3 * n)
            got = g.counts_near(groups, at, r, geometry)
            assert len(got) == n_groups
            for cells, counts in zip(groups, got):
                expected = brute_sum(np.bincount(cells, minlength=n), width, height, r, geometry)[at]
                np.testing.assert_array_equal(counts, expected)
                assert counts.dtype == np.int64


def test_counts_in_16_bit_fields_match_brute_force():
    """A Moore square of radius 9 has 361 cells: counts need 16-bit fields."""
    rng = np.random.default_rng(2)
    width, height = 23, 20
    g = Torus(width, height)
    groups = [rng.choice(g.size, size=k, replace=False) for k in (g.size, 300, 7)]
    at = np.arange(g.size)
    for cells, counts in zip(groups, g.counts_near(groups, at, 9, "moore")):
        expected = brute_sum(np.bincount(cells, minlength=g.size), width, height, 9, "moore")
        np.testing.assert_array_equal(counts, expected)


def test_counts_stay_exact_when_a_field_is_full():
    """Every cell occupied in every group: each field holds the shape's size (its maximum)."""
    g = Torus(15, 15)
    for geometry in GEOMETRIES:
        for r in (1, 4, 7):
            every = np.arange(g.size)
            got = g.counts_near([every] * 4, every, r, geometry, dtype=float)
            for counts in got:
                assert (counts == shape_size(r, geometry)).all() and counts.dtype == float


def test_counts_with_repeated_cells_fall_back_to_exact_unpacked_counts():
    g = Torus(9, 9)
    cells = np.array([0, 0, 0, 40, 40])
    a, b = g.counts_near([cells, np.array([3])], np.arange(g.size), 2, "euclidean")
    np.testing.assert_array_equal(a, brute_sum(np.bincount(cells, minlength=g.size), 9, 9, 2, "euclidean"))
    np.testing.assert_array_equal(b, brute_sum(np.bincount([3], minlength=g.size), 9, 9, 2, "euclidean"))


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_weighted_sums_match_brute_force(geometry):
    rng = np.random.default_rng(3)
    width, height = 11, 8
    g = Torus(width, height)
    for r in radii(width, height):
        cells = rng.choice(g.size, size=30, replace=False)
        w = rng.random(30)
        at = rng.integers(0, g.size, size=50)
        layer = np.zeros(g.size)
        layer[cells] = w
        np.testing.assert_allclose(g.sum_near(cells, w, at, r, geometry),
                                   brute_sum(layer, width, height, r, geometry)[at], rtol=1e-12, atol=1e-15)
    for n in (3, 200):                                  # few sources (scatter path), many (window path), repeats
        cells = rng.integers(0, g.size, size=n)
        w = rng.random(n)
        at = rng.integers(0, g.size, size=40)
        np.testing.assert_allclose(g.sum_near(cells, w, at, 2, geometry),
                                   brute_sum(np.bincount(cells, w, minlength=g.size), width, height, 2, geometry)[at],
                                   rtol=1e-12)
    cells = np.array([5, 5, 7])                         # repeated cells add up
    np.testing.assert_allclose(g.sum_near(cells, np.array([0.25, 0.5, 1.0]), np.array([5, 6]), 1, geometry),
                               brute_sum(np.bincount(cells, [0.25, 0.5, 1.0], minlength=g.size),
                                         width, height, 1, geometry)[[5, 6]])


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("width, height", SHAPES)
def test_pairs_within_match_brute_force_in_order(geometry, width, height):
    rng = np.random.default_rng(4)
    g = Torus(width, height)
    for r in radii(width, height):
        targets = rng.random(g.size) < 0.3
        sources = rng.integers(0, g.size, size=20)
        expected = []
        for i, s in enumerate(sources):
            y, x = divmod(int(s), width)
            for dy, dx in torus_offsets(r, geometry, False):
                cell = ((y + dy) % height) * width + (x + dx) % width
                if targets[cell]:
                    expected.append((i, cell))
        for chunk in (1, 7, 1 << 18):                  # chunking does not change the answer
            i, cells = g.pairs_within(sources, r, geometry, targets, chunk=chunk)
            assert list(zip(i.tolist(), cells.tolist())) == expected


def torus_within(g, a, b, radius, geometry):
    ay, ax = np.divmod(a, g.width)
    by, bx = np.divmod(b, g.width)
    dy = np.minimum(np.abs(ay - by), g.height - np.abs(ay - by))
    dx = np.minimum(np.abs(ax - bx), g.width - np.abs(ax - bx))
    return {"moore": np.maximum(dy, dx) <= radius, "von_neumann": dy + dx <= radius,
            "euclidean": dy * dy + dx * dx <= radius * radius}[geometry]


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("density", [0.3, 0.9])
def test_movement_keeps_one_agent_per_cell_and_moves_within_radius(geometry, density):
    rng = np.random.default_rng(5)
    g = Torus(13, 10)
    n = int(density * g.size)
    cells = rng.choice(g.size, size=n, replace=False)
    occ = np.full(g.size, EMPTY, np.int32)
    occ[cells] = np.arange(n)
    moved_any = False
    for _ in range(20):
        ids = rng.permutation(n)[: n // 2]            # a subset, in random order
        before = cells.copy()
        occ_before = occ.copy()
        new = g.move(occ, ids, cells[ids], rng, 2, geometry, 10)
        cells[ids] = new
        assert len(np.unique(cells)) == n                                 # one agent per cell
        assert np.array_equal(occ[cells], np.arange(n)) and (occ >= 0).sum() == n
        moved = new != before[ids]
        assert (occ_before[new[moved]] == EMPTY).all()                    # moved onto cells empty before
        assert torus_within(g, before[ids], new, 2, geometry).all()
        moved_any |= moved.any()
        others = np.setdiff1d(np.arange(n), ids)
        assert np.array_equal(cells[others], before[others])
    assert moved_any


def test_movement_respects_a_veto_and_radius_one_neighbourhoods():
    rng = np.random.default_rng(6)
    g = Torus(10, 10)
    occ = np.full(g.size, EMPTY, np.int32)
    cells = np.array([0, 55])
    occ[cells] = [0, 1]
    left_half = lambda index, cell: (cell % g.width) < 5   # noqa: E731
    for _ in range(50):
        new = g.move(occ, np.array([0, 1]), cells, rng, 1, "moore", 10, allowed=left_half)
        stayed = new == cells
        assert ((new % g.width < 5) | stayed).all()
        assert torus_within(g, cells, new, 1, "moore").all()
        cells = new


def test_claimed_cell_is_uniform_among_the_empty_cells_in_reach():
    """Agents 9 cells apart, each with the same four empty cells within reach: each of
    the four is chosen about a quarter of the time."""
    g = Torus(90, 90)
    centres = np.array([(9 * i + 4) * 90 + 9 * j + 4 for i in range(10) for j in range(10)])
    dy, dx = offsets(2, "euclidean")
    occ = np.zeros(g.size, np.int32)
    empties = np.stack([g.shift(centres, dy[k], dx[k]) for k in (0, 3, 6, 9)], axis=1)
    occ[empties.ravel()] = EMPTY
    rng = np.random.default_rng(7)
    picks = np.stack([g.claim_empty_near(occ, centres, rng, 2, "euclidean", 50) for _ in range(40)])
    which = (picks[..., None] == empties[None]).argmax(axis=2)
    assert ((picks[..., None] == empties[None]).sum(axis=2) == 1).all()   # always one of the four
    freq = np.bincount(which.ravel(), minlength=4) / which.size
    assert np.all(np.abs(freq - 0.25) < 0.03), freq


def test_no_empty_cell_found_within_the_tries_means_no_move():
    g = Torus(9, 9)
    occ = np.arange(g.size, dtype=np.int32)          # full grid
    target = g.claim_empty_near(occ, np.array([10, 20]), np.random.default_rng(0), 3, "moore", 10)
    assert (target == -1).all()


def test_conflicting_claims_are_won_by_a_uniformly_random_claimant():
    """Pairs of agents whose only empty neighbour is the cell between them: each side
    wins about half the time, and exactly one of each pair moves."""
    g = Torus(60, 60)
    occ = np.arange(g.size, dtype=np.int32)
    middle = np.array([(3 * i + 1) * 60 + 3 * j + 1 for i in range(20) for j in range(20)])
    occ[middle] = EMPTY
    rng = np.random.default_rng(8)
    wins = np.zeros(2)
    for _ in range(8):
        t = g.claim_empty_near(occ, np.concatenate([middle - 1, middle + 1]), rng, 1, "von_neumann", 50)
        left, right = t[:len(middle)], t[len(middle):]
        assert ((left >= 0) ^ (right >= 0)).all()
        assert np.array_equal(np.maximum(left, right), middle)
        wins += [(left >= 0).sum(), (right >= 0).sum()]
    assert abs(wins[0] / wins.sum() - 0.5) < 0.03


class _TyingBits:
    """A bit generator whose raw draws take only a few values, so keys tie often."""

    def __init__(self, values):
        self._rng = np.random.default_rng(9)
        self._values = values

    def random_raw(self, n):
        return self._rng.integers(0, self._values, n).astype(np.uint64) << np.uint64(33)


class _TyingRng:
    def __init__(self, values):
        self.bit_generator = _TyingBits(values)


@pytest.mark.parametrize("rng", [np.random.default_rng(10), _TyingRng(2)], ids=["real", "ties"])
def test_draw_winners_picks_exactly_one_uniform_winner_per_group(rng):
    """Groups {4: four entries, 0: two, 9: one}, repeated 2000 times under distinct ids."""
    pattern = np.array([4, 4, 4, 4, 0, 0, 9])
    reps = 2000
    groups = (pattern[None, :] + 10 * np.arange(reps)[:, None]).ravel()
    best = np.full(10 * reps, -1, np.int32)
    win = draw_winners(groups, rng, best).reshape(reps, len(pattern))
    assert (win[:, :4].sum(axis=1) == 1).all() and (win[:, 4:6].sum(axis=1) == 1).all() and win[:, 6].all()
    assert (best == -1).all()                         # the work array is left clean
    assert np.all(np.abs(win[:, :4].mean(axis=0) - 0.25) < 0.035)
    assert np.all(np.abs(win[:, 4:6].mean(axis=0) - 0.5) < 0.035)


def test_random_winners_takes_the_largest_key_per_group():
    groups = np.array([1, 1, 2, 1, 2, 7])
    keys = np.array([5, 9, 0, 2, 3, 1])
    assert random_winners(groups, keys).tolist() == [False, True, False, False, True, True]


def test_random_matching_uses_each_side_at_most_once():
    rng = np.random.default_rng(11)
    for _ in range(50):
        left = rng.integers(0, 15, size=60)
        right = rng.integers(0, 15, size=60)
        ml, mr = random_matching(left, right, rng)
        assert len(np.unique(ml)) == len(ml) and len(np.unique(mr)) == len(mr)
        pairs = set(zip(left.tolist(), right.tolist()))
        assert all((a, b) in pairs for a, b in zip(ml.tolist(), mr.tolist()))
        # maximal after its rounds in easy cases: every left with a pair to a free right is matched
        assert len(ml) > 0


def test_place_near_puts_everyone_on_distinct_empty_cells():
    rng = np.random.default_rng(12)
    g = Torus(8, 8)
    occ = np.full(g.size, EMPTY, np.int32)
    occ[rng.choice(g.size, size=50, replace=False)] = np.arange(50)
    ids = np.arange(50, 60)
    cells = g.place_near(occ, ids, rng.integers(0, g.size, size=10), rng, 1, "moore", 3)
    assert len(np.unique(cells)) == 10 and np.array_equal(occ[cells], ids)
    assert (occ >= 0).sum() == 60
