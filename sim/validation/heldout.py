"""The held-out calibration targets against the posterior predictive of the shipped posterior.

The calibration (``trustsim calibrate``) fits some published patterns and holds others out
(``role = "held_out"`` in ``sim/calibration/targets.toml``); its output folder holds, for every ready
target, the posterior-predictive draws (``predictive.csv``). The package ships one such folder
(``sim/data/posterior/``). This check reads the held-out statistics' posterior-predictive summaries and
says, for each, whether the model with the shipped posterior reproduces the published pattern.

**Layers.** ``sim.validation`` and ``sim.calibration`` are on the same layer, so this module does not
import the calibration: the table is read and summarised by ``sim.commands.validate`` (one layer up,
with :func:`sim.calibration.results.load_result` and :func:`sim.calibration.report.predictive_report`,
the code that writes those files) and handed in as a :class:`HeldOutInput`, plain data. Reading the
folder here again would be a second reader of the calibration's files to keep in step; moving the
reader down to ``sim.storage`` would pull the targets file (bands, roles) down with it. The criterion
and the verdict live here, in the validation layer, like every other check's.

**Criterion (fixed in code before any number was measured, 2026-12-02).** A held-out statistic
*agrees* when its accepted band (from the targets file) contains the median of its posterior-predictive
draws, with at least :data:`MIN_DRAWS` finite draws (fewer: *too few draws*, not judged); the check
passes when every judged held-out statistic agrees and at least one was judged. The 90% interval
(5th-95th percentile of the draws) and the share of draws in the band are reported, not judged.
Targets whose mechanism is missing (``status`` other than ``ready``) are listed, not judged.

**When there is no shipped posterior** the check is listed with verdict ``not run`` and the command
that produces one; it is then not gating (no verdict either way), so ``trustsim validate`` still exits
on the Epstein checks alone. When a posterior is there, the check gates like the Epstein checks: a
held-out statistic outside its band makes ``trustsim validate`` exit 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.validation.core import Check, CheckResult, new_figure, save_figure

MIN_DRAWS = 10
"""Fewest finite posterior-predictive draws for a statistic to be judged."""

PRODUCE = ("trustsim calibrate --out results/calibration, then copy its posterior.parquet, manifest.json, "
           "predictive.csv and report.csv into sim/data/posterior/ (docs/calibration.md)")
ROW_FIELDS = ("target", "statistic", "low", "high", "median", "q05", "q95", "share_in_band", "draws",
              "defaults_median", "status")


@dataclass(frozen=True)
class HeldOutInput:
    """What ``trustsim validate`` hands the check: the held-out statistics' posterior-predictive summaries
    (``rows``: dicts with :data:`ROW_FIELDS`; ``status`` is ``ready`` or the target's waiting status), where
    they come from (``source``, the calibration's ``command``), and ``missing`` (no posterior: why, and how
    to make one) or ``error`` (a posterior that cannot be read)."""

    source: str
    rows: tuple = ()
    command: str | None = None
    missing: str | None = None
    error: str | None = None
    notes: tuple = field(default=())


def not_given() -> HeldOutInput:
    return HeldOutInput(source="(none)", missing="no calibration folder was given (trustsim validate reads the "
                                                  f"shipped posterior, sim/data/posterior/; to make one: {PRODUCE})")


def judge(row: dict) -> str:
    """The verdict of one held-out statistic: ``agrees``, ``disagrees``, ``too few draws`` or the target's
    waiting status (see the module doc)."""
    if row.get("status", "ready") != "ready":
        return f"not run ({row['status']})"
    median = row.get("median")
    if not row.get("draws") or row["draws"] < MIN_DRAWS or median is None or not math.isfinite(median):
        return "too few draws"
    return "agrees" if row["low"] <= median <= row["high"] else "disagrees"


def _g(v) -> str:
    return f"{v:.3g}" if isinstance(v, (int, float)) and math.isfinite(v) else "-"


class HeldOutCheck(Check):
    name = "calibration-held-out"
    title = "Held-out calibration targets against the shipped posterior's predictive"
    group = "calibration"
    gating = True
    published = ("the held-out patterns of sim/calibration/targets.toml (procedural justice, Mazerolle et al. "
                 "2013; punctuated equilibrium, Epstein 2002; hot-spots policing, Braga et al. 2019 and Braga & "
                 "Weisburd 2022), each as an accepted band")
    source = "sim/calibration/targets.toml (each target's source and band basis); docs/calibration.md"
    criterion = (f"each held-out statistic agrees when its band contains the posterior-predictive median "
                 f"(at least {MIN_DRAWS} finite draws); the check passes when every judged statistic agrees")
    configuration = ("the posterior predictive written by the calibration that produced the shipped posterior "
                     "(sim/data/posterior/predictive.csv: posterior draws by weight, fresh seeds, every ready "
                     "target at its full design); nothing is simulated by validate")

    def __init__(self, data: HeldOutInput | None = None):
        self.data = data or not_given()

    def analyse(self, runs: dict, cfg, figdir, results: dict) -> CheckResult:
        d = self.data
        if d.missing:
            return self.result(measured={}, headline=d.missing, passed=None, verdict="not run", gating=False,
                               details=[f"- {d.missing}"])
        if d.error:
            return self.result(measured={}, headline=f"cannot read {d.source}: {d.error}", passed=None,
                               verdict="error", details=[f"- {d.error}"])
        rows = [dict(r, verdict=judge(r)) for r in d.rows]
        judged = [r for r in rows if r["verdict"] in ("agrees", "disagrees")]
        against = [r for r in judged if r["verdict"] == "disagrees"]
        passed = (not against) if judged else None
        key = lambda r: f"{r['target']}.{r['statistic']}"     # noqa: E731
        headline = (f"{len(judged) - len(against)} of {len(judged)} held-out statistics agree"
                    + ("; disagree: " + ", ".join(f"{key(r)} (median {_g(r['median'])}, band "
                                                  f"[{_g(r['low'])}, {_g(r['high'])}])" for r in against)
                       if against else "")) if judged else "no held-out statistic could be judged"
        measured = {key(r): {k: r.get(k) for k in ("median", "q05", "q95", "low", "high", "share_in_band", "draws",
                                                   "defaults_median")} | {"verdict": r["verdict"]} for r in rows}
        details = [f"Source: `{d.source}`" + (f", made by `{d.command}`" if d.command else "") + ".", "",
                   "| statistic | band | posterior-predictive median | 90% interval | draws in band | draws | "
                   "defaults' median | verdict |", "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            share = r.get("share_in_band")
            share = f"{share:.0%}" if isinstance(share, (int, float)) and math.isfinite(share) else "-"
            details.append(f"| {key(r)} | [{_g(r['low'])}, {_g(r['high'])}] | {_g(r.get('median'))} | "
                           f"[{_g(r.get('q05'))}, {_g(r.get('q95'))}] | {share} | {r.get('draws') or 0} | "
                           f"{_g(r.get('defaults_median'))} | {r['verdict']} |")
        details += [f"- {n}" for n in d.notes]
        figure = save_figure(_figure(rows), figdir, self.name) if judged else None
        return self.result(measured=measured, headline=headline, passed=passed,
                           verdict={True: "agrees", False: "disagrees", None: "not judged"}[passed],
                           details=details, figure=figure)


LIMIT = 6.0      # the figure's x range in half-bands (values beyond are drawn at its edge)


def _figure(rows: list):
    """Each judged statistic: its band, the posterior-predictive median and 90% interval, scaled to the band."""
    rows = [r for r in rows if r["verdict"] in ("agrees", "disagrees")]
    fig, axes = new_figure(width=7.5, height=0.6 + 0.5 * len(rows))
    ax = axes[0]
    for i, r in enumerate(rows):
        lo, hi = r["low"], r["high"]
        half, mid = (hi - lo) / 2, (hi + lo) / 2

        def z(v, mid=mid, half=half):
            ok = isinstance(v, (int, float)) and math.isfinite(v)
            return float(np.clip((v - mid) / half, -LIMIT, LIMIT)) if ok else np.nan

        ax.fill_betweenx([i - 0.3, i + 0.3], -1, 1, color="#ddcc77", alpha=0.6, lw=0)
        ax.plot([z(r.get("q05")), z(r.get("q95"))], [i, i], color="#4477aa", lw=2)
        ax.plot([z(r["median"])], [i], "o", color="#4477aa" if r["verdict"] == "agrees" else "#cc3311")
    ax.set_yticks(range(len(rows)), [f"{r['target']}.{r['statistic']}" for r in rows], fontsize=7)
    ax.set_xlabel(f"(value - band midpoint) / half-band: the band is [-1, 1] (shaded); line: 90% interval, "
                  f"dot: median (red: outside the band); clipped at +-{LIMIT:g}", fontsize=7)
    ax.set_xlim(-LIMIT - 0.3, LIMIT + 0.3)
    ax.axvline(0, color="grey", lw=0.5)
    return fig
