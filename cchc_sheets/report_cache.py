"""A content-addressed cache of per-file validation results, so an inbox is read once.

``cchc validate`` then ``cchc merge`` on the same returns (or validating a folder
again after a few new files came in) re-reads only files whose bytes are new.
One SQLite database holds, per *context* and file content (sha256 + suffix), the
FileReport of ``validation.validate_content``: what depends on the bytes and the
form only. Findings that need the units list or the period are added afterwards
by ``validation.with_context``, and the batch checks (duplicates, outliers) run
on every batch, so neither is cached and neither invalidates anything.

The context is a hash of everything else a report depends on: the package
version and its source, the reader (python-calamine), the form pack (fields,
rules, layout fingerprint, form.yaml bytes), the reading limits, the message
language and ``CACHE_SCHEMA``. The cache never makes a command fail: any
problem with it (not writable, corrupt, locked) means working without it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
from contextlib import closing as _closing
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable

from .model import FileReport, Finding
from .values import CellError

CACHE_SCHEMA = 1
DB_NAME = "reports.sqlite3"
LOOKUP_CHUNK = 500       # keys per SELECT (well under SQLite's variable limit)
STORE_CHUNK = 1000       # rows per INSERT transaction
BUSY_TIMEOUT_MS = 5000

_CACHE_ERRORS = (sqlite3.Error, OSError, ValueError, TypeError, KeyError)


# --------------------------------------------------------------------------- where and whether


def enabled() -> bool:
    return os.environ.get("CCHC_NO_CACHE", "").strip() not in ("1", "true", "yes")


def cache_path() -> Path:
    """``$CCHC_CACHE_DIR/reports.sqlite3``, else under ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    if os.environ.get("CCHC_CACHE_DIR"):
        return Path(os.environ["CCHC_CACHE_DIR"]) / DB_NAME
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cchc-sheets" / DB_NAME


# --------------------------------------------------------------------------- the context


def context_key(form, limits) -> str:
    """The hash of everything besides the file's bytes that a content report depends on."""
    from . import __version__
    from .messages import current_lang
    from .validation import _layout_for

    digest = hashlib.sha256()
    for part in (f"schema={CACHE_SCHEMA}", f"version={__version__}", f"source={_source_hash()}",
                 f"reader={_reader_version()}", f"form={_form_hash(form)}",
                 f"layout={_layout_for(form).fingerprint}", f"limits={sorted(dataclasses.asdict(limits).items())}",
                 f"lang={current_lang()}"):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def _source_hash() -> str:
    """The package's own code: a developer's edit must not meet results of the code before it."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _reader_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("python-calamine")
    except PackageNotFoundError:
        return "?"


def _form_hash(form) -> str:
    fields = {f.name: getattr(form, f.name) for f in dataclasses.fields(form) if f.name not in ("directory", "extra")}
    text = json.dumps(_plain_tree(fields), sort_keys=True, ensure_ascii=False, default=repr)
    digest = hashlib.sha256(text.encode("utf-8"))
    pack_file = Path(form.directory) / "form.yaml"
    if pack_file.is_file():
        digest.update(pack_file.read_bytes())
    return digest.hexdigest()


def _plain_tree(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _plain_tree(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_tree(v) for v in value]
    return value


# --------------------------------------------------------------------------- file keys


def file_key(path: Path, max_bytes: int) -> tuple[tuple[str, str] | None, os.stat_result | None]:
    """(sha256, suffix) of a file's content, and its stat; no key for files the reader refuses unread."""
    try:
        stat = path.stat()
        if stat.st_size == 0 or stat.st_size > max_bytes:
            return None, stat
        return (hashlib.sha256(path.read_bytes()).hexdigest(), path.suffix.lower()), stat
    except OSError:
        return None, None


# --------------------------------------------------------------------------- the database


