"""The ledger: every file and return an office has seen, which version counts, locks and the audit trail.

SQLAlchemy Core over SQLite (the embedded default) or PostgreSQL (a shared office store)::

    ledger = Ledger.open("sqlite:///bao-cao/ledger.sqlite")
    record = ledger.record_return(report, actor="Nguyễn Văn A")
    [str(d) for d in record.differences]          # ['05.1: 600 → 650']
    ledger.status("tuyen-truyen-cchc", "2020-H1", units, deadline).completeness

Every method that changes something is one transaction: it happens entirely or not at
all, whatever kills the process. Writers are serialised: on SQLite every write
transaction starts with ``BEGIN IMMEDIATE`` (the database's single write lock, waited for
up to ``BUSY_TIMEOUT_MS``); on PostgreSQL it takes one transaction-scoped advisory lock.
A ledger whose schema is newer than this code, or a file that is not a sound SQLite
database, raises ``CchcError`` and is left exactly as it was.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import and_, bindparam, create_engine, event, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url

from .. import codec
from ..fileio import atomic_path
from ..messages import CchcError
from ..model import FileReport
from . import records as R
from . import schema as S
from .constants import BUSY_TIMEOUT_MS
from .status import period_status

_PG_WRITE_LOCK = 7_205_015          # pg_advisory_xact_lock key: one writer at a time on a shared ledger
_COUNTED_STATUSES = ("valid", "warnings")


class Ledger:
    """An opened ledger. ``Ledger.open(url)``; ``close()`` (or ``with``) when done."""

    def __init__(self, engine: Engine, url: str):
        self._engine = engine
        self.url = url
        self.is_sqlite = engine.dialect.name == "sqlite"

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, url: str, *, create: bool = True, check: bool = False) -> "Ledger":
        """Open (and, when ``create``, make or migrate) the ledger at ``url``.

        ``check`` runs SQLite's full ``integrity_check`` first (slow on a big ledger; the
        header and schema are always checked).
        """
        engine = _engine(url, create)
        ledger = cls(engine, url)
        try:
            ledger._prepare(create, check)
        except BaseException:
            engine.dispose()
            raise
        return ledger

    def _prepare(self, create: bool, check: bool) -> None:
        if check and self.is_sqlite:
            problems = self.integrity_problems()
            if problems:
                raise CchcError("ledger-damaged", path=self._place(), reason="; ".join(problems[:3]))
        with self._read() as c:
            found = S.stored_version(c)
        if found > S.SCHEMA_VERSION:
            raise CchcError("ledger-newer-schema", path=self._place(), found=found, supported=S.SCHEMA_VERSION)
        if found < S.SCHEMA_VERSION:
            if not create:
                raise CchcError("ledger-unreachable", path=self._place(), reason=f"schema {found}")
            self.migrate()
        if self.is_sqlite:
            self._raw_pragma("PRAGMA journal_mode=WAL")   # only now: it rewrites the file header

    def migrate(self) -> int:
        """Bring the schema up to ``SCHEMA_VERSION`` in one transaction; returns the version found."""
        with self._write() as c:
            found = S.stored_version(c)                  # again, under the write lock
            if found > S.SCHEMA_VERSION:
                raise CchcError("ledger-newer-schema", path=self._place(), found=found,
                                supported=S.SCHEMA_VERSION)
            S.apply_steps(c, found)
        return found

    def schema_version(self) -> int:
        with self._read() as c:
            return S.stored_version(c)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ files and returns
    def record_file(self, sha256: str, path: str, *, size: int | None = None, sender: str | None = None,
                    mail_time: datetime | None = None, message_id: str | None = None,
                    stored_path: str | None = None) -> None:
        """Remember an input file (first path wins; later calls only fill what was unknown)."""
        with self._write() as c:
            _ensure_file(c, sha256, path, size=size, sender=sender, mail_time=mail_time,
                         message_id=message_id, stored_path=stored_path)

    def record_return(self, report: FileReport, *, actor: str, received_at: datetime | None = None,
                      stored_path: str | None = None, size: int | None = None,
                      message_id: str | None = None) -> R.ReturnRecord:
        """Record one validated return in one transaction; the same file again changes nothing.

        Computes its differences with the unit's previous version and decides which version
        counts: the newest received (mail time, else file time; then the order recorded),
        unless the period is locked, when it is recorded as ``received-after-lock``.
        """
        with self._write() as c:
            return _record_return(c, report, actor, received_at, stored_path, size, message_id)

    def record_returns(self, reports: Iterable[FileReport], *, actor: str) -> list[R.ReturnRecord]:
        """Several returns in ONE transaction (a batch is all recorded or none)."""
        with self._write() as c:
            return [_record_return(c, r, actor, None, None, None, None) for r in reports]

    def record_batch(self, items: Iterable[tuple[FileReport, dict]], *, actor: str) -> list[R.ReturnRecord | None]:
        """Returns and other files in ONE transaction, each with what ``record_return`` or
        ``record_file`` is told about it (``stored_path``, ``size``, ``message_id``, ``received_at``).

        A report naming its form, period, unit and sha256 becomes a return (its record); any
        other file is only remembered (None). All are recorded or none.
        """
        recorded: list[tuple[int, bool] | None] = []
        with self._write() as c:
            for report, known in items:
                known = dict(known)
                received_at = known.pop("received_at", None)
                if report.form and report.period and report.unit_code and report.sha256:
                    recorded.append(_insert_return(c, report, actor, received_at, known.get("stored_path"),
                                                   known.get("size"), known.get("message_id")))
                    continue
                _ensure_file(c, report.sha256 or known.pop("sha256"), report.path, sender=report.sender,
                             mail_time=received_at or report.received, **known)
                recorded.append(None)
            ids = [entry[0] for entry in recorded if entry]
            by_id = {r.id: r for start in range(0, len(ids), 500)     # read once, after every unit is settled
                     for r in _returns_where(c, S.returns.c.id.in_(ids[start:start + 500]), (S.returns.c.id,))}
        return [None if entry is None else replace(by_id[entry[0]], is_new=entry[1]) for entry in recorded]

    def returns(self, form_id: str, period: str, unit_code: str | None = None) -> list[R.ReturnRecord]:
        """Every return of the period (of one unit when given), by unit and order recorded."""
        where = [S.returns.c.form_id == form_id, S.returns.c.period == str(period)]
        if unit_code is not None:
            where.append(S.returns.c.unit_code == unit_code)
        with self._read() as c:
            return _returns_where(c, and_(*where), (S.returns.c.unit_code, S.returns.c.seq))

    def counted(self, form_id: str, period: str) -> list[FileReport]:
        """The reports that count for the period, one per unit at most, by unit code."""
        query = (select(S.returns.c.report)
                 .where(S.returns.c.form_id == form_id, S.returns.c.period == str(period), S.returns.c.counted)
                 .order_by(S.returns.c.unit_code))
        with self._read() as c:
            return [codec.report_from_bytes(bytes(blob)) for blob in c.execute(query).scalars()]

    def periods(self, form_id: str) -> list[str]:
        """The periods with at least one return of the form, as recorded (sorted by code)."""
        with self._read() as c:
            return sorted(c.execute(_PERIODS, {"form_id": form_id}).scalars())

    def history(self, unit_code: str, form_id: str | None = None,
                predecessors: Iterable[str] = ()) -> list[R.ReturnRecord]:
        """A unit's returns across periods (oldest period first), each with its differences.

        ``predecessors``: the codes of the units it was formed from (a merged commune); their
        returns come in too, each record's ``unit_code`` saying whose, in period order: within a
        period the unit's own first, then each predecessor's in the order given.
        """
        codes = list(dict.fromkeys([unit_code, *predecessors]))
        where = [S.returns.c.unit_code.in_(codes)]
        if form_id is not None:
            where.append(S.returns.c.form_id == form_id)
        with self._read() as c:
            records = _returns_where(c, and_(*where), (S.returns.c.form_id, S.returns.c.period, S.returns.c.seq))
        return _in_history_order(records, codes)

    def counted_reports(self, form_id: str, unit_codes: Iterable[str]) -> dict[str, list[tuple[str, FileReport]]]:
        """unit -> [(period, report)] of the returns that count, every period (sorted by code), for
        many units at once (bounded IN lists): what a batch compares with its units' own history."""
        T = S.returns.c
        codes, found = list(unit_codes), {}
        with self._read() as c:
            for start in range(0, len(codes), 500):
                query = (select(T.unit_code, T.period, T.report)
                         .where(T.form_id == form_id, T.counted, T.unit_code.in_(codes[start:start + 500]))
                         .order_by(T.unit_code, T.period))
                for unit, period, blob in c.execute(query):
                    found.setdefault(unit, []).append((period, codec.report_from_bytes(bytes(blob))))
        return found

    def status(self, form_id: str, period: str, units: Iterable, deadline: date | None = None) -> R.PeriodStatus:
        """Each expected unit (a UnitList or unit codes) and any other unit that sent: see ``PeriodStatus``."""
        period = str(period)
        with self._read() as c:
            sent = c.execute(_STATUS, {"form_id": form_id, "period": period}).all()
            locked = c.execute(_IS_LOCKED, {"form_id": form_id, "period": period}).first() is not None
        return period_status(form_id, period, sent, locked, units, deadline, _utc)

    # ------------------------------------------------------------------ lock
    def lock(self, form_id: str, period: str, *, by: str, note: str | None = None,
             workbook_sha256: str | None = None, totals: dict | None = None, generated_at: datetime | None = None,
             deadline: date | None = None, rebuild: dict | None = None) -> R.Lock:
        """Approve and lock a period with the totals and consolidated workbook reported upward, and
        what else that workbook was built with (``generated_at``, ``deadline``, ``rebuild``: see ``Lock``)."""
        period, now = str(period), _now()
        with self._write() as c:
            active = _active_lock(c, form_id, period)
            if active is not None:
                raise CchcError("ledger-period-locked", form=form_id, period=period, by=active.locked_by,
                                at=active.locked_at.isoformat(timespec="seconds"))
            c.execute(S.locks.insert().values(form_id=form_id, period=period, locked_by=by, note=note, locked_at=now,
                                              workbook_sha256=workbook_sha256, totals=_json(totals or {}),
                                              generated_at=_utc_input(generated_at), deadline=deadline,
                                              rebuild=_json(rebuild) if rebuild else None))
            _event(c, R.LOCKED, by, form_id=form_id, period=period,
                   detail={"note": note, "workbook_sha256": workbook_sha256})
            return _active_lock(c, form_id, period)

    def unlock(self, form_id: str, period: str, *, by: str, reason: str) -> list[R.ReturnRecord]:
        """Unlock with a reason (required); returns received meanwhile are settled: the newest now counts.

        Returns the records whose standing changed.
        """
        period = str(period)
        if not (reason or "").strip() or not (by or "").strip():
            raise CchcError("ledger-unlock-needs-reason", period=period)
        with self._write() as c:
            if _active_lock(c, form_id, period) is None:
                raise CchcError("ledger-period-not-locked", form=form_id, period=period)
            c.execute(S.locks.update()
                      .where(S.locks.c.form_id == form_id, S.locks.c.period == period, S.locks.c.unlocked_at.is_(None))
                      .values(unlocked_by=by, unlocked_at=_now(), reason=reason))
            _event(c, R.UNLOCKED, by, form_id=form_id, period=period, detail={"reason": reason})
            waiting = c.execute(select(S.returns.c.unit_code).distinct().where(
                S.returns.c.form_id == form_id, S.returns.c.period == period,
                S.returns.c.why == R.WHY_AFTER_LOCK)).scalars().all()
            changed = [i for unit in sorted(waiting) for i in _settle(c, form_id, period, unit, by)]
            return _returns_where(c, S.returns.c.id.in_(changed), (S.returns.c.unit_code, S.returns.c.seq))

    def locked(self, form_id: str, period: str) -> R.Lock | None:
        """The period's active lock, or None."""
        with self._read() as c:
            return _active_lock(c, form_id, str(period))

    def locks(self, form_id: str, period: str) -> list[R.Lock]:
        """Every lock of the period, the lifted ones too, oldest first."""
        with self._read() as c:
            rows = c.execute(select(S.locks).where(S.locks.c.form_id == form_id, S.locks.c.period == str(period))
                             .order_by(S.locks.c.id))
            return [_lock_of(row) for row in rows]

    # ------------------------------------------------------------------ audit
    def record_event(self, kind: str, *, actor: str, form_id: str | None = None, period: str | None = None,
                     unit_code: str | None = None, sha256: str | None = None, detail: dict | None = None) -> None:
        """An event the ledger does not make itself (``mailed``, ``reminded``)."""
        if kind not in R.EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        with self._write() as c:
            _event(c, kind, actor, form_id=form_id, period=None if period is None else str(period),
                   unit_code=unit_code, sha256=sha256, detail=detail)

    def events(self, period: str | None = None, *, form_id: str | None = None,
               unit_code: str | None = None) -> list[R.Event]:
        """The audit trail in the order it happened, optionally for one period, form or unit."""
        query = select(S.events).order_by(S.events.c.id)
        for column, value in ((S.events.c.period, period), (S.events.c.form_id, form_id),
                              (S.events.c.unit_code, unit_code)):
            if value is not None:
                query = query.where(column == str(value))
        with self._read() as c:
            return [R.Event(id=row.id, at=_utc(row.at), actor=row.actor, kind=row.kind, form_id=row.form_id,
                            period=row.period, unit_code=row.unit_code, sha256=row.sha256,
                            detail=_unjson(row.detail)) for row in c.execute(query)]

    # ------------------------------------------------------------------ safety
    def backup(self, out_path: str | os.PathLike) -> Path:
        """A consistent copy of an SQLite ledger, even while others write (SQLite's online backup).

        Not for PostgreSQL: a server's store is backed up on the server (``pg_dump``), which
        sees one consistent snapshot; copying it table by table from here would not.
        """
        if not self.is_sqlite:
            raise CchcError("ledger-backup-unsupported", path=self._place())
        out_path = Path(out_path)
        with atomic_path(out_path) as temporary:
            raw = self._engine.raw_connection()
            try:
                target = sqlite3.connect(temporary)
                try:
                    raw.driver_connection.backup(target)
                finally:
                    target.close()
            finally:
                raw.close()
        return out_path

    def integrity_problems(self) -> list[str]:
        """SQLite's ``integrity_check`` findings (empty when sound); always empty on PostgreSQL."""
        if not self.is_sqlite:
            return []
        try:
            rows = self._raw_pragma("PRAGMA integrity_check")
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        found = [row[0] for row in rows]
        return [] if found == ["ok"] else found

    # ------------------------------------------------------------------ plumbing
    def _place(self) -> str:
        url = make_url(self.url)
        return url.database if self.is_sqlite else url.render_as_string(hide_password=True)

    def _raw_pragma(self, sql: str) -> list:
        raw = self._engine.raw_connection()
        try:
            return raw.driver_connection.execute(sql).fetchall()
        finally:
            raw.close()

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._errors(), self._engine.connect() as c, c.begin():
            yield c

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._errors(), self._engine.connect() as c:
            c.execution_options(cchc_write=True)
            c.info.pop(_EVENT_QUEUE, None)
            try:
                with c.begin():
                    if not self.is_sqlite:
                        c.execute(select(func.pg_advisory_xact_lock(_PG_WRITE_LOCK)))
                    yield c
                    _flush_events(c)
            finally:
                c.info.pop(_EVENT_QUEUE, None)         # a failed transaction's events go with it

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Database trouble as the catalogue's words: damaged, busy, unreachable."""
        try:
            yield
        except sa_exc.DBAPIError as exc:
            translated = _translated(exc, self._place())
            if translated is None:
                raise
            raise translated from exc


