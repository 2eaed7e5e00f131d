"""The calibration's pyabc sampler: the same seed gives the same posterior on any number of workers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyabc

from sim.calibration.sampler import OrderedSampler
from sim.run.evaluators import ProcessPoolEvaluator, SerialEvaluator


def _model(theta):
    return {"y": theta["mu"] + np.random.normal(0, 0.5)}


def _distance(x, x0):
    return abs(x["y"] - x0["y"])


def _fit(evaluator, seed: int, tmp_path, name: str, min_acceptance: float = 0.0) -> pd.DataFrame:
    np.random.seed(seed)
    prior = pyabc.Distribution(mu=pyabc.RV("uniform", -3, 6))
    with evaluator:
        abc = pyabc.ABCSMC(_model, prior, _distance, population_size=12,
                           sampler=OrderedSampler(evaluator, seed=seed, batch=5))
        abc.new(f"sqlite:///{tmp_path / name}.db", {"y": 1.0})
        history = abc.run(max_nr_populations=3, min_acceptance_rate=min_acceptance)
    frames = []
    for t in range(history.max_t + 1):
        df, w = history.get_distribution(t=t)
        frames.append(df.assign(w=w, t=t))
    return pd.concat(frames).reset_index(drop=True)


def test_same_posterior_on_one_and_two_workers(tmp_path):
    serial = _fit(SerialEvaluator(), 7, tmp_path, "serial")
    pooled = _fit(ProcessPoolEvaluator(2), 7, tmp_path, "pool")
    assert len(serial) == 36
    pd.testing.assert_frame_equal(serial, pooled)


def test_another_seed_gives_another_posterior(tmp_path):
    a = _fit(SerialEvaluator(), 7, tmp_path, "a")
    b = _fit(SerialEvaluator(), 8, tmp_path, "b")
    assert not np.allclose(a["mu"].to_numpy(), b["mu"].to_numpy())


def _never_accepted():
    return pyabc.population.Particle(m=0, parameter=pyabc.Parameter(mu=np.random.uniform()), weight=1.0,
                                     sum_stat={"y": 0.0}, distance=9.0, accepted=False)


def test_max_eval_stops_an_unfinished_generation():
    """Candidates are counted in order and the sample is not ok when max_eval comes first."""
    sampler = OrderedSampler(SerialEvaluator(), seed=1, batch=4)
    sample = sampler.sample_until_n_accepted(5, _never_accepted, 0, max_eval=10)
    assert not sample.ok
    assert sampler.nr_evaluations_ == 10
    assert sample.n_accepted == 0
