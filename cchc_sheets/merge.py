"""Consolidation: from the reports of every returned file to the numbers for the parent.

Pure logic, no disk: ``consolidate()`` takes the validation reports (a
``BatchReport`` or a list of ``FileReport``), the form, the expected units and the
period, and returns a ``model.Consolidation``:

- each input is matched to an expected unit, or marked ``unmatched`` (other form,
  other period, unknown unit, no identity) or ``unreadable``, with the reason;
- when a unit sent several files the newest wins (mail time, then the workbook's
  own dates, then the file time) and the others are ``superseded``;
- an invalid return stays the unit's return (the officer must see it) but does not
  enter the totals; totals and group subtotals add only counted units (valid or
  with warnings) and only indicators whose ``aggregate`` is ``sum``;
- on time / late compares the day received (Vietnam time) with the deadline;
- a return on a merged commune's old template (``unit-merged``) is unmatched, unless
  ``accept_predecessors``: then it is the new unit's return when the new unit sent none of
  its own, and the returns of several predecessors (the newest of each) are added into one;
- a lower level's consolidated workbook that is rejected gives way to an earlier sound one of
  the same unit; a unit whose workbook is not counted (or never came) is counted from its
  communes' own returns when they count; every commune inside a workbook that is counted
  nowhere is named on that workbook's input, with why (``lower_coverage``).
"""
from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from . import model
from .messages import Phrase, phrase
from .model import (
    DISPOSITION_SUPERSEDED, DISPOSITION_UNMATCHED, DISPOSITION_UNREADABLE, DISPOSITION_USED,
    Consolidation, FileReport, InputFile, UnitStatus,
)

if TYPE_CHECKING:
    from .forms import Form
    from .periods import Period
    from .received import ReceivedInfo
    from .units import UnitList

VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)

RECEIVED_FROM_MAIL = "mail"
RECEIVED_FROM_FILE = "file"
RECEIVED_FROM_WORKBOOK = "workbook"


def consolidate(batch_or_reports: model.BatchReport | Iterable[FileReport], form: "Form", units: "UnitList",
                period: "Period", *, deadline: date | None = None,
                received: Mapping[str, "ReceivedInfo"] | None = None,
                generated_at: datetime | None = None, accept_predecessors: bool = False) -> Consolidation:
    """Match, de-duplicate and total the returns; see the module docstring."""
    from . import lower_coverage, predecessors

    reports = list(batch_or_reports.files if isinstance(batch_or_reports, model.BatchReport) else batch_or_reports)
    full, units = units, units.reporting()   # a list of several levels: the level directly below the merging office
    lookup = ReceivedLookup(received)
    reports = [with_received(r, lookup) for r in reports]
    expected, period_code = units.by_code(), period.code
    inside = lower_coverage.membership(reports, expected)
    inputs: dict[int, InputFile] = {}
    by_unit: dict[str, list[FileReport]] = {code: [] for code in expected}
    direct: dict[str, list[FileReport]] = {}      # communes' own returns, by the reporting unit above them
    lower_reasons: dict[str, Phrase] = {}        # why a reporting unit's consolidated workbook is unmatched
    for index, report in enumerate(reports):
        reason = mismatch_reason(report, form, period_code, expected)
        new = predecessors.merged_into(report) if reason is not None and reason.code == "unknown-unit" else None
        if new in expected:
            reason = None if accept_predecessors else predecessors.merged_phrase(report)
        above = lower_coverage.direct_reporting_unit(report, full, expected, inside) \
            if reason is not None and reason.code == "unknown-unit" else None
        if report.status == model.STATUS_UNREADABLE:
            inputs[index] = InputFile(report.path, DISPOSITION_UNREADABLE, reason, report)
        elif above is not None:
            direct.setdefault(above, []).append(report)
        elif reason:
            inputs[index] = InputFile(report.path, DISPOSITION_UNMATCHED, reason, report)
            if report.lower and report.unit_code in expected:
                lower_reasons.setdefault(report.unit_code, reason)
        else:
            by_unit[new or report.unit_code].append(report)
    statuses = [unit_status(unit, by_unit[unit.code], deadline, form) for unit in units]
    position = {id(r): n for n, r in enumerate(reports)}
    for status in statuses:
        for report in _used_parts(status, by_unit[status.unit.code]):
            inputs[position[id(report)]] = InputFile(report.path, DISPOSITION_USED, None, report)
        for older in status.superseded:
            inputs[position[id(older)]] = InputFile(older.path, DISPOSITION_SUPERSEDED,
                                                    _superseded_why(status, older), older)
    for n, status in enumerate(statuses):
        if status.unit.code in direct:
            covered, dispositions = lower_coverage.cover_with_returns(
                status, direct[status.unit.code], full, form, deadline, lower_reasons.get(status.unit.code))
            statuses[n] = covered or status
            for report, disposition, reason in dispositions:
                inputs[position[id(report)]] = InputFile(report.path, disposition, reason, report)
    inputs_list = [inputs[n] for n in range(len(reports))]
    lower_coverage.account(statuses, inputs_list, form)
    totals, groups = totals_with_groups(form, statuses)
    return Consolidation(
        form=form, period=period, units=units, unit_statuses=statuses,
        inputs=inputs_list,
        totals=totals, group_totals=groups if units.has_groups else {},
        deadline=deadline, parent_name=units.parent_name,
        generated_at=generated_at or datetime.now(VIETNAM_TIME).replace(microsecond=0),
    )


