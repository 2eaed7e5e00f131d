"""The claims' settings and their criterion (what ``trustsim claims`` runs and how it judges).

A **setting** (the data in ``claims_settings.toml``) is a comparison of two arms, a *treatment*
(the policy the claim speaks for) and a *comparison*, each a set of parameter overrides on a base
preset, plus overrides common to both arms, one measure, and what the setting is expected to show
(``holds`` or ``fails``). Replicate r of both arms uses the same seed (common random numbers,
:func:`sim.scenario.files.replicate_seed`), so the effect is the mean of the per-replicate paired
differences ``treatment - comparison`` of the measure averaged over the last ``window`` of each run.

The **criterion** (:func:`judge`) is fixed here, before anything is measured: the claim *holds* in a
setting when

1. the paired difference's 95% t interval lies wholly on the better side of 0 (the side the
   measure's ``MEASURE_INFO[m].better`` says is better), and
2. the mean difference is at least the measure's practical threshold
   (``MEASURE_INFO[m].matters(difference, baseline=comparison mean)``);

otherwise it *fails* (why: reversed, not clear, or clear but below the threshold). A claim is
**shown both ways** when its ``holds`` setting holds and its ``fails`` setting fails; a setting
that comes out the other way is reported as it came out, never re-worded, and makes the command
exit 1.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.core.measures import MEASURE_INFO
from sim.core.params import Params
from sim.errors import UserError
from sim.results.stats import CONFIDENCE, Interval, paired_interval

SETTINGS_FILE = Path(__file__).resolve().parent / "claims_settings.toml"
CLAIMS = ("C1", "C2", "C3", "C4", "C5")
EXPECT = ("holds", "fails")

CRITERION = (f"the paired difference treatment - comparison has its {CONFIDENCE:.0%} t interval wholly on the "
             "better side of 0 (the measure's direction) and a mean at least the measure's practical threshold "
             "(MEASURE_INFO[m].threshold, relative ones as a share of the comparison arm's mean); otherwise it fails")


# ------------------------------------------------------------------------------------ criterion
@dataclass(frozen=True)
class Judgement:
    """The verdict of one setting: ``holds`` and why (``reason``), with the paired interval of
    ``treatment - comparison`` (``effect``) and the comparison arm's mean (``baseline``)."""

    holds: bool
    reason: str
    effect: Interval
    baseline: float
    threshold: float | None

    @property
    def verdict(self) -> str:
        return "holds" if self.holds else "fails"


def threshold_of(measure: str, baseline: float) -> float | None:
    """The practical threshold of ``measure`` in its own units (relative ones times ``|baseline|``)."""
    info = MEASURE_INFO[measure]
    if info.threshold is None:
        return None
    if info.relative:
        return info.threshold * abs(baseline) if np.isfinite(baseline) and baseline != 0 else None
    return info.threshold


def judge(treatment, comparison, measure: str, confidence: float = CONFIDENCE) -> Judgement:
    """The criterion of the module doc, applied to per-replicate values of both arms (paired by
    position). Fixed before measuring; it can come out either way on any numbers."""
    info = MEASURE_INFO.get(measure)
    if info is None or info.better == 0:
        raise ValueError(f"measure {measure!r}: needs a direction (MEASURE_INFO[...].better = +1 or -1)")
    effect = paired_interval(treatment, comparison, confidence)
    comp = np.asarray(comparison, dtype=float)
    baseline = float(np.nanmean(comp)) if np.isfinite(comp).any() else math.nan
    limit = threshold_of(measure, baseline)
    if effect.n < 2 or not (np.isfinite(effect.low) and np.isfinite(effect.high)):
        return Judgement(False, f"fewer than two usable replicates (n = {effect.n})", effect, baseline, limit)
    better_side = effect.low > 0 if info.better > 0 else effect.high < 0
    worse_side = effect.high < 0 if info.better > 0 else effect.low > 0
    if worse_side:
        return Judgement(False, "reversed: clearly worse than the comparison", effect, baseline, limit)
    if not better_side:
        return Judgement(False, "no clear difference: the interval includes 0", effect, baseline, limit)
    matters = info.matters(effect.mean, baseline)
    if not matters:
        why = "no threshold" if matters is None else f"below the practical threshold {limit:.3g}"
        return Judgement(False, f"clear but negligible ({why})", effect, baseline, limit)
    return Judgement(True, "clear and at least the practical threshold", effect, baseline, limit)


