"""Bounded reading of TOML files, and the shared caps on seeds and steps.

:func:`read_toml_bounded` is a drop-in for :func:`sim.scenario.files.read_toml` that never
lets a hostile file reach the parser: the size is capped (the file is read with a bounded
``read``) and the nesting depth (``[a.b.c]`` headers, dotted keys, arrays and inline tables) is
measured by a flat scan (no recursion) BEFORE :mod:`tomllib` sees the text, so a file of arrays
10,000 deep or a 20,000-part header is refused in one line instead of a RecursionError. Every
problem is one :class:`sim.errors.UserError` line naming the file and what to do.

:data:`MAX_SEED` and :data:`MAX_STEPS` are the caps of scenario and sweep files (defined here,
used by :mod:`sim.scenario.files` and :mod:`sim.scenario.validator`); :func:`check_seed` and
:func:`check_steps` apply them anywhere a seed or a number of steps comes from a user
(``trustsim run --preset --seed/--steps``, the API).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from sim.errors import UserError

__all__ = ["read_toml_bounded", "loads_toml_bounded", "toml_depth", "check_seed", "check_steps",
           "case_clashes", "MAX_TOML_BYTES", "MAX_TOML_DEPTH", "MAX_SEED", "MAX_STEPS"]

MAX_SEED = 2**63 - 1
"""Largest seed (Parquet and NumPy store seeds as signed 64-bit integers)."""
MAX_STEPS = 100_000
"""Most steps (days) per run."""

MAX_TOML_BYTES = 2 * 2**20
"""Largest scenario or sweep file read (2 MiB; the shipped ones are a few kB)."""
MAX_TOML_DEPTH = 24
"""Deepest nesting accepted (the schema needs 5: policies[i].interventions[j].set.key)."""

# the characters the depth scan stops at; everything else is skipped in bulk
_INTERESTING = re.compile(r"""[#"'\[\]{}=,.\n]""")
_IN_VALUE = re.compile(r"""[#"'\[\]{}\n]""")   # in a value outside inline tables: dots, commas, = do not matter
_BASIC_END = re.compile(r'(?:[^"\\\n]|\\.)*"')          # rest of a "basic string" (escapes skipped)
_ML_BASIC_END = re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""+', re.S)


def toml_depth(text: str, limit: int = MAX_TOML_DEPTH) -> tuple[int, int]:
    """The nesting depth of TOML ``text`` as a flat scan measures it, and the line where it is
    deepest; stops early (returning a depth > ``limit``) once ``limit`` is passed. Strings and
    comments are skipped. The depth of a value is: the parts of its table header (an array of
    tables adds one) + the parts of its dotted key(s) + the arrays and inline tables it is in.
    It may over-count slightly (sibling dotted keys in one inline table add up), never under-count."""
    # Longer than 60 lines on purpose: one flat state machine (no recursion, by design) whose state (stack,
    # base, keydots, in_key, line_start, line) changes at every stop; strings and headers are scanned by
    # helpers, the dispatch stays in one loop so the state is not passed in and out at each character.
    i, n = 0, len(text)
    line, deepest, at = 1, 0, 1
    stack: list[str] = []       # open [ and { of values
    base = 0                    # depth of the current [table]
    keydots = 0                 # dots of dotted keys in the current statement
    in_key = True               # the scan is where a key may be
    line_start = True           # only whitespace so far on this line (outside values)

    def note(depth):
        nonlocal deepest, at
        if depth > deepest:
            deepest, at = depth, line

    while i < n:
        m = (_INTERESTING if in_key or (stack and stack[-1] == "{") else _IN_VALUE).search(text, i)
        if m is None:
            break
        j, c = m.start(), m.group()
        if line_start and text[i:j].strip():
            line_start = False
        i = j + 1
        if c == "\n":
            line += 1
            if not stack:
                in_key, keydots, line_start = True, 0, True
            continue
        if c == "#":
            k = text.find("\n", i)
            i = n if k < 0 else k
            continue
        if c == '"' or c == "'":
            end = _string_end(text, j, c)
            line += text.count("\n", j, end)
            i = end
            line_start = False
            continue
        if c == "[" and not stack and in_key and line_start:     # a [table] or [[array of tables]] header
            k, base = _header(text, j, limit)
            note(base)
            if deepest > limit:
                return deepest, at
            while k < n and text[k] == "]":
                k += 1
            i, in_key, line_start = k, False, False
            continue
        line_start = False
        if c == "[" or c == "{":
            stack.append(c)
            in_key = c == "{"
            note(base + keydots + 1 + len(stack))
        elif c == "]" or c == "}":
            if stack:
                stack.pop()
            in_key = False
        elif c == ",":
            in_key = bool(stack) and stack[-1] == "{"
        elif c == "=":
            in_key = False
        elif c == "." and in_key:
            keydots += 1
            note(base + keydots + 1 + len(stack))
        if deepest > limit:
            return deepest, at
    return deepest, at


def _string_end(text: str, j: int, c: str) -> int:
    """Where the string opening at ``text[j]`` (quote ``c``: basic, literal, or either multi-line) ends
    (the end of ``text`` when it is not closed)."""
    n = len(text)
    if text.startswith(c * 3, j):
        if c == '"':
            m2 = _ML_BASIC_END.match(text, j + 3)
            return m2.end() if m2 else n
        k = text.find("'''", j + 3)
        end = n if k < 0 else k + 3
        while end < n and text[end] == "'":
            end += 1
        return end
    if c == '"':
        m2 = _BASIC_END.match(text, j + 1)
        return m2.end() if m2 else n
    k = text.find("'", j + 1)
    return n if k < 0 else k + 1


def _header(text: str, j: int, limit: int) -> tuple[int, int]:
    """The table header opening at ``text[j]``: where its name ends (at its first ``]``, or the line's or
    text's end) and its depth (its parts, + 1 for an array of tables); counting stops past ``limit``."""
    n = len(text)
    double = text.startswith("[[", j)
    k, parts = j + (2 if double else 1), 1
    while k < n and text[k] not in "]\n":
        if text[k] == "'":
            end = text.find("'", k + 1)
            k = end + 1 if end >= 0 else n
            continue
        if text[k] == '"':
            m2 = _BASIC_END.match(text, k + 1)
            k = m2.end() if m2 else n
            continue
        if text[k] == ".":
            parts += 1
            if parts > limit:
                break
        k += 1
    return k, parts + (1 if double else 0)


def loads_toml_bounded(text: str, label: str, what: str = "scenario") -> dict:
    """Parse TOML ``text`` (from ``label``) after checking its size and depth; one-line UserError."""
    if len(text) > MAX_TOML_BYTES:
        raise UserError(f"{label}: the {what} file is too large ({len(text):,} characters; at most "
                        f"{MAX_TOML_BYTES:,}); a {what} file is a few kB: check it is the right file")
    depth, line = toml_depth(text)
    if depth > MAX_TOML_DEPTH:
        raise UserError(f"{label}: line {line}: nested too deeply (more than {MAX_TOML_DEPTH} levels of tables, "
                        f"dotted keys, arrays or inline tables); a {what} file needs at most 5")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"{label}: invalid TOML: {' '.join(str(err).split())}") from None
    except (RecursionError, MemoryError):
        raise UserError(f"{label}: nested too deeply or too large to read as TOML") from None


