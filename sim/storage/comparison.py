"""Results folders of comparisons and of single runs: written whole (into a temporary sibling,
renamed at the end: :func:`sim.storage.folders.new_folder`) and read back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.results.data import ComparisonData
from sim.results.summary import SUMMARY_DTYPES
from sim.storage.folders import new_folder, write_json
from sim.storage.layout import COMPARISON_FILES, MANIFEST, MAPS, POSTERIOR_RUNS, PROBABILITIES, SUMMARY, TIMESERIES


def write_results_folder(out, timeseries: pd.DataFrame, manifest: dict, maps: dict,
                         summary: pd.DataFrame | None = None, tables: dict | None = None) -> Path:
    """Write a new results folder ``out`` (refused if it exists and is not empty); returns it.
    ``tables``: more CSV tables, ``{file name: frame}`` (None frames are skipped)."""
    out = Path(out)
    with new_folder(out) as tmp:
        timeseries.to_parquet(tmp / TIMESERIES, index=False)
        if summary is not None:
            summary.to_csv(tmp / SUMMARY, index=False)
        for name, frame in (tables or {}).items():
            if frame is not None:
                frame.to_csv(tmp / name, index=False)
        np.savez_compressed(tmp / MAPS, **maps)
        write_json(tmp / MANIFEST, manifest)
    return out


def save_comparison(data: ComparisonData, out) -> Path:
    """Write a comparison folder (with the posterior tables when the comparison has them)."""
    return write_results_folder(out, data.timeseries, data.manifest, data.maps, summary=data.summary,
                                tables={POSTERIOR_RUNS: data.posterior_runs, PROBABILITIES: data.probabilities})


def load_comparison(folder) -> ComparisonData:
    """A comparison folder written by :func:`save_comparison`, read back."""
    folder = Path(folder)
    missing = [n for n in COMPARISON_FILES if not (folder / n).is_file()]
    if missing:
        raise UserError(f"{folder}: not a results folder (missing {', '.join(missing)})")
    manifest = json.loads((folder / MANIFEST).read_text())
    timeseries = pd.read_parquet(folder / TIMESERIES)
    summary = pd.read_csv(folder / SUMMARY, dtype=SUMMARY_DTYPES)
    with np.load(folder / MAPS) as z:
        maps = {k: z[k] for k in z.files}
    extra = {key: pd.read_csv(folder / name, dtype={"policy": str, "measure": str, "baseline": str})
             for key, name in (("posterior_runs", POSTERIOR_RUNS), ("probabilities", PROBABILITIES))
             if (folder / name).is_file()}
    return ComparisonData(timeseries, summary, manifest, maps, **extra)
