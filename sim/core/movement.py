"""Movement on the torus: claims of empty cells near given cells, moves within vision, placement
and random empty cells; random winners among competing claims and random matchings.

A mixin of :class:`sim.core.grid.Torus` (it uses the torus's padded index, see
:mod:`sim.core.grid`); the grid re-exports the names below. Vectorised over agents: conflicts
between agents claiming the same cell are settled by random winners, never by agent loops.
"""

from __future__ import annotations

import numpy as np

from sim.core import compiled

COMPILED_CLAIMS_MAX = 40_000
"""Claims on grids of more cells than this take the NumPy path: the compiled kernel is faster while the
grid is small enough to stay in cache (up to about 200 x 200), NumPy's bulk passes beyond."""

EMPTY = -1   # the occupancy of an empty cell (the same value as sim.core.kernels.EMPTY)


class Movement:
    """Movement methods of :class:`sim.core.grid.Torus`."""

    def claim_empty_near(self, occ: np.ndarray, cells: np.ndarray, rng: np.random.Generator,
                         radius: int, geometry: str, tries: int, allowed=None, beat=None) -> np.ndarray:
        """For each of ``cells``, a random empty cell within ``radius`` (-1 if none found).

        Each agent draws random cells of its neighbourhood until one is empty (at most
        ``tries`` draws), which gives a uniformly random empty cell. Two agents aiming at the
        same cell: a random one gets it, the other gets -1. ``allowed(index, cell)`` may veto
        a target (for beats); ``beat`` = (beat centres, confined, beat_radius), one centre and flag per
        cell, is the same veto as ``within_beat`` computes it, for the compiled kernel (pass it only when it
        equals ``allowed``). ``occ`` is not changed."""
        index, cell = self._claims(occ, cells, rng, radius, geometry, tries, allowed, beat)
        target = np.full(len(cells), -1, np.intp)
        target[index] = cell
        return target

    def _claims(self, occ, cells, rng, radius, geometry, tries, allowed=None, beat=None):
        """(index into ``cells``, cell claimed) of the agents that win a cell; see
        :meth:`claim_empty_near`. Compiled (:func:`sim.core.compiled.claims`) when it can be: a NumPy
        Generator, and no veto or one given as ``beat``; else NumPy on the padded grid in int32."""
        fast = self._claims_compiled(occ, cells, rng, radius, geometry, tries, allowed, beat)
        if fast is not None:
            return fast
        off = self.flat_offsets(radius, geometry).astype(np.int32)
        draw = np.int16 if len(off) < 2**15 else np.int64       # 16-bit draws are cheaper (and as exact)
        empty = self.pad(occ == EMPTY, radius, name="pad_empty")
        todo = np.arange(len(cells), dtype=np.int32)
        here = self.padded_index(cells, radius).astype(np.int32)
        who, where = [], []
        for t in range(tries):
            if not len(todo):
                break
            cand = off.take(rng.integers(0, len(off), size=len(todo), dtype=draw))
            cand += here
            ok = empty.take(cand)
            if allowed is not None:
                ok &= allowed(todo, self.unpad(cand, radius))
            hit = ok.nonzero()[0]
            who.append(todo[hit])
            where.append(cand[hit])
            if t + 1 < tries:
                miss = (~ok).nonzero()[0]
                todo, here = todo[miss], here[miss]
        if not who:
            return np.empty(0, np.intp), np.empty(0, np.intp)
        who = np.concatenate(who)
        where = self.unpad(np.concatenate(where), radius)
        win = draw_winners(where, rng, self._winner_buffer()).nonzero()[0]
        return who[win], where[win]

    def _claims_compiled(self, occ, cells, rng, radius, geometry, tries, allowed, beat):
        if allowed is not None and beat is None:
            return None
        if self.size > COMPILED_CLAIMS_MAX:
            return None
        h = compiled.handle(rng)
        dy, dx = self.move_offsets(radius, geometry)
        if h is None or not 1 <= len(dy) < 2**15 or occ.dtype != np.int32 or 2 * radius + 1 > min(self.width, self.height):
            return None
        cells = np.asarray(cells, np.int64)
        n = len(cells)
        who, where = np.empty(n, np.int64), np.empty(n, np.int64)
        if beat is None:
            centres, confined, beat_radius, use_beat = cells, np.zeros(n, bool), 0, False
        else:
            centres, confined, beat_radius = beat
            centres, use_beat = np.asarray(centres, np.int64), True
        k = compiled.claims(h, occ, cells, dy, dx, self.width, self.height, tries, centres,
                            np.asarray(confined, bool), beat_radius, use_beat, who, where,
                            self._winner_buffer(), self._count_buffer())
        return who[:k], where[:k]

    def move_offsets(self, radius: int, geometry: str) -> tuple[np.ndarray, np.ndarray]:
        """:func:`sim.core.grid.offsets` without the centre, as int64 arrays (cached)."""
        key = ("move_offsets", radius, geometry)
        off = self._tables.get(key)
        if off is None:
            from sim.core.grid import offsets

            off = self._tables[key] = tuple(np.ascontiguousarray(a, np.int64) for a in offsets(radius, geometry))
        return off

    def _count_buffer(self) -> np.ndarray:
        """An int32 array of 0 per cell, for the compiled kernels (which leave it so)."""
        buf = self._buffers.get("counts0")
        if buf is None:
            buf = self._buffers["counts0"] = np.zeros(self.size, np.int32)
        return buf

    def move(self, occ: np.ndarray, ids: np.ndarray, cells: np.ndarray, rng: np.random.Generator,
             radius: int, geometry: str, tries: int, allowed=None) -> np.ndarray:
        """Move agents ``ids`` at ``cells`` each to a random empty cell within ``radius``
        (see :meth:`claim_empty_near`); those that find none stay. Updates ``occ`` in place
        and returns the new cells."""
        movers, to = self.moves(occ, ids, cells, rng, radius, geometry, tries, allowed)
        out = cells.copy()
        out[movers] = to
        return out

    def moves(self, occ: np.ndarray, ids: np.ndarray, cells: np.ndarray, rng: np.random.Generator,
              radius: int, geometry: str, tries: int, allowed=None, beat=None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`move` without copying everyone's cells: updates ``occ`` and returns
        (index into ``ids`` of the agents that moved, their new cells)."""
        movers, to = self._claims(occ, cells, rng, radius, geometry, tries, allowed, beat)
        occ[cells[movers]] = EMPTY
        occ[to] = ids[movers]
        return movers, to

    def place_near(self, occ: np.ndarray, ids: np.ndarray, cells: np.ndarray, rng: np.random.Generator,
                   radius: int, geometry: str, tries: int) -> np.ndarray:
        """Put agents ``ids`` (not on the grid) on empty cells near ``cells``, or on random
        empty cells anywhere when none is found nearby. Updates ``occ``; returns the cells."""
        target = self.claim_empty_near(occ, cells, rng, radius, geometry, tries)
        occ[target[target >= 0]] = ids[target >= 0]
        lost = np.flatnonzero(target < 0)
        target[lost] = self.random_empty_cells(occ, len(lost), rng)
        occ[target[lost]] = ids[lost]
        return target

    def random_empty_cells(self, occ: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` distinct empty cells drawn uniformly (fails loudly if there are too few)."""
        empty = np.flatnonzero(occ == EMPTY)
        if n > len(empty):
            raise ValueError(f"need {n} empty cells, the grid has {len(empty)}")
        return rng.choice(empty, size=n, replace=False)


def random_winners(groups: np.ndarray, keys: np.ndarray, best: np.ndarray | None = None) -> np.ndarray:
    """Mask of the entry with the largest key in each group (keys distinct, e.g. a permutation).

    ``best`` is an optional work array of at least ``groups.max() + 1`` entries of the
    keys' dtype."""
    if not len(groups):
        return np.zeros(0, bool)
    top = int(groups.max()) + 1
    best = np.empty(top, keys.dtype) if best is None or len(best) < top or best.dtype != keys.dtype else best[:top]
    best[groups] = -1
    np.maximum.at(best, groups, keys)
    return keys == best[groups]


def draw_winners(groups: np.ndarray, rng: np.random.Generator, best: np.ndarray | None = None) -> np.ndarray:
    """Mask of one uniformly random entry of each group (groups: non-negative ints).

    Each entry draws a random 31-bit key and the largest key of its group wins. Keys can
    tie (rarely): the tied entries of a group then draw again among themselves, so the
    winner stays exactly uniform and unique. ``best``: optional int32 work array of at
    least ``groups.max() + 1`` entries, all -1 (it is left all -1)."""
    n = len(groups)
    if not n:
        return np.zeros(0, bool)
    if best is None or len(best) <= int(groups.max()):
        best = np.full(int(groups.max()) + 1, -1, np.int32)
    keys = (rng.bit_generator.random_raw(n) >> np.uint64(33)).astype(np.int32)
    try:
        np.maximum.at(best, groups, keys)
        win = keys == best[groups]
        n_groups = np.count_nonzero(best >= 0)
    finally:
        best[groups] = -1
    if np.count_nonzero(win) != n_groups:                # some group has several top keys
        w = np.flatnonzero(win)
        _, first, count = np.unique(groups[w], return_index=True, return_counts=True)
        again = w[np.isin(groups[w], groups[w[first[count > 1]]])]
        win[again] = False
        win[again[draw_winners(groups[again], rng, best)]] = True
    return win


def random_matching(left: np.ndarray, right: np.ndarray, rng: np.random.Generator,
                    rounds: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A random matching over candidate pairs: each left and each right used at most once.

    Each left picks one of its pairs at random; a right claimed twice goes to a random
    claimant; unmatched lefts pick again among the remaining pairs (up to ``rounds``)."""
    key = rng.permutation(len(left))
    if not len(left):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if compiled.ENABLED and left.ndim == right.ndim == 1 and left.dtype.kind == right.dtype.kind == "i" \
            and left.min() >= 0 and right.min() >= 0:
        won = compiled.matching(left.astype(np.int64, copy=False), right.astype(np.int64, copy=False), key, rounds)
        return left[won], right[won]
    left_of, right_of = _compact(left), _compact(right)    # labels below len(pairs): small work arrays
    pair, l_lab, r_lab = np.arange(len(left)), left_of, right_of
    used_l, used_r = np.zeros(len(left), bool), np.zeros(len(left), bool)
    won = []
    for _ in range(rounds):
        if not len(pair):
            break
        pick = random_winners(l_lab, key)
        cand, cand_r, cand_k = pair[pick], r_lab[pick], key[pick]
        w = cand[random_winners(cand_r, cand_k)]           # pairs matched this round
        won.append(w)
        used_l[left_of[w]] = used_r[right_of[w]] = True
        keep = ~used_l[l_lab] & ~used_r[r_lab]
        pair, l_lab, r_lab, key = pair[keep], l_lab[keep], r_lab[keep], key[keep]
    won = np.concatenate(won)
    return left[won], right[won]


def _compact(values: np.ndarray) -> np.ndarray:
    """Labels in [0, len(values)) with equal labels exactly for equal values."""
    label = np.empty(int(values.max()) + 1, np.intp)
    label[values] = np.arange(len(values))
    return label[values]
