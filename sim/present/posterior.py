"""Decisions under uncertainty in words and tables: the probabilities of a comparison over posterior draws.

The numbers come from ``probabilities.csv`` (:mod:`sim.results.posterior`); here they become

- :func:`probability_sentence`: one plain sentence per measure for the bottom line, e.g. "In 83% of the
  plausible worlds (40 posterior draws) proximity lowered the incident rate more than reactive, at the
  same budget; by at least the 10% of the baseline's value that matters in 70%; expected difference
  -0.64 per 1,000 citizens per day (90% of worlds -0.9 to -0.2).";
- :func:`posterior_how_sure`: how many worlds and replicates, where the posterior came from, and how
  precise a share of N worlds is;
- :func:`probability_table`: the compact table ``trustsim compare --posterior`` prints;
- :func:`probability_html`: the same table for the report;
- :func:`discovery_html`: where each policy wins, as ``trustsim discover DIR`` found it with PRIM
  (``discovery.csv``, :mod:`sim.analysis.discover`), in plain words under the table: rules with their
  coverage and density, or one line when the worlds are too few for PRIM.

The policy a sentence is about is the non-baseline policy that beats the baseline in the most worlds
(ties: the larger expected gain). Numbers are formatted like the rest of the report
(:func:`sim.present.numbers.measure_format`, the measure's display unit and practical threshold).
"""

from __future__ import annotations

import html
import math

from sim.analysis.discover import MIN_CASES, too_few_line
from sim.core.measures import measure_info
from sim.present.labels import and_, better_words, budget_equal
from sim.present.numbers import MeasureFormat, measure_format

SHOWN = ("trust_mean", "tension", "incident_rate", "cost_total")   # the printed table's measures (as tables.py)
Z90 = 1.645                     # a share of N worlds is known to about +-Z90 * sqrt(p(1-p)/N) (90%)
FEW_DRAWS = 20                  # below this, the probabilities are a first look


def posterior_of(d) -> dict:
    """The manifest's ``posterior`` entry ({} for an ordinary comparison)."""
    p = (getattr(d, "manifest", None) or {}).get("posterior")
    return p if isinstance(p, dict) else {}


def has_probabilities(d) -> bool:
    """Whether ``d`` (results or :class:`sim.present.data.Data`) holds a probabilities table."""
    probs = getattr(d, "probabilities", None)
    return probs is not None and len(probs) > 0


def pct(p) -> str:
    """'83%', '<1%' and '>99%' (never a rounded 0% or 100% that is not exact), 'n/a'."""
    if p is None or not math.isfinite(float(p)):
        return "n/a"
    p = float(p)
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 < p < 1:
        return ">99%"
    return f"{100 * p:.0f}%"


def _rows(d, measure: str) -> dict:
    probs = d.probabilities
    sel = probs[probs["measure"] == measure]
    return {str(r["policy"]): r for _, r in sel.iterrows()}


def _format(d, measure: str) -> MeasureFormat:
    """The measure's formatter from the summary (levels over every run), else a plain one."""
    s = getattr(d, "summary", None)
    if s is not None and len(s) and "measure" in s:
        rows = s[s["measure"] == measure].drop_duplicates("policy").set_index("policy")
        if len(rows) and "ci_low" in rows:
            return measure_format(measure, rows, d.baseline)
    return MeasureFormat(measure, [], [], baseline=math.nan)   # (None would fail in matter_decimals for relative thresholds)


def _diff_words(mf: MeasureFormat, row) -> str:
    """'+0.05 (90% of worlds ...)'; 'worse on average' when the mean goes against the policy (it wins in most
    worlds but loses more in the others)."""
    span = mf.diff_ci(row["diff_p05"], row["diff_p95"])
    against = mf.info.better * _num(row["diff_mean"]) < 0
    return (f"{mf.diff(row['diff_mean'])}{mf.diff_unit}" + (", worse on average" if against else "")
            + (f" (90% of worlds {span})" if span else ""))


def _budget_words(d) -> str:
    return ", at the same budget" if budget_equal((d.manifest or {}).get("budget_check")) else \
        " (the budgets were not equal: see the warnings)"


