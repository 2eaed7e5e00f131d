"""TrustModel: citizens and officers on a torus, Epstein's core plus trust, incidents,
officer stress and budgeted policies. Agent state is arrays; every phase is vectorised (its spatial
steps in compiled kernels where those pay, :mod:`sim.core.compiled`, with the same results).

The schedule of one step is :meth:`TrustModel.step`; each phase is a short method: those that draw
random numbers below it, the others in :mod:`sim.core.experiences`, :mod:`sim.core.modelstate`,
:mod:`sim.core.scheduling`. Each rule of :mod:`sim.core.rules` is called as ``self.rules.X``.
"""

from __future__ import annotations

from types import SimpleNamespace

import mesa
import numpy as np

from sim.core import sequential
from sim.core.experiences import Experiences
from sim.core.grid import EMPTY, Torus, random_matching
from sim.core.interventions import Intervention
from sim.core.measures import measure_row
from sim.core.modelstate import ModelState
from sim.core.params import ParamError, Params
from sim.core.plugins import guard_model
from sim.core.policy import allocate
from sim.core.population import Officers, draw_citizens
from sim.core.presets import get_preset
from sim.core.scheduling import Scheduling
from sim.core.views import ModelViews

STREAMS = ("population", "officers", "movement", "activation", "arrests", "incidents", "policy", "contacts", "duty",
           "support", "stress", "places")


