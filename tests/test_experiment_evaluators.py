"""The evaluators: same results whatever the executor, exceptions handed back, not raised."""

import math

import pytest

from sim.errors import UserError
from sim.run.evaluators import ProcessPoolEvaluator, SerialEvaluator, make_evaluator


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
