"""Exact random-sequential activation (``activation = "sequential"``), compiled with numba.

Each step every agent, citizens and officers together, in a fresh uniformly random order,
moves, then (a citizen) decides or (an officer on duty and available) arrests, seeing the
state left by every agent before it in the order. That is Epstein's (2002) random
sequential activation and NetLogo Rebellion's ``ask turtles [move, determine-behavior,
enforce]`` (``ask`` visits agents in a random order; each turtle runs the three in turn).

How the kernel stays exact and fast: the counts each decision reads (on-duty officers and
active citizens within ``vision`` of every cell, active citizens within ``officer_vision``)
are kept in per-cell count grids, built once per step and updated in place whenever an
agent that counts moves, turns active or quiet, or is jailed. A decision reads one cell of
each grid; an update touches the cells of one shape. ``tests/test_sequential.py`` checks the
grids against fresh counts (``Torus.counts_near``) after a step.

Which rules of :mod:`sim.core.rules` the compiled loop uses, and how:

* ``grievance`` and ``effective_threshold``: called (whatever they are) before the loop;
  hardship, legitimacy and awareness do not change within the core phase.
* ``arrest_probability``: called (whatever it is) on every possible pair (C, A) of integer
  counts; the loop reads that table. An elementwise rule, replaced or not, is used exactly.
* ``jail_terms``: called after the loop for the arrests it made, in order (the term does not
  matter within the step: a jailed citizen has left the core phase).
* ``becomes_active``, ``within_beat`` and ``arrest_choice`` are re-implemented inside the loop
  (:func:`_becomes_active`, :func:`_within_beat`, :func:`_arrest_pick`);
  ``tests/test_sequential.py`` proves them equal to the rules over random inputs. When a
  plug-in replaces one of these, the model runs the *same loop* interpreted (the loop's
  Python source with the plug-in's rule in place of the compiled helper) and warns once,
  naming the rule: results stay exact (with a plug-in identical to the rule, bit-identical
  to the compiled loop), only slower.

Random numbers of the loop (the order, moves, whom an officer arrests) come from the model's
``activation`` stream, passed to the kernel as a NumPy generator: numba draws from its bit
generator, so the stream advances as it would in Python. (One generator per call: numba
takes about 13 microseconds to type each generator argument.) Jail terms are drawn after the
loop from the ``arrests`` stream; releases from jail (:func:`release`) from ``movement``.
"""

from __future__ import annotations

import types
import warnings

import numpy as np

from sim.core import rules as default_rules
from sim.core.kernels import EMPTY, add_rows, chebyshev, draw_index, njit, wrap

#: Rules the compiled loop re-implements: a plug-in replacing one runs the interpreted loop.
REIMPLEMENTED = ("becomes_active", "within_beat", "arrest_choice")


@njit
def _becomes_active(grievance, risk_aversion, arrest_prob, threshold):
    """:func:`sim.core.rules.becomes_active` for one citizen: G - R P > T."""
    return grievance - risk_aversion * arrest_prob > threshold


@njit
def _within_beat(distance_to_beat, proximity, beat_radius):
    """:func:`sim.core.rules.within_beat` for one officer and one cell."""
    return (not proximity) or distance_to_beat <= beat_radius


@njit
def _arrest_pick(rng, officer, cells, k):
    """:func:`sim.core.rules.arrest_choice` for one officer with ``k`` candidates (the first
    ``k`` of ``cells``): the index of the one it arrests. In sequential order nobody else
    competes at that moment, and the rule's random matching (``random_matching``) of one
    officer picks the candidate holding the largest key of ``rng.permutation(k)``: the same
    draws here (numba's ``permutation`` is NumPy's algorithm on the same bit generator), so
    the pick is the rule's, draw for draw."""
    return np.argmax(rng.permutation(k))


