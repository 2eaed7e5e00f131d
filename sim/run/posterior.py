"""The plausible worlds of a comparison under parameter uncertainty (``trustsim compare --posterior N``).

A world is the scenario with one posterior draw's parameter values over every policy's parameters
(each policy keeps its own levers: the budget split and proximity fraction are never in a posterior,
:func:`sim.scenario.posterior.load_posterior`), and its own replicate seeds: replicate ``r`` of draw
``d`` has the seed :func:`sim.scenario.posterior.posterior_seed` ``(seed, d, r)`` under every policy
(common random numbers within a draw). :func:`sim.run.experiment.execute` runs the worlds' specs in
one call of :func:`sim.run.experiment.run_specs` (runs numbered ``replicate = d * R + r``), checks the
budget of each world, and adds the per-run and probability tables (:mod:`sim.results.posterior`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sim.scenario.files import Scenario
from sim.scenario.posterior import PosteriorDraws, draw_posterior, load_posterior, posterior_seed, world_params


@dataclass(frozen=True)
class World:
    """One world of a comparison: its ``scenario`` (parameters resolved), its replicate ``seeds``,
    the number of its first run (``first``) and, under a posterior, its ``draw`` index."""

    scenario: Scenario
    seeds: tuple
    first: int = 0
    draw: int | None = None

    @property
    def label(self) -> str:
        if self.draw is None:
            return self.scenario.label
        return f"{self.scenario.label}, posterior draw {self.draw}"


def plain_world(scenario: Scenario) -> World:
    """The one world of an ordinary comparison: the scenario and its replicate seeds."""
    return World(scenario, tuple(scenario.seeds))


def posterior_draws(scenario: Scenario, n, posterior_from=None) -> PosteriorDraws:
    """``n`` draws of the posterior in ``posterior_from`` (None: the shipped one), from the scenario's seed."""
    return draw_posterior(load_posterior(posterior_from), n, scenario.seed)


def posterior_worlds(scenario: Scenario, draws: PosteriorDraws) -> list[World]:
    """One :class:`World` per draw: every policy's parameters with the draw's values over them,
    seeds ``posterior_seed(seed, d, r)``, runs numbered from ``d * replicates``."""
    worlds = []
    for d, values in enumerate(draws.params):
        label = f"{scenario.label}: posterior draw {d} (particle {draws.indices[d]})"
        policies = tuple(dataclasses.replace(p, params=world_params(p.params, values, f"{label}, policy {p.name!r}"))
                         for p in scenario.policies)
        seeds = tuple(posterior_seed(scenario.seed, d, r) for r in range(scenario.replicates))
        worlds.append(World(dataclasses.replace(scenario, policies=policies), seeds, d * scenario.replicates, d))
    return worlds
