"""A content-addressed cache of per-file validation results, so an inbox is read once.

``cchc validate`` then ``cchc merge`` on the same returns (or validating a folder
again after a few new files came in) re-reads only files whose bytes are new.
One SQLite database holds, per *context* and file content (sha256 + suffix), the
FileReport of ``validation.validate_content``: what depends on the bytes and the
form only. Findings that need the units list or the period are added afterwards
by ``validation.with_context``, and the batch checks (duplicates, outliers) run
on every batch, so neither is cached and neither invalidates anything.

A second table remembers, per absolute path, the size, modification and change
times (ns), inode and device a file had when its sha256 was taken: a file that
still has all of them is not read or hashed again (the rule make and rsync use).

The context is a hash of everything else a report depends on: the package
version and its source, the reader (python-calamine), the form pack (fields,
rules, layout fingerprint, form.yaml bytes), the reading limits and
``CACHE_SCHEMA``; not the message language (findings are facts, rendered where
read). A row is the report as the codec writes it (``codec.report_to_bytes``).
The cache never makes a command fail: any problem with it (not writable,
corrupt, locked) means working without it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import time
from stat import S_ISREG
from contextlib import closing as _closing
from datetime import datetime, timezone
from pathlib import Path

from . import codec
from .model import FileReport

CACHE_SCHEMA = 3         # 3: rows are codec documents (2: pickles); part of the context, so older rows are never read
DB_NAME = "reports.sqlite3"
BUSY_TIMEOUT_MS = 5000
RACY_WINDOW_NS = 2_000_000_000  # FAT's timestamp tick: files changed this recently are hashed again next time

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
    from .validation import _layout_for

    digest = hashlib.sha256()
    for part in (f"schema={CACHE_SCHEMA}", f"version={__version__}", f"source={_source_hash()}",
                 f"reader={_reader_version()}", f"form={_form_hash(form)}",
                 f"layout={_layout_for(form).fingerprint}", f"limits={sorted(dataclasses.asdict(limits).items())}"):
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


def file_stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def file_key(path: Path, stat: os.stat_result | None, max_bytes: int) -> tuple[str, str] | None:
    """(sha256, suffix) of a file's content; no key for files the reader refuses unread."""
    if stat is None or not S_ISREG(stat.st_mode) or stat.st_size == 0 or stat.st_size > max_bytes:
        return None   # never opened here: a FIFO would block, a device never end
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest(), Path(path).suffix.lower()
    except OSError:
        return None


