"""Statistics across replicates: t-based confidence intervals, paired differences, ratios.

Replicates are independent runs (different seeds), so a measure's per-replicate values are
an i.i.d. sample and its mean gets a Student-t interval. Policies share seeds replicate by
replicate (common random numbers), so policy-vs-baseline contrasts use the per-replicate
paired differences, whose spread is usually much smaller than that of either policy.
A ratio of two mean differences (cost per incident averted) gets Fieller's interval.
NaN values (e.g. a share with no incidents) are dropped; fewer than two values give NaN sd
and NaN bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

CONFIDENCE = 0.95


def t_quantile(confidence: float, dof: int) -> float:
    """The two-sided Student-t critical value (scipy.stats imported here: it is slow to import)."""
    from scipy import stats

    return float(stats.t.ppf(0.5 + confidence / 2, dof))


@dataclass(frozen=True)
class Interval:
    mean: float
    sd: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies wholly above or below zero (a clear difference)."""
        return bool(np.isfinite(self.low) and np.isfinite(self.high) and (self.low > 0 or self.high < 0))


def t_interval(values, confidence: float = CONFIDENCE) -> Interval:
    """Mean, sample sd (ddof=1) and the t-based ``confidence`` interval of the mean."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Interval(np.nan, np.nan, np.nan, np.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, np.nan, np.nan, np.nan, n)
    sd = float(x.std(ddof=1))
    half = t_quantile(confidence, n - 1) * sd / np.sqrt(n)
    return Interval(mean, sd, mean - half, mean + half, n)


class Intervals(NamedTuple):
    """:class:`Interval` fields as arrays (see :func:`t_intervals`)."""

    mean: np.ndarray
    sd: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray


def t_intervals(a, confidence: float = CONFIDENCE) -> Intervals:
    """:func:`t_interval` over the last axis of ``a`` at once: arrays of mean, sd, bounds and n
    (n as floats); NaN values are dropped, sd and bounds are NaN with fewer than two values."""
    from scipy import stats

    a = np.asarray(a, dtype=float)
    ok = np.isfinite(a)
    n = ok.sum(axis=-1)
    x = np.where(ok, a, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, x.sum(axis=-1) / np.maximum(n, 1), np.nan)
        dev = np.where(ok, a - mean[..., None], 0.0)
        sd = np.where(n >= 2, np.sqrt((dev**2).sum(axis=-1) / np.maximum(n - 1, 1)), np.nan)
        t = np.where(n >= 2, stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)), np.nan)
        half = t * sd / np.sqrt(np.maximum(n, 1))
    return Intervals(mean, sd, mean - half, mean + half, n.astype(float))


def paired_differences(a, b) -> np.ndarray:
    """``a - b`` per pair (replicate), dropping pairs where either value is missing."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired_differences: shapes differ ({a.shape} vs {b.shape})")
    d = a - b
    return d[np.isfinite(d)]


def paired_interval(a, b, confidence: float = CONFIDENCE) -> Interval:
    """t interval of the mean paired difference ``a - b``."""
    return t_interval(paired_differences(a, b), confidence)


def ratio_interval(num, den, confidence: float = CONFIDENCE) -> Interval:
    """Ratio of means ``mean(num) / mean(den)`` of paired samples, with Fieller's interval.

    The bounds are NaN when the denominator's mean is not clearly different from zero (the
    interval is then unbounded) or with fewer than two pairs. ``sd`` is always NaN (a ratio
    has no sample sd)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    keep = np.isfinite(num) & np.isfinite(den)
    x, y = num[keep], den[keep]
    n = len(x)
    if n == 0 or y.mean() == 0:
        return Interval(np.nan, np.nan, np.nan, np.nan, n)
    ratio = float(x.mean() / y.mean())
    if n < 2:
        return Interval(ratio, np.nan, np.nan, np.nan, n)
    t2 = t_quantile(confidence, n - 1) ** 2
    cov = np.cov(x, y, ddof=1) / n
    mx, my = x.mean(), y.mean()
    a = my**2 - t2 * cov[1, 1]
    b = mx * my - t2 * cov[0, 1]
    c = mx**2 - t2 * cov[0, 0]
    disc = b * b - a * c
    if a <= 0 or disc < 0:
        return Interval(ratio, np.nan, np.nan, np.nan, n)
    root = np.sqrt(disc)
    low, high = sorted(((b - root) / a, (b + root) / a))
    return Interval(ratio, np.nan, float(low), float(high), n)