def probability_sentence(d, measure: str) -> str | None:
    """One sentence on ``measure`` (module doc); None when the table does not have it."""
    rows = _rows(d, measure)
    base, mi = d.baseline, measure_info(measure)
    others = [p for p in d.policies if p in rows and p != base]
    if base not in rows or not others or mi.better == 0:
        return None
    n = int(rows[base]["draws"])
    top = max(others, key=lambda p: (_num(rows[p]["p_beats"]), mi.better * _num(rows[p]["diff_mean"])))
    r, mf = rows[top], _format(d, measure)
    verb = "raised" if mi.better > 0 else "lowered"
    worlds = f"{n} posterior draw{'s' if n != 1 else ''}"
    if _num(r["p_beats"]) <= 0:
        return (f"In none of the {n} plausible worlds ({worlds}) did another policy {'raise' if mi.better > 0 else 'lower'} "
                f"the {mi.label} more than {base}{_budget_words(d)}; {_best_words(d, rows)}.")
    text = f"In {pct(r['p_beats'])} of the plausible worlds ({worlds}) {top} {verb} the {mi.label} more than {base}{_budget_words(d)}"
    threshold = mf.threshold_words()
    if math.isfinite(_num(r["p_beats_practical"], math.nan)) and threshold:
        text += f"; by at least the {threshold} that matters in {pct(r['p_beats_practical'])}"
    text += f"; expected difference {_diff_words(mf, r)}"
    if len(d.policies) > 2:
        text += f"; {_best_words(d, rows)}"
    return text + "."


def _num(x, default: float = 0.0) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return default
    return x if math.isfinite(x) else default


def _best_words(d, rows: dict) -> str:
    """'proximity was the best of the 4 policies in 60% of them (mixed 30%, ...)'."""
    ranked = sorted((p for p in d.policies if p in rows), key=lambda p: -_num(rows[p]["p_best"]))
    lead, rest = ranked[0], [p for p in ranked[1:] if _num(rows[p]["p_best"]) > 0]
    extra = f" ({', '.join(f'{p} {pct(rows[p]['p_best'])}' for p in rest)})" if rest else ""
    return f"{lead} was the best of the {len(ranked)} policies in {pct(rows[lead]['p_best'])} of the worlds{extra}"


def posterior_how_sure(d) -> str:
    """Worlds, replicates, the posterior's source, and how precise a share of N worlds is."""
    post = posterior_of(d)
    n = int(post.get("draws") or 0)
    reps = post.get("replicates_per_draw")
    source = "the shipped posterior" if post.get("shipped") else f"the posterior in {post.get('source')}"
    made = f" (made by `{post['command']}`)" if post.get("command") else ""
    half = 100 * Z90 * math.sqrt(0.25 / n) if n else math.nan
    text = (f"How sure: {n} plausible worlds drawn by weight from {source}{made}, {reps} replicate"
            f"{'s' if reps != 1 else ''} of each policy per world (same populations under every policy), replicates "
            f"averaged within a world; a share of {n} worlds is known to about +-{half:.0f} points")
    if n < FEW_DRAWS:
        text += f", so with fewer than {FEW_DRAWS} draws treat the probabilities as a first look (--posterior 40)"
    return text + "."


def probability_table(res) -> str:
    """The compact printed table: per shown measure and policy, P(best), P(beats the baseline),
    P(beats it by at least the practical threshold), and the expected difference [5th, 95th percentile]."""
    post, base = posterior_of(res), res.baseline
    n = post.get("draws", "?")
    lines = ["", f"Over {n} plausible worlds (posterior draws of {post.get('source')}, {post.get('replicates_per_draw')} "
                 "replicates each, averaged within a world):",
             f"P(best): share of worlds where the policy is the best of all; P(beats): where it beats {base!r}; "
             "P(matters): where it beats it by at least the measure's practical threshold; difference to "
             f"{base!r}: mean over worlds [5th, 95th percentile]."]
    width = max(len(p) for p in [*res.policies, "policy"]) + 2
    for measure in SHOWN:
        rows = _rows(res, measure)
        if base not in rows:
            continue
        mi, mf = measure_info(measure), _format(res, measure)
        threshold = mf.threshold_words()
        lines += ["", f"{mi.short}: {better_words(measure)}" + (f"; matters: {threshold}" if threshold else ""),
                  f"  {'policy':<{width}}{'P(best)':>8}{'P(beats)':>10}{'P(matters)':>12}  difference [90% of worlds]"]
        for p in res.policies:
            if p not in rows:
                continue
            r = rows[p]
            if p == base:
                cells, diff = ("-", "-"), "(baseline)"
            else:
                cells = (pct(r["p_beats"]), pct(r["p_beats_practical"]))
                span = mf.diff_ci(r["diff_p05"], r["diff_p95"], sep=", ")
                diff = f"{mf.diff(r['diff_mean'])}" + (f" [{span}]" if span else "")
            lines.append(f"  {p:<{width}}{pct(r['p_best']):>8}{cells[0]:>10}{cells[1]:>12}  {diff}")
    return "\n".join(lines)


