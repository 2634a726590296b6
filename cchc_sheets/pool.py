"""The one process-pool helper, for validation, marked-up copies and templates.

Each use hands its per-worker context (form, output folder, drawn template bases…) to
the workers once, through the pool's initializer; the worker functions read it back
with ``worker_context()``. That context is this module's only state, owned here.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_context: dict = {}


def cpu_workers() -> int:
    """One worker per CPU this process may run on (at least one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def worker_count(jobs: int | None, count: int, pool_from: int) -> int:
    """``jobs`` when given, else one per CPU from ``pool_from`` items on, else one; never more than ``count``."""
    workers = jobs if jobs is not None else (cpu_workers() if count >= pool_from else 1)
    return max(1, min(workers, count))


def chunk_size(count: int, workers: int, most: int) -> int:
    """``most`` items per task, fewer for small batches so every worker gets several tasks."""
    return max(1, min(most, count // (max(1, workers) * 4)))


def chunks(items: list[T], size: int, workers: int = 1) -> list[list[T]]:
    """``items`` in tasks of ``size``; with several ``workers``, the last ``workers`` tasks' worth
    in tasks of a quarter of that, so no worker sits idle while another ends a long last task."""
    if workers <= 1 or size < 8 or len(items) <= 2 * workers * size:
        return [items[start:start + size] for start in range(0, len(items), size)]
    tail = (len(items) - workers * size) // size * size   # where the full-size tasks end
    small = max(1, size // 4)
    return [items[start:start + size] for start in range(0, tail, size)] + \
        [items[start:start + small] for start in range(tail, len(items), small)]


def worker_context() -> dict:
    """What the pool's ``setup`` was given, in this worker (or in this process, for in-process work)."""
    return _context


def set_context(context: dict, setup: Callable[[dict], None] | None = None) -> None:
    """Make ``context`` this process's worker context, then run ``setup`` on it (per-worker preparation)."""
    _context.clear()
    _context.update(context)
    if setup is not None:
        setup(_context)


def new_pool(workers: int, context: dict, setup: Callable[[dict], None] | None = None) -> ProcessPoolExecutor:
    """A pool whose every worker starts with ``context`` (and ``setup`` run on it)."""
    return ProcessPoolExecutor(max_workers=workers, initializer=set_context, initargs=(context, setup))


def map_ordered(function: Callable[[T], R], tasks: Iterable[T], workers: int, context: dict,
                setup: Callable[[dict], None] | None = None) -> Iterator[R]:
    """``function`` over ``tasks`` in results order = tasks order; in this process when one worker will do."""
    if workers <= 1:
        set_context(context, setup)
        yield from map(function, tasks)
        return
    with new_pool(workers, context, setup) as pool:
        yield from pool.map(function, tasks)
