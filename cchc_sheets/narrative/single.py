"""A commune's own report: one filled template read as a Consolidation of one unit.

The return goes through the same reader and validator as ``cchc validate``, so
``6(lồng ghép)`` becomes 6 with "lồng ghép" in Ghi chú, ``02`` becomes 2, and a
cell that cannot be read is left blank rather than guessed.
"""
from __future__ import annotations

from pathlib import Path

from .. import layout
from ..messages import CchcError
from ..model import Consolidation, InputFile, UnitStatus, DISPOSITION_USED


def _load_form(form, identity):
    from ..forms import Form, load_form

    if isinstance(form, Form):
        return form
    return load_form(form or (identity.form_id if identity else None))


def metadata(raw) -> dict[str, str]:
    """The identity sheet's key -> value rows (empty when the sheet is gone)."""
    sheet = raw.sheet(layout.META_SHEET)
    if sheet is None:
        return {}
    rows = {}
    for address, key in sheet.cells.items():
        if address.startswith("A") and address[1:].isdigit() and isinstance(key, str):
            value = sheet.cells.get("B" + address[1:])
            rows[key.strip()] = "" if value is None else str(value).strip()
    return rows


def totals_of(report, form) -> dict[str, float | int]:
    """The commune's own figures are its totals (only the cells that could be read)."""
    return {ind.code: report.values[ind.code] for ind in form.indicators
            if ind.is_numeric and report.values.get(ind.code) is not None}


def consolidation_for_return(path: str | Path, form=None) -> Consolidation:
    """Read and validate one commune's filled template; a Consolidation with that one unit."""
    from ..periods import parse_period
    from ..identity import identify
    from ..reading import read_workbook
    from ..units import Unit, UnitList
    from ..validation import validate_workbook

    raw = read_workbook(path)
    if not raw.readable:
        raise CchcError("draft-input-unreadable", path=path, reason=raw.problem.phrase())
    identity = identify(raw)
    if identity is None:
        raise CchcError("draft-input-unknown", path=path)
    form = _load_form(form, identity)
    report = validate_workbook(raw, form)
    meta = metadata(raw)
    parent = meta.get("parent_name", "")
    unit = Unit(code=report.unit_code or identity.unit_code or "", parent=parent,
                name=report.unit_name or identity.unit_name or meta.get("unit_name", "") or "…")
    status = UnitStatus(unit=unit, report=report, received=report.modified)
    return Consolidation(
        form=form, period=parse_period(report.period or identity.period or ""), units=UnitList((unit,), str(path)),
        unit_statuses=[status], inputs=[InputFile(str(path), DISPOSITION_USED, report=report)],
        totals=totals_of(report, form), deadline=identity.deadline, parent_name=parent,
    )
