"""Building blocks of the validation suite: run specifications, the worker that runs one
simulation, the result of a check, and the statistics every check shares.

A check asks for runs (:class:`sim.run.single.RunSpec`, made with ``RunSpec.make``); the suite
runs the union of all checks' runs once (through :mod:`sim.run.evaluators`), then hands each
check a lookup ``runs[spec]`` of the series it asked for. Intervals are 95% throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from sim.results.stats import t_interval
from sim.run.single import ACTIVES, RunSpec, run_series

__all__ = ["ACTIVES", "RunSpec", "simulate", "CheckResult", "Check", "Outbursts", "find_outbursts", "mean_ci", "ols",
           "fmt_ci", "new_figure", "save_figure"]

OUTBURST_THRESHOLD = 50  # Epstein (2002): an outburst while actives exceed 50


# One simulation and the series it keeps: the run layer's spec and driver (one of each in the package).
simulate = run_series


@dataclass
class CheckResult:
    """What a check found. ``passed`` is the verdict against its stated tolerance; ``gating``
    checks make ``trustsim validate`` exit non-zero when they fail."""

    name: str
    title: str
    group: str                      # "epstein" or "policy"
    gating: bool
    configuration: str
    published: str
    source: str
    criterion: str
    measured: dict                  # name -> value (numbers, or {"mean", "lo", "hi", "n"} dicts)
    headline: str                   # one line: the measured value(s) against the published one
    passed: bool | None             # None: could not be measured
    verdict: str                    # e.g. "pass", "FAIL", "agrees", "disagrees", "not reproduced"
    details: list = field(default_factory=list)     # markdown lines
    discussion: str = ""            # why the model disagrees, for docs/ODD.md (empty when it agrees)
    figure: str | None = None       # file name under figures/
    runs: int = 0
    seconds: float = 0.0            # simulation time spent on this check's runs (CPU, summed)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


# --------------------------------------------------------------------------- statistics


def mean_ci(values) -> dict:
    """Mean with a t-based 95% interval over independent values (replicates); None, NaN and
    infinite values are left out (:func:`sim.results.stats.t_interval`)."""
    ci = t_interval([np.nan if x is None else x for x in values], 0.95)
    return {"mean": float(ci.mean), "lo": float(ci.low), "hi": float(ci.high), "n": int(ci.n)}


def ols(x, y) -> dict:
    """Least-squares slope of y on x with its t-based 95% interval."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    if n < 3 or np.ptp(x) == 0:
        return {"slope": float("nan"), "lo": float("nan"), "hi": float("nan"), "intercept": float("nan"), "n": n}
    res = stats.linregress(x, y)
    half = float(stats.t.ppf(0.975, n - 2) * res.stderr)
    return {"slope": float(res.slope), "lo": float(res.slope) - half, "hi": float(res.slope) + half,
            "intercept": float(res.intercept), "n": n}


@dataclass
class Outbursts:
    """Outbursts of one run (Epstein 2002): one starts on the first step with actives above
    the threshold and ends on the first later step with actives below it. Its activation is
    the sum of actives over its steps (start up to, not including, the end step); a wait is the
    number of steps from one outburst's end to the next one's start. Step 0 (the initial state)
    is not counted; an outburst still under way when the run stops is ``ongoing`` and has no
    activation; the steps before the first outburst are not a wait."""

    starts: list
    ends: list
    activations: list
    peaks: list
    waits: list
    ongoing: bool
    steps: int                       # steps analysed
    steps_in_outburst: int

    @property
    def count(self) -> int:
        return len(self.activations)

    @property
    def per_1000_steps(self) -> float:
        return 1000.0 * self.count / self.steps if self.steps else float("nan")

    @property
    def share_in_outburst(self) -> float:
        return self.steps_in_outburst / self.steps if self.steps else float("nan")


def find_outbursts(actives, threshold: int = OUTBURST_THRESHOLD) -> Outbursts:
    a = np.asarray(actives)
    starts, ends, acts, peaks, waits = [], [], [], [], []
    start, last_end, inside = None, None, 0
    for t in range(1, len(a)):
        if start is None and a[t] > threshold:
            start = t
            if last_end is not None:
                waits.append(t - last_end)
        elif start is not None and a[t] < threshold:
            starts.append(start)
            ends.append(t)
            acts.append(int(a[start:t].sum()))
            peaks.append(int(a[start:t].max()))
            inside += t - start
            last_end, start = t, None
    ongoing = start is not None
    if ongoing:
        inside += len(a) - start
    return Outbursts(starts, ends, acts, peaks, waits, ongoing, max(len(a) - 1, 0), inside)


def fmt_ci(ci: dict, digits: int = 1) -> str:
    """``12.3 [10.1, 14.5] (n=5)``."""
    if not ci or not np.isfinite(ci.get("mean", np.nan)):
        return "n/a"
    m, lo, hi = ci["mean"], ci.get("lo", np.nan), ci.get("hi", np.nan)
    body = f"{m:.{digits}f}"
    if np.isfinite(lo) and np.isfinite(hi):
        body += f" [{lo:.{digits}f}, {hi:.{digits}f}]"
    return body + (f" (n={ci['n']})" if "n" in ci else "")


# --------------------------------------------------------------------------- checks


class Check:
    """A named check. Subclasses set the class attributes and implement ``specs`` (the runs
    it needs) and ``analyse`` (the verdict). The criterion is fixed here, in the code,
    before any number is measured; it never reads the measurements to set itself."""

    name = ""
    title = ""
    group = "epstein"
    gating = True
    published = ""
    source = ""
    criterion = ""
    configuration = ""

    def specs(self, cfg) -> list[RunSpec]:
        return []

    def analyse(self, runs: dict, cfg, figdir, results: dict) -> CheckResult:
        raise NotImplementedError

    def result(self, **kw) -> CheckResult:
        base = dict(name=self.name, title=self.title, group=self.group, gating=self.gating,
                    configuration=self.configuration, published=self.published, source=self.source,
                    criterion=self.criterion)
        base.update(kw)
        return CheckResult(**base)


def new_figure(width=9.0, height=3.6, ncols=1, nrows=1):
    """A matplotlib Figure without pyplot (no global state, no display needed)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    return fig, axes


def save_figure(fig, figdir, name) -> str:
    fname = f"{name}.png"
    fig.savefig(figdir / fname, dpi=110)
    return fname