# ---------------------------------------------------------------------- engine
def _engine(url: str, create: bool) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    path = Path(parsed.database or "")
    if not parsed.database or parsed.database == ":memory:":
        raise CchcError("ledger-unreachable", path=url, reason="an SQLite ledger needs a file")
    _check_sqlite_file(path, create)
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_connected)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _check_sqlite_file(path: Path, create: bool) -> None:
    """Refuse, before the store writes to it, a file that is not an SQLite database.

    Looked at through SQLite itself, read-only, never with plain file I/O: closing a plain
    descriptor on the file drops every POSIX lock this process holds on it, another open
    connection's too, and another process may then reset the WAL under that connection.
    """
    if not path.exists():
        if not create:
            raise CchcError("ledger-unreachable", path=str(path), reason="no such file")
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    try:
        with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True,
                                                timeout=BUSY_TIMEOUT_MS / 1000)) as raw:
            raw.execute("PRAGMA schema_version").fetchone()
    except sqlite3.OperationalError as exc:          # cannot open it (permissions, a folder, …)
        raise CchcError("ledger-unreachable", path=str(path), reason=str(exc)) from exc
    except sqlite3.DatabaseError as exc:             # "file is not a database"
        raise CchcError("ledger-damaged", path=str(path), reason="not an SQLite database") from exc


