"""Validation of many files: a process pool, the report cache, then the batch checks.

``validate_paths`` is what ``cchc validate`` calls (``cchc merge`` calls ``validate_files``
with the files it found): it finds the spreadsheets under the given paths, takes each
file's content report from the report cache or reads it (``validation.validate_content``,
in worker processes for large batches), adds the units/period findings (``validation.with_context``)
and finally the findings that need the whole batch (``validation.check_batch``).
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import report_cache
from .forms import Form
from .messages import CchcError
from .model import BatchReport, FileReport
from .periods import Period
from .units import UnitList
from .validation import _plan_for, check_batch, validate_content, with_context

POOL_MIN_FILES = 48       # below this a process pool costs more than it saves
POOL_CHUNK = 64           # files per task sent to a worker: keeps IPC and cache transactions per file small


def pool_workers() -> int:
    """One worker per CPU this process may run on (at least one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------- reading in workers

_worker_setup: dict = {}


def _init_worker(form: Form, limits, cache, in_pool: bool) -> None:
    _worker_setup.update(form=form, limits=limits, cache=cache)
    _plan_for(form)  # worked out once per worker, before its first file
    if in_pool and cache is not None:
        cache.keep_open()  # this process's own copy of the cache object


def _validate_chunk(paths: list[str]) -> list[bytes]:
    """Content reports (no units list, no period: the parent adds those) of some files, as cache rows.

    The worker stores the rows in the report cache itself and sends the same
    bytes back: the parent neither encodes nor stores anything for fresh files.
    """
    from .reading import read_workbook

    setup = _worker_setup
    done = []
    for path in paths:
        stat = report_cache.file_stat(path)  # taken before reading: a change while reading shows next time
        report = validate_content(read_workbook(path, setup["limits"]), setup["form"])
        done.append((path, stat, report, report_cache.encode_report(report)))
    if setup["cache"] is not None:
        setup["cache"].store(done)
    return [row for *_, row in done]


def _content_reports(files: list[Path], form, limits, jobs: int | None, cache) -> Iterator[FileReport]:
    """Content reports in input order; a process pool for large batches."""
    workers = jobs if jobs is not None else (pool_workers() if len(files) >= POOL_MIN_FILES else 1)
    size = chunk_size(len(files), workers)
    names = list(map(str, files))  # a str pickles in a fraction of a Path's time
    chunks = [names[start:start + size] for start in range(0, len(names), size)]
    if workers <= 1 or len(files) <= 1:
        _init_worker(form, limits, cache, False)
        yield from _unpacked(map(_validate_chunk, chunks))
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(form, limits, cache, True))
    with pool:
        yield from _unpacked(pool.map(_validate_chunk, chunks))


def _unpacked(chunks: Iterable[list[bytes]]) -> Iterator[FileReport]:
    for rows in chunks:
        yield from map(report_cache.decode_own_row, rows)


def chunk_size(count: int, workers: int, most: int = POOL_CHUNK) -> int:
    """``most`` items per task, fewer for small batches so every worker gets several tasks."""
    return max(1, min(most, count // (max(1, workers) * 4)))


def _cached_or_read(files: list[Path], form, limits, jobs: int | None, use_cache: bool) -> Iterator[FileReport]:
    """Content reports in input order: from the report cache when the same bytes were seen, else read."""
    cache = report_cache.open_cache(form, limits) if use_cache else None
    if cache is None:
        yield from _content_reports(files, form, limits, jobs, None)
        return
    # Rows are decoded before reading starts: a row that does not decode is a miss like any other.
    cached = cache.lookup(files, limits.max_file_bytes)
    fresh = _content_reports([f for f, report in zip(files, cached) if report is None], form, limits, jobs, cache)
    for report in cached:
        yield report if report is not None else next(fresh)


def validate_paths(paths, form: Form, *, units: UnitList | None = None, period: Period | None = None,
                   limits=None, jobs: int | None = None,
                   progress: Callable[[FileReport], None] | None = None, cache: bool = True,
                   found: Callable[[int], None] | None = None) -> BatchReport:
    """Read and validate every spreadsheet in ``paths`` (files or folders, recursive).

    ``found``: told how many files there are before the first is read (a progress bar's length);
    the other arguments as ``validate_files``.
    """
    from .reading import find_spreadsheets

    files, missing = find_spreadsheets(paths)
    if missing:
        raise CchcError("input-not-found", path=", ".join(str(p) for p in missing))
    if not files:
        raise CchcError("no-input-files", paths=", ".join(str(p) for p in paths))
    if found:
        found(len(files))
    return validate_files(files, form, units=units, period=period, limits=limits, jobs=jobs, progress=progress,
                          cache=cache)


def validate_files(files: list[Path], form: Form, *, units: UnitList | None = None, period: Period | None = None,
                   limits=None, jobs: int | None = None,
                   progress: Callable[[FileReport], None] | None = None, cache: bool = True) -> BatchReport:
    """Read and validate ``files`` (found already, e.g. by ``find_spreadsheets``), in that order.

    ``cache``: reuse the reports of files whose bytes were validated before (``report_cache``);
    ``progress``: given each report, in input order.
    """
    from .reading import Limits

    reports = []
    for report in _cached_or_read(files, form, limits or Limits(), jobs, cache):
        with_context(report, form, units, period)
        reports.append(report)
        if progress:
            progress(report)
    check_batch(reports, form)
    return BatchReport(reports)
