"""Soak test of sweep resumption: a 2,000-run summary-only sweep on 2 workers, run through the
CLI, killed with SIGKILL (main process only, as ``kill -9 PID`` would) at three random moments
and resumed each time, then compared with an uninterrupted run of the same sweep.

    .venv/bin/python benchmarks/soak.py [--runs-per-point 20] [--seed 1] [--keep DIR]

Prints, one line each:
    lost                 runs missing from the resumed sweep's runs.parquet / index.jsonl
    duplicated           runs present more than once in the committed parts or the index
    differing            runs whose status or summary measures differ from the uninterrupted sweep
    processes-left       after each kill: processes started by the killed sweep (its descendants, or
                         any python process whose command line names the sweep or is a multiprocessing
                         forkserver / resource_tracker it started) still alive 5 s after the kill
    rss                  the main process's resident memory over the uninterrupted and the final sweep

Leftover processes are counted, then ended (by pid; they are this script's descendants) so that
the next session starts clean. All counts should be 0; see issue 15.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from sim.storage import layout  # noqa: E402 -- after the path: the results folder's file names

TRUSTSIM = ROOT / ".venv" / "bin" / "trustsim"
POINTS = 100                       # 10 x 10 grid


def sweep_text(runs_per_point: int) -> str:
    return f"""
name = "soak"
steps = 3
replicates = {runs_per_point}
seed = 11
[base.params]
width = 10
height = 10
vision = 2
officer_vision = 2
response_radius = 3
influence_radius = 2
contact_radius = 2
[[policies]]
name = "reactive"
preset = "reactive"
[parameters]
trust_step = {{ range = [0.05, 0.5], levels = 10 }}
negativity_bias = {{ range = [2.0, 12.0], levels = 10 }}
[design]
kind = "grid"
"""


ID_ONLY = ("seconds", "cpu_seconds", "worker")


class RssSampler(threading.Thread):
    """Samples a process's RSS (MB) every ``every`` seconds until it ends."""

    def __init__(self, pid: int, every: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples = pid, every, []

    def run(self):
        try:
            proc = psutil.Process(self.pid)
            while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                self.samples.append(proc.memory_info().rss / 2**20)
                time.sleep(self.every)
        except psutil.Error:
            pass


class Family(threading.Thread):
    """Keeps the set of descendants of a process up to date (so they are known after it dies)."""

    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.every, self.known = pid, every, {}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                for child in psutil.Process(self.pid).children(recursive=True):
                    if child.pid not in self.known:
                        try:
                            cmd = " ".join(child.cmdline())[:120]
                            if child.ppid() != self.pid:         # forked by the forkserver: a pool worker
                                cmd = "worker " + cmd
                            self.known[child.pid] = (child.create_time(), cmd)
                        except psutil.Error:
                            pass
            except psutil.Error:
                return
            time.sleep(self.every)


SRC: Path | None = None   # --src: run this source tree (e.g. a `git archive` of a commit) instead of ROOT's


def start(sweep: Path, out: Path) -> subprocess.Popen:
    cmd = [str(TRUSTSIM), "sweep", str(sweep), "--workers", "2", "--out", str(out)]
    env = dict(os.environ)
    if SRC is not None:
        env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)


