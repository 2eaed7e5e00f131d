"""Charts of a results folder (or a results object) for people who do not read Parquet.

    import sim, sim.present.plots as plots
    res = sim.load_results("results/compare-policies-...")      # or plots.load("results/...")
    fig = plots.timeseries(res)                                   # a matplotlib Figure
    fig.savefig("trust.png")
    plots.save_all(res, "results/.../figures", fmt="svg")         # what `trustsim plot DIR` does

Every function takes a results object (anything with ``.timeseries``, ``.summary``,
``.manifest``, ``.maps``: :class:`sim.run.experiment.Results`), a results folder path, or the
:class:`Data` of :func:`load`, and returns a :class:`matplotlib.figure.Figure` made without
pyplot (no global state, nothing left open; works with any backend).

The charts live in :mod:`sim.present.charts` (one module per kind) and the data they read in
:mod:`sim.present.data`; this module gathers them. Charts (each also gives its one-line caption through :data:`CAPTIONS`):

``timeseries``   each measure over time per policy: mean across replicates and its 95% t band;
                 the summary window is shaded.
``forest``       paired difference to the baseline per policy and measure, with its 95% interval
                 (filled marker: the interval excludes 0, a clear difference; hollow: within noise).
``costs``        cost per day by kind per policy (stacked bars, whole run, with the 95% interval of
                 the total) and the cost per incident averted with its Fieller interval.
``maps``         final trust and cumulative incidents per cell, replicate 0, policies side by side,
                 one colour scale per row.
``sweep_heatmap``  a measure (or a policy's difference to the baseline) over two swept parameters.
``sensitivity``    Sobol (S1, ST) or Morris (mu*, sigma) indices as bars with confidence intervals.

Design: Okabe-Ito colours (safe for the common colour-vision deficiencies) plus line styles, so
charts survive grey-scale printing; the baseline is black. Sequential maps use cividis and
viridis-family colour maps, differences a diverging map centred on 0. Axes carry units (one step
is one day; costs are in officer-days, the cost of one officer for one day). Figures are sized
for a report column (7.5 in wide) with 9-10 pt text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sim.core.params import Params
from sim.errors import UserError
from sim.present.charts.costs import COST_KINDS, COST_LABELS, cost_breakdown, costs
from sim.present.charts.forest import FOREST_MEASURES, forest
from sim.present.charts.indices import INDEX_MEASURES, sensitivity
from sim.present.charts.lines import FLOW_MEASURES, TIMESERIES_MAIN, TIMESERIES_MORE, band, smoothed, smoothing, timeseries
from sim.present.charts.maps import maps
from sim.present.charts.style import COST_COLOURS, DPI, LINESTYLES, MARKERS, OKABE_ITO, POLICY_COLOURS, STYLE, WIDTH_IN, policy_styles
from sim.present.charts.sweep import SWEEP_MEASURES, sweep_heatmap, sweep_lines, sweep_values
from sim.present.data import Data, as_data, load
from sim.present.labels import better, info, label, unit
from sim.storage.folders import write_json
from sim.storage.provenance import git_commit, package_versions, provenance

__all__ = [  # the charts and what they read, as before the split (sim.present.charts.*, sim.present.data)
    "COST_COLOURS", "COST_KINDS", "COST_LABELS", "DPI", "FLOW_MEASURES", "FOREST_MEASURES", "INDEX_MEASURES", "LINESTYLES",
    "MARKERS", "OKABE_ITO", "POLICY_COLOURS", "STYLE", "SWEEP_MEASURES", "TIMESERIES_MAIN", "TIMESERIES_MORE", "WIDTH_IN",
    "CAPTIONS", "Data", "as_data", "band", "better", "cost_breakdown", "costs", "figures", "forest", "info", "label", "load",
    "maps", "metadata", "policy_styles", "save_all", "sensitivity", "smoothed", "smoothing", "sweep_axes", "sweep_captions",
    "sweep_heatmap", "sweep_lines", "sweep_values", "timeseries", "unit",
]

CAPTIONS = {
    "timeseries": "Each line is the mean over the replicates of one policy; the band is its 95% confidence "
                  "interval (cut at what the measure can take). Shares and counts start at 0; a 0-1 scale shown "
                  "close up is marked 'axis cut'. Daily counts are shown as moving averages where the "
                  "title says so. The grey area is the window the summary table averages.",
    "timeseries_more": "Mean over the replicates of each policy with its 95% band (cut at what the measure can "
                       "take); the grey area is the summary window.",
    "forest": "Each point is a policy's difference to the baseline (paired by replicate) with its 95% interval. "
              "Filled: the interval excludes 0 (a clear difference); hollow: it includes 0 (within noise). "
              "Grey band: differences smaller than the one that matters in practice (negligible).",
    "costs": "Top: average cost per day over the whole run, by kind (the whisker is the 95% interval of the "
             "total). Bottom: extra public spending per incident averted compared with the baseline (below 0: the "
             "policy saves money); no bar means no clear reduction in incidents.",
    "maps": "End of replicate 0. Top: each citizen's trust (white: empty cell, outside the colour scale). Bottom: incidents per cell over "
            "the whole run (hot spots). Each row uses one colour scale for all policies.",
    "sensitivity": "Which swept parameters drive the results. Bars: each parameter's total effect (Sobol ST, "
                   "including interactions; Morris: mean absolute effect mu*) with its 95% interval; diamonds: its "
                   "effect alone (S1; Morris: sigma, the sign of interactions). Near zero: the result does not "
                   "depend on that assumption.",
}


# ---------------------------------------------------------------------------------- all of them
def sweep_axes(d: Data) -> list[str]:
    """The swept parameters the sweep charts are drawn over (at most two, in file order)."""
    frame = d.points if d.points is not None else d.sweep
    if frame is None:
        return []
    names = [n for n in d.parameters if n in frame.columns]
    if not names:
        names = [c for c in frame.columns if c in Params.names() and frame[c].nunique() > 1]
    return names[:2]


def sweep_captions(d: Data, diff: bool, n_params: int) -> str:
    what = ("Colour: the policy's paired difference to the baseline (orange: higher, purple: lower, white: none); "
            "hatched cells / hollow points: the 95% interval includes zero (within noise).") if diff else \
        "Colour: the mean over replicates."
    more = (" Other swept parameters vary too: each cell averages over them." if n_params > 2 else "")
    return f"Each cell (or point) is one combination of the swept parameters. {what}{more}"


def figures(results) -> dict:
    """Every chart these results support: name -> (Figure, caption). Charts whose data is missing
    are left out."""
    d = as_data(results)
    out = {}
    if d.timeseries is not None and len(d.timeseries):
        out["timeseries"] = (timeseries(d), CAPTIONS["timeseries"])
        if any(m in d.timeseries.columns for m in TIMESERIES_MORE):
            out["timeseries_more"] = (timeseries(d, TIMESERIES_MORE), CAPTIONS["timeseries_more"])
    if d.summary is not None and len(d.summary) and len([p for p in d.policies if p != d.baseline]):
        out["forest"] = (forest(d), CAPTIONS["forest"])
    if (d.timeseries is not None and len(d.timeseries)) or (d.summary is not None and len(d.summary)):
        try:
            out["costs"] = (costs(d), CAPTIONS["costs"])
        except UserError:
            pass
    if d.maps:
        out["maps"] = (maps(d), CAPTIONS["maps"])
    axes = sweep_axes(d)
    if axes:
        frame = d.points if d.points is not None else d.sweep
        cols = set(frame["measure"]) if "measure" in frame.columns else set(frame.columns)
        measures = [m for m in SWEEP_MEASURES if m in cols]
        others = [p for p in d.policies if p != d.baseline][:3]
        policies, base = (others, d.baseline) if others else (d.policies[:1] or [None], None)
        if measures and len(axes) == 2:
            out["sweep_heatmap"] = (sweep_heatmap(d, axes[0], axes[1], measures, policies, base),
                                    sweep_captions(d, base is not None, len(d.parameters)))
        elif measures:
            out["sweep_lines"] = (sweep_lines(d, axes[0], measures, policies, base),
                                  "Mean over replicates at each value of the swept parameter, with its 95% interval"
                                  + (" (difference to the baseline)." if base else "."))
    if d.indices is not None and len(d.indices):
        out["sensitivity"] = (sensitivity(d), CAPTIONS["sensitivity"])
    return out


def metadata(fmt: str) -> dict:
    """Provenance written into saved figures (PNG/SVG/PDF metadata keys)."""
    v = package_versions()
    text = f"trustsim {v.get('trustsim')} commit {git_commit()}; matplotlib {v.get('matplotlib')}"
    if fmt == "png":
        return {"Software": text}
    if fmt == "svg":
        return {"Creator": text}
    if fmt == "pdf":
        return {"Creator": text}
    return {}


def save_all(results, out_dir, fmt: str = "png", dpi: int = DPI) -> dict:
    """Write every chart to ``out_dir/<name>.<fmt>`` and ``out_dir/figures.json`` (captions and
    provenance). Returns name -> path."""
    if fmt not in ("png", "svg", "pdf"):
        raise UserError(f"--format: expected png, svg or pdf, got {fmt!r}")
    out_dir = Path(out_dir)
    figs = figures(results)                  # everything is drawn before the folder is made
    if not figs:
        raise UserError(f"{out_dir.parent}: nothing to draw (no time series, summary, maps or sweep results)")
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        written, captions = {}, {}
        for name, (fig, caption) in figs.items():
            path = out_dir / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata(fmt))
            written[name], captions[name] = path, caption
        write_json(out_dir / "figures.json", {"figures": {n: {"file": p.name, "caption": captions[n]}
                                                          for n, p in written.items()},
                                              "format": fmt, "dpi": dpi, **provenance()})
    except BaseException:
        if created:                          # leave no empty or half-written figures/ behind
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return written