class ReportCache:
    """One database and one context; every method swallows cache trouble (and then does nothing).

    The connection is closed between uses: a process pool forked while it was
    open would inherit it, which SQLite does not allow.
    """

    def __init__(self, path: Path, context: str):
        self.path, self.context = path, context
        self.pending: list[tuple] = []

    def has_entries(self) -> bool:
        try:
            with _closing(_connect(self.path)) as connection:
                row = connection.execute("SELECT 1 FROM reports WHERE context = ? LIMIT 1", (self.context,)).fetchone()
            return row is not None
        except _CACHE_ERRORS:
            return False

    def lookup(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], FileReport]:
        """Cached reports by key, one query per LOOKUP_CHUNK keys; undecodable rows count as misses."""
        keys = list(dict.fromkeys(keys))
        found: dict[tuple[str, str], FileReport] = {}
        try:
            with _closing(_connect(self.path)) as connection:
                for start in range(0, len(keys), LOOKUP_CHUNK):
                    found.update(self._lookup_chunk(connection, keys[start:start + LOOKUP_CHUNK]))
        except _CACHE_ERRORS:
            pass
        return found

    def _lookup_chunk(self, connection, chunk: list[tuple[str, str]]) -> dict[tuple[str, str], FileReport]:
        marks = ",".join("?" * len(chunk))
        rows = connection.execute(
            f"SELECT sha256, suffix, report FROM reports WHERE context = ? AND sha256 IN ({marks})",
            (self.context, *(sha for sha, _ in chunk))).fetchall()
        wanted, found = set(chunk), {}
        for sha, suffix, text in rows:
            report = _decoded(text) if (sha, suffix) in wanted else None
            if report is not None:
                found[(sha, suffix)] = report
        return found

    def add(self, report: FileReport, suffix: str) -> None:
        """Queue a content report (before any context or batch finding) for storing."""
        if not report.sha256:
            return  # not read at all (missing, empty, too large, an OS error): nothing to key it by
        try:
            self.pending.append((self.context, report.sha256, suffix, json.dumps(report_to_dict(report))))
        except _CACHE_ERRORS:
            return  # a value we cannot store exactly: simply not cached
        if len(self.pending) >= STORE_CHUNK:
            self.flush()

    def flush(self) -> None:
        """Store the queued reports in one transaction."""
        rows, self.pending = self.pending, []
        if not rows:
            return
        try:
            with _closing(_connect(self.path)) as connection, connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO reports (context, sha256, suffix, report) VALUES (?, ?, ?, ?)", rows)
        except _CACHE_ERRORS:
            pass

    def close(self) -> None:
        self.flush()


def open_cache(form, limits) -> ReportCache | None:
    """The cache for this form and these limits, or None (disabled, not writable, unusable)."""
    if not enabled():
        return None
    try:
        context = context_key(form, limits)
        path = cache_path()
        path.parent.mkdir(parents=True, exist_ok=True)
    except _CACHE_ERRORS:
        return None
    for attempt in range(2):
        try:
            _connect(path).close()
            return ReportCache(path, context)
        except _CACHE_ERRORS as exc:
            if attempt or type(exc) is not sqlite3.DatabaseError:  # locked, not writable...: leave it alone
                return None
            _remove_database(path)  # "file is not a database", "malformed": start again
    return None


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("CREATE TABLE IF NOT EXISTS reports (context TEXT NOT NULL, sha256 TEXT NOT NULL, "
                           "suffix TEXT NOT NULL, report TEXT NOT NULL, PRIMARY KEY (context, sha256, suffix)) "
                           "WITHOUT ROWID")
        connection.execute("SELECT count(*) FROM reports WHERE context = ''").fetchone()
    except BaseException:
        connection.close()
        raise
    connection.isolation_level = ""  # `with connection:` opens and commits one transaction
    return connection


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            Path(str(path) + suffix).unlink(missing_ok=True)
        except OSError:
            pass


# --------------------------------------------------------------------------- FileReport <-> dict


