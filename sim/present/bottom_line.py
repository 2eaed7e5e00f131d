"""The bottom line: 3-5 one-sentence bullets an adviser reads first, generated from the numbers.

For a comparison: one bullet per key measure (:data:`BOTTOM_MEASURES`: trust, incidents, cost)
naming the policy that does best where the difference is clear *and* at least the measure's
practical-significance threshold (:meth:`sim.core.measures.MeasureInfo.matters`), then every
other policy's notable result (clearly better or worse, negligible, or within noise; a level at
least twice or at most half the baseline's is named with its interval even when it is within
noise); then how sure (replicates, and a warning below :data:`FEW_REPLICATES`); then what would
flip it (the sensitivity or sweep results when the folder has them, otherwise the assumptions
that drive the result: :data:`DRIVERS`). A comparison over posterior draws (``compare --posterior N``)
says instead, per key measure, in how many of the plausible worlds the leading policy beat the
baseline, by enough to matter, and by how much (:mod:`sim.present.posterior`), then how sure (worlds,
replicates, the posterior's source) and what would flip it. Sweeps and sensitivity analyses: their own
headline's first sentences. Every sentence starts with a capital letter."""

from __future__ import annotations

import math

import numpy as np

from sim.core.measures import measure_info
from sim.present.data import Data, as_data
from sim.present.labels import and_
from sim.present.numbers import is_clear, measure_format
from sim.present.posterior import has_probabilities, posterior_how_sure, posterior_of, probability_sentence
from sim.present.prose import cap, rows_of
from sim.present.sweep_prose import sensitivity_sentences, sweep_paragraphs

BOTTOM_MEASURES = ("trust_mean", "incident_rate", "cost_total")
FEW_REPLICATES = 5           # below this, the report warns at the top
NOTABLE_RATIO = 2.0          # a level this many times the baseline's (or this fraction of it) is named
# The assumptions measured to decide the policy ranking at the defaults (README, docs/claims.md),
# with what they mean: proximity's trust gain turns into mass rebellion with contact_negativity_bias 4
# instead of 1.5; social support lowers incidents only with a stronger, better-targeted support_effect.
DRIVERS = (("contact_negativity_bias", "how much more a bad contact with an officer weighs than a good one"),
           ("quality_base", "how often an officer's contact goes well"),
           ("support_effect", "how much a day of support cuts a recipient's hardship"))
SENSITIVITY_FILE = "experiments/sweep-trust-sensitivity.toml"


def bottom_line(results) -> list[str]:
    """The bullets (plain text, not escaped), 3 to 5 of them when the results allow."""
    d = as_data(results)
    if d.summary is None or d.summary.empty:
        if d.is_sweep:
            return _sweep_bullets(d)
        return ["This folder has no summary to report on."]
    if has_probabilities(d):
        bullets = [b for m in BOTTOM_MEASURES if (b := probability_sentence(d, m))]
        bullets.append(posterior_how_sure(d))
    else:
        bullets = [b for m in BOTTOM_MEASURES if (b := measure_bullet(d, m))]
        bullets.append(how_sure(d, bullets))
    bullets.append(what_would_flip(d))
    return [cap(b) for b in bullets[:5]]


def _sweep_bullets(d: Data) -> list[str]:
    """What varied (one sentence), the ranges of the key results over the design points, which
    assumption matters most (a sensitivity analysis), and how sure."""
    paras = sweep_paragraphs(d)
    intro = paras[0][0].split(". ")[0].rstrip(".") + "." if paras and paras[0] else ""
    findings = [s for par in paras[1:] for s in par]
    n = d.resolved.get("replicates")
    sure = ""
    if isinstance(n, int):
        sure = (f"How sure: {n} replicate{'s' if n != 1 else ''} per design point and policy" +
                (f"; with fewer than {FEW_REPLICATES} the intervals are unreliable, so rerun with more before "
                 "deciding." if n < FEW_REPLICATES else ", 95% intervals."))
    bullets = [b for b in (intro, *findings[:3], sure) if b]
    return [cap(b) for b in bullets[:5]]


