"""Sweep benchmark (issue 4): throughput per executor, memory of a long sweep, a Sobol analysis.

    .venv/bin/python benchmarks/sweep.py             # full run (about 20-30 minutes on 2 quiet cores)
    .venv/bin/python benchmarks/sweep.py --quick     # smoke run (a few minutes)
    .venv/bin/python benchmarks/sweep.py --part 1    # only one part (1, 2 or 3)

Part 1, throughput: the same 200-run sweep (a Latin hypercube of 50 points over two trust
parameters x the 4 equal-budget policies x 1 replicate, 40x40 grid, 150 steps (``--steps``),
summaries only) with 1 worker (in this process), 2 worker processes (process pool) and a Dask
LocalCluster of 2 single-threaded worker processes on 127.0.0.1. Workers are started and warmed up (imports done)
before the clock starts; the start-up time is printed separately. Prints runs per second, the
speed-up over 1 worker (target >= 1.8x on 2 workers), and whether the three results are identical;
also a run's mean wall and CPU time in its worker (wall above CPU: the worker waited for a core)
and the CPU time of this process (it hosts the serial runs, or the pool's or Dask's client side).

Part 2, memory: a 2,000-run summary-only sweep (500 LHS points x 4 policies, 20x20 grid, 10
steps, 2 worker processes) and, for comparison, the same sweep cut to 200 runs, each in its own
subprocess. A thread samples the main process's resident memory (psutil) and the number of runs
in the run index; prints the memory when 10%, 50% and 100% of the runs were written, the peak
while streaming, the peak including the final summary (runs.parquet, points.csv), and the
largest resident memory seen in a child process (a worker or the forkserver). Flat memory: the
streaming peak does not grow with the number of runs.

Part 3, Sobol: ``sim.run.sensitivity`` of 6 parameters on the default comparison
(experiments/compare-policies.toml: 60x60 grid, 200 steps, 4 policies) with n = 8 (8 x (6 + 2) =
64 points), 1 replicate per point, 2 worker processes: total wall time (runs + analysis of every
measure and policy difference + chart), then the analysis alone (the same call again on the
finished folder: nothing runs, everything is read and analysed).

The machine may be shared: the load average before and after each part is printed. This script
prints figures; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOBOL_PARAMETERS = {
    "negativity_bias": {"range": [1.0, 14.0]},
    "report_trust_gain": {"range": [0.0, 0.5]},
    "trust_step": {"range": [0.02, 0.3]},
    "contact_rate": {"range": [0.1, 1.0]},
    "quality_base": {"range": [0.6, 1.0]},
    "support_effect": {"range": [0.01, 0.2]},
}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def sweep_spec(points: int, steps: int, grid: int, name: str) -> dict:
    small = dict(width=grid, height=grid)
    extra = {}
    if grid < 30:  # few officers on a small grid: whole officers make the budgets differ by a few %
        small.update(vision=4, officer_vision=4, response_radius=6)
        extra["allow_unequal_budget"] = True
    return {"name": name, "steps": steps, "replicates": 1, "seed": 17, "base": {"params": small}, **extra,
            "policies": [{"name": p, "preset": p} for p in ("reactive", "proximity", "social-support", "mixed")],
            "parameters": {"negativity_bias": {"range": [1.0, 13.0]}, "report_trust_gain": {"range": [0.0, 0.4]}},
            "design": {"kind": "lhs", "samples": points, "seed": 3}}


def _warm(_):
    """Import everything a run needs and run a tiny model (in a worker)."""
    import sim.run.sweep  # noqa: F401
    from sim.core.model import TrustModel

    TrustModel(rng=0, width=12, height=12, vision=3, officer_vision=3, response_radius=4).run(2)
    time.sleep(0.3)
    return os.getpid()


# ---------------------------------------------------------------------------------- part 1
def part1(quick: bool, tmp: Path, steps: int = 150):
    import pandas as pd

    from sim.run.evaluators import DaskEvaluator, ProcessPoolEvaluator, SerialEvaluator
    from sim.run.sweep import sweep

    points, steps = (10, 30) if quick else (50, steps)
    spec = sweep_spec(points, steps, 40, "bench-throughput")
    n_runs = points * 4
    print(f"\n== Part 1: {n_runs}-run sweep (LHS {points} points x 4 policies, 40x40 grid, {steps} steps) ==")
    print(f"   before: {load()}")
    results, rates = {}, {}
    for label, make in (("1 worker (serial)", lambda: SerialEvaluator()),
                        ("2 workers (process pool)", lambda: ProcessPoolEvaluator(2)),
                        ("Dask LocalCluster, 2 workers", lambda: DaskEvaluator("local", workers=2))):
        t0 = time.perf_counter()
        ev = make()
        list(ev.map_unordered(_warm, range(ev.workers)))
        startup = time.perf_counter() - t0
        try:
            t1, c1 = time.perf_counter(), time.process_time()
            res = sweep(spec, evaluator=ev, out=tmp / label.split()[0].lower() / "s", progress=False)
            wall, main_cpu = time.perf_counter() - t1, time.process_time() - c1
        finally:
            ev.close()
        assert res.manifest["runs"]["ok"] == n_runs
        rates[label] = n_runs / wall
        results[label] = res.runs.drop(columns=["seconds", "cpu_seconds", "worker"])
        run_wall, run_cpu = res.runs["seconds"].mean(), res.runs["cpu_seconds"].mean()
        print(f"   {label:<30} {rates[label]:6.2f} runs/s  ({wall:6.1f} s; start-up {startup:5.1f} s; a run: "
              f"{run_wall:5.2f} s wall, {run_cpu:5.2f} s CPU; this process: {main_cpu:5.1f} s CPU)")
    base = rates["1 worker (serial)"]
    for label in list(rates)[1:]:
        print(f"   speed-up {label:<28} {rates[label] / base:4.2f}x")
    frames = list(results.values())
    same = all(f.equals(frames[0]) for f in frames[1:])
    if not same:
        pd.testing.assert_frame_equal(frames[0], frames[1])
    print(f"   identical results across the three executors: {'yes' if same else 'NO'}")
    print(f"   after: {load()}")


# ---------------------------------------------------------------------------------- part 2
MEMORY_CHILD = r"""
import json, os, resource, sys, threading, time, warnings
warnings.simplefilter("ignore", UserWarning)
sys.path.insert(0, sys.argv[1])
import psutil
from sim.run.sweep import sweep, read_index
from sim.storage.layout import INDEX
spec = json.loads(sys.argv[2]); out = sys.argv[3]
proc = psutil.Process()
samples, stop, workers_peak = [], threading.Event(), [0]
def sample():
    while not stop.is_set():
        try:
            n = sum(1 for _ in open(os.path.join(out, INDEX)))
        except OSError:
            n = 0
        samples.append((n, proc.memory_info().rss))
        for child in proc.children(recursive=True):
            try:
                workers_peak[0] = max(workers_peak[0], child.memory_info().rss)
            except psutil.Error:
                pass
        stop.wait(0.2)
