"""The report for policy staff: one self-contained HTML page per results folder.

    import sim.present.report
    sim.present.report.write_report("results/compare-policies-...")          # -> .../report.html
    print(sim.present.report.headline_text("results/compare-policies-..."))  # the plain-language headline

``report.html`` holds everything it shows: the figures are PNG images embedded as ``data:`` URLs
and the styles are inline. A Content-Security-Policy forbids any other source, so opening it
from a file makes no request to any host. Every string that comes from a scenario file or a
manifest (names, descriptions, parameter values, commands) is HTML-escaped.

The headline is generated from the numbers of ``summary.csv``: for the key measures (mean
trust, incident rate, total cost over the run) it names the best policy, its value with the
95% interval, and its paired difference to the baseline with that interval; a difference whose
interval includes zero is called "within noise" and no winner is claimed. Policies whose means
are equal at the precision shown are reported as tied. When the time series is there, the lead
of the best policy over the runner-up is checked the same way (paired by replicate, same window).

Printing: a print stylesheet (A4, figures and table rows kept whole). ``write_report(...,
fmt="pdf")`` prints the page to PDF with headless Chromium through Playwright's Python package
(no browser download: it uses ``/usr/bin/chromium`` or ``$TRUSTSIM_CHROMIUM``).
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from pathlib import Path
from string import Template

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.present import plots
from sim.present.plots import Data, as_data, better, info

# Key measures of the headline, in order: (measure, the words for "best").
HEADLINE_MEASURES = ("trust_mean", "incident_rate", "cost_cumulative")
TABLE_MEASURES = ("trust_mean", "trust_p10", "tension", "incident_rate", "reported_share", "active_fraction",
                  "officer_stress", "cost_total", "incidents_cumulative", "cost_cumulative")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def e(x) -> str:
    """HTML-escape anything (quotes too)."""
    return html.escape("" if x is None else str(x), quote=True)


# ---------------------------------------------------------------------------------- numbers
def decimals(values, significant: int = 3) -> int:
    """Decimals that show the largest absolute value with ``significant`` digits (0..6)."""
    v = np.abs(np.asarray([x for x in values if x is not None and math.isfinite(x)], float))
    v = v[v > 0]
    if not len(v):
        return 2
    return int(min(6, max(0, significant - 1 - math.floor(math.log10(v.max())))))


def level_decimals(means, values) -> int:
    """Decimals for levels of one measure across policies: three significant digits of the largest
    of ``values`` (means and bounds) and two of the smallest non-zero mean (at most two more)."""
    d = decimals(values, 3)
    m = np.abs(np.asarray([x for x in means if x is not None and math.isfinite(x)], float))
    m = m[m > 0]
    if not len(m):
        return d
    return int(min(6, max(d, min(decimals([m.min()], 2), d + 2))))


def first_nonzero(values) -> bool:
    x = next(iter(values), None)
    return x is not None and math.isfinite(x) and x != 0


def diff_decimals(values) -> int:
    """Decimals for a difference and its interval (``values``: the difference first, then the
    bounds): two significant digits of the largest value and of the difference itself (at most
    two decimals more than the largest needs, at most 6)."""
    v = np.abs(np.asarray([x for x in values if x is not None and math.isfinite(x)], float))
    v = v[v > 0]
    if not len(v):
        return 2
    d_big = decimals([v.max()], 2)
    d_first = decimals([v[0]] if first_nonzero(values) else [v.min()], 2)
    return int(min(6, max(d_big, min(d_first, d_big + 2))))


def num(x, d: int, sign: bool = False) -> str:
    """``x`` with ``d`` decimals (``+`` for positives when ``sign``); 'n/a' for NaN."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    x = float(x)
    if abs(x) >= 1000:
        text = f"{x:+,.{d}f}" if sign else f"{x:,.{d}f}"
    else:
        text = f"{x:+.{d}f}" if sign else f"{x:.{d}f}"
    if float(text.replace(",", "")) == 0:   # no "-0.00": a value that rounds to zero is shown as 0
        text = f"{0:.{d}f}"
        text = ("+" + text) if sign else text
    return text


def interval(lo, hi, d: int, sign: bool = False) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "no interval"
    return f"95% CI {num(lo, d, sign)} to {num(hi, d, sign)}"


