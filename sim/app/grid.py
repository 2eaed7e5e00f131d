"""The grid, drawn from the model's arrays: one pixel per cell, as a PNG the browser enlarges
(``image-rendering: pixelated``), so a frame costs one pass over the cells whatever the
number of agents; and the legend of its colours."""

from __future__ import annotations

import base64
import html
import io
from functools import lru_cache

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex, to_rgb

from sim.app.config import COLOURS, GRID_PIXELS, STRESS_DARKENING, TRUST_CMAP
from sim.core.model import TrustModel


def _rgb8(colour) -> np.ndarray:
    return (np.asarray(to_rgb(colour)) * 255).round().astype(np.uint8)


@lru_cache(maxsize=1)
def _trust_lut() -> np.ndarray:
    """The trust colour scale as 256 uint8 RGB colours (indexing beats calling the colormap)."""
    return (colormaps[TRUST_CMAP](np.linspace(0.0, 1.0, 256))[:, :3] * 255).round().astype(np.uint8)


def grid_rgb8(model: TrustModel) -> np.ndarray:
    """(height, width, 3) uint8 RGB: quiet citizens coloured by trust, active citizens,
    jailed citizens (at their last cell while it stays empty; they are off the grid),
    reactive and proximity officers darkened by stress. Vectorised over cells."""
    c, o, p = model.citizens, model.officers, model.p
    size = model.grid.size
    img = np.empty((size, 3), np.uint8)
    img[:] = _rgb8(COLOURS["empty"])
    occupied = np.zeros(size, bool)
    free = ~c.jailed
    occupied[c.cell[free]] = True
    if o.cell.size:
        occupied[o.cell] = True
    jailed_cells = c.cell[c.jailed]
    if not p.jailed_keep_cell:
        jailed_cells = jailed_cells[~occupied[jailed_cells]]
    img[jailed_cells] = _rgb8(COLOURS["jailed"])
    quiet = free & ~c.active
    level = (np.clip(model.legitimacy[quiet], 0.0, 1.0) * 255).round().astype(np.intp)
    img[c.cell[quiet]] = _trust_lut()[level]
    img[c.cell[free & c.active]] = _rgb8(COLOURS["active"])
    if o.cell.size:
        base = np.where(o.proximity[:, None], _rgb8(COLOURS["proximity"]), _rgb8(COLOURS["reactive"]))
        shade = 1.0 - STRESS_DARKENING * np.clip(o.stress, 0.0, 1.0)
        img[o.cell] = (base * shade[:, None]).round().astype(np.uint8)
    return img.reshape(p.height, p.width, 3)


def grid_image(model: TrustModel) -> np.ndarray:
    """:func:`grid_rgb8` as floats in [0, 1]."""
    return grid_rgb8(model) / 255.0


def grid_png(model: TrustModel) -> bytes:
    """The grid image as PNG bytes, one pixel per cell (the page enlarges it without
    smoothing). Built with numpy and Pillow: well under a millisecond at 50x50."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(grid_rgb8(model)).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def grid_html(model: TrustModel) -> str:
    """An ``<img>`` of the grid, each cell a square of about ``GRID_PIXELS / side`` pixels."""
    side = max(model.p.width, model.p.height)
    k = max(1, GRID_PIXELS // side)
    data = base64.b64encode(grid_png(model)).decode("ascii")
    return (f'<img class="trustsim-grid" alt="the grid" src="data:image/png;base64,{data}" '
            f'width="{model.p.width * k}" height="{model.p.height * k}" '
            'style="image-rendering: pixelated; image-rendering: crisp-edges; display: block; border: 1px solid #ccc">')


def grid_caption(model: TrustModel) -> str:
    c, o = model.citizens, model.officers
    return (f"day {model.steps}: {int((c.active & ~c.jailed).sum())} active, {int(c.jailed.sum())} jailed, "
            f"{int(o.on_duty.sum())}/{len(o)} officers on duty")


def _swatch(colour: str, label: str) -> str:
    return (f'<span style="display:inline-flex;align-items:center;gap:5px;margin-right:12px;white-space:nowrap">'
            f'<span style="width:12px;height:12px;background:{colour};border:1px solid #999;display:inline-block">'
            f'</span>{html.escape(label)}</span>')


def grid_legend_html() -> str:
    """What the colours of the grid mean, with the trust colour bar (HTML, no image)."""
    stops = ", ".join(f"{to_hex(colormaps[TRUST_CMAP](x))} {x * 100:.0f}%" for x in np.linspace(0, 1, 6))
    items = [_swatch(COLOURS["active"], "active citizen"), _swatch(COLOURS["jailed"], "jailed (cell of arrest, if empty)"),
             _swatch(COLOURS["reactive"], "reactive officer"), _swatch(COLOURS["proximity"], "proximity officer"),
             _swatch(COLOURS["empty"], "empty cell")]
    return ('<div class="trustsim-legend" style="font-size:13px;line-height:1.8;max-width:480px">'
            + "".join(items)
            + '<div style="display:flex;align-items:center;gap:6px">quiet citizen, by trust: 0'
              f'<span style="flex:0 0 160px;height:12px;background:linear-gradient(to right, {stops});'
              'border:1px solid #999"></span>1</div>'
              '<div>officers are darker when more stressed</div></div>')