def read_toml_bounded(path_or_text, what: str = "scenario") -> tuple[dict, Path | None]:
    """The table of a TOML file and its resolved path (like :func:`sim.scenario.files.read_toml`),
    with the size capped and the depth bounded before parsing. A :class:`~pathlib.Path`, or a
    ``str`` without a newline, is a file path; a ``str`` with a newline is TOML text (path None).
    Every problem is one UserError line naming the file: missing, a folder, unreadable
    (permissions), not UTF-8 (binary), too large, nested too deeply, invalid TOML."""
    if isinstance(path_or_text, str) and "\n" in path_or_text:
        return loads_toml_bounded(path_or_text, f"<{what}>", what), None
    if not isinstance(path_or_text, (str, Path)):
        raise UserError(f"{what}: expected the path of a .toml file, got {type(path_or_text).__name__}")
    label, path = str(path_or_text), Path(path_or_text)
    if "\x00" in label or not label.strip():
        raise UserError(f"{what} file {label!r}: expected the path of a .toml file")
    try:
        if path.is_dir():
            raise UserError(f"{label}: is a folder; give the path of a {what} file (.toml)")
        if not path.exists():
            raise UserError(f"{label}: no such {what} file")
        if not path.is_file():
            raise UserError(f"{label}: not a regular file; give the path of a {what} file (.toml)")
        with open(path, "rb") as f:
            data = f.read(MAX_TOML_BYTES + 1)
        resolved = path.resolve()
    except PermissionError:
        raise UserError(f"{label}: cannot read the {what} file (permission denied); check its permissions "
                        f"(chmod u+r) or copy it somewhere you can read") from None
    except IsADirectoryError:
        raise UserError(f"{label}: is a folder; give the path of a {what} file (.toml)") from None
    except OSError as err:
        raise UserError(f"{label}: cannot read the {what} file ({err.strerror or type(err).__name__})") from None
    if len(data) > MAX_TOML_BYTES:
        raise UserError(f"{label}: the {what} file is too large (more than {MAX_TOML_BYTES:,} bytes); a {what} "
                        f"file is a few kB: check it is the right file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UserError(f"{label}: expected a UTF-8 text file (TOML), found bytes that are not UTF-8 "
                        f"(at byte {err.start}); save it as UTF-8 text") from None
    if "\x00" in text:
        raise UserError(f"{label}: expected a TOML text file, found a binary file (it contains NUL bytes)")
    return loads_toml_bounded(text, label, what), resolved


# ------------------------------------------------------------------ seeds and steps
def check_seed(value, what: str = "--seed") -> int:
    """A seed in [0, MAX_SEED] (the scenario files' cap, 2**63 - 1), else one-line UserError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise UserError(f"{what}: expected an integer in [0, {MAX_SEED}], got {value!r}")
    return int(value)


def check_steps(value, what: str = "--steps", lo: int = 0) -> int:
    """A number of steps in [lo, MAX_STEPS] (the scenario files' cap), else one-line UserError."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= MAX_STEPS:
        raise UserError(f"{what}: expected an integer in [{lo}, {MAX_STEPS}], got {value!r}")
    return int(value)


# ------------------------------------------------------------------ names unique without regard to case
def case_clashes(names) -> list[tuple[int, int]]:
    """Pairs ``(first, later)`` of positions whose names are equal without regard to case (and
    Unicode case folding), e.g. policies ``Mixed`` and ``mixed``, which would collide in a results
    folder on a case-insensitive file system and read as the same policy in a report."""
    seen, clashes = {}, []
    for i, name in enumerate(names):
        if not isinstance(name, str):
            continue
        key = name.casefold()
        if key in seen:
            clashes.append((seen[key], i))
        else:
            seen[key] = i
    return clashes