class _Rows:
    """One measure's summary rows with its formatter and the baseline's level."""

    def __init__(self, d: Data, measure: str):
        self.d, self.m, self.base = d, measure, d.baseline
        rows = rows_of(d.summary, measure, d.policies)
        self.rows = rows[np.isfinite(rows["mean"].astype(float))]
        self.mi = measure_info(measure)
        self.mf = measure_format(measure, self.rows, self.base) if len(self.rows) else None
        self.base_mean = float(self.rows.loc[self.base, "mean"]) if self.base in self.rows.index else None

    def level(self, p) -> str:
        return f"{self.mf.level(self.rows.loc[p, 'mean'])}{self.mf.unit_words}"

    def diff(self, p, ci: bool = True, unit: bool = True) -> str:
        r = self.rows.loc[p]
        text = f"{self.mf.diff(r['diff_mean'])}{self.mf.diff_unit if unit else ''}"
        bounds = self.mf.diff_ci(r["diff_ci_low"], r["diff_ci_high"])
        return f"{text}, 95% CI {bounds}" if ci and bounds else text

    def kind(self, p) -> str:
        """'better', 'worse', 'higher', 'lower', 'negligible', 'noise', 'no interval'."""
        r = self.rows.loc[p]
        clear = is_clear(r["diff_ci_low"], r["diff_ci_high"])
        if clear is None:
            return "no interval"
        if not clear:
            return "noise"
        dm = float(r["diff_mean"])
        if self.mi.matters(dm, self.base_mean) is False:
            return "negligible"
        if self.mi.better == 0:
            return "higher" if dm > 0 else "lower"
        return "better" if (dm > 0) == (self.mi.better > 0) else "worse"

    def ratio(self, p) -> float | None:
        """The policy's level over the baseline's (None when not meaningful)."""
        b, v = self.base_mean, float(self.rows.loc[p, "mean"])
        if b is None or not math.isfinite(b) or b <= 0 or v < 0:
            return None
        return v / b


def _times(ratio: float) -> str:
    """'3.6 times', 'a quarter of', 'none of' (a level against the baseline's)."""
    if ratio >= 1:
        return f"{ratio:.1f} times"
    if ratio <= 0:
        return "none of"
    k = round(1 / ratio)
    return {2: "half", 3: "a third of", 4: "a quarter of"}.get(k, f"1/{k} of")


def measure_bullet(d: Data, measure: str) -> str | None:
    """One sentence on ``measure``: the best policy where that is clear and matters, then every
    other policy's notable result."""
    r = _Rows(d, measure)
    if r.mf is None or r.base not in r.rows.index:
        return None
    others = [p for p in r.rows.index if p != r.base]
    name = r.mi.label
    if not others:
        return f"{r.base}: {name} {r.level(r.base)}" + _ci_words(r, r.base) + "."
    kinds = {p: r.kind(p) for p in others}
    good = [p for p in others if kinds[p] == "better"]
    sign = r.mi.better or 1
    if good:
        best = max(good, key=lambda p: sign * float(r.rows.loc[p, "mean"]))
        lead = (f"{best} did best on {name}: {r.level(best)} against {r.mf.level(r.base_mean)} under {r.base} "
                f"({r.diff(best)}), a clear difference that matters")
        rest = [p for p in others if p != best]
    else:
        verb = "raised" if sign > 0 else "lowered"
        lead = f"No policy clearly {verb} {name} by enough to matter against {r.base} ({r.level(r.base)})"
        rest = others
    notes = _notes(r, rest, kinds)
    return lead + ("; " + "; ".join(notes) if notes else "") + "."


def _ci_words(r: _Rows, p) -> str:
    row = r.rows.loc[p]
    ci = r.mf.level_ci(row["ci_low"], row["ci_high"])
    return f" (95% CI {ci})" if ci else ""


