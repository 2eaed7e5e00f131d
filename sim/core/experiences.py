"""The step's judgements and updates, a mixin of :class:`sim.core.model.TrustModel`.

C2: the opportunity of ordinary offending and what reporters and witnesses make of the answer
to their calls; C1, C2: trust after experiences, influence and memory; C4: officer stress after
workload and welfare; the activity map reactive officers chase. None of these draws a random
number: the draws stay in :mod:`sim.core.model` (``docs/ODD.md`` lists the streams from there).
"""

from __future__ import annotations

import numpy as np


class Experiences:
    """Phases of :meth:`TrustModel.step <sim.core.model.TrustModel.step>` after the core."""

    def _offence_probability(self, ids):
        """Ordinary offending of citizens ``ids``: hardship, trust, visible officers (weighted by
        ``officer_visibility``), the certainty of response and awareness; then the place: its
        attractiveness times what problem-solving left of its opportunity (``offence_at_place``)."""
        c, o, p = self.citizens, self.officers, self.p
        duty = np.flatnonzero(o.on_duty)
        weight = self.rules.officer_visibility(o.proximity[duty], p)
        visible = self.grid.sum_near(o.cell[duty], np.asarray(weight, float), c.cell[ids], p.vision, p.geometry) \
            if len(duty) else np.zeros(len(ids))
        prob = self.rules.offence_probability(c.hardship[ids], self._legitimacy_of(ids), visible, self.certainty,
                                              self.awareness, p)
        cells = c.cell[ids]
        place = self.place[cells] * self.opportunity[cells] if p.problem_solving_on else self.place[cells]
        return self.rules.offence_at_place(prob, place, p)

    def _problem_solving(self):
        """Problem-solving officers (drawn in ``_officer_duty``) each work the cell of their beat
        (within ``beat_radius`` of its centre) with the most past incidents (``problem_site_choice``)
        and the cells within ``problem_radius`` of it; every cell's opportunity factor then moves
        (``opportunity_after_step``): down where worked, back toward 1 elsewhere."""
        p = self.p
        if not p.problem_solving_on:
            return
        worked = np.zeros(self.grid.size)
        ids = np.flatnonzero(self._solving) if len(self._solving) == len(self.officers) else np.zeros(0, np.int64)
        if len(ids) and self.incident_map.any():
            best = self.grid.best_within(self.officers.beat[ids], p.beat_radius, "moore", self.incident_map) \
                if self._default_rule("problem_site_choice") else None   # compiled
            if best is None:
                who, cells = self.grid.pairs_within(self.officers.beat[ids], p.beat_radius, "moore",
                                                    self.incident_map > 0)
                best = self.rules.problem_site_choice(who, cells, self.incident_map[cells], p)
            who, cells = best
            if len(cells):
                k, place = self.grid.pairs_within(cells, p.problem_radius, "moore", np.ones(self.grid.size, bool)) \
                    if p.problem_radius > 0 else (np.arange(len(cells)), cells)
                np.add.at(worked, place, 1.0)
        if len(ids) or (self.opportunity < 1.0).any():
            self.opportunity = self.rules.opportunity_after_step(self.opportunity, worked, p)

    def _experiences(self, calls, answered):
        """Reporters: their own report answered or ignored; witnesses: an incident left
        unanswered nearby (C2)."""
        t, p = self.tally, self.p
        reporter, their_incident = calls.witness[calls.reports], calls.incident[calls.reports]
        good, bad = self.rules.report_experiences(answered[their_incident], p)
        np.add.at(t.good, reporter, good)
        np.add.at(t.bad, reporter, bad)
        np.add.at(t.bad, calls.witness, self.rules.unanswered_experience(answered[calls.incident], p))

    def _update_trust(self):
        if not self.p.trust_on:
            return
        c, p, t = self.citizens, self.p, self.tally
        if t.arrest_cells:
            cells, harm = np.concatenate(t.arrest_cells), np.concatenate(t.arrest_harm)
            k, seen = self.grid.pairs_within(cells, p.witness_radius, p.geometry, self._free_citizen_mask())
            np.add.at(t.bad, self.occ[seen], p.weight_witness_arrest * harm[k])
        c.trust = self.rules.trust_after_experiences(c.trust, t.good, t.bad, p)
        if p.influence_on:
            ids = np.flatnonzero(~c.jailed)
            cells, own = c.cell[ids], c.trust[ids]
            total = self.grid.sum_near(cells, own, cells, p.influence_radius, p.geometry, distinct=True) - own
            count = self._counts_near([cells], cells, p.influence_radius)[0] - 1
            has = count > 0
            if not has.all():                       # citizens with no free neighbour keep their trust
                ids, own, total, count = ids[has], own[has], total[has], count[has]
            c.trust[ids] = self.rules.trust_after_influence(own, total / count, p)
        c.trust = self.rules.trust_after_memory(c.trust, c.trust0, p)

    def _update_stress(self):
        if self.p.stress_on:
            o, p, t = self.officers, self.p, self.tally
            exposure = np.zeros(len(o))
            if len(t.incident_cells) and len(o):
                exposure = self._counts_near([t.incident_cells], o.cell, p.officer_vision)[0]
            load = self.rules.officer_workload(t.confrontations, t.calls, exposure, o.on_duty, p)
            load = self.rules.officer_strain(load, o.susceptibility, p)
            o.stress = self.rules.stress_after_step(o.stress, load, self.allocation.welfare_level, p)

    def _update_heat(self):
        """The activity map: this step's incidents plus the active citizens, fading (``heat_after_step``)."""
        if not (self.p.chase_on and self.allocation.officers):
            return
        events = np.zeros(self.grid.size)
        np.add.at(events, self.tally.incident_cells, 1.0)
        np.add.at(events, self._active_cells(), 1.0)
        self.heat = self.rules.heat_after_step(self.heat, events, self.p)