def probability_html(d) -> str:
    """The report's table of the probabilities (HTML, escaped), the measures of :data:`SHOWN`."""
    e = lambda x: html.escape(str(x))
    base, head = d.baseline, ("policy", "P(best)", f"P(beats {d.baseline})", "P(beats by what matters)",
                              "expected difference", "90% of worlds")
    body = []
    for measure in SHOWN:
        rows = _rows(d, measure)
        if base not in rows:
            continue
        mf = _format(d, measure)
        body.append(f"<tr><th colspan='6' scope='colgroup'>{e(measure_info(measure).label)} "
                    f"({e(better_words(measure))})</th></tr>")
        for p in [q for q in d.policies if q in rows]:
            r = rows[p]
            cells = ["-", "-", "(baseline)", ""] if p == base else [
                pct(r["p_beats"]), pct(r["p_beats_practical"]), f"{mf.diff(r['diff_mean'])}{mf.diff_unit}",
                mf.diff_ci(r["diff_p05"], r["diff_p95"])]
            body.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in [p, pct(r["p_best"]), *cells]) + "</tr>")
    post = posterior_of(d)
    caption = (f"Across {e(post.get('draws'))} plausible worlds (posterior draws), replicates averaged within a world; "
               f"policies compared: {e(and_(d.policies))}")
    return (f"<table><caption>{caption}</caption><thead><tr>" + "".join(f"<th scope='col'>{e(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>")


CRITERION_WORDS = {"matters": "by at least the measure's practical threshold",
                   "mean": "by any amount (mean difference on the better side of zero)",
                   "clear": "with a 95% interval across replicates that excludes zero"}


def discovery_html(d, kind: str = "posterior") -> str:
    """Where each policy beats the baseline, from ``d.discovery`` (``trustsim discover DIR``), as HTML:
    a heading, what counts as a win, then one sentence per policy and measure (or one line when there
    were fewer than :data:`sim.analysis.discover.MIN_CASES` cases). ``kind``: ``"posterior"`` (the
    plausible worlds of this comparison) or ``"sweep"``; rows of the other kind are not shown. A table
    made from other draws than the folder's (its case count differs) is not shown either: a note says
    to run ``trustsim discover`` again. Empty when there is nothing to show."""
    table = getattr(d, "discovery", None)
    if table is None or not len(table):
        return ""
    rows = table[table["kind"].astype(str) == kind] if "kind" in table.columns else \
        (table if kind == "sweep" else table.iloc[0:0])
    if not len(rows):
        return ""
    e = lambda x: html.escape(str(x))
    cases = int(rows["cases"].max())
    if kind == "posterior":
        head = "<h3>In which plausible worlds each policy wins (scenario discovery)</h3>"
        expected = int(posterior_of(d).get("draws") or 0)
        if expected and cases != expected:
            return (f"{head}<p class='note'>discovery.csv describes {cases} worlds, not the {expected} of this "
                    "comparison: run <code>trustsim discover</code> on this folder again.</p>")
    else:
        head = "<h3>Where in the swept space each policy wins (scenario discovery)</h3>"
    if cases < MIN_CASES:
        return f"{head}<p>{e(too_few_line(kind, cases, d.baseline))}</p>"
    criterion = str(rows["criterion"].iloc[0]) if "criterion" in rows.columns else "mean"
    note = (f"<p class='note'>Found by <code>trustsim discover</code> with PRIM (EMA Workbench) over the "
            f"{cases} {'worlds and their parameter values' if kind == 'posterior' else 'design points'}: a "
            f"{'world' if kind == 'posterior' else 'point'} counts as a win when the policy beats "
            f"{e(d.baseline)} there {e(CRITERION_WORDS.get(criterion, criterion))}. Density: share of wins "
            "inside the region; coverage: share of all the wins that fall in it.</p>")
    items = "".join(f"<li>{e(t)}</li>" for t in rows["sentence"].astype(str))
    return f"{head}{note}<ul class='discovery'>{items}</ul>"
