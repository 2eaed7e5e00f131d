"""The headline of a sweep or a sensitivity analysis in plain language: what varied, the range
of each key measure (or policy difference) across the design points and at how many points the
difference is clear; which parameter matters most and whether that ranking is clear."""

from __future__ import annotations

import math

import numpy as np

from sim.errors import UserError
from sim.present.charts.sweep import sweep_values
from sim.present.data import Data
from sim.present.labels import and_, info, window_words
from sim.present.numbers import decimals, interval, matter_decimals, num, plain, spread, within_noise

SWEEP_HEADLINE_MEASURES = ("trust_mean", "incident_rate")

DESIGN_WORDS = {"grid": "full grid", "lhs": "Latin hypercube", "sobol": "Sobol sample (SALib)",
                "morris": "set of Morris trajectories (SALib)"}


def factor_words(p) -> str:
    if not isinstance(p, dict):
        return str(p)
    if "values" in p:
        return f"{p['name']} ({', '.join(plain(v) for v in p['values'])})"
    if "range" in p:
        lo, hi = p["range"]
        return f"{p['name']} (from {plain(lo)} to {plain(hi)})"
    return str(p.get("name"))


def _at(row, params) -> str:
    return ", ".join(f"{k} = {plain(row[k])}" for k in params)


def sweep_paragraphs(d: Data) -> list[list[str]]:
    """The headline of a sweep (and of a sensitivity analysis): what varied, then per policy
    difference (or level, with one policy) and key measure the range across design points and at
    how many points the difference is clear."""
    out = [[_sweep_intro(d)]]
    frame = d.points if d.points is not None and len(d.points) else d.sweep
    keys = [n for n in d.parameters if frame is not None and n in frame.columns]
    if keys and frame is not None:
        base = d.baseline
        others = [p for p in d.policies if p != base]
        contrasts = [(p, base) for p in others] or [(p, None) for p in d.policies[:1]]
        for pol, b in contrasts:
            sentences = [s for s in (_range_sentence(d, keys, m, pol, b) for m in SWEEP_HEADLINE_MEASURES) if s]
            if sentences:
                out.append(sentences)
    sens = sensitivity_sentences(d)
    if sens:
        out.append(sens)
    return out


def _sweep_intro(d: Data) -> str:
    r, m = d.resolved, d.manifest
    factors = [p for p in r.get("parameters", [])]
    runs = m.get("runs") or {}
    n_points = r.get("n_points") or (d.points["point"].nunique() if d.points is not None and "point" in d.points
                                     else None)
    design = (r.get("design") or {}).get("kind") or ((m.get("shape") or {}).get("design") or {}).get("kind")
    intro = (f"This sweep varied {and_([factor_words(p) for p in factors]) if factors else 'parameters'}"
             + (f" on a {DESIGN_WORDS.get(design, design)}" if design else "")
             + (f": {n_points} design points" if n_points else "")
             + (f" x {len(d.policies)} {'policy' if len(d.policies) == 1 else 'policies'}" if d.policies else "")
             + (f" x {r.get('replicates')} replicates" if r.get("replicates") else "")
             + (f" = {runs.get('total')} runs of {r.get('steps')} days" if runs.get("total") else "") + ".")
    if runs.get("failed"):
        intro += f" {runs['failed']} run(s) failed and are left out (see failed.csv)."
    if runs.get("missing"):
        intro += f" {runs['missing']} run(s) have not run yet: the sweep is incomplete."
    ww = window_words(d)
    if ww:
        intro += f" Levels are means over {ww}; intervals are 95%."
    return intro


