"""What the ledger hands back: plain values, no database handles, no prose."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..model import FileReport

# Why a return counts or does not (returns.why): stable codes, words come at the edges.
WHY_NEWEST = "newest"                        # the newest received, valid or with warnings: it counts
WHY_NEWEST_NOT_VALID = "newest-not-valid"    # the newest received, but invalid or unreadable: the unit counts nothing
WHY_SUPERSEDED = "superseded"                # a newer return of the unit counts instead
WHY_AFTER_LOCK = "received-after-lock"       # arrived while the period was locked: recorded, not counted
WHYS = (WHY_NEWEST, WHY_NEWEST_NOT_VALID, WHY_SUPERSEDED, WHY_AFTER_LOCK)

# Event kinds (events.kind).
RECEIVED, VALIDATED, SUPERSEDED, COUNTED = "received", "validated", "superseded", "counted"
LOCKED, UNLOCKED, MAILED, REMINDED = "locked", "unlocked", "mailed", "reminded"
EVENT_KINDS = (RECEIVED, VALIDATED, SUPERSEDED, COUNTED, LOCKED, UNLOCKED, MAILED, REMINDED)


@dataclass(frozen=True, slots=True)
class Difference:
    """One cell that changed between a unit's consecutive returns: ``05.1: 600 → 650``."""

    cell: str
    old: object
    new: object

    def __str__(self) -> str:
        return f"{self.cell}: {_shown(self.old)} → {_shown(self.new)}"


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(slots=True)
class ReturnRecord:
    """One recorded return; ``report`` decodes the stored FileReport on demand."""

    id: int
    form_id: str
    form_version: int | None
    period: str
    unit_code: str
    unit_name: str | None
    sha256: str
    seq: int
    status: str
    errors: int
    warnings: int
    received_at: datetime | None
    current: bool
    counted: bool
    why: str
    superseded_by: int | None
    recorded_at: datetime
    differences: list[Difference] = field(default_factory=list)
    is_new: bool = True                      # False when record_return found it already recorded
    report_bytes: bytes = field(default=b"", repr=False)

    @property
    def report(self) -> FileReport:
        from .. import codec        # not at import: ``cchc status`` never decodes a report

        return codec.report_from_bytes(self.report_bytes)


@dataclass(frozen=True, slots=True)
class Lock:
    """A period's approval. ``totals`` holds ``totals`` (indicator -> value) and ``returns``
    (unit -> sha256 of the version counted); ``generated_at``, ``deadline`` and ``rebuild`` (tool
    and form version, merge settings) are what else the locked workbook was built with, so that a
    merge of the locked period rebuilds it (all None on a lock recorded before schema 2)."""

    form_id: str
    period: str
    locked_by: str
    note: str | None
    locked_at: datetime
    workbook_sha256: str | None
    totals: dict
    unlocked_by: str | None = None
    unlocked_at: datetime | None = None
    reason: str | None = None
    generated_at: datetime | None = None
    deadline: date | None = None
    rebuild: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.unlocked_at is None


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    at: datetime
    actor: str
    kind: str
    form_id: str | None
    period: str | None
    unit_code: str | None
    sha256: str | None
    detail: dict


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One unit in a period: sent or not, on time, status, versions, last change."""

    unit_code: str
    unit_name: str | None
    expected: bool                  # in the units list given to ``status``
    versions: int = 0
    status: str = "missing"         # the current return's status, else ``missing``
    counted: bool = False
    received_at: datetime | None = None
    on_time: bool | None = None
    after_lock: int = 0             # returns recorded while locked and not yet counted
    last_change: datetime | None = None
    errors: int = 0                 # the current return's errors and warnings
    warnings: int = 0

    @property
    def submitted(self) -> bool:
        return self.versions > 0


class Rates:
    """Completeness and on-time rate over ``expected`` units: a mixin of the ledger's period status
    and the web board (both have ``expected``, ``submitted`` and ``on_time``)."""

    __slots__ = ()

    @property
    def completeness(self) -> float:
        return self.submitted / self.expected if self.expected else 0.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.expected if self.expected else 0.0


@dataclass(frozen=True, slots=True)
class PeriodStatus(Rates):
    """``Ledger.status``: every row, and rates over the expected units.

    ``completeness`` = expected units that sent / expected units; ``on_time_rate`` = expected
    units whose counted-or-current return arrived by the deadline / expected units (DHIS2's
    "reporting rate on time"); both 0.0 when no unit is expected.
    """

    form_id: str
    period: str
    locked: bool
    rows: list[StatusRow]
    expected: int
    submitted: int
    on_time: int

