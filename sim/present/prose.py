"""The headline in plain language, generated from the numbers of ``summary.csv``.

For the key measures (mean trust, incident rate, total cost over the run) it names the best
policy, its value with the 95% interval, and its paired difference to the baseline with that
interval; a difference whose interval includes zero is called "within noise" and no winner is
claimed. Policies whose means are equal at the precision shown are reported as tied. When the
time series is there, the lead of the best policy over the runner-up is checked the same way
(paired by replicate, same window). Sweeps and sensitivity analyses: :mod:`sim.present.sweep_prose`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.core.measures import measure_info
from sim.present.data import Data, as_data
from sim.present.labels import UNEQUAL_BUDGET, and_, better, budget_equal, info, window_words
from sim.present.numbers import decimals, diff_decimals, interval, is_clear, measure_format, num
from sim.present.sweep_prose import sweep_paragraphs
from sim.results.stats import paired_interval

# Key measures of the headline, in order.
HEADLINE_MEASURES = ("trust_mean", "incident_rate", "cost_cumulative")
CUMULATIVE = {"incidents_cumulative": "incidents", "cost_cumulative": "cost_total"}   # whole-run total -> per step


def cap(sentence: str) -> str:
    """The sentence with a capital first letter."""
    return sentence[:1].upper() + sentence[1:]


def verdict(row, measure: str, baseline: str, base_mean: float | None = None) -> str:
    """'baseline', 'clearly better', 'clearly worse', 'clearly higher/lower', 'negligible' (clear
    but below the measure's practical-significance threshold, :meth:`MeasureInfo.matters`),
    'within noise', 'no interval'."""
    if row["policy"] == baseline:
        return "baseline"
    clear = is_clear(row["diff_ci_low"], row["diff_ci_high"])
    if clear is None:
        return "no interval"
    if not clear:
        return "within noise"
    if measure_info(measure).matters(float(row["diff_mean"]), base_mean) is False:
        return "negligible"
    up = float(row["diff_mean"]) > 0
    b = better(measure)
    if b == 0:
        return "clearly higher" if up else "clearly lower"
    return "clearly better" if up == (b > 0) else "clearly worse"


def rows_of(summary: pd.DataFrame, measure: str, policies) -> pd.DataFrame:
    """The summary rows of ``measure``, indexed by policy, in ``policies`` order."""
    r = summary[summary.measure == measure].drop_duplicates("policy").set_index("policy")
    return r.reindex([p for p in policies if p in r.index])


def _runner_up_gap(d: Data, measure: str, best: str, other: str):
    """Paired (by replicate) interval of best - other over the summary window, from the time
    series; None when the time series is not there."""
    ts = d.timeseries
    if ts is None or CUMULATIVE.get(measure, measure) not in ts.columns:
        return None
    if measure in CUMULATIVE:
        per = ts[ts.step >= 1].groupby(["policy", "replicate"])[CUMULATIVE[measure]].sum()
    else:
        w = d.window_steps
        if not w:
            return None
        win = ts[(ts.step >= w[0]) & (ts.step <= w[1])]
        per = win.groupby(["policy", "replicate"])[measure].mean()
    if best not in per.index.get_level_values(0) or other not in per.index.get_level_values(0):
        return None
    a, b = per.loc[best], per.loc[other]
    common = a.index.intersection(b.index)
    return paired_interval(a.loc[common].to_numpy(), b.loc[common].to_numpy())


class _Measure:
    """One measure's rows and the words they share: the sentences of :func:`measure_sentences`."""

    def __init__(self, d: Data, measure: str, rows: pd.DataFrame):
        self.d, self.measure, self.rows, self.base = d, measure, rows, d.baseline
        name, _, good, _, _ = info(measure)
        self.name, self.good = name, good or 1
        self.best_word = "highest" if self.good > 0 else "lowest"
        self.mf = measure_format(measure, rows, self.base)
        self.u, self.du = self.mf.unit_words, self.mf.diff_unit
        self.base_mean = float(rows.loc[self.base, "mean"]) if self.base in rows.index else None
        self.shown = {p: self.mf.level(rows.loc[p, "mean"]) for p in rows.index}
        self.order = sorted(rows.index, key=lambda p: -self.good * float(rows.loc[p, "mean"]))
        self.top = [p for p in rows.index if self.shown[p] == self.shown[self.order[0]]]     # scenario order

    def level(self, p) -> str:
        r = self.rows.loc[p]
        ci = self.mf.level_ci(r["ci_low"], r["ci_high"])
        return f"{self.shown[p]}{self.u} (95% CI {ci})" if ci else f"{self.shown[p]}{self.u}"

    def diff(self, dm, lo, hi, note: str = "") -> str:
        ci = self.mf.diff_ci(lo, hi)
        return f"{self.mf.diff(dm)}{self.du} ({'95% CI ' + ci if ci else 'no interval'}{note})"

    def vs_base(self, p, lead: str) -> str:
        r, base = self.rows.loc[p], self.base
        dm, lo, hi = float(r["diff_mean"]), float(r["diff_ci_low"]), float(r["diff_ci_high"])
        clear = is_clear(lo, hi)
        if clear is None:
            return (f"{lead} differs from {base} by {self.mf.diff(dm)}, with no interval (fewer than two "
                    "replicates), so it cannot be told from noise.")
        if clear:
            direction = "higher" if dm > 0 else "lower"
            size = self.mf.diff(abs(dm)).lstrip("+")
            if measure_info(self.measure).matters(dm, self.base_mean) is False:
                return (f"{lead} is {size}{self.du} {direction} than {base} (95% CI {self.mf.diff_ci(lo, hi)}): clear "
                        f"but negligible, below the {self.mf.threshold_words()} that matters.")
            return f"{lead} is {size}{self.du} {direction} than {base} (95% CI {self.mf.diff_ci(lo, hi)}): a clear difference."
        return (f"The difference between {p} and {base}, the baseline, is {self.diff(dm, lo, hi)}; the interval "
                f"includes zero, so it is within noise: the runs do not show {p} doing better or worse than {base} on "
                f"{self.name}.")

    def tied(self) -> list[str]:
        out = [f"{and_(self.top)} tied for the {self.best_word} {self.name}: {self.shown[self.top[0]]} each{self.u} "
               "(at the precision shown)."]
        return out + [self.vs_base(p, p) for p in self.top if p != self.base]

    def best_is_not_baseline(self, best: str) -> list[str]:
        base = self.base
        out = [f"{best} had the {self.best_word} {self.name}: {self.level(best)}, against {self.shown.get(base, 'n/a')} "
               f"for {base}, the baseline.", self.vs_base(best, "That")]
        rest = [p for p in self.order if p != best and p != base]    # the runner-up (not the baseline)
        gap = _runner_up_gap(self.d, self.measure, best, rest[0]) if rest else None
        if gap is None or gap.n < 2:
            return out
        second = rest[0]
        gm, glo, ghi = -gap.mean, -gap.high, -gap.low                # second - best, paired by replicate
        diff = self.diff(gm, glo, ghi, ", paired by replicate")
        c = is_clear(glo, ghi)
        if c:
            out.append(f"The runner-up, {second} ({self.shown[second]}), is clearly behind it: {diff}.")
        elif c is False:
            out.append(f"The runner-up, {second} ({self.shown[second]}), differs from it by {diff}; the interval "
                       f"includes zero, so {best} and {second} cannot be told apart on {self.name}.")
        return out

    def best_is_baseline(self) -> list[str]:
        base = self.base
        out = [f"{base}, the baseline, had the {self.best_word} {self.name}: {self.level(base)}."]
        rest = [p for p in self.order if p != base]
        if not rest:
            return out
        second = rest[0]
        r = self.rows.loc[second]
        dm, lo, hi = float(r["diff_mean"]), float(r["diff_ci_low"]), float(r["diff_ci_high"])
        clear = is_clear(lo, hi)
        lead = f"The closest other policy, {second} ({self.shown[second]}),"
        if clear is None:
            out.append(f"{lead} has no interval (fewer than two replicates).")
        elif clear:
            out.append(f"{lead} is clearly behind it: {self.diff(dm, lo, hi)}.")
        else:
            out.append(f"{lead} differs from it by {self.diff(dm, lo, hi)}; the interval includes zero, so "
                       f"{base} and {second} cannot be told apart on {self.name}.")
        return out


def measure_sentences(d: Data, measure: str) -> list[str]:
    """Sentences on one measure: which policy did best, by how much against the baseline, with
    the 95% intervals, and whether that is clear or within noise."""
    rows = rows_of(d.summary, measure, d.policies)
    rows = rows[np.isfinite(rows["mean"].astype(float))]
    if rows.empty:
        return []
    m = _Measure(d, measure, rows)
    if len(m.top) > 1:
        return m.tied()
    if m.top[0] != d.baseline:
        return m.best_is_not_baseline(m.top[0])
    return m.best_is_baseline()


def headline(results) -> list[str]:
    """The plain-language headline, one sentence per item (plain text, not escaped)."""
    return [sentence for par in headline_paragraphs(results) for sentence in par]


def headline_text(results) -> str:
    return " ".join(headline(results))


def headline_paragraphs(results) -> list[list[str]]:
    """The headline as paragraphs of sentences: the set-up (and warnings), then one paragraph per
    key measure (plain text, not escaped)."""
    d = as_data(results)
    if d.summary is None or d.summary.empty:
        if d.is_sweep:
            return [[cap(x) for x in par] for par in sweep_paragraphs(d)]
        return [["This folder has no summary to report on."]]
    paragraphs = [_setup(d)]
    for m in HEADLINE_MEASURES:
        if (d.summary.measure == m).any():
            paragraphs.append(measure_sentences(d, m))
    return [[cap(x) for x in p] for p in paragraphs if p]


def _setup(d: Data) -> list[str]:
    """What was compared, how, and the warnings."""
    r, policies, base = d.resolved, d.policies, d.baseline
    n = int(d.summary["n"].max()) if "n" in d.summary else r.get("replicates")
    steps = r.get("steps")
    intro = (f"This compares {len(policies)} {'policy' if len(policies) == 1 else 'policies'} ({and_(policies)})"
             + (f" over {steps} days" if steps else "") + f", {n} replicate{'s' if n != 1 else ''} each; replicate r "
             f"starts from the same simulated population under every policy, and each policy is compared with "
             f"{base}, the baseline, replicate by replicate.")
    ww = window_words(d)
    intro += (f" Levels are means over {ww}" if ww else " Levels are window means") + \
        "; totals cover the whole run; intervals are 95%."
    out = [intro]
    if not budget_equal(d.manifest.get("budget_check")):
        out.append(f"Warning: {UNEQUAL_BUDGET}.")
    if len(policies) < 2:
        out.append("There is only one policy, so there is nothing to compare.")
    if n is not None and n < 2:
        out.append("With a single replicate there are no intervals: run at least 2 (better 10 or more) replicates "
                   "before drawing conclusions.")
    return out


def cost_sentences(d: Data) -> list[str]:
    """Per policy: extra public cost per incident averted, or why there is no such ratio."""
    s, base = d.summary, d.baseline
    if s is None:
        return []
    ratio = rows_of(s, "cost_per_incident_averted", d.policies)
    inc = rows_of(s, "incidents_cumulative", d.policies)
    return [cap(_cost_sentence(p, base, inc.loc[p], ratio.loc[p] if p in ratio.index else None))
            for p in d.policies if p != base and p in inc.index]


def _cost_sentence(p: str, base: str, ir, r) -> str:
    averted = -float(ir["diff_mean"])
    lo, hi = -float(ir["diff_ci_high"]), -float(ir["diff_ci_low"])
    dd = diff_decimals([averted, lo, hi])
    clear = is_clear(lo, hi)
    if clear is None:
        return (f"{p}: {num(averted, dd)} incidents averted per run against {base}, without an interval; "
                "no cost per incident averted is given.")
    if not clear:
        return (f"{p}: incidents averted per run against {base}: {num(averted, dd, True)} "
                f"({interval(lo, hi, dd, True)}), which includes zero, so no cost per incident averted is given.")
    if averted < 0:
        return f"{p}: {num(-averted, dd)} more incidents per run than {base} ({interval(-hi, -lo, dd)}): nothing was averted."
    m = float(r["mean"]) if r is not None else math.nan
    rlo, rhi = (float(r["ci_low"]), float(r["ci_high"])) if r is not None else (math.nan, math.nan)
    dr = decimals([m, rlo, rhi])
    ci = interval(rlo, rhi, dr) if math.isfinite(rlo) and math.isfinite(rhi) else "interval unbounded"
    if m < 0:
        return (f"{p}: {num(averted, dd)} incidents averted per run ({interval(lo, hi, dd)}) while spending "
                f"less public money than {base}: {num(m, dr)} officer-days per incident averted ({ci}), i.e. a saving.")
    return (f"{p}: {num(averted, dd)} incidents averted per run ({interval(lo, hi, dd)}) at "
            f"{num(m, dr)} extra officer-days of public spending each ({ci}).")
