"""A calibration's output folder: checking ``--out`` and reading a finished (or stopped) run back.

Kept apart from :mod:`sim.calibration.fit` so that reading a folder (``trustsim calibrate --report``,
:func:`sim.calibration.report.heldout_report`) needs neither the fit nor pyabc.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.errors import UserError
from sim.storage.guard import check_output_location
from sim.storage.layout import CALIBRATION_REPORT, DIAGNOSTICS, MANIFEST, POSTERIOR, PREDICTIVE, SCREENING

RUN_MARKER = MANIFEST


@dataclass
class CalibrationResult:
    folder: Path
    manifest: dict
    screening: pd.DataFrame | None
    posterior: pd.DataFrame
    diagnostics: pd.DataFrame
    predictive: pd.DataFrame
    report: pd.DataFrame


def check_out(out, *, writing: bool = True) -> Path:
    """The ``--out`` folder; for writing it is checked before anything runs (new, empty, or a
    trustsim results folder such as a calibration to resume: :func:`sim.storage.guard.check_output_location`)."""
    if out is None or str(out).strip() == "":
        raise UserError("--out: expected a folder for the calibration's outputs")
    if writing:
        return check_output_location(out, kind="folder")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--out {folder}: exists and is not a folder")
    return folder


def load_result(out) -> CalibrationResult:
    """Read a finished (or stopped) calibration folder."""
    folder = check_out(out, writing=False)
    if not (folder / RUN_MARKER).exists():
        raise UserError(f"{folder}: no calibration here (no {RUN_MARKER})")
    manifest = json.loads((folder / RUN_MARKER).read_text())
    return collect(folder, manifest, pd.read_csv(folder / SCREENING) if (folder / SCREENING).exists() else None)


def collect(folder: Path, manifest: dict, table) -> CalibrationResult:
    """The result held in ``folder`` (missing files read as empty tables), with ``manifest`` and the screening ``table``."""
    def read(name, reader):
        path = folder / name
        return reader(path) if path.exists() else pd.DataFrame()

    return CalibrationResult(folder, manifest, table, read(POSTERIOR, pd.read_parquet),
                             read(DIAGNOSTICS, pd.read_csv), read(PREDICTIVE, pd.read_csv),
                             read(CALIBRATION_REPORT, pd.read_csv))