def _sqlite_connected(dbapi_connection, _record) -> None:
    # The driver's own transaction handling is switched off: ``_sqlite_begin`` says BEGIN
    # itself, so that DDL is transactional too and writers take the lock up front.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
    # In WAL mode NORMAL never corrupts and loses nothing when a process dies; only a power
    # cut may lose the last commits. FULL would fsync every return (15 ms each here).
    dbapi_connection.execute("PRAGMA synchronous = NORMAL")


def _sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("cchc_write")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _translated(exc: sa_exc.DBAPIError, place: str) -> CchcError | None:
    """The catalogue error for a database failure, or None to let it through as it is."""
    text = str(exc.orig)
    if isinstance(exc.orig, sqlite3.OperationalError) and "locked" in text:
        return CchcError("workspace-busy", path=place, holder="SQLite")
    if isinstance(exc.orig, sqlite3.DatabaseError) and not isinstance(exc.orig, sqlite3.OperationalError):
        return CchcError("ledger-damaged", path=place, reason=text)
    if isinstance(exc, sa_exc.OperationalError):
        return CchcError("ledger-unreachable", path=place, reason=text.strip().splitlines()[0] if text else "?")
    return None


# ---------------------------------------------------------------------- recording
def _record_return(c: Connection, report: FileReport, actor: str, received_at, stored_path, size,
                   message_id) -> R.ReturnRecord:
    return_id, is_new = _insert_return(c, report, actor, received_at, stored_path, size, message_id)
    record = _returns_where(c, S.returns.c.id == return_id, (S.returns.c.seq,))[0]
    record.is_new = is_new
    return record


