"""State derived from the agents and the helpers of the phases, a mixin of :class:`sim.core.model.TrustModel`.

Legitimacy (Epstein's L, or each citizen's trust), officers' procedural quality (C4), counts
near cells, the step's tallies, Epstein's activation decision (G - R P > T, no random draw),
the work arrays of the compiled sequential core, the outputs and the rule and hook sets.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd

from sim.core import rules as default_rules
from sim.core.grid import EMPTY, offsets, shape_size
from sim.core.kernels import shape_rows
from sim.core.measures import trust_map
from sim.core.params import ParamError, unknown_name_message
from sim.core.plugins import HOOK_POINTS


class ModelState:
    """Helpers shared by the phases of :class:`sim.core.model.TrustModel`."""

    def _decide(self, citizens):
        c, p = self.citizens, self.p
        ids = self._free_among(citizens)
        cops, actives = self._counts_near([self.officers.cell[self.officers.on_duty], self._active_cells()],
                                          c.cell[ids], p.vision)
        actives = 1 + actives - (0 if p.count_self_active else c.active[ids])
        g = self.rules.grievance(c.hardship[ids], self._legitimacy_of(ids))
        prob = self.rules.arrest_probability(cops, actives, p)
        c.active[ids] = self.rules.becomes_active(g, c.risk_aversion[ids], prob,
                                                  self.rules.effective_threshold(self.awareness, p))


    def _sequential_engine(self):
        """Work arrays of the sequential kernel (kept on the model, rebuilt if radii change)."""
        p = self.p
        key = (p.vision, p.officer_vision, p.geometry)
        e = getattr(self, "_seq", None)
        if e is None or e.key != key:
            def pair(radius, centre):
                dy, dx = (np.ascontiguousarray(a, np.int64) for a in offsets(radius, p.geometry, centre))
                return shape_rows(dy, dx) if centre else (dy, dx)

            n_c = len(self.citizens)
            shared = p.vision == p.officer_vision                  # one active-count grid serves both
            cops, act = np.zeros(self.grid.size, np.int32), np.zeros(self.grid.size, np.int32)
            e = self._seq = SimpleNamespace(
                key=key, rules_version=None, warned=getattr(e, "warned", False), kernel=None, table=None,
                offsets=(*pair(p.vision, False), *pair(p.officer_vision, False),
                         *pair(p.vision, True), *pair(p.officer_vision, True)),
                max_count=max(shape_size(p.vision, p.geometry), shape_size(p.officer_vision, p.geometry)),
                grids=(cops, act, act if shared else np.zeros(self.grid.size, np.int32)), shared=shared,
                cand=np.zeros(shape_size(p.officer_vision, p.geometry), np.int64),
                cand_cells=np.zeros(shape_size(p.officer_vision, p.geometry), np.int64),
                arrested=np.zeros(n_c, np.int64), arresting=np.zeros(n_c, np.int64))
        return e

    def _default_rule(self, name: str) -> bool:
        """Whether rule ``name`` is the default of :mod:`sim.core.rules` (not replaced by a plug-in), so that a
        compiled kernel re-implementing it may run in its place. When a plug-in replaced it, the model runs
        the NumPy path with the plug-in's rule (results exact) and says so once per model and rule."""
        if getattr(self.rules, name) is getattr(default_rules, name):
            return True
        warned = self.__dict__.setdefault("_compiled_fallbacks", set())
        if name not in warned:
            warned.add(name)
            warnings.warn(f"the plug-in replaces {name}, which a compiled kernel re-implements; running the "
                          "vectorised NumPy path with the plug-in's rule (exact, slower)", RuntimeWarning, stacklevel=3)
        return False

    def _count_arrests(self, citizen_ids, officer_ids):
        """An arrest's tallies: the officer's confrontation, the citizen's bad experience,
        the cell and harm of a witnessed arrest."""
        c, p = self.citizens, self.p
        np.add.at(self.tally.confrontations, officer_ids, 1)
        self.tally.bad[citizen_ids] += p.weight_arrested
        self.tally.arrest_cells.append(c.cell[citizen_ids])
        self.tally.arrest_harm.append(1.0 - self.quality[officer_ids])
        self.tally.arrests += len(citizen_ids)

    def _counts_near(self, groups, at, radius):
        """For each array of cells in ``groups``: how many lie within ``radius`` of each
        cell of ``at`` (centre included), as floats; all groups counted in one pass."""
        return self.grid.counts_near(groups, at, radius, self.p.geometry, dtype=float)

    def _free_among(self, citizens):
        """The citizens of a batch who are not in jail (all free citizens, in order, for K = 1)."""
        c = self.citizens
        if self.p.activation_batches == 1 and len(citizens) == len(c):
            return np.flatnonzero(~c.jailed)
        return citizens[~c.jailed[citizens]]

    def _active_cells(self):
        c = self.citizens
        return c.cell[np.flatnonzero(c.active & ~c.jailed)]

    def _free_citizen_mask(self):
        """Per cell: a free citizen is there."""
        if not self.p.jailed_keep_cell:         # citizens on the grid are the free ones: read the occupancy
            return (self.occ >= 0) & (self.occ < len(self.citizens))
        mask = np.zeros(self.grid.size, bool)
        mask[self.citizens.cell[~self.citizens.jailed]] = True
        return mask

    def _start_step_tallies(self):
        n_c, n_o = len(self.citizens), len(self.officers)
        self.tally = SimpleNamespace(good=np.zeros(n_c), bad=np.zeros(n_c), confrontations=np.zeros(n_o),
                                     calls=np.zeros(n_o), arrest_cells=[], arrest_harm=[], arrests=0, incidents=0,
                                     offences=0, offence_risk=0.0, incident_cells=np.zeros(0, np.int64), reported=0,
                                     contacts=0, supported=0, contact_officer_days=0,
                                     problem_officer_days=0)
        self._chased = np.zeros(n_o, bool)

    def _run_hooks(self, point):
        for hook in self.hooks[point]:
            hook(self)

    @property
    def legitimacy(self) -> np.ndarray:
        """L_i: each citizen's trust with trust on, else Epstein's global legitimacy."""
        if self.p.trust_on:
            return self.citizens.trust
        return np.full(len(self.citizens), self.p.legitimacy)

    def _legitimacy_of(self, ids) -> np.ndarray:
        """``self.legitimacy[ids]`` without building the whole array."""
        if self.p.trust_on:
            return self.citizens.trust[ids]
        return np.full(len(ids), self.p.legitimacy)

    @property
    def quality(self) -> np.ndarray:
        """Procedural quality of each officer (C4)."""
        if self.p.stress_on:
            return self.rules.officer_quality(self.officers.stress, self.p)
        return np.full(len(self.officers), self.p.quality_base)

    @property
    def results(self) -> pd.DataFrame:
        """The measures, one row per step (step 0 is the initial state)."""
        return pd.DataFrame(self._rows)

    @property
    def maps(self) -> dict[str, np.ndarray]:
        """(height, width) maps: current trust per occupied cell (NaN elsewhere) and
        cumulative incidents per cell (hot spots)."""
        shape = (self.p.height, self.p.width)
        return {"trust": trust_map(self), "incidents": self.incident_map.reshape(shape).copy()}

    @staticmethod
    def _rule_set(overrides: dict) -> SimpleNamespace:
        unknown = [unknown_name_message(k, list(default_rules.RULE_NAMES), what="rule")
                   for k in overrides if k not in default_rules.RULE_NAMES]
        if unknown:
            raise ParamError(unknown)
        return SimpleNamespace(**{**{n: getattr(default_rules, n) for n in default_rules.RULE_NAMES}, **overrides})

    @staticmethod
    def _hook_set(hooks: dict) -> dict:
        unknown = [unknown_name_message(k, list(HOOK_POINTS), what="hook point") for k in hooks if k not in HOOK_POINTS]
        if unknown:
            raise ParamError(unknown)
        return {point: list(hooks.get(point, [])) for point in HOOK_POINTS}

    def _relocate_officers(self, ids, target):
        """Officers ``ids`` move to the cells ``target`` where one was found (``target >= 0``),
        freeing their old cells; returns the officers who moved."""
        go = target >= 0
        ids, target = ids[go], target[go]
        self.occ[self.officers.cell[ids]] = EMPTY
        self.occ[target] = ids + len(self.citizens)
        self.officers.cell[ids] = target
        return ids
