"""The model as the calibration sees it: parameter values in, the targets' summary statistics out.

:class:`Simulator` holds only data (which targets, their settings, which parameters are integers), so it
pickles to process pools and Dask workers. ``Simulator.run(values, seed)`` runs every experiment of its
targets; ``Simulator(theta)`` is the pyabc model (it draws the seed from NumPy's global generator, which
pyabc's samplers seed per worker). :class:`StandardisedDistance` is the ABC distance.
"""

from __future__ import annotations

import math
import time
import zlib

import numpy as np

from sim.calibration.experiments import EXPERIMENTS

CPU_KEY = "cpu_seconds"


class Simulator:
    def __init__(self, targets, quick: bool):
        self.targets = [(t.id, t.function, t.experiment_settings(quick)) for t in targets if t.ready]

    def run(self, values: dict, seed: int) -> dict:
        """``{"target.statistic": value}`` for every target (plus ``cpu_seconds``), each experiment with its own seed derived
        from ``seed`` (so adding a target does not change the others' draws)."""
        start = time.process_time()
        out = {}
        for target_id, function, settings in self.targets:
            sub = int(np.random.SeedSequence([int(seed), _stable_hash(target_id)]).generate_state(1, np.uint64)[0] % 2**62)
            for name, value in EXPERIMENTS[function](dict(values), sub, **settings).items():
                out[f"{target_id}.{name}"] = float(value)
        out[CPU_KEY] = time.process_time() - start     # CPU seconds of this simulation (for timing estimates)
        return out

    def __call__(self, theta) -> dict:
        return self.run(dict(theta), int(np.random.randint(0, 2**31 - 1)))


def _stable_hash(text: str) -> int:
    """A hash of ``text`` that is the same in every process (Python's ``hash`` is salted)."""
    return zlib.crc32(text.encode())


def evaluate(task):
    """``(simulator, values, seed) -> statistics``: a top-level function for the evaluators."""
    simulator, values, seed = task
    return simulator.run(values, seed)


class StandardisedDistance:
    """Root-mean-square of ``(x - midpoint) / half-band`` over the fitted statistics; infinite when a
    statistic is missing or not finite (an invalid parameter combination)."""

    def __init__(self, statistics):
        self.keys = [s.key for s in statistics]
        self.mid = {s.key: s.mid for s in statistics}
        self.scale = {s.key: s.scale for s in statistics}

    def z(self, x: dict) -> dict:
        return {k: (float(x[k]) - self.mid[k]) / self.scale[k] if k in x else math.nan for k in self.keys}

    def __call__(self, x: dict, x_0: dict | None = None) -> float:
        z = list(self.z(x).values())
        if not all(math.isfinite(v) for v in z):
            return math.inf
        return math.sqrt(sum(v * v for v in z) / len(z))
