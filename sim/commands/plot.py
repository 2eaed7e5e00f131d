"""``trustsim plot DIR [--format png|svg|pdf] [--dpi N]``: the charts of a results folder.

Writes every chart the folder supports (time series, differences to the baseline, costs, maps;
for sweeps the heat map and the sensitivity bars) into ``DIR/figures/`` with ``figures.json``
(captions and provenance). Figures of the same name and format are replaced.
"""

from __future__ import annotations

from pathlib import Path

from sim.errors import UserError
from sim.present import plots


def add_parser(sub):
    p = sub.add_parser("plot")   # its help: sim.commands.COMMANDS
    p.add_argument("folder", type=Path, metavar="DIR", help="results folder (from trustsim compare, run or sweep)")
    p.add_argument("--format", dest="fmt", choices=("png", "svg", "pdf"), default="png",
                   help="image format (default: png)")
    p.add_argument("--dpi", type=int, default=None, help="resolution of PNG figures (default: 150)")
    p.set_defaults(func=plot_command)


def plot_command(args) -> int:
    if args.dpi is not None and not 30 <= args.dpi <= 1200:
        raise UserError(f"--dpi: expected an integer in [30, 1200], got {args.dpi}")
    data = plots.load(args.folder)
    written = plots.save_all(data, args.folder / "figures", fmt=args.fmt, dpi=args.dpi or plots.DPI)
    for path in written.values():
        print(f"wrote {path}")
    print(f"{len(written)} figure(s) in {args.folder / 'figures'}/ (captions in figures.json)")
    return 0