def _insert_return(c: Connection, report: FileReport, actor: str, received_at, stored_path, size,
                   message_id) -> tuple[int, bool]:
    """The return's id in the ledger and whether it is new (then inserted, its differences and standing settled)."""
    if not (report.form and report.period and report.unit_code and report.sha256):
        raise ValueError("a return needs its form, period, unit code and sha256 (record_file for the rest)")
    form_id, period, unit, sha = report.form, str(report.period), report.unit_code, report.sha256
    key = {"form_id": form_id, "period": period, "unit_code": unit}
    known = c.execute(_SELECT_KNOWN, {**key, "sha256": sha}).scalar()
    if known is not None:
        return known, False
    _ensure_file(c, sha, report.path, size=size, sender=report.sender, mail_time=report.received,
                 message_id=message_id, stored_path=stored_path)
    previous = c.execute(_SELECT_PREVIOUS, key).first()
    locked = _active_lock(c, form_id, period) is not None
    errors, warnings = len(report.errors), len(report.warnings)
    new_id = c.execute(_INSERT_RETURN, {
        **key, "form_version": report.form_version, "unit_name": report.unit_name, "sha256": sha,
        "seq": (previous.seq + 1) if previous else 1, "status": report.status, "errors": errors,
        "warnings": warnings, "received_at": _utc_input(received_at or report.received or report.modified),
        "current": False, "counted": False, "why": R.WHY_AFTER_LOCK if locked else R.WHY_SUPERSEDED,
        "superseded_by": None, "report": codec.report_to_bytes(report), "recorded_at": _now()}).inserted_primary_key[0]
    if previous is not None:
        _record_differences(c, new_id, previous.id, codec.report_from_bytes(bytes(previous.report)), report)
    where = {**key, "sha256": sha}
    _event(c, R.RECEIVED, actor, **where, detail={"path": report.path, "return_id": new_id, "after_lock": locked})
    _event(c, R.VALIDATED, actor, **where, detail={"status": report.status, "errors": errors, "warnings": warnings})
    if not locked:
        _settle(c, form_id, period, unit, actor)
    return new_id, True


