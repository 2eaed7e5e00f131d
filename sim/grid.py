"""The torus grid: vision shapes, neighbourhood sums, pairs within a radius, movement.

Cells are numbered ``y * width + x``. An occupancy array holds, per cell, the id of the
agent there or -1. Everything here is vectorised over agents; nothing loops over agents.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import ndimage

EMPTY = -1


@lru_cache(maxsize=64)
def offsets(radius: int, geometry: str, include_centre: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Cell offsets (dy, dx) within ``radius``: Moore square max(|dy|,|dx|) <= r,
    von Neumann diamond |dy|+|dx| <= r, Euclidean disc dy^2+dx^2 <= r^2."""
    r = np.arange(-radius, radius + 1)
    dy, dx = (a.ravel() for a in np.meshgrid(r, r, indexing="ij"))
    if geometry == "moore":
        keep = np.ones(dy.shape, bool)
    elif geometry == "von_neumann":
        keep = np.abs(dy) + np.abs(dx) <= radius
    elif geometry == "euclidean":
        keep = dy * dy + dx * dx <= radius * radius
    else:
        raise ValueError(f"geometry: unknown {geometry!r}")
    if not include_centre:
        keep &= (dy != 0) | (dx != 0)
    dy, dx = dy[keep], dx[keep]
    dy.flags.writeable = dx.flags.writeable = False
    return dy, dx