# ------------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Arm:
    label: str
    overrides: dict


@dataclass(frozen=True)
class Setting:
    claim: str
    name: str
    expect: str
    measure: str
    rationale: str
    treatment: Arm
    comparison: Arm
    common: dict = field(default_factory=dict)
    interventions: tuple = ()

    @property
    def key(self) -> str:
        return f"{self.claim}/{self.name}"


@dataclass(frozen=True)
class Plan:
    """What to run: the base preset, seeds, sizes and the settings."""

    preset: str
    seed: int
    steps: int
    replicates: int
    window: float
    size: dict
    claims: dict
    settings: tuple


def _need(d, key, kind, where):
    if key not in d:
        raise UserError(f"{where}.{key}: missing")
    value = d[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise UserError(f"{where}.{key}: expected {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _check_overrides(overrides, where) -> dict:
    if not isinstance(overrides, dict):
        raise UserError(f"{where}: expected a table of parameter overrides, got {overrides!r}")
    unknown = sorted(set(overrides) - set(Params.__dataclass_fields__))
    if unknown:
        raise UserError(f"{where}: unknown parameter(s) {', '.join(unknown)} (see python -m sim.present.paramdoc)")
    return dict(overrides)


def load_plan(path=SETTINGS_FILE, *, quick: bool = False) -> Plan:
    """Read and check the settings file; ``quick``: the ``[run.quick]`` sizes (fewer steps and
    replicates, a smaller grid; intervention steps scaled with the run)."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: cannot read the claims settings ({' '.join(str(err).split())})") from None
    run = _need(doc, "run", dict, "run")
    sizes = dict(run)
    quick_sizes = sizes.pop("quick", {})
    full_steps = _need(run, "steps", int, "run")
    if quick:
        sizes.update(quick_sizes)
    steps, replicates = _need(sizes, "steps", int, "run"), _need(sizes, "replicates", int, "run")
    window = float(_need(sizes, "window", (int, float), "run"))
    if steps < 2 or replicates < 2 or not 0 < window <= 1:
        raise UserError(f"{path}: run: expected steps >= 2, replicates >= 2, 0 < window <= 1")
    size = {k: sizes[k] for k in ("width", "height") if k in sizes}
    claims = _need(doc, "claims", dict, "claims")
    settings = []
    for i, s in enumerate(_need(doc, "setting", list, "setting")):
        where = f"setting[{i}]"
        claim, expect, measure = (_need(s, k, str, where) for k in ("claim", "expect", "measure"))
        if claim not in CLAIMS or claim not in claims:
            raise UserError(f"{where}.claim: expected one of {', '.join(CLAIMS)} (described under [claims]), got {claim!r}")
        if expect not in EXPECT:
            raise UserError(f"{where}.expect: expected 'holds' or 'fails', got {expect!r}")
        if measure not in MEASURE_INFO or MEASURE_INFO[measure].better == 0:
            raise UserError(f"{where}.measure: expected a recorded measure with a direction, got {measure!r}")
        arms = []
        for role in ("treatment", "comparison"):
            a = _need(s, role, dict, where)
            arms.append(Arm(_need(a, "label", str, f"{where}.{role}"), _check_overrides(a.get("set", {}), f"{where}.{role}.set")))
        ivs = []
        for iv in s.get("interventions", []):
            iv = dict(iv)
            step = _need(iv, "step", int, f"{where}.interventions")
            iv["step"] = max(1, round(step * steps / full_steps)) if quick else step
            ivs.append(iv)
        settings.append(Setting(claim, _need(s, "name", str, where), expect, measure,
                                " ".join(_need(s, "rationale", str, where).split()), arms[0], arms[1],
                                _check_overrides(s.get("common", {}), f"{where}.common"), tuple(ivs)))
    keys = [s.key for s in settings]
    if len(set(keys)) != len(keys):
        raise UserError(f"{path}: setting names must be unique within a claim")
    missing = [f"{c} {e}" for c in CLAIMS for e in EXPECT if not any(s.claim == c and s.expect == e for s in settings)]
    if missing:
        raise UserError(f"{path}: every claim needs a 'holds' and a 'fails' setting; missing: {', '.join(missing)}")
    return Plan(_need(run, "preset", str, "run"), _need(run, "seed", int, "run"), steps, replicates, window, size,
                {c: " ".join(str(claims[c]).split()) for c in CLAIMS}, tuple(settings))