def _record_differences(c: Connection, new_id: int, previous_id: int, old: FileReport, new: FileReport) -> None:
    rows = [{"return_id": new_id, "previous_id": previous_id, "cell": d.cell,
             "old": _json_value(d.old), "new": _json_value(d.new)} for d in cell_differences(old, new)]
    if rows:
        c.execute(S.differences.insert(), rows)


def cell_differences(old: FileReport, new: FileReport) -> list[R.Difference]:
    """Cell by cell (numbers, then text cells), what ``new`` changed from ``old``, in cell-key order."""
    changed = []
    for mapping in ("values", "texts"):
        before, after = getattr(old, mapping), getattr(new, mapping)
        for cell in sorted(set(before) | set(after)):
            a, b = before.get(cell), after.get(cell)
            if (a == b and type(a) is type(b)) or _same_number(a, b):
                continue
            changed.append(R.Difference(cell, a, b))
    return changed


def _same_number(a: object, b: object) -> bool:
    numbers = (int, float)
    return isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and a == b


def _settle(c: Connection, form_id: str, period: str, unit: str, actor: str) -> list[int]:
    """Decide which of a unit's returns counts (the newest received); record what changed. Returns changed ids."""
    rows = c.execute(_SELECT_STANDING, {"form_id": form_id, "period": period, "unit_code": unit}).all()
    newest = max(rows, key=lambda r: (r.received_at is not None, _utc(r.received_at) or _EPOCH, r.seq))
    changed = []
    for row in rows:
        current = row.id == newest.id
        counted = current and row.status in _COUNTED_STATUSES
        why = (R.WHY_NEWEST if counted else R.WHY_NEWEST_NOT_VALID) if current else R.WHY_SUPERSEDED
        superseded_by = None if current else newest.id
        if (bool(row.current), bool(row.counted), row.why, row.superseded_by) == (current, counted, why, superseded_by):
            continue
        c.execute(_UPDATE_STANDING, {"rid": row.id, "current": current, "counted": counted, "why": why,
                                     "superseded_by": superseded_by})
        changed.append(row.id)
        where = {"form_id": form_id, "period": period, "unit_code": unit, "sha256": row.sha256}
        if counted and not row.counted:
            _event(c, R.COUNTED, actor, **where, detail={"return_id": row.id, "seq": row.seq})
        # A row just inserted is SUPERSEDED with no superseded_by until settled here.
        if why == R.WHY_SUPERSEDED and (row.why != R.WHY_SUPERSEDED or row.superseded_by is None):
            _event(c, R.SUPERSEDED, actor, **where, detail={"return_id": row.id, "by": newest.id})
    return changed


