"""Numbers as people read them: decimals, the one formatter, intervals, "clear" or "within noise".

Every table, sentence and chart label of the present layer formats numbers here, so the
same value reads the same everywhere: :func:`num` (thousands separators, no "-0.00", "n/a"
for a missing value), :func:`interval` ("95% CI lo to hi"), and :func:`is_clear`, the one
decision whether a difference's interval excludes zero (:attr:`sim.results.stats.Interval.excludes_zero`).
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.measures import measure_info
from sim.results.stats import Interval


def decimals(values, significant: int = 3) -> int:
    """Decimals that show the largest absolute value with ``significant`` digits (0..6)."""
    v = np.abs(np.asarray([x for x in values if x is not None and math.isfinite(x)], float))
    v = v[v > 0]
    if not len(v):
        return 2
    return int(min(6, max(0, significant - 1 - math.floor(math.log10(v.max())))))


def level_decimals(means, values) -> int:
    """Decimals for levels of one measure across policies: three significant digits of the largest
    of ``values`` (means and bounds) and two of the smallest non-zero mean (at most two more)."""
    d = decimals(values, 3)
    m = np.abs(np.asarray([x for x in means if x is not None and math.isfinite(x)], float))
    m = m[m > 0]
    if not len(m):
        return d
    return int(min(6, max(d, min(decimals([m.min()], 2), d + 2))))


def first_nonzero(values) -> bool:
    x = next(iter(values), None)
    return x is not None and math.isfinite(x) and x != 0


def diff_decimals(values) -> int:
    """Decimals for a difference and its interval (``values``: the difference first, then the
    bounds): two significant digits of the largest value and of the difference itself (at most
    two decimals more than the largest needs, at most 6)."""
    v = np.abs(np.asarray([x for x in values if x is not None and math.isfinite(x)], float))
    v = v[v > 0]
    if not len(v):
        return 2
    d_big = decimals([v.max()], 2)
    d_first = decimals([v[0]] if first_nonzero(values) else [v.min()], 2)
    return int(min(6, max(d_big, min(d_first, d_big + 2))))


def table_decimals(largest) -> int:
    """Decimals for a printed table column: three significant digits of its ``largest`` absolute
    value (3 when there is none)."""
    if not (isinstance(largest, float) and math.isfinite(largest)) or largest == 0:
        return 3
    return int(min(6, max(0, 2 - math.floor(math.log10(largest)))))


def num(x, d: int, sign: bool = False) -> str:
    """``x`` with ``d`` decimals (``+`` for positives when ``sign``), thousands separated by commas;
    'n/a' for NaN or None; a value that rounds to zero is shown as 0 (never "-0.00")."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    x = float(x)
    if abs(x) >= 1000:
        text = f"{x:+,.{d}f}" if sign else f"{x:,.{d}f}"
    else:
        text = f"{x:+.{d}f}" if sign else f"{x:.{d}f}"
    if rounds_to_zero(text):
        text = f"{0:.{d}f}"
        text = ("+" + text) if sign else text
    return text


def rounds_to_zero(text: str) -> bool:
    """Whether a number formatted by :func:`num` reads as zero."""
    try:
        return float(text.replace(",", "")) == 0
    except ValueError:          # "n/a"
        return False