def done_count(out: Path) -> int:
    try:
        with open(out / layout.INDEX, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def alive(pid: int, created: float) -> bool:
    try:
        p = psutil.Process(pid)
        return p.create_time() == created and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def leftovers(family: Family, sweep: Path, out: Path, before: set[int]) -> list[tuple[int, str]]:
    """Processes started by the killed sweep that are still alive: its descendants as seen while it
    ran (workers, the multiprocessing forkserver and resource_tracker, and their children), and any
    python process not there before it started whose command line names the sweep or out folder.
    (Forkservers and resource trackers of other programs running meanwhile are not counted.)"""
    left = {pid: cmd for pid, (created, cmd) in family.known.items() if alive(pid, created)}
    for p in psutil.process_iter(["pid", "cmdline", "create_time"]):
        try:
            if p.pid in before or p.pid in left or p.pid == os.getpid():
                continue
            cmd = " ".join(p.info["cmdline"] or [])
            if ("python" in cmd or "trustsim" in cmd) and (str(sweep) in cmd or str(out) in cmd) \
                    and p.status() != psutil.STATUS_ZOMBIE:
                left[p.pid] = cmd[:120]
        except psutil.Error:
            continue
    return sorted(left.items())


def _kind(cmd: str) -> str:
    for word in ("worker", "resource_tracker", "forkserver", "spawn_main"):
        if word in cmd:
            return word
    return cmd[:60]


def end(pids):
    for pid, _ in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_to_end(sweep: Path, out: Path) -> tuple[int, float, list[float], str]:
    t0 = time.monotonic()
    p = start(sweep, out)
    rss = RssSampler(p.pid)
    rss.start()
    _, err = p.communicate()
    rss.join(timeout=1)
    return p.returncode, time.monotonic() - t0, rss.samples, err


def compare(ref: pd.DataFrame, got: pd.DataFrame) -> int:
    cols = [c for c in ref.columns if c not in ID_ONLY]
    a = ref.set_index("run")[[c for c in cols if c != "run"]]
    b = got.drop_duplicates("run").set_index("run").reindex(a.index)[a.columns]
    differ = 0
    for run in a.index:
        x, y = a.loc[run], b.loc[run]
        for c in a.columns:
            u, v = x[c], y[c]
            if isinstance(u, float) or isinstance(v, float):
                if not (u == v or (pd.isna(u) and pd.isna(v))):
                    differ += 1
                    break
            elif u != v:
                differ += 1
                break
    return differ


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs-per-point", type=int, default=20, help="replicates per design point (100 points)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the kill moments (default: random)")
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    ap.add_argument("--src", type=Path, default=None,
                    help="run the sim package of this source tree (put first on PYTHONPATH), e.g. "
                         "`git archive HEAD sim | tar -x -C DIR`, when the working tree is being edited")
    args = ap.parse_args(argv)
    global SRC
    SRC = args.src.resolve() if args.src else None
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rnd = random.Random(seed)
    total = POINTS * args.runs_per_point
    work = args.keep or Path(tempfile.mkdtemp(prefix="trustsim-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    sweep = work / "soak.toml"
    sweep.write_text(sweep_text(args.runs_per_point))
    ref_out, soak_out = work / "uninterrupted", work / "interrupted"
    for d in (ref_out, soak_out):
        shutil.rmtree(d, ignore_errors=True)
    print(f"source: {SRC or ROOT}")
    print(f"soak: {total} runs (100 points x {args.runs_per_point} replicates, 3 steps, 10x10), 2 workers; "
          f"kill seed {seed}; folder {work}")

    code, ref_wall, ref_rss, err = run_to_end(sweep, ref_out)
    if code != 0:
        print(f"uninterrupted sweep failed (exit {code}): {err.strip()[-500:]}")
        return 1
    print(f"uninterrupted: {ref_wall:.1f} s, exit {code}")

    # three kills at random moments: fractions of the remaining runs
    kills, left_total, rss_killed = [], 0, []
    for k in range(3):
        before = {p.pid for p in psutil.process_iter()}
        p = start(sweep, soak_out)
        fam, rss = Family(p.pid), RssSampler(p.pid)
        fam.start()
        rss.start()
        done0 = done_count(soak_out)
        target = done0 + int(rnd.uniform(0.2, 0.6) * (total - done0) / 2)
        t0 = time.monotonic()
        while done_count(soak_out) < target and p.poll() is None and time.monotonic() - t0 < 600:
            time.sleep(0.02)
        time.sleep(rnd.uniform(0.0, 0.5))   # not always just after a part was written
        if p.poll() is not None:
            print(f"kill {k + 1}: the sweep ended before the kill (exit {p.returncode}): "
                  f"{p.stderr.read().strip()[-300:]}")
            fam.stop.set()
            if p.returncode != 0:
                return 1
            continue
        at = done_count(soak_out)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        time.sleep(5.0)
        fam.stop.set()
        left = leftovers(fam, sweep, soak_out, before)
        rss_killed += rss.samples
        kills.append((at, len(left)))
        left_total += len(left)
        print(f"kill {k + 1}: SIGKILL after {time.monotonic() - t0:.1f} s at {at}/{total} runs in the index; "
              f"processes left 5 s later: {len(left)}" + (f" ({'; '.join(_kind(c) for _, c in left)})" if left else ""))
        end(left)
        time.sleep(0.5)

    code, wall, rss_final, err = run_to_end(sweep, soak_out)
    if code != 0:
        print(f"resumed sweep failed (exit {code}): {err.strip()[-500:]}")
    ref = pd.read_parquet(ref_out / layout.RUNS)
    got = pd.read_parquet(soak_out / layout.RUNS) if (soak_out / layout.RUNS).is_file() else ref.iloc[:0]
    index = pd.read_json(soak_out / layout.INDEX, lines=True)
    parts = pd.concat([pd.read_parquet(f, columns=["run"])
                       for f in sorted((soak_out / layout.PARTS).glob(layout.PART_GLOB))])
    expected = set(range(total))
    lost = len(expected - set(got["run"])) + len(expected - set(index["run"]))
    duplicated = int(got["run"].duplicated().sum() + index["run"].duplicated().sum() + parts["run"].duplicated().sum())
    differing = compare(ref, got)

    def mb(samples):
        if not samples:
            return "n/a"
        return (f"start {samples[0]:.0f} MB, median {statistics.median(samples):.0f} MB, "
                f"max {max(samples):.0f} MB, end {samples[-1]:.0f} MB ({len(samples)} samples)")

    print(f"resumed to the end: {wall:.1f} s, exit {code}")
    print(f"lost {lost}")
    print(f"duplicated {duplicated}")
    print(f"differing-from-uninterrupted {differing}")
    print(f"processes-left {left_total} (per kill: {', '.join(str(n) for _, n in kills)})")
    print(f"rss main process, uninterrupted sweep: {mb(ref_rss)}")
    print(f"rss main process, killed sessions: {mb(rss_killed)}")
    print(f"rss main process, final resumed session: {mb(rss_final)}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if lost == duplicated == differing == left_total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
