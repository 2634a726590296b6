"""The pool's tasks: every item once, in order; a short tail when several workers share them."""
import itertools

import pytest

from cchc_sheets import pool


@pytest.mark.parametrize("count", [0, 1, 63, 64, 257, 1001, 3300])
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_chunks_hold_every_item_once_in_order(count, workers):
    items = list(range(count))
    tasks = pool.chunks(items, 64, workers)
    assert list(itertools.chain.from_iterable(tasks)) == items
    assert all(tasks)


def test_the_last_tasks_are_a_quarter_size_with_several_workers():
    sizes = [len(task) for task in pool.chunks(list(range(3300)), 64, 2)]
    assert sizes[:48] == [64] * 48
    assert set(sizes[-10:]) <= {16, 4}
    assert sum(sizes[sizes.index(16):]) <= 2 * 64 + 64


def test_one_worker_keeps_equal_tasks():
    assert [len(t) for t in pool.chunks(list(range(300)), 64)] == [64, 64, 64, 64, 44]
