"""Read-only answers from an embedded SQLite ledger with the standard library alone.

``cchc status`` runs in a fresh process each time, and importing SQLAlchemy there costs
0.45-0.6 s: more than the status query itself on 10,000 units x 6 periods. So the status
command (and finding the latest period) reads the file with ``sqlite3``, running the very
SQL that SQLAlchemy compiles from the store's own queries (``store._STATUS``,
``_IS_LOCKED``, ``_PERIODS``). ``tests/test_ledger_quick.py`` compiles those queries and
asserts they equal the strings below, and that both readers give equal answers, so the two
paths cannot drift apart.

Anything unexpected (a PostgreSQL or non-default URL, a missing file, another schema
version, any ``sqlite3`` error) gives ``None``, and the caller takes the full store, which
opens, migrates or refuses the ledger with its clear messages. Nothing here writes.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date, datetime, timezone
from pathlib import Path

from . import records as R
from .constants import BUSY_TIMEOUT_MS, SCHEMA_VERSION
from .status import period_status

# SQLAlchemy's compilation of the store's queries for SQLite with named parameters (see the docstring).
STATUS_SQL = (
    "SELECT anon_1.unit_code, anon_1.versions, anon_1.last_change, anon_1.after_lock, current_return.unit_name, "
    "current_return.status, current_return.counted, current_return.received_at, current_return.errors, "
    "current_return.warnings \n"
    "FROM (SELECT returns.unit_code AS unit_code, count(*) AS versions, max(returns.recorded_at) AS last_change, "
    "sum(CAST(returns.why = :why_1 AS INTEGER)) AS after_lock \n"
    "FROM returns \n"
    "WHERE returns.form_id = :form_id AND returns.period = :period GROUP BY returns.unit_code) AS anon_1 "
    "LEFT OUTER JOIN returns AS current_return ON current_return.form_id = :form_id AND current_return.period = "
    ":period AND current_return.unit_code = anon_1.unit_code AND current_return.current = 1")
STATUS_FIXED = {"why_1": R.WHY_AFTER_LOCK}
IS_LOCKED_SQL = ("SELECT locks.id \nFROM locks \nWHERE locks.form_id = :form_id AND locks.period = :period "
                 "AND locks.unlocked_at IS NULL\n LIMIT :param_1 OFFSET :param_2")
IS_LOCKED_FIXED = {"param_1": 1, "param_2": 0}
PERIODS_SQL = "SELECT DISTINCT returns.period \nFROM returns \nWHERE returns.form_id = :form_id"
_SCHEMA_SQL = "SELECT value FROM meta WHERE key = 'schema_version'"
_SQLITE_PREFIX = "sqlite:///"


class QuickLedger:
    """A read-only connection to a SQLite ledger of this code's schema; ``quick_ledger(url)`` opens one."""

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    def status(self, form_id: str, period: str, units: Iterable, deadline: date | None = None) -> R.PeriodStatus | None:
        """What ``Ledger.status`` answers, or None when the file cannot be read this way."""
        period = str(period)
        where = {"form_id": form_id, "period": period}
        try:
            sent = self._connection.execute(STATUS_SQL, {**STATUS_FIXED, **where}).fetchall()
            locked = self._connection.execute(IS_LOCKED_SQL, {**IS_LOCKED_FIXED, **where}).fetchone() is not None
        except sqlite3.Error:
            return None
        return period_status(form_id, period, sent, locked, units, deadline, stored_time)

    def periods(self, form_id: str) -> list[str] | None:
        """What ``Ledger.periods`` answers, or None when the file cannot be read this way."""
        try:
            return sorted(row[0] for row in self._connection.execute(PERIODS_SQL, {"form_id": form_id}))
        except sqlite3.Error:
            return None

    def close(self) -> None:
        self._connection.close()


def quick_ledger(url: str) -> QuickLedger | None:
    """A QuickLedger on the SQLite file of ``url``, or None when the full store must answer."""
    path = _sqlite_path(url)
    if path is None or not path.is_file():
        return None
    connection = None
    try:
        connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True,
                                     timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        found = connection.execute(_SCHEMA_SQL).fetchone()
        if found is None or found[0] != str(SCHEMA_VERSION):
            connection.close()
            return None
    except sqlite3.Error:
        if connection is not None:
            connection.close()
        return None
    return QuickLedger(connection)


def stored_time(text: str | None) -> datetime | None:
    """A time as SQLAlchemy stores it in SQLite ('2020-07-01 00:00:00.000000', UTC) as aware UTC.

    One ``fromisoformat`` of the text with its offset, not a parse and a ``replace``: 20,000
    of these in a status of 10,000 units."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text + "+00:00")
    except ValueError:                   # the text carries its own offset
        return datetime.fromisoformat(text).astimezone(timezone.utc)


def _sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL; None for any other URL or one with options."""
    if not url.startswith(_SQLITE_PREFIX) or "?" in url or url == _SQLITE_PREFIX:
        return None
    rest = url[len(_SQLITE_PREFIX):]
    return None if rest in ("", ":memory:") else Path(rest)