def is_clear(lo, hi) -> bool | None:
    """True: the interval excludes 0; False: it includes 0; None: no interval (NaN)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return bool(lo > 0 or hi < 0)


def verdict(row, measure: str, baseline: str) -> str:
    """'baseline', 'clearly better', 'clearly worse', 'clearly higher/lower', 'within noise', 'no interval'."""
    if row["policy"] == baseline:
        return "baseline"
    clear = is_clear(float(row["diff_ci_low"]), float(row["diff_ci_high"]))
    if clear is None:
        return "no interval"
    if not clear:
        return "within noise"
    up = float(row["diff_mean"]) > 0
    b = better(measure)
    if b == 0:
        return "clearly higher" if up else "clearly lower"
    return "clearly better" if up == (b > 0) else "clearly worse"


# ---------------------------------------------------------------------------------- headline
def _rows(summary: pd.DataFrame, measure: str, policies) -> pd.DataFrame:
    r = summary[summary.measure == measure].drop_duplicates("policy").set_index("policy")
    return r.reindex([p for p in policies if p in r.index])


def _window_words(d: Data) -> str:
    w = d.window_steps
    r = d.resolved
    if not w:
        return ""
    share = r.get("window")
    part = f" (the last {100 * float(share):.0f}% of each run)" if share else ""
    return f"days {w[0]}-{w[1]}{part}"


def _runner_up_gap(d: Data, measure: str, best: str, other: str):
    """Paired (by replicate) interval of best - other over the summary window, from the time
    series; None when the time series is not there."""
    ts = d.timeseries
    cumulative = {"incidents_cumulative": "incidents", "cost_cumulative": "cost_total"}
    if ts is None or cumulative.get(measure, measure) not in ts.columns:
        return None
    from sim.results.stats import paired_interval

    if measure in cumulative:
        per = ts[ts.step >= 1].groupby(["policy", "replicate"])[cumulative[measure]].sum()
    else:
        w = d.window_steps
        if not w:
            return None
        win = ts[(ts.step >= w[0]) & (ts.step <= w[1])]
        per = win.groupby(["policy", "replicate"])[measure].mean()
    if best not in per.index.get_level_values(0) or other not in per.index.get_level_values(0):
        return None
    a, b = per.loc[best], per.loc[other]
    common = a.index.intersection(b.index)
    return paired_interval(a.loc[common].to_numpy(), b.loc[common].to_numpy())


def measure_sentences(d: Data, measure: str) -> list[str]:
    """Sentences on one measure: which policy did best, by how much against the baseline, with
    the 95% intervals, and whether that is clear or within noise."""
    s, base, policies = d.summary, d.baseline, d.policies
    rows = _rows(s, measure, policies)
    rows = rows[np.isfinite(rows["mean"].astype(float))]
    if rows.empty:
        return []
    name, unit, good, _, _ = info(measure)
    good = good or 1
    best_word = "highest" if good > 0 else "lowest"
    u = f" {unit}" if unit and not unit.startswith("0-1") else (f" on a {unit}" if unit else "")
    du = f" {unit}" if unit and not unit.startswith("0-1") else ""
    d_lvl = level_decimals(rows["mean"].astype(float), pd.concat([rows["mean"], rows["ci_low"], rows["ci_high"]]).astype(float))
    shown = {p: num(rows.loc[p, "mean"], d_lvl) for p in rows.index}
    order = sorted(rows.index, key=lambda p: -good * float(rows.loc[p, "mean"]))
    top = [p for p in rows.index if shown[p] == shown[order[0]]]     # scenario order
    out = []

    def level(p):
        r = rows.loc[p]
        ci = interval(float(r["ci_low"]), float(r["ci_high"]), d_lvl)
        return f"{shown[p]}{u} ({ci})" if ci != "no interval" else f"{shown[p]}{u}"

    def vs_base(p, lead: str) -> str:
        r = rows.loc[p]
        dm, lo, hi = float(r["diff_mean"]), float(r["diff_ci_low"]), float(r["diff_ci_high"])
        dd = diff_decimals([dm, lo, hi])
        clear = is_clear(lo, hi)
        if clear is None:
            return (f"{lead} differs from {base} by {num(dm, dd, True)}, with no interval (fewer than two "
                    "replicates), so it cannot be told from noise.")
        diff = f"{num(dm, dd, True)}{du} ({interval(lo, hi, dd, True)})"
        if clear:
            direction = "higher" if dm > 0 else "lower"
            return (f"{lead} is {num(abs(dm), dd)}{du} {direction} than {base} ({interval(lo, hi, dd, True)}): "
                    "a clear difference.")
        return (f"The difference between {p} and {base}, the baseline, is {diff}; the interval includes zero, so it "
                f"is within noise: the runs do not show {p} doing better or worse than {base} on {name}.")

    if len(top) > 1:
        names = _and(top)
        out.append(f"{names} tied for the {best_word} {name}: {shown[top[0]]} each{u} (at the precision shown).")
        for p in top:
            if p != base:
                out.append(vs_base(p, p))
        return out
    best = top[0]
    if best != base:
        out.append(f"{best} had the {best_word} {name}: {level(best)}, against {shown.get(base, 'n/a')} for {base}, "
                   f"the baseline.")
        out.append(vs_base(best, "That"))
        # the runner-up (not the baseline): is the lead over it clear?
        rest = [p for p in order if p != best and p != base]
        if rest:
            second = rest[0]
            gap = _runner_up_gap(d, measure, best, second)
            if gap is not None and gap.n >= 2:
                # second - best, paired by replicate
                gm, glo, ghi = -gap.mean, -gap.high, -gap.low
                dd = diff_decimals([gm, glo, ghi])
                c = is_clear(glo, ghi)
                diff = f"{num(gm, dd, True)}{du} ({interval(glo, ghi, dd, True)}, paired by replicate)"
                if c:
                    out.append(f"The runner-up, {second} ({shown[second]}), is clearly behind it: {diff}.")
                elif c is False:
                    out.append(f"The runner-up, {second} ({shown[second]}), differs from it by {diff}; the interval "
                               f"includes zero, so {best} and {second} cannot be told apart on {name}.")
    else:
        out.append(f"{base}, the baseline, had the {best_word} {name}: {level(base)}.")
        rest = [p for p in order if p != base]
        if rest:
            second = rest[0]
            r = rows.loc[second]
            dm, lo, hi = float(r["diff_mean"]), float(r["diff_ci_low"]), float(r["diff_ci_high"])
            dd = diff_decimals([dm, lo, hi])
            clear = is_clear(lo, hi)
            if clear is None:
                out.append(f"The closest other policy, {second} ({shown[second]}), has no interval (fewer than two "
                           "replicates).")
            elif clear:
                out.append(f"The closest other policy, {second} ({shown[second]}), is clearly behind it: "
                           f"{num(dm, dd, True)}{du} ({interval(lo, hi, dd, True)}).")
            else:
                out.append(f"The closest other policy, {second} ({shown[second]}), differs from it by "
                           f"{num(dm, dd, True)}{du} ({interval(lo, hi, dd, True)}); the interval includes zero, so "
                           f"{base} and {second} cannot be told apart on {name}.")
    return out


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def headline(results) -> list[str]:
    """The plain-language headline, one sentence per item (plain text, not escaped)."""
    return [sentence for par in headline_paragraphs(results) for sentence in par]


def headline_paragraphs(results) -> list[list[str]]:
    """The headline as paragraphs of sentences: the set-up (and warnings), then one paragraph per
    key measure (plain text, not escaped)."""
    d = as_data(results)
    r = d.resolved
    if d.summary is None or d.summary.empty:
        if d.is_sweep:
            return sweep_paragraphs(d)
        return [["This folder has no summary to report on."]]
    policies = d.policies
    base = d.baseline
    n = int(d.summary["n"].max()) if "n" in d.summary else r.get("replicates")
    steps = r.get("steps")
    intro = (f"This compares {len(policies)} {'policy' if len(policies) == 1 else 'policies'} ({_and(policies)})"
             + (f" over {steps} days" if steps else "") + f", {n} replicate{'s' if n != 1 else ''} each; replicate r "
             f"starts from the same simulated population under every policy, and each policy is compared with "
             f"{base}, the baseline, replicate by replicate.")
    ww = _window_words(d)
    intro += (f" Levels are means over {ww}" if ww else " Levels are window means") + \
        "; totals cover the whole run; intervals are 95%."
    out = [intro]
    bc = d.manifest.get("budget_check") or {}
    if bc and not bc.get("equal", True):
        out.append("Warning: the policies did not spend equal budgets, so the differences mix the effect of the "
                   "policy with the effect of the money.")
    if len(policies) < 2:
        out.append("There is only one policy, so there is nothing to compare.")
    if n is not None and n < 2:
        out.append("With a single replicate there are no intervals: run at least 2 (better 10 or more) replicates "
                   "before drawing conclusions.")
    paragraphs = [out]
    for m in HEADLINE_MEASURES:
        if (d.summary.measure == m).any():
            paragraphs.append(measure_sentences(d, m))
    return [p for p in paragraphs if p]


def _factor_words(p) -> str:
    if not isinstance(p, dict):
        return str(p)
    if "values" in p:
        return f"{p['name']} ({', '.join(_val(v) for v in p['values'])})"
    if "range" in p:
        lo, hi = p["range"]
        return f"{p['name']} (from {_val(lo)} to {_val(hi)})"
    return str(p.get("name"))


def _at(row, params) -> str:
    return ", ".join(f"{k} = {_val(row[k])}" for k in params)


DESIGN_WORDS = {"grid": "full grid", "lhs": "Latin hypercube", "sobol": "Sobol sample (SALib)",
                "morris": "set of Morris trajectories (SALib)"}


def sweep_paragraphs(d: Data) -> list[list[str]]:
    """The headline of a sweep (and of a sensitivity analysis): what varied, then per policy
    difference (or level, with one policy) and key measure the range across design points and at
    how many points the difference is clear."""
    r, m = d.resolved, d.manifest
    factors = [p for p in r.get("parameters", [])]
    names = d.parameters
    runs = m.get("runs") or {}
    n_points = r.get("n_points") or (d.points["point"].nunique() if d.points is not None and "point" in d.points
                                     else None)
    design = (r.get("design") or {}).get("kind") or ((m.get("shape") or {}).get("design") or {}).get("kind")
    intro = (f"This sweep varied {_and([_factor_words(p) for p in factors]) if factors else 'parameters'}"
             + (f" on a {DESIGN_WORDS.get(design, design)}" if design else "")
             + (f": {n_points} design points" if n_points else "")
             + (f" x {len(d.policies)} {'policy' if len(d.policies) == 1 else 'policies'}" if d.policies else "")
             + (f" x {r.get('replicates')} replicates" if r.get("replicates") else "")
             + (f" = {runs.get('total')} runs of {r.get('steps')} days" if runs.get("total") else "") + ".")
    if runs.get("failed"):
        intro += f" {runs['failed']} run(s) failed and are left out (see failed.csv)."
    if runs.get("missing"):
        intro += f" {runs['missing']} run(s) have not run yet: the sweep is incomplete."
    ww = _window_words(d)
    if ww:
        intro += f" Levels are means over {ww}; intervals are 95%."
    out = [[intro]]
    from sim.present import plots as _plots

    frame = d.points if d.points is not None and len(d.points) else d.sweep
    keys = [n for n in names if frame is not None and n in frame.columns]
    if keys and frame is not None:
        base = d.baseline
        others = [p for p in d.policies if p != base]
        contrasts = [(p, base) for p in others] or [(p, None) for p in d.policies[:1]]
        for pol, b in contrasts:
            sentences = []
            for measure in ("trust_mean", "incident_rate"):
                try:
                    v = _plots.sweep_values(d, keys[0], keys[1] if len(keys) > 1 else None, measure, pol, b)
                except UserError:
                    continue
                v = v[np.isfinite(v["value"].astype(float))]
                if v.empty:
                    continue
                name, unit = info(measure)[:2]
                du = f" {unit}" if unit and not unit.startswith("0-1") else ""
                dd = decimals(v["value"], 3)
                lo_row, hi_row = v.loc[v["value"].idxmin()], v.loc[v["value"].idxmax()]
                shown = keys[:2]
                if b:
                    up = int(((v["low"] > 0)).sum())
                    down = int(((v["high"] < 0)).sum())
                    noise = int(((v["low"] <= 0) & (v["high"] >= 0)).sum())
                    text = (f"{pol} minus {b} in {name} ranged from {num(lo_row['value'], dd, True)} "
                            f"(at {_at(lo_row, shown)}) to {num(hi_row['value'], dd, True)}{du} (at {_at(hi_row, shown)})")
                    with_ci = int((v["low"].notna() & v["high"].notna()).sum())
                    if with_ci == len(v):
                        text += (f"; it was clearly higher at {up}, clearly lower at {down} and within noise at {noise} "
                                 f"of the {len(v)} points.")
                    elif with_ci:
                        text += (f"; of the {with_ci} points with an interval, it was clearly higher at {up}, clearly "
                                 f"lower at {down} and within noise at {noise}.")
                    else:
                        text += "; each value averages over other parameters, so no interval is given."
                else:
                    text = (f"{pol}: {name} ranged from {num(lo_row['value'], dd)} (at {_at(lo_row, shown)}) to "
                            f"{num(hi_row['value'], dd)}{du} (at {_at(hi_row, shown)}).")
                sentences.append(text)
            if sentences:
                out.append(sentences)
    sens = sensitivity_sentences(d)
    if sens:
        out.append(sens)
    return out


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


def headline_text(results) -> str:
    return " ".join(headline(results))


# ---------------------------------------------------------------------------------- costs in words
def cost_sentences(d: Data) -> list[str]:
    """Per policy: extra public cost per incident averted, or why there is no such ratio."""
    s, base = d.summary, d.baseline
    if s is None:
        return []
    ratio = _rows(s, "cost_per_incident_averted", d.policies)
    inc = _rows(s, "incidents_cumulative", d.policies)
    out = []
    for p in d.policies:
        if p == base or p not in inc.index:
            continue
        ir = inc.loc[p]
        averted = -float(ir["diff_mean"])
        lo, hi = -float(ir["diff_ci_high"]), -float(ir["diff_ci_low"])
        dd = diff_decimals([averted, lo, hi])
        clear = is_clear(lo, hi)
        if clear is None:
            out.append(f"{p}: {num(averted, dd)} incidents averted per run against {base}, without an interval; "
                       "no cost per incident averted is given.")
        elif not clear:
            out.append(f"{p}: incidents averted per run against {base}: {num(averted, dd, True)} "
                       f"({interval(lo, hi, dd, True)}), which includes zero, so no cost per incident averted is "
                       "given.")
        elif averted < 0:
            out.append(f"{p}: {num(-averted, dd)} more incidents per run than {base} ({interval(-hi, -lo, dd)}): "
                       "nothing was averted.")
        else:
            r = ratio.loc[p] if p in ratio.index else None
            m = float(r["mean"]) if r is not None else math.nan
            rlo, rhi = (float(r["ci_low"]), float(r["ci_high"])) if r is not None else (math.nan, math.nan)
            dr = decimals([m, rlo, rhi])
            ci = interval(rlo, rhi, dr) if math.isfinite(rlo) and math.isfinite(rhi) else "interval unbounded"
            if m < 0:
                out.append(f"{p}: {num(averted, dd)} incidents averted per run ({interval(lo, hi, dd)}) while spending "
                           f"less public money than {base}: {num(m, dr)} officer-days per incident averted ({ci}), "
                           "i.e. a saving.")
            else:
                out.append(f"{p}: {num(averted, dd)} incidents averted per run ({interval(lo, hi, dd)}) at "
                           f"{num(m, dr)} extra officer-days of public spending each ({ci}).")
    return out


# ---------------------------------------------------------------------------------- tables
def summary_table(d: Data, measures=TABLE_MEASURES) -> str:
    s, base = d.summary, d.baseline
    if s is None or s.empty:
        return ""
    head = (f"<thead><tr><th scope='col'>measure</th><th scope='col'>policy</th><th scope='col'>mean "
            f"<span class='ci'>[95% CI]</span></th><th scope='col'>difference vs {e(base)} "
            f"<span class='ci'>[95% CI]</span></th><th scope='col'>reading</th></tr></thead>")
    body = []
    for m in measures:
        rows = _rows(s, m, d.policies)
        if rows.empty:
            continue
        name, unit, good, _, _ = info(m)
        dl = level_decimals(rows["mean"].astype(float), pd.concat([rows["mean"], rows["ci_low"], rows["ci_high"]]).astype(float))
        dd = decimals(pd.concat([rows["diff_mean"], rows["diff_ci_low"], rows["diff_ci_high"]]).astype(float), 3)
        hint = {1: "higher is better", -1: "lower is better", 0: ""}[good]
        label_cell = (f"<th scope='rowgroup' rowspan='{len(rows)}'>{e(name)}<br><span class='unit'>{e(unit)}"
                      f"{'; ' + hint if hint else ''}</span></th>")
        for i, (p, r) in enumerate(rows.iterrows()):
            lvl = f"{num(r['mean'], dl)} <span class='ci'>[{num(r['ci_low'], dl)}, {num(r['ci_high'], dl)}]</span>"
            v = verdict({**r.to_dict(), "policy": p}, m, base)
            if p == base:
                diff = "&mdash;"
            else:
                diff = (f"{num(r['diff_mean'], dd, True)} <span class='ci'>[{num(r['diff_ci_low'], dd, True)}, "
                        f"{num(r['diff_ci_high'], dd, True)}]</span>")
            cls = {"clearly better": "good", "clearly worse": "bad", "within noise": "noise"}.get(v, "")
            mark = {"clearly better": "&#9650; ", "clearly worse": "&#9660; "}.get(v, "")
            body.append(f"<tr{' class=first' if i == 0 else ''}>{label_cell if i == 0 else ''}<td class='p'>{e(p)}</td>"
                        f"<td class='n'>{lvl}</td><td class='n'>{diff}</td><td class='{cls}'>{mark}{e(v)}</td></tr>")
    return f"<table class='summary'>{head}<tbody>{''.join(body)}</tbody></table>"


def full_table(d: Data) -> str:
    s = d.summary
    if s is None or s.empty:
        return ""
    cols = [c for c in ("policy", "measure", "window", "mean", "ci_low", "ci_high", "sd", "n", "diff_mean",
                        "diff_ci_low", "diff_ci_high") if c in s.columns]
    head = "".join(f"<th scope='col'>{e(c)}</th>" for c in cols)
    rows = []
    for _, r in s.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, (float, np.floating)):
                cells.append(f"<td class='n'>{'n/a' if not math.isfinite(v) else e(f'{v:.4g}')}</td>")
            else:
                cells.append(f"<td>{e(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table class='full'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _kv(rows) -> str:
    return "<table class='kv'><tbody>" + "".join(f"<tr><th scope='row'>{e(k)}</th><td>{v}</td></tr>"
                                                  for k, v in rows) + "</tbody></table>"


# ---------------------------------------------------------------------------------- assumptions
def _policy_params(d: Data) -> dict:
    return {p["name"]: p.get("params", {}) for p in d.resolved.get("policies", []) if isinstance(p, dict)}


def differences(d: Data) -> tuple[dict, dict]:
    """(common, per_policy): parameters that differ from the defaults (Params.differences), the
    ones set the same way in every policy, and per policy the others (name -> value)."""
    from sim.core.params import Params

    diffs = {}
    for name, params in _policy_params(d).items():
        try:
            diffs[name] = Params(**params).differences()
        except Exception:   # a folder from another version: compare field by field
            defaults = Params().to_dict()
            diffs[name] = {k: v for k, v in params.items() if k in defaults and defaults[k] != v}
    if not diffs:
        return {}, {}
    keys = sorted(set().union(*[set(v) for v in diffs.values()]))
    common, per = {}, {p: {} for p in diffs}
    for k in keys:
        vals = [diffs[p].get(k, _MISSING) for p in diffs]
        if all(v is not _MISSING for v in vals) and all(v == vals[0] for v in vals):
            common[k] = vals[0]
        else:
            for p in diffs:
                if k in diffs[p]:
                    per[p][k] = diffs[p][k]
    return common, per


_MISSING = object()


def _param_row(name, value) -> str:
    from sim.core.params import Params

    try:
        spec = Params.spec(name)
        default, unit, doc = spec["default"], spec.get("unit") or "", spec.get("doc") or ""
    except Exception:
        default, unit, doc = "?", "", ""
    return (f"<tr><th scope='row'><code>{e(name)}</code></th><td class='n'>{e(_val(value))}</td>"
            f"<td class='n'>{e(_val(default))}</td><td>{e(unit)}</td><td>{e(doc)}</td></tr>")


def _val(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def assumptions_html(d: Data) -> str:
    from sim.core.params import POLICY_FIELDS

    r, m = d.resolved, d.manifest
    params = _policy_params(d)
    parts = []
    base_params = next(iter(params.values()), {})
    cells = int(base_params.get("width", 0)) * int(base_params.get("height", 0))
    rows = [("baseline policy", e(d.baseline)), ("replicates per policy", e(r.get("replicates"))),
            ("days (steps) per run", e(r.get("steps"))), ("base seed", e(r.get("seed"))),
            ("summary window", e(_window_words(d) or "n/a"))]
    seeds = (m.get("seeds") or {}).get("rule")
    if seeds:
        rows.append(("seeds", e(seeds)))
    if cells and "budget_per_cell" in base_params:
        bpc = {p: v.get("budget_per_cell") for p, v in params.items()}
        vals = set(bpc.values())
        if len(vals) == 1:
            b = float(next(iter(vals)))
            rows.append(("budget", f"{e(_val(b))} officer-days per cell per day = {e(f'{b * cells:g}')} officer-days "
                                   f"per day on the {e(base_params.get('width'))}&times;{e(base_params.get('height'))} "
                                   "grid, for every policy"))
        else:
            rows.append(("budget", "; ".join(f"{e(p)}: {e(_val(v))} officer-days per cell per day" for p, v in bpc.items())))
    bc = m.get("budget_check") or {}
    if bc:
        state = "equal" if bc.get("equal") else "<strong class='bad'>NOT equal</strong>"
        rows.append(("budget check", f"{state}: largest gap in budget spent per day "
                                     f"{100 * float(bc.get('max_relative_gap', 0)):.2g}% (tolerance "
                                     f"{100 * float(bc.get('tolerance', 0)):.2g}%)"))
    if r.get("parameters"):
        rows.append(("swept parameters", "; ".join(e(_factor_words(p)) for p in r["parameters"])
                     + " (these values replace the ones listed below)"))
        design = r.get("design") or {}
        if design:
            rows.append(("design", e(", ".join(f"{k} = {_val(v)}" for k, v in design.items() if v is not None))))
    if r.get("rules"):
        rules = r["rules"]
        rows.append(("rule plug-in", f"<code>{e(rules.get('path'))}</code> (sha256 <code>{e(rules.get('sha256'))}</code>)"
                     if isinstance(rules, dict) else f"<code>{e(rules)}</code>"))
    parts.append(_kv(rows))
    # budget split per policy
    if params:
        fields = [f for f in POLICY_FIELDS if any(f in p for p in params.values())]
        head = "".join(f"<th scope='col'>{e(f.replace('share_', '').replace('_', ' '))}</th>" for f in fields)
        descs = {p.get("name"): p.get("description") or "" for p in r.get("policies", []) if isinstance(p, dict)}
        head += "<th scope='col'>description</th>" if any(descs.values()) else ""
        body = "".join(f"<tr><th scope='row'>{e(p)}</th>" + "".join(f"<td class='n'>{e(_val(v.get(f)))}</td>" for f in fields)
                       + (f"<td>{e(descs.get(p))}</td>" if any(descs.values()) else "") + "</tr>"
                       for p, v in params.items())
        parts.append("<h3>How each policy splits the budget</h3><p class='note'>Shares of the budget (they sum to "
                     "1); proximity is the fraction of officers working in proximity mode.</p>"
                     f"<table class='split'><thead><tr><th scope='col'>policy</th>{head}</tr></thead>"
                     f"<tbody>{body}</tbody></table>")
    common, per = differences(d)
    common = {k: v for k, v in common.items() if k not in POLICY_FIELDS}
    per = {p: {k: v for k, v in ks.items() if k not in POLICY_FIELDS} for p, ks in per.items()}
    head = ("<thead><tr><th scope='col'>parameter</th><th scope='col'>value</th><th scope='col'>default</th>"
            "<th scope='col'>unit</th><th scope='col'>meaning</th></tr></thead>")
    if common:
        parts.append("<h3>Parameters that differ from the defaults (all policies)</h3>"
                     f"<table class='params'>{head}<tbody>{''.join(_param_row(k, v) for k, v in common.items())}"
                     "</tbody></table>")
    elif params:
        parts.append("<p>Apart from the budget split, every parameter has its default value.</p>")
    for p, ks in per.items():
        if ks:
            parts.append(f"<h3>Other parameters of {e(p)}</h3><table class='params'>{head}<tbody>"
                         f"{''.join(_param_row(k, v) for k, v in ks.items())}</tbody></table>")
    ivs = [(p.get("name"), iv) for p in r.get("policies", []) if isinstance(p, dict) for iv in p.get("interventions", [])]
    if ivs:
        items = "".join(f"<li>{e(p)}: {e(_intervention_words(iv))}</li>" for p, iv in ivs)
        parts.append(f"<h3>Interventions during the run</h3><ul>{items}</ul>")
    if r.get("description"):
        parts.insert(0, f"<p class='desc'>{e(r['description'])}</p>")
    return "\n".join(parts)


def _intervention_words(iv) -> str:
    if not isinstance(iv, dict):
        return str(iv)
    bits = []
    if iv.get("set"):
        bits.append("set " + ", ".join(f"{k} = {_val(v)}" for k, v in iv["set"].items()))
    if iv.get("policy"):
        bits.append(f"switch to the {iv['policy']} budget split")
    if iv.get("shock"):
        bits.append("shock " + ", ".join(f"{k} {float(v):+g}" for k, v in iv["shock"].items()))
    return f"from day {iv.get('step')}: " + "; ".join(bits or ["(no change)"])


def provenance_html(d: Data, generated: dict) -> str:
    m = d.manifest
    sessions = m.get("sessions") or []
    if sessions and isinstance(sessions[-1], dict):    # a sweep: the provenance of its last session
        last = sessions[-1]
        m = {**m, "versions": last.get("versions"), "git_commit": last.get("git_commit"),
             "created": last.get("created"), "command": last.get("command"), "scenario_file": m.get("sweep_file"),
             "timings": {"runs": sum(int(x.get("ran", 0)) for x in sessions if isinstance(x, dict)),
                         "wall_time_s": sum(float(x.get("wall_time_s", 0)) for x in sessions if isinstance(x, dict)),
                         "workers": last.get("workers")}}
        if len(sessions) > 1:
            m["command"] = f"{last.get('command')} ({len(sessions)} sessions: the sweep was resumed)"
    v = m.get("versions") or {}
    t = m.get("timings") or {}
    rows = [("results folder", f"<code>{e(d.folder) if d.folder else 'n/a'}</code>"),
            ("scenario file", f"<code>{e(m.get('scenario_file') or 'n/a')}</code>"),
            ("command", f"<code>{e(m.get('command') or 'n/a')}</code>"),
            ("trustsim version (run)", e(v.get("trustsim") or "n/a")),
            ("git commit (run)", f"<code>{e(m.get('git_commit') or 'n/a')}</code>"),
            ("run created", e(m.get("created") or t.get("finished") or "n/a"))]
    if t:
        rows.append(("run time", e(f"{t.get('runs', '?')} runs in {float(t.get('wall_time_s', 0)):.1f} s on "
                                   f"{t.get('workers', '?')} worker(s)")))
    if v:
        rows.append(("software (run)", e(", ".join(f"{k} {val}" for k, val in v.items() if val))))
    gv = generated.get("versions") or {}
    rows += [("report generated", e(generated.get("created"))),
             ("report by", e(f"trustsim {gv.get('trustsim')} at commit {generated.get('git_commit')}, matplotlib "
                             f"{gv.get('matplotlib')}"))]
    return _kv(rows)


# ---------------------------------------------------------------------------------- page
CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; --good: #005a8c; --bad: #a33a00; --bg-note: #f4f4f4; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
       color: var(--ink); max-width: 900px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; border-bottom: 2px solid var(--ink); padding-bottom: .15rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.sub { color: var(--muted); margin: 0 0 1rem; }
.desc { font-style: italic; }
.headline { font-size: 1.08rem; background: var(--bg-note); border-left: 5px solid var(--ink); padding: .8rem 1rem; }
.headline p { margin: .35rem 0; }
.warning { border: 2px solid var(--bad); background: #fff3ec; padding: .6rem .9rem; margin: .8rem 0; }
.note, .caption { color: var(--muted); font-size: .92rem; }
figure { margin: 1.2rem 0 1.6rem; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; width: 100%; height: auto; margin: 0 auto; }
figcaption { font-size: .93rem; color: var(--muted); margin-top: .35rem; }
figcaption b { color: var(--ink); }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .92rem; }
th, td { text-align: left; padding: .28rem .5rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); font-weight: 600; }
td.n { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.p, table.full td:first-child { white-space: nowrap; }
table.summary tr.first td, table.summary tr.first th { border-top: 1.5px solid #888; }
table.summary th[scope=rowgroup] { font-weight: 600; width: 24%; }
.unit { font-weight: normal; color: var(--muted); font-size: .85rem; }
.ci { color: var(--muted); font-size: .88em; }
td.good { color: var(--good); font-weight: 600; }
td.bad, .bad { color: var(--bad); font-weight: 600; }
td.noise { color: var(--muted); }
td.good, td.bad, td.noise { white-space: nowrap; }
table.kv th { width: 28%; font-weight: 600; }
table.full { font-size: .78rem; }
table.full td, table.full th { padding: .12rem .3rem; }
code { font-size: .88em; word-break: break-all; }
ul.costs li { margin: .25rem 0; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--rule); padding-top: .5rem; }
@media print {
  @page { size: A4; margin: 14mm 13mm 16mm; }
  html { font-size: 10pt; }
  body { font-size: 1rem; max-width: none; padding: 0; }
  h1 { font-size: 17pt; } h2 { font-size: 13pt; margin-top: 1.2rem; break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  .headline { background: none; border-left: 3pt solid #000; }
  figure img { max-height: 235mm; width: auto; max-width: 100%; }
  table.full td:first-child, table.summary td:nth-child(2) { white-space: nowrap; }
  tr, .headline, .warning { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  section.appendix { break-before: page; page-break-before: always; }
  td.good, td.bad, .bad { color: #000; }
  a { color: inherit; text-decoration: none; }
}
"""

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="$generator">
<link rel="icon" href="data:,">
<title>$title</title>
<style>$css</style>
</head>
<body>
<header>
<h1>$title</h1>
<p class="sub">$subtitle</p>
</header>
$warnings
<section id="headline">
<h2>What the simulation found</h2>
<div class="headline">$headline</div>
<p class="note">$reading</p>
</section>
$sections
<footer>$footer</footer>
</body>
</html>
""")

READING = ("How to read this: each policy was run several times (replicates) on the same simulated populations. "
           "An interval is the range that contains the true average with 95% confidence. A difference is "
           "<em>clear</em> when its whole interval is on one side of zero; when the interval includes zero the "
           "difference is <em>within noise</em> and no winner is claimed. This is a simulation: it shows what "
           "follows from its assumptions (listed below), not a forecast.")


def figure_html(fig, caption: str, title: str, dpi: int = plots.DPI) -> str:
    """A figure as an <img> with a PNG data URL, sized in CSS pixels as designed, and a caption."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=plots.metadata("png"))
    w_in, h_in = fig.get_size_inches()
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    w, h = round(w_in * 96), round(h_in * 96)
    return (f"<figure><img src=\"data:image/png;base64,{data}\" width=\"{w}\" height=\"{h}\" alt=\"{e(title)}. "
            f"{e(caption)}\"><figcaption><b>{e(title)}.</b> {e(caption)}</figcaption></figure>")


