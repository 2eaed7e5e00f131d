"""Shared fixtures of the core test suite: small models, rule recorders, a state checker."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
import sim.cli
from sim.core import rules as default_rules
from sim.core.grid import EMPTY
from sim.core.policy import allocate
from sim.scenario.posterior import SHIPPED_POSTERIOR

# A 20x20 torus: every radius must be at most (20 - 1) // 2 = 9.
SMALL = dict(width=20, height=20, vision=4, officer_vision=4, response_radius=6)

# The tiny two-policy scenario file the experiment tests share (20x20, 6 steps, 2 replicates).
TINY_TOML = """
name = "tiny"
steps = 6
replicates = 2
seed = 7
[base.params]
width = 20
height = 20
vision = 4
officer_vision = 4
response_radius = 6
[[policies]]
name = "reactive"
preset = "reactive"
[[policies]]
name = "mixed"
preset = "mixed"
"""


PARTICLES = 8


def cli(argv, capsys) -> tuple[int, list[str], str]:
    """Run the CLI in this process: (exit status, stderr lines, stdout)."""
    try:
        status = sim.cli.main([str(a) for a in argv])
    except SystemExit as stop:           # argparse
        status = stop.code if isinstance(stop.code, int) else 2
    out = capsys.readouterr()
    return status, [line for line in out.err.splitlines() if line.strip()], out.out


def write_posterior(folder: Path, particles: int = PARTICLES, **replace) -> Path:
    """A calibration-like folder: posterior.parquet (fitted parameters trust_step, quality_base,
    witness_radius; weight, generation, distance; particle 0 has weight 0) and manifest.json;
    ``replace`` swaps or adds columns (None drops one)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"trust_step": rng.uniform(0.2, 1.5, particles), "quality_base": rng.uniform(0.5, 0.95, particles),
                          "witness_radius": rng.integers(2, 6, particles).astype(float),
                          "weight": np.r_[0.0, rng.uniform(0.5, 1.5, particles - 1)], "generation": 1,
                          "distance": rng.uniform(1, 3, particles)})
    for k, v in replace.items():
        if v is None:
            table = table.drop(columns=k)
        else:
            table[k] = v
    table.to_parquet(folder / "posterior.parquet", index=False)
    (folder / "manifest.json").write_text(json.dumps({"command": "trustsim calibrate --quick --out fit", "status": "complete"}))
    return folder


@pytest.fixture(scope="session")
def synthetic_posterior(tmp_path_factory) -> Path:
    """A synthetic posterior folder of :data:`PARTICLES` particles (:func:`write_posterior`)."""
    return write_posterior(tmp_path_factory.mktemp("fit"))


@pytest.fixture(scope="session")
def tiny_scenario(tmp_path_factory) -> Path:
    """The tiny scenario file (:data:`TINY_TOML`)."""
    path = tmp_path_factory.mktemp("scenario") / "tiny.toml"
    path.write_text(TINY_TOML)
    return path


@pytest.fixture(scope="session")
def make():
    """``make(*layers, preset=None, rng=1, **overrides)``: a TrustModel on a small grid with
    the parameter dicts ``layers`` merged in order, then ``overrides`` (later ones win)."""
    def _make(*layers, preset=None, rng=1, **overrides):
        merged = dict(SMALL)
        for layer in layers:
            merged.update(layer)
        return sim.TrustModel(preset=preset, rng=rng, **{**merged, **overrides})
    return _make


@pytest.fixture
def recorder(monkeypatch):
    """``calls = recorder("name", ...)``: until the test ends, models built afterwards call
    logging versions of those rules of sim.core.rules; ``calls["name"]`` lists ``(args, result)``.
    Calling it again starts fresh logs (the wrappers always wrap the original rules)."""
    originals = {}

    def _recorder(*names):
        calls = {n: [] for n in names}

        def wrap(name):
            rule = originals.setdefault(name, getattr(default_rules, name))

            def logged(*args):
                out = rule(*args)
                calls[name].append(([np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args],
                                    np.array(out, copy=True)))
                return out
            return logged
        for n in names:
            monkeypatch.setattr(default_rules, n, wrap(n))
        return calls
    return _recorder


def consistency_problems(m) -> list[str]:
    """Everything that must hold of a model's state between steps (empty list if all holds)."""
    c, o, p = m.citizens, m.officers, m.p
    n_c, n_o = len(c), len(o)
    out = []
    for name, x in (("trust", c.trust), ("hardship", c.hardship), ("hardship0", c.hardship0),
                    ("risk_aversion", c.risk_aversion), ("stress", o.stress)):
        if not (np.all(x >= 0.0) and np.all(x <= 1.0)):
            out.append(f"{name} outside [0, 1]: {x.min()}..{x.max()}")
    if abs(n_c - p.citizen_density * p.width * p.height) > 0.5 + 1e-9:
        out.append(f"{n_c} citizens for a density of {p.citizen_density} on {p.width}x{p.height} cells")
    if np.any(c.active & c.jailed):
        out.append("a jailed citizen is active")
    if np.any(c.jail_left[c.jailed] < 0) or np.any(c.jail_left[c.jailed] > p.max_jail_term):
        out.append("jail term outside [0, J_max]")
    a = allocate(p, m.grid.size, n_c)
    if n_o != a.officers:
        out.append(f"officers {n_o} != allocation {a.officers}")
    if int(o.proximity.sum()) != a.proximity:
        out.append(f"proximity officers {int(o.proximity.sum())} != allocation {a.proximity}")
    # occupancy: one agent per cell, and the occupancy array agrees with the agents' cells
    on_grid = ~c.jailed | p.jailed_keep_cell
    ids = np.concatenate([np.flatnonzero(on_grid), n_c + np.arange(n_o)])
    cells = np.concatenate([c.cell[on_grid], o.cell])
    if len(np.unique(cells)) != len(cells):
        out.append("two agents share a cell")
    if not np.array_equal(m.occ[cells], ids):
        out.append("occupancy array disagrees with the agents' cells")
    if int((m.occ != EMPTY).sum()) != len(cells):
        out.append(f"occupancy holds {int((m.occ != EMPTY).sum())} agents, {len(cells)} are on the grid")
    free_on_grid = int((m.occ[(m.occ >= 0) & (m.occ < n_c)] >= 0).sum()) - (int(c.jailed.sum()) if p.jailed_keep_cell else 0)
    if free_on_grid + int(c.jailed.sum()) != n_c:
        out.append(f"free on grid {free_on_grid} + jailed {int(c.jailed.sum())} != citizens {n_c}")
    return out


@pytest.fixture(scope="session")
def check():
    """``check(model)`` asserts the state invariants of :func:`consistency_problems`."""
    def _check(m):
        problems = consistency_problems(m)
        assert not problems, f"step {m.steps}: " + "; ".join(problems)
    return _check


def values_before_calibration() -> dict:
    """The shipped calibration's fitted parameters at the values they had before it (from its manifest):
    for tests of a mechanism that need the regime they were written in, not the calibrated one."""
    path = SHIPPED_POSTERIOR / "manifest.json"
    return {p["name"]: p["default"] for p in json.loads(path.read_text())["parameters"]} if path.exists() else {}