# --------------------------------------------------------------------------- matching


def mismatch_reason(report: FileReport, form: "Form", period_code: str, expected: Mapping) -> Phrase | None:
    """Why a report belongs to no expected unit of this merge; None when it does.

    ``period_code`` is ``Period.code``, worked out once by the caller rather than once per file.
    """
    if report.status == model.STATUS_UNREADABLE:
        return _first_finding(report, model.UNREADABLE_CODES) or phrase("file-unreadable", reason="?")
    if not report.unit_code or not report.form:
        return _first_finding(report, {"not-a-cchc-form"}) or phrase("not-a-cchc-form")
    if report.form != form.id:
        return phrase("wrong-form", found=report.form, expected=form.id)
    if report.period and report.period != period_code:
        return phrase("period-mismatch", found=report.period, expected=period_code)
    if report.unit_code not in expected:
        return phrase("unknown-unit", unit=report.unit_code)
    return None


def _first_finding(report: FileReport, codes: Iterable[str]) -> Phrase | None:
    wanted = set(codes)
    return next((f.phrase() for f in report.findings if f.code in wanted), None)


class ReceivedLookup:
    """Find a return's row of received.csv: by sha256 first (renamed files still match), else by name."""

    def __init__(self, received: Mapping[str, "ReceivedInfo"] | None):
        self.by_sha = dict(received or {})
        self.by_name: dict[str, "ReceivedInfo"] = {}
        for info in self.by_sha.values():
            self.by_name.setdefault(_file_name(info.file), info)

    def find(self, report: FileReport) -> "ReceivedInfo | None":
        if not self.by_sha:
            return None  # no received.csv: nothing to look up
        if report.sha256 and report.sha256 in self.by_sha:
            return self.by_sha[report.sha256]
        return self.by_name.get(_file_name(report.path))


def _file_name(path: str) -> str:
    """A file path's last part, as ``PurePath.name`` gives it, without building a path object per file."""
    return os.path.basename(path)


def with_received(report: FileReport, lookup: ReceivedLookup) -> FileReport:
    """``report`` carrying the mail time and sender from received.csv, if listed (a copy when they differ)."""
    info = lookup.find(report)
    if info is None:
        return report
    received, sender = info.received or report.received, info.sender or report.sender
    if (received, sender) == (report.received, report.sender):
        return report  # already attached (merge_paths does it before the batch checks): no second copy
    return dataclasses.replace(report, received=received, sender=sender)