# One function of 124 lines on purpose (issue 10 allows it with a reason): it is the numba kernel of the
# whole random-sequential core. Each agent's move, decision and arrest must run in one compiled loop, in
# the order of one permutation, updating the count grids in place between agents; split into compiled
# helpers it would pass the ~30 arrays at every agent, and the draws must stay in this exact order (the
# checksums of tests/test_checksums.py pin them).
def _sequential_core(rng, occ, width, height,
                     c_cell, c_active, c_jailed, grievance, risk, threshold,
                     o_cell, o_on_duty, o_available, o_proximity, o_beat, o_stay,
                     move_dy, move_dx, omove_dy, omove_dx, see_rows, see_half, osee_rows, osee_half,
                     prob_table, movement_on, move_tries, beat_radius, keep_cell, officer_follows, count_self,
                     shared,
                     cops_v, act_v, act_ov, cand, cand_cells, arrested, arresting):
    """One core phase in exact random-sequential order. Updates the agents' arrays and
    ``occ`` in place; returns the number of arrests, listed in ``arrested`` (citizens) and
    ``arresting`` (officers), in the order they happened. ``move_*``: offsets of a move
    (centre excluded); ``see_*``: rows and half-widths of a neighbourhood count (centre included);
    ``o*``: the officers' (``officer_vision``); ``o_stay``: officers who skip their random move (they
    chased recent activity before the core phase, ``TrustModel._chase``). ``cops_v``, ``act_v``, ``act_ov`` are work
    grids (one int per cell); they hold the counts at the end. ``officer_follows``: the
    arresting officer moves onto the arrested citizen's cell; ``count_self``: an active citizen
    counts itself among the actives it sees (both NetLogo Rebellion's micro-rules). ``shared``:
    ``act_ov`` is ``act_v`` (officers see as far as citizens): one grid, updated once."""
    n_c = c_cell.shape[0]
    n_o = o_cell.shape[0]
    cops_v[:] = 0
    act_v[:] = 0
    act_ov[:] = 0
    for j in range(n_o):
        if o_on_duty[j]:
            add_rows(cops_v, o_cell[j], see_rows, see_half, 1, width, height)
    for i in range(n_c):
        if c_active[i] and not c_jailed[i]:
            add_rows(act_v, c_cell[i], see_rows, see_half, 1, width, height)
            if not shared:
                add_rows(act_ov, c_cell[i], osee_rows, osee_half, 1, width, height)
    n = n_c + n_o
    order = np.arange(n)
    for i in range(n - 1, 0, -1):                      # Fisher-Yates: a uniform random order
        j = draw_index(rng, i + 1)
        t = order[i]
        order[i] = order[j]
        order[j] = t
    n_moves = move_dy.shape[0]
    n_omoves = omove_dy.shape[0]
    n_arrests = 0
    for a in order:
        if a < n_c:                                    # a citizen: move, then decide
            if c_jailed[a]:
                continue
            cell = c_cell[a]
            if movement_on:
                y0 = cell // width
                x0 = cell - y0 * width
                for _ in range(move_tries):
                    k = draw_index(rng, n_moves)
                    to = wrap(y0 + move_dy[k], height) * width + wrap(x0 + move_dx[k], width)
                    if occ[to] == EMPTY:
                        occ[cell] = EMPTY
                        occ[to] = a
                        if c_active[a]:
                            add_rows(act_v, cell, see_rows, see_half, -1, width, height)
                            add_rows(act_v, to, see_rows, see_half, 1, width, height)
                            if not shared:
                                add_rows(act_ov, cell, osee_rows, osee_half, -1, width, height)
                            if not shared:
                                add_rows(act_ov, to, osee_rows, osee_half, 1, width, height)
                        cell = to
                        c_cell[a] = to
                        break
            was = c_active[a]
            actives = 1 + act_v[cell] - (1 if was and not count_self else 0)
            now = _becomes_active(grievance[a], risk[a], prob_table[cops_v[cell], actives], threshold)
            if now != was:
                delta = 1 if now else -1
                add_rows(act_v, cell, see_rows, see_half, delta, width, height)
                if not shared:
                    add_rows(act_ov, cell, osee_rows, osee_half, delta, width, height)
                c_active[a] = now
        else:                                          # an officer: move, then arrest
            j = a - n_c
            cell = o_cell[j]
            if movement_on and not o_stay[j]:             # o_stay: moved already (chased activity)
                y0 = cell // width
                x0 = cell - y0 * width
                for _ in range(move_tries):
                    k = draw_index(rng, n_omoves)
                    to = wrap(y0 + omove_dy[k], height) * width + wrap(x0 + omove_dx[k], width)
                    if occ[to] == EMPTY and _within_beat(chebyshev(to, o_beat[j], width, height),
                                                         o_proximity[j], beat_radius):
                        occ[cell] = EMPTY
                        occ[to] = a
                        if o_on_duty[j]:
                            add_rows(cops_v, cell, see_rows, see_half, -1, width, height)
                            add_rows(cops_v, to, see_rows, see_half, 1, width, height)
                        cell = to
                        o_cell[j] = to
                        break
            if o_available[j] and act_ov[cell] > 0:
                k = 0
                y0 = cell // width
                x0 = cell - y0 * width
                for m in range(omove_dy.shape[0]):
                    there = wrap(y0 + omove_dy[m], height) * width + wrap(x0 + omove_dx[m], width)
                    x = occ[there]
                    if 0 <= x < n_c and c_active[x]:
                        cand[k] = x
                        cand_cells[k] = there
                        k += 1
                if k:
                    pick = _arrest_pick(rng, j, cand_cells, k)
                    if pick >= 0:
                        x = cand[pick]
                        c_jailed[x] = True
                        c_active[x] = False
                        add_rows(act_v, c_cell[x], see_rows, see_half, -1, width, height)
                        if not shared:
                            add_rows(act_ov, c_cell[x], osee_rows, osee_half, -1, width, height)
                        if not keep_cell:
                            occ[c_cell[x]] = EMPTY
                        if officer_follows:            # NetLogo: `move-to suspect` (its cell is free now)
                            occ[cell] = EMPTY
                            occ[c_cell[x]] = a
                            if o_on_duty[j]:
                                add_rows(cops_v, cell, see_rows, see_half, -1, width, height)
                                add_rows(cops_v, c_cell[x], see_rows, see_half, 1, width, height)
                            o_cell[j] = c_cell[x]
                        arrested[n_arrests] = x
                        arresting[n_arrests] = j
                        n_arrests += 1
    return n_arrests


