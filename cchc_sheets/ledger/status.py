"""A period's status from the rows of the status query: shared by the full store and the quick
read-only path, so both give the same answer from the same rows."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

from ..merge import is_on_time
from . import records as R


def period_status(form_id: str, period: str, sent_rows: Iterable[Sequence], locked: bool, units: Iterable,
                  deadline: date | None, as_utc: Callable[[object], datetime | None]) -> R.PeriodStatus:
    """Each expected unit (a UnitList or unit codes) and any other unit that sent.

    ``sent_rows`` are the status query's rows (unit code first); ``as_utc`` turns a stored time
    into aware UTC (the two readers get times back in different shapes)."""
    sent = {row[0]: row for row in sent_rows}
    names = {getattr(u, "code", u): getattr(u, "name", None) for u in units}
    rows = [_status_row(code, name, True, sent.get(code), deadline, as_utc) for code, name in names.items()]
    rows += [_status_row(code, None, False, sent[code], deadline, as_utc)
             for code in sorted(sent.keys() - names.keys())]
    expected = [row for row in rows if row.expected]
    return R.PeriodStatus(form_id=form_id, period=period, locked=locked, rows=rows, expected=len(expected),
                          submitted=sum(r.submitted for r in expected),
                          on_time=sum(bool(r.on_time) for r in expected))


def _status_row(code, name, expected, sent, deadline, as_utc) -> R.StatusRow:
    """A unit's row; ``status`` is its current return's, ``missing``, or ``received-after-lock`` when
    all it sent arrived while the period was locked. ``sent`` is unpacked like a tuple: by name, 10,000 rows cost a third more."""
    if sent is None:
        return R.StatusRow(unit_code=code, unit_name=name, expected=expected)
    _, versions, last_change, after_lock, unit_name, status, counted, received_at, errors, warnings = sent
    received = as_utc(received_at)
    return R.StatusRow(
        unit_code=code, unit_name=name or unit_name, expected=expected, versions=versions,
        status=status or R.WHY_AFTER_LOCK, counted=bool(counted), received_at=received,
        on_time=is_on_time(received, deadline), after_lock=int(after_lock or 0), last_change=as_utc(last_change),
        errors=errors or 0, warnings=warnings or 0)
