"""Swappable executors for many independent runs (EMA-Workbench style).

Every evaluator has one method, ``map_unordered(fn, tasks)``, which yields
``(index, result_or_exception)`` pairs as the tasks finish (``index`` is the task's position
in ``tasks``; an exception raised by ``fn`` is yielded, not raised, so the caller decides).
Evaluators are context managers; leaving the ``with`` block releases their workers.

    from sim.run.evaluators import make_evaluator
    with make_evaluator(workers=None) as ev:          # None = all cores
        for i, out in ev.map_unordered(run_spec, specs):
            ...

``fn`` must be a picklable top-level function and each task picklable, since the process
pool sends them to other processes. Results must not depend on the evaluator: the order of
completion varies, so callers put results back in task order (by ``index``).

Implementations: :class:`SerialEvaluator` (in this process, in order) and
:class:`ProcessPoolEvaluator` (``concurrent.futures`` with a ``forkserver`` context where
available, else ``spawn``: never ``fork``, which is unsafe with threads; its workers end soon
after the main process dies, even by ``kill -9``: :func:`sim.core.timelimit.exit_with_parent`),
and :class:`DaskEvaluator` (a Dask LocalCluster or a running scheduler).
"""

from __future__ import annotations

import ast
import itertools
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from contextlib import contextmanager

from tqdm.auto import tqdm

from sim.core.timelimit import exit_with_parent
from sim.errors import UserError


def available_cores() -> int:
    """Cores this process may use (respects CPU affinity where the OS supports it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def check_workers(workers) -> int:
    """``None`` -> all cores; otherwise a positive integer (else a one-line UserError)."""
    if workers is None:
        return available_cores()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UserError(f"workers: expected a positive integer (or none for all cores), got {workers!r}")
    return workers


def execution_problems(workers, scheduler) -> list[str]:
    """What is wrong with a command's ``--workers`` and ``--scheduler`` (one line each; [] when fine)."""
    problems = []
    if workers is not None and workers < 1:
        problems.append(f"--workers: expected an integer >= 1, got {workers}")
    if scheduler is not None:
        try:
            DaskEvaluator.check_address(scheduler)
        except UserError as err:
            problems += err.problems
        else:
            if scheduler != "local" and workers is not None:
                problems.append("--workers: only with --scheduler local (a running cluster has the workers it has)")
    return problems


class Evaluator:
    """Base class: the interface every evaluator provides."""

    workers: int = 1

    def map_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[int, object]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers (idempotent)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"{type(self).__name__}(workers={self.workers})"


class SerialEvaluator(Evaluator):
    """Runs every task in this process, one after another, in task order."""

    workers = 1

    def map_unordered(self, fn, tasks):
        for index, task in enumerate(tasks):
            try:
                result = fn(task)
            except Exception as err:  # noqa: BLE001 -- handed to the caller, like the pool does
                result = err
            yield index, result


