"""A per-run time limit: ``with run_time_limit(seconds): model.run(steps)``.

A run that takes longer than ``seconds`` (wall clock) is stopped with ONE line,
:class:`sim.errors.UserError` ``run exceeded its time limit of N s (set time_limit in the
scenario)``, so that a plug-in stuck in a loop cannot hang ``run``, sweeps or the app's test run.

- In the main thread (the CLI, and each worker of a process pool): ``signal.setitimer``
  (``ITIMER_REAL``) and a ``SIGALRM`` handler; an earlier handler and timer are restored on
  exit, and an outer limit still fires on time (nesting is allowed).
- In any other thread (Dask workers, the app's server threads): a timer thread raises the error
  asynchronously in the limited thread (``PyThreadState_SetAsyncExc``).

Both interrupt Python code between bytecodes: a single NumPy call that runs for minutes is
stopped when it returns. ``seconds`` None or 0 means no limit.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from contextlib import contextmanager

from sim.errors import UserError

__all__ = ["run_time_limit", "TimeLimitExceeded", "DEFAULT_TIME_LIMIT", "check_time_limit"]

DEFAULT_TIME_LIMIT = 3600.0
"""A generous default per run (seconds): the largest scenario runs take minutes."""


class TimeLimitExceeded(UserError):
    """A run exceeded its time limit (a :class:`UserError`: the CLI prints one line, exit 2)."""

    def __init__(self, problems=None):
        super().__init__(problems if problems is not None else "run exceeded its time limit")


def message(seconds: float) -> str:
    return f"run exceeded its time limit of {seconds:g} s (set time_limit in the scenario)"


def check_time_limit(value, what: str = "time_limit") -> float | None:
    """A time limit as given by a user (None, or a number of seconds > 0): the float, or a
    one-line UserError naming ``what``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value == float("inf"):
        raise UserError(f"{what}: expected a number of seconds > 0, got {value!r}")
    return float(value)


@contextmanager
def run_time_limit(seconds):
    """Raise :class:`TimeLimitExceeded` (one line) in the calling thread if the block runs
    longer than ``seconds``. None or 0: no limit."""
    if not seconds:
        yield
        return
    seconds = check_time_limit(seconds)
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _async_timer(seconds):
            yield


@contextmanager
def _alarm(seconds: float):
    start = time.monotonic()
    token = object()
    state = {"armed": True}

    def on_alarm(signum, frame):
        if state["armed"]:
            state["armed"] = False
            raise TimeLimitExceeded(message(seconds))
        if callable(old_handler):       # an outer limit's alarm
            old_handler(signum, frame)

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    outer_due = start + old_delay if old_delay else None
    if outer_due is not None and old_delay < seconds:   # an outer limit comes first: keep it
        signal.setitimer(signal.ITIMER_REAL, old_delay)
        state["armed"] = False
    try:
        yield token
    finally:
        state["armed"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if outer_due is not None:       # re-arm the outer limit with what is left of it
            left = outer_due - time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), old_interval)


def _set_async_exc(thread_id: int, exc_type) -> None:
    """Raise ``exc_type`` in the thread ``thread_id`` at its next bytecode (None: clear a pending one)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exc_type) if exc_type is not None else None)


class _Expired(TimeLimitExceeded):
    """Raised asynchronously in a non-main thread (must be a class with a no-argument constructor)."""


@contextmanager
def _async_timer(seconds: float):
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}

    def fire():
        with lock:
            if state["active"]:
                state["fired"] = True
                _set_async_exc(target, _Expired)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    except _Expired:
        raise TimeLimitExceeded(message(seconds)) from None
    finally:
        with lock:
            state["active"] = False
            timer.cancel()
            if state["fired"]:
                # the exception may still be pending if the block ended just as it fired: clear it
                _set_async_exc(target, None)


# ------------------------------------------------------------------ worker processes die with their parent
def exit_with_parent(parent_pid: int, every: float = 0.5) -> None:
    """Worker-process initializer: end this process soon (within ``every`` seconds) after the
    process ``parent_pid`` has died, even by ``kill -9``, so that killed sweeps leave no workers
    behind (issue 15, case 9). Use it as
    ``ProcessPoolExecutor(..., initializer=exit_with_parent, initargs=(os.getpid(),))``.

    A daemon thread checks that ``parent_pid`` is still the same live process (its start time, so
    a reused pid does not count; a zombie counts as dead) and otherwise calls ``os._exit(1)``:
    the run in flight is lost, as it would be with its parent. Workers of a process pool are
    children of the forkserver, not of the main process, so ``getppid`` and ``PR_SET_PDEATHSIG``
    would not see the main process die; the pid is passed explicitly."""
    import os

    started = _start_time(parent_pid)
    if started is None:          # already gone
        os._exit(1)

    def watch():
        while True:
            time.sleep(every)
            if _start_time(parent_pid) != started:
                os._exit(1)

    threading.Thread(target=watch, name="trustsim-exit-with-parent", daemon=True).start()


def _start_time(pid: int):
    """A token that identifies the live process ``pid`` (its start time), or None if it is gone
    or a zombie. Linux: /proc; elsewhere: psutil if installed, else whether the pid exists."""
    import os

    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        fields = stat[stat.rindex(b")") + 2:].split()
        return None if fields[0] in (b"Z", b"X") else int(fields[19])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        p = psutil.Process(pid)
        return None if p.status() == psutil.STATUS_ZOMBIE else p.create_time()
    except ImportError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0
    except Exception:  # noqa: BLE001 -- psutil.NoSuchProcess and friends
        return None