def attach_received(report: FileReport, lookup: ReceivedLookup) -> None:
    """Set the mail time and sender on ``report`` itself, so batch checks (duplicates) see them."""
    info = lookup.find(report)
    if info is not None:
        report.received = info.received or report.received
        report.sender = info.sender or report.sender


# --------------------------------------------------------------------------- one unit


def _used_parts(status: UnitStatus, reports: list[FileReport]) -> list[FileReport]:
    """The inputs behind a unit's return: itself, or the predecessors' returns added into it."""
    if status.report is None:
        return []
    if any(status.report is r for r in reports):
        return [status.report]
    superseded = {id(r) for r in status.superseded}
    return [r for r in reports if id(r) not in superseded]


def _superseded_why(status: UnitStatus, older: FileReport) -> Phrase:
    """Why a unit's other return is not the one used: an old template's, a newer rejected
    consolidated workbook's, or simply older."""
    from . import lower_coverage, predecessors

    if predecessors.merged_into(older) and status.report and not predecessors.merged_into(status.report):
        return predecessors.merged_phrase(older)
    if older.lower and newness_key(older) > newness_key(status.report):
        return phrase("lower-rejected-older-used", unit=f"{status.unit.name} ({status.unit.code})",
                      why=lower_coverage.first_error(older) or phrase("file-unreadable", reason="?"),
                      used=_file_name(status.report.path))
    return superseded_reason(status, older)


def unit_status(unit, reports: list[FileReport], deadline: date | None, form: "Form | None" = None) -> UnitStatus:
    if not reports:
        return UnitStatus(unit=unit)
    from . import predecessors

    own, old = predecessors.split_own_and_predecessors(reports)
    if old and form is not None:
        if own:   # the new unit's own return wins over its predecessors' old templates
            status = unit_status(unit, own, deadline)
            status.superseded += [r for parts in old.values() for r in parts]
            return status
        newest = [sorted(parts, key=newness_key, reverse=True) for parts in old.values()]
        combined = predecessors.combined_return(unit, form, [parts[0] for parts in newest])
        when, source = received_time(combined)
        return UnitStatus(unit=unit, report=combined, received=when, received_source=source,
                          on_time=is_on_time(when, deadline), superseded=[r for parts in newest for r in parts[1:]])
    ordered = sorted(reports, key=newness_key, reverse=True) if len(reports) > 1 else reports
    newest = ordered[0]
    if newest.lower and not newest.counts:   # a rejected consolidated workbook: an earlier sound one counts
        sound = next((r for r in ordered[1:] if r.lower and r.counts), None)
        if sound is not None:
            newest, ordered = sound, [sound] + [r for r in ordered if r is not sound]
    when, source = received_time(newest)
    return UnitStatus(unit=unit, report=newest, received=when, received_source=source,
                      on_time=is_on_time(when, deadline), superseded=ordered[1:])


def newness_key(report: FileReport) -> tuple:
    """Mail time, then when its template was generated, then the file time; the path breaks ties.

    The date a commune typed (Ngày báo cáo) is left out: it is often copied from an old file.
    """
    return (_aware(report.received), _aware(report.generated_at), _aware(report.modified), report.path)


def received_time(report: FileReport) -> tuple[datetime | None, str]:
    """When the return arrived, and how we know: mail time, else file time, else its own date."""
    if report.received:
        return report.received, RECEIVED_FROM_MAIL
    if report.modified:
        return report.modified, RECEIVED_FROM_FILE
    own = report_date(report)
    return (own, RECEIVED_FROM_WORKBOOK) if own else (None, "")


def is_on_time(when: datetime | None, deadline: date | None) -> bool | None:
    if when is None or deadline is None:
        return None
    return vietnam_date(when) <= deadline


def vietnam_date(when: datetime) -> date:
    """The calendar day in Vietnam; a naive time is taken as this computer's local time."""
    return when.astimezone(VIETNAM_TIME).date()


