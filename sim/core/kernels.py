"""numba set-up for the compiled engine, and the small compiled pieces shared by its kernels.

``njit`` here is numba's ``njit(cache=True)``: compiled machine code is cached on disk, so
only the first process of an installation pays the compile time. numba caches next to the
sources (``__pycache__``); when the package directory is not writable (a read-only install,
a shared site-packages), the cache goes to the user's cache directory instead,
``<user cache>/trustsim/numba`` (``platformdirs``; ``~/.cache/trustsim/numba`` on Linux).
This module sets ``NUMBA_CACHE_DIR`` before numba is imported (and numba's config if it was
imported already); a ``NUMBA_CACHE_DIR`` set by the user is left alone.

Importing this module imports numba (about half a second): the model imports it only when
a run uses the compiled engine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

PACKAGE_DIR = Path(__file__).resolve().parent


def user_cache_dir() -> Path:
    """Where the numba cache goes when the package directory is read-only."""
    try:
        from platformdirs import user_cache_dir as _dir

        base = Path(_dir("trustsim"))
    except ImportError:                                      # platformdirs is optional
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "trustsim"
    return base / "numba"


def _writable(directory: Path) -> bool:
    """Can numba write its cache next to the sources (``__pycache__`` in ``directory``)?"""
    cache = directory / "__pycache__"
    target = cache if cache.exists() else directory
    return os.access(target, os.W_OK | os.X_OK)


def configure_cache(package_dir: Path = PACKAGE_DIR) -> str | None:
    """Point numba's cache at the user cache dir when ``package_dir`` is not writable.
    Returns the directory chosen (None: numba's default, next to the sources)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    if _writable(package_dir):
        return None
    target = user_cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(target)
    if "numba" in sys.modules:                               # imported before us: update its config too
        sys.modules["numba"].config.CACHE_DIR = str(target)
    return str(target)


CACHE_DIR = configure_cache()

import numba  # noqa: E402  (after the cache directory is set)

njit = numba.njit(cache=True, nogil=True)
"""The decorator of every kernel: ``@njit``."""

EMPTY = -1


@njit
def shift(cell, dy, dx, width, height):
    """The cell at offset (dy, dx) of ``cell`` on the torus (|dy| < height, |dx| < width)."""
    y = cell // width + dy
    x = cell % width + dx
    if y < 0:
        y += height
    elif y >= height:
        y -= height
    if x < 0:
        x += width
    elif x >= width:
        x -= width
    return y * width + x


@njit
def wrap(v, n):
    """``v`` mod ``n`` for -n <= v < 2n (one offset step off the torus), without a division."""
    if v < 0:
        return v + n
    if v >= n:
        return v - n
    return v


@njit
def chebyshev(a, b, width, height):
    """Torus Chebyshev distance between cells ``a`` and ``b`` (as Torus.chebyshev)."""
    dy = abs(a // width - b // width)
    dx = abs(a % width - b % width)
    return max(min(dy, height - dy), min(dx, width - dx))


@njit
def add_around(grid, cell, dy, dx, delta, width, height):
    """Add ``delta`` to ``grid`` on every cell of the shape (offsets dy, dx) around ``cell``."""
    y0 = cell // width
    x0 = cell % width
    for k in range(dy.shape[0]):
        y = y0 + dy[k]
        if y < 0:
            y += height
        elif y >= height:
            y -= height
        x = x0 + dx[k]
        if x < 0:
            x += width
        elif x >= width:
            x -= width
        grid[y * width + x] += delta


@njit
def add_rows(grid, cell, row_dy, row_half, delta, width, height):
    """Add ``delta`` to ``grid`` on every cell of a shape made of centred row segments (row
    ``r`` at vertical offset ``row_dy[r]``, half-width ``row_half[r]``) around ``cell``: the
    same cells as :func:`add_around` with the shape's offsets, in contiguous runs."""
    y0 = cell // width
    x0 = cell - y0 * width
    for r in range(row_dy.shape[0]):
        base = wrap(y0 + row_dy[r], height) * width
        lo = x0 - row_half[r]
        hi = x0 + row_half[r]
        if lo >= 0 and hi < width:
            for x in range(base + lo, base + hi + 1):
                grid[x] += delta
        else:
            for x in range(lo, hi + 1):
                grid[base + wrap(x, width)] += delta


def shape_rows(dy: np.ndarray, dx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row offsets, half-widths) of a shape given by its offsets (centre included), which must
    be a stack of centred row segments (every shape of :func:`sim.core.grid.offsets` is)."""
    rows = np.unique(dy)
    half = np.array([np.abs(dx[dy == r]).max() for r in rows])
    for r, h in zip(rows, half):
        assert np.array_equal(np.sort(dx[dy == r]), np.arange(-h, h + 1)), "not a stack of centred rows"
    return rows.astype(np.int64), half.astype(np.int64)


@njit
def draw_index(rng, n):
    """A uniform integer in [0, n) from one uniform double of ``rng`` (n > 0)."""
    return min(int(rng.random() * n), n - 1)


# ------------------------------------------------------------------ NumPy's random streams inside kernels
# A kernel that draws takes a stream's *handle* (:func:`stream_handle`: its bit generator's state address and
# ``next_uint64`` / ``next_uint32`` function pointers, as a small uint64 array) instead of the Generator itself:
# numba spends about 8-13 microseconds unboxing a Generator argument, an array costs well under one. The calls
# go to the bit generator's own C functions, on its own state (the same thing numba does with a Generator), so
# a kernel's draws and NumPy's draws interleave on one stream; the helpers below are NumPy's algorithms
# (``random``, ``integers`` for int16, ``random_raw``) draw for draw (``tests/test_kernels_fast.py``).

from llvmlite import ir  # noqa: E402
from numba.core import types as _nbtypes  # noqa: E402
from numba.extending import intrinsic  # noqa: E402


def _next_binding(bits):
    @intrinsic
    def call(typingctx, fnptr, state):
        sig = (_nbtypes.uint64 if bits == 64 else _nbtypes.uint32)(_nbtypes.uint64, _nbtypes.uint64)

        def codegen(context, builder, signature, args):
            fn_addr, state_addr = args
            fnty = ir.FunctionType(ir.IntType(bits), (ir.IntType(64),))
            fn = builder.inttoptr(fn_addr, fnty.as_pointer())
            return builder.call(fn, (state_addr,))
        return sig, codegen
    return call


_call_next64 = _next_binding(64)
_call_next32 = _next_binding(32)


def stream_handle(rng: np.random.Generator) -> np.ndarray:
    """(state address, next_uint64, next_uint32) of ``rng``'s bit generator, for kernels that draw. The
    handle is valid as long as ``rng`` lives: keep a reference to it next to the handle."""
    import ctypes

    c = rng.bit_generator.ctypes
    return np.array([c.state_address, ctypes.cast(c.next_uint64, ctypes.c_void_p).value,
                     ctypes.cast(c.next_uint32, ctypes.c_void_p).value], np.uint64)


@njit
def next_uint64(h):
    """One raw 64-bit draw (``bit_generator.random_raw()``)."""
    return _call_next64(h[1], h[0])


@njit
def next_uint32(h):
    """One 32-bit draw (the bit generator's own, with its buffered half word)."""
    return _call_next32(h[2], h[0])


@njit
def next_double(h):
    """``Generator.random()``: one double in [0, 1) from 53 bits of a raw draw."""
    return np.float64(next_uint64(h) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit
def _buffered_uint16(h, state):
    """The next 16 bits of NumPy's per-call buffer of 32-bit draws (``state`` = (count, buffer))."""
    if state[0] == 0:
        state[1] = next_uint32(h)
        state[0] = 1
    else:
        state[1] >>= np.uint64(16)
        state[0] -= 1
    return np.uint32(state[1]) & np.uint32(0xFFFF)


@njit
def bounded_uint16(h, rng, state):
    """One value of ``Generator.integers(0, rng + 1, dtype=np.int16 or uint16)``: NumPy's buffered Lemire
    draw (``buffered_bounded_lemire_uint16``), 0 < rng < 0xFFFF. ``state`` is a 2-array (count, buffer) that
    NumPy keeps per call of ``integers``: set it to 0 at the start of each call emulated."""
    rng_excl = np.uint32(rng) + np.uint32(1)
    m = _buffered_uint16(h, state) * rng_excl
    leftover = m & np.uint32(0xFFFF)
    if leftover < rng_excl:
        threshold = (np.uint32(0xFFFF) - np.uint32(rng)) % rng_excl
        while leftover < threshold:
            m = _buffered_uint16(h, state) * rng_excl
            leftover = m & np.uint32(0xFFFF)
    return np.int64(m >> np.uint32(16))
