"""Sweeps give identical results whatever the executor: in this process, a pool of 2 worker
processes, and Dask (a LocalCluster of 2 worker processes on 127.0.0.1, started by
``--scheduler local`` or reached by its tcp:// address)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.errors import UserError
from sim.run.evaluators import DaskEvaluator
from sim.run.sweep import sweep as run_sweep

SMALL = dict(width=20, height=20, vision=4, officer_vision=4, response_radius=6)
TIMING = ["seconds", "cpu_seconds", "worker"]


def spec():
    """3 points x 2 policies x 2 replicates = 12 runs of 4 steps, time series kept."""
    return {"name": "par", "steps": 4, "replicates": 2, "seed": 11, "keep_timeseries": True,
            "base": {"params": dict(SMALL)},
            "policies": [{"name": "reactive", "preset": "reactive"}, {"name": "mixed", "preset": "mixed"}],
            "parameters": {"trust_step": {"range": [0.05, 0.4]}, "weight_report": {"range": [0.5, 2.0]}},
            "design": {"kind": "lhs", "samples": 3, "seed": 2}}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return run_sweep(spec(), workers=1, out=tmp_path_factory.mktemp("serial") / "s", progress=False)


def same(a, b):
    pd.testing.assert_frame_equal(a.runs.drop(columns=TIMING), b.runs.drop(columns=TIMING))
    pd.testing.assert_frame_equal(a.points, b.points)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())


def test_two_worker_processes_give_identical_results(serial, tmp_path):
    pool = run_sweep(spec(), workers=2, out=tmp_path / "p", progress=False, chunk=2)
    assert pool.manifest["sessions"][-1]["evaluator"].startswith("ProcessPoolEvaluator(workers=2)")
    assert pool.runs["worker"].nunique() >= 1 and len(pool.runs) == 12
    same(serial, pool)


def test_dask_local_cluster_gives_identical_results(serial, tmp_path):
    # --scheduler local: a LocalCluster of 2 worker processes on 127.0.0.1
    with DaskEvaluator("local", workers=2) as ev:
        assert ev.workers == 2 and ev.client.scheduler.address.startswith("tcp://127.0.0.1:")
        local = run_sweep(spec(), evaluator=ev, out=tmp_path / "local", progress=False, chunk=3)
        assert local.manifest["sessions"][-1]["evaluator"] == "DaskEvaluator(LocalCluster on 127.0.0.1, workers=2)"
        same(serial, local)
        # --scheduler tcp://HOST:PORT: a running cluster (here the same one), left running on close
        address = ev.client.scheduler.address
        with DaskEvaluator(address) as remote:
            by_address = run_sweep(spec(), evaluator=remote, out=tmp_path / "addr", progress=False)
        assert address in by_address.manifest["sessions"][-1]["evaluator"]
        same(serial, by_address)
        assert sum(ev.client.nthreads().values()) == 2          # the cluster is still up


def test_unreachable_scheduler_is_a_one_line_error():
    with pytest.raises(UserError, match=r"--scheduler tcp://127.0.0.1:9: could not connect"):
        DaskEvaluator("tcp://127.0.0.1:9", timeout=2)