class Torus:
    """A ``height x width`` torus with the vectorised spatial operations the model needs."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.size = width * height

    # --- geometry ------------------------------------------------------------------
    def shift(self, cells: np.ndarray, dy, dx) -> np.ndarray:
        """Cells moved by (dy, dx), wrapping around the torus."""
        y, x = np.divmod(cells, self.width)
        return ((y + dy) % self.height) * self.width + (x + dx) % self.width

    def chebyshev(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Torus Chebyshev distance between cells ``a`` and ``b``."""
        ay, ax = np.divmod(a, self.width)
        by, bx = np.divmod(b, self.width)
        dy = np.abs(ay - by)
        dx = np.abs(ax - bx)
        return np.maximum(np.minimum(dy, self.height - dy), np.minimum(dx, self.width - dx))

    def layer(self, cells: np.ndarray, weights=None) -> np.ndarray:
        """A (height, width) layer with ``weights`` (default 1) added at ``cells``."""
        flat = np.bincount(cells, weights=weights, minlength=self.size)
        return flat.reshape(self.height, self.width)

    # --- neighbourhood sums -------------------------------------------------------
    def neighbourhood_sum(self, layer: np.ndarray, radius: int, geometry: str) -> np.ndarray:
        """Sum of ``layer`` over each cell's neighbourhood (centre included), on the torus.

        Box sums: every shape here is a stack of centred row segments, so the sum is row
        box sums (one per segment width) added over the rows of the shape. A Moore square
        is separable: one row pass, one column pass. Returns a flat array per cell."""
        values = layer.astype(float)
        if geometry == "moore":
            out = _box_sum(_box_sum(values, radius, axis=1), radius, axis=0)
        else:
            half = _half_widths(radius, geometry)
            rows = {h: np.concatenate([r[-radius:], r, r[:radius]]) if radius else r
                    for h in set(half) for r in [_box_sum(values, h, axis=1)]}
            out = np.zeros_like(values)
            n = values.shape[0]
            for i, h in enumerate(half):          # row i of the shape is dy = i - radius
                out += rows[h][i:i + n]
        if np.issubdtype(layer.dtype, np.integer) or layer.dtype == bool:
            out = np.rint(out)
        return out.ravel()

    # --- pairs within a radius --------------------------------------------------------
    def pairs_within(self, sources: np.ndarray, radius: int, geometry: str,
                     targets: np.ndarray, chunk: int = 1 << 21) -> tuple[np.ndarray, np.ndarray]:
        """All (i, cell) with ``cell`` within ``radius`` of ``sources[i]`` (centre excluded)
        and ``targets[cell]`` true: one (sources x offsets) array op, in chunks of sources."""
        dy, dx = offsets(radius, geometry)
        per = max(1, chunk // max(len(dy), 1))
        src_index, cells = [], []
        for lo in range(0, len(sources), per):
            y, x = np.divmod(sources[lo:lo + per, None], self.width)
            c = ((y + dy) % self.height) * self.width + (x + dx) % self.width
            i, k = np.nonzero(targets[c])
            src_index.append(i + lo)
            cells.append(c[i, k])
        if not src_index:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(src_index), np.concatenate(cells)

    # --- movement ----------------------------------------------------------------------
    def claim_empty_near(self, occ: np.ndarray, cells: np.ndarray, rng: np.random.Generator,
                         radius: int, geometry: str, tries: int, allowed=None) -> np.ndarray:
        """For each of ``cells``, a random empty cell within ``radius`` (-1 if none found).

        Each agent draws random cells of its neighbourhood until one is empty (at most
        ``tries`` draws), which gives a uniformly random empty cell. Two agents aiming at the
        same cell: a random one gets it, the other gets -1. ``allowed(index, cell)`` may veto
        a target (for beats). ``occ`` is not changed."""
        dy, dx = offsets(radius, geometry)
        target = np.full(len(cells), -1, np.int64)
        todo = np.arange(len(cells))
        for _ in range(tries):
            if not len(todo):
                break
            k = rng.integers(0, len(dy), size=len(todo))
            cand = self.shift(cells[todo], dy[k], dx[k])
            ok = occ[cand] == EMPTY
            if allowed is not None:
                ok &= allowed(todo, cand)
            target[todo[ok]] = cand[ok]
            todo = todo[~ok]
        claimants = np.flatnonzero(target >= 0)
        lost = ~random_winners(target[claimants], rng.permutation(len(claimants)))
        target[claimants[lost]] = -1
        return target

    def move(self, occ: np.ndarray, ids: np.ndarray, cells: np.ndarray, rng: np.random.Generator,
             radius: int, geometry: str, tries: int, allowed=None) -> np.ndarray:
        """Move agents ``ids`` at ``cells`` each to a random empty cell within ``radius``
        (see :meth:`claim_empty_near`); those that find none stay. Updates ``occ`` in place
        and returns the new cells."""
        target = self.claim_empty_near(occ, cells, rng, radius, geometry, tries, allowed)
        movers = target >= 0
        occ[cells[movers]] = EMPTY
        occ[target[movers]] = ids[movers]
        return np.where(movers, target, cells)

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


@lru_cache(maxsize=64)
def _half_widths(radius: int, geometry: str) -> list[int]:
    """Half-width of the shape's row at each dy in -radius..radius."""
    dy, dx = offsets(radius, geometry, include_centre=True)
    return tuple(int(np.abs(dx[dy == d]).max()) for d in range(-radius, radius + 1))


def _box_sum(values: np.ndarray, half: int, axis: int) -> np.ndarray:
    """Sum over the window [-half, half] along ``axis``, wrapping around."""
    if half == 0:
        return values.copy()
    return ndimage.uniform_filter1d(values, 2 * half + 1, axis=axis, mode="wrap") * (2 * half + 1)


def random_winners(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Mask of the entry with the largest key in each group (keys distinct, e.g. a permutation)."""
    if not len(groups):
        return np.zeros(0, bool)
    best = np.full(int(groups.max()) + 1, -1, np.int64)
    np.maximum.at(best, groups, keys)
    return keys == best[groups]


def random_matching(left: np.ndarray, right: np.ndarray, rng: np.random.Generator,
                    rounds: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A random matching over candidate pairs: each left and each right used at most once.

    Each left picks one of its pairs at random; a right claimed twice goes to a random
    claimant; unmatched lefts pick again among the remaining pairs (up to ``rounds``)."""
    key = rng.permutation(len(left))
    out_l, out_r = [], []
    for _ in range(rounds):
        if not len(left):
            break
        pick = random_winners(left, key)
        cand_l, cand_r, cand_k = left[pick], right[pick], key[pick]
        win = random_winners(cand_r, cand_k)
        won_l, won_r = cand_l[win], cand_r[win]
        out_l.append(won_l)
        out_r.append(won_r)
        used_l = np.zeros(int(left.max()) + 1, bool)
        used_r = np.zeros(int(right.max()) + 1, bool)
        used_l[won_l] = used_r[won_r] = True
        keep = ~used_l[left] & ~used_r[right]
        left, right, key = left[keep], right[keep], key[keep]
    if not out_l:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_l), np.concatenate(out_r)
