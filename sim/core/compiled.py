"""Compiled kernels of the vectorised path (``activation = "synchronous"`` or ``"batches"``).

Each kernel does in one compiled pass what :mod:`sim.core.grid` and :mod:`sim.core.movement` do in
many NumPy calls on small arrays, with the same results bit for bit: the same random draws, from
the same streams, in the same order (:func:`sim.core.kernels.stream_handle`), and the same floating-point
operations in the same order. The NumPy versions stay the reference and the fallback: a caller uses a
kernel only when it can (a real ``np.random.Generator``; no plug-in replacing a rule the kernel
re-implements), else the NumPy code. ``tests/test_kernels_fast.py`` proves each kernel equal to its
NumPy version over random inputs.
"""

from __future__ import annotations

import numpy as np

from sim.core.kernels import EMPTY, bounded_uint16, chebyshev, next_uint64, njit, stream_handle, wrap

ENABLED = True
"""False: every caller takes its NumPy path (for tests that compare the two)."""

_HANDLES: dict = {}


def handle(rng) -> np.ndarray | None:
    """The kernel handle of ``rng`` (None if it is not a NumPy Generator: the caller takes its NumPy path).
    Cached by identity; the cache holds the generator, so an id is not reused while cached."""
    if type(rng) is not np.random.Generator or not ENABLED:
        return None
    hit = _HANDLES.get(id(rng))
    if hit is not None and hit[0] is rng:
        return hit[1]
    if len(_HANDLES) > 512:
        _HANDLES.clear()
    h = stream_handle(rng)
    _HANDLES[id(rng)] = (rng, h)
    return h


@njit
def claims(h, occ, cells, dy, dx, width, height, tries, beat, confined, beat_radius, use_beat,
           out_who, out_where, best, count, shift=33):
    """:meth:`sim.core.movement.Movement._claims`: each agent ``i`` (at ``cells[i]``) draws up to ``tries``
    random offsets (``dy``, ``dx``: the shape without its centre) until the cell there is empty (``occ``) and,
    with ``use_beat``, allowed (``within_beat``: not ``confined[i]`` or the torus Chebyshev distance to
    ``beat[i]`` at most ``beat_radius``); then two agents claiming the same cell: a random one wins
    (``draw_winners``). Draws as NumPy: one ``integers(0, len(dy), size=len(todo), dtype=int16)`` per try,
    then one ``random_raw`` per claim (and again among tied keys). Writes the winners (index into ``cells``,
    cell) to ``out_who``, ``out_where`` in claim order; returns their number. ``best``, ``count``: int32
    work arrays of one entry per cell, all -1 and all 0 (left so). ``shift``: a key is a raw draw >> shift (33
    as NumPy's code; tests use more to make ties, which are drawn again, frequent)."""
    n = cells.shape[0]
    k_off = dy.shape[0]
    todo = np.arange(n)
    n_todo = n
    n_claims = 0
    st = np.zeros(2, np.uint64)
    empty = np.empty(occ.shape[0], np.bool_)          # a byte per cell: fewer cache misses than occ itself
    for c in range(occ.shape[0]):
        empty[c] = occ[c] == EMPTY
    ys = np.empty(n, np.int64)
    xs = np.empty(n, np.int64)
    for i in range(n):
        ys[i] = cells[i] // width
        xs[i] = cells[i] - ys[i] * width
    cand = np.empty(n, np.int64)
    ok = np.empty(n, np.bool_)
    for _ in range(tries):
        if n_todo == 0:
            break
        st[0] = 0
        st[1] = 0
        for q in range(n_todo):                      # the draws first, then the lookups (no branch on a
            i = todo[q]                              # cache miss: the lookups overlap on a large grid)
            k = bounded_uint16(h, k_off - 1, st) if k_off > 1 else 0
            cand[q] = wrap(ys[i] + dy[k], height) * width + wrap(xs[i] + dx[k], width)
        for q in range(n_todo):
            ok[q] = empty[cand[q]]
        if use_beat:
            for q in range(n_todo):
                i = todo[q]
                if ok[q] and confined[i]:
                    ok[q] = chebyshev(cand[q], beat[i], width, height) <= beat_radius
        m = 0
        for q in range(n_todo):
            i = todo[q]
            if ok[q]:
                out_who[n_claims] = i
                out_where[n_claims] = cand[q]
                n_claims += 1
            else:
                todo[m] = i
                m += 1
        n_todo = m
    if n_claims == 0:
        return 0
    win = np.zeros(n_claims, np.bool_)
    keys = np.empty(n_claims, np.int32)
    again = np.zeros(n_claims, np.bool_)
    sub = np.arange(n_claims)
    n_sub = n_claims
    while n_sub:                                     # draw_winners, its ties drawn again among themselves
        n_groups = 0
        for q in range(n_sub):
            i = sub[q]
            keys[i] = np.int32(next_uint64(h) >> np.uint64(shift))
            c = out_where[i]
            if best[c] < 0:
                n_groups += 1
            if keys[i] > best[c]:
                best[c] = keys[i]
        n_win = 0
        for q in range(n_sub):
            i = sub[q]
            win[i] = keys[i] == best[out_where[i]]
            n_win += win[i]
        for q in range(n_sub):
            best[out_where[sub[q]]] = -1
        m = 0
        if n_win != n_groups:                        # some cell has tied top keys (rare)
            for q in range(n_sub):
                i = sub[q]
                if win[i]:
                    count[out_where[i]] += 1
            for q in range(n_sub):
                i = sub[q]
                again[i] = win[i] and count[out_where[i]] > 1
            for q in range(n_sub):
                count[out_where[sub[q]]] = 0
            for q in range(n_sub):
                i = sub[q]
                if again[i]:
                    win[i] = False
                    sub[m] = i
                    m += 1
        n_sub = m
    k = 0
    for i in range(n_claims):
        if win[i]:
            out_who[k] = out_who[i]
            out_where[k] = out_where[i]
            k += 1
    return k


