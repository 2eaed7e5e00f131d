"""The torus grid: vision shapes, neighbourhood sums, pairs within a radius, movement.

Cells are numbered ``y * width + x``. Movement, claims of empty cells and random matchings are in
:mod:`sim.core.movement` (a mixin of :class:`Torus`; its names are re-exported here). An occupancy array holds, per cell, the id of the
agent there or -1. Everything here is vectorised over agents; the loops over agents are in compiled
kernels (:mod:`sim.core.compiled`), which give the same results bit for bit.

How it is fast (see ``benchmarks/README.md``):

* **Compiled kernels** (numba, :mod:`sim.core.compiled`) do counts and sums near cells, pairs within a
  radius, the fused chase / problem-site choice, claims of empty cells and random matchings in one
  compiled pass each, where a NumPy version would make tens of calls on small arrays: on small grids
  (the sweeps' 60 x 60) that call overhead was most of a step. Each reproduces the NumPy code below
  exactly (the same draws from the same streams, the same float additions in the same order), and
  each is used only where it is at least as fast (:data:`COMPILED_GRID_MAX`,
  ``movement.COMPILED_CLAIMS_MAX``); the NumPy code stays the reference and the fallback
  (``tests/test_kernels_fast.py``).

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

from sim.core import compiled
from sim.core.movement import EMPTY, Movement, draw_winners, random_matching, random_winners

__all__ = ["EMPTY", "Torus", "offsets", "shape_size", "random_matching", "random_winners", "draw_winners"]


COMPILED_GRID_MAX = 20_000
"""Grids of up to this many cells use the compiled counts, sums and pairs (:mod:`sim.core.compiled`)."""


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


class Torus(Movement):
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

    # --- compiled kernels (sim.core.compiled): the same results as the NumPy code below ----------
    def _compiled_ok(self, span: int, any_size: bool = False) -> bool:
        """Whether a compiled kernel serves: it wraps an offset around the torus once (``span``, the shape's
        width, at most the grid's side), and it pays on small grids (:data:`COMPILED_GRID_MAX` cells, where
        NumPy's calls on small arrays cost more than their work; on larger grids NumPy's packed, streaming
        passes are as fast or faster) unless ``any_size``."""
        return compiled.ENABLED and span <= min(self.width, self.height) and (any_size or self.size <= COMPILED_GRID_MAX)

    def shape_offsets(self, radius: int, geometry: str) -> tuple[np.ndarray, np.ndarray]:
        """:func:`offsets` with the centre, as int64 arrays (cached)."""
        key = ("shape_offsets", radius, geometry)
        off = self._tables.get(key)
        if off is None:
            off = self._tables[key] = tuple(np.ascontiguousarray(a, np.int64) for a in offsets(radius, geometry, True))
        return off

    def shape_rows(self, radius: int, geometry: str) -> tuple[np.ndarray, np.ndarray]:
        """(dy, half-width) of each row of the shape, dy ascending (:func:`offsets` order)."""
        key = ("shape_rows", radius, geometry)
        rows = self._tables.get(key)
        if rows is None:
            half = _half_widths(radius, geometry)
            rows = self._tables[key] = (np.arange(-radius, radius + 1, dtype=np.int64), np.array(half, np.int64))
        return rows

    def row_plan_arrays(self, radius: int, geometry: str) -> tuple[np.ndarray, np.ndarray]:
        """:func:`_row_plan` flattened: (dy, half-width) of each row of the shape, in the order
        :meth:`_window_sum` adds them."""
        key = ("row_plan", radius, geometry)
        plan = self._tables.get(key)
        if plan is None:
            rows = [(i - radius, h) for h, shape_rows in _row_plan(radius, geometry) for i in shape_rows]
            plan = self._tables[key] = (np.array([r[0] for r in rows], np.int64), np.array([r[1] for r in rows], np.int64))
        return plan

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
        at = np.asarray(at)
        if self._compiled_ok(2 * radius + 1, any_size=True) and at.ndim == 1 and at.dtype.kind in "iu":
            plan_dy, plan_h = self.row_plan_arrays(radius, geometry)
            at = at.astype(np.int64, copy=False)
            out = []
            for cells in groups:
                cells = np.asarray(cells, np.int64).reshape(-1)
                if 6 * len(cells) * shape_size(radius, geometry) < self.size * (len(plan_dy) + plan_h.max()):
                    n = compiled.counts_scatter(cells, plan_dy, plan_h, self.width, self.height, at,
                                                self._count_buffer())
                else:                          # int16 holds every count when there are fewer sources than 2^15
                    kind = np.int16 if len(cells) < 2**15 else np.int64
                    n = compiled.counts_window(cells, plan_dy, plan_h, self.width, self.height, at,
                                               *(self._buffer(k, self.size, kind) for k in ("i_layer", "i_rows", "i_sums")))
                out.append(n.astype(dtype))
            return out
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
        if len(cells) and self._compiled_ok(2 * radius + 1, any_size=True):    # float sums: pays at any size
            w = np.ascontiguousarray(weights)
            if len(cells) * len(off) <= self.size // 2:
                dy, dx = self.shape_offsets(radius, geometry)
                return compiled.scatter_sum(cells, w, dy, dx, self.width, self.height)[at]
            layer, rows, sums = (self._buffer(name, self.size, float) for name in ("f_layer", "f_rows", "f_sums"))
            compiled.weight_layer(cells, w, layer, distinct)
            plan_dy, plan_h = self.row_plan_arrays(radius, geometry)
            return compiled.window_sum(layer, plan_dy, plan_h, self.width, self.height, rows, sums)[at]
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

    def best_within(self, sources: np.ndarray, radius: int, geometry: str, values: np.ndarray):
        """For each of ``sources`` with a cell of ``values > 0`` within ``radius`` (centre excluded): (index
        into ``sources``, the cell of the largest value, the first in :func:`offsets` order among ties), by
        source: :meth:`pairs_within` then the default ``chase_choice`` in one compiled pass. None when
        the kernel cannot be used (the caller then takes the NumPy path)."""
        if not self._compiled_ok(2 * radius + 1, any_size=True):
            return None
        row_dy, row_half = self.shape_rows(radius, geometry)
        return compiled.best_within(np.asarray(sources, np.int64).reshape(-1), row_dy, row_half, self.width,
                                    self.height, np.ascontiguousarray(values).reshape(-1))

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
        if self._compiled_ok(2 * radius + 1):
            row_dy, row_half = self.shape_rows(radius, geometry)
            return compiled.pairs_within(np.asarray(sources, np.int64).reshape(-1), row_dy, row_half, self.width,
                                         self.height, np.asarray(targets, bool).reshape(-1))
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
