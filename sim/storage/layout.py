"""Names of the files in every results folder (the one place they are spelled) and where a
new folder goes by default.

Comparison folder (``trustsim compare``, ``trustsim run SCENARIO.toml``, ``Results.save``):
:data:`TIMESERIES`, :data:`SUMMARY`, :data:`MAPS`, :data:`MANIFEST` (see :mod:`sim.run.experiment`);
over posterior draws (``compare --posterior N``) also :data:`POSTERIOR_RUNS` and :data:`PROBABILITIES`
(:data:`POSTERIOR_FILES`, see :mod:`sim.results.posterior`).
One run of a preset (``trustsim run --preset``): :data:`TIMESERIES`, :data:`MAPS`, :data:`MANIFEST`.
Sweep folder (:mod:`sim.run.sweep`): :data:`SWEEP_META`, :data:`DESIGN`, :data:`PARTS`/,
:data:`TIMESERIES_PARTS`/, :data:`INDEX`, :data:`MANIFEST`, :data:`RUNS`, :data:`POINTS`,
:data:`FAILED`, :data:`LOCK`; a sensitivity folder adds :data:`INDICES` and :data:`INDICES_CHART`.
Validation folder (:mod:`sim.validation`): the report (:data:`VALIDATION_MD`, :data:`VALIDATION_JSON`,
:data:`VALIDATION_CSV`, :data:`VALIDATION_SECTION`, :data:`FIGURES`/) and the saved simulations
(:data:`VALIDATION_RUNS`, :data:`VALIDATION_ARRAYS`).
Calibration folder (:mod:`sim.calibration.fit`): :data:`MANIFEST`, :data:`SCREENING`,
:data:`CALIBRATION_DB`, :data:`POSTERIOR`, :data:`DIAGNOSTICS`, :data:`PREDICTIVE`,
:data:`CALIBRATION_REPORT` and figures.
In any results folder: the report (:data:`REPORT_HTML`, :data:`REPORT_PDF`); in a finished sweep's
folder, ``trustsim discover``'s :data:`DISCOVERY`.
"""

from __future__ import annotations

import time
from pathlib import Path

RESULTS_ROOT = "results"

MANIFEST = "manifest.json"
TIMESERIES = "timeseries.parquet"
SUMMARY = "summary.csv"
MAPS = "maps.npz"
COMPARISON_FILES = (TIMESERIES, SUMMARY, MANIFEST, MAPS)
POSTERIOR_RUNS = "posterior_runs.csv"      # per (draw, replicate, policy): window means of the measures
PROBABILITIES = "probabilities.csv"        # per (measure, policy): P(best), P(beats baseline), differences
POSTERIOR_FILES = (POSTERIOR_RUNS, PROBABILITIES)
SINGLE_RUN_FILES = (TIMESERIES, MAPS, MANIFEST)

SWEEP_META = "sweep.json"
DESIGN = "design.csv"
PARTS = "parts"
TIMESERIES_PARTS = "timeseries"
PART_PREFIX, PART_SUFFIX = "part-", ".parquet"
PART_GLOB = f"{PART_PREFIX}*{PART_SUFFIX}"
INDEX = "index.jsonl"
RUNS = "runs.parquet"
POINTS = "points.csv"
FAILED = "failed.csv"
LOCK = ".lock"
TEMPORARY_PREFIX = ".tmp-"

INDICES = "indices.csv"
INDICES_CHART = "indices.png"

VALIDATION_RUNS = "runs.json"
VALIDATION_ARRAYS = "runs.npz"
VALIDATION_JSON = "validation.json"
VALIDATION_MD = "validation.md"
VALIDATION_CSV = "validation.csv"
VALIDATION_SECTION = "section.html"
FIGURES = "figures"

SCREENING = "screening.csv"
CALIBRATION_DB = "abc.db"
POSTERIOR = "posterior.parquet"
DIAGNOSTICS = "diagnostics.csv"
PREDICTIVE = "predictive.csv"
CALIBRATION_REPORT = "report.csv"

REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
DISCOVERY = "discovery.csv"


def default_out(name: str, *, stamped: bool = True, root=RESULTS_ROOT) -> Path:
    """``results/<name>-<YYYYmmdd-HHMMSS>`` (``-2``, ``-3``... if that exists already); with
    ``stamped=False`` ``results/<name>`` (a sweep's folder, which running again resumes)."""
    if not stamped:
        return Path(root) / name
    stem = Path(root) / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, k = stem, 1
    while out.exists():
        k += 1
        out = stem.with_name(f"{stem.name}-{k}")
    return out