t = threading.Thread(target=sample, daemon=True); t.start()
t0 = time.perf_counter()
res = sweep(spec, workers=2, out=out, progress=False, chunk=50)
wall = time.perf_counter() - t0
n_total = res.manifest["runs"]["total"]
streaming = [(n, r) for n, r in samples if n < n_total]
samples.append((n_total, proc.memory_info().rss)); stop.set(); t.join()
def at(frac):
    return next((r for n, r in samples if n >= frac * n_total), samples[-1][1])
print(json.dumps({"runs": n_total, "ok": res.manifest["runs"]["ok"], "wall": wall,
                  "rss_10": at(0.1), "rss_50": at(0.5), "rss_100": at(1.0),
                  "peak_streaming": max(r for _, r in streaming) if streaming else None,
                  "peak_total": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "workers_peak": workers_peak[0]}))
"""


def part2(quick: bool, tmp: Path):
    mb = 1024 * 1024
    sizes = (50, 500) if not quick else (25, 125)
    print(f"\n== Part 2: memory of a {sizes[1] * 4}-run summary-only sweep (vs {sizes[0] * 4} runs; 20x20 grid, "
          f"10 steps, 2 worker processes) ==")
    print(f"   before: {load()}")
    for points in sizes:
        spec = sweep_spec(points, 10, 20, f"bench-memory-{points * 4}")
        out = tmp / f"mem{points}"
        r = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(ROOT), json.dumps(spec), str(out)],
                           capture_output=True, text=True, check=True)
        d = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"   {d['runs']:5d} runs ({d['ok']} ok) in {d['wall']:6.1f} s ({d['runs'] / d['wall']:5.1f} runs/s); "
              f"main process RSS at 10% / 50% / 100% of runs: {d['rss_10'] / mb:6.1f} / {d['rss_50'] / mb:6.1f} / "
              f"{d['rss_100'] / mb:6.1f} MB; peak while streaming {d['peak_streaming'] / mb:6.1f} MB; peak with "
              f"the final summary {d['peak_total'] / mb:6.1f} MB; largest child process "
              f"{d['workers_peak'] / mb:6.1f} MB")
        shutil.rmtree(out, ignore_errors=True)
    print(f"   after: {load()}")


# ---------------------------------------------------------------------------------- part 3
def part3(quick: bool, tmp: Path):
    from sim.run.sensitivity import sensitivity

    raw = tomllib.loads((ROOT / "experiments" / "compare-policies.toml").read_text())
    n = 2 if quick else 8
    raw = {**raw, "replicates": 1, "parameters": SOBOL_PARAMETERS}
    if quick:
        raw["steps"] = 50
    points = n * (len(SOBOL_PARAMETERS) + 2)
    runs = points * len(raw["policies"])
    print(f"\n== Part 3: Sobol analysis of {len(SOBOL_PARAMETERS)} parameters on the default comparison "
          f"(n={n}: {points} points x {len(raw['policies'])} policies x 1 replicate = {runs} runs of "
          f"{raw['steps']} steps, {raw['base']['params']['width']}x{raw['base']['params']['height']}; 2 workers) ==")
    print(f"   before: {load()}")
    out = tmp / "sobol"
    t0 = time.perf_counter()
    res = sensitivity(raw, "sobol", n, workers=2, out=out, progress=False)
    total = time.perf_counter() - t0
    t1 = time.perf_counter()
    again = sensitivity(raw, "sobol", n, workers=1, out=out, progress=False)
    analysis = time.perf_counter() - t1
    assert again.manifest["sessions"][-1]["ran"] == 0
    s = res.manifest["sensitivity"]
    print(f"   total wall time {total:7.1f} s for {res.manifest['runs']['total']} runs "
          f"({res.manifest['runs']['failed']} failed), {s['outputs']} outputs analysed ({len(s['skipped'])} skipped), "
          f"{len(res.indices)} indices")
    print(f"   analysis alone (read + SALib + chart, nothing to run): {analysis:5.1f} s")
    top = res.indices[(res.indices.measure == "trust_mean") & (res.indices.kind == "difference")]
    for policy, g in top.groupby("policy", sort=False):
        best = g.sort_values("ST", ascending=False).iloc[0]
        print(f"   trust_mean, {policy} - reactive: largest ST {best['parameter']} {best['ST']:.2f} "
              f"[{best['ST_ci_low']:.2f}, {best['ST_ci_high']:.2f}]")
    print(f"   after: {load()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sweeps (a smoke run)")
    ap.add_argument("--part", type=int, choices=(1, 2, 3), action="append", help="run only this part (repeatable)")
    ap.add_argument("--steps", type=int, default=150, help="part 1: steps per run (default 150)")
    args = ap.parse_args()
    parts = args.part or [1, 2, 3]
    print(f"trustsim sweep benchmark{' (quick)' if args.quick else ''}; python {sys.version.split()[0]}; {load()}")
    tmp = Path(tempfile.mkdtemp(prefix="trustsim-bench-sweep-"))
    try:
        for part in parts:
            if part == 1:
                part1(args.quick, tmp, args.steps)
            else:
                {2: part2, 3: part3}[part](args.quick, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\npeak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
