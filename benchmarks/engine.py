"""Engine benchmark: trustsim against Mesa's bundled Epstein example, the NumPy (synchronous)
path against the compiled (numba, exact random-sequential) engine, and trustsim at 1000x1000.

    .venv/bin/python benchmarks/engine.py            # full run (a few minutes)
    .venv/bin/python benchmarks/engine.py --quick    # smoke run (about a minute)
    .venv/bin/python benchmarks/engine.py --targets  # only the policy model's two speed figures (about a minute)
    .venv/bin/python benchmarks/engine.py --targets --sim-path ../other-checkout   # the same for another version

Part 1, 100x100, one process, interleaved: Mesa's ``epstein_civil_violence`` example, trustsim's
``epstein-run2`` and full ``mixed`` presets, each under the NumPy path (``activation =
"synchronous"``) and the compiled engine (``activation = "sequential"``), take turns for several
rounds; each round times a block of steps of each model. Prints the median agent-steps per second
of each and the ratios to Mesa. An agent-step is one agent (citizen or officer, jailed or not) for
one step.

Part 1b: exact sequential ``epstein-run2`` at 40x40 (the validation runs' size) against its
synchronous and 10-batch versions, interleaved; and CPU seconds per sweep-sized run (full
``mixed``, 60x60, 200 steps) under each path.

Part 1c: compile time of the compiled engine, in fresh subprocesses: first with an empty numba
cache (the first process of an installation), then with the cache it wrote.

Part 2, 1000x1000: ``epstein-run2`` and ``mixed``, each in its own subprocess so peak memories
do not mix: seconds per step (median over steps) and peak resident memory (``ru_maxrss``, the
whole process: Python, NumPy, Mesa and the model).

The configurations are comparable: same grid, citizen density 0.7, officer density 0.04, vision
7 for citizens and officers, legitimacy 0.82, maximum jail term 30, movement on. Mesa's example
uses its default Von Neumann neighbourhood (radius 7: 112 cells), trustsim's Epstein preset a
Euclidean disc (148 cells), so Mesa looks at fewer cells per agent. The mixed preset has its
budgeted officers instead (0.03 per cell). The machine may be shared: both wall-clock and CPU
time are printed, and medians over interleaved rounds damp the noise. This script prints figures;
it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _use_sim_from(path: str | None):
    """Import ``sim`` from ``path`` (e.g. a checkout of an older engine), else from this tree."""
    sys.path.insert(0, str(Path(path).resolve() if path else ROOT))


if "--sim-path" in sys.argv:
    _use_sim_from(sys.argv[sys.argv.index("--sim-path") + 1])
else:
    _use_sim_from(None)

EPSTEIN = dict(citizen_density=0.7, cop_density=0.04, citizen_vision=7, cop_vision=7, legitimacy=0.82,
               max_jail_term=30, movement=True)


def mesa_model(size: int, seed: int, grid_type: str):
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence, EpsteinScenario

    scenario = EpsteinScenario(rng=seed, grid_type=grid_type, **EPSTEIN)
    return EpsteinCivilViolence(width=size, height=size, scenario=scenario)


def trustsim_model(preset: str, size: int, seed: int, **overrides):
    import sim

    return sim.TrustModel(preset=preset, rng=seed, width=size, height=size, **overrides)


ENGINES = {"numpy": {"activation": "synchronous"}, "compiled": {"activation": "sequential"}}
"""``numpy``: the vectorised path (``synchronous``; its spatial and movement steps call compiled kernels of
:mod:`sim.core.compiled` where those pay); ``compiled``: the exact random-sequential engine."""


def agents(model) -> int:
    if hasattr(model, "citizens"):
        return len(model.citizens) + len(model.officers)
    return len(model.agents)


def timed_steps(model, steps: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for ``steps`` steps."""
    w, c = time.perf_counter(), time.process_time()
    for _ in range(steps):
        model.step()
    return time.perf_counter() - w, time.process_time() - c


