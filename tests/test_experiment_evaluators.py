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
