"""The results folder of a sweep on disk: creating and resuming it, the lock, streaming finished
runs into Parquet parts with atomic writes, the index, and reading it all back. The folder's
layout is described in :mod:`sim.run.sweep`; file names are in :mod:`sim.storage.layout`."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.measures import MEASURES
from sim.errors import UserError
from sim.results.summary import CUMULATIVE, PUBLIC_COST
from sim.scenario.designs import dtype_of
from sim.scenario.sweepfile import ID_COLUMNS, Sweep, sweep_hash
from sim.storage.guard import read_part_or_set_aside
from sim.storage.layout import (
    DESIGN,
    FAILED,
    INDEX,
    LOCK,
    MANIFEST,
    PART_GLOB,
    PART_PREFIX,
    PART_SUFFIX,
    PARTS,
    POINTS,
    RUNS,
    SWEEP_META,
    TEMPORARY_PREFIX,
    TIMESERIES_PARTS,
)

INDEX_COLUMNS = ["run", "point", "policy", "replicate", "seed", "status", "error"]   # what resume reads of a part

try:
    import fcntl
except ImportError:  # not POSIX: sweeps run without a lock
    fcntl = None


class SweepStore:
    """The results folder of one sweep: creation, resume, streaming writes (see the module doc)."""

    def __init__(self, folder, sweep: Sweep, *, chunk: int = 20, flush_seconds: float = 5.0):
        self.folder = Path(folder)
        self.sweep = sweep
        self.chunk = max(1, int(chunk))
        self.flush_seconds = float(flush_seconds)
        self.parts = self.folder / PARTS
        self.ts_parts = self.folder / TIMESERIES_PARTS
        self._buffer: list[dict] = []
        self._oldest = None
        self._lock_file = None
        self.done: set[int] = set()
        self.failed: set[int] = set()

    # ------------------------------------------------------------ opening
    def check(self) -> bool:
        """Refuse a folder holding something else; True if it holds this sweep (a resume).
        Reads only: nothing is written."""
        f = self.folder
        if f.exists() and not f.is_dir():
            raise UserError(f"--out {f}: exists and is not a folder")
        meta = f / SWEEP_META
        if meta.is_file():
            try:
                stored = json.loads(meta.read_text())
            except (OSError, ValueError) as err:
                raise UserError(f"--out {f}: {SWEEP_META} is unreadable ({err}); use a new folder") from None
            new = self.sweep.resolved()
            if stored.get("sha256") != sweep_hash(new):
                changed = changed_keys(stored.get("resolved", {}), new)
                raise UserError(
                    f"--out {f}: holds the results of a different sweep (sha256 {str(stored.get('sha256'))[:12]} "
                    f"there, {sweep_hash(new)[:12]} now; changed: {', '.join(changed) or 'unknown'}); refusing to mix "
                    f"them: use a new --out folder, or restore the sweep file (a copy is in {meta})")
            return True
        if f.is_dir() and any(not p.name.startswith(".") for p in f.iterdir()):
            raise UserError(f"--out {f}: exists, is not empty and holds no sweep (no {SWEEP_META}); choose a new folder")
        return False

    def open(self) -> bool:
        """Create or reopen the folder, take the lock, clean up, load what is done. True on resume."""
        resume = self.check()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock()
        if not resume:
            self.parts.mkdir(exist_ok=True)
            if self.sweep.keep_timeseries:
                self.ts_parts.mkdir(exist_ok=True)
            design = self.sweep.points.copy()
            design.insert(0, "point", np.arange(len(design)))
            atomic_write(self.folder / DESIGN, lambda p: design.to_csv(p, index=False))
            resolved = self.sweep.resolved()
            atomic_write(self.folder / SWEEP_META, lambda p: Path(p).write_text(
                json.dumps({"sha256": sweep_hash(resolved), "resolved": resolved, "source": self.sweep.source,
                            "raw": self.sweep.raw}, indent=2, default=str) + "\n"))
        self.parts.mkdir(exist_ok=True)
        self._clean()
        self._load_done()
        return resume

    def _lock(self):
        if fcntl is None:  # not POSIX: no lock
            return
        fh = open(self.folder / LOCK, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise UserError(f"--out {self.folder}: another sweep is writing this folder right now; wait for it "
                            "or choose another folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._lock_file = fh

    def _clean(self):
        """Delete temporary files of interrupted writes and time series parts whose run part
        never got its final name."""
        for d in (self.folder, self.parts, self.ts_parts):
            if d.is_dir():
                for p in d.glob(f"{TEMPORARY_PREFIX}*"):
                    p.unlink(missing_ok=True)
        if self.ts_parts.is_dir():
            committed = {p.name for p in self.parts.glob(PART_GLOB)}
            for p in self.ts_parts.glob(PART_GLOB):
                if p.name not in committed:
                    p.unlink(missing_ok=True)

    def _load_done(self):
        """The runs in the committed parts. A corrupt part (empty, truncated, not Parquet, missing
        columns) is renamed ``*.corrupt`` with its time-series part, with one warning line: its
        runs count as not done and run again."""
        self.done, self.failed = set(), set()
        lines = []
        for part in sorted(self.parts.glob(PART_GLOB)):
            t, note = read_part_or_set_aside(part, columns=INDEX_COLUMNS, companions=[self.ts_parts / part.name])
            if t is None:
                print(f"trustsim: WARNING: {note}", file=sys.stderr)
                continue
            for row in t.to_pylist():
                if row["run"] in self.done:
                    raise UserError(f"--out {self.folder}: run {row['run']} appears in two parts (was the folder "
                                    "written by two sweeps at once?); start again in a new folder")
                self.done.add(row["run"])
                if row["status"] != "ok":
                    self.failed.add(row["run"])
                lines.append(index_line(row, part.name))
        atomic_write(self.folder / INDEX, lambda p: Path(p).write_text("".join(lines)))

    # ------------------------------------------------------------ writing
    def add(self, result: dict):
        self._buffer.append(result)
        if self._oldest is None:
            self._oldest = time.monotonic()
        if len(self._buffer) >= self.chunk or time.monotonic() - self._oldest >= self.flush_seconds:
            self.flush()

    def flush(self):
        """Write the buffered runs as one part (time series first, then the summary part, which
        commits them), then append them to the index."""
        if not self._buffer:
            return
        rows, self._buffer, self._oldest = self._buffer, [], None
        name = f"{PART_PREFIX}{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:12]}{PART_SUFFIX}"
        if self.sweep.keep_timeseries:
            frames = [r["timeseries"] for r in rows if r["timeseries"] is not None]
            if frames:
                self.ts_parts.mkdir(exist_ok=True)
                ts = pd.concat(frames, ignore_index=True)
                atomic_write(self.ts_parts / name, lambda p: ts.to_parquet(p, index=False))
        df = self.frame(rows)
        atomic_write(self.parts / name, lambda p: df.to_parquet(p, index=False))
        with open(self.folder / INDEX, "a") as fh:
            fh.write("".join(index_line(r, name) for r in rows))
        for r in rows:
            self.done.add(r["run"])
            if r["status"] != "ok":
                self.failed.add(r["run"])

    def frame(self, rows) -> pd.DataFrame:
        """Result dicts as part rows: identity, status, design values, summary measures."""
        outputs = list(dict.fromkeys(k for r in rows for k in r["outputs"]))
        if self.sweep.scenario is not None:
            outputs = list(dict.fromkeys([*MEASURES, *CUMULATIVE, PUBLIC_COST, *outputs]))
        data = {c: [r[c] for r in rows] for c in ID_COLUMNS}
        df = pd.DataFrame(data).astype({"run": "int64", "point": "int64", "replicate": "int64", "seed": "int64",
                                        "seconds": "float64", "cpu_seconds": "float64"})
        for f in self.sweep.factors:
            df[f.name] = pd.Series([r["values"][f.name] for r in rows], dtype=dtype_of(f.type))
        for k in outputs:
            df[k] = np.array([r["outputs"].get(k, np.nan) for r in rows], dtype=float)
        return df

    def close(self):
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # ------------------------------------------------------------ reading
    def read_runs(self) -> pd.DataFrame:
        return read_parts(self.parts)

    def read_manifest(self) -> dict:
        """The folder's manifest.json ({} when missing or unreadable)."""
        path = self.folder / MANIFEST
        if path.is_file():
            try:
                return json.loads(path.read_text())
            except ValueError:
                return {}
        return {}

    def write_manifest(self, manifest: dict):
        write_manifest(self.folder, manifest)

    def write_results(self, runs: pd.DataFrame, points: pd.DataFrame | None):
        """runs.parquet and points.csv (once every run is done), failed.csv (if some failed)."""
        if points is not None:
            atomic_write(self.folder / RUNS, lambda p: runs.to_parquet(p, index=False))
            atomic_write(self.folder / POINTS, lambda p: points.to_csv(p, index=False))
        failed = runs[runs["status"] != "ok"] if len(runs) else runs
        if len(failed):
            atomic_write(self.folder / FAILED, lambda p: failed.to_csv(p, index=False))