def _start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class ProcessPoolEvaluator(Evaluator):
    """Runs tasks in a pool of worker processes (``workers=None``: all cores).

    The pool starts on first use and is reused by later ``map_unordered`` calls until
    :meth:`close`. Closing (or leaving the ``with`` block, also on Ctrl-C) cancels tasks
    not yet started."""

    def __init__(self, workers: int | None = None, start_method: str | None = None):
        self.workers = check_workers(workers)
        self.start_method = start_method or _start_method()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context(self.start_method)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                             initializer=exit_with_parent, initargs=(os.getpid(),))
        return self._pool

    def map_unordered(self, fn, tasks):
        pool = self._executor()
        pending = {pool.submit(fn, task): index for index, task in enumerate(tasks)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    err = future.exception()
                    yield index, (err if err is not None else future.result())
        finally:
            for future in pending:
                future.cancel()

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def make_evaluator(workers: int | None = None) -> Evaluator:
    """1 -> :class:`SerialEvaluator`; N > 1 -> :class:`ProcessPoolEvaluator` with N workers;
    None -> all cores (serial on a one-core machine). Called from the top level of a script
    outside ``if __name__ == "__main__":`` (:func:`unguarded_main_call`), where worker processes
    would run the script again, it runs serially with one warning saying why."""
    n = check_workers(workers)
    if n > 1:
        where = unguarded_main_call()
        if where is not None:
            path, line = where
            message = (f"{os.path.basename(path)} line {line}: {n} worker processes would each run this script again "
                       "(it starts runs at its top level, outside `if __name__ == \"__main__\":`), so the runs go "
                       "in this process, one at a time. For parallel runs, put the script's code under "
                       "`if __name__ == \"__main__\":`")
            main = sys.modules["__main__"].__dict__
            warnings.warn_explicit(message, UserWarning, path, line, module="__main__",
                                   registry=main.setdefault("__warningregistry__", {}))
            return SerialEvaluator()
    return SerialEvaluator() if n == 1 else ProcessPoolEvaluator(n)


def unguarded_main_call() -> tuple[str, int] | None:
    """``(script path, line)`` if this call comes from module-level code of the ``__main__`` script
    (directly or through functions it calls) that is not inside an ``if __name__ == "__main__":``
    block; else None (a guarded script, an import, an interactive session or notebook, ``python
    -c``: no file to run again).

    Worker processes started by ``spawn`` or ``forkserver`` import the main script again (as
    ``__mp_main__``) to find its functions: unguarded top-level code then starts a pool inside
    every worker and Python stops them with its "bootstrapping phase" error. This reads the
    script's source (its AST) at the line that is running."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path or not os.path.isfile(path):
        return None
    path = os.path.abspath(path)
    frame, line = sys._getframe(1), None
    while frame is not None:                       # the outermost frame of the script's module code
        code = frame.f_code
        if code.co_name == "<module>" and frame.f_globals.get("__name__") == "__main__" \
                and os.path.abspath(code.co_filename) == path:
            line = frame.f_lineno
        frame = frame.f_back
    if line is None:
        return None
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return None
    if any(_is_main_guard(node) and node.body[0].lineno <= line <= (node.body[-1].end_lineno or line)
           for node in ast.walk(tree) if isinstance(node, ast.If)):
        return None
    return path, line


def _is_main_guard(node: ast.If) -> bool:
    """``if __name__ == "__main__":`` (either order, == only)."""
    t = node.test
    if not (isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.Eq)):
        return False
    sides = [t.left, t.comparators[0]]
    return (any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides)
            and any(isinstance(x, ast.Constant) and x.value == "__main__" for x in sides))


# ---------------------------------------------------------------------------------- progress
def show_progress(progress: bool | None = None) -> bool:
    """Whether to show a progress bar: ``progress`` if given; else in a Jupyter kernel (a widget),
    or when stderr is a terminal (text), but never under CI (``CI`` set, as CI services do) nor when
    stderr is a file or pipe."""
    if progress is not None:
        return bool(progress)
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    if _in_jupyter():
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _in_jupyter() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # noqa: BLE001 -- no usable IPython: not a notebook
        return False
    return shell is not None and hasattr(shell, "kernel")


def progress_bar(total: int, desc: str, progress: bool | None = None, **kw):
    """The one progress bar of the run layer (:mod:`tqdm.auto`: a widget in Jupyter, text on
    stderr in a terminal, nothing when :func:`show_progress` says no). A context manager with
    ``update(n)``; ``kw`` go to tqdm (``initial``, ``leave``, ...)."""
    kw = {"unit": "run", "leave": False, **kw}
    return tqdm(total=total, desc=desc, disable=not show_progress(progress), file=sys.stderr, **kw)


class DaskEvaluator(Evaluator):
    """Runs tasks on a Dask distributed cluster, through the cluster's ``concurrent.futures``
    executor (``client.get_executor()``); same interface as the other evaluators.

    ``scheduler="local"`` starts a ``LocalCluster`` of ``workers`` single-threaded worker
    processes listening on 127.0.0.1 only (``workers=None``: all cores); an address such as
    ``"tcp://10.0.0.5:8786"`` connects to a running scheduler, whose workers are used as they
    are (``workers`` is ignored). Workers must be able to import ``sim`` (trustsim installed in
    their environment) and read any plug-in file by the same path. Closing shuts down a
    cluster it started; it leaves an existing cluster running."""

    ADDRESS = r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.\-]*):[0-9]{1,5}$"

    def __init__(self, scheduler: str = "local", workers: int | None = None, *, timeout: float = 20.0):
        self.check_address(scheduler)
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover -- a listed dependency
            raise UserError("--scheduler: needs dask[distributed] (pip install 'dask[distributed]')") from None
        self.scheduler = scheduler
        self._cluster = None
        self.client = None
        if scheduler == "local":
            n = check_workers(workers)
            # Worker processes inherit an ignored SIGINT, so Ctrl-C stops this process (which then
            # closes the cluster) without a KeyboardInterrupt traceback from every worker.
            main = threading.current_thread() is threading.main_thread()
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
            try:
                import dask

                # Less bookkeeping on a machine whose cores run the simulations: the workers' statistical
                # profiler cost up to a fifth of a short run's CPU time; event-loop ticks every 20 ms and
                # a system monitor every 0.5 s cost the scheduler ~8% of a core when idle (measured).
                with dask.config.set({"distributed.worker.profile.enabled": False,
                                      "distributed.admin.tick.interval": "1s",
                                      "distributed.admin.system-monitor.interval": "5s"}):
                    self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                 host="127.0.0.1", dashboard_address=None,
                                                 silence_logs=logging.ERROR)
            finally:
                if main:
                    signal.signal(signal.SIGINT, previous)
            self.client = Client(self._cluster)
        else:
            try:
                self.client = Client(scheduler, timeout=timeout)
            except (OSError, TimeoutError) as err:
                raise UserError(f"--scheduler {scheduler}: could not connect to a Dask scheduler there "
                                f"({type(err).__name__}: {' '.join(str(err).split())[:200]})") from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self._executor = self.client.get_executor(pure=False)

    @classmethod
    def check_address(cls, scheduler) -> str:
        if scheduler == "local" or (isinstance(scheduler, str) and re.match(cls.ADDRESS, scheduler)):
            return scheduler
        raise UserError(f"--scheduler: expected 'local' or a Dask scheduler address like tcp://HOST:PORT, "
                        f"got {scheduler!r}")

    def map_unordered(self, fn, tasks):
        pending = {self._executor.submit(fn, task): index for index, task in enumerate(tasks)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    err = None if future.cancelled() else future.exception()
                    if future.cancelled():
                        err = CancelledError(f"task {index} was cancelled")
                    yield index, (err if err is not None else future.result())
        finally:
            for future in pending:
                future.cancel()

    def close(self):
        if self.client is not None:
            self._executor.shutdown(wait=False)
            self.client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __repr__(self):
        where = "LocalCluster on 127.0.0.1" if self.scheduler == "local" else self.scheduler
        return f"DaskEvaluator({where}, workers={self.workers})"


# ---------------------------------------------------------------------------------- the loop
@contextmanager
def evaluator_for(evaluator: Evaluator | None = None, workers: int | None = None, make=make_evaluator):
    """``evaluator`` as it is (the caller closes it), or a new ``make(workers)`` closed on exit."""
    if evaluator is not None:
        yield evaluator
        return
    own = make(workers)
    try:
        yield own
    finally:
        own.close()


def each_result(fn: Callable, tasks: Iterable, evaluator: Evaluator, *, batch: int | None = None) -> Iterator[tuple]:
    """The one loop over an evaluator: ``(index, task, result)`` as tasks finish, ``index`` the
    task's position in ``tasks`` and ``result`` what ``fn(task)`` returned or the exception it
    raised (the caller decides). ``tasks`` may be lazy: with ``batch``, at most ``batch`` tasks
    are made and sent at a time."""
    it = iter(tasks)
    offset = 0
    while True:
        chunk = list(itertools.islice(it, batch)) if batch else list(it)
        if not chunk:
            return
        for index, result in evaluator.map_unordered(fn, chunk):
            yield offset + index, chunk[index], result
        if not batch:
            return
        offset += len(chunk)
