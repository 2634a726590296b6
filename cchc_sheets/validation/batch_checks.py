"""Findings that need the whole batch: the same unit twice, values far above peers."""
from __future__ import annotations

import statistics
from datetime import datetime
from pathlib import Path

from .. import layout as L
from ..forms import Form
from ..messages import Phrase, phrase, unit_label
from ..model import FileReport, make_finding
from ..vnformat import format_number

OUTLIER_MIN_UNITS = 8
OUTLIER_IQR_FACTOR = 3


def check_batch(reports: list[FileReport], form: Form) -> None:
    """Findings that need the whole batch: the same unit twice, values far above peers."""
    _duplicates(reports)
    _outliers(reports, form)


def _time_key(report: FileReport) -> tuple:
    stamp = report.received or report.modified or report.generated_at
    return (_naive(stamp) or datetime.min, _naive(report.generated_at) or datetime.min, report.path)


def _naive(stamp: datetime | None) -> datetime | None:
    if stamp is None:
        return None
    return stamp.astimezone().replace(tzinfo=None) if stamp.tzinfo else stamp


def _duplicates(reports: list[FileReport]) -> None:
    groups: dict[tuple, list[FileReport]] = {}
    for report in reports:
        if report.unit_code and report.form:
            groups.setdefault((report.form, report.unit_code, report.period), []).append(report)
    for group in groups.values():
        if len(group) < 2:
            continue
        ordered = sorted(group, key=_time_key)
        newest = ordered[-1]
        for older in ordered[:-1]:
            detail = _difference(older, newest)
            for target in (older, newest):
                target.findings.append(make_finding(
                    "duplicate-unit", value=target.unit_code, unit=unit_label(newest.unit_name, newest.unit_code),
                    newer=Path(newest.path).name, older=Path(older.path).name, difference=detail))


def _difference(a: FileReport, b: FileReport) -> Phrase:
    changed = sorted(code for code in set(a.values) | set(b.values) if a.values.get(code) != b.values.get(code))
    if changed:
        return phrase("duplicate-different-values", codes=", ".join(changed))
    if a.notes != b.notes or a.answers != b.answers or a.reporter != b.reporter or a.texts != b.texts:
        return phrase("duplicate-different-text")
    return phrase("duplicate-same-content")


def _outliers(reports: list[FileReport], form: Form) -> None:
    latest = _latest_per_unit(reports)
    values = [r.values for r in latest]
    layout = L.Layout(form)
    for indicator in form.indicators:
        # counts and numbers typed by the unit; computed cells follow from them, percents and yes/no are bounded
        if indicator.kind not in ("count", "number") or indicator.computed:
            continue
        code = indicator.code
        column = [found.get(code) for found in values]           # one lookup a unit, in units' order
        numbers = sorted([float(v) for v in column if v is not None])
        if len(numbers) < OUTLIER_MIN_UNITS:
            continue
        q1, _, q3 = statistics.quantiles(numbers, n=4, method="inclusive")
        # A spread of at least 1 keeps "all zero but one 1" from being called an outlier.
        threshold = q3 + OUTLIER_IQR_FACTOR * max(q3 - q1, 1)
        if numbers[-1] <= threshold:
            continue                                              # nobody above it: no median needed
        median = statistics.median(numbers)
        for report, value in zip(latest, column):
            if value is not None and value > threshold:
                report.findings.append(make_finding(
                    "outlier", sheet=layout.sheet_of(indicator.code), cell=_value_cell_of(report, indicator.code, layout),
                    indicator=indicator.code, value=value, label=indicator.label,
                    median=format_number(median), threshold=format_number(threshold)))


def _latest_per_unit(reports: list[FileReport]) -> list[FileReport]:
    """Each unit's newest counted report (times compared only where a unit sent several)."""
    by_unit: dict[str, list[FileReport]] = {}
    for report in reports:
        if report.unit_code and report.counts:
            by_unit.setdefault(report.unit_code, []).append(report)
    return [sent[0] if len(sent) == 1 else max(sent, key=_time_key) for sent in by_unit.values()]


def _value_cell_of(report: FileReport, code: str, layout: L.Layout) -> str:
    """Where the value was read: the moved row when a row-moved finding says so."""
    for finding in report.findings:
        if finding.code == "row-moved" and finding.indicator == code:
            return finding.cell
    return layout.value_cell(code)