def index_line(row: dict, part: str) -> str:
    d = {k: row[k] for k in ("run", "point", "policy", "replicate", "seed", "status")}
    if row.get("status") != "ok":
        d["error"] = row.get("error", "")
    d["part"] = part
    return json.dumps(d) + "\n"


def atomic_write(path: Path, write):
    """``write(tmp_path)``, fsync, then rename to ``path`` (readers never see a partial file)."""
    path = Path(path)
    tmp = path.with_name(f"{TEMPORARY_PREFIX}{path.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_manifest(folder, manifest: dict):
    """``manifest.json`` of a sweep (or sensitivity) folder, written atomically."""
    atomic_write(Path(folder) / MANIFEST, lambda p: Path(p).write_text(json.dumps(manifest, indent=2, default=str) + "\n"))


def changed_keys(old: dict, new: dict) -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        if key in ("name", "description", "points_sha256", "n_points", "n_runs"):
            continue
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += [f"{key}.{k}" for k in changed_keys(a, b)]
        elif json.dumps(a, sort_keys=True, default=str) != json.dumps(b, sort_keys=True, default=str):
            out.append("parameters" if key == "parameters" else key)
    if not out and old.get("points_sha256") != new.get("points_sha256"):
        out.append("design points")
    return out


def read_parts(folder) -> pd.DataFrame:
    """Every committed part of ``folder`` (``parts/`` or ``timeseries/``) as one frame, sorted by
    run (and step). Temporary files are never read."""
    files = sorted(Path(folder).glob(PART_GLOB))
    if not files:
        return pd.DataFrame()
    df = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)
    keys = [k for k in ("run", "step") if k in df.columns]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def read_index(folder) -> pd.DataFrame:
    """``index.jsonl`` as a frame (a last line cut short by a kill is skipped)."""
    rows = []
    path = Path(folder) / INDEX
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
    return pd.DataFrame(rows)

