"""The HTML pieces of the report: the summary tables, the assumptions and the provenance.

Every string that comes from a scenario file or a manifest (names, descriptions, parameter
values, commands) goes through :func:`e` (HTML-escaped, quotes too)."""

from __future__ import annotations

import html
import math

import pandas as pd

from sim.core.params import POLICY_FIELDS, Params
from sim.errors import safe_text
from sim.present.data import Data
from sim.present.labels import better_words, budget_equal, budget_gap, window_words
from sim.present.numbers import measure_format, num, plain
from sim.present.prose import rows_of, verdict
from sim.present.sweep_prose import factor_words

TABLE_MEASURES = ("trust_mean", "trust_p10", "tension", "incident_rate", "reported_share", "active_fraction",
                  "officer_stress", "cost_total", "incidents_cumulative", "cost_cumulative")


def e(x) -> str:
    """HTML-escape anything (quotes too), after escaping control and bidirectional characters
    (:func:`sim.errors.safe_text`), so no text can reorder what a reader sees."""
    return html.escape(safe_text("" if x is None else x), quote=True)


def summary_table(d: Data, measures=TABLE_MEASURES) -> str:
    s, base = d.summary, d.baseline
    if s is None or s.empty:
        return ""
    head = (f"<thead><tr><th scope='col'>measure</th><th scope='col'>policy</th><th scope='col'>mean "
            f"<span class='ci'>[95% CI]</span></th><th scope='col'>difference vs {e(base)} "
            f"<span class='ci'>[95% CI]</span></th><th scope='col'>reading</th></tr></thead>")
    body = [_measure_rows(d, m, rows) for m in measures if not (rows := rows_of(s, m, d.policies)).empty]
    return f"<table class='summary'>{head}<tbody>{''.join(body)}</tbody></table>"


VERDICT_CLASS = {"clearly better": "good", "clearly worse": "bad", "within noise": "noise", "negligible": "noise"}
VERDICT_MARK = {"clearly better": "&#9650; ", "clearly worse": "&#9660; "}


def _measure_rows(d: Data, m: str, rows) -> str:
    """The rows of one measure: level and difference at the measure's precision, the reading."""
    base = d.baseline
    mf = measure_format(m, rows, base)
    base_mean = float(rows.loc[base, "mean"]) if base in rows.index else None
    hint = better_words(m)
    label_cell = (f"<th scope='rowgroup' rowspan='{len(rows)}'>{e(mf.info.label)}<br><span class='unit'>{e(mf.unit)}"
                  f"{'; ' + hint if hint else ''}</span></th>")
    out = []
    for i, (p, r) in enumerate(rows.iterrows()):
        shown, ci = mf.level_cell(r["mean"], r["ci_low"], r["ci_high"])
        lvl = shown + (f" <span class='ci'>[{ci}]</span>" if ci else "")
        v = verdict({**r.to_dict(), "policy": p}, m, base, base_mean)
        if p == base:
            diff = "&mdash;"
        else:
            dci = mf.diff_ci(r["diff_ci_low"], r["diff_ci_high"], ", ")
            diff = f"{mf.diff(r['diff_mean'])}" + (f" <span class='ci'>[{dci}]</span>" if dci else "")
        out.append(f"<tr{' class=first' if i == 0 else ''}>{label_cell if i == 0 else ''}<td class='p'>{e(p)}</td>"
                   f"<td class='n'>{lvl}</td><td class='n'>{diff}</td><td class='{VERDICT_CLASS.get(v, '')}'>"
                   f"{VERDICT_MARK.get(v, '')}{e(v)}</td></tr>")
    return "".join(out)


def full_table(d: Data) -> str:
    """Every row of summary.csv, formatted like the summary table (no scientific notation; shares
    in % or per 1,000), the cost per incident averted only where incidents were clearly averted."""
    s = d.summary
    if s is None or s.empty:
        return ""
    head = ("<thead><tr><th scope='col'>measure</th><th scope='col'>policy</th><th scope='col'>days</th>"
            "<th scope='col'>mean [95% CI]</th><th scope='col'>sd</th><th scope='col'>n</th>"
            f"<th scope='col'>difference vs {e(d.baseline)} [95% CI]</th></tr></thead>")
    body = []
    for m in pd.unique(s["measure"]):
        rows = rows_of(s, m, d.policies)
        if rows.empty:
            continue
        mf = measure_format(m, rows, d.baseline)
        for p, r in rows.iterrows():
            body.append(_full_row(d, m, mf, p, r))
    return f"<table class='full'>{head}<tbody>{''.join(body)}</tbody></table>"


