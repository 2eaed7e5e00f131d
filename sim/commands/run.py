"""``trustsim run --preset NAME [--set key=value ...] --steps N --seed S --out DIR``."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from sim.errors import UserError
from sim.model import TrustModel
from sim.output import check_new_folder, new_folder, write_json
from sim.params import Params, ParamError
from sim.provenance import now_iso, provenance

SUMMARY_MEASURES = ("trust_mean", "tension", "active_fraction", "incident_rate", "reported_share",
                    "jailed_fraction", "officer_stress", "cost_total")


def add_parser(sub):
    p = sub.add_parser("run", help="run one preset and write its time series and manifest")
    p.add_argument("--preset", default="mixed", help="preset name (default: mixed)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    p.add_argument("--steps", type=int, default=200, help="steps to run (default: 200)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: results/<preset>-<time>)")
    p.set_defaults(func=run_preset)


def parse_settings(items) -> dict:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``, each value parsed as its parameter's type."""
    settings, problems = {}, []
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(f"--set {item}: expected KEY=VALUE")
            continue
        try:
            settings[key] = Params.coerce(key, value.strip())
        except ParamError as err:
            problems.extend(err.problems)
    if problems:
        raise UserError(problems)
    return settings


def run_preset(args) -> int:
    if args.steps < 0:
        raise UserError(f"--steps: expected a non-negative integer, got {args.steps}")
    if args.seed < 0:
        raise UserError(f"--seed: expected a non-negative integer, got {args.seed}")
    out = args.out or Path("results") / f"{args.preset}-{time.strftime('%Y%m%d-%H%M%S')}"
    check_new_folder(out)
    started, t0 = now_iso(), time.perf_counter()
    model = TrustModel(preset=args.preset, rng=args.seed, **parse_settings(args.set))
    model.run(args.steps)
    wall = time.perf_counter() - t0
    df = model.results
    df.insert(0, "seed", args.seed)
    df.insert(0, "preset", args.preset)
    manifest = {
        "command": "run", "preset": args.preset, "seed": args.seed, "steps": args.steps,
        "params": model.p.to_dict(), "interventions": [iv.to_dict() for iv in model.interventions],
        "started": started, "wall_time_s": round(wall, 3), **provenance(),
    }
    with new_folder(out) as tmp:
        df.to_parquet(tmp / "timeseries.parquet", index=False)
        np.savez_compressed(tmp / "maps.npz", **model.maps)
        write_json(tmp / "manifest.json", manifest)
    print(summary_text(df, args.preset, args.seed, args.steps))
    print(f"wrote {out}/ (timeseries.parquet, maps.npz, manifest.json) in {wall:.1f} s")
    return 0


def summary_text(df, preset, seed, steps) -> str:
    window = df[df.step > steps * 3 // 4] if steps else df
    lines = [f"{preset} (seed {seed}, {steps} steps): means over steps {int(window.step.min())}-{int(window.step.max())}"]
    for name in SUMMARY_MEASURES:
        lines.append(f"  {name:<16} {window[name].mean():10.4f}")
    lines.append(f"  {'incidents (all)':<16} {int(df.incidents.sum()):10d}")
    lines.append(f"  {'cost (all)':<16} {df.cost_total.sum():10.1f}  officer-days")
    return "\n".join(lines)
