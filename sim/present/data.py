"""What the charts and the report read: :class:`Data`, from a results object or a results folder.

:func:`load` reads a comparison, run (``trustsim run --preset``), sweep or sensitivity folder,
checking each file (:mod:`sim.present.readers`); :func:`as_data` accepts a
:class:`Data`, a results object, a folder path or a dict of the parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.errors import UserError, safe_text
from sim.present import readers
from sim.storage.layout import (
    DISCOVERY,
    FIGURES,
    INDICES,
    MANIFEST,
    MAPS,
    PART_GLOB,
    PARTS,
    POINTS,
    POSTERIOR_RUNS,
    PROBABILITIES,
    RUNS,
    SUMMARY,
    SWEEP_META,
    TIMESERIES,
    VALIDATION_JSON,
    VALIDATION_MD,
    VALIDATION_RUNS,
)


@dataclass
class Data:
    """What the charts and the report read: any part may be missing (None / empty).

    A comparison folder (:mod:`sim.run.experiment`) gives ``timeseries``, ``summary``, ``manifest``
    and ``maps``; a sweep folder (:mod:`sim.run.sweep`) gives ``sweep`` (runs.parquet: one row per
    run), ``points`` (points.csv: per design point, policy and measure) and ``sweep_meta``
    (sweep.json); a sensitivity folder adds ``indices`` (indices.csv); a comparison over posterior
    draws adds ``posterior_runs`` and ``probabilities`` (:mod:`sim.results.posterior`); a sweep or a
    comparison over posterior draws on which ``trustsim discover`` ran adds ``discovery``
    (discovery.csv: one row per policy and measure, :mod:`sim.analysis.discover`)."""

    timeseries: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)
    maps: dict = field(default_factory=dict)
    sweep: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    indices: pd.DataFrame | None = None
    sweep_meta: dict = field(default_factory=dict)
    folder: Path | None = None
    posterior_runs: pd.DataFrame | None = None
    probabilities: pd.DataFrame | None = None
    discovery: pd.DataFrame | None = None

    @property
    def resolved(self) -> dict:
        """The resolved scenario: name, description, steps, replicates, seed, baseline, window,
        window_steps, policies (with their full parameters); for a sweep also ``parameters`` and
        ``design``."""
        r = self.manifest.get("resolved")
        if r:
            return r
        meta = self.sweep_meta.get("resolved") or {}
        if meta:
            return {**(meta.get("scenario") or {}), "name": meta.get("name"), "description": meta.get("description"),
                    "seed": meta.get("seed"), "replicates": meta.get("replicates"),
                    "parameters": meta.get("parameters") or [], "design": meta.get("design") or {},
                    "n_points": meta.get("n_points"), "n_runs": meta.get("n_runs")}
        return self.manifest.get("scenario") or {}

    @property
    def is_sweep(self) -> bool:
        return self.sweep is not None or self.points is not None or self.indices is not None

    @property
    def policies(self) -> list[str]:
        pols = [p["name"] if isinstance(p, dict) else str(p) for p in self.resolved.get("policies", [])]
        if pols:
            return pols
        for frame in (self.summary, self.timeseries, self.points, self.sweep, self.indices):
            if frame is not None and "policy" in frame.columns:
                return list(pd.unique(frame["policy"].astype(str)))
        return []

    @property
    def baseline(self) -> str | None:
        b = self.resolved.get("baseline")
        if b:
            return str(b)
        for frame in (self.summary, self.points, self.indices):
            if frame is not None and "baseline" in frame.columns and frame["baseline"].notna().any():
                return str(frame["baseline"].dropna().iloc[0])
        pols = self.policies
        return pols[0] if pols else None

    @property
    def name(self) -> str:
        return str(self.resolved.get("name") or self.manifest.get("sweep") or
                   (self.folder.name if self.folder else "results"))

    @property
    def parameters(self) -> list[str]:
        """The swept parameters, in the sweep file's order."""
        ps = self.resolved.get("parameters") or (self.manifest.get("shape") or {}).get("parameters") or []
        names = [p.get("name") if isinstance(p, dict) else str(p) for p in ps]
        return [n for n in names if n]

    @property
    def window_steps(self) -> tuple[int, int] | None:
        w = self.resolved.get("window_steps")
        if w:
            return int(w[0]), int(w[1])
        for frame in (self.summary, self.points):
            if frame is not None and len(frame) and "window" in frame.columns:
                rows = frame[frame.measure == "trust_mean"] if "measure" in frame.columns else frame
                text = str((rows if len(rows) else frame)["window"].iloc[0])
                try:
                    a, b = text.split("-")
                    return int(a), int(b)
                except ValueError:
                    return None
        return None