def _range_sentence(d: Data, keys: list, measure: str, pol, b) -> str | None:
    """The range of ``measure`` (``pol`` minus ``b`` when ``b``) over the design points, and how
    many points are clear."""
    try:
        v = sweep_values(d, keys[0], keys[1] if len(keys) > 1 else None, measure, pol, b)
    except UserError:
        return None
    v = v[np.isfinite(v["value"].astype(float))]
    if v.empty:
        return None
    name, unit = info(measure)[:2]
    du = f" {unit}" if unit and not unit.startswith("0-1") else ""
    lo_row, hi_row = v.loc[v["value"].idxmin()], v.loc[v["value"].idxmax()]
    dd = matter_decimals(measure)                   # rounded to what matters (absolute thresholds)
    dd = spread(decimals(v["value"], 3) if dd is None else dd, [(lo_row["value"], hi_row["value"])])
    shown = keys[:2]
    if not b:
        return (f"{pol}: {name} ranged from {num(lo_row['value'], dd)} (at {_at(lo_row, shown)}) to "
                f"{num(hi_row['value'], dd)}{du} (at {_at(hi_row, shown)}).")
    up, down = int((v["low"] > 0).sum()), int((v["high"] < 0).sum())
    noise = int(within_noise(v["low"], v["high"]).sum())
    text = (f"{pol} minus {b} in {name} ranged from {num(lo_row['value'], dd, True)} "
            f"(at {_at(lo_row, shown)}) to {num(hi_row['value'], dd, True)}{du} (at {_at(hi_row, shown)})")
    with_ci = int((v["low"].notna() & v["high"].notna()).sum())
    if with_ci == len(v):
        return text + (f"; it was clearly higher at {up}, clearly lower at {down} and within noise at {noise} "
                       f"of the {len(v)} points.")
    if with_ci:
        return text + (f"; of the {with_ci} points with an interval, it was clearly higher at {up}, clearly "
                       f"lower at {down} and within noise at {noise}.")
    return text + "; each value averages over other parameters, so no interval is given."


def sensitivity_sentences(d: Data) -> list[str]:
    """Per key measure (policy difference when the indices have it): the parameter with the
    largest total effect, with its interval, and whether the ranking is clear."""
    f = d.indices
    if f is None or f.empty or "parameter" not in f.columns:
        return []
    sobol = "ST" in f.columns
    col = "ST" if sobol else ("mu_star" if "mu_star" in f.columns else None)
    if col is None:
        return []
    if "kind" in f.columns:
        f = f[f["kind"] == ("difference" if (f["kind"] == "difference").any() else "level")]
    n_points = int(f["n_points"].iloc[0]) if "n_points" in f.columns and len(f) else None
    method = "Sobol" if sobol else "Morris"
    out = [f"{method} sensitivity analysis" + (f" on {n_points} sample points" if n_points else "") + "."]
    for measure in ("trust_mean", "incident_rate"):
        for (pol, base), g in f[f["measure"] == measure].groupby(
                [f["policy"] if "policy" in f.columns else "", f["baseline"] if "baseline" in f.columns else ""],
                sort=False):
            g = g[np.isfinite(g[col].astype(float))].sort_values(col, ascending=False)
            if g.empty:
                continue
            top = g.iloc[0]
            what = f"{info(measure)[0]}" + (f" ({pol} minus {base})" if "kind" in g and (g["kind"] == "difference").any()
                                            else (f" ({pol})" if pol else ""))
            lo, hi = (float(top.get(f"{col}_ci_low", math.nan)), float(top.get(f"{col}_ci_high", math.nan)))
            dc = 2
            label = "total effect ST" if sobol else "mu*"
            text = (f"For {what}, {top['parameter']} has the largest {label}, {num(top[col], dc)}"
                    + (f" ({interval(lo, hi, dc)})" if math.isfinite(lo) and math.isfinite(hi) else ""))
            if len(g) > 1:
                nxt = g.iloc[1]
                nlo = float(nxt.get(f"{col}_ci_low", math.nan))
                text += f", ahead of {nxt['parameter']} ({num(nxt[col], dc)})"
                if math.isfinite(lo) and math.isfinite(nlo) and lo <= float(nxt.get(f"{col}_ci_high", math.nan)):
                    text += "; the intervals overlap, so this ranking is not clear (use a larger sample)"
            elif math.isfinite(lo) and lo <= 0:
                text += "; its interval includes zero"
            out.append(text + ".")
    return out if len(out) > 1 else []