@njit
def _pairs_pass(sources, row_dy, row_half, width, height, targets, who, cells, fill):
    j = 0
    for i in range(sources.shape[0]):
        y0 = sources[i] // width
        x0 = sources[i] - y0 * width
        for r in range(row_dy.shape[0]):
            base = wrap(y0 + row_dy[r], height) * width
            centre = row_dy[r] == 0
            for x in range(x0 - row_half[r], x0 + row_half[r] + 1):
                c = base + wrap(x, width)
                if targets[np.uint64(c)] and not (centre and x == x0):
                    if fill:
                        who[j] = i
                        cells[j] = c
                    j += 1
    return j


@njit
def pairs_within(sources, row_dy, row_half, width, height, targets):
    """:meth:`sim.core.grid.Torus.pairs_within`: every (i, cell) with ``cell`` within the shape (rows at
    ``row_dy``, ascending, of half-width ``row_half``: :func:`sim.core.grid.offsets` order is by row, then
    by column) around ``sources[i]``, not its centre, and ``targets[cell]`` true; ordered by source, then by
    offset. Each row of the shape is a run of cells (wrapped at the torus's edge). Many sources: two passes
    (count, fill)."""
    bound = 0
    for r in range(row_half.shape[0]):
        bound += 2 * row_half[r] + 1
    bound *= sources.shape[0]
    if bound <= 1 << 16:                             # few: one pass into arrays of the largest possible size
        who = np.empty(bound, np.intp)
        cells = np.empty(bound, np.intp)
        n = _pairs_pass(sources, row_dy, row_half, width, height, targets, who, cells, True)
        return who[:n].copy(), cells[:n].copy()
    who = np.empty(0, np.intp)
    n = _pairs_pass(sources, row_dy, row_half, width, height, targets, who, who, False)
    who = np.empty(n, np.intp)
    cells = np.empty(n, np.intp)
    _pairs_pass(sources, row_dy, row_half, width, height, targets, who, cells, True)
    return who, cells


