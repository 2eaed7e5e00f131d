"""Resume after Ctrl-C and kill -9: the CLI runs as a subprocess, is interrupted once some runs
are in the run index, and is run again; in the end every run is there exactly once, the
resumed sessions ran only the missing runs, and results equal runs made directly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.run.sweep import load_sweep, read_index, read_parts, run_task, task_of

SWEEP = """
name = "killme"
steps = 12
replicates = 2
seed = 9
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
name = "proximity"
preset = "proximity"
[parameters]
trust_step = { range = [0.05, 0.3] }
negativity_bias = { range = [2.0, 10.0] }
[design]
kind = "lhs"
samples = 15
"""
TOTAL = 15 * 2 * 2


def start(sweep: Path, out: Path, workers: int = 1) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(sweep), "--out", str(out), "--workers", str(workers),
           "--chunk", "1"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            cwd=Path(__file__).resolve().parent.parent)


def wait_for_runs(proc, out: Path, n: int, timeout=300) -> int:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        done = len(read_index(out)) if (out / "index.jsonl").exists() else 0
        if done >= n or proc.poll() is not None:
            return done
        time.sleep(0.05)
    raise AssertionError(f"no {n} runs after {timeout} s")


def finish(proc, timeout=300):
    try:
        return proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        try:  # worker processes of a killed sweep: end them (they are in its session)
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_ctrl_c_and_kill_9_lose_and_duplicate_nothing(tmp_path):
    sweep = tmp_path / "killme.toml"
    sweep.write_text(SWEEP)
    out = tmp_path / "out"

    # 1. Ctrl-C: a clean stop, exit 130, what finished is kept
    p = start(sweep, out)
    before = wait_for_runs(p, out, 3)
    assert p.poll() is None, "the sweep finished before it could be interrupted: make it longer"
    p.send_signal(signal.SIGINT)
    assert finish(p) == 130
    assert "run the same command again to finish" in p.stderr.read()
    after_int = len(read_index(out))
    assert before <= after_int < TOTAL

    # 2. kill -9 in the middle of the resumed sweep, with runs in flight in 2 worker processes
    p = start(sweep, out, workers=2)
    wait_for_runs(p, out, after_int + 4)
    assert p.poll() is None, "the sweep finished before it could be killed: make it longer"
    os.kill(p.pid, signal.SIGKILL)
    finish(p)
    killed_at = len(read_index(out))
    assert killed_at < TOTAL
    committed = read_parts(out / "parts")["run"]
    assert not committed.duplicated().any()

    # 3. resume to the end
    p = start(sweep, out)
    assert finish(p) == 0, p.stderr.read()
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["run"].tolist() == list(range(TOTAL))               # none lost, none twice
    assert (runs["status"] == "ok").all()
    index = read_index(out)
    assert len(index) == TOTAL and sorted(index["run"]) == list(range(TOTAL))
    assert not list(out.rglob(".tmp-*"))
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    last = sessions[-1]
    assert last["done_before"] == len(committed) and last["ran"] == TOTAL - len(committed)
    # the results are those of runs made directly, whatever was interrupted
    sw = load_sweep(sweep)
    for run in (0, len(committed) - 1, TOTAL - 1):
        direct = run_task(task_of(sw, run))
        row = runs.set_index("run").loc[run]
        for k, v in direct["outputs"].items():
            assert row[k] == pytest.approx(v, rel=0, abs=0, nan_ok=True), (run, k)
