"""The report for policy staff: one self-contained HTML page per results folder.

    import sim.present.report
    sim.present.report.write_report("results/compare-policies-...")          # -> .../report.html
    print(sim.present.report.headline_text("results/compare-policies-..."))  # the plain-language headline

``report.html`` holds everything it shows: the figures are PNG images embedded as ``data:`` URLs
and the styles are inline. A Content-Security-Policy forbids any other source, so opening it
from a file makes no request to any host. Every string that comes from a scenario file or a
manifest (names, descriptions, parameter values, commands) is HTML-escaped.

The parts: :mod:`sim.present.prose` (the headline, from the numbers), :mod:`sim.present.sweep_prose`
(sweeps and sensitivity), :mod:`sim.present.sections` (tables, assumptions, provenance),
:mod:`sim.present.page` (template, styles, figures), :mod:`sim.present.pdf` (printing); numbers
are formatted by :mod:`sim.present.numbers`. This module keeps the names it had before the split.

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

from pathlib import Path

from sim.errors import UserError
from sim.present.data import Data, as_data, load
from sim.present.labels import and_, better, info, window_words
from sim.present.numbers import decimals, diff_decimals, first_nonzero, interval, is_clear, level_decimals, num
from sim.present.page import CSS, FIGURE_TITLES, PAGE, READING, build_html, figure_html
from sim.present.pdf import CHROMIUM, CHROMIUM_ARGS, html_to_pdf
from sim.present.prose import HEADLINE_MEASURES, cost_sentences, headline, headline_paragraphs, headline_text, measure_sentences, verdict
from sim.present.sections import TABLE_MEASURES, assumptions_html, differences, e, full_table, provenance_html, summary_table
from sim.present.sweep_prose import DESIGN_WORDS, sensitivity_sentences, sweep_paragraphs

__all__ = [  # the report's names before the split into prose, sweep_prose, sections, page and pdf
    "CHROMIUM", "CHROMIUM_ARGS", "CSS", "DESIGN_WORDS", "FIGURE_TITLES", "HEADLINE_MEASURES", "PAGE", "READING",
    "TABLE_MEASURES", "Data", "UserError", "and_", "as_data", "assumptions_html", "better", "build_html", "cost_sentences",
    "decimals", "diff_decimals", "differences", "e", "figure_html", "first_nonzero", "full_table", "headline",
    "headline_paragraphs", "headline_text", "html_to_pdf", "info", "interval", "is_clear", "level_decimals",
    "measure_sentences", "num", "provenance_html", "sensitivity_sentences", "summary_table", "sweep_paragraphs", "verdict",
    "window_words", "write_report",
]


def write_report(results, fmt: str = "html", out=None) -> Path:
    """Write the report of ``results`` (a results folder, or a results object such as
    :class:`sim.run.experiment.Results`) to ``out`` (default: ``<folder>/report.html`` or
    ``report.pdf``; an object that was never saved needs ``out``). Returns the path."""
    if fmt not in ("html", "pdf"):
        raise UserError(f"--format: expected html or pdf, got {fmt!r}")
    d = load(results) if isinstance(results, (str, Path)) else as_data(results)
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
