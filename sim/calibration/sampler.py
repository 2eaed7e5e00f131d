"""A pyabc sampler whose result is fixed by the seed alone, whatever the number of workers or the executor.

pyabc's parallel samplers accept particles in the order workers finish, so two runs with the same seed
give different posteriors once more than one process runs (and its Dask sampler ignores ``max_eval``).
:class:`OrderedSampler` numbers the candidates of each call: candidate ``k`` of generation ``t`` runs
with NumPy's and Python's global generators seeded from ``SeedSequence([seed, t, all_accepted, k])``
(pyabc draws the candidate's parameters and the model draws its seed from them), candidates are
evaluated in batches of a fixed size on any trustsim evaluator (serial, process pool, Dask), and the
sample takes them **in candidate order** until ``n`` are accepted or ``max_eval`` candidates are counted.
The batch size is a setting, not the number of workers, so the candidates, hence the posterior, do not
depend on how many workers ran them. Candidates of the last batch past the stopping point are computed
and discarded (at most ``batch - 1`` per generation), which is the price of the order.
"""

from __future__ import annotations

import random

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from sim.run.evaluators import Evaluator


def _candidate_seed(seed: int, t: int, all_accepted: bool, k: int) -> int:
    return int(np.random.SeedSequence([int(seed), int(t) + 1, int(all_accepted), int(k)]).generate_state(1)[0])


def simulate_candidate(task):
    """``(pickled simulate_one, seed) -> particle``: one candidate, its draws fixed by ``seed``
    (a top-level function, so process pools and Dask can run it)."""
    payload, seed = task
    simulate_one = cloudpickle.loads(payload)
    np.random.seed(seed)
    random.seed(seed)
    return simulate_one()


class OrderedSampler(Sampler):
    """pyabc sampler: candidates numbered and seeded, run in batches of ``batch`` on ``evaluator``,
    accepted in candidate order (see the module docstring)."""

    def __init__(self, evaluator: Evaluator, seed: int, batch: int):
        super().__init__()
        self.evaluator, self.seed, self.batch = evaluator, int(seed), int(batch)

    def _batch(self, payload: bytes, seeds: list[int]) -> list:
        out = [None] * len(seeds)
        for index, result in self.evaluator.map_unordered(simulate_candidate, [(payload, s) for s in seeds]):
            if isinstance(result, BaseException):
                raise result
            out[index] = result
        return out

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        payload = cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        counted = 0
        k = 0
        while sample.n_accepted < n and counted < max_eval:
            seeds = [_candidate_seed(self.seed, t, all_accepted, k + i) for i in range(self.batch)]
            k += self.batch
            for particle in self._batch(payload, seeds):
                if sample.n_accepted >= n or counted >= max_eval:
                    break
                sample.append(particle)
                counted += 1
        self.nr_evaluations_ = counted
        if sample.n_accepted < n:
            sample.ok = False
        return sample


__all__ = ["OrderedSampler", "simulate_candidate"]
