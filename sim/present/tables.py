"""Printed tables of results: the policy comparison (``trustsim compare``, ``Results.table()``)."""

from __future__ import annotations

import math

# (measure, label, unit, which way is better: +1 higher, -1 lower)
TABLE_MEASURES = (
    ("trust_mean", "trust", "mean trust of citizens, 0-1 (Epstein's L when trust is off)", +1),
    ("tension", "tension", "mean grievance of free citizens, 0-1", -1),
    ("incident_rate", "incident rate", "incidents per 1,000 citizens per step", -1),
    ("cost_total", "cost", "officer-days per step (policing, programmes, jail, incidents)", -1),
)

ACTIVE = ("active_fraction", "active fraction", "share of citizens active (rebelling)", -1)


def comparison_table(res) -> str:
    """The printed comparison of a :class:`sim.run.experiment.Results`."""
    m, s = res.manifest, res.summary
    r = m["resolved"]
    base = r["baseline"]
    first, last = r["window_steps"]
    n = r["replicates"]
    single = len(r["policies"]) == 1
    lines = [f"{r['name']}: {len(r['policies'])} polic{'y' if single else 'ies'} x {n} replicates x {r['steps']} steps, "
             f"base seed {r['seed']}" + ("" if single else " (replicate r uses the same seed under every policy)")]
    for note in m.get("warnings", []):
        lines.append(f"!!! WARNING: {note}")
    bc = m.get("budget_check", {})
    if bc and not single:
        state = "equal" if bc.get("equal") else "NOT EQUAL"
        lines.append(f"Budget per step: {state} (largest gap {100 * bc.get('max_relative_gap', 0):.2g}%, "
                     f"tolerance {100 * bc.get('tolerance', 0):.2g}%).")
    lines.append(f"Means over steps {first}-{last} (last {100 * r['window']:.0f}% of the run) [95% t-interval across "
                 f"{n} replicates]" + ("." if single else f"; differences to {base!r} paired by replicate; 'clear': "
                                        "the difference's interval excludes 0."))
    width = max(len(p) for p in res.policies + ["policy"]) + 2
    shown = list(TABLE_MEASURES)
    if any(not p["params"].get("incidents_on", True) for p in r["policies"]):  # Epstein's model: show rebellion
        shown.insert(2, ACTIVE)
    for measure, label, unit, better in shown:
        rows = s[s.measure == measure].set_index("policy")
        if rows.empty:
            continue
        d = _decimals(rows[["mean", "ci_low", "ci_high", "diff_mean"]].abs().max().max())
        lines.append("")
        lines.append(f"{label}: {unit}; {'higher' if better > 0 else 'lower'} is better")
        lines.append(f"  {'policy':<{width}}{'mean [95% CI]':<28}{'' if single else 'vs ' + base + ' [95% CI]'}".rstrip())
        for policy in res.policies:
            if policy not in rows.index:
                continue
            row = rows.loc[policy]
            level = f"{_f(row['mean'], d)} [{_f(row['ci_low'], d)}, {_f(row['ci_high'], d)}]"
            if policy == base:
                diff, verdict = "(baseline)", ""
            else:
                dd = d  # a clear difference must not show a bound of 0: add decimals until it does not
                while _clear(row) and dd < d + 3 and 0 in (float(_f(row["diff_ci_low"], dd)),
                                                          float(_f(row["diff_ci_high"], dd))):
                    dd += 1
                diff = (f"{_f(row['diff_mean'], dd, sign=True)} [{_f(row['diff_ci_low'], dd, sign=True)}, "
                        f"{_f(row['diff_ci_high'], dd, sign=True)}]")
                verdict = _verdict(row, better)
            lines.append(f"  {policy:<{width}}{level:<28}{'' if single else f'{diff:<30}{verdict}'}".rstrip())
    if single:
        return "\n".join(lines)
    lines += ["", f"cost per incident averted vs {base}: extra spending on policing, programmes and jail over the "
                  "whole run / incidents averted"]
    ratio = s[s.measure == "cost_per_incident_averted"].set_index("policy")
    inc = s[s.measure == "incidents_cumulative"].set_index("policy")
    for policy in res.policies:
        if policy == base or policy not in ratio.index:
            continue
        row, irow = ratio.loc[policy], inc.loc[policy]
        averted = -irow["diff_mean"]
        clear = _clear(irow)
        if not clear:
            text = f"incidents averted {averted:+.0f} per run, within noise: no ratio"
        elif averted < 0:
            text = f"{-averted:.0f} more incidents per run than {base} (clear): nothing averted"
        else:
            lo, hi = row["ci_low"], row["ci_high"]
            ci = f" [{lo:.3g}, {hi:.3g}]" if math.isfinite(lo) and math.isfinite(hi) else " [interval unbounded]"
            saves = " (saves money while averting incidents)" if row["mean"] < 0 else ""
            text = f"{row['mean']:.3g}{ci} officer-days per incident averted ({averted:.0f} averted per run){saves}"
        lines.append(f"  {policy:<{width}}{text}")
    return "\n".join(lines)


def _clear(row) -> bool:
    lo, hi = row["diff_ci_low"], row["diff_ci_high"]
    return bool(math.isfinite(lo) and math.isfinite(hi) and (lo > 0 or hi < 0))


def _verdict(row, better) -> str:
    if not (math.isfinite(row["diff_ci_low"]) and math.isfinite(row["diff_ci_high"])):
        return "no interval"
    if not _clear(row):
        return "within noise"
    good = (row["diff_mean"] > 0) == (better > 0)
    return f"clear: {'better' if good else 'worse'}"


def _decimals(largest) -> int:
    if not (isinstance(largest, float) and math.isfinite(largest)) or largest == 0:
        return 3
    return int(min(6, max(0, 2 - math.floor(math.log10(largest)))))


def _f(x, d, sign=False) -> str:
    if x is None or not math.isfinite(x):
        return "nan"
    text = f"{x:+.{d}f}" if sign else f"{x:.{d}f}"
    if float(text) == 0:  # no "-0.0"
        text = ("+" if sign else "") + text.lstrip("+-")
    return text
