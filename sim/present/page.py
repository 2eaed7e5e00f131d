"""The report page: one self-contained HTML document (template, styles, embedded figures).

The figures are PNG images embedded as ``data:`` URLs and the styles are inline. A
Content-Security-Policy forbids any other source, so opening the page from a file makes no
request to any host. Printing: a print stylesheet (A4, figures and table rows kept whole)."""

from __future__ import annotations

import base64
import io
from string import Template

from sim.present.bottom_line import FEW_REPLICATES, bottom_line
from sim.present.charts.style import DPI
from sim.present.data import Data, as_data
from sim.present.labels import window_words
from sim.present.plots import figures as all_figures
from sim.present.plots import metadata
from sim.present.posterior import discovery_html, has_probabilities, posterior_of, probability_html
from sim.present.prose import cost_sentences, headline_paragraphs
from sim.present.sections import assumptions_html, e, full_table, provenance_html, summary_table
from sim.storage.provenance import provenance

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
.bottom { font-size: 1.06rem; background: var(--bg-note); border-left: 5px solid var(--ink); margin: 0;
          padding: .7rem 1rem .7rem 2.1rem; }
.bottom li { margin: .3rem 0; }
.wide { overflow-x: auto; max-width: 100%; }
details { margin: .8rem 0; }
details > summary { cursor: pointer; font-weight: 600; padding: .3rem 0; }
details.section > summary { font-size: 1.15rem; border-bottom: 1px solid var(--rule); }
img { max-width: 100%; }
@media (max-width: 640px) {
  body { padding: 1rem .75rem 2rem; font-size: 15px; }
  h1 { font-size: 1.35rem; }
  .bottom { padding-left: 1.6rem; font-size: 1rem; }
  table { font-size: .8rem; }
  table.summary th[scope=rowgroup] { width: auto; }
  th, td { padding: .22rem .3rem; }
  td.n, td.p, td.good, td.bad, td.noise { white-space: normal; }
  table.kv th { width: 38%; }
}
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
  tr, .headline, .bottom, .warning { break-inside: avoid; page-break-inside: avoid; }
  details > summary { list-style: none; }
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
<section id="bottom-line">
<h2>Bottom line</h2>
<ul class="bottom">$bottom</ul>
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


def figure_html(fig, caption: str, title: str, dpi: int = DPI) -> str:
    """A figure as an <img> with a PNG data URL, sized in CSS pixels as designed, and a caption."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=metadata("png"))
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
    d = as_data(results)
    figs = all_figures(d) if figures is None else figures
    generated = provenance()
    bottom = "".join(f"<li>{_bold_lead(b)}</li>" for b in bottom_line(d))
    warnings = "".join(f"<div class='warning' role='alert'><strong>Warning:</strong> {e(w)}</div>" for w in _notes(d))
    gv = generated.get("versions") or {}
    return PAGE.substitute(
        title=e(_title(d)), subtitle=" &middot; ".join(_subtitle(d, generated)), css=CSS, warnings=warnings,
        bottom=bottom, reading=READING, sections=_scrolling_tables("\n".join(_sections(d, figs, generated))),
        generator=e(f"trustsim {gv.get('trustsim')} ({generated.get('git_commit')})"),
        footer=f"trustsim {e(gv.get('trustsim'))} &middot; commit <code>{e(generated.get('git_commit'))}</code> "
               f"&middot; {e(generated.get('created'))}")


def _title(d: Data) -> str:
    """The scenario's description (its first sentence, no final full stop), else its name and kind."""
    desc = " ".join(str(d.resolved.get("description") or "").split())
    if desc and d.manifest.get("command") != "run":
        first = desc.split(". ")[0].rstrip(".")
        return first if len(first) <= 140 else first[:139].rstrip() + "\u2026"
    if d.manifest.get("command") == "run" and d.policies:
        return f"One run of the {d.policies[0]} preset"
    if d.summary is not None:
        return f"{d.name}: policy comparison"
    if d.indices is not None:
        return f"{d.name}: sensitivity analysis"
    if d.is_sweep:
        return f"{d.name}: parameter sweep"
    return f"{d.name}: simulation results"


def _scrolling_tables(html_text: str) -> str:
    """Every table in a box that scrolls sideways on its own, so a narrow screen never scrolls the page."""
    return html_text.replace("<table", "<div class='wide'><table").replace("</table>", "</table></div>")


def _bold_lead(sentence: str) -> str:
    """A bullet with the words before its first colon in bold ("How sure:", "What would flip it:")."""
    lead, sep, rest = sentence.partition(": ")
    if sep and len(lead) <= 30 and lead in ("How sure", "What would flip it"):
        return f"<strong>{e(lead)}:</strong> {e(rest)}"
    return e(sentence)


def _subtitle(d: Data, generated: dict) -> list[str]:
    r, sub = d.resolved, [f"<code>{e(d.name)}</code>"]
    if d.is_sweep and d.summary is None:
        runs = d.manifest.get("runs") or {}
        sub.append(f"{e(r.get('n_points') or '?')} design points &middot; {len(d.policies)} policies &middot; "
                   f"{e(r.get('replicates'))} replicates &middot; {e(r.get('steps'))} days &middot; "
                   f"{e(runs.get('ok', '?'))} of {e(runs.get('total', '?'))} runs ok")
    elif r.get("steps"):
        worlds = posterior_of(d).get("draws")
        sub.append(f"{len(d.policies)} policies &middot; " + (f"{e(worlds)} plausible worlds x " if worlds else "") +
                   f"{e(r.get('replicates'))} replicates &middot; "
                   f"{e(r.get('steps'))} days &middot; baseline {e(d.baseline)}")
    sub.append(f"generated {e(generated['created'])}")
    return sub


