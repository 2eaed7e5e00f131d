"""Numbers as people read them: decimals, the one formatter, intervals, "clear" or "within noise".

Every table, sentence and chart label of the present layer formats numbers here, so the
same value reads the same everywhere: :func:`num` (thousands separators, no "-0.00", "n/a"
for a missing value), :func:`interval` ("95% CI lo to hi"), and :func:`is_clear`, the one
decision whether a difference's interval excludes zero (:attr:`sim.results.stats.Interval.excludes_zero`).
"""

from __future__ import annotations

import math

import numpy as np

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