def report_to_dict(report: FileReport) -> dict:
    """Everything a content report holds except where the file is now (path, mtime) and mail data."""
    return {
        "sha256": report.sha256, "form": report.form, "form_version": report.form_version,
        "unit_code": report.unit_code, "unit_name": report.unit_name, "period": report.period,
        "values": {k: _encoded(v) for k, v in report.values.items()},
        "notes": {k: _encoded(v) for k, v in report.notes.items()},
        "answers": {k: _encoded(v) for k, v in report.answers.items()},
        "reporter": {k: _encoded(v) for k, v in report.reporter.items()},
        "findings": [_finding_to_dict(f) for f in report.findings],
        "file_format": report.file_format, "generated_at": _encoded(report.generated_at),
    }


def report_from_dict(data: dict, path: str = "", modified: datetime | None = None) -> FileReport:
    return FileReport(
        path=path, sha256=data["sha256"], form=data["form"], form_version=data["form_version"],
        unit_code=data["unit_code"], unit_name=data["unit_name"], period=data["period"],
        values={k: _decoded_value(v) for k, v in data["values"].items()},
        notes={k: _decoded_value(v) for k, v in data["notes"].items()},
        answers={k: _decoded_value(v) for k, v in data["answers"].items()},
        reporter={k: _decoded_value(v) for k, v in data["reporter"].items()},
        findings=[_finding_from_dict(f) for f in data["findings"]],
        file_format=data["file_format"], modified=modified, generated_at=_decoded_value(data["generated_at"]),
    )


def with_file(report: FileReport, path: Path, stat: os.stat_result | None) -> FileReport:
    """A cached report placed at ``path``, with that file's modification time (as the reader sets it)."""
    report.path = str(path)
    report.modified = datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc) if stat is not None else None
    return report


def _finding_to_dict(finding: Finding) -> dict:
    return {"code": finding.code, "severity": finding.severity, "message": finding.message,
            "sheet": finding.sheet, "cell": finding.cell, "indicator": finding.indicator,
            "value": _encoded(finding.value), "params": {k: _encoded(v) for k, v in finding.params.items()}}


def _finding_from_dict(data: dict) -> Finding:
    return Finding(code=data["code"], severity=data["severity"], message=data["message"], sheet=data["sheet"],
                   cell=data["cell"], indicator=data["indicator"], value=_decoded_value(data["value"]),
                   params={k: _decoded_value(v) for k, v in data["params"].items()})


def _decoded(text: str) -> FileReport | None:
    try:
        return report_from_dict(json.loads(text))
    except _CACHE_ERRORS:
        return None


# Plain JSON scalars stand for themselves; anything else is a one-key object naming its type,
# so a value comes back with the same type (3 vs 3.0, date vs datetime, tuple vs list).
_SCALARS = (type(None), bool, int, float, str)


def _encoded(value):
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is CellError:
        return {"cellerror": str(value)}
    if kind is datetime:
        return {"datetime": value.isoformat()}
    if kind is date:
        return {"date": value.isoformat()}
    if kind is list:
        return {"list": [_encoded(v) for v in value]}
    if kind is tuple:
        return {"tuple": [_encoded(v) for v in value]}
    if kind is dict and all(type(k) is str for k in value):
        return {"dict": {k: _encoded(v) for k, v in value.items()}}
    raise TypeError(f"cannot cache a {kind.__name__} exactly")


def _decoded_value(data):
    if not isinstance(data, dict):
        return data
    (kind, payload), = data.items()
    if kind == "cellerror":
        return CellError(payload)
    if kind == "datetime":
        return datetime.fromisoformat(payload)
    if kind == "date":
        return date.fromisoformat(payload)
    if kind == "list":
        return [_decoded_value(v) for v in payload]
    if kind == "tuple":
        return tuple(_decoded_value(v) for v in payload)
    if kind == "dict":
        return {k: _decoded_value(v) for k, v in payload.items()}
    raise ValueError(f"unknown cached value type {kind!r}")