def load(folder) -> Data:
    """Read what a results, run, sweep or sensitivity folder holds (missing parts stay None/empty);
    every file is checked as it is read (:mod:`sim.present.readers`): a damaged one is a one-line
    :class:`UserError` naming it and what to do."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{safe_text(folder)}: no such results folder" if not folder.exists()
                        else f"{safe_text(folder)}: not a folder")
    d = Data(folder=folder)
    d.manifest = readers.read_json(folder / MANIFEST)
    if not isinstance(d.manifest.get("resolved", {}), dict):
        raise UserError(f"{safe_text(folder / MANIFEST)}: 'resolved' is not an object; {readers.REDO}")
    d.sweep_meta = readers.read_json(folder / SWEEP_META)
    if (folder / TIMESERIES).is_file():
        d.timeseries = readers.read_parquet(folder / TIMESERIES)
    if (folder / SUMMARY).is_file():
        d.summary = readers.read_summary(folder / SUMMARY)
    if (folder / MAPS).is_file():
        d.maps = readers.read_maps(folder / MAPS)
    if (folder / PROBABILITIES).is_file():
        d.probabilities = readers.read_summary(folder / PROBABILITIES, needs=("measure", "policy", "p_best", "p_beats"))
    if (folder / POSTERIOR_RUNS).is_file():
        d.posterior_runs = readers.read_summary(folder / POSTERIOR_RUNS, needs=("draw", "replicate", "policy"))
    if readers.is_single_run(d.timeseries, d.manifest) and d.summary is None:
        d.timeseries, d.summary, d.maps, d.manifest = readers.as_comparison(d.timeseries, d.maps, d.manifest, folder)
    _load_sweep(d, folder)
    d.discovery = read_discovery(folder)
    if d.timeseries is None and d.summary is None and not d.is_sweep:
        if (folder / VALIDATION_JSON).is_file() or (folder / VALIDATION_RUNS).is_file():
            readers.read_json(folder / VALIDATION_JSON)
            raise UserError(f"{safe_text(folder)}: a validation folder: its report is {VALIDATION_MD} and its charts "
                            f"are in {FIGURES}/ (`trustsim validate` writes them); report and plot read comparison, "
                            "run, sweep and sensitivity folders")
        raise UserError(f"{safe_text(folder)}: not a results folder (expected summary.csv and timeseries.parquet from "
                        "`trustsim compare`, or a run, sweep or sensitivity folder)")
    return d


def _load_sweep(d: Data, folder: Path) -> None:
    """The sweep's runs (or its committed parts), points and sensitivity indices."""
    if (folder / RUNS).is_file():
        d.sweep = readers.read_parquet(folder / RUNS, needs=())
    elif (folder / PARTS).is_dir():           # a sweep still running or interrupted
        d.sweep = readers.read_parts(sorted((folder / PARTS).glob(PART_GLOB)))
    if d.sweep is not None and "status" in d.sweep.columns:
        d.sweep = d.sweep[d.sweep["status"] == "ok"].reset_index(drop=True)
    if (folder / POINTS).is_file():
        d.points = readers.read_summary(folder / POINTS)
    if (folder / INDICES).is_file():
        d.indices = readers.read_summary(folder / INDICES, needs=("parameter", "measure"))


def read_discovery(folder) -> pd.DataFrame | None:
    """``trustsim discover``'s table in ``folder`` (None when it has not been run there)."""
    path = Path(folder) / DISCOVERY
    if not path.is_file():
        return None
    return readers.read_summary(path, needs=("policy", "measure", "cases", "sentence"))


def as_data(obj) -> Data:
    """A :class:`Data` from a Data, a results object, a folder path, or a dict of the parts."""
    if isinstance(obj, Data):
        return obj
    if isinstance(obj, (str, Path)):
        return load(obj)
    if isinstance(obj, dict):
        return Data(**{k: v for k, v in obj.items() if k in Data.__dataclass_fields__})
    if hasattr(obj, "summary") or hasattr(obj, "timeseries"):
        frame = lambda name: getattr(obj, name, None) if isinstance(getattr(obj, name, None), pd.DataFrame) else None
        folder = getattr(obj, "folder", None)
        if isinstance(folder, (str, Path)) and Path(folder).is_dir() and not isinstance(getattr(obj, "timeseries", None),
                                                                                      pd.DataFrame):
            return load(folder)       # a sweep or sensitivity results object: its folder has everything
        folder = Path(folder) if isinstance(folder, (str, Path)) else None
        return Data(timeseries=frame("timeseries"), summary=frame("summary"),
                    manifest=getattr(obj, "manifest", None) or {}, maps=getattr(obj, "maps", None) or {},
                    sweep=frame("runs"), points=frame("points"), indices=frame("indices"),
                    posterior_runs=frame("posterior_runs"), probabilities=frame("probabilities"),
                    discovery=read_discovery(folder) if folder is not None and folder.is_dir() else None,
                    folder=folder)
    raise TypeError(f"expected a results object, a results folder or sim.present.data.Data, got {type(obj).__name__}")


def need(frame, what: str, chart: str):
    """``frame``, or a UserError naming the ``chart`` and ``what`` it needs when it is missing or empty."""
    if frame is None or len(frame) == 0:
        raise UserError(f"{chart}: needs {what}, which these results do not have")
    return frame
