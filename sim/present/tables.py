"""Printed tables of results: the policy comparison (``trustsim compare``, ``Results.table()``).

Light on purpose (no pandas, no matplotlib imported here): ``trustsim compare`` imports it at start-up."""

from __future__ import annotations

import math

from sim.core.measures import measure_info
from sim.present.labels import better_words, budget_equal, budget_gap
from sim.present.numbers import decimals, is_clear, num, rounds_to_zero, table_decimals

# the measures of the table, in order; with Epstein's model (no incidents) the rebellion too
TABLE_MEASURES = ("trust_mean", "tension", "incident_rate", "cost_total")
ACTIVE = "active_fraction"


def comparison_table(res) -> str:
    """The printed comparison of a results object (``.manifest``, ``.summary``, ``.policies``)."""
    r = res.manifest["resolved"]
    single = len(r["policies"]) == 1
    lines = _heading(res.manifest, single)
    width = max(len(p) for p in res.policies + ["policy"]) + 2
    shown = list(TABLE_MEASURES)
    if any(not p["params"].get("incidents_on", True) for p in r["policies"]):  # Epstein's model: show rebellion
        shown.insert(2, ACTIVE)
    for measure in shown:
        lines += _measure_block(res, measure, width, single)
    if not single:
        lines += _cost_per_incident(res, width)
    return "\n".join(lines)


def _heading(m: dict, single: bool) -> list[str]:
    r = m["resolved"]
    first, last = r["window_steps"]
    n, base = r["replicates"], r["baseline"]
    post = m.get("posterior") if isinstance(m.get("posterior"), dict) else None
    worlds = f"{post['draws']} posterior draws x " if post else ""
    lines = [f"{r['name']}: {len(r['policies'])} polic{'y' if single else 'ies'} x {worlds}{n} replicates x {r['steps']} steps, "
             f"base seed {r['seed']}" + ("" if single else " (replicate r uses the same seed under every policy)")]
    if post:
        n = post["draws"] * n      # the levels below pool every world's runs
        lines.append(f"Posterior: {post['source']} ({post['draws']} of its {post['particles']} particles, by weight); "
                     "levels and differences below pool the runs of every world; the probabilities follow.")
    for note in m.get("warnings", []):
        lines.append(f"!!! WARNING: {note}")
    bc = m.get("budget_check", {})
    if bc and not single:
        lines.append(f"Budget per step: {'equal' if budget_equal(bc) else 'NOT EQUAL'} ({budget_gap(bc)}).")
    lines.append(f"Means over steps {first}-{last} (last {100 * r['window']:.0f}% of the run) [95% t-interval across "
                 f"{n} replicates]" + ("." if single else f"; differences to {base!r} paired by replicate; 'clear': "
                                        "the difference's interval excludes 0."))
    return lines


def _measure_block(res, measure: str, width: int, single: bool) -> list[str]:
    s, base = res.summary, res.baseline
    rows = s[s.measure == measure].set_index("policy")
    if rows.empty:
        return []
    mi = measure_info(measure)
    d = table_decimals(rows[["mean", "ci_low", "ci_high", "diff_mean"]].abs().max().max())
    lines = ["", f"{mi.short}: {mi.description}; {better_words(measure) or 'neither is better'}",
             f"  {'policy':<{width}}{'mean [95% CI]':<28}{'' if single else 'vs ' + base + ' [95% CI]'}".rstrip()]
    for policy in res.policies:
        if policy not in rows.index:
            continue
        row = rows.loc[policy]
        level = f"{num(row['mean'], d)} [{num(row['ci_low'], d)}, {num(row['ci_high'], d)}]"
        if policy == base:
            diff, verdict = "(baseline)", ""
        else:
            base_mean = float(rows.loc[base, "mean"]) if base in rows.index else None
            diff, verdict = _difference(row, d), _verdict(row, mi.better, mi.matters(row["diff_mean"], base_mean))
        lines.append(f"  {policy:<{width}}{level:<28}{'' if single else f'{diff:<30}{verdict}'}".rstrip())
    return lines


def _difference(row, d: int) -> str:
    """'+0.05 [+0.01, +0.09]': a clear difference never shows a bound of 0 (up to 3 more decimals)."""
    lo, hi, most = row["diff_ci_low"], row["diff_ci_high"], d + 3
    while is_clear(lo, hi) and d < most and (rounds_to_zero(num(lo, d)) or rounds_to_zero(num(hi, d))):
        d += 1
    return f"{num(row['diff_mean'], d, sign=True)} [{num(lo, d, sign=True)}, {num(hi, d, sign=True)}]"


def _verdict(row, better: int, matters: bool | None = None) -> str:
    """'clear: better' ..., 'clear but negligible' (``matters`` False: below the measure's
    practical-significance threshold), 'within noise', 'no interval'."""
    clear = is_clear(row["diff_ci_low"], row["diff_ci_high"])
    if clear is None:
        return "no interval"
    if not clear:
        return "within noise"
    if matters is False:
        return "clear but negligible"
    if better == 0:
        return f"clear: {'higher' if row['diff_mean'] > 0 else 'lower'}"
    good = (row["diff_mean"] > 0) == (better > 0)
    return f"clear: {'better' if good else 'worse'}"


def _cost_per_incident(res, width: int) -> list[str]:
    s, base = res.summary, res.baseline
    lines = ["", f"cost per incident averted vs {base}: extra spending on policing, programmes and jail over the "
                 "whole run / incidents averted"]
    ratio = s[s.measure == "cost_per_incident_averted"].set_index("policy")
    inc = s[s.measure == "incidents_cumulative"].set_index("policy")
    for policy in res.policies:
        if policy == base or policy not in ratio.index:
            continue
        row, irow = ratio.loc[policy], inc.loc[policy]
        averted = -irow["diff_mean"]
        if not is_clear(irow["diff_ci_low"], irow["diff_ci_high"]):
            text = f"incidents averted {num(averted, 0, sign=True)} per run, within noise: no ratio"
        elif averted < 0:
            text = f"{num(-averted, 0)} more incidents per run than {base} (clear): nothing averted"
        else:
            m, lo, hi = row["mean"], row["ci_low"], row["ci_high"]
            d = decimals([m, lo, hi])
            ci = f" [{num(lo, d)}, {num(hi, d)}]" if math.isfinite(lo) and math.isfinite(hi) else " [interval unbounded]"
            saves = " (saves money while averting incidents)" if m < 0 else ""
            text = f"{num(m, d)}{ci} officer-days per incident averted ({num(averted, 0)} averted per run){saves}"
        lines.append(f"  {policy:<{width}}{text}")
    return lines