def _ensure_file(c: Connection, sha256: str, path: str, **known) -> None:
    known["mail_time"] = _utc_input(known.get("mail_time"))
    row = c.execute(_SELECT_FILE, {"sha256": sha256}).first()
    if row is None:
        c.execute(_INSERT_FILE, {"sha256": sha256, "first_path": str(path), "recorded_at": _now(),
                                 "size": None, "sender": None, "mail_time": None, "message_id": None,
                                 "stored_path": None, **known})
        return
    missing = {k: v for k, v in known.items() if v is not None and getattr(row, k) is None}
    if missing:
        c.execute(S.files.update().where(S.files.c.sha256 == sha256).values(**missing))


def _event(c: Connection, kind: str, actor: str, *, detail: dict | None = None, **where) -> None:
    """Queue an event; ``Ledger._write`` inserts the queue in one statement just before it commits."""
    row = {"at": _now(), "actor": actor, "kind": kind, "form_id": None, "period": None, "unit_code": None,
           "sha256": None, "detail": _json(detail or {}), **where}
    c.info.setdefault(_EVENT_QUEUE, []).append(row)


def _flush_events(c: Connection) -> None:
    rows = c.info.pop(_EVENT_QUEUE, None)
    if rows:
        c.execute(_INSERT_EVENT, rows)