FIGURE_TITLES = {
    "timeseries": "Trust and safety over time",
    "timeseries_more": "Enforcement, officers and cost over time",
    "forest": "Difference to the baseline, with 95% intervals",
    "costs": "What each policy costs",
    "maps": "Where trust and incidents are (one run per policy)",
    "sweep_heatmap": "The policy difference over the two swept parameters",
    "sweep_lines": "The results against the swept parameter",
    "sensitivity": "Which assumptions matter most",
}


def build_html(results, figures: dict | None = None) -> str:
    """The whole page as a string (``figures``: name -> (Figure, caption); default: all)."""
    from sim.storage.provenance import provenance

    d = as_data(results)
    figs = plots.figures(d) if figures is None else figures
    generated = provenance()
    r = d.resolved
    if d.summary is not None:
        title = f"{d.name}: policy comparison"
    elif d.indices is not None:
        title = f"{d.name}: sensitivity analysis"
    elif d.is_sweep:
        title = f"{d.name}: parameter sweep"
    else:
        title = f"{d.name}: simulation results"
    sub = []
    if d.is_sweep and d.summary is None:
        runs = d.manifest.get("runs") or {}
        sub.append(f"{e(r.get('n_points') or '?')} design points &middot; {len(d.policies)} policies &middot; "
                   f"{e(r.get('replicates'))} replicates &middot; {e(r.get('steps'))} days &middot; "
                   f"{e(runs.get('ok', '?'))} of {e(runs.get('total', '?'))} runs ok")
    elif r.get("steps"):
        sub.append(f"{len(d.policies)} policies &middot; {e(r.get('replicates'))} replicates &middot; "
                   f"{e(r.get('steps'))} days &middot; baseline {e(d.baseline)}")
    sub.append(f"generated {e(generated['created'])}")
    notes = list(d.manifest.get("warnings", []) or [])
    runs = d.manifest.get("runs") if isinstance(d.manifest.get("runs"), dict) else {}
    if runs.get("failed"):
        notes.append(f"{runs['failed']} of {runs.get('total')} runs failed and are left out (see failed.csv)")
    if runs.get("missing"):
        notes.append(f"{runs['missing']} of {runs.get('total')} runs have not run yet: run the same sweep command "
                     "again to finish it")
    warnings = "".join(f"<div class='warning' role='alert'><strong>Warning:</strong> {e(w)}</div>" for w in notes)
    head = "".join(f"<p>{e(' '.join(par))}</p>" for par in headline_paragraphs(d))

    sections = []

    def fig(name):
        if name in figs:
            f, cap = figs[name]
            return figure_html(f, cap, FIGURE_TITLES.get(name, name))
        return ""

    if d.summary is not None and not d.summary.empty:
        sections.append("<section id='summary'><h2>Summary table</h2><p class='note'>Means over "
                        f"{e(_window_words(d) or 'the summary window')} (totals: whole run), across replicates, with 95% "
                        "intervals. The difference to the baseline is paired by replicate. &#9650; clearly better, "
                        "&#9660; clearly worse, <em>within noise</em>: the interval includes zero.</p>"
                        f"{summary_table(d)}</section>")
    charts = "".join(fig(n) for n in ("timeseries", "forest", "timeseries_more", "maps"))
    if charts:
        sections.append(f"<section id='charts'><h2>Charts</h2>{charts}</section>")
    cost_words = cost_sentences(d)
    if "costs" in figs or cost_words:
        items = "".join(f"<li>{e(s)}</li>" for s in cost_words)
        sections.append("<section id='costs'><h2>Costs</h2><p>Costs are in officer-days: 1 is the cost of one officer "
                        "for one day. Public cost is policing, programmes and jail; the social cost of incidents is "
                        "counted in the total but not in the cost per incident averted (it is what is averted)."
                        f"</p>{fig('costs')}"
                        + (f"<h3>Cost per incident averted, compared with {e(d.baseline)}</h3><ul class='costs'>{items}</ul>"
                           if items else "") + "</section>")
    sweep = "".join(fig(n) for n in ("sweep_heatmap", "sweep_lines"))
    if sweep:
        sections.append(f"<section id='sweep'><h2>How the results change with the swept parameters</h2>{sweep}"
                        "</section>")
    if "sensitivity" in figs:
        sections.append(f"<section id='sensitivity'><h2>Which assumptions matter most</h2>{fig('sensitivity')}"
                        "</section>")
    if r:
        sections.append(f"<section id='assumptions'><h2>Assumptions</h2>{assumptions_html(d)}</section>")
    sections.append(f"<section id='provenance'><h2>Provenance</h2>{provenance_html(d, generated)}</section>")
    if d.summary is not None and not d.summary.empty:
        sections.append("<section id='appendix' class='appendix'><h2>Appendix: the full summary</h2><p class='note'>"
                        "Every row of <code>summary.csv</code> (sd: standard deviation across replicates; n: "
                        f"replicates with a value).</p>{full_table(d)}</section>")
    gv = generated.get("versions") or {}
    return PAGE.substitute(
        title=e(title), subtitle=" &middot; ".join(sub), css=CSS, warnings=warnings, headline=head, reading=READING,
        sections="\n".join(sections), generator=e(f"trustsim {gv.get('trustsim')} ({generated.get('git_commit')})"),
        footer=f"trustsim {e(gv.get('trustsim'))} &middot; commit <code>{e(generated.get('git_commit'))}</code> "
               f"&middot; {e(generated.get('created'))}")


