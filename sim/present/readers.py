"""Validating readers of the files of a results folder (issue 15, cases 7 and 8).

Each reader checks what it reads and fails with one :class:`sim.errors.UserError` line that
names the file, says what is wrong and what to do; no pandas, pyarrow or numpy traceback
reaches the user. :func:`as_comparison` turns the folder of one run of a preset (``trustsim
run --preset NAME``: a time series without policy or replicate columns, maps without policy
prefixes) into the shape of a comparison of one policy and one replicate, with its summary, so
the charts and the report read every folder kind the same way."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError, safe_text
from sim.results.summary import SUMMARY_DTYPES, summarise

REDO = "run the command that made it again (or restore the file)"
SUMMARY_NEEDS = ("policy", "measure", "mean")
NUMERIC = ("mean", "sd", "ci_low", "ci_high", "n", "diff_mean", "diff_sd", "diff_ci_low", "diff_ci_high")
TABLE_ERRORS = (OSError, ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError, pd.errors.ParserError,
                pd.errors.EmptyDataError, zipfile.BadZipFile, EOFError)


def _fail(path: Path, problem: str, todo: str = REDO) -> UserError:
    return UserError(f"{safe_text(path)}: {problem}; {todo}")


def _first_line(err: BaseException) -> str:
    text = safe_text(str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__)
    return text if len(text) <= 140 else text[:139] + "\u2026"


def read_json(path: Path, required: bool = False) -> dict:
    """A JSON object ({} when the file is missing and not ``required``)."""
    if not path.is_file():
        if required:
            raise _fail(path, "missing")
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError, RecursionError, ValueError) as err:
        raise _fail(path, f"not valid JSON ({_first_line(err)})") from None
    if not isinstance(value, dict):
        raise _fail(path, f"expected a JSON object, got {type(value).__name__}")
    return value


def read_parquet(path: Path, needs=("step",)) -> pd.DataFrame:
    """A Parquet table with at least one row and the columns ``needs``."""
    try:
        frame = pd.read_parquet(path)
    except TABLE_ERRORS as err:
        raise _fail(path, f"not a readable Parquet table ({_first_line(err)})") from None
    except Exception as err:          # pyarrow's own errors (ArrowInvalid, ...) have no common base to import
        raise _fail(path, f"not a readable Parquet table ({_first_line(err)})") from None
    if frame.empty:
        raise _fail(path, "has no rows")
    missing = [c for c in needs if c not in frame.columns]
    if missing:
        raise _fail(path, f"has no column {', '.join(missing)} (is it a trustsim time series?)")
    return frame


def read_summary(path: Path, needs=SUMMARY_NEEDS) -> pd.DataFrame:
    """summary.csv (or points.csv, indices.csv): the columns ``needs``, numeric statistics."""
    try:
        frame = pd.read_csv(path, dtype={**SUMMARY_DTYPES, "parameter": str})
    except TABLE_ERRORS as err:
        raise _fail(path, f"not a readable CSV table ({_first_line(err)})") from None
    if frame.empty:
        raise _fail(path, "has no rows")
    missing = [c for c in needs if c not in frame.columns]
    if missing:
        raise _fail(path, f"has no column {', '.join(missing)} (not a trustsim table)")
    for col in NUMERIC:
        if col in frame.columns:
            values = pd.to_numeric(frame[col], errors="coerce")
            bad = values.isna() & frame[col].notna()
            if bad.any():
                raise _fail(path, f"column {col} holds text where numbers belong (row {int(np.flatnonzero(bad)[0]) + 2})")
            frame[col] = values.astype(float)
    return frame


def read_maps(path: Path) -> dict:
    """maps.npz: name -> 2-D numeric array, all of one shape."""
    try:
        with np.load(path, allow_pickle=False) as z:
            maps = {k: np.asarray(z[k]) for k in z.files}
    except TABLE_ERRORS as err:
        raise _fail(path, f"not a readable .npz archive ({_first_line(err)})") from None
    shapes = {a.shape for a in maps.values()}
    if any(a.ndim != 2 or not np.issubdtype(a.dtype, np.number) for a in maps.values()) or len(shapes) > 1:
        raise _fail(path, "expected 2-D numeric maps of one shape")
    return maps


def read_parts(paths: list[Path]) -> pd.DataFrame | None:
    """The committed parts of a sweep as one frame sorted by run, or None."""
    if not paths:
        return None
    df = pd.concat([read_parquet(p, needs=()) for p in paths], ignore_index=True)
    return df.sort_values([k for k in ("run", "step") if k in df.columns], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------ one run of a preset
def is_single_run(timeseries: pd.DataFrame | None, manifest: dict) -> bool:
    """A ``trustsim run --preset`` folder: a time series without a policy column."""
    return timeseries is not None and "policy" not in timeseries.columns and "resolved" not in manifest


def as_comparison(timeseries: pd.DataFrame, maps: dict, manifest: dict, folder: Path) -> tuple:
    """(timeseries, summary, maps, manifest) of one run of a preset, shaped as a comparison of one
    policy (the preset) and one replicate; the manifest gains a ``resolved`` scenario."""
    name = str(manifest.get("preset") or (timeseries["preset"].iloc[0] if "preset" in timeseries else "run"))
    ts = timeseries.drop(columns=[c for c in ("preset",) if c in timeseries.columns]).copy()
    ts.insert(0, "policy", name)
    ts.insert(1, "replicate", 0)
    if "seed" not in ts.columns:
        ts["seed"] = manifest.get("seed", 0)
    steps = int(manifest.get("steps") or ts["step"].max())
    window = (steps - max(1, round(0.25 * steps)) + 1, steps)
    try:
        summary = summarise(ts, [name], name, window, steps)
    except Exception as err:
        raise _fail(folder / "timeseries.parquet", f"cannot be summarised ({_first_line(err)})") from None
    resolved = {"name": name, "description": f"One run of the {name} preset ({steps} days, seed {manifest.get('seed')}).",
                "steps": steps, "replicates": 1, "seed": manifest.get("seed"), "baseline": name, "window": 0.25,
                "window_steps": list(window), "policies": [{"name": name, "params": manifest.get("params") or {},
                                                            "interventions": manifest.get("interventions") or []}]}
    maps = {(k if "/" in k else f"{name}/{k}"): v for k, v in maps.items()}
    return ts, summary, maps, {**manifest, "resolved": resolved}