# Statements built once: building a Core construct costs more than running it on SQLite.
_T = S.returns.c
_UNIT = and_(_T.form_id == bindparam("form_id"), _T.period == bindparam("period"), _T.unit_code == bindparam("unit_code"))
_SELECT_KNOWN = select(_T.id).where(_UNIT, _T.sha256 == bindparam("sha256"))
_SELECT_PREVIOUS = select(_T.id, _T.seq, _T.report).where(_UNIT).order_by(_T.seq.desc()).limit(1)
_SELECT_STANDING = select(_T.id, _T.seq, _T.status, _T.received_at, _T.current, _T.counted, _T.why,
                          _T.superseded_by, _T.sha256).where(_UNIT)
_UPDATE_STANDING = S.returns.update().where(_T.id == bindparam("rid")).values(
    current=bindparam("current"), counted=bindparam("counted"), why=bindparam("why"),
    superseded_by=bindparam("superseded_by"))
_INSERT_RETURN = S.returns.insert()
_SELECT_FILE = select(S.files).where(S.files.c.sha256 == bindparam("sha256"))
_INSERT_FILE = S.files.insert()
_INSERT_EVENT = S.events.insert()
_SELECT_ACTIVE_LOCK = (select(S.locks).where(S.locks.c.form_id == bindparam("form_id"),
                                             S.locks.c.period == bindparam("period"), S.locks.c.unlocked_at.is_(None))
                       .order_by(S.locks.c.id.desc()).limit(1))
_EVENT_QUEUE = "cchc_events"


# ---------------------------------------------------------------------- reading
def _in_history_order(records: list[R.ReturnRecord], codes: list[str]) -> list[R.ReturnRecord]:
    """Form, then period (oldest first: by its last day, then its first, so 2020-H1 comes before
    the year 2020), then whose (the unit, then its predecessors), then version."""
    from ..periods import parse_period

    rank = {code: n for n, code in enumerate(codes)}
    when: dict[str, tuple] = {}
    for record in records:
        if record.period not in when:
            try:
                period = parse_period(record.period)
                when[record.period] = (period.end, period.start, record.period)
            except CchcError:   # a period code this version does not know: after the known ones
                when[record.period] = (date.max, date.max, record.period)
    return sorted(records, key=lambda r: (r.form_id, when[r.period], rank[r.unit_code], r.seq))


