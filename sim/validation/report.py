"""Writing the validation results: validation.md, validation.json, validation.csv and an
HTML section (section.html) for a larger report, all next to the figures/ folder."""

from __future__ import annotations

import csv
import html

from sim.storage.folders import write_json
from sim.storage.layout import VALIDATION_CSV, VALIDATION_JSON, VALIDATION_MD, VALIDATION_SECTION

SCOPE = """\
**Scope.** The Epstein checks run trustsim's Epstein presets as they stand (`sim/core/presets.py`: every extension
off, Euclidean vision, arrest ratio floor(C/A) as in NetLogo's *Rebellion*, jailed citizens leave the grid). Where a
preset's set-up departs from the paper's run, a check tests the paper's qualitative finding, not its exact run: the
paper's Table 2 (as quoted in `docs/ODD.md`, section 8, item 20) gives runs 3-5 (legitimacy and cops) an initial cop
density of 0.074 and jail terms without end, while the legitimacy and officer-withdrawal presets keep run 2's
officers and jail term. The paper activates agents in random sequential order, and so do the Epstein presets
(`activation = "sequential"`, exact); trustsim's policy presets update synchronously;
{orders} The criteria and their thresholds were written into `sim/validation/` before any number was measured;
earlier reports gated under synchronous updating and 10 random sub-batches, and every check had the same verdict
under both. No parameter was changed to make a check pass.
Intervals are 95% (t-based over replicates unless stated)."""


def verdict_cell(r) -> str:
    mark = {True: "✅", False: "❌", None: "⚠️"}[r.passed]
    return f"{mark} {r.verdict}"


def timing(meta: dict) -> str:
    prov = meta["provenance"]
    versions = (f"Python {prov['versions'].get('python')}, Mesa {prov['versions'].get('mesa')}, "
                f"NumPy {prov['versions'].get('numpy')}")
    sim = meta.get("simulated_in") if meta.get("simulated_now") == 0 else None
    src = sim or meta
    text = (f"Mode **{meta['mode']}**: {meta['runs']} simulation runs on {src['workers']} worker(s) "
            f"({src['cores']} cores), running time **{src['wall_time_s'] / 60:.1f} min** ({src['wall_time_s']:.0f} s "
            f"wall; {src['simulation_cpu_s']:.0f} s of simulation CPU time; machine load average "
            f"{src['load_average_start']} at the start, {src['load_average_end']} at the end, so the wall time "
            f"includes waiting for other users of the machine).")
    if sim:
        text += (f" Simulated from {sim['started']} at commit `{sim['git_commit']}`; this report was re-analysed "
                 f"from the saved runs (`{meta['command']} --reuse {meta['reused_from']}`) at {prov['created']}, "
                 f"commit `{prov['git_commit']}`, with {versions}.")
    else:
        text += (f" Generated {prov['created']} from commit `{prov['git_commit']}` with {versions}. "
                 f"Command: `{meta['command']}`."
                 + (f" {meta['runs'] - meta['simulated_now']} runs were reused from `{meta['reused_from']}`."
                    if meta.get("reused_from") else ""))
    return text


def markdown(results: list, meta: dict) -> str:
    epstein = [r for r in results if r.group == "epstein"]
    policy = [r for r in results if r.group == "policy"]
    calibration = [r for r in results if r.group == "calibration"]
    gating = [r for r in epstein if r.gating]
    failed = [r for r in gating if r.passed is not True]
    lines = [
        "# trustsim validation report",
        "",
        timing(meta),
        "",
        f"**Epstein checks (gating):** {len(gating) - len(failed)} of {len(gating)} pass"
        + (f"; not passing: {', '.join('`' + r.name + '`' for r in failed)}." if failed else "."),
        "**Policy-layer checks (reported):** "
        + "; ".join(f"`{r.name}`: {r.verdict}" for r in policy) + ".",
        *(["**Held-out calibration targets (" + ("gating" if any(r.gating for r in calibration) else
                                                  "not gating: not run") + "):** "
           + "; ".join(f"`{r.name}`: {r.verdict} ({r.headline})" for r in calibration) + "."] if calibration else []),
        "",
        SCOPE.format(orders=orders_sentence(results)),
        "",
        "## Summary",
        "",
        "| check | gating | published | trustsim | verdict |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| [{r.name}](#{r.name}) | {'yes' if r.gating else 'no'} | {r.published} | {r.headline} "
                     f"| {verdict_cell(r)} |")
    for title, group in (("Epstein (2002) Model I", epstein), ("Policy layer at default parameters", policy),
                         ("Held-out calibration targets (posterior predictive of the shipped posterior)",
                          calibration)):
        if not group:
            continue
        lines += ["", f"## {title}"]
        for r in group:
            lines += section(r)
    disagreements = [r for r in results if r.discussion]
    lines += ["", "## Where trustsim disagrees with a published finding", "",
              "Short texts for `docs/ODD.md` to cite; each refers to the measured numbers above."]
    if not disagreements:
        lines += ["", "None: every check agrees with its finding."]
    for r in disagreements:
        lines += ["", f"### {r.title}", "", f"*Check `{r.name}`: {r.verdict}. Finding: {r.published} "
                  f"({r.source}).*", "", r.discussion]
    lines += ["", "## Sources", ""]
    for src in sorted({r.source for r in results}):
        lines.append(f"- {src}")
    lines += ["", "## Reproducing", "",
              f"`{meta['command']}` (seeds {meta['config']['seeds_from']} upward in every condition; the suite's "
              "sizes are in `validation.json` under `config`, the parameter defaults used under `default_params`). "
              "The simulated series are saved next to this report (`runs.json`, `runs.npz`): "
              "`trustsim validate --reuse <this folder> --out NEW` redoes the analysis and the report from them "
              "without simulating.", ""]
    return "\n".join(lines)


