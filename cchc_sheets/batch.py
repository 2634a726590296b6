"""Validation of many files: a process pool, the report cache, then the batch checks.

``validate_paths`` is what ``cchc validate`` calls (``cchc merge`` calls ``validate_files``
with the files it found): it finds the spreadsheets under the given paths, takes each
file's content report from the report cache or reads it (``validation.validate_content``,
in worker processes for large batches), adds the units/period findings (``validation.with_context``)
and finally the findings that need the whole batch (``validation.check_batch``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

from . import codec, pool, report_cache
from .forms import Form
from .messages import CchcError
from .model import BatchReport, FileReport
from .periods import Period
from .units import UnitList
from .validation import FormPlan, check_batch, validate_content, with_context

POOL_MIN_FILES = 48       # below this a process pool costs more than it saves
POOL_CHUNK = 64           # files per task sent to a worker: keeps IPC and cache transactions per file small


# --------------------------------------------------------------------------- reading in workers

# A reading worker's address space: far above what any return needs (a template takes a
# few MB), far below the machine. A hostile file that makes the native reader allocate
# past it fails in that worker alone; the batch goes on (see ``_isolated``).
WORKER_MEMORY_BYTES = 2 * 1024 ** 3


def _limit_worker_memory() -> None:
    """Cap this (worker) process's address space; a no-op where the OS has no rlimits (Windows)."""
    limit = WORKER_MEMORY_BYTES
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > limit:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        except (ValueError, OSError):
            pass


def _prepare_worker(context: dict) -> None:
    """A worker's set-up: its own ``FormPlan`` (kept for the pool's batch), memory cap, cache handle."""
    context["plan"] = FormPlan(context["form"])  # worked out once per worker, before its first file
    _limit_worker_memory()
    if context["cache"] is not None:
        context["cache"].keep_open()  # this process's own copy of the cache object


def _validate_chunk(paths: list[str]) -> list[bytes]:
    """Content reports (no units list, no period: the parent adds those) of some files, as cache rows.

    The worker stores the rows (``codec.report_to_bytes``) in the report cache itself and
    sends the same bytes back: the parent neither encodes nor stores anything for fresh
    files, and the pool pickles bytes, not objects.
    A file whose reading runs out of memory is a finding for that file, not cached.
    """
    from .reading import read_workbook

    setup = pool.worker_context()
    done, rows = [], []
    for path in paths:
        stat = report_cache.file_stat(path)  # taken before reading: a change while reading shows next time
        try:
            report = validate_content(read_workbook(path, setup["limits"]), setup["form"], setup["plan"])
        except MemoryError:
            rows.append(codec.report_to_bytes(gave_up_report(path, "memory")))
            continue
        row = codec.report_to_bytes(report)
        done.append((path, stat, report, row))
        rows.append(row)
    if setup["cache"] is not None:
        setup["cache"].store(done)
    return rows


def gave_up_report(path: str | Path, why: str) -> FileReport:
    """The report of a file the reader gave up on: it ran out of memory (``why='memory'``) or its worker died."""
    from .model import make_finding

    return FileReport(path=str(path), findings=[make_finding("file-reader-gave-up", why=why)])


def _content_reports(files: list[Path], form, limits, jobs: int | None, cache) -> Iterator[FileReport]:
    """Content reports in input order, read in worker processes (a pool for large batches).

    Reading always happens outside this process, so a native abort or the OS killing a
    worker costs one file, never the batch: see ``_pooled``.
    """
    if not files:
        return
    workers = pool.worker_count(jobs, len(files), POOL_MIN_FILES)
    names = list(map(str, files))  # a str pickles in a fraction of a Path's time
    chunks = pool.chunks(names, pool.chunk_size(len(files), workers, POOL_CHUNK), workers)
    yield from _pooled(chunks, workers, {"form": form, "limits": limits, "cache": cache})


def _pooled(chunks: list[list[str]], workers: int, context: dict) -> Iterator[FileReport]:
    """Every chunk's reports in order; a pool that breaks is rebuilt after its chunk is redone file by file."""
    from concurrent.futures.process import BrokenProcessPool

    next_chunk = 0
    while next_chunk < len(chunks):
        with pool.new_pool(workers, context, _prepare_worker) as workers_pool:
            try:
                for rows in workers_pool.map(_validate_chunk, chunks[next_chunk:]):
                    yield from map(codec.report_from_bytes, rows)
                    next_chunk += 1
            except BrokenProcessPool:
                workers_pool.shutdown(wait=True, cancel_futures=True)
            else:
                return
        # Some file of chunks[next_chunk] killed its worker (or another chunk's did meanwhile).
        for path in chunks[next_chunk]:
            yield _isolated(path, context)
        next_chunk += 1


def _isolated(path: str, context: dict) -> FileReport:
    """One file read in a worker of its own: its report, or the finding that the reader gave up on it."""
    from concurrent.futures.process import BrokenProcessPool

    with pool.new_pool(1, context, _prepare_worker) as single:
        try:
            return codec.report_from_bytes(single.submit(_validate_chunk, [path]).result()[0])
        except BrokenProcessPool:
            return gave_up_report(path, "crash")


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

    from . import lower_level, predecessors

    reports = []
    for report in _cached_or_read(files, form, limits or Limits(), jobs, cache):
        if lower_level.maybe_lower(report):   # a consolidated workbook: the return of the unit it consolidates
            report = lower_level.read_lower(report.path, form, units, period)
        else:
            predecessors.mark_merged(with_context(report, form, units, period), units, period)
        reports.append(report)
        if progress:
            progress(report)
    check_batch(reports, form)
    lower_level.check_lower_batch(reports, form)
    return BatchReport(reports)