def _full_row(d: Data, m: str, mf, p, r) -> str:
    unit = f" <span class='unit'>({e(mf.unit)})</span>" if mf.unit else ""
    cells = [f"<td>{e(mf.info.short)}{unit}</td>", f"<td class='p'>{e(p)}</td>", f"<td class='n'>{e(r.get('window'))}</td>"]
    if m == "cost_per_incident_averted" and (p == d.baseline or not _clearly_averted(d, p)):
        cells.append("<td colspan='4' class='noise'>" + ("&mdash; (the baseline)" if p == d.baseline else
                                                         "not given: no clear reduction in incidents") + "</td>")
        return "<tr>" + "".join(cells) + "</tr>"
    shown, ci = mf.level_cell(r["mean"], r["ci_low"], r["ci_high"])
    sd = float(r["sd"]) * mf.scale if "sd" in r and math.isfinite(float(r["sd"])) else math.nan
    dci = mf.diff_ci(r["diff_ci_low"], r["diff_ci_high"], ", ") if "diff_ci_low" in r else ""
    diff = "&mdash;" if p == d.baseline else (f"{mf.diff(r['diff_mean'])}" + (f" [{dci}]" if dci else ""))
    n = r.get("n")
    cells += [f"<td class='n'>{shown}{' [' + ci + ']' if ci else ''}</td>",
              f"<td class='n'>{num(sd, mf.d_level)}</td>",
              f"<td class='n'>{'n/a' if n is None or not math.isfinite(float(n)) else int(n)}</td>",
              f"<td class='n'>{diff}</td>"]
    return "<tr>" + "".join(cells) + "</tr>"


def _clearly_averted(d: Data, policy: str) -> bool:
    r = d.summary[(d.summary.policy == policy) & (d.summary.measure == "incidents_cumulative")]
    return bool(len(r)) and math.isfinite(float(r["diff_ci_high"].iloc[0])) and float(r["diff_ci_high"].iloc[0]) < 0


def kv(rows) -> str:
    return "<table class='kv'><tbody>" + "".join(f"<tr><th scope='row'>{e(k)}</th><td>{v}</td></tr>"
                                                  for k, v in rows) + "</tbody></table>"


def policy_params(d: Data) -> dict:
    return {p["name"]: p.get("params", {}) for p in d.resolved.get("policies", []) if isinstance(p, dict)}


def differences(d: Data) -> tuple[dict, dict]:
    """(common, per_policy): parameters that differ from the defaults (Params.differences), the
    ones set the same way in every policy, and per policy the others (name -> value)."""
    diffs = {}
    for name, params in policy_params(d).items():
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
    try:
        spec = Params.spec(name)
        default, unit, doc = spec["default"], spec.get("unit") or "", spec.get("doc") or ""
    except Exception:
        default, unit, doc = "?", "", ""
    return (f"<tr><th scope='row'><code>{e(name)}</code></th><td class='n'>{e(plain(value))}</td>"
            f"<td class='n'>{e(plain(default))}</td><td>{e(unit)}</td><td>{e(doc)}</td></tr>")


def assumptions_html(d: Data) -> str:
    """The set-up, the budget split per policy, the parameters that differ from the defaults and the
    interventions."""
    r = d.resolved
    params = policy_params(d)
    parts = [kv(_setting_rows(d, params))]
    if params:
        parts.append(_budget_split_html(d, params))
    parts += _parameter_tables(d, params)
    ivs = [(p.get("name"), iv) for p in r.get("policies", []) if isinstance(p, dict) for iv in p.get("interventions", [])]
    if ivs:
        items = "".join(f"<li>{e(p)}: {e(intervention_words(iv))}</li>" for p, iv in ivs)
        parts.append(f"<h3>Interventions during the run</h3><ul>{items}</ul>")
    if r.get("description"):
        parts.insert(0, f"<p class='desc'>{e(r['description'])}</p>")
    return "\n".join(parts)


