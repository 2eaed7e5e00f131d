"""Maps: final trust and incidents per cell, replicate 0, policies side by side."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.errors import UserError, safe_text
from sim.present.charts.style import WIDTH_IN, figure, rc
from sim.present.data import as_data

EMPTY = "#ffffff"      # empty cells: white, outside cividis (dark blue to yellow), named in the legend


def maps(results, policies=None) -> Figure:
    """Final trust (top) and cumulative incidents per cell (bottom) for replicate 0, policies side by
    side; each row shares one colour scale."""
    d = as_data(results)
    policies = [p for p in (policies or d.policies) if f"{p}/trust" in d.maps or f"{p}/incidents" in d.maps]
    if not policies:
        raise UserError("maps: these results have no maps (maps.npz)")
    rows = [k for k in ("trust", "incidents") if any(f"{p}/{k}" in d.maps for p in policies)]
    n = len(policies)
    h, w = next(iter(d.maps.values())).shape
    cell_in = min(WIDTH_IN / n * 0.86, 2.4)
    with rc():
        fig = figure(len(rows) * cell_in * h / w + 0.55 * len(rows), WIDTH_IN)
        axes = np.atleast_2d(fig.subplots(len(rows), n, squeeze=False))
        for i, kind in enumerate(rows):
            arrays = [np.asarray(d.maps.get(f"{p}/{kind}", np.full((h, w), np.nan)), float) for p in policies]
            vals = np.concatenate([a[np.isfinite(a)].ravel() for a in arrays]) if arrays else np.array([])
            if kind == "trust":
                cmap = matplotlib.colormaps["cividis"].with_extremes(bad=EMPTY)  # white: not on the scale
                vmin, vmax = (float(vals.min()), float(vals.max())) if len(vals) else (0.0, 1.0)
                what = "trust at the end (0-1)"
            else:
                cmap = matplotlib.colormaps["magma_r"]
                vmin, vmax = 0.0, (float(vals.max()) if len(vals) and vals.max() > 0 else 1.0)
                what = "incidents per cell, whole run"
            if vmax <= vmin:
                vmax = vmin + 1e-9
            for j, (p, a) in enumerate(zip(policies, arrays)):
                ax = axes[i, j]
                im = ax.imshow(a, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest", origin="lower")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                for side in ("top", "right", "bottom", "left"):
                    ax.spines[side].set_visible(True)
                    ax.spines[side].set_color("#888888")
                if i == 0:
                    ax.set_title(safe_text(f"{p}\n(baseline)" if p == d.baseline else p, keep_newlines=True), fontweight="bold")
            cb = fig.colorbar(im, ax=list(axes[i]), shrink=0.92, pad=0.02, aspect=14)
            cb.set_label(what)
        if "trust" in rows:
            fig.legend(handles=[Patch(facecolor=EMPTY, edgecolor="#888888", label="empty cell (no free citizen)")],
                       loc="outside lower left", frameon=False, fontsize=8)
    return fig
