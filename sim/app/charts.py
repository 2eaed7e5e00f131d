"""The charts, as SVG built here: each series keeps its points as text in data coordinates and
appends the new step's point; only the axes (an SVG transform and a few tick labels) are redone
per frame; past ``MAX_POINTS`` points a series keeps every second one (so the cost per frame
stays bounded on long runs)."""

from __future__ import annotations

import html
import math

from matplotlib.colors import to_hex, to_rgb

from sim.app.config import MAX_POINTS, SMOOTHING_DAYS
from sim.app.grid import _swatch
from sim.app.model import AppModel


class Series:
    """One line of a chart: its values and their SVG points ("x,y " in data coordinates),
    extended as steps come in. Past ``MAX_POINTS`` points it keeps every second one."""

    def __init__(self, label: str, colour: str, width: float = 2.0, opacity: float = 1.0):
        self.label, self.colour, self.width, self.opacity = label, colour, width, opacity
        self.values: list[float] = []
        self.stride, self._points = 1, []

    def extend(self, values) -> None:
        start = len(self.values)
        self.values.extend(float(v) for v in values)
        if len(self.values) // self.stride > MAX_POINTS:
            self.stride *= 2
            self._points = [self._point(i) for i in range(0, len(self.values), self.stride)]
        else:
            first = -(-start // self.stride) * self.stride
            self._points.extend(self._point(i) for i in range(first, len(self.values), self.stride))

    def _point(self, i: int) -> str:
        v = self.values[i]
        return "" if v != v else f"{i},{v:.5g}"    # NaN: a gap in the points (skipped)

    def points(self) -> str:
        last = len(self.values) - 1
        tail = [self._point(last)] if last >= 0 and last % self.stride else []
        return " ".join(p for p in (*self._points, *tail) if p)

    def top(self) -> float:
        finite = [v for v in self.values if v == v]
        return max(finite) if finite else 0.0


def _nice_ticks(hi: float, n: int = 4) -> list[float]:
    """0 and round multiples up to at least ``hi``."""
    if not hi > 0:
        hi = 1.0
    raw = hi / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [round(k * step, 12) for k in range(int(math.ceil(hi / step - 1e-9)) + 1)]


def _tick_label(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


class LineChart:
    """A line chart of some measures of a run, as an SVG with its legend outside the plot.

    ``series`` maps a measure (a column of ``model.results``) to ``(label, colour)``;
    ``smooth`` adds, for the named measure, its moving average over ``SMOOTHING_DAYS`` steps
    (the daily values then drawn faint); ``ylim`` fixes the y-axis (else 0 to the maximum)."""

    W, H, LEFT, RIGHT, TOP, BOTTOM = 440, 190, 52, 10, 8, 26

    def __init__(self, key: str, title: str, ylabel: str, series: dict, ylim=None, smooth: str | None = None):
        self.key, self.title, self.ylabel, self.spec, self.ylim, self.smooth = key, title, ylabel, series, ylim, smooth

    def new_state(self) -> dict:
        lines = {}
        for name, (label, colour) in self.spec.items():
            if name == self.smooth:
                lines[name] = Series(f"{label}, each day", colour, width=1.0, opacity=0.35)
                lines[name + "_smooth"] = Series(f"{label}, {SMOOTHING_DAYS}-day moving average", colour, width=2.5)
            else:
                lines[name] = Series(label, colour)
        return {"n": 0, "lines": lines, "cumsum": [0.0]}

    def update(self, state: dict, rows: list[dict]) -> None:
        """Append the rows not yet seen (one dict of measures per step)."""
        new = rows[state["n"]:]
        if not new:
            return
        for name in self.spec:
            values = [r.get(name, float("nan")) for r in new]
            state["lines"][name].extend(values)
            if name == self.smooth:
                cs, smooth = state["cumsum"], []
                for v in values:
                    cs.append(cs[-1] + (v if v == v else 0.0))
                    k = min(SMOOTHING_DAYS, len(cs) - 1)
                    smooth.append((cs[-1] - cs[-1 - k]) / k)
                state["lines"][name + "_smooth"].extend(smooth)
        state["n"] = len(rows)

    def svg(self, state: dict) -> str:
        lines = list(state["lines"].values())
        n = state["n"]
        x1 = max(n - 1, 10)
        if self.ylim:
            y0, y1 = self.ylim
            ticks = [y0 + (y1 - y0) * k / 4 for k in range(5)]
        else:
            ticks = _nice_ticks(max(line.top() for line in lines) * 1.05)
            y0, y1 = 0.0, ticks[-1]
        pw, ph = self.W - self.LEFT - self.RIGHT, self.H - self.TOP - self.BOTTOM
        sx, sy = pw / x1, ph / (y1 - y0)

        def ypix(v):
            return self.TOP + ph - (v - y0) * sy

        xticks = _nice_ticks(x1, 5)
        xticks = [t for t in xticks if t <= x1]
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.W} {self.H}" width="100%" '
                 f'style="max-width:{self.W * 1.4:.0f}px;font:11px sans-serif" role="img" aria-label="{html.escape(self.title)}">',
                 f'<rect x="{self.LEFT}" y="{self.TOP}" width="{pw}" height="{ph}" fill="none" stroke="#bbb"/>']
        for t in ticks:
            y = ypix(t)
            parts.append(f'<line x1="{self.LEFT}" x2="{self.LEFT + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                         f'<text x="{self.LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#444">{_tick_label(t)}</text>')
        for t in xticks:
            x = self.LEFT + t * sx
            parts.append(f'<text x="{x:.1f}" y="{self.H - 8}" text-anchor="middle" fill="#444">{t:g}</text>')
        parts.append(f'<clipPath id="clip-{self.key}"><rect x="{self.LEFT}" y="{self.TOP}" width="{pw}" height="{ph}"/></clipPath>'
                     f'<g clip-path="url(#clip-{self.key})"><g transform="translate({self.LEFT},{self.TOP + ph}) '
                     f'scale({sx:.6g},{-sy:.6g}) translate(0,{-y0:.6g})">')
        for line in lines:
            parts.append(f'<polyline class="series" fill="none" stroke="{line.colour}" stroke-width="{line.width}" '
                         f'stroke-opacity="{line.opacity}" vector-effect="non-scaling-stroke" stroke-linejoin="round" '
                         f'points="{line.points()}"/>')
        parts.append("</g></g></svg>")
        return "".join(parts)

    def html(self, state: dict) -> str:
        legend = "".join(_swatch(line.colour if line.opacity == 1 else _faint(line.colour), line.label)
                         for line in state["lines"].values())
        return (f'<div style="font-size:14px;font-weight:500">{html.escape(self.title)}</div>'
                f'<div style="font-size:12px;color:#555">{html.escape(self.ylabel)}; across: day</div>'
                f"{self.svg(state)}"
                f'<div class="trustsim-chart-legend" style="font-size:12px;line-height:1.7">{legend}</div>')


def _faint(colour: str) -> str:
    r, g, b = to_rgb(colour)
    return to_hex((1 - 0.35 * (1 - r), 1 - 0.35 * (1 - g), 1 - 0.35 * (1 - b)))


CHARTS = (
    LineChart("trust", "Trust in the police", "trust, 0 to 1",
              {"trust_mean": ("mean", "#0072b2"), "trust_p10": ("lowest 10% (10th percentile)", "#56b4e9")}, ylim=(0.0, 1.0)),
    LineChart("tension", "Tension", "mean grievance of free citizens, 0 to 1",
              {"tension": ("mean grievance", "#d55e00")}),
    LineChart("incidents", f"Incident rate ({SMOOTHING_DAYS}-day moving average)", "incidents per 1,000 citizens per day",
              {"incident_rate": ("incident rate", "#cc79a7")}, smooth="incident_rate"),
    LineChart("cost", "Cost per day", "officer-days per day",
              {"cost_total": ("total", "#000000"), "cost_policing": ("policing", "#0072b2"),
               "cost_programmes": ("social programmes", "#009e73"), "cost_jail": ("jail", "#8c8c8c"),
               "cost_incidents": ("harm of incidents", "#e69f00")}),
)


def chart_html(model: AppModel, chart: LineChart) -> str:
    """The chart for this model, its series extended with the steps run since the last call."""
    states = model.__dict__.setdefault("_chart_states", {})
    state = states.get(chart.key)
    if state is None:
        state = states[chart.key] = chart.new_state()
    chart.update(state, model._rows)
    return chart.html(state)