class TrustModel(ModelState, Experiences, Scheduling, ModelViews, mesa.Model):
    """One run. ``TrustModel(preset="proximity", rng=7, width=60).run(200).results``.

    Args:
        preset: a preset name (see ``sim.PRESETS``); its interventions are scheduled too.
        rng: integer seed (Mesa's convention). Every random stream derives from it.
        params: a full :class:`Params` instead of preset + overrides.
        interventions: extra interventions (``Intervention``, dicts or ``(step, {p: v})``).
        rules: ``{rule name: function}`` replacing rules of :mod:`sim.core.rules`.
        hooks: ``{point: [function(model), ...]}`` run at ``HOOK_POINTS`` of each step.
        **overrides: parameter values overriding the preset's.
    """

    def __init__(self, preset: str | None = None, *, rng: int | None = None, params: Params | None = None,
                 interventions=(), rules: dict | None = None, hooks: dict | None = None, **overrides):
        if rng is None:
            rng = int(np.random.SeedSequence().entropy % 2**63)
        if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or rng < 0:
            raise ParamError([f"rng: expected a non-negative integer seed, got {rng!r}"])
        super().__init__(rng=int(rng))
        self.seed = int(rng)
        self.p = params.replace(**overrides) if params is not None else Params.build(preset, **overrides)
        self.rules = self._rule_set(rules or {})
        self.hooks = self._hook_set(hooks or {})
        guard_model(self)       # plug-in rules and hooks: checked now, their outputs checked at every call
        children = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        self.streams = {name: np.random.default_rng(s) for name, s in zip(STREAMS, children)}

        self.grid = Torus(self.p.width, self.p.height)
        self.occ = np.full(self.grid.size, EMPTY, np.int32)
        self.citizens = draw_citizens(self.streams["population"], self.p, self.grid.size, self.streams["support"])
        self.occ[self.citizens.cell] = np.arange(len(self.citizens))
        self.officers = Officers.hired(np.empty(0, np.int64))
        self.awareness = 0.0
        self.incident_map = np.zeros(self.grid.size, np.int64)
        self.heat = np.zeros(self.grid.size)        # recent activity, chased by reactive officers
        self.certainty = 0.5                        # perceived certainty of response (offending)
        self.opportunity = np.ones(self.grid.size)  # offending opportunity per cell, lowered by problem-solving
        self.place = self.rules.place_attractiveness(self.streams["places"].random(self.grid.size), self.p)
        self._solving = np.zeros(0, bool)
        self._apply_allocation()

        planned = list(get_preset(preset).interventions) if preset and params is None else []
        self.interventions = [Intervention.coerce(i) for i in [*planned, *interventions]]
        self._pending = []  # Mesa holds weak references to event callbacks: keep them alive here
        for iv in self.interventions:
            self.schedule_intervention(iv)
        self._rows: list[dict] = []
        self._start_step_tallies()
        self._rows.append(measure_row(self))

    # ------------------------------------------------------------------ the schedule
    def step(self):
        """One step (a day). Phases in order; the core (move, decide, arrest) runs in the
        order set by ``activation``: sequential (compiled), synchronous or K batches."""
        self._run_hooks("step_start")
        self._start_step_tallies()
        self._release_from_jail()
        self._officer_duty()                        # C4: stress -> absence
        self._social_programmes()                   # C3: support, awareness
        self._hotspot_beats()                       # hot-spots policing: beats on the most incidents
        self._problem_solving()                     # C1, C2: beat officers work their hot spots
        self._chase()                               # reactive officers head for recent activity
        if self.p.activation == "sequential":
            self._core_sequential()                 # Epstein: each agent in turn moves, decides, arrests
        else:
            for citizens, officers in self._activation_batches():
                self._move(citizens, officers)      # Epstein: random move within vision
                self._decide(citizens)              # Epstein: G - R P > T
                self._arrest(officers)              # Epstein: arrest an active in vision
        self._run_hooks("after_core")
        if self.p.incidents_on:
            offenders = self._incidents()           # C2: who causes an incident, where
            calls = self._reports(offenders)        # C2: witnesses report, with trust
            answered = self._response(calls)        # C2: an available officer answers, may arrest
            self._experiences(calls, answered)      # C2: reporters and witnesses judge the answer
        self._proximity_contacts()                  # C1: contacts (procedural quality, vicarious)
        self._update_trust()                        # C1, C2: experiences, influence, memory
        self._update_stress()                       # C4: workload, welfare
        self._update_heat()                         # the activity map reactive officers chase
        self._run_hooks("step_end")
        self._rows.append(measure_row(self))

    # ------------------------------------------------------------------ phases
    def _release_from_jail(self):
        c = self.citizens
        jailed = np.flatnonzero(c.jailed)
        done = c.jail_left[jailed] == 0
        c.jail_left[jailed[~done]] -= 1
        ids = jailed[done]
        if len(ids) and not self.p.jailed_keep_cell and self.p.activation == "sequential":
            cells = np.ascontiguousarray(c.cell[ids], np.int64)
            move_dy, move_dx = self._sequential_engine().offsets[:2]
            sequential.release(self.streams["movement"], self.occ, ids, cells, move_dy, move_dx,
                               self.p.move_tries, self.p.width, self.p.height)
            c.cell[ids] = cells
        elif len(ids) and not self.p.jailed_keep_cell:
            c.cell[ids] = self.grid.place_near(self.occ, ids, c.cell[ids], self.streams["movement"],
                                               self.p.vision, self.p.geometry, self.p.move_tries)
        c.jailed[ids] = False

    def _officer_duty(self):
        o, p, rng = self.officers, self.p, self.streams["duty"]
        absent = rng.random(len(o)) < (self.rules.absence_probability(o.stress, p) if p.stress_on else 0.0)
        u = rng.random(len(o))
        busy = u < self.rules.busy_probability(o.proximity, p)
        o.on_duty = ~absent
        o.available = o.on_duty & ~busy
        # the same draw splits the busy: u < contact_time on contacts, the rest on problem-solving
        self._solving = o.on_duty & busy & o.proximity & (u >= p.contact_time) & bool(p.problem_solving_on)
        self.tally.contact_officer_days = int(np.count_nonzero(o.on_duty & busy & ~self._solving))  # time costs
        self.tally.problem_officer_days = int(np.count_nonzero(self._solving))

    def _social_programmes(self):
        c, p, a = self.citizens, self.p, self.allocation
        cut = np.zeros(len(c))
        k = 0
        if a.support_recipients:
            proxy = self.rules.hardship_proxy(c.hardship, c.proxy_error, p)
            priority = self.rules.support_priority(proxy, self.streams["policy"].random(len(c)), p)
            eligible = ~c.jailed & (c.claim_draw < p.support_takeup)       # free claimants only (take-up)
            priority[~eligible] = -np.inf
            k = min(a.support_recipients, int(np.count_nonzero(eligible)))
            if k:
                chosen = np.argpartition(priority, len(c) - k)[len(c) - k:]     # the k highest priorities
                cut[chosen] = self.rules.support_cut(c.support_days[chosen], p)
                c.support_days[chosen] += 1
                if p.support_delivery == "police":                 # only then an experience of the police
                    self.tally.good[chosen] += p.weight_help
        c.hardship = self.rules.hardship_after_step(c.hardship, c.hardship0, cut, p)
        self.awareness = float(self.rules.awareness_after_step(self.awareness, a.awareness_reach, p))
        self.tally.supported = k

    def _activation_batches(self):
        """K = 1: everyone at once (synchronous). K > 1: K random sub-batches of all agents."""
        n_c, n_o, k = len(self.citizens), len(self.officers), self.p.activation_batches
        if k == 1:
            yield np.arange(n_c), np.arange(n_o)
            return
        order = self.streams["activation"].permutation(n_c + n_o)
        for batch in np.array_split(order, k):
            yield batch[batch < n_c], batch[batch >= n_c] - n_c

    def _move(self, citizens, officers):
        if not self.p.movement_on:
            return
        c, o, p, rng = self.citizens, self.officers, self.p, self.streams["movement"]
        ids = self._free_among(citizens)
        movers, to = self.grid.moves(self.occ, ids, c.cell[ids], rng, p.vision, p.geometry, p.move_tries)
        c.cell[ids[movers]] = to

        def within_beat(index, cell):
            j = officers[index]
            return self.rules.within_beat(self.grid.chebyshev(cell, o.beat[j]), confined[j], p)

        confined = o.confined
        officers = officers[~self._chased[officers]]            # officers who chased already moved
        beat = (o.beat[officers], confined[officers], p.beat_radius) \
            if self._default_rule("within_beat") else None      # the compiled claims know the rule
        movers, to = self.grid.moves(self.occ, officers + len(c), o.cell[officers], rng,
                                     p.officer_vision, p.geometry, p.move_tries, within_beat, beat)
        o.cell[officers[movers]] = to

    def _arrest(self, officers):
        o, p = self.officers, self.p
        active_cells = self._active_cells()
        sees = self._counts_near([active_cells], o.cell[officers], p.officer_vision)[0] > 0
        cops = officers[o.available[officers] & sees]
        if not len(cops):
            return
        mask = np.zeros(self.grid.size, bool)
        mask[active_cells] = True
        who, cells = self.grid.pairs_within(o.cell[cops], p.officer_vision, p.geometry, mask)
        cop_index, cells = self.rules.arrest_choice(who, cells, self.streams["arrests"], p)
        self._jail(self.occ[cells], cops[cop_index])
        if p.arrest_moves_officer and not p.jailed_keep_cell:       # NetLogo: `move-to suspect`
            movers = cops[cop_index]
            self.occ[o.cell[movers]] = EMPTY
            self.occ[cells] = len(self.citizens) + movers
            o.cell[movers] = cells

    def _core_sequential(self):
        """Move, decide and arrest in exact random-sequential order (see :mod:`sim.core.sequential`)."""
        c, o, p, e = self.citizens, self.officers, self.p, self._sequential_engine()
        if e.rules_version is not p:
            e.rules_version = p
            replaced = sequential.replaced_rules(self.rules)
            if replaced and not e.warned:
                sequential.warn_fallback(replaced)
                e.warned = True
            e.kernel = sequential.interpreted_core(self.rules, p) if replaced else sequential.sequential_core
            e.table = sequential.probability_table(self.rules.arrest_probability, p, e.max_count, e.max_count + 1)
        for holder, name, dtype in ((c, "cell", np.int64), (o, "cell", np.int64), (o, "beat", np.int64)):
            if getattr(holder, name).dtype != dtype:
                setattr(holder, name, getattr(holder, name).astype(dtype))
        grievance = np.ascontiguousarray(self.rules.grievance(c.hardship, self.legitimacy), float)
        threshold = float(self.rules.effective_threshold(self.awareness, p))
        n = e.kernel(self.streams["activation"], self.occ, p.width, p.height,
                     c.cell, c.active, c.jailed, grievance, c.risk_aversion, threshold,
                     o.cell, o.on_duty, o.available, o.confined, o.beat, self._chased, *e.offsets,
                     e.table, p.movement_on, p.move_tries, p.beat_radius, p.jailed_keep_cell,
                     p.arrest_moves_officer and not p.jailed_keep_cell, p.count_self_active,
                     e.shared,
                     *e.grids, e.cand, e.cand_cells, e.arrested[:len(c)], e.arresting[:len(c)])
        citizen_ids, officer_ids = e.arrested[:n].copy(), e.arresting[:n].copy()
        c.jail_left[citizen_ids] = self.rules.jail_terms(self.streams["arrests"], n, p)
        self._count_arrests(citizen_ids, officer_ids)

    def _incidents(self):
        """Free citizens cause incidents: active ones (Epstein's rebels) with ``incident_probability``;
        quiet ones offend with ``offence_probability`` (with ``offending_on``; else the quiet
        term of ``incident_probability``). One draw per free citizen. Returns the offenders;
        incidents = rebel incidents + offences."""
        c, p, rng = self.citizens, self.p, self.streams["incidents"]
        free = np.flatnonzero(~c.jailed)
        g = self.rules.grievance(c.hardship[free], self._legitimacy_of(free))
        prob = self.rules.incident_probability(c.active[free], g, p)
        if p.offending_on:
            quiet = ~c.active[free]
            prob = np.where(quiet, self._offence_probability(free), prob)
            self.tally.offence_risk = float(prob[quiet].sum())
        offending = rng.random(len(free)) < prob
        offenders = free[offending]
        np.add.at(self.incident_map, c.cell[offenders], 1)
        self.tally.incidents = len(offenders)
        self.tally.offences = int(np.count_nonzero(offending & ~c.active[free])) if p.offending_on else 0
        self.tally.incident_cells = c.cell[offenders]
        return offenders

    def _reports(self, offenders):
        """Free citizens within ``witness_radius`` of an incident witness it; each reports it
        with a chance rising with trust (C2). Returns the incidents' calls (a namespace)."""
        p, rng = self.p, self.streams["incidents"]
        where = self.citizens.cell[offenders]
        incident, witness_cells = self.grid.pairs_within(where, p.witness_radius, p.geometry, self._free_citizen_mask())
        witness = self.occ[witness_cells]
        reports = rng.random(len(witness)) < self.rules.report_probability(self._legitimacy_of(witness), p)
        reported = np.zeros(len(offenders), bool)
        reported[incident[reports]] = True
        self.tally.reported = int(reported.sum())
        return SimpleNamespace(offenders=offenders, where=where, incident=incident, witness=witness,
                               reports=reports, reported=reported)

    def _response(self, calls):
        """An available officer within ``response_radius`` answers each reported incident
        (a random matching); the answer may end in an arrest. Returns: answered, per incident."""
        c, o, p = self.citizens, self.officers, self.p
        ready = np.zeros(self.grid.size, bool)
        on_beat = o.proximity & o.on_duty & ~o.available              # busy with contacts, on duty
        ready[o.cell[o.available | (on_beat if p.beat_responsiveness_on else False)]] = True
        reported = np.flatnonzero(calls.reported)
        call, officer_cells = self.grid.pairs_within(calls.where[reported], p.response_radius, p.geometry, ready)
        officer = self.occ[officer_cells] - len(c)
        busy = ~o.available[officer]
        if busy.any():                             # a busy beat officer answers only within its beat
            ok = ~busy
            ok[busy] = self.rules.answers_on_beat(
                self.grid.chebyshev(calls.where[reported[call[busy]]], o.beat[officer[busy]]), o.proximity[officer[busy]], p)
            call, officer = call[ok], officer[ok]
        call, responder = random_matching(call, officer, self.streams["arrests"])
        answered = np.zeros(len(calls.offenders), bool)
        answered[reported[call]] = True
        o.available[responder] = False
        np.add.at(self.tally.calls, responder, 1)
        offender = calls.offenders[reported[call]]
        prob = self.rules.response_arrest_probability(c.active[offender], self.quality[responder], p)
        caught = self.streams["arrests"].random(len(call)) < prob
        self._jail(offender[caught], responder[caught])
        reactive = ~o.confined[responder]
        self._send_to_scene(responder[reactive], calls.where[reported[call[reactive]]])
        quiet = ~c.active[calls.offenders]
        if p.offending_on and quiet.any():
            self.certainty = float(self.rules.certainty_after_step(self.certainty, float(answered[quiet].mean()), p))
        return answered

    def _proximity_contacts(self):
        o, c, p = self.officers, self.citizens, self.p
        near = o.proximity & o.on_duty
        if not near.any():
            return
        ids = np.flatnonzero(~c.jailed)
        n, = self._counts_near([o.cell[near]], c.cell[ids], p.contact_radius)
        rng = self.streams["contacts"]
        contact = np.flatnonzero(rng.random(len(ids)) < self.rules.contact_probability(n, p))
        who, n = ids[contact], n[contact]
        q = self.grid.sum_near(o.cell[near], self.quality[near], c.cell[who], p.contact_radius, p.geometry)
        good = rng.random(len(who)) < self.rules.good_contact_probability(q, n, p)
        w_good, w_bad = self.rules.contact_experiences(good, p)
        np.add.at(self.tally.good, who, w_good)
        np.add.at(self.tally.bad, who, w_bad)
        self.tally.contacts = len(who)
        if p.weight_vicarious > 0 and len(who):               # neighbours hear of the contact (Rosenbaum 2005)
            k, heard = self.grid.pairs_within(c.cell[who], p.influence_radius, p.geometry, self._free_citizen_mask())
            listener = self.occ[heard]
            other = listener != who[k]
            k, listener = k[other], listener[other]
            np.add.at(self.tally.good, listener, p.weight_vicarious * w_good[k])
            np.add.at(self.tally.bad, listener, p.weight_vicarious * w_bad[k])

    def _chase(self):
        """Reactive available officers who see recent activity (heat) within ``officer_vision``
        head for the hottest cell (``chase_choice``) and take an empty cell next to it; they skip
        the random move of the core phase (with ``activation = sequential`` the compiled core
        also leaves them where they are: the compiled loop skips the move of an officer in
        ``_chased``)."""
        o, p = self.officers, self.p
        self._chased = np.zeros(len(o), bool)
        if not (p.chase_on and p.movement_on and len(o)) or not self.heat.any():
            return
        free = np.flatnonzero(o.available & ~o.confined)
        if not len(free):
            return
        best = self.grid.best_within(o.cell[free], p.officer_vision, p.geometry, self.heat) \
            if self._default_rule("chase_choice") else None     # compiled: the default rule
        if best is None:
            who, cells = self.grid.pairs_within(o.cell[free], p.officer_vision, p.geometry, self.heat > 0)
            best = self.rules.chase_choice(who, cells, self.heat[cells], p)
        who, cells = best
        ids = free[who]
        target = self.grid.claim_empty_near(self.occ, cells, self.streams["movement"], 1, "moore", p.move_tries)
        ids = self._relocate_officers(ids, target)
        self._chased[ids] = True

    def _hotspot_beats(self):
        """Hot-spot officers' beats: every ``hotspot_refresh`` steps, centred on the cells with the
        most past incidents (``incident_map``; ties broken at random), one officer per cell."""
        o, p = self.officers, self.p
        ids = np.flatnonzero(o.hotspot)
        if not len(ids) or (self.steps % p.hotspot_refresh and not self._new_hotspots):
            return
        self._new_hotspots = False
        score = self.incident_map + self.streams["policy"].random(self.grid.size) * 0.5
        top = np.argpartition(score, self.grid.size - len(ids))[self.grid.size - len(ids):]
        o.beat[ids] = top[np.argsort(-score[top])]
        # the officers go to their new beats (an empty cell within beat_radius of the centre, if one is found)
        target = self.grid.claim_empty_near(self.occ, o.beat[ids], self.streams["movement"], p.beat_radius,
                                            "moore", p.move_tries)
        self._relocate_officers(ids, target)

    # ------------------------------------------------------------------ helpers
    def _jail(self, citizen_ids, officer_ids):
        """Arrest: a jail term, the arrested citizen's bad experience, a witnessed arrest."""
        c, p = self.citizens, self.p
        c.jailed[citizen_ids] = True
        c.active[citizen_ids] = False
        c.jail_left[citizen_ids] = self.rules.jail_terms(self.streams["arrests"], len(citizen_ids), p)
        if not p.jailed_keep_cell:
            self.occ[c.cell[citizen_ids]] = EMPTY
        self._count_arrests(citizen_ids, officer_ids)

    def _send_to_scene(self, officer_ids, cells):
        """Reactive officers who answered a call move next to the incident, if a cell is free."""
        if not (self.p.movement_on and len(officer_ids)):
            return
        target = self.grid.claim_empty_near(self.occ, cells, self.streams["movement"], 1, "moore", self.p.move_tries)
        self._relocate_officers(officer_ids, target)

    # ------------------------------------------------------------------ policy and interventions
    def _apply_allocation(self):
        """Hire or let go of officers and set their modes to match the budget allocation."""
        self.allocation = a = allocate(self.p, self.grid.size, len(self.citizens))
        o, rng, n_c = self.officers, self.streams["officers"], len(self.citizens)
        if a.officers < len(o):
            leave = rng.choice(len(o), size=len(o) - a.officers, replace=False)
            self.occ[o.cell[leave]] = EMPTY
            keep = np.ones(len(o), bool)
            keep[leave] = False
            o = o.keep(keep)
        elif a.officers > len(o):
            n_new = a.officers - len(o)
            cells = self.grid.random_empty_cells(self.occ, n_new, rng)
            o = o.join(Officers.hired(cells, self.rules.stress_susceptibility(self.streams["stress"].random(n_new),
                                                                               self.p)))
        was = o.proximity.copy()
        o.proximity = np.arange(len(o)) < a.proximity
        o.beat[o.proximity & ~was] = o.cell[o.proximity & ~was]
        was_hot = o.hotspot.copy()
        o.hotspot = (np.arange(len(o)) >= a.proximity) & (np.arange(len(o)) < a.proximity + a.hotspot)
        self._new_hotspots = bool((o.hotspot & ~was_hot).any())
        self.occ[o.cell] = n_c + np.arange(len(o))
        self.officers = o
