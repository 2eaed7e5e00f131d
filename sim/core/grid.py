"""The torus grid: vision shapes, neighbourhood sums, pairs within a radius, movement.

Cells are numbered ``y * width + x``. An occupancy array holds, per cell, the id of the
agent there or -1. Everything here is vectorised over agents; nothing loops over agents.

How it is fast (see ``benchmarks/README.md``):

* **Padded torus.** For a radius ``R`` the grid is copied into a ``(H + 2R) x (W + 2R)``
  array whose border repeats the opposite edges (a wrap pad). On it, the neighbour of a
  cell at offset ``(dy, dx)`` is one addition, ``p + dy * (W + 2R) + dx``: no division, no
  modulo. Movement, pairs within a radius and neighbourhood sums all use it.
* **Neighbourhood sums** are computed on the flat padded array with contiguous slices
  only: the row segments of half-width ``h`` are built incrementally
  (``B_h = B_{h-1} + left + right``) and the shape's rows are then added with vertical
  shifts of one padded row each. Every shape here (square, diamond, disc) is a stack of
  centred row segments.
* **Packed counts.** Counts of small integers (agents within vision) are exact in small
  unsigned integers, and several counts are packed into one word (e.g. officers in the
  low byte and actives in the high byte of a uint16) so one pass over the grid counts
  them all; each field holds at most the number of cells of the shape, so no field ever
  carries into the next.
* **Work buffers** for these grid-sized arrays are kept on the :class:`Torus` and
  reused, so a step does not allocate (and page-fault) fresh megabytes each time.
"""

from __future__ import annotations

import sys
from functools import lru_cache

import numpy as np

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


@lru_cache(maxsize=64)
def shape_size(radius: int, geometry: str) -> int:
    """Number of cells of the shape, centre included (the largest possible count)."""
    return len(offsets(radius, geometry, include_centre=True)[0])


@lru_cache(maxsize=64)
def _half_widths(radius: int, geometry: str) -> tuple[int, ...]:
    """Half-width of the shape's row at each dy in -radius..radius."""
    dy, dx = offsets(radius, geometry, include_centre=True)
    return tuple(int(np.abs(dx[dy == d]).max()) for d in range(-radius, radius + 1))


@lru_cache(maxsize=64)
def _row_plan(radius: int, geometry: str) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """For h = 0 .. max half-width: (h, the rows i of the shape whose half-width is h)."""
    half = _half_widths(radius, geometry)
    return tuple((h, tuple(i for i, hi in enumerate(half) if hi == h)) for h in range(max(half) + 1))