def _stat_fields(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev


def _settled(stat: os.stat_result) -> bool:
    """Whether a change to the file would show in its times (not written within RACY_WINDOW_NS of now).

    A file rewritten within the same timestamp tick as our look at it could keep
    its size and times; like git's "racy" entries, such files are not remembered.
    """
    return max(stat.st_mtime_ns, stat.st_ctime_ns) < time.time_ns() - RACY_WINDOW_NS


# --------------------------------------------------------------------------- the database


class ReportCache:
    """One database and one context; every method swallows cache trouble (and then does nothing).

    The connection is opened per use and closed again: a process pool forked
    while it was open would inherit it, which SQLite does not allow. Only a pool
    worker (which never forks) keeps one open for all its stores (``keep_open``).
    """

    def __init__(self, path: Path, context: str):
        self.path, self.context = path, context
        self.kept: sqlite3.Connection | None = None   # set in a pool worker only (``keep_open``)

    def keep_open(self) -> None:
        """Store through one connection from now on (in a pool worker only).

        Closing the last connection makes SQLite checkpoint and sync the WAL:
        one connection per chunk cost a worker ~0.5 s of waiting at N = 10,000.
        """
        try:
            self.kept = _connect(self.path)
        except _CACHE_ERRORS:
            self.kept = None   # stores then open their own connection, as in the parent

    def lookup(self, files: list[Path], max_bytes: int) -> list[FileReport | None]:
        """Each file's cached content report (placed at the file, with its time), or None: a miss.

        A file whose path, size, times, inode and device are those remembered is
        not read again: its remembered sha256 is used. Other files are hashed
        (and remembered when settled). One query finds the remembered files,
        one the rows.
        """
        found: list[FileReport | None] = [None] * len(files)
        try:
            with _closing(_connect(self.path)) as connection:
                if not self._has_entries(connection):
                    return found  # a first run reads everything anyway: do not hash twice
                stats = [file_stat(path) for path in files]
                keys, learned = self._keys(connection, files, stats, max_bytes)
                self._fill(connection, files, stats, keys, found)
                with connection:
                    _remember(connection, learned)
        except _CACHE_ERRORS:
            pass
        return found

    def _has_entries(self, connection) -> bool:
        query = "SELECT 1 FROM content_reports WHERE context = ? LIMIT 1"
        return connection.execute(query, (self.context,)).fetchone() is not None

    def _keys(self, connection, files, stats, max_bytes) -> tuple[list, list]:
        """Each file's key (remembered or hashed now) and the (path, stat, sha256) to remember."""
        names = _absolute_names(files)
        remembered = {row[0]: row[1:] for row in connection.execute(
            "SELECT path, size, mtime_ns, ctime_ns, inode, device, sha256 FROM file_hashes "
            "WHERE path IN (SELECT value FROM json_each(?))", (json.dumps(names),))}
        keys, learned = [], []
        for path, name, stat in zip(files, names, stats):
            known = remembered.get(name)
            if stat is not None and known is not None and tuple(known[:5]) == _stat_fields(stat) \
                    and 0 < stat.st_size <= max_bytes:
                keys.append((known[5], path.suffix.lower()))
                continue
            key = file_key(path, stat, max_bytes)
            keys.append(key)
            if key is not None:
                learned.append((name, stat, key[0]))
        return keys, learned

    def _fill(self, connection, files, stats, keys, found: list) -> None:
        """Decode each row as it comes (no row is held), once for every file with its key.

        The same bytes twice in one batch (a copy) decode twice: each file gets
        its own report. A row that does not decode leaves its files misses.
        """
        places: dict[tuple[str, str], list[int]] = {}
        for n, key in enumerate(keys):
            if key is not None:
                places.setdefault(key, []).append(n)
        for sha, suffix, row in connection.execute(
                "SELECT sha256, suffix, row FROM content_reports WHERE context = ? "
                "AND sha256 IN (SELECT value FROM json_each(?))", (self.context, json.dumps([s for s, _ in places]))):
            for n in places.get((sha, suffix), ()):
                report = decode_row(row)
                if report is not None:
                    found[n] = with_file(report, files[n], stats[n])

    def store(self, reports: list[tuple[str, os.stat_result | None, FileReport, bytes]]) -> None:
        """Keep freshly read reports (path, stat before reading, report, its row) in one transaction."""
        rows, learned = [], []
        for path, stat, report, row in reports:
            if not report.sha256:
                continue  # not read at all (missing, empty, too large, an OS error): nothing to key it by
            rows.append((self.context, report.sha256, Path(path).suffix.lower(), row))
            if stat is not None:
                learned.append((_absolute_names([path])[0], stat, report.sha256))
        if not rows:
            return
        try:
            if self.kept is not None:
                _insert(self.kept, rows, learned)
                return
            with _closing(_connect(self.path)) as connection:
                _insert(connection, rows, learned)
        except _CACHE_ERRORS:
            pass


def _insert(connection: sqlite3.Connection, rows: list[tuple], learned: list[tuple]) -> None:
    with connection:  # one transaction
        connection.executemany(
            "INSERT OR REPLACE INTO content_reports (context, sha256, suffix, row) VALUES (?, ?, ?, ?)", rows)
        _remember(connection, learned)


def _absolute_names(files) -> list[str]:
    """The files' absolute paths, the remembered-files table's keys.

    Not normalised as ``os.path.abspath`` would (a third of the lookup's time): a
    path spelt with ``..`` is merely remembered under that spelling too.
    """
    here = os.getcwd()
    return [name if name.startswith(os.sep) else os.path.join(here, name) for name in map(str, files)]


def _remember(connection, learned: list[tuple[str, os.stat_result, str]]) -> None:
    """Remember which content each settled file had, so that an unchanged file is not hashed again."""
    connection.executemany(
        "INSERT OR REPLACE INTO file_hashes (path, size, mtime_ns, ctime_ns, inode, device, sha256) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(name, *_stat_fields(stat), sha) for name, stat, sha in learned if _settled(stat)])


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


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS content_reports (context TEXT NOT NULL, sha256 TEXT NOT NULL, "
    "suffix TEXT NOT NULL, row BLOB NOT NULL, PRIMARY KEY (context, sha256, suffix))",
    "CREATE TABLE IF NOT EXISTS file_hashes (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, "
    "ctime_ns INTEGER, inode INTEGER, device INTEGER, sha256 TEXT NOT NULL)",
    "DROP TABLE IF EXISTS reports",  # the JSON rows of CACHE_SCHEMA 1
)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        for statement in _SCHEMA:
            connection.execute(statement)
        connection.execute("SELECT count(*) FROM content_reports WHERE context = ''").fetchone()
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


# --------------------------------------------------------------------------- FileReport <-> row
# A row is the codec's report document (compact JSON in UTF-8, its format inside). A row
# this version does not read (another format, damaged, planted) is a miss, never a crash
# and never code run: nothing in a row names a class.


def decode_row(row: bytes) -> FileReport | None:
    """The report in a stored row, or None when the row is not one this version reads."""
    try:
        return codec.report_from_bytes(row)
    except codec.CodecError:
        return None


def with_file(report: FileReport, path: Path, stat: os.stat_result | None) -> FileReport:
    """A cached report placed at ``path``, with that file's modification time (as the reader sets it)."""
    report.path = str(path)
    report.modified = datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc) if stat is not None else None
    return report

