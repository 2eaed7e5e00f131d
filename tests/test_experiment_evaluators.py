"""The evaluators: same results whatever the executor, exceptions handed back, not raised."""

import math

import pytest

from sim.errors import UserError
from sim.run.evaluators import ProcessPoolEvaluator, SerialEvaluator, each_result, evaluator_for, make_evaluator


def _collect(ev, fn, tasks):
    out = {}
    with ev:
        for index, result in ev.map_unordered(fn, tasks):
            assert index not in out
            out[index] = result
    return out


def test_serial_and_pool_give_the_same_results_by_index_and_hand_back_exceptions():
    tasks = [4.0, 9.0, -1.0, 16.0, 2.0]
    serial = _collect(SerialEvaluator(), math.sqrt, tasks)
    pooled = _collect(ProcessPoolEvaluator(workers=2), math.sqrt, tasks)
    assert set(serial) == set(pooled) == set(range(len(tasks)))
    for i in range(len(tasks)):
        if tasks[i] < 0:
            assert isinstance(serial[i], ValueError) and isinstance(pooled[i], ValueError)
        else:
            assert serial[i] == pooled[i] == math.sqrt(tasks[i])


def test_make_evaluator_picks_serial_for_one_worker_and_a_pool_for_more():
    assert isinstance(make_evaluator(1), SerialEvaluator)
    ev = make_evaluator(2)
    assert isinstance(ev, ProcessPoolEvaluator) and ev.workers == 2
    ev.close()
    assert make_evaluator(None).workers >= 1


@pytest.mark.parametrize("bad", [0, -3, 1.5, "2", True])
def test_bad_worker_counts_are_user_errors(bad):
    with pytest.raises(UserError, match="workers: expected a positive integer"):
        make_evaluator(bad)


# ------------------------------------------------------------------ the one loop over an evaluator
class _Counting(SerialEvaluator):
    """A serial evaluator that records the size of each batch it is given and whether it was closed."""

    def __init__(self):
        self.batches, self.closed = [], False

    def map_unordered(self, fn, tasks):
        tasks = list(tasks)
        self.batches.append(len(tasks))
        return super().map_unordered(fn, tasks)

    def close(self):
        self.closed = True


def test_each_result_sends_lazy_tasks_in_batches_and_numbers_them_in_order():
    made = []

    def tasks():
        for x in [4.0, 9.0, -1.0, 16.0, 25.0]:
            made.append(x)
            yield x

    ev = _Counting()
    out = list(each_result(math.sqrt, tasks(), ev, batch=2))
    assert ev.batches == [2, 2, 1]
    assert [i for i, _, _ in out] == [0, 1, 2, 3, 4] and [t for _, t, _ in out] == made
    assert isinstance(out[2][2], ValueError) and out[4][2] == 5.0
    assert list(each_result(math.sqrt, [], ev)) == []


def test_evaluator_for_closes_only_the_evaluator_it_made():
    given = _Counting()
    with evaluator_for(given) as ev:
        assert ev is given
    assert not given.closed
    made = []
    with evaluator_for(None, 3, make=lambda w: made.append(w) or _Counting()) as ev:
        assert made == [3] and not ev.closed
    assert ev.closed


# ------------------------------------------------------------------ scripts without a __main__ guard, progress
import subprocess  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402

from sim.run import evaluators  # noqa: E402

_RUN = 'res = sim.compare(workers=2, replicates=2, steps=5)\nprint("WORKERS", res.manifest["timings"]["workers"])\n'


def _run_script(tmp_path, source):
    script = tmp_path / "script.py"
    script.write_text(source)
    env = {k: v for k, v in __import__("os").environ.items() if k != "PYTHONWARNINGS"}
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=env)


def test_a_script_calling_compare_at_its_top_level_runs_on_one_worker_with_one_warning(tmp_path):
    done = _run_script(tmp_path, "import sim\n" + _RUN)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WORKERS 1" in done.stdout
    assert "bootstrapping" not in done.stderr and "BrokenProcessPool" not in done.stderr
    assert done.stderr.count("UserWarning") == 1
    assert "script.py line 2" in done.stderr and 'if __name__ == "__main__":' in done.stderr


def test_a_script_calling_compare_from_a_function_called_at_top_level_is_also_unguarded(tmp_path):
    source = "import sim\n\ndef main():\n" + textwrap.indent(_RUN, "    ") + "\nmain()\n"
    done = _run_script(tmp_path, source)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WORKERS 1" in done.stdout and done.stderr.count("UserWarning") == 1
    assert f"script.py line {source.splitlines().index('main()') + 1}" in done.stderr


def test_a_guarded_script_runs_on_two_worker_processes_without_a_warning(tmp_path):
    source = "import sim\n\ndef main():\n" + textwrap.indent(_RUN, "    ") + '\nif __name__ == "__main__":\n    main()\n'
    done = _run_script(tmp_path, source)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WORKERS 2" in done.stdout
    assert "UserWarning" not in done.stderr


def test_the_main_guard_is_recognised_in_either_order_and_nothing_else_counts():
    import ast

    guard = [evaluators._is_main_guard(ast.parse(src).body[0]) for src in (
        'if __name__ == "__main__":\n    pass', 'if "__main__" == __name__:\n    pass',
        'if __name__ != "__main__":\n    pass', 'if name == "__main__":\n    pass', 'if True:\n    pass')]
    assert guard == [True, True, False, False, False]


def test_calls_from_an_imported_module_or_this_test_are_not_unguarded():
    assert evaluators.unguarded_main_call() is None   # pytest's __main__ is not running this code at its top level


def test_progress_shows_when_asked_in_jupyter_or_on_a_terminal_and_never_under_ci(monkeypatch):
    class Shell:
        kernel = object()

    class FakeIPython:
        @staticmethod
        def get_ipython():
            return Shell()

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stderr", open(__import__("os").devnull, "w"))   # not a terminal
    assert evaluators.show_progress() is False
    assert evaluators.show_progress(True) is True
    monkeypatch.setitem(sys.modules, "IPython", FakeIPython)
    assert evaluators.show_progress() is True                  # a notebook: the widget, whatever stderr is
    monkeypatch.setenv("CI", "true")
    assert evaluators.show_progress() is False
    assert evaluators.show_progress(True) is True              # unless asked
    with evaluators.progress_bar(3, "x", None) as bar:
        assert bar.disable
    with evaluators.progress_bar(3, "x", True) as bar:
        assert not bar.disable
    sys.stderr.close()