def _notes(r: _Rows, rest: list, kinds: dict) -> list[str]:
    """What each remaining policy did, grouped by kind, with the notable ratios spelled out."""
    notes = []
    for kind, words in (("better", "also clearly better"), ("worse", "clearly worse"),
                        ("higher", "clearly higher"), ("lower", "clearly lower")):
        ps = [p for p in rest if kinds[p] == kind]
        if ps:
            notes.append(f"{and_(ps)} {'was' if len(ps) == 1 else 'were'} {words} "
                         f"({', '.join(f'{p} {r.diff(p, ci=False)}' for p in ps) if len(ps) > 1 else r.diff(ps[0])})")
    small = [p for p in rest if kinds[p] == "negligible"]
    if small:
        notes.append(f"{and_(small)} differed clearly but negligibly ({', '.join(r.diff(p, ci=False) for p in small)}, "
                     f"below the {r.mf.threshold_words()} that matters)")
    noise = [p for p in rest if kinds[p] in ("noise", "no interval")]
    big = [p for p in noise if (q := r.ratio(p)) is not None and (q >= NOTABLE_RATIO or q <= 1 / NOTABLE_RATIO)]
    if big:
        parts = [f"{p}'s was {_times(r.ratio(p))} {r.base}'s ({r.mf.level(r.rows.loc[p, 'mean'])}; difference "
                 f"{r.diff(p, unit=False)})" for p in big]
        notes.append(f"{and_(parts)}, {'both ' if len(big) == 2 else 'all ' if len(big) > 2 else ''}within noise: "
                     "the runs vary too much to tell")
    plain = [p for p in noise if p not in big]
    if plain:
        notes.append(f"{and_(plain)} did not differ from {r.base} beyond noise")
    return notes


def how_sure(d: Data, bullets: list[str]) -> str:
    """Replicates and days behind the numbers, and a warning below :data:`FEW_REPLICATES`."""
    n = int(d.summary["n"].max()) if "n" in d.summary and d.summary["n"].notna().any() else \
        int(d.resolved.get("replicates") or 0)
    steps = d.resolved.get("steps")
    run = f" of {steps} days" if steps else ""
    if n < 2:
        return (f"How sure: not at all: {n} run{run} per policy gives no intervals, so no difference can be told from "
                "noise; run at least 10 replicates (trustsim compare --replicates 10) before deciding anything.")
    base = f"How sure: {n} replicates{run} per policy, same populations under every policy, 95% intervals"
    if n < FEW_REPLICATES:
        return (base + f"; with fewer than {FEW_REPLICATES} replicates the intervals are wide and unreliable, so "
                "treat this as a first look and rerun with at least 10 (trustsim compare --replicates 10).")
    return base + "; a difference called clear has its whole interval on one side of zero."


def what_would_flip(d: Data) -> str:
    """The sensitivity results when the folder has them, otherwise the assumptions that drive it."""
    sens = sensitivity_sentences(d)
    if len(sens) > 1:
        return "What would flip it: " + sens[1][0].lower() + sens[1][1:]
    params = {}
    for pol in d.resolved.get("policies") or []:
        if isinstance(pol, dict) and pol.get("name") == d.baseline:
            params = pol.get("params") or {}
    drawn = list(posterior_of(d).get("parameters") or [])     # varied across the worlds already
    known = [(k, words, params.get(k)) for k, words in DRIVERS if k not in drawn]
    bits = [f"{k} ({words}{', ' + format(v, 'g') + ' here' if isinstance(v, (int, float)) else ''})"
            for k, words, v in known]
    what = "the ranking" if len(d.policies) > 1 else "the result"
    if drawn:
        lead = (f"What would flip it: the worlds differ only in the calibrated parameters ({', '.join(drawn)}); "
                f"{what} also rests on assumptions held fixed")
        if not bits:
            return lead + ", the structure of the model and the other parameters at the scenario's values."
        return (lead + f", above all {and_(bits)}; a sweep of them ({SENSITIVITY_FILE}, trustsim sweep or trustsim "
                "sensitivity) shows where the conclusion changes.")
    return (f"What would flip it: {what} rests on the model's assumptions, above all {and_(bits)}; a sweep of "
            f"them ({SENSITIVITY_FILE}, trustsim sweep or trustsim sensitivity) shows where the conclusion changes.")