class Torus:
    """A ``height x width`` torus with the vectorised spatial operations the model needs."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.size = width * height
        self._buffers: dict = {}
        self._tables: dict = {}

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

    # --- the padded torus ------------------------------------------------------------
    def _buffer(self, name: str, n: int, dtype) -> np.ndarray:
        """A reusable work array (contents undefined)."""
        key = (name, n, np.dtype(dtype))
        buf = self._buffers.get(key)
        if buf is None:
            buf = self._buffers[key] = np.empty(n, dtype)
        return buf

    def _winner_buffer(self) -> np.ndarray:
        """An int32 array of -1 per cell, for :func:`draw_winners` (which keeps it so)."""
        buf = self._buffers.get("winners")
        if buf is None:
            buf = self._buffers["winners"] = np.full(self.size, -1, np.int32)
        return buf

    def _pad_width(self, radius: int) -> int:
        return self.width + 2 * radius

    def padded_index(self, cells: np.ndarray, radius: int) -> np.ndarray:
        """Index of ``cells`` in the flat ``(H + 2R) x (W + 2R)`` padded grid."""
        cells = np.asarray(cells, np.intp)
        return cells + (cells // self.width) * (2 * radius) + radius * (self._pad_width(radius) + 1)

    def unpad(self, padded: np.ndarray, radius: int) -> np.ndarray:
        """The torus cell of each index into the padded grid (inverse of the wrap pad)."""
        key = ("unpad", radius)
        tables = self._tables.get(key)
        if tables is None:
            rows = (np.arange(-radius, self.height + radius) % self.height) * self.width
            cols = np.arange(-radius, self.width + radius) % self.width
            tables = self._tables[key] = (rows.astype(np.intp), cols.astype(np.intp))
        rows, cols = tables
        y, x = np.divmod(padded, np.asarray(self._pad_width(radius), padded.dtype))
        out = rows.take(y)
        out += cols.take(x)
        return out

    def flat_offsets(self, radius: int, geometry: str, include_centre: bool = False) -> np.ndarray:
        """The shape's offsets as steps in the flat padded grid, in :func:`offsets` order."""
        key = ("offsets", radius, geometry, include_centre)
        off = self._tables.get(key)
        if off is None:
            dy, dx = offsets(radius, geometry, include_centre)
            off = self._tables[key] = (dy * self._pad_width(radius) + dx).astype(np.intp)
            off.flags.writeable = False
        return off

    def pad(self, values: np.ndarray, radius: int, name: str = "pad") -> np.ndarray:
        """``values`` (one per cell) wrap-padded by ``radius``, flat, in a work buffer."""
        h, w, r = self.height, self.width, radius
        out = self._buffer(name, (h + 2 * r) * (w + 2 * r), values.dtype)
        p2 = out.reshape(h + 2 * r, w + 2 * r)
        a = values.reshape(h, w)
        p2[r:r + h, r:r + w] = a
        if r:
            p2[r:r + h, :r] = a[:, w - r:]
            p2[r:r + h, r + w:] = a[:, :r]
            p2[:r] = p2[h:h + r]
            p2[r + h:] = p2[r:2 * r]
        return out

    # --- neighbourhood sums -------------------------------------------------------
    def _window_sum(self, padded: np.ndarray, radius: int, geometry: str) -> np.ndarray:
        """Neighbourhood sums (centre included) of a flat padded array; the sum at cell
        (y, x) is at ``y * (W + 2R) + x + R`` of the result (a work buffer).

        Row segments of half-width h: B_0 = v, B_h = B_{h-1} + v[. - h] + v[. + h]; the
        result adds, for each row dy of the shape, B_{h(dy)} shifted by dy padded rows.
        Only contiguous slices of flat arrays, so every operation streams memory."""
        pw, dtype = self._pad_width(radius), padded.dtype
        n, n_out = len(padded), self.height * self._pad_width(radius)
        out = self._buffer("sum", n_out, dtype)
        started = False
        rows = padded
        for h, shape_rows in _row_plan(radius, geometry):
            if h:
                nxt = self._buffer(f"rows{h % 2}", n, dtype)
                seg = nxt[h:n - h]
                np.add(rows[h:n - h], padded[:n - 2 * h], out=seg)
                np.add(seg, padded[2 * h:], out=seg)
                rows = nxt
            for i in shape_rows:                   # row i of the shape is dy = i - r
                part = rows[i * pw:i * pw + n_out]
                if started:
                    np.add(out, part, out=out)
                else:
                    np.copyto(out, part)
                    started = True
        return out

    def _per_cell(self, out: np.ndarray, radius: int, name: str = "per_cell") -> np.ndarray:
        """The result of :meth:`_window_sum` as one value per cell (a work buffer)."""
        h, w, r = self.height, self.width, radius
        cells = self._buffer(name, self.size, out.dtype)
        np.copyto(cells.reshape(h, w), out.reshape(h, w + 2 * r)[:, r:r + w])
        return cells

    def neighbourhood_sum(self, layer: np.ndarray, radius: int, geometry: str) -> np.ndarray:
        """Sum of ``layer`` over each cell's neighbourhood (centre included), on the torus.

        Returns a new flat float array per cell; integer and boolean layers are summed
        exactly in integers."""
        values = np.asarray(layer).reshape(-1)
        if values.dtype == bool or np.issubdtype(values.dtype, np.integer):
            values = values.astype(np.int64)
        else:
            values = values.astype(float)
        out = self._window_sum(self.pad(values, radius), radius, geometry)
        return self._per_cell(out, radius).astype(float)

    def counts_near(self, groups, at: np.ndarray, radius: int, geometry: str, dtype=np.int64) -> list[np.ndarray]:
        """For each array of cells in ``groups``: how many of its cells lie within
        ``radius`` of each cell of ``at`` (centre included). Returns one array per group
        (of ``dtype``), aligned with ``at``.

        Exact. The groups are counted in one pass over the grid, packed in byte-aligned
        fields of one small unsigned integer (e.g. two counts below 256 in a uint16); no
        field can carry into the next, as each holds at most the size of the shape. Cells
        repeated within a group (not expected: one agent per cell) are counted unpacked."""
        bits = 8 if shape_size(radius, geometry) < 2**8 else 16 if shape_size(radius, geometry) < 2**16 else 32
        field = np.dtype(f"uint{bits}")
        per_word = max(1, 32 // bits)
        out = []
        for lo in range(0, len(groups), per_word):
            batch = groups[lo:lo + per_word]
            n_fields = 1 << (len(batch) - 1).bit_length()          # 1, 2 or 4 fields per word
            word = np.dtype(f"uint{bits * n_fields}").type
            layer = self._buffer("layer", self.size, word)
            layer.fill(0)
            expected = 0
            for i, cells in enumerate(batch):
                layer[cells] += word(1 << (bits * i))
                expected += len(cells) << (bits * i)
            if int(layer.sum(dtype=np.uint64)) != expected:     # repeated cells: count unpacked
                out.extend(n.astype(dtype) for n in self._counts_unpacked(batch, at, radius, geometry))
                continue
            w = self._per_cell(self._window_sum(self.pad(layer, radius), radius, geometry), radius)[at]
            fields = w.view(field).reshape(len(w), n_fields)       # field i = bits [bits*i, bits*(i+1))
            if sys.byteorder == "big":
                fields = fields[:, ::-1]
            out.extend(fields[:, i].astype(dtype) for i in range(len(batch)))
        return out

    def _counts_unpacked(self, groups, at, radius, geometry):
        return [self._per_cell(self._window_sum(self.pad(np.bincount(np.asarray(cells, np.intp), minlength=self.size),
                                                         radius), radius, geometry), radius)[at] for cells in groups]

    def sum_near(self, cells: np.ndarray, weights: np.ndarray, at: np.ndarray, radius: int,
                 geometry: str, distinct: bool = False) -> np.ndarray:
        """Sum of ``weights`` of the agents at ``cells`` within ``radius`` of each cell of
        ``at`` (centre included), aligned with ``at``.

        Few sources (fewer source-offset pairs than about half the cells): each source adds
        its weight to the cells of its shape (one bincount). Many: a window sum over the grid.
        ``distinct=True`` promises that no cell repeats (one agent per cell) and skips the
        check for repeats."""
        cells = np.asarray(cells, np.intp)
        weights = np.broadcast_to(np.asarray(weights, float), cells.shape)
        off = self.flat_offsets(radius, geometry, include_centre=True)
        if len(cells) * len(off) <= self.size // 2:
            reach = self.unpad((self.padded_index(cells, radius)[:, None] + off).ravel(), radius)
            return np.bincount(reach, weights=np.repeat(weights, len(off)), minlength=self.size)[at]
        layer = self._buffer("wlayer", self.size, float)
        layer.fill(0.0)
        layer[cells] = weights
        if not distinct and len(cells) and np.count_nonzero(self._mark(cells)) != len(cells):   # repeats: add up
            layer[:] = np.bincount(cells, weights=weights, minlength=self.size)
        return self._per_cell(self._window_sum(self.pad(layer, radius), radius, geometry), radius)[at]

    def _mark(self, cells):
        mark = self._buffer("mark", self.size, bool)
        mark.fill(False)
        mark[cells] = True
        return mark

    # --- pairs within a radius --------------------------------------------------------
    def pairs_within(self, sources: np.ndarray, radius: int, geometry: str,
                     targets: np.ndarray, chunk: int = 1 << 18) -> tuple[np.ndarray, np.ndarray]:
        """All (i, cell) with ``cell`` within ``radius`` of ``sources[i]`` (centre excluded)
        and ``targets[cell]`` (a bool per cell) true: one (sources x offsets) array op, in
        chunks of sources. Pairs come ordered by source, then by offset in :func:`offsets`
        order."""
        off = self.flat_offsets(radius, geometry).astype(np.int32)
        k = len(off)
        if not len(sources) or not k:
            return np.empty(0, np.intp), np.empty(0, np.intp)
        hit = self.pad(np.asarray(targets, bool).reshape(-1), radius, name="pad_targets")
        start = self.padded_index(sources, radius).astype(np.int32)
        per = max(1, chunk // k)
        src_index, cells = [], []
        for lo in range(0, len(start), per):
            c = (start[lo:lo + per, None] + off).ravel()
            j = hit.take(c).nonzero()[0]
            src_index.append(j // k + lo)
            cells.append(c[j])
        return np.concatenate(src_index), self.unpad(np.concatenate(cells), radius)

    # --- movement ----------------------------------------------------------------------
    def claim_empty_near(self, occ: np.ndarray, cells: np.ndarray, rng: np.random.Generator,
                         radius: int, geometry: str, tries: int, allowed=None) -> np.ndarray:
        """For each of ``cells``, a random empty cell within ``radius`` (-1 if none found).

        Each agent draws random cells of its neighbourhood until one is empty (at most
        ``tries`` draws), which gives a uniformly random empty cell. Two agents aiming at the
        same cell: a random one gets it, the other gets -1. ``allowed(index, cell)`` may veto
        a target (for beats). ``occ`` is not changed."""
        index, cell = self._claims(occ, cells, rng, radius, geometry, tries, allowed)
        target = np.full(len(cells), -1, np.intp)
        target[index] = cell
        return target

    def _claims(self, occ, cells, rng, radius, geometry, tries, allowed=None):
        """(index into ``cells``, cell claimed) of the agents that win a cell; see
        :meth:`claim_empty_near`. Works on the padded grid in int32."""
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
              radius: int, geometry: str, tries: int, allowed=None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`move` without copying everyone's cells: updates ``occ`` and returns
        (index into ``ids`` of the agents that moved, their new cells)."""
        movers, to = self._claims(occ, cells, rng, radius, geometry, tries, allowed)
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