def plain(v) -> str:
    """A parameter value as written in a scenario file (floats in %g)."""
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def interval(lo, hi, d: int, sign: bool = False) -> str:
    """'95% CI lo to hi' ('no interval' when a bound is missing)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "no interval"
    return f"95% CI {num(lo, d, sign)} to {num(hi, d, sign)}"


def is_clear(lo, hi) -> bool | None:
    """True: the interval excludes 0 (a clear difference); False: it includes 0 (within noise);
    None: no interval (a bound is NaN)."""
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return Interval(math.nan, math.nan, lo, hi, 0).excludes_zero


def within_noise(low, high):
    """Element-wise: the interval includes zero (False where a bound is missing)."""
    return (low <= 0) & (high >= 0)


# ---------------------------------------------------------------------- per measure: what matters
def matter_decimals(measure: str, baseline: float | None = None) -> int | None:
    """Decimals that resolve the measure's practical-significance threshold in its display units
    (``MeasureInfo.scale``): a threshold of 0.02 shows 2 decimals, 5 points of a share shown in %
    none. None when the measure has no threshold (or a relative one without a baseline)."""
    mi = measure_info(measure)
    if mi.threshold is None or (mi.relative and baseline is None):
        return None
    t = mi.threshold * (abs(baseline) if mi.relative else 1.0) * mi.scale
    if not (math.isfinite(t) and t > 0):
        return None
    return int(min(6, max(0, math.ceil(-math.log10(t) - 1e-9))))


def clip_level(measure: str, lo: float, hi: float) -> tuple[float, float]:
    """An interval of a level cut at what the measure can take (``MeasureInfo.range``)."""
    low, high = measure_info(measure).range
    return (max(lo, low) if low is not None and math.isfinite(lo) else lo,
            min(hi, high) if high is not None and math.isfinite(hi) else hi)


def clip_difference(measure: str, lo: float, hi: float) -> tuple[float, float]:
    """An interval of a difference cut at the widest possible gap (± the range's width)."""
    low, high = measure_info(measure).range
    if low is None or high is None:
        return lo, hi
    w = high - low
    return (max(lo, -w) if math.isfinite(lo) else lo, min(hi, w) if math.isfinite(hi) else hi)


def spread(d: int, bounds, scale: float = 1.0, most: int = 6) -> int:
    """``d`` or more decimals, so that no interval of ``bounds`` ((lo, hi) pairs) with lo < hi
    reads as one number and no clear interval shows a bound of 0 (at most ``most``)."""
    def collapsed(lo, hi, k):
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
            return False
        a, b = num(lo * scale, k), num(hi * scale, k)
        return a == b or (bool(is_clear(lo, hi)) and (rounds_to_zero(a) or rounds_to_zero(b)))
    pairs = [(float(lo), float(hi)) for lo, hi in bounds]
    while d < most and any(collapsed(lo, hi, d) for lo, hi in pairs):
        d += 1
    return d


class MeasureFormat:
    """How one measure's numbers read everywhere in the report: scaled to its display unit (% or
    per 1,000), rounded to its practical-significance threshold, intervals cut at the possible
    range and given the decimals that keep them from collapsing to one number."""

    def __init__(self, measure: str, means, bounds, diff_bounds=(), baseline: float | None = None):
        mi = measure_info(measure)
        self.measure, self.info = measure, mi
        self.scale = mi.scale
        self.unit = mi.scale_unit or mi.unit
        base_d = matter_decimals(measure, baseline)
        finite = [float(m) * self.scale for m in means if m is not None and math.isfinite(float(m))]
        if base_d is None:
            base_d = decimals(finite, 3) if finite else 2
        self.base_d = base_d
        levels = [clip_level(measure, lo, hi) for lo, hi in bounds]
        self.d_level = spread(base_d, [b for b in levels if not self.tiny(*b)], self.scale, base_d + 3)
        self.d_diff = spread(base_d, [clip_difference(measure, lo, hi) for lo, hi in diff_bounds], self.scale, base_d + 3)

    def level(self, x) -> str:
        return num(float(x) * self.scale, self.d_level) if x is not None else "n/a"

    def tiny(self, lo, hi) -> bool:
        """A level whose whole interval lies in [0, one unit of the last decimal that matters): it
        reads "< 0.01" rather than an interval resolved far below what matters."""
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0 or hi <= lo:
            return False                       # a constant (no variation) is shown as it is
        return hi * self.scale < 10.0 ** -self.base_d and self.info.threshold is not None

    def level_cell(self, mean, lo, hi, sep: str = ", ") -> tuple[str, str]:
        """(level, interval) for a table cell: "< 0.01" and no interval for a tiny level."""
        clo, chi = clip_level(self.measure, float(lo), float(hi))
        if self.tiny(clo, chi):
            return f"&lt; {num(10.0 ** -self.base_d, self.base_d)}", ""
        return self.level(mean), self.level_ci(lo, hi, sep)

    def level_ci(self, lo, hi, sep: str = " to ") -> str:
        lo, hi = clip_level(self.measure, float(lo), float(hi))
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return ""
        k = spread(self.d_level, [(lo, hi)], self.scale, self.d_level + 3)
        return f"{num(lo * self.scale, k)}{sep}{num(hi * self.scale, k)}"

    def diff(self, x) -> str:
        return num(float(x) * self.scale, self.d_diff, True)

    def diff_ci(self, lo, hi, sep: str = " to ") -> str:
        lo, hi = clip_difference(self.measure, float(lo), float(hi))
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return ""
        k = spread(self.d_diff, [(lo, hi)], self.scale, self.d_diff + 3)
        return f"{num(lo * self.scale, k, True)}{sep}{num(hi * self.scale, k, True)}"

    @property
    def unit_words(self) -> str:
        """' per 1,000 citizens per day', '% of citizens', ' on a 0-1 scale'."""
        u = self.unit
        if not u:
            return ""
        if u.startswith("%"):
            return u
        return f" on a {u}" if u.startswith("0-1") else f" {u}"

    @property
    def diff_unit(self) -> str:
        """The unit after a difference ('' on a 0-1 scale, ' points' for %)."""
        u = self.unit
        if u.startswith("%"):
            return " points"
        return "" if not u or u.startswith("0-1") else f" {u}"

    def threshold_words(self, baseline: float | None = None) -> str:
        """'0.02', '10% of reactive's value' ... the threshold in words."""
        mi = self.info
        if mi.threshold is None:
            return ""
        if mi.relative:
            return f"{100 * mi.threshold:g}% of the baseline's value"
        return num(mi.threshold * self.scale, max(0, matter_decimals(self.measure) or 0)) + self.diff_unit


def measure_format(measure: str, rows, baseline: str | None) -> MeasureFormat:
    """The :class:`MeasureFormat` of one measure's summary ``rows`` (indexed by policy)."""
    base_mean = float(rows.loc[baseline, "mean"]) if baseline is not None and baseline in rows.index else None
    bounds = list(zip(rows["ci_low"].astype(float), rows["ci_high"].astype(float)))
    diffs = list(zip(rows["diff_ci_low"].astype(float), rows["diff_ci_high"].astype(float))) \
        if "diff_ci_low" in rows else []
    return MeasureFormat(measure, rows["mean"].astype(float), bounds, diffs, base_mean)
