"""Scenario discovery: where in parameter space a policy beats the baseline, found with PRIM.

PRIM (the Patient Rule Induction Method; Friedman & Fisher 1999), as EMA Workbench implements it
for scenario discovery (Bryant & Lempert 2010; Kwakkel 2017), peels the parameter space down to a box
in which the cases of interest are dense. Here a *case* is one design point of a sweep (or one
posterior draw); it is *of interest* when the policy did better than the baseline there on a measure:
its mean paired difference lies on the better side of zero (``criterion="mean"``) or its 95% interval
excludes zero on that side (``criterion="clear"``).

A box is reported as plain rules with two figures (Bryant & Lempert 2010):

- **coverage**: the share of all the cases of interest that fall inside the box;
- **density**: the share of the cases inside the box that are of interest.

From the peeling trajectory we take the box of highest coverage among those whose density reaches
``min_density`` (default 0.8, the usual scenario-discovery choice; among equal coverages the densest),
or the densest box when none reaches it.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.measures import MEASURE_INFO
from sim.errors import UserError

CRITERIA = ("mean", "clear")
DEFAULT_MIN_DENSITY = 0.8


@dataclass(frozen=True)
class Rule:
    """One restricted dimension of a box: ``low <= name <= high`` (a bound is None where not restricted)."""
    name: str
    low: float | None
    high: float | None

    def text(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.name} is between {_num(self.low)} and {_num(self.high)}"
        if self.low is not None:
            return f"{self.name} is at least {_num(self.low)}"
        return f"{self.name} is at most {_num(self.high)}"


@dataclass(frozen=True)
class Discovery:
    """Where ``policy`` beats ``baseline`` on ``measure`` in one sweep: the box PRIM found, or none."""
    policy: str
    baseline: str
    measure: str
    criterion: str
    n_cases: int
    n_interest: int
    rules: tuple[Rule, ...]
    coverage: float
    density: float

    @property
    def share(self) -> float:
        """Share of all cases where the policy did better (the base rate PRIM improves on)."""
        return self.n_interest / self.n_cases if self.n_cases else float("nan")

    def sentence(self) -> str:
        """The finding in plain words, e.g. 'when quality_base is at least 0.9, proximity beats ...'."""
        label = MEASURE_INFO[self.measure].label
        better = "clearly " if self.criterion == "clear" else ""
        head = f"{self.policy} {better}beats {self.baseline} on {label}"
        if self.n_interest == 0:
            return f"{head} nowhere in this sweep (0 of {self.n_cases} cases)."
        if self.n_interest == self.n_cases:
            return f"{head} everywhere in this sweep ({self.n_cases} of {self.n_cases} cases)."
        if not self.rules:
            return (f"{head} in {_pct(self.share)} of the cases, with no region where it does so more "
                    f"often (no box reached the density asked for).")
        where = " and ".join(r.text() for r in self.rules)
        return (f"When {where}, {head} in {_pct(self.density)} of cases "
                f"(this region holds {_pct(self.coverage)} of all the cases where it does; "
                f"{_pct(self.share)} across the whole sweep).")

    def to_row(self) -> dict:
        return {"policy": self.policy, "baseline": self.baseline, "measure": self.measure, "criterion": self.criterion,
                "cases": self.n_cases, "cases_of_interest": self.n_interest, "coverage": self.coverage,
                "density": self.density, "rules": "; ".join(r.text() for r in self.rules), "sentence": self.sentence()}


def cases_of_interest(points: pd.DataFrame, policy: str, measure: str, criterion: str = "mean") -> tuple[pd.DataFrame, np.ndarray]:
    """From a sweep's per-point table (``points.csv``: point, the design parameters, policy, measure,
    diff_mean, diff_ci_low, diff_ci_high, ...): the design values of each point (x) and whether
    ``policy`` did better than the baseline there (y, by the measure's direction)."""
    if criterion not in CRITERIA:
        raise UserError(f"criterion: expected one of {', '.join(CRITERIA)}, got {criterion!r}")
    rows = points[(points["policy"] == policy) & (points["measure"] == measure)].sort_values("point")
    if rows.empty:
        raise UserError(f"no rows for policy {policy!r} and measure {measure!r} in the sweep's points table")
    info = MEASURE_INFO.get(measure)
    if info is None or info.better == 0:
        raise UserError(f"measure {measure!r}: no better direction (expected one of: "
                        f"{', '.join(m for m, i in MEASURE_INFO.items() if i.better)})")
    sign = float(info.better)
    if criterion == "mean":
        y = sign * rows["diff_mean"].to_numpy(float) > 0
    else:
        bound = rows["diff_ci_low"] if sign > 0 else rows["diff_ci_high"]
        y = sign * bound.to_numpy(float) > 0
    first = points.columns.get_loc("point") + 1
    factors = list(points.columns[first:points.columns.get_loc("policy")])
    if not factors:
        raise UserError("the sweep's points table has no design parameters to discover over")
    return rows[factors].reset_index(drop=True).astype(float), y


def discover(points: pd.DataFrame, policy: str, measure: str, baseline: str, *, criterion: str = "mean",
             min_density: float = DEFAULT_MIN_DENSITY, mass_min: float = 0.05) -> Discovery:
    """Run PRIM on one policy and measure of a sweep's points table (see :func:`cases_of_interest`)."""
    x, y = cases_of_interest(points, policy, measure, criterion)
    n, k = len(y), int(y.sum())
    rules, coverage, density = (), float("nan"), float("nan")
    if 0 < k < n:
        rules, coverage, density = _prim_box(x, y, min_density, mass_min)
    return Discovery(policy, baseline, measure, criterion, n, k, rules, coverage, density)


def _prim_box(x: pd.DataFrame, y: np.ndarray, min_density: float, mass_min: float):
    """PRIM's box: highest coverage among boxes of density >= min_density (else the densest)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # ema_workbench warns about optional evaluators at import
        from ema_workbench.analysis import prim  # heavy (about 2 s): loaded only when discovering
    logging.getLogger("EMA").setLevel(logging.WARNING)
    found = prim.Prim(x, y.astype(int), mass_min=mass_min).find_box()
    traj = found.peeling_trajectory
    ok = traj[traj["density"] >= min_density]
    if len(ok):     # the highest coverage, then the highest density among equal coverages
        i = int(ok.sort_values(["coverage", "density"], ascending=False, kind="stable").index[0])
    else:
        i = int(traj["density"].idxmax())
    if i == 0:                                   # the whole space: no restriction found
        return (), float(traj.loc[0, "coverage"]), float(traj.loc[0, "density"])
    lims, full = found.box_lims[i], found.box_lims[0]
    rules = []
    for name in x.columns:
        lo, hi = float(lims.loc[0, name]), float(lims.loc[1, name])
        lo_cut, hi_cut = lo > float(full.loc[0, name]), hi < float(full.loc[1, name])
        if lo_cut or hi_cut:
            rules.append(Rule(name, lo if lo_cut else None, hi if hi_cut else None))
    return tuple(rules), float(traj.loc[i, "coverage"]), float(traj.loc[i, "density"])


def _num(v: float) -> str:
    return f"{v:.3g}"


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%"