def part_small(args) -> dict:
    size = 100
    models = {}
    steps = {}
    if not args.no_mesa:
        models["mesa-example"] = mesa_model(size, args.seed, args.mesa_grid)
        steps["mesa-example"] = args.mesa_steps
    for preset in ("epstein-run2", "mixed"):
        for engine, overrides in ENGINES.items():
            name = f"{preset}/{engine}"
            models[name] = trustsim_model(preset, size, args.seed, **overrides)
            steps[name] = args.steps
    for name, m in models.items():                      # warm-up: past the first outburst, caches filled
        timed_steps(m, 1 if name == "mesa-example" else args.warmup)
    rates = {name: {"wall": [], "cpu": []} for name in models}
    for r in range(args.rounds):
        for name, m in models.items():
            n = agents(m)
            wall, cpu = timed_steps(m, steps[name])
            rates[name]["wall"].append(n * steps[name] / wall)
            rates[name]["cpu"].append(n * steps[name] / cpu)
        print(f"  round {r + 1}/{args.rounds}: " + ", ".join(
            f"{name} {rates[name]['wall'][-1] / 1e3:,.0f}k" for name in models), file=sys.stderr, flush=True)
    out = {name: {"agents": agents(m), "steps_per_round": steps[name],
                  "agent_steps_per_s_wall": statistics.median(v["wall"]),
                  "agent_steps_per_s_cpu": statistics.median(v["cpu"])}
           for (name, m), v in zip(models.items(), rates.values())}
    return out


def part_sequential(args) -> dict:
    """40x40 epstein-run2 under the three orders, interleaved; CPU per sweep-sized mixed run."""
    orders = {"sequential (compiled)": {"activation": "sequential"},
              "synchronous (NumPy)": {"activation": "synchronous"},
              "10 batches (NumPy)": {"activation": "batches", "activation_batches": 10}}
    models = {name: trustsim_model("epstein-run2", 40, args.seed, **o) for name, o in orders.items()}
    for m in models.values():
        timed_steps(m, 20)
    rates = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, m in models.items():
            n = 1000 if "sequential" in name else 200
            rates[name].append(agents(m) * n / timed_steps(m, n)[1])
    out = {"epstein-run2 40x40 agent-steps/s (CPU)": {k: statistics.median(v) for k, v in rates.items()}}
    runs = {engine: [] for engine in ENGINES}
    for r in range(args.sweep_runs):
        for engine, overrides in ENGINES.items():
            c = time.process_time()
            trustsim_model("mixed", 60, args.seed + r, **overrides).run(200)
            runs[engine].append(time.process_time() - c)
    out["mixed 60x60 200 steps, CPU s per run"] = {k: statistics.median(v) for k, v in runs.items()}
    return out


COMPILE_PROBE = """
import time
t = time.perf_counter()
import sim
m = sim.TrustModel(preset="epstein-run2", rng=1, width=24, height=24, vision=4, officer_vision=4)
m.step()
print(time.perf_counter() - t)
"""


def part_compile() -> dict:
    """Seconds to build a sequential model and run its first step in a fresh process (imports
    included), with an empty numba cache and then with the cache that run wrote."""
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        out = {}
        for label in ("first process (empty cache)", "next process (cached)"):
            res = subprocess.run([sys.executable, "-c", COMPILE_PROBE], capture_output=True, text=True, env=env,
                                 cwd=ROOT)
            if res.returncode != 0:
                raise SystemExit(res.stderr)
            out[label] = float(res.stdout.split()[-1])
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    res = subprocess.run([sys.executable, "-c", COMPILE_PROBE.replace('preset="epstein-run2", ', 'preset="mixed", ')
                          ],
                         capture_output=True, text=True, env=env, cwd=ROOT)
    out["NumPy path, same probe (mixed, no compilation)"] = float(res.stdout.split()[-1]) if res.returncode == 0 else None
    return out