sequential_core = njit(_sequential_core)


def replaced_rules(rules) -> list[str]:
    """The rules of ``rules`` (a model's rule set) that the compiled loop cannot use."""
    return [name for name in REIMPLEMENTED if getattr(rules, name) is not getattr(default_rules, name)]


def interpreted_core(rules, p):
    """The loop of :func:`_sequential_core`, interpreted, with each replaced rule of
    :data:`REIMPLEMENTED` called (on one-element arrays) in place of its compiled helper."""
    env = dict(_sequential_core.__globals__)
    env["_becomes_active"] = _becomes_active.py_func
    env["_within_beat"] = _within_beat.py_func
    env["_arrest_pick"] = _arrest_pick.py_func
    if rules.becomes_active is not default_rules.becomes_active:
        def becomes(g, r, prob, threshold):
            return bool(rules.becomes_active(np.array([g]), np.array([r]), np.array([prob]), threshold)[0])
        env["_becomes_active"] = becomes
    if rules.within_beat is not default_rules.within_beat:
        def beat(distance, proximity, beat_radius):
            return bool(rules.within_beat(np.array([distance]), np.array([proximity]), p)[0])
        env["_within_beat"] = beat
    if rules.arrest_choice is not default_rules.arrest_choice:
        def pick(rng, officer, cells, k):
            _, chosen = rules.arrest_choice(np.full(k, officer), cells[:k].copy(), rng, p)
            return int(np.flatnonzero(cells[:k] == chosen[0])[0]) if len(chosen) else -1
        env["_arrest_pick"] = pick
    return types.FunctionType(_sequential_core.__code__, env, "_sequential_core_interpreted")


def warn_fallback(names: list[str]):
    warnings.warn(f"activation 'sequential': the plug-in replaces {', '.join(names)}, which the compiled "
                  "engine re-implements; running the same loop interpreted (exact, slower)",
                  RuntimeWarning, stacklevel=4)


def probability_table(rule, p, max_cops: int, max_actives: int) -> np.ndarray:
    """``rule(C, A, p)`` (the arrest probability) for every C in 0..max_cops and A in
    0..max_actives, as a (max_cops + 1, max_actives + 1) float table (A = 0 is never read)."""
    cops, actives = np.meshgrid(np.arange(max_cops + 1, dtype=float), np.arange(max_actives + 1, dtype=float),
                                indexing="ij")
    actives[:, 0] = 1.0                                 # never read: avoids a division by zero
    table = np.asarray(rule(cops.ravel(), actives.ravel(), p), float).reshape(cops.shape)
    return np.ascontiguousarray(table)


@njit
def _release(rng, occ, ids, cells, move_dy, move_dx, move_tries, width, height):
    """Put the released citizens ``ids`` back on the grid, one after the other in id order: each
    draws up to ``move_tries`` random cells of its vision around its last cell (``cells``) and
    takes the first empty one; failing that, a uniformly random empty cell of the grid. Updates
    ``cells`` and ``occ`` in place. (The sequential order's counterpart of ``Torus.place_near``,
    whose synchronous claims resolve conflicts between released citizens instead.)"""
    n_moves = move_dy.shape[0]
    size = occ.shape[0]
    for i in range(ids.shape[0]):
        cell = cells[i]
        y0 = cell // width
        x0 = cell - y0 * width
        placed = -1
        for _ in range(move_tries):
            k = draw_index(rng, n_moves)
            to = wrap(y0 + move_dy[k], height) * width + wrap(x0 + move_dx[k], width)
            if occ[to] == EMPTY:
                placed = to
                break
        if placed < 0:
            free = 0
            for c in range(size):
                if occ[c] == EMPTY:
                    free += 1
            if free == 0:
                return i                                # no empty cell left (cannot happen: density < 1)
            nth = draw_index(rng, free)
            for c in range(size):
                if occ[c] == EMPTY:
                    if nth == 0:
                        placed = c
                        break
                    nth -= 1
        occ[placed] = ids[i]
        cells[i] = placed
    return ids.shape[0]


release = _release