_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def report_date(report: FileReport) -> datetime | None:
    """The 'Ngày báo cáo' the commune typed (ISO or d/m/yyyy), as a datetime at midnight."""
    value = (report.reporter or {}).get("report_date")
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not value:
        return None
    text = str(value).strip()
    match = _DMY.match(text)
    try:
        if match:
            return datetime(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _aware(when: datetime | None) -> datetime:
    if when is None:
        return _EARLIEST
    return when.astimezone(timezone.utc)


def superseded_reason(status: UnitStatus, older: FileReport) -> Phrase:
    return older_version_reason(f"{status.unit.name} ({status.unit.code})", status.report, older)


def older_version_reason(unit: str, newer: FileReport, older: FileReport) -> Phrase:
    """Why ``older`` is not used: ``newer`` of the same unit (named ``unit``) replaces it."""
    if newer.sha256 and newer.sha256 == older.sha256:
        difference = phrase("merge-same-content")
    else:
        newer_time, _ = received_time(newer)
        older_time, _ = received_time(older)
        difference = phrase("merge-newer-time", newer_time=format_time(newer_time),
                            older_time=format_time(older_time))
    return phrase("duplicate-unit", unit=unit, newer=_file_name(newer.path), older=_file_name(older.path),
                  difference=difference)


def format_time(when: datetime | None) -> str:
    """'18/06/2020 09:15' in Vietnam time; '—' when unknown."""
    if when is None:
        return "—"
    return when.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")


# --------------------------------------------------------------------------- totals


def summed_indicators(form: "Form") -> list[str]:
    """The cells added up across units (counts, numbers, yes/no as the number answering Có);
    computed cells are recomputed on the totals instead, so a ratio is a ratio of sums."""
    return [i.code for i in form.indicators if i.aggregate == "sum" and i.is_numeric and not i.computed]


def number(value: object) -> int | float | None:
    """A value fit for a total: numbers only (never bool); whole floats (5.0 from .ods) as int."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def sum_values(form: "Form", statuses: Iterable[UnitStatus]) -> dict[str, int | float]:
    """Totals of the summed indicators over the counted units among ``statuses``."""
    codes = summed_indicators(form)
    return _column_totals(codes, [_summands(s.report.values, codes) for s in statuses if s.counted])


def group_totals(form: "Form", units: "UnitList", statuses: list[UnitStatus]) -> dict[str, dict[str, int | float]]:
    """Subtotals per group, in the order groups first appear in the units list."""
    return totals_with_groups(form, statuses)[1]


def totals_with_groups(form: "Form", statuses: Iterable[UnitStatus]) -> tuple[dict, dict[str, dict]]:
    """``sum_values`` and ``group_totals`` together, reading each counted return's numbers once."""
    codes = summed_indicators(form)
    rows: list[list[int | float]] = []
    groups: dict[str, list[list[int | float]]] = {}
    for status in statuses:
        members = groups.setdefault(status.unit.group, [])
        if status.counted:
            row = _summands(status.report.values, codes)
            rows.append(row)
            members.append(row)
    totals = _column_totals(codes, rows)
    group_totals = {group: _column_totals(codes, members) for group, members in groups.items()}
    if form.computed:
        for figures in (totals, *group_totals.values()):
            form.recompute(figures)
    return totals, group_totals


def _summands(values: Mapping[str, object], codes: list[str]) -> list[int | float]:
    """What one return adds to each total: its number, or 0 for a blank or a non-number.

    Adding 0 leaves any sum (int or float) exactly as skipping the value would; plain
    ints, by far the most common, skip the checks in ``number``.
    """
    return [v if type(v) is int else (number(v) or 0) for v in map(values.get, codes)]


def _column_totals(codes: list[str], rows: list[list[int | float]]) -> dict[str, int | float]:
    """Per code, the sum down its column of ``rows`` (in row order, as a running total would add)."""
    if not rows:
        return dict.fromkeys(codes, 0)
    return dict(zip(codes, map(sum, zip(*rows))))


def counted_blanks(consolidation: Consolidation, code: str) -> int:
    """How many counted units left an indicator empty (shown beside the total)."""
    return sum(1 for s in consolidation.unit_statuses
               if s.counted and number(s.report.values.get(code)) is None)