def _order_name(tag: str) -> str:
    if tag == "seq":
        return "exact random sequential"
    return "synchronous" if tag == "sync" else f"{tag[1:]} random sub-batches"


def _runs_under(tag: str) -> str:
    return f"the {_order_name(tag)} runs" if tag in ("seq", "sync") else f"the runs with {_order_name(tag)}"


def orders_sentence(results) -> str:
    """How the Epstein checks use the activation orders, read from the results: their names end in
    the order's tag (``seq``, ``sync``, ``k<K>``) and they carry their own gating flag."""
    by_tag = {}
    for r in results:
        if r.group == "epstein" and "-" in r.name:
            tag = r.name.rsplit("-", 1)[1]
            if tag in ("seq", "sync") or (tag[:1] == "k" and tag[1:].isdigit()):
                by_tag.setdefault(tag, []).append(r)
    if not by_tag:
        return "the Epstein checks run under their presets' own order, exact random sequential."
    tags = sorted(by_tag, key=lambda t: (t != "seq", t != "sync", int(t[1:]) if t[:1] == "k" else 0))
    paper = {"seq": " (the paper's order)"}
    runs = "; ".join(f"{_order_name(t)}{paper.get(t, '')}: "
                     + ", ".join("`" + r.name.rsplit("-", 1)[0] + "`" for r in by_tag[t]) for t in tags)
    gate = [t for t in tags if any(r.gating for r in by_tag[t])]
    others = [t for t in tags if t not in gate]
    text = f"the Epstein checks run under these activation orders: {runs}. "
    text += (f"Only {' and '.join(_runs_under(t) for t in gate)} gate (the summary's gating column says which "
             "checks)" if gate else "None of them gates")
    if others and "seq" in gate:
        compared = any(r.name == "epstein-activation-order" for r in results)
        text += (f"; {' and '.join(_runs_under(t) for t in others)} are reported, not gating, and compared with "
                 "the sequential ones"
                 + (" (`epstein-activation-order`: the verdicts under each order, and two-sample "
                    "Kolmogorov-Smirnov tests of run 2's waits and activations against the sequential order's)"
                    if compared else ""))
    return text + "."


def section(r) -> list:
    out = ["", f'<a id="{r.name}"></a>', "", f"### {r.title}", "", f"`{r.name}` · "
           + ("gating" if r.gating else "reported, not gating")
           + (f" · {r.runs} runs, {r.seconds:.0f} s of simulation CPU" if r.runs else ""), "",
           f"- **Configuration:** {r.configuration}",
           f"- **Published finding:** {r.published} ({r.source})",
           f"- **Criterion (fixed before measuring):** {r.criterion}",
           f"- **Verdict:** {verdict_cell(r)} — {r.headline}",
           "", "Measured:", ""]
    out += r.details
    if r.figure:
        out += ["", f"![{r.title}](figures/{r.figure})"]
    return out


def write_csv(path, results):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "group", "gating", "passed", "verdict", "headline", "runs", "simulation_cpu_s", "figure"])
        for r in results:
            w.writerow([r.name, r.group, r.gating, r.passed, r.verdict, r.headline, r.runs, round(r.seconds, 2),
                        f"figures/{r.figure}" if r.figure else ""])


def html_section(results, meta) -> str:
    e = html.escape
    rows = "\n".join(
        f"<tr><td><a href='#{e(r.name)}'>{e(r.name)}</a></td><td>{'yes' if r.gating else 'no'}</td>"
        f"<td>{e(r.headline)}</td><td>{e(verdict_cell(r))}</td></tr>" for r in results)
    parts = ["<section id='validation'><h2>Validation</h2>",
             f"<p>Mode {e(meta['mode'])}; {meta['runs']} runs; {meta['wall_time_s'] / 60:.1f} min; commit "
             f"<code>{e(str(meta['provenance']['git_commit']))}</code>.</p>",
             "<table><thead><tr><th>check</th><th>gating</th><th>trustsim</th><th>verdict</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>"]
    for r in results:
        parts.append(f"<h3 id='{e(r.name)}'>{e(r.title)}</h3><p><b>Published:</b> {e(r.published)} "
                     f"({e(r.source)})<br><b>Criterion:</b> {e(r.criterion)}<br><b>Verdict:</b> "
                     f"{e(verdict_cell(r))}: {e(r.headline)}</p>")
        if r.figure:
            parts.append(f"<img src='figures/{e(r.figure)}' alt='{e(r.title)}' style='max-width:100%'>")
        if r.discussion:
            parts.append("".join(f"<p>{e(par)}</p>" for par in r.discussion.split("\n\n")))
    parts.append("</section>")
    return "\n".join(parts) + "\n"


def write_all(folder, results, meta):
    (folder / VALIDATION_MD).write_text(markdown(results, meta))
    write_json(folder / VALIDATION_JSON, {**meta, "checks": [r.to_dict() for r in results]})
    write_csv(folder / VALIDATION_CSV, results)
    (folder / VALIDATION_SECTION).write_text(html_section(results, meta))