def write_report(results, fmt: str = "html", out=None) -> Path:
    """Write the report of ``results`` (a results folder, or a results object such as
    :class:`sim.run.experiment.Results`) to ``out`` (default: ``<folder>/report.html`` or
    ``report.pdf``; an object that was never saved needs ``out``). Returns the path."""
    if fmt not in ("html", "pdf"):
        raise UserError(f"--format: expected html or pdf, got {fmt!r}")
    d = plots.load(results) if isinstance(results, (str, Path)) else as_data(results)
    if out is None:
        if d.folder is None:
            raise UserError("report: these results were not saved; pass out= (a file path) or save them first")
        out = d.folder / f"report.{fmt}"
    path = Path(out)
    if path.parent and not path.parent.is_dir():
        raise UserError(f"--out {path}: the folder {path.parent} does not exist")
    page = build_html(d)
    if fmt == "html":
        path.write_text(page, encoding="utf-8")
    else:
        html_to_pdf(page, path)
    return path


def html_to_pdf(page: str, path: Path) -> None:
    """Print ``page`` to PDF with headless Chromium (Playwright's Python package, no download)."""
    exe = os.environ.get("TRUSTSIM_CHROMIUM", CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise UserError("--format pdf: needs the playwright Python package (pip install playwright) and Chromium; "
                        "or write the HTML report and print it from a browser") from None
    if not Path(exe).is_file():
        raise UserError(f"--format pdf: needs Chromium at {exe} (install Debian's chromium or set TRUSTSIM_CHROMIUM); "
                        "or write the HTML report and print it from a browser")
    import tempfile

    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(page, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            try:
                pg = browser.new_page()
                pg.goto(src.as_uri(), wait_until="load")
                pg.emulate_media(media="print")
                pg.pdf(path=str(path), format="A4", print_background=True, prefer_css_page_size=True)
            finally:
                browser.close()
