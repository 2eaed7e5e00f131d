"""``trustsim report DIR [--format html|pdf] [--out FILE]``: the report of a results folder.

Writes ``DIR/report.html``: one self-contained page (figures embedded, no request to any other
host) with the bottom line (printed too), the summary table, the charts with captions, the costs,
the assumptions and the provenance. ``--format pdf`` prints that page to ``DIR/report.pdf`` with
headless Chromium (needs the playwright Python package and /usr/bin/chromium or
$TRUSTSIM_CHROMIUM); the HTML page also prints cleanly from any browser.
"""

from __future__ import annotations

from pathlib import Path

from sim.errors import safe_text
from sim.present.bottom_line import bottom_line
from sim.present.report import write_report
from sim.storage.guard import check_output_location


def add_parser(sub):
    p = sub.add_parser("report")   # its help: sim.commands.COMMANDS
    p.add_argument("folder", type=Path, metavar="DIR", help="results folder (from trustsim compare, run or sweep)")
    p.add_argument("--format", dest="fmt", choices=("html", "pdf"), default="html",
                   help="html (default; self-contained) or pdf (printed with headless Chromium)")
    p.add_argument("--out", type=Path, default=None, help="output file (default: DIR/report.html or DIR/report.pdf)")
    p.set_defaults(func=report_command)


def report_command(args) -> int:
    if args.out is not None:
        check_output_location(args.out, kind="file")   # never overwrite a file trustsim did not write
    path = write_report(args.folder, fmt=args.fmt, out=args.out)
    print("Bottom line:")
    for bullet in bottom_line(args.folder):
        print(f"- {safe_text(bullet)}")
    print(f"\nwrote {path}")
    return 0
