"""The look of every chart: Okabe-Ito colours plus line styles and markers (safe for the common
colour-vision deficiencies and for grey-scale printing; the baseline is black), report-column
sizes and 9-10 pt text, and figures made without pyplot (no global state)."""

from __future__ import annotations

import matplotlib
from matplotlib.figure import Figure

from sim.core.params import Params
from sim.errors import safe_text

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
# Policy colours in scenario order after the baseline (which is black); yellow last (weak on white).
POLICY_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)))
MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")
COST_COLOURS = {"cost_policing": "#0072B2", "cost_programmes": "#009E73", "cost_jail": "#E69F00",
                "cost_incidents": "#D55E00"}
WIDTH_IN = 7.5          # report column width, inches
DPI = 150
STYLE = {
    "font.size": 9, "axes.titlesize": 9.5, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "legend.fontsize": 8.5, "figure.titlesize": 11, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.color": "#dddddd", "grid.linewidth": 0.6, "axes.axisbelow": True,
    "svg.fonttype": "path", "pdf.fonttype": 42, "figure.facecolor": "white", "savefig.facecolor": "white",
}


def rc():
    return matplotlib.rc_context(STYLE)


def figure(height_in: float, width_in: float = WIDTH_IN) -> Figure:
    return Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")


def policy_styles(policies, baseline=None) -> dict:
    """policy -> dict(color, linestyle, marker): the baseline black and solid, the others in order."""
    out, k = {}, 0
    for p in policies:
        if p == baseline:
            out[p] = {"color": "#000000", "linestyle": "-", "marker": "o"}
        else:
            out[p] = {"color": POLICY_COLOURS[k % len(POLICY_COLOURS)], "linestyle": LINESTYLES[(k + 1) % len(LINESTYLES)],
                      "marker": MARKERS[(k + 1) % len(MARKERS)]}
            k += 1
    return out


def legend_labels(labels, baseline):
    """Policy names for a legend (control and bidi characters escaped: :func:`sim.errors.safe_text`)."""
    return [safe_text(f"{p} (baseline)" if p == baseline else p) for p in labels]


def param_label(name: str) -> str:
    try:
        s = Params.spec(name)
    except Exception:
        return name
    return f"{name} ({s['unit']})" if s.get("unit") else name