def _setting_rows(d: Data, params: dict) -> list[tuple[str, str]]:
    """(name, HTML) rows: baseline, replicates, steps, seeds, window, budget and its check, sweep, rules."""
    r, m = d.resolved, d.manifest
    base_params = next(iter(params.values()), {})
    rows = [("baseline policy", e(d.baseline)), ("replicates per policy", e(r.get("replicates"))),
            ("days (steps) per run", e(r.get("steps"))), ("base seed", e(r.get("seed"))),
            ("summary window", e(window_words(d) or "n/a"))]
    seeds = (m.get("seeds") or {}).get("rule")
    if seeds:
        rows.append(("seeds", e(seeds)))
    budget = _budget_words(params, base_params)
    if budget:
        rows.append(("budget", budget))
    bc = m.get("budget_check") or {}
    if bc:
        state = "equal" if budget_equal(bc) else "<strong class='bad'>NOT equal</strong>"
        rows.append(("budget check", f"{state}: {e(budget_gap(bc))} (budget spent per day)"))
    if r.get("parameters"):
        rows.append(("swept parameters", "; ".join(e(factor_words(p)) for p in r["parameters"])
                     + " (these values replace the ones listed below)"))
        design = r.get("design") or {}
        if design:
            rows.append(("design", e(", ".join(f"{k} = {plain(v)}" for k, v in design.items() if v is not None))))
    if r.get("rules"):
        rules = r["rules"]
        rows.append(("rule plug-in", f"<code>{e(rules.get('path'))}</code> (sha256 <code>{e(rules.get('sha256'))}</code>)"
                     if isinstance(rules, dict) else f"<code>{e(rules)}</code>"))
    return rows


def _budget_words(params: dict, base_params: dict) -> str:
    cells = int(base_params.get("width", 0)) * int(base_params.get("height", 0))
    if not (cells and "budget_per_cell" in base_params):
        return ""
    bpc = {p: v.get("budget_per_cell") for p, v in params.items()}
    vals = set(bpc.values())
    if len(vals) > 1:
        return "; ".join(f"{e(p)}: {e(plain(v))} officer-days per cell per day" for p, v in bpc.items())
    b = float(next(iter(vals)))
    return (f"{e(plain(b))} officer-days per cell per day = {e(f'{b * cells:g}')} officer-days per day on the "
            f"{e(base_params.get('width'))}&times;{e(base_params.get('height'))} grid, for every policy")


def _budget_split_html(d: Data, params: dict) -> str:
    """The budget shares (:data:`sim.core.params.POLICY_FIELDS`) of each policy."""
    fields = [f for f in POLICY_FIELDS if any(f in p for p in params.values())]
    head = "".join(f"<th scope='col'>{e(f.replace('share_', '').replace('_', ' '))}</th>" for f in fields)
    descs = {p.get("name"): p.get("description") or "" for p in d.resolved.get("policies", []) if isinstance(p, dict)}
    head += "<th scope='col'>description</th>" if any(descs.values()) else ""
    body = "".join(f"<tr><th scope='row'>{e(p)}</th>" + "".join(f"<td class='n'>{e(plain(v.get(f)))}</td>" for f in fields)
                   + (f"<td>{e(descs.get(p))}</td>" if any(descs.values()) else "") + "</tr>"
                   for p, v in params.items())
    return ("<h3>How each policy splits the budget</h3><p class='note'>Shares of the budget (they sum to "
            "1); proximity is the fraction of officers working in proximity mode.</p>"
            f"<table class='split'><thead><tr><th scope='col'>policy</th>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _parameter_tables(d: Data, params: dict) -> list[str]:
    """Tables of the parameters that differ from the defaults: common to all policies, then per policy."""
    common, per = differences(d)
    common = {k: v for k, v in common.items() if k not in POLICY_FIELDS}
    per = {p: {k: v for k, v in ks.items() if k not in POLICY_FIELDS} for p, ks in per.items()}
    head = ("<thead><tr><th scope='col'>parameter</th><th scope='col'>value</th><th scope='col'>default</th>"
            "<th scope='col'>unit</th><th scope='col'>meaning</th></tr></thead>")
    parts = []
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
    return parts


def intervention_words(iv) -> str:
    if not isinstance(iv, dict):
        return str(iv)
    bits = []
    if iv.get("set"):
        bits.append("set " + ", ".join(f"{k} = {plain(v)}" for k, v in iv["set"].items()))
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
    return kv(rows)