def worker(preset: str, size: int, seed: int, warmup: int, steps: int, late: int, activation: str = "") -> dict:
    """One large configuration (run in its own process): times ``steps`` steps after
    ``warmup`` steps (the first outburst of a fresh Epstein run falls here) and, if ``late``
    is past that, ``steps`` more steps after step ``late``."""
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    import mesa  # noqa: F401

    import sim  # noqa: F401  (imports count in the baseline)

    base_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    m = trustsim_model(preset, size, seed, **({"activation": activation} if activation else {}))
    build = time.perf_counter() - t
    n = agents(m)
    windows = {}
    starts = [("early", warmup)] + ([("late", late)] if late >= warmup + steps else [])
    for name, start in starts:
        timed_steps(m, start - m.steps)
        wall, cpu = [], []
        for _ in range(steps):
            w, c = timed_steps(m, 1)
            wall.append(w)
            cpu.append(c)
        windows[name] = {"first_step": start + 1, "last_step": start + steps,
                         "s_per_step_wall": statistics.median(wall), "s_per_step_cpu": statistics.median(cpu),
                         "s_per_step_wall_mean": statistics.fmean(wall),
                         "agent_steps_per_s_wall": n / statistics.median(wall),
                         "agent_steps_per_s_cpu": n / statistics.median(cpu),
                         "active_fraction": float(m.results.active_fraction.iloc[-steps:].mean()),
                         "jailed_fraction": float(m.results.jailed_fraction.iloc[-steps:].mean())}
    return {"preset": preset + (f"/{activation}" if activation else ""), "size": size, "agents": n,
            "build_s": build, "windows": windows,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_imports_mb": base / 1024, "rss_after_imports_mb": base_imports / 1024}


def part_big(args) -> list[dict]:
    out = []
    for preset, activation in (("epstein-run2", "synchronous"), ("mixed", "synchronous"), ("epstein-run2", "sequential")):
        cmd = [sys.executable, __file__, "--worker", preset, "--size", str(args.big_size), "--seed", str(args.seed),
               "--warmup", str(args.big_warmup), "--steps", str(args.big_steps), "--late", str(args.big_late),
               "--activation", activation]
        if args.sim_path:
            cmd += ["--sim-path", args.sim_path]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(res.stderr, file=sys.stderr)
            raise SystemExit(f"benchmark worker for {preset} failed")
        out.append(json.loads(res.stdout))
        print(f"  {preset} {args.big_size}x{args.big_size}: done", file=sys.stderr, flush=True)
    return out


def part_targets(args) -> dict:
    """The two figures of the policy model's speed targets, CPU time: full ``mixed`` (its default
    activation) at 60x60, 200 steps per run, after compilation (one warm-up run first; median and
    minimum over ``--sweep-runs`` runs, seeds 1, 2, ...); and ``mixed`` at ``--big-size`` squared, seconds
    per step (median over ``--big-steps`` steps after ``--big-warmup``, in its own process)."""
    trustsim_model("mixed", 60, 0).run(5)                           # compile (or load the cache) first
    cpu = []
    for r in range(args.sweep_runs):
        c = time.process_time()
        trustsim_model("mixed", 60, args.seed + r).run(200)
        cpu.append(time.process_time() - c)
    out = {"mixed 60x60 200 steps CPU s/run": {"median": statistics.median(cpu), "min": min(cpu),
                                               "runs": len(cpu)}}
    if not args.no_big:
        cmd = [sys.executable, __file__, "--worker", "mixed", "--size", str(args.big_size), "--seed", str(args.seed),
               "--warmup", str(args.big_warmup), "--steps", str(args.big_steps), "--late", "0"]
        if args.sim_path:
            cmd += ["--sim-path", args.sim_path]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(res.stderr, file=sys.stderr)
            raise SystemExit("benchmark worker for mixed failed")
        big = json.loads(res.stdout)
        w = big["windows"]["early"]
        out[f"mixed {args.big_size}x{args.big_size} CPU s/step"] = {
            "median": w["s_per_step_cpu"], "steps": f"{w['first_step']}-{w['last_step']}",
            "peak_rss_mb": big["peak_rss_mb"]}
    return out


TARGETS = {"mixed 60x60 200 steps CPU s/run": 0.04, "mixed 1000x1000 CPU s/step": 0.06}


def print_targets(figures: dict):
    print("policy model speed targets (CPU time):")
    for name, f in figures.items():
        target = TARGETS.get(name)
        extra = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in f.items() if k != "median")
        verdict = "" if target is None else f"  target <= {target}: {'met' if f['median'] <= target else 'NOT met'}"
        print(f"  {name:36s} {f['median']:8.3f}  ({extra}){verdict}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="few rounds and steps: a smoke run, figures are rough")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds at 100x100 (median reported)")
    ap.add_argument("--steps", type=int, default=50, help="trustsim steps per round at 100x100")
    ap.add_argument("--mesa-steps", type=int, default=2, help="Mesa steps per round at 100x100")
    ap.add_argument("--warmup", type=int, default=30, help="trustsim warm-up steps before timing at 100x100")
    ap.add_argument("--mesa-grid", default="Von Neumann", choices=("Von Neumann", "Moore"),
                    help="neighbourhood of Mesa's example (its default is Von Neumann)")
    ap.add_argument("--no-mesa", action="store_true", help="skip Mesa's example")
    ap.add_argument("--big-size", type=int, default=1000, help="side of the large grid")
    ap.add_argument("--big-steps", type=int, default=15, help="timed steps at the large size")
    ap.add_argument("--big-warmup", type=int, default=5, help="warm-up steps at the large size")
    ap.add_argument("--big-late", type=int, default=40,
                    help="also time --big-steps steps after this step at the large size (0: no second window)")
    ap.add_argument("--no-big", action="store_true", help="skip the large-grid part")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    ap.add_argument("--sim-path", help="import trustsim's `sim` package from this directory (to time another "
                                       "version of the engine, e.g. an older checkout)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--late", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--activation", default="", help=argparse.SUPPRESS)
    ap.add_argument("--sweep-runs", type=int, default=5, help="sweep-sized mixed runs (60x60, 200 steps) per path")
    ap.add_argument("--no-compile", action="store_true", help="skip the compile-time probe")
    ap.add_argument("--targets", action="store_true",
                    help="only the policy model's two speed figures: mixed 60x60 x 200 steps (CPU s per run) and "
                         "mixed at --big-size (CPU s per step)")
    args = ap.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker, args.size, args.seed, args.warmup, args.steps, args.late,
                                args.activation)))
        return
    if args.quick:
        args.rounds, args.steps, args.mesa_steps, args.warmup, args.sweep_runs = 3, 10, 1, 5, 2
        args.big_steps, args.big_warmup, args.big_late = 3, 1, 0

    import sim
    from sim.storage.provenance import provenance

    prov = provenance()
    print(f"trustsim engine benchmark  {prov['created']}  commit {prov['git_commit']}")
    print(f"engine: sim from {Path(sim.__file__).parent}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in prov["versions"].items()))
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.targets:
        figures = part_targets(args)
        print_targets(figures)
        print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        if args.json:
            args.json.write_text(json.dumps({"provenance": prov, "targets": figures}, indent=2))
        return
    small = part_small(args)
    print(f"\n100x100, interleaved, median of {args.rounds} rounds (agent-steps per second):")
    print(f"  {'model':14s} {'agents':>7s} {'wall':>12s} {'CPU':>12s} {'ms/step':>8s}")
    for name, r in small.items():
        print(f"  {name:14s} {r['agents']:7d} {r['agent_steps_per_s_wall']:12,.0f} {r['agent_steps_per_s_cpu']:12,.0f} "
              f"{1e3 * r['agents'] / r['agent_steps_per_s_wall']:8.2f}")
    if "mesa-example" in small:
        mesa_rate = small["mesa-example"]
        print(f"  ratios to Mesa's example ({args.mesa_grid}):")
        for name in small:
            if name == "mesa-example":
                continue
            w = small[name]["agent_steps_per_s_wall"] / mesa_rate["agent_steps_per_s_wall"]
            c = small[name]["agent_steps_per_s_cpu"] / mesa_rate["agent_steps_per_s_cpu"]
            print(f"    {name:22s} x{w:,.0f} (wall)  x{c:,.0f} (CPU)"
                  + ("   target x1000" if name.startswith("mixed") else ""))
    seq = part_sequential(args)
    print("\nexact sequential order and sweep-sized runs (CPU, medians):")
    for title, figures in seq.items():
        print(f"  {title}:")
        for k, v in figures.items():
            print(f"    {k:24s} {v:14,.3f}" if v < 100 else f"    {k:24s} {v:14,.0f}")
    print("  targets: sequential epstein-run2 40x40 >= 5,000,000 agent-steps/s; mixed 60x60 200 steps <= 0.04 s CPU")
    compile_times = {} if args.no_compile else part_compile()
    if compile_times:
        print("\ncompile time (fresh process: imports, build, first step of a small sequential epstein-run2):")
        for k, v in compile_times.items():
            print(f"  {k:48s} {v:7.2f} s" if v is not None else f"  {k:48s} failed")
    big = []
    if not args.no_big:
        big = part_big(args)
        print(f"\n{args.big_size}x{args.big_size}, one process per preset, median over the steps of each window:")
        print(f"  {'preset':14s} {'steps':>7s} {'active':>7s} {'jailed':>7s} {'s/step wall':>12s} {'s/step CPU':>11s} "
              f"{'agent-steps/s wall':>19s} {'CPU':>11s}")
        for r in big:
            for w in r["windows"].values():
                steps = f"{w['first_step']}-{w['last_step']}"
                print(f"  {r['preset']:14s} {steps:>7s} {w['active_fraction']:7.3f} {w['jailed_fraction']:7.3f} "
                      f"{w['s_per_step_wall']:12.3f} {w['s_per_step_cpu']:11.3f} {w['agent_steps_per_s_wall']:19,.0f} "
                      f"{w['agent_steps_per_s_cpu']:11,.0f}")
        for r in big:
            print(f"  peak RSS {r['preset']}: {r['peak_rss_mb']:.0f} MB (whole process; "
                  f"{r['rss_after_imports_mb']:.0f} MB after importing Python, NumPy, pandas and Mesa)")
        print("  targets: epstein-run2/synchronous >= 25,000,000 agent-steps/s (one core); mixed <= 0.06 s/step "
              "and <= 1 GB")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps({"provenance": prov, "small": small, "big": big, "sequential": seq,
                                         "compile": compile_times,
                                         "args": {k: v for k, v in vars(args).items() if k != "json"}}, indent=2))


if __name__ == "__main__":
    main()
