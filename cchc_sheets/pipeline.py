"""Stages wired together, for the CLI and the demo: validate a set of inputs, then consolidate."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from .messages import CchcError
from .model import BatchReport, Consolidation, FileReport


@dataclass
class MergeRun:
    batch: BatchReport
    consolidation: Consolidation
    problems: list = field(default_factory=list)   # phrases, e.g. an unusable received.csv
    previous: Consolidation | None = None          # an earlier period's, to compare with (``--previous``)


def input_files(paths: Iterable[str | Path], exclude: Iterable[str | Path | None] = ()) -> list[Path]:
    """Every spreadsheet under ``paths`` except ``exclude`` (a run's own outputs may sit in an input folder)."""
    from .reading import find_spreadsheets

    paths = list(paths)
    files, missing = find_spreadsheets(paths)
    if missing:
        raise CchcError("input-not-found", path=", ".join(str(p) for p in missing))
    kept = _without(files, exclude)
    if not kept:
        raise CchcError("no-input-files", paths=", ".join(str(Path(p)) for p in paths))
    return kept


def _without(files: list[Path], exclude: Iterable[str | Path | None]) -> list[Path]:
    """``files`` less any that is one of ``exclude`` on disk (same file, whatever path or link leads there)."""
    excluded = {_file_identity(p) for p in exclude if p} - {None}
    if not excluded:
        return files  # no output exists yet: nothing to drop, and no stat per input file
    return [f for f in files if _file_identity(f) not in excluded]


def _file_identity(path: str | Path) -> tuple[int, int] | None:
    """(device, inode), as ``os.path.samefile`` compares; None for a path that does not exist."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def merge_paths(paths, form, units, period, *, deadline: date | None = None, exclude=(), jobs: int | None = None,
                progress: Callable[[FileReport], None] | None = None, cache: bool = True,
                found: Callable[[int], None] | None = None, accept_predecessors: bool = False) -> MergeRun:
    """Validate every input (as ``cchc validate`` does), attach mail times, consolidate.

    ``found``: told how many files there are before the first is read; ``progress``: given each report.
    """
    from . import merge as merging
    from .received import load_received
    from .batch import validate_files

    received, problems = load_received(paths)
    lookup = merging.ReceivedLookup(received)  # mail times before the batch checks order duplicates

    def on_report(report: FileReport) -> None:
        merging.attach_received(report, lookup)
        if progress:
            progress(report)

    files = input_files(paths, exclude)
    if found:
        found(len(files))
    batch = validate_files(files, form, units=units, period=period, jobs=jobs, progress=on_report, cache=cache)
    consolidation = merging.consolidate(batch, form, units, period,
                                        deadline=deadline or period.default_deadline, received=received,
                                        accept_predecessors=accept_predecessors)
    return MergeRun(batch, consolidation, problems)