@njit
def window_sum(v, plan_dy, plan_h, width, height, rows, out):
    """:meth:`sim.core.grid.Torus._window_sum` and ``_per_cell`` in one pass, the same additions in the same
    order (so float sums are bit-identical): row segments B_0 = v, B_h = (B_{h-1} + v[x - h]) + v[x + h]
    (``rows``, updated in place from h - 1 to h), and ``out`` = the shape's rows B_{h(dy)} shifted by dy, added
    in the order of ``plan_dy`` (``_row_plan``: by half-width ``plan_h``, then by row), the first one copied.
    ``rows`` and ``out``: work arrays of one entry per cell, of ``v``'s dtype."""
    size = width * height
    for c in range(size):
        rows[c] = v[c]
    w = np.uint64(width)                             # unsigned indices: no negative-index check per access,
    p = 0                                            # so the row loops vectorise
    n_plan = plan_dy.shape[0]
    h = 0
    while p < n_plan:
        while h < plan_h[p]:
            h += 1
            hh = np.uint64(h)
            for y in range(height):
                base = np.uint64(y) * w
                for x in range(h):
                    i = base + np.uint64(x)
                    rows[i] = (rows[i] + v[i + w - hh]) + v[i + hh]
                for x in range(h, width - h):
                    i = base + np.uint64(x)
                    rows[i] = (rows[i] + v[i - hh]) + v[i + hh]
                for x in range(max(h, width - h), width):
                    i = base + np.uint64(x)
                    rows[i] = (rows[i] + v[i - hh]) + v[i + hh - w]
        while p < n_plan and plan_h[p] == h:
            for y in range(height):
                if y + plan_dy[p] >= height:
                    src_y = np.uint64(y + plan_dy[p] - height) * w
                elif y + plan_dy[p] < 0:
                    src_y = np.uint64(y + plan_dy[p] + height) * w
                else:
                    src_y = np.uint64(y + plan_dy[p]) * w
                dst = np.uint64(y) * w
                if p == 0:
                    for x in range(width):
                        out[dst + np.uint64(x)] = rows[src_y + np.uint64(x)]
                else:
                    for x in range(width):
                        out[dst + np.uint64(x)] += rows[src_y + np.uint64(x)]
            p += 1
    return out


@njit
def weight_layer(cells, weights, layer, distinct):
    """``layer`` (float, one per cell) := the weight of the agent on each cell, as ``Torus.sum_near`` builds it:
    assigned when the cells are distinct (``distinct`` promises it; else checked), else summed in order from 0
    (``np.bincount``)."""
    layer[:] = 0.0
    repeats = False
    if not distinct:
        mark = np.zeros(layer.shape[0], np.bool_)
        for c in cells:
            if mark[c]:
                repeats = True
                break
            mark[c] = True
    if repeats:
        for i in range(cells.shape[0]):
            layer[cells[i]] += weights[i]
    else:
        for i in range(cells.shape[0]):
            layer[cells[i]] = weights[i]


@njit
def scatter_sum(cells, weights, dy, dx, width, height):
    """The few-sources branch of ``Torus.sum_near``: each source adds its weight to the cells of its shape
    (offsets ``dy``, ``dx`` with the centre, in order), sources in order, from 0 (``np.bincount``)."""
    out = np.zeros(width * height)
    for i in range(cells.shape[0]):
        y0 = cells[i] // width
        x0 = cells[i] - y0 * width
        w = weights[i]
        for m in range(dy.shape[0]):
            out[wrap(y0 + dy[m], height) * width + wrap(x0 + dx[m], width)] += w
    return out


@njit
def counts_scatter(cells, row_dy, row_half, width, height, at, grid):
    """:meth:`sim.core.grid.Torus.counts_near` for few sources: each of ``cells`` adds 1 to the cells of its shape (contiguous row
    segments), read at ``at``. ``grid``: an int32 work array of one 0 per cell (left so)."""
    for c in cells:
        _add_rows(grid, c, row_dy, row_half, 1, width, height)
    out = np.empty(at.shape[0], np.int64)
    for i in range(at.shape[0]):
        out[i] = grid[np.uint64(at[i])]
    for c in cells:
        _add_rows(grid, c, row_dy, row_half, -1, width, height)
    return out


@njit
def _add_rows(grid, cell, row_dy, row_half, delta, width, height):
    """:func:`sim.core.kernels.add_rows` with unsigned indices (no negative-index check per access)."""
    y0 = cell // width
    x0 = cell - y0 * width
    w = np.uint64(width)
    for r in range(row_dy.shape[0]):
        base = np.uint64(wrap(y0 + row_dy[r], height)) * w
        lo = x0 - row_half[r]
        hi = x0 + row_half[r]
        if lo >= 0 and hi < width:
            for x in range(base + np.uint64(lo), base + np.uint64(hi) + np.uint64(1)):
                grid[x] += delta
        else:
            for x in range(lo, hi + 1):
                grid[base + np.uint64(wrap(x, width))] += delta


