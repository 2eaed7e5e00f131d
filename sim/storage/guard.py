"""Output-location checks, made BEFORE any simulation runs: ``check_output_location(path, kind=...)``.

Every command that writes calls it on its ``--out`` (or default) location first, so that a bad
location is one line at once instead of a traceback after the whole simulation (issue 15, cases
1 and 2). It refuses, in one :class:`sim.errors.UserError` line naming ``--out`` and what to do:

- a location under ``/proc`` or ``/sys`` (kernel interfaces, not storage);
- a path through a file (``FILE/sub``), or a folder location that is a file;
- a location whose nearest existing folder is not writable (probed by creating and removing a
  temporary file, so read-only mounts, ACLs and full quotas count, not just permission bits);
- an empty folder that cannot be written (it would be replaced silently otherwise);
- an existing non-empty folder that is not a trustsim results folder (``kind="folder"``), or any
  non-empty folder (``kind="new_folder"``);
- an existing file that trustsim did not write (``kind="file"``: ``report --out EXISTING_FILE``).

A **trustsim results folder** has a ``manifest.json`` carrying trustsim's provenance
(``versions.trustsim``, as :func:`sim.storage.provenance.provenance` writes it, at the top, in
a sweep's ``sessions`` or in a calibration's ``created``), or a sweep's ``sweep.json`` (``sha256`` and ``resolved``), or a
validation folder's ``validation.json`` (``provenance.versions.trustsim``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from sim.errors import UserError
from sim.storage.layout import MANIFEST, REPORT_HTML, REPORT_PDF, SWEEP_META, VALIDATION_JSON

__all__ = ["check_output_location", "is_results_folder", "read_part_or_set_aside", "KINDS"]

KINDS = ("folder", "new_folder", "file")
FORBIDDEN_ROOTS = (Path("/proc"), Path("/sys"))
_MAX_JSON = 64 * 2**20
# files trustsim writes inside a results folder that a command may replace
_OWN_FILES = (REPORT_HTML, REPORT_PDF)


def check_output_location(path, *, kind: str = "folder", option: str = "--out") -> Path:
    """Check that ``path`` can receive output of ``kind`` before anything runs; returns it as a
    Path. ``kind``: ``"folder"`` (a results folder: new, empty, or a trustsim results folder, e.g.
    a sweep to resume), ``"new_folder"`` (must be new or empty), ``"file"`` (an output file: new,
    or one trustsim wrote). Raises a one-line :class:`UserError` naming ``option``."""
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    shown = f"{option} {path}"
    if "\x00" in str(path) or not str(path).strip():
        raise UserError(f"{option} {str(path)!r}: expected a file or folder name")
    try:
        return _check(Path(path).expanduser(), kind, shown)
    except OSError as err:       # e.g. a name too long, a loop of symbolic links
        raise UserError(f"{shown}: cannot use this location ({err.strerror or type(err).__name__}); "
                        "choose another") from None


def _check(out: Path, kind: str, shown: str) -> Path:
    full = Path(os.path.abspath(out))
    real = full.resolve() if _exists(full) or _exists(full.parent) else full
    for root in FORBIDDEN_ROOTS:
        if _under(full, root) or _under(real, root):
            raise UserError(f"{shown}: is under {root}, a kernel interface, not storage; choose a folder on a disk")

    # the nearest existing ancestor, and no file on the way (FILE/sub)
    ancestor = full.parent
    while not _exists(ancestor):
        if ancestor.parent == ancestor:
            break
        ancestor = ancestor.parent
    if _exists(ancestor) and not ancestor.is_dir():
        raise UserError(f"{shown}: {ancestor} is a file, not a folder; choose a location inside a folder")

    if _exists(full):
        if full.is_dir():
            if kind == "file":
                raise UserError(f"{shown}: is a folder; give the name of a file to write (e.g. {out}/report.html)")
            entries = _visible_entries(full, shown)
            if entries:
                results = is_results_folder(full)
                if kind == "new_folder" or not results:
                    what = ("holds trustsim results already" if results
                            else "is not empty and is not a trustsim results folder")
                    raise UserError(f"{shown}: exists and {what}; choose a new folder (nothing was written)")
            _probe(full, shown, "the folder")
        else:
            if kind != "file":
                raise UserError(f"{shown}: is a file, not a folder; choose a new folder name")
            if not _written_by_trustsim(full):
                raise UserError(f"{shown}: already exists and was not written by trustsim; choose a new file name "
                                "or delete it first (nothing was written)")
            if not os.access(full, os.W_OK):
                raise UserError(f"{shown}: exists and cannot be written (permission denied); choose another file")
        parent = full.parent
    else:
        parent = ancestor
    if not parent.is_dir():
        raise UserError(f"{shown}: {parent} is not a folder; choose a location inside an existing folder")
    _probe(parent, shown, f"its folder {parent}" if parent != full.parent else "its parent folder")
    return out


def is_results_folder(folder) -> bool:
    """True if ``folder`` holds results trustsim wrote (see the module doc)."""
    folder = Path(folder)
    manifest = _read_json(folder / MANIFEST)
    if isinstance(manifest, dict):
        sessions = manifest.get("sessions") if isinstance(manifest.get("sessions"), list) else []
        if any(_has_trustsim_versions(p) for p in (manifest, manifest.get("created"), *sessions)):
            return True
    sweep = _read_json(folder / SWEEP_META)
    if isinstance(sweep, dict) and "sha256" in sweep and "resolved" in sweep:
        return True
    validation = _read_json(folder / VALIDATION_JSON)
    return isinstance(validation, dict) and _has_trustsim_versions(validation.get("provenance"))


# ------------------------------------------------------------------ helpers
def _exists(p: Path) -> bool:
    try:
        os.stat(p)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:       # e.g. permission denied on a parent: it may exist; treat as existing
        return True
    return True


def _under(p: Path, root: Path) -> bool:
    return p == root or root in p.parents


def _visible_entries(folder: Path, shown: str) -> list[str]:
    try:
        return [e for e in os.listdir(folder) if not e.startswith(".")]
    except PermissionError:
        raise UserError(f"{shown}: the folder cannot be read (permission denied); choose another folder") from None
    except OSError as err:
        raise UserError(f"{shown}: the folder cannot be read ({err.strerror}); choose another folder") from None


def _probe(folder: Path, shown: str, what: str) -> None:
    """Create and remove a temporary file in ``folder``; a one-line UserError if that fails."""
    try:
        fd, name = tempfile.mkstemp(prefix=".trustsim-probe-", dir=folder)
    except OSError as err:
        reason = "permission denied" if isinstance(err, PermissionError) else (err.strerror or type(err).__name__)
        raise UserError(f"{shown}: cannot write in {what} ({reason}); choose a writable location "
                        "(nothing was run)") from None
    os.close(fd)
    try:
        os.unlink(name)
    except OSError:
        pass


def _read_json(path: Path):
    try:
        if not path.is_file() or path.stat().st_size > _MAX_JSON:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def _has_trustsim_versions(d) -> bool:
    return isinstance(d, dict) and isinstance(d.get("versions"), dict) and "trustsim" in d["versions"]


def _written_by_trustsim(file: Path) -> bool:
    """A file trustsim wrote: its report page (generator meta tag), or one of its own files in a
    trustsim results folder."""
    if file.name in _OWN_FILES and is_results_folder(file.parent):
        return True
    try:
        with open(file, "rb") as f:
            head = f.read(8192)
    except OSError:
        return False
    return b'name="generator" content="trustsim' in head


# ------------------------------------------------------------------ corrupt sweep parts (issue 15, case 10)
def read_part_or_set_aside(part, columns=None, companions=()):
    """Read a sweep's Parquet part; if it is corrupt (empty, truncated, random bytes, missing
    columns), move it aside (renamed ``<name>.corrupt``, with its ``companions`` such as the
    time-series part of the same name) so that it is never read again and its runs count as not
    done, and return ``(None, message)``: one line saying what happened and that the runs will be
    redone. Otherwise ``(table, None)``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    part = Path(part)
    try:
        table = pq.read_table(part, columns=list(columns) if columns is not None else None)
        return table, None
    except (OSError, ValueError, KeyError, pa.ArrowException) as err:
        reason = " ".join(str(err).split())[:160] or type(err).__name__
    moved = []
    for p in (part, *map(Path, companions)):
        if p.exists():
            target = _aside_name(p)
            try:
                os.replace(p, target)
                moved.append(target.name)
            except OSError:
                pass
    where = f"{part.parent.name}/{part.name}"
    kept = f"kept as {moved[0]}" if moved else "could not be renamed"
    return None, (f"{where}: unreadable Parquet part ({reason}); {kept}, its runs will run again")


def _aside_name(p: Path) -> Path:
    target = p.with_name(p.name + ".corrupt")
    n = 1
    while target.exists():
        n += 1
        target = p.with_name(f"{p.name}.corrupt{n}")
    return target