def _notes(d: Data) -> list[str]:
    """The warnings shown at the top: the manifest's, failed and missing runs."""
    notes = list(d.manifest.get("warnings", []) or [])
    n = _replicates(d)
    if n is not None and n < FEW_REPLICATES:
        notes.append(f"only {n} replicate{'s' if n != 1 else ''} per policy: " + (
            "no intervals, so no difference can be told from noise" if n < 2 else
            f"with fewer than {FEW_REPLICATES} the 95% intervals are unreliable") +
            "; rerun with --replicates 10 or more before drawing conclusions")
    runs = d.manifest.get("runs") if isinstance(d.manifest.get("runs"), dict) else {}
    if runs.get("failed"):
        notes.append(f"{runs['failed']} of {runs.get('total')} runs failed and are left out (see failed.csv)")
    if runs.get("missing"):
        notes.append(f"{runs['missing']} of {runs.get('total')} runs have not run yet: run the same sweep command "
                     "again to finish it")
    return notes


def _replicates(d: Data) -> int | None:
    if d.summary is not None and "n" in d.summary and d.summary["n"].notna().any():
        return int(d.summary["n"].max())
    n = d.resolved.get("replicates")
    return int(n) if isinstance(n, (int, float)) else None


def fold(summary: str, body: str, ident: str = "", open_: bool = False) -> str:
    """A folded section (<details>): ``summary`` (HTML) always shown, ``body`` on request."""
    return (f"<details class='section'{f' id={ident!r}' if ident else ''}{' open' if open_ else ''}>"
            f"<summary>{summary}</summary>{body}</details>")


def _sections(d: Data, figs: dict, generated: dict) -> list[str]:
    """The page's sections after the bottom line, in order: the table, the main charts, costs, then
    folded: more charts, the numbers in words, assumptions, provenance, the full summary."""
    def fig(name):
        if name in figs:
            f, cap = figs[name]
            return figure_html(f, cap, FIGURE_TITLES.get(name, name))
        return ""

    has_summary = d.summary is not None and not d.summary.empty
    sections = []
    if has_probabilities(d):
        sections.append("<section id='probabilities'><h2>Decisions under uncertainty</h2><p class='note'>Each policy "
                        "was run in every plausible world (a draw from the calibrated posterior); P(best): share of "
                        "worlds where it was the best of all; P(beats): where it beat the baseline; P(beats by what "
                        "matters): by at least the measure's practical threshold; the difference is the mean over "
                        "worlds with the 5th to 95th percentile.</p>"
                        f"{probability_html(d)}{discovery_html(d, 'posterior')}</section>")
    if has_summary:
        sections.append("<section id='summary'><h2>Summary table</h2><p class='note'>Means over "
                        f"{e(window_words(d) or 'the summary window')} (totals: whole run), across replicates, with 95% "
                        "intervals. The difference to the baseline is paired by replicate. &#9650; clearly better, "
                        "&#9660; clearly worse; <em>negligible</em>: clear but smaller than the difference that matters "
                        "in practice; <em>within noise</em>: the interval includes zero.</p>"
                        f"{summary_table(d)}</section>")
    charts = "".join(fig(n) for n in ("timeseries", "forest"))
    if charts:
        sections.append(f"<section id='charts'><h2>Charts</h2>{charts}</section>")
    sections += _cost_section(d, fig, figs)
    sweep = "".join(fig(n) for n in ("sweep_heatmap", "sweep_lines")) + (discovery_html(d, "sweep") if d.is_sweep else "")
    if sweep:
        sections.append(f"<section id='sweep'><h2>How the results change with the swept parameters</h2>{sweep}"
                        "</section>")
    if "sensitivity" in figs:
        sections.append(f"<section id='sensitivity'><h2>Which assumptions matter most</h2>{fig('sensitivity')}"
                        "</section>")
    more = "".join(fig(n) for n in ("timeseries_more", "maps"))
    if more:
        sections.append(fold("More charts: enforcement, officers, cost over time; maps", more, "more-charts"))
    words = "".join(f"<p>{e(' '.join(par))}</p>" for par in headline_paragraphs(d))
    sections.append(fold("The findings in words, with every interval", f"<div class='headline'>{words}</div>",
                         "headline"))
    if d.resolved:
        sections.append(fold("Assumptions: set-up, budget split, parameters", assumptions_html(d), "assumptions"))
    sections.append(fold("Provenance: where these numbers come from", provenance_html(d, generated), "provenance"))
    if has_summary:
        sections.append(fold("Appendix: the full summary", "<p class='note'>Every row of <code>summary.csv</code>, "
                             "formatted like the table above (sd: standard deviation across replicates; n: replicates "
                             f"with a value).</p>{full_table(d)}", "appendix"))
    return sections


def _cost_section(d: Data, fig, figs: dict) -> list[str]:
    cost_words = cost_sentences(d)
    if "costs" not in figs and not cost_words:
        return []
    items = "".join(f"<li>{e(s)}</li>" for s in cost_words)
    return ["<section id='costs'><h2>Costs</h2><p>Costs are in officer-days: 1 is the cost of one officer for one "
            "day. Public cost is policing, programmes and jail; the social cost of incidents is counted in the total "
            "but not in the cost per incident averted (it is what is averted)."
            f"</p>{fig('costs')}"
            + (f"<h3>Cost per incident averted, compared with {e(d.baseline)}</h3><ul class='costs'>{items}</ul>"
               if items else "") + "</section>"]
