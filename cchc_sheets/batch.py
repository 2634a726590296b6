"""Validation of many files: a process pool, the report cache, then the batch checks.

``validate_paths`` is what ``cchc validate`` and ``cchc merge`` call: it finds the
spreadsheets under the given paths, takes each file's content report from the
report cache or reads it (``validation.validate_content``, in worker processes
for large batches), adds the units/period findings (``validation.with_context``)
and finally the findings that need the whole batch (``validation.check_batch``).
"""
from __future__ import annotations

import copy
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Iterable

from .forms import Form
from .messages import CchcError
from .model import BatchReport, FileReport
from .periods import Period
from .units import UnitList
from .validation import _plan_for, check_batch, validate_content, with_context

POOL_MIN_FILES = 48       # below this a process pool costs more than it saves
POOL_WORKERS = 2
POOL_CHUNK = 64           # files per task sent to a worker: keeps pickling and IPC per file small


# --------------------------------------------------------------------------- files and folders

_worker_setup: dict = {}


def _init_worker(form: Form, limits) -> None:
    _worker_setup.update(form=form, limits=limits)
    _plan_for(form)  # worked out once per worker, before its first file


def _validate_file(path: Path) -> FileReport:
    """The content report of one file (no units list, no period: those are added by the parent)."""
    from .reading import read_workbook

    setup = _worker_setup
    return validate_content(read_workbook(path, setup["limits"]), setup["form"])


def _content_reports(files: list[Path], form, limits, jobs: int | None) -> Iterable[FileReport]:
    """Content reports in input order; a process pool for large batches (workers return reports only)."""
    workers = jobs if jobs is not None else (POOL_WORKERS if len(files) >= POOL_MIN_FILES else 1)
    if workers <= 1 or len(files) <= 1:
        _init_worker(form, limits)
        yield from map(_validate_file, files)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(form, limits)) as pool:
        yield from pool.map(_validate_file, files, chunksize=_chunk_size(len(files), workers))


def _chunk_size(count: int, workers: int) -> int:
    """POOL_CHUNK files per task, smaller for small batches so every worker gets several tasks."""
    return max(1, min(POOL_CHUNK, count // (workers * 4)))


def _cached_or_read(files: list[Path], form, limits, jobs: int | None, use_cache: bool) -> Iterable[FileReport]:
    """Content reports in input order: from the report cache when the same bytes were seen, else read.

    Files are hashed here (in the parent) and looked up in one query per chunk;
    only the misses go to the reader, and their reports are stored for next time.
    """
    from . import report_cache

    cache = report_cache.open_cache(form, limits) if use_cache else None
    if cache is None:
        yield from _content_reports(files, form, limits, jobs)
        return
    try:
        keys, stats, hits = [None] * len(files), [None] * len(files), {}
        if cache.has_entries():  # a first run reads everything anyway: do not hash twice
            for n, path in enumerate(files):
                keys[n], stats[n] = report_cache.file_key(path, limits.max_file_bytes)
            hits = cache.lookup(key for key in keys if key is not None)
        misses = iter(_content_reports([f for f, k in zip(files, keys) if k not in hits], form, limits, jobs))
        handed_out = set()
        for path, key, stat in zip(files, keys, stats):
            if key in hits:
                # The same bytes twice in one batch (a copy): each file gets its own report.
                report = copy.deepcopy(hits[key]) if key in handed_out else hits[key]
                handed_out.add(key)
                yield report_cache.with_file(report, path, stat)
                continue
            report = next(misses)
            cache.add(report, path.suffix.lower())
            yield report
    finally:
        cache.close()


def validate_paths(paths, form: Form, *, units: UnitList | None = None, period: Period | None = None,
                   limits=None, jobs: int | None = None,
                   progress: Callable[[FileReport], None] | None = None, cache: bool = True) -> BatchReport:
    """Read and validate every spreadsheet in ``paths`` (files or folders, recursive).

    ``cache``: reuse the reports of files whose bytes were validated before (``report_cache``).
    """
    from .reading import Limits, find_spreadsheets

    files, missing = find_spreadsheets([Path(p) for p in paths])
    if missing:
        raise CchcError("input-not-found", path=", ".join(str(p) for p in missing))
    if not files:
        raise CchcError("no-input-files", paths=", ".join(str(p) for p in paths))
    reports = []
    for report in _cached_or_read([Path(f) for f in files], form, limits or Limits(), jobs, cache):
        with_context(report, form, units, period)
        reports.append(report)
        if progress:
            progress(report)
    check_batch(reports, form)
    return BatchReport(reports)
