"""Writing the validation results: validation.md, validation.json, validation.csv and an
HTML section (section.html) for a larger report, all next to the figures/ folder."""

from __future__ import annotations

import csv
import html
import math

from sim.output import write_json

SCOPE = """\
**Scope.** The Epstein checks run trustsim's Epstein presets as they stand (`sim/presets.py`: every extension off,
Euclidean vision, arrest ratio floor(C/A) as in NetLogo's *Rebellion*, jailed citizens leave the grid). Where a
preset's set-up departs from the paper's run (for instance the legitimacy and officer-withdrawal presets keep
run 2's officers and jail term), a check tests the paper's qualitative finding, not its exact run. The paper
activates agents in random sequential order; trustsim's default is synchronous (`activation_batches = 1`);
{orders} Criteria were written into `sim/validation/` before any number was measured; no parameter was changed
to make a check pass. Intervals are 95% (t-based over replicates unless stated)."""


def _num(x, digits=3):
    if isinstance(x, float) and not math.isfinite(x):
        return "n/a"
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)


def verdict_cell(r) -> str:
    mark = {True: "✅", False: "❌", None: "⚠️"}[r.passed]
    return f"{mark} {r.verdict}"


def markdown(results: list, meta: dict) -> str:
    epstein = [r for r in results if r.group == "epstein"]
    policy = [r for r in results if r.group == "policy"]
    gating = [r for r in results if r.gating]
    failed = [r for r in gating if r.passed is not True]
    prov = meta["provenance"]
    lines = [
        "# trustsim validation report",
        "",
        f"Mode **{meta['mode']}**: {meta['runs']} simulation runs on {meta['workers']} worker(s) "
        f"({meta['cores']} cores), running time **{meta['wall_time_s'] / 60:.1f} min** ({meta['wall_time_s']:.0f} s "
        f"wall; {meta['simulation_cpu_s']:.0f} s of simulation CPU time; machine load average "
        f"{meta['load_average_start']} at the start, {meta['load_average_end']} at the end, so the wall time "
        f"includes waiting for other users of the machine). Generated {prov['created']} from commit `{prov['git_commit']}` with Python "
        f"{prov['versions'].get('python')}, Mesa {prov['versions'].get('mesa')}, NumPy {prov['versions'].get('numpy')}. "
        f"Command: `{meta['command']}`."
        + (f" The simulations were reused from `{meta['reused_from']}` (their CPU time is reported; the wall time "
           f"is this analysis's)." if meta.get("reused_from") else ""),
        "",
        f"**Epstein checks (gating):** {len(gating) - len(failed)} of {len(gating)} pass"
        + (f"; not passing: {', '.join('`' + r.name + '`' for r in failed)}." if failed else "."),
        f"**Policy-layer checks (reported):** "
        + "; ".join(f"`{r.name}`: {r.verdict}" for r in policy) + ".",
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
    for title, group in (("Epstein (2002) Model I", epstein), ("Policy layer at default parameters", policy)):
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
              "sizes are in `validation.json` under `config`, the parameter defaults used under `default_params`).",
              ""]
    return "\n".join(lines)


def orders_sentence(results) -> str:
    k = sorted({r.name.rsplit("-", 1)[1] for r in results if r.group == "epstein" and r.name.rsplit("-", 1)[1][:1] == "k"})
    if not k:
        return "every Epstein check runs synchronously."
    with_k = sorted({r.name.rsplit("-", 1)[0] for r in results if r.name.endswith("-" + k[0])})
    return (f"these Epstein checks also run with {k[0][1:]} random sub-batches, which approximates the paper's "
            f"order: {', '.join('`' + n + '`' for n in with_k)}.")


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
    parts = [f"<section id='validation'><h2>Validation</h2>",
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
    (folder / "validation.md").write_text(markdown(results, meta))
    write_json(folder / "validation.json", {**meta, "checks": [r.to_dict() for r in results]})
    write_csv(folder / "validation.csv", results)
    (folder / "section.html").write_text(html_section(results, meta))
