"""The measures recorded every step (MODEL.md, "Measures, every step"), the maps, and what
each measure means (:data:`MEASURE_INFO`: the one source of labels, units, directions, ranges,
display scales and practical-significance thresholds for the tables, charts and report)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MEASURES = (
    "trust_mean", "trust_p10", "tension", "active_fraction", "incidents", "incident_rate", "reported_share",
    "arrests", "jailed_fraction", "officer_stress", "officers_on_duty", "cost_policing", "cost_programmes",
    "cost_jail", "cost_incidents", "cost_total",
)
EXTRA_MEASURES = ("officers", "budget_spent", "awareness", "contacts", "supported", "offences", "offence_rate",
                  "offence_risk", "rebel_incidents", "certainty", "officer_absence", "burnout_share",
                  "contact_officer_days", "problem_officer_days")


def measure_row(model) -> dict:
    """One row of measures for the model's current state and this step's tallies.

    trust_*: over all citizens (Epstein's global L when trust is off); tension: mean
    grievance of free citizens; incident_rate: per 1,000 citizens per step; reported_share:
    reported / incidents (NaN with no incidents); costs in officer-days."""
    c, o, p, t, a = model.citizens, model.officers, model.p, model.tally, model.allocation
    n = max(len(c), 1)
    free = np.flatnonzero(~c.jailed)
    jailed = len(c) - len(free)
    if p.trust_on:
        legit = model.legitimacy
        tension = model.rules.grievance(c.hardship[free], legit[free])
        trust_mean, trust_p10 = _mean_and_p10(legit)
    else:                                   # Epstein's global L: the same for every citizen
        tension = model.rules.grievance(c.hardship[free], np.full(len(free), p.legitimacy))
        trust_mean, trust_p10 = (float(p.legitimacy),) * 2 if len(c) else (np.nan, np.nan)
    cost_jail = float(jailed) * p.jail_cost
    cost_incidents = t.incidents * p.incident_cost
    return {
        "step": model.steps,
        "trust_mean": trust_mean,
        "trust_p10": trust_p10,
        "tension": float(tension.mean()) if len(tension) else 0.0,
        "active_fraction": float(np.count_nonzero(c.active[free])) / n,
        "incidents": t.incidents,
        "incident_rate": 1000.0 * t.incidents / n,
        "reported_share": t.reported / t.incidents if t.incidents else np.nan,
        "arrests": t.arrests,
        "jailed_fraction": float(jailed) / n,
        "officer_stress": float(o.stress.mean()) if len(o) else 0.0,
        "officers_on_duty": int(np.count_nonzero(o.on_duty)),
        "cost_policing": a.cost_policing,
        "cost_programmes": a.cost_programmes,
        "cost_jail": cost_jail,
        "cost_incidents": cost_incidents,
        "cost_total": a.cost_policing + a.cost_programmes + cost_jail + cost_incidents,
        "officers": len(o),
        "budget_spent": a.cost_policing + a.cost_programmes,
        "awareness": model.awareness,
        "contacts": t.contacts,
        "supported": t.supported,
        "offences": t.offences,
        "offence_rate": 1000.0 * t.offences / n,
        "offence_risk": 1000.0 * t.offence_risk / n,
        "rebel_incidents": t.incidents - t.offences,
        "certainty": float(model.certainty),
        "officer_absence": 1.0 - float(np.count_nonzero(o.on_duty)) / len(o) if len(o) else 0.0,
        "burnout_share": float(np.count_nonzero(o.stress > BURNOUT)) / len(o) if len(o) else 0.0,
        "contact_officer_days": t.contact_officer_days,
        "problem_officer_days": t.problem_officer_days,
    }


CRIME_MEASURE = "offence_risk"
"""The measure that stands for crime where a published study counts crime (the calibration's and the
validation's crime statistics): expected ordinary offences per 1,000 citizens per step. ODD 7.8 maps offences,
not rebel incidents, to crime statistics; the offending chances rather than the drawn offences, so that two arms
differ by what deters them, not by draw noise."""
BURNOUT = 0.5
"""Stress above which an officer counts as burnt out (``burnout_share``): the upper half of the
scale, compared with the 10.9% critical burnout of Queiros et al. (2020) (docs/evidence.md 7)."""


def _mean_and_p10(x: np.ndarray) -> tuple[float, float]:
    """Mean and 10th percentile (NaN for no citizens)."""
    if not len(x):
        return np.nan, np.nan
    mean = float(x.mean())
    return mean, percentile10(x) if np.isfinite(mean) and len(x) > 2 else float(np.percentile(x, 10))


def percentile10(x: np.ndarray) -> float:
    """``np.percentile(x, 10)`` (method "linear"), the same float, for finite ``x`` of 3 or more values,
    without NumPy's general quantile machinery (a tenth of a millisecond per step): the k-th and
    (k+1)-th smallest values (k = floor(0.1 (n - 1))) and NumPy's interpolation (``_lerp``)."""
    v = (len(x) - 1) * 0.1
    k = int(np.floor(v))
    g = v - k
    part = np.partition(x, (k, k + 1))
    a, b = part[k], part[k + 1]
    d = b - a
    return float(b - d * (1 - g)) if g >= 0.5 else float(a + d * g)


def trust_map(model) -> np.ndarray:
    """(height, width): trust (L_i) of the free citizen on each cell, NaN elsewhere."""
    c = model.citizens
    out = np.full(model.grid.size, np.nan)
    free = ~c.jailed
    out[c.cell[free]] = model.legitimacy[free]
    return out.reshape(model.p.height, model.p.width)


# ---------------------------------------------------------------------------------- metadata
@dataclass(frozen=True)
class MeasureInfo:
    """What a measure means and how to show it.

    ``label``: words for a sentence ("mean trust"); ``short``: a chart title or table heading;
    ``unit``: the unit as shown on an axis; ``description``: one clause saying what is measured;
    ``better``: +1 higher is better, -1 lower is better, 0 neither (a cost of a chosen budget,
    counts that are neither good nor bad in themselves); ``range``: (low, high) the values the
    measure can take (None: unbounded), used to cut confidence bands at what is possible;
    ``scale``, ``scale_unit``: multiply by ``scale`` to show the value in ``scale_unit``
    (shares as %, rates already per 1,000 citizens); ``threshold``: the smallest difference
    that matters in practice, in the measure's own units, or, with ``relative``, as a share of
    the baseline's value (the reasoning for each is in :data:`MEASURE_INFO`)."""

    label: str
    short: str
    unit: str
    description: str
    better: int
    range: tuple = (None, None)
    scale: float = 1.0
    scale_unit: str = ""
    threshold: float | None = None
    relative: bool = False

    def as_tuple(self) -> tuple:
        """(label, unit, better, short label, range): the order the charts and report unpack."""
        return self.label, self.unit, self.better, self.short, self.range

    def matters(self, difference: float, baseline: float | None = None) -> bool | None:
        """Whether ``difference`` is at least the practical-significance threshold (None: no
        threshold, or a relative one without a finite non-zero ``baseline``)."""
        if self.threshold is None or not np.isfinite(difference):
            return None
        limit = self.threshold
        if self.relative:
            if baseline is None or not np.isfinite(baseline) or baseline == 0:
                return None
            limit = self.threshold * abs(baseline)
        return bool(abs(difference) >= limit)


_SHARE, _PER_DAY, _OD = (0, 1), (0, None), "officer-days per day"

# Practical-significance thresholds (``threshold``), the reasoning in one place:
# - TRUST 0.02 (trust_mean, trust_p10, awareness): 2 points on the 0-1 scale. Surveys of
#   confidence in the police report year-on-year changes of about 2 percentage points as the
#   smallest they can detect, and in the model a change of 0.02 in L moves grievance H(1 - L) by
#   at most 0.02, a fifth of Epstein's activation threshold T = 0.1: smaller changes do not move
#   anyone across it.
# - TENSION 0.01: what a trust change of 0.02 does to mean grievance at the mean hardship, 0.5.
# - REVOLT 0.01 (active_fraction): one citizen in a hundred in open revolt.
# - REPORTING 0.05 (reported_share): 5 points of incidents reported; victim surveys put reporting
#   rates at 30-50% with sampling errors of a few points, so smaller changes would not be seen.
# - STRESS 0.05 (officer_stress): a twentieth of the 0-1 scale.
# - EVENTS 10% of the baseline (incidents, rates, arrests, jail, contacts, support, the cost of
#   incidents, cost per incident averted): policing evaluations plan for and report effects of
#   10-20% (e.g. hot-spot policing reviews); smaller changes are lost in the year-to-year
#   variation of recorded crime. Relative, because the counts scale with the population.
# - BUDGET 1% of the baseline (spending, officers, total cost): the default budget tolerance of a
#   scenario (``budget_tolerance = 0.01``): below it two policies count as spending the same.
_TRUST, _TENSION, _REVOLT, _REPORTING, _STRESS = 0.02, 0.01, 0.01, 0.05, 0.05
_EVENTS, _BUDGET = dict(threshold=0.10, relative=True), dict(threshold=0.01, relative=True)

MEASURE_INFO: dict[str, MeasureInfo] = {
    "trust_mean": MeasureInfo(
        "mean trust", "trust", "0-1 scale", "mean trust of citizens, 0-1 (Epstein's L when trust is off)", +1,
        _SHARE, threshold=_TRUST),
    "trust_p10": MeasureInfo(
        "trust of the least trusting 10%", "trust, lowest 10%", "0-1 scale, 10th percentile",
        "10th percentile of citizens' trust, 0-1", +1, _SHARE, threshold=_TRUST),
    "tension": MeasureInfo(
        "tension", "tension", "0-1, mean grievance of free citizens", "mean grievance of free citizens, 0-1", -1,
        _SHARE, threshold=_TENSION),
    "active_fraction": MeasureInfo(
        "citizens in open revolt", "citizens in revolt", "share of citizens, 0-1",
        "share of citizens active (rebelling)", -1, _SHARE, 100, "% of citizens", _REVOLT),
    "incidents": MeasureInfo(
        "incidents", "incidents", "per day", "incidents per step", -1, _PER_DAY, **_EVENTS),
    "incident_rate": MeasureInfo(
        "incident rate", "incident rate", "per 1,000 citizens per day", "incidents per 1,000 citizens per step", -1,
        _PER_DAY, 1, "per 1,000 citizens per day", **_EVENTS),
    "reported_share": MeasureInfo(
        "incidents reported", "incidents reported", "share of incidents, 0-1", "share of incidents reported", +1,
        _SHARE, 100, "% of incidents", _REPORTING),
    "arrests": MeasureInfo("arrests", "arrests", "per day", "arrests per step", 0, _PER_DAY, **_EVENTS),
    "jailed_fraction": MeasureInfo(
        "citizens in jail", "citizens in jail", "share of citizens, 0-1", "share of citizens in jail", 0, _SHARE,
        100, "% of citizens", **_EVENTS),
    "officer_stress": MeasureInfo(
        "officer stress", "officer stress", "0-1, mean over officers", "mean stress of officers, 0-1", -1, _SHARE,
        threshold=_STRESS),
    "officers_on_duty": MeasureInfo(
        "officers on duty", "officers on duty", "officers", "officers on duty per step", 0, _PER_DAY, **_BUDGET),
    "cost_policing": MeasureInfo(
        "policing cost", "policing cost", _OD, "cost of officers per step", 0, _PER_DAY, **_BUDGET),
    "cost_programmes": MeasureInfo(
        "programme cost", "programme cost", _OD, "cost of support, welfare and awareness per step", 0, _PER_DAY,
        **_BUDGET),
    "cost_jail": MeasureInfo("jail cost", "jail cost", _OD, "cost of jail per step", 0, _PER_DAY, **_EVENTS),
    "cost_incidents": MeasureInfo(
        "social cost of incidents", "cost of incidents", _OD, "social cost of incidents per step", -1, _PER_DAY,
        **_EVENTS),
    "cost_total": MeasureInfo(
        "total cost", "total cost", _OD, "officer-days per step (policing, programmes, jail, incidents)", -1, _PER_DAY,
        **_BUDGET),
    "officers": MeasureInfo("officers employed", "officers", "officers", "officers employed", 0, _PER_DAY, **_BUDGET),
    "budget_spent": MeasureInfo(
        "budget spent", "budget spent", _OD, "policing and programme spending per step", 0, _PER_DAY, **_BUDGET),
    "awareness": MeasureInfo("awareness", "awareness", "0-1", "awareness level, 0-1", 0, _SHARE, threshold=_TRUST),
    "contacts": MeasureInfo(
        "proximity contacts", "contacts", "per day", "proximity contacts per step", 0, _PER_DAY, **_EVENTS),
    "supported": MeasureInfo(
        "citizens supported", "citizens supported", "per day", "citizens supported per step", 0, _PER_DAY,
        **_EVENTS),
    "offences": MeasureInfo(
        "ordinary offences", "offences", "per day",
        "offences by quiet citizens per step (ordinary crime, deterred by visible officers and the certainty of "
        "response; part of incidents)", -1, _PER_DAY, **_EVENTS),
    "offence_rate": MeasureInfo(
        "offence rate", "offence rate", "per 1,000 citizens per day",
        "ordinary offences per 1,000 citizens per step (compare recorded crime per head)", -1, _PER_DAY, 1,
        "per 1,000 citizens per day", **_EVENTS),
    "offence_risk": MeasureInfo(
        "expected offence rate", "expected offences", "per 1,000 citizens per day",
        "sum of quiet citizens' offending chances per 1,000 citizens per step (the offence rate without its "
        "draw noise)", -1, _PER_DAY, 1, "per 1,000 citizens per day", **_EVENTS),
    "rebel_incidents": MeasureInfo(
        "incidents by rebels", "rebel incidents", "per day",
        "incidents caused by active (rebelling) citizens per step: incidents minus offences", -1, _PER_DAY,
        **_EVENTS),
    "certainty": MeasureInfo(
        "perceived certainty of response", "certainty of response", "0-1",
        "recent share of ordinary offences answered by an officer, as would-be offenders perceive it", +1, _SHARE,
        threshold=_REPORTING),
    "officer_absence": MeasureInfo(
        "officers absent", "officers absent", "share of officers, 0-1", "share of officers absent this step", -1,
        _SHARE, 100, "% of officers", threshold=0.01),
    "burnout_share": MeasureInfo(
        "officers burnt out", "officers burnt out", "share of officers, 0-1",
        "share of officers with stress above 0.5", -1, _SHARE, 100, "% of officers", threshold=_STRESS),
    "contact_officer_days": MeasureInfo(
        "officer-days on contacts", "officer-days on contacts", _OD,
        "on-duty proximity officers busy with contacts this step (the explicit time cost of proximity)", 0,
        _PER_DAY, **_EVENTS),
    "problem_officer_days": MeasureInfo(
        "officer-days on problem-solving", "officer-days on problem-solving", _OD,
        "on-duty proximity officers busy with problem-solving at their beat's hot spots this step (its time cost)",
        0, _PER_DAY, **_EVENTS),
    "incidents_cumulative": MeasureInfo(
        "incidents over the run", "incidents, whole run", "incidents", "incidents over the whole run", -1,
        _PER_DAY, **_EVENTS),
    "cost_cumulative": MeasureInfo(
        "total cost over the run", "cost, whole run", "officer-days", "total cost over the whole run", -1,
        _PER_DAY, **_BUDGET),
    "cost_per_incident_averted": MeasureInfo(
        "cost per incident averted", "cost per incident averted", "officer-days per incident",
        "extra public spending per incident averted", -1, (None, None), **_EVENTS),
}


def measure_info(measure: str) -> MeasureInfo:
    """The :class:`MeasureInfo` of ``measure`` (a generic one, direction 0, for unknown names)."""
    known = MEASURE_INFO.get(measure)
    if known is not None:
        return known
    name = measure.replace("_", " ")
    return MeasureInfo(name, name, "", name, 0)
