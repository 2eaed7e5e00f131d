"""Scenario discovery: where in parameter space a policy beats the baseline, found with PRIM.

PRIM (the Patient Rule Induction Method; Friedman & Fisher 1999), as EMA Workbench implements it
for scenario discovery (Bryant & Lempert 2010; Kwakkel 2017), peels the parameter space down to a box
in which the cases of interest are dense. A *case* is one design point of a sweep (``points.csv``,
:mod:`sim.results.sweepsummary`) or one plausible world of a comparison over posterior draws (the
per-draw table of :func:`sim.results.posterior.draw_table`: the draw's parameter values, and per policy
and measure the draw's mean paired difference to the baseline over its replicates). Both tables have
the same shape: a case column (``point`` or ``draw``), the parameters, then ``policy``, ``measure``,
``mean`` (the policy's level), ``baseline``, ``diff_mean``, ``diff_ci_low``, ``diff_ci_high``.

A case is *of interest* when the policy did better than the baseline there on a measure, by the
``criterion``:

- ``"matters"`` (the default): the mean paired difference is on the better side of zero by at least
  the measure's practical-significance threshold (:data:`sim.core.measures.MEASURE_INFO`,
  :meth:`~sim.core.measures.MeasureInfo.matters`; a relative threshold is a share of the baseline's
  level in that case, its ``mean``; where that level is missing or zero the case does not count).
  The same rule as ``p_beats_practical`` of ``probabilities.csv``: a negligible gain is not a win;
- ``"mean"``: the mean paired difference lies on the better side of zero, however small;
- ``"clear"``: its 95% interval across replicates excludes zero on that side (how sure, not how
  much: with enough replicates a negligible gain is clear).

A box is reported as plain rules with two figures (Bryant & Lempert 2010):

- **coverage**: the share of all the cases of interest that fall inside the box;
- **density**: the share of the cases inside the box that are of interest.

From the peeling trajectory we take the box of highest coverage among those whose density reaches
``min_density`` (default 0.8, the usual scenario-discovery choice; among equal coverages the densest),
or the densest box when none reaches it (the sentence then says there is no such region); no box
holds fewer than :data:`MIN_BOX` cases. With fewer than :data:`MIN_CASES` cases PRIM is not run (the
reasons are there).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.measures import MEASURE_INFO
from sim.errors import UserError

CRITERIA = ("matters", "mean", "clear")
DEFAULT_CRITERION = "matters"
DEFAULT_MIN_DENSITY = 0.8
CASE_KEYS = {"point": "sweep", "draw": "posterior"}
"""The case column of a table and the kind of cases it names (a sweep's design points, plausible worlds)."""

MIN_CASES = 20
"""Fewer cases than this and PRIM is not run: the finding is one line saying so.

Why 20. PRIM reports a box whose density (share of wins inside) reaches 0.8 and whose coverage is as
high as it can get, typically about half the wins: with N cases and a base rate near one half, a box
of about N/2 cases. Whether its density says more than the base rate is a binomial question, and PRIM
asks it of many boxes (each peel of each parameter), so the box it keeps is the best of many tries.
With N = 10 the box holds about 5 cases, and a fixed box of 5 random cases holds 4 or more wins with
probability 0.19 at a base rate of one half: chance alone makes "regions" of 80% density. At N = 20
(a box of about 10 cases: P(8 or more of 10) = 0.055) one fixed box is at the edge of what can be told
from chance, and at 40 (20 cases: P(16 or more of 20) = 0.006) it is clear. Below 20, too, PRIM's peels
(5% of the cases, ``peel_alpha``) and smallest box (``mass_min``, 5%) fall under one case, so every step
removes whole worlds and the trajectory jumps. 20 is thus the floor, not a comfortable size; it is also
the number of draws under which the report calls the probabilities "a first look"
(``sim.present.posterior.FEW_DRAWS``), and 40 draws (the suggested ``--posterior 40``) give rules worth
reading. Scenario-discovery studies use hundreds of cases (Bryant & Lempert 2010)."""

MIN_BOX = 10
"""The smallest box PRIM may report, in cases (``mass_min`` is at least ``MIN_BOX / N``): below about
10 cases a box of 80% density or more is easily chance (4 wins of 5 at a base rate of one half: 0.19;
see :data:`MIN_CASES`), and with rare wins PRIM would otherwise report a box of two or three cases
that are all wins. With hundreds of cases the usual ``mass_min`` of 5% is the larger and applies."""

_WORDS = {   # kind: (what a case is, plural; the scope of a share; the hint when there are too few)
    "sweep": ("cases", "in this sweep", "across the whole sweep", "sweep more design points"),
    "posterior": ("plausible worlds", "in these plausible worlds", "across all the plausible worlds",
                  "rerun the comparison with --posterior 40 or more"),
}


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
    """Where ``policy`` beats ``baseline`` on ``measure`` in one table of cases (``kind``: ``"sweep"``,
    design points, or ``"posterior"``, plausible worlds): the box PRIM found, or none."""
    policy: str
    baseline: str
    measure: str
    criterion: str
    n_cases: int
    n_interest: int
    rules: tuple[Rule, ...]
    coverage: float
    density: float
    kind: str = "sweep"
    min_density: float = DEFAULT_MIN_DENSITY

    @property
    def share(self) -> float:
        """Share of all cases where the policy did better (the base rate PRIM improves on)."""
        return self.n_interest / self.n_cases if self.n_cases else float("nan")

    @property
    def too_few(self) -> bool:
        """Whether there were too few cases to run PRIM (:data:`MIN_CASES`)."""
        return self.n_cases < MIN_CASES

    def head(self) -> str:
        """'proximity beats reactive on mean trust by at least 0.02' (the criterion in words)."""
        info = MEASURE_INFO[self.measure]
        better = "clearly " if self.criterion == "clear" else ""
        text = f"{self.policy} {better}beats {self.baseline} on {info.label}"
        if self.criterion == "matters":
            text += f" by at least {threshold_words(info, self.baseline)}"
        return text

    def sentence(self) -> str:
        """The finding in plain words, e.g. 'When quality_base is at least 0.9, proximity beats ...'."""
        unit, scope, across, hint = _WORDS.get(self.kind, _WORDS["sweep"])
        head, n, k = self.head(), self.n_cases, self.n_interest
        if self.too_few:
            return (f"{n} {unit} are too few to find where {head} (PRIM needs at least {MIN_CASES}; {hint}); "
                    f"it does in {k} of the {n}.")
        if k == 0:
            return f"{head} nowhere {scope} (0 of {n} {unit})."
        if k == n:
            return f"{head} everywhere {scope} ({n} of {n} {unit})."
        if not self.rules:
            return (f"{head} in {_pct(self.share)} of the {unit}, with no region where it does so more "
                    f"often (no box reached the density asked for).")
        where = " and ".join(r.text() for r in self.rules)
        if self.density < self.min_density:
            return (f"{head} in {_pct(self.share)} of the {unit}, with no region where it does so in at least "
                    f"{_pct(self.min_density)} of them; the densest region found: when {where}, in "
                    f"{_pct(self.density)} of the {unit} there (it holds {_pct(self.coverage)} of all the {unit} "
                    "where it does).")
        return (f"When {where}, {head} in {_pct(self.density)} of the {unit} there "
                f"(this region holds {_pct(self.coverage)} of all the {unit} where it does; "
                f"{_pct(self.share)} {across}).")

    def to_row(self) -> dict:
        return {"kind": self.kind, "policy": self.policy, "baseline": self.baseline, "measure": self.measure,
                "criterion": self.criterion, "cases": self.n_cases, "cases_of_interest": self.n_interest,
                "coverage": self.coverage, "density": self.density, "rules": "; ".join(r.text() for r in self.rules),
                "sentence": self.sentence()}


def too_few_line(kind: str, n: int, baseline: str) -> str:
    """One line for a table with fewer than :data:`MIN_CASES` cases, instead of a sentence per policy."""
    unit, _, _, hint = _WORDS.get(kind, _WORDS["sweep"])
    return (f"{n} {unit} are too few to find with PRIM where a policy beats {baseline} (it needs at least "
            f"{MIN_CASES}: with fewer, a region where the policy wins in 80% of cases can be a handful of cases "
            f"there by chance); {hint}.")


def threshold_words(info, baseline: str) -> str:
    """A measure's practical threshold in words: '0.02', '1% of citizens', '10% of reactive's level'."""
    if info.threshold is None:
        return "its practical threshold"
    if info.relative:
        return f"{100 * info.threshold:g}% of {baseline}'s level"
    if info.scale != 1 and info.scale_unit.startswith("%"):
        return f"{info.threshold * info.scale:g}{info.scale_unit}"
    return f"{info.threshold:g}"


def case_key(points: pd.DataFrame) -> str:
    """The case column of a table: ``point`` (a sweep's design points) or ``draw`` (plausible worlds)."""
    for key in CASE_KEYS:
        if key in points.columns:
            return key
    raise UserError(f"the table has no case column (expected one of: {', '.join(CASE_KEYS)})")


def cases_of_interest(points: pd.DataFrame, policy: str, measure: str,
                      criterion: str = DEFAULT_CRITERION) -> tuple[pd.DataFrame, np.ndarray]:
    """From a table of cases (module doc: a sweep's ``points.csv`` or the per-draw table of a
    comparison over posterior draws): the parameter values of each case (x, the columns between the
    case column and ``policy``) and whether ``policy`` did better than the baseline there (y, by the
    measure's direction and the ``criterion``)."""
    if criterion not in CRITERIA:
        raise UserError(f"criterion: expected one of {', '.join(CRITERIA)}, got {criterion!r}")
    key = case_key(points)
    where = "the sweep's points table" if CASE_KEYS[key] == "sweep" else "the table of plausible worlds"
    rows = points[(points["policy"] == policy) & (points["measure"] == measure)].sort_values(key)
    if rows.empty:
        raise UserError(f"no rows for policy {policy!r} and measure {measure!r} in {where}")
    info = MEASURE_INFO.get(measure)
    if info is None or info.better == 0:
        raise UserError(f"measure {measure!r}: no better direction (expected one of: "
                        f"{', '.join(m for m, i in MEASURE_INFO.items() if i.better)})")
    sign = float(info.better)
    diff = rows["diff_mean"].to_numpy(float)
    if criterion == "mean":
        y = sign * diff > 0
    elif criterion == "clear":
        bound = rows["diff_ci_low"] if sign > 0 else rows["diff_ci_high"]
        y = sign * bound.to_numpy(float) > 0
    else:
        y = (sign * diff > 0) & _matters(points, rows, key, info, measure, where)
    factors = list(points.columns[points.columns.get_loc(key) + 1:points.columns.get_loc("policy")])
    if not factors:
        raise UserError(f"{where} has no parameters to discover over")
    return rows[factors].reset_index(drop=True).astype(float), y


def _matters(points, rows, key: str, info, measure: str, where: str) -> np.ndarray:
    """Whether each row's difference reaches the measure's practical threshold (relative ones against
    the baseline's level in the same case; a missing or zero level: False)."""
    if info.threshold is None:
        raise UserError(f"measure {measure!r} has no practical threshold (sim.core.measures.MEASURE_INFO); "
                        "use --criterion mean or clear for it")
    level = np.full(len(rows), np.nan)
    if info.relative:
        if "mean" not in points.columns or "baseline" not in rows.columns:
            raise UserError(f"{where} has no baseline level (columns mean and baseline), which the relative "
                            f"threshold of {measure} needs; use --criterion mean or clear")
        base = points[(points["policy"] == rows["baseline"].iloc[0]) & (points["measure"] == measure)]
        level = rows[key].map(base.set_index(key)["mean"]).to_numpy(float)
    return np.array([bool(info.matters(d, b)) for d, b in zip(rows["diff_mean"].to_numpy(float), level)], bool)


def discover(points: pd.DataFrame, policy: str, measure: str, baseline: str, *, criterion: str = DEFAULT_CRITERION,
             min_density: float = DEFAULT_MIN_DENSITY, mass_min: float = 0.05) -> Discovery:
    """Run PRIM on one policy and measure of a table of cases (see :func:`cases_of_interest`): a
    sweep's ``points.csv`` or :func:`sim.results.posterior.draw_table`. With fewer than
    :data:`MIN_CASES` cases, or when the policy wins in none or all of them, PRIM is not run."""
    x, y = cases_of_interest(points, policy, measure, criterion)
    n, k = len(y), int(y.sum())
    rules, coverage, density = (), float("nan"), float("nan")
    if 0 < k < n and n >= MIN_CASES:
        rules, coverage, density = _prim_box(x, y, min_density, max(mass_min, MIN_BOX / n))
    return Discovery(policy, baseline, measure, criterion, n, k, rules, coverage, density, CASE_KEYS[case_key(points)],
                     min_density)


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