@njit
def best_within(sources, row_dy, row_half, width, height, values):
    """:meth:`sim.core.grid.Torus.pairs_within` (targets: ``values > 0``) followed by the default
    ``chase_choice`` / ``problem_site_choice`` (:mod:`sim.core.rules`): for each source with a target, the
    target cell of the largest value, the first listed (offset order) among ties. Returns (source index,
    cell), by source."""
    n = sources.shape[0]
    who = np.empty(n, np.intp)
    cells = np.empty(n, np.intp)
    j = 0
    for i in range(n):
        y0 = sources[i] // width
        x0 = sources[i] - y0 * width
        best = -1
        for r in range(row_dy.shape[0]):
            base = wrap(y0 + row_dy[r], height) * width
            centre = row_dy[r] == 0
            for x in range(x0 - row_half[r], x0 + row_half[r] + 1):
                c = base + wrap(x, width)
                if values[c] > 0 and not (centre and x == x0) and (best < 0 or values[c] > values[best]):
                    best = c
        if best >= 0:
            who[j] = i
            cells[j] = best
            j += 1
    return who[:j].copy(), cells[:j].copy()


@njit
def counts_window(cells, plan_dy, plan_h, width, height, at, layer, rows, sums):
    """:meth:`sim.core.grid.Torus.counts_near` for many sources: the count layer, its window sum (:func:`window_sum`, in integers),
    read at ``at``. ``layer``, ``rows``, ``sums``: int64 work arrays of one entry per cell."""
    layer[:] = 0
    for c in cells:
        layer[c] += 1
    window_sum(layer, plan_dy, plan_h, width, height, rows, sums)
    out = np.empty(at.shape[0], np.int64)
    for i in range(at.shape[0]):
        out[i] = sums[at[i]]
    return out


@njit
def matching(left, right, key, rounds):
    """:func:`sim.core.movement.random_matching` after its draw (``key``, a permutation of the pairs): each
    round, each left takes its pair of the largest key, a right taken twice goes to the larger key, matched
    lefts and rights leave; up to ``rounds`` rounds. Returns the matched pairs' indices, by round, then by
    pair (the order of the NumPy code)."""
    n = left.shape[0]
    left_of = np.empty(n, np.int64)
    right_of = np.empty(n, np.int64)
    label = np.empty(left.max() + 1, np.int64)
    for i in range(n):
        label[left[i]] = i
    for i in range(n):
        left_of[i] = label[left[i]]
    label = np.empty(right.max() + 1, np.int64)
    for i in range(n):
        label[right[i]] = i
    for i in range(n):
        right_of[i] = label[right[i]]
    best_l = np.full(n, -1, np.int64)
    best_r = np.full(n, -1, np.int64)
    used_l = np.zeros(n, np.bool_)
    used_r = np.zeros(n, np.bool_)
    pair = np.arange(n)
    won = np.empty(n, np.int64)
    m = n
    n_won = 0
    for _ in range(rounds):
        if m == 0:
            break
        for q in range(m):
            i = pair[q]
            if key[i] > best_l[left_of[i]]:
                best_l[left_of[i]] = key[i]
        for q in range(m):
            i = pair[q]
            if key[i] == best_l[left_of[i]] and key[i] > best_r[right_of[i]]:
                best_r[right_of[i]] = key[i]
        for q in range(m):
            i = pair[q]
            if key[i] == best_l[left_of[i]] and key[i] == best_r[right_of[i]]:
                won[n_won] = i
                n_won += 1
        for k in range(n_won):
            used_l[left_of[won[k]]] = True
            used_r[right_of[won[k]]] = True
        for q in range(m):
            i = pair[q]
            best_l[left_of[i]] = -1
            best_r[right_of[i]] = -1
        kept = 0
        for q in range(m):
            i = pair[q]
            if not used_l[left_of[i]] and not used_r[right_of[i]]:
                pair[kept] = i
                kept += 1
        m = kept
    return won[:n_won].copy()
