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

_HANDLES: dict = {}


def handle(rng) -> np.ndarray | None:
    """The kernel handle of ``rng`` (None if it is not a NumPy Generator: the caller takes its NumPy path).
    Cached by identity; the cache holds the generator, so an id is not reused while cached."""
    if type(rng) is not np.random.Generator:
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
           out_who, out_where, best, count):
    """:meth:`sim.core.movement.Movement._claims`: each agent ``i`` (at ``cells[i]``) draws up to ``tries``
    random offsets (``dy``, ``dx``: the shape without its centre) until the cell there is empty (``occ``) and,
    with ``use_beat``, allowed (``within_beat``: not ``confined[i]`` or the torus Chebyshev distance to
    ``beat[i]`` at most ``beat_radius``); then two agents claiming the same cell: a random one wins
    (``draw_winners``). Draws as NumPy: one ``integers(0, len(dy), size=len(todo), dtype=int16)`` per try,
    then one ``random_raw`` per claim (and again among tied keys). Writes the winners (index into ``cells``,
    cell) to ``out_who``, ``out_where`` in claim order; returns their number. ``best``, ``count``: int32
    work arrays of one entry per cell, all -1 and all 0 (left so)."""
    n = cells.shape[0]
    k_off = dy.shape[0]
    todo = np.arange(n)
    n_todo = n
    n_claims = 0
    st = np.zeros(2, np.uint64)
    for _ in range(tries):
        if n_todo == 0:
            break
        st[0] = 0
        st[1] = 0
        m = 0
        for q in range(n_todo):
            i = todo[q]
            k = bounded_uint16(h, k_off - 1, st) if k_off > 1 else 0
            cell = cells[i]
            y0 = cell // width
            x0 = cell - y0 * width
            to = wrap(y0 + dy[k], height) * width + wrap(x0 + dx[k], width)
            ok = occ[to] == EMPTY
            if ok and use_beat and confined[i]:
                ok = chebyshev(to, beat[i], width, height) <= beat_radius
            if ok:
                out_who[n_claims] = i
                out_where[n_claims] = to
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
        for q in range(n_sub):
            i = sub[q]
            keys[i] = np.int32(next_uint64(h) >> np.uint64(33))
            c = out_where[i]
            if keys[i] > best[c]:
                best[c] = keys[i]
        for q in range(n_sub):
            i = sub[q]
            c = out_where[i]
            if keys[i] == best[c]:
                win[i] = True
                count[c] += 1
        for q in range(n_sub):
            i = sub[q]
            again[i] = win[i] and count[out_where[i]] > 1
        for q in range(n_sub):
            c = out_where[sub[q]]
            best[c] = -1
            count[c] = 0
        m = 0
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
