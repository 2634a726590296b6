"""The ledger's tables (SQLAlchemy Core) and the steps that bring an older ledger up to date.

``meta`` holds ``schema_version``. A step is a function of a connection inside the one
transaction ``migrate`` opens; add a step, never edit a released one. What ``status``
reads (status, counted, received time, counts of findings) are columns, not only inside
the report document, so that a period of 10,000 units is one indexed query.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String,
                        Table, Text, UniqueConstraint, inspect, select, text)
from sqlalchemy.engine import Connection

from .constants import SCHEMA_VERSION


metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Every input file ever seen, whatever became of it.
files = Table(
    "files", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("first_path", Text, nullable=False),
    Column("size", Integer),
    Column("sender", Text),
    Column("mail_time", DateTime(timezone=True)),
    Column("message_id", Text),
    Column("stored_path", Text),            # relative to the workspace: files/ab/abcd….xlsx
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Every return of a unit for a form and period, in the order recorded (seq 1, 2, …).
returns = Table(
    "returns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("form_id", String(200), nullable=False),
    Column("form_version", Integer),
    Column("period", String(16), nullable=False),
    Column("unit_code", String(200), nullable=False),
    Column("unit_name", Text),
    Column("sha256", String(64), ForeignKey("files.sha256"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("status", String(16), nullable=False),        # valid / warnings / invalid / unreadable
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True)),      # mail time, else file time
    Column("current", Boolean, nullable=False),          # the version that counts (or would, were it valid)
    Column("counted", Boolean, nullable=False),          # current and valid or with warnings only
    Column("why", String(32), nullable=False),           # see ledger.store: WHY_*
    Column("superseded_by", Integer, ForeignKey("returns.id")),
    Column("report", LargeBinary, nullable=False),       # codec.report_to_bytes
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("form_id", "period", "unit_code", "sha256", name="returns_one_file_once"),
    UniqueConstraint("form_id", "period", "unit_code", "seq", name="returns_seq_unique"),
)
Index("returns_by_period", returns.c.form_id, returns.c.period, returns.c.unit_code)
Index("returns_by_unit", returns.c.unit_code, returns.c.form_id)

# Cell by cell, what a return changed from the unit's previous version of the same period.
differences = Table(
    "differences", metadata,
    Column("return_id", Integer, ForeignKey("returns.id"), primary_key=True),
    Column("cell", String(200), primary_key=True),
    Column("previous_id", Integer, ForeignKey("returns.id"), nullable=False),
    Column("old", Text),                                 # codec JSON of the value (null: no value)
    Column("new", Text),
)

locks = Table(
    "locks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("form_id", String(200), nullable=False),
    Column("period", String(16), nullable=False),
    Column("locked_by", Text, nullable=False),
    Column("note", Text),
    Column("locked_at", DateTime(timezone=True), nullable=False),
    Column("workbook_sha256", String(64)),
    Column("totals", Text),                              # codec JSON
    Column("unlocked_by", Text),
    Column("unlocked_at", DateTime(timezone=True)),
    Column("reason", Text),
    # Schema 2: what the locked workbook's bytes depend on besides the returns, so that a merge of
    # the locked period rebuilds it when the kept copy is lost (null on a lock made before).
    Column("generated_at", DateTime(timezone=True)),     # the time stamped in the workbook
    Column("deadline", Date),                            # the deadline its on-time column used
    Column("rebuild", Text),                             # codec JSON: tool version, form version, settings
)
Index("locks_by_period", locks.c.form_id, locks.c.period)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("form_id", String(200)),
    Column("period", String(16)),
    Column("unit_code", String(200)),
    Column("sha256", String(64)),
    Column("detail", Text),                              # codec JSON
)
Index("events_by_period", events.c.period, events.c.id)


def _step_1(connection: Connection) -> None:
    """The first schema: every table above (as they are now: later steps add only what is missing,
    so a ledger made at this version has nothing left for them to do)."""
    metadata.create_all(connection)


def _step_2(connection: Connection) -> None:
    """Locks record what the locked workbook was built with: its time, deadline and settings."""
    _add_missing_columns(connection, locks, ("generated_at", "deadline", "rebuild"))


def _add_missing_columns(connection: Connection, table: Table, names: tuple[str, ...]) -> None:
    """``ALTER TABLE … ADD COLUMN`` for each of ``names`` the table lacks, typed as ``metadata`` has it
    (nullable, no default: SQLite and PostgreSQL both add such a column without rewriting the table)."""
    present = {column["name"] for column in inspect(connection).get_columns(table.name)}
    preparer = connection.dialect.identifier_preparer
    for name in names:
        if name in present:
            continue
        column = table.c[name]
        kind = column.type.compile(dialect=connection.dialect)
        connection.execute(text(f"ALTER TABLE {preparer.quote(table.name)} ADD COLUMN {preparer.quote(name)} {kind}"))


# version reached -> the step that reaches it from the version before
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _step_1, 2: _step_2}
assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


def stored_version(connection: Connection) -> int:
    """The ledger's schema version; 0 for an empty database (no ``meta`` table)."""
    if not connection.dialect.has_table(connection, "meta"):
        return 0
    value = connection.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    return int(value) if value is not None else 0


def apply_steps(connection: Connection, found: int) -> None:
    """Apply every step after ``found`` and record the new version (inside the caller's transaction)."""
    for version in range(found + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](connection)
    if found == 0:
        connection.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
    elif found < SCHEMA_VERSION:
        connection.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
