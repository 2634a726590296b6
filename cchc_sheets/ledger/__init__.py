"""The office's ledger: every file and return ever seen, which version counts and why, the
differences between versions, approval and lock of a period, and an audit trail.

``Ledger.open(url)`` takes ``sqlite:///path/ledger.sqlite`` (the embedded default) or
``postgresql+psycopg://user@host/db`` (one store shared by an office). See ``store`` for the
guarantees (one transaction per change, writers serialised, a newer or damaged ledger
never overwritten) and ``schema`` for the tables and migrations. ``Ledger`` (and with it
SQLAlchemy) is imported on first use: ``quick`` answers ``cchc status`` without it.
"""
from importlib import import_module

from .constants import BUSY_TIMEOUT_MS, SCHEMA_VERSION
from .records import (EVENT_KINDS, WHY_AFTER_LOCK, WHY_NEWEST, WHY_NEWEST_NOT_VALID, WHY_SUPERSEDED, WHYS,
                      Difference, Event, Lock, PeriodStatus, ReturnRecord, StatusRow)

_FROM_STORE = ("Ledger", "cell_differences")

__all__ = [
    "BUSY_TIMEOUT_MS", "EVENT_KINDS", "SCHEMA_VERSION", "WHYS", "WHY_AFTER_LOCK", "WHY_NEWEST",
    "WHY_NEWEST_NOT_VALID", "WHY_SUPERSEDED", "Difference", "Event", "Ledger", "Lock", "PeriodStatus",
    "ReturnRecord", "StatusRow", "cell_differences",
]


def __getattr__(name: str):
    if name in _FROM_STORE:
        value = getattr(import_module(".store", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