def _returns_where(c: Connection, where, order) -> list[R.ReturnRecord]:
    rows = c.execute(select(S.returns).where(where).order_by(*order)).all()
    if not rows:
        return []
    D = S.differences.c
    found: dict[int, list[R.Difference]] = {}
    ids = [row.id for row in rows]
    for start in range(0, len(ids), 500):              # bounded IN lists
        query = select(S.differences).where(D.return_id.in_(ids[start:start + 500])).order_by(D.return_id, D.cell)
        for d in c.execute(query):
            found.setdefault(d.return_id, []).append(R.Difference(d.cell, _unjson_value(d.old), _unjson_value(d.new)))
    return [_record_of(row, found.get(row.id, [])) for row in rows]


def _record_of(row, differences: list[R.Difference]) -> R.ReturnRecord:
    return R.ReturnRecord(
        id=row.id, form_id=row.form_id, form_version=row.form_version, period=row.period,
        unit_code=row.unit_code, unit_name=row.unit_name, sha256=row.sha256, seq=row.seq, status=row.status,
        errors=row.errors, warnings=row.warnings, received_at=_utc(row.received_at), current=bool(row.current),
        counted=bool(row.counted), why=row.why, superseded_by=row.superseded_by, recorded_at=_utc(row.recorded_at),
        differences=differences, report_bytes=bytes(row.report))


def _status_query():
    """Per unit that sent: how many versions, last change, how many wait after a lock, and the current one."""
    T = S.returns.c
    per_unit = (select(T.unit_code, func.count().label("versions"), func.max(T.recorded_at).label("last_change"),
                       func.sum((T.why == R.WHY_AFTER_LOCK).cast(S.Integer)).label("after_lock"))
                .where(T.form_id == bindparam("form_id"), T.period == bindparam("period"))
                .group_by(T.unit_code).subquery())
    current = S.returns.alias("current_return")
    joined = per_unit.outerjoin(current, and_(current.c.form_id == bindparam("form_id"),
                                              current.c.period == bindparam("period"),
                                              current.c.unit_code == per_unit.c.unit_code, current.c.current))
    return select(per_unit, current.c.unit_name, current.c.status, current.c.counted,
                  current.c.received_at, current.c.errors, current.c.warnings).select_from(joined)


_STATUS = _status_query()
_IS_LOCKED = (select(S.locks.c.id).where(S.locks.c.form_id == bindparam("form_id"), S.locks.c.period == bindparam("period"),
                                         S.locks.c.unlocked_at.is_(None)).limit(1))
_PERIODS = select(S.returns.c.period).distinct().where(S.returns.c.form_id == bindparam("form_id"))


def _active_lock(c: Connection, form_id: str, period: str) -> R.Lock | None:
    row = c.execute(_SELECT_ACTIVE_LOCK, {"form_id": form_id, "period": period}).first()
    return None if row is None else _lock_of(row)


def _lock_of(row) -> R.Lock:
    return R.Lock(form_id=row.form_id, period=row.period, locked_by=row.locked_by, note=row.note,
                  locked_at=_utc(row.locked_at), workbook_sha256=row.workbook_sha256,
                  totals=_unjson(row.totals), unlocked_by=row.unlocked_by, unlocked_at=_utc(row.unlocked_at),
                  reason=row.reason, generated_at=_utc(row.generated_at), deadline=row.deadline,
                  rebuild=_unjson(row.rebuild))


# ---------------------------------------------------------------------- values
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(when: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite gives it back naive; it was stored in UTC)."""
    if when is None:
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _utc_input(when: datetime | None) -> datetime | None:
    """A caller's time as aware UTC; a naive one is this computer's local time (as merge takes it)."""
    return None if when is None else when.astimezone(timezone.utc)


def _json(data: dict) -> str:
    return codec.dumps(codec.fields_to_json(data))


def _unjson(text: str | None) -> dict:
    return codec.fields_from_json(codec.loads(text)) if text else {}


def _json_value(value: object) -> str | None:
    return None if value is None else codec.dumps(codec.encode_value(value))


def _unjson_value(text: str | None) -> object:
    return None if text is None else codec.decode_value(codec.loads(text))
