"""Every lowest-level unit inside a lower level's workbooks accounted for: counted once, or said why not.

When the merge one level up does not count a consolidated workbook (a total typed over, another
period, another form, an office not in the upper list, superseded), the communes inside it would
otherwise vanish from the upper totals without a word. ``consolidate`` calls these, in order:

- ``direct_reporting_unit``: a commune's own return sent straight to the upper office belongs to the
  reporting unit above it (by the units list's parents, else by the lower workbooks that list it);
- ``cover_with_returns``: a reporting unit whose workbook is not counted (or never came) is counted
  from its communes' own returns instead, when any of them counts (``lower-from-direct-returns``);
  while its workbook counts, those returns are not added again (``lower-unit-counted-via``);
- ``account``: a commune a counted workbook left out (it was in an earlier workbook too) is put back
  when that other workbook is not counted after all; every workbook not counted, or counted without
  some of its communes, names the communes counted nowhere and why (``lower-units-not-counted``).

Only consolidation data changes: reports are copied where their figures change, never edited, so a
merge run twice over the same reports gives the same result.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from . import merge, model
from .messages import Phrase, phrase
from .model import DISPOSITION_SUPERSEDED, DISPOSITION_USED, FileReport, InputFile, UnitStatus
from .units import Unit

SOURCE_RETURNS = "direct-returns"


def label(name: str | None, code: str) -> str:
    return f"{name} ({code})" if name else code


def first_error(report: FileReport | None) -> Phrase | None:
    return next((f.phrase() for f in report.errors), None) if report is not None else None


# --------------------------------------------------------------------------- whose commune is it


def membership(reports: list[FileReport], expected) -> dict[str, str]:
    """commune code -> the reporting unit whose consolidated workbook lists it (any period or form)."""
    found: dict[str, str] = {}
    for report in reports:
        if report.lower and report.unit_code in expected:
            for record in report.lower.get("units", ()):
                found.setdefault(record["code"], report.unit_code)
    return found


def direct_reporting_unit(report: FileReport, full, expected, inside: dict[str, str]) -> str | None:
    """The reporting unit above a lowest-level unit's own return (None: not a commune of this merge)."""
    code = report.unit_code
    if not code or report.lower or code in expected:
        return None
    seen, current = set(), full.get(code) if full is not None else None
    while current is not None and current.code not in seen:
        seen.add(current.code)
        if current.parent in expected:
            return current.parent
        current = full.get(current.parent)
    return inside.get(code)


# --------------------------------------------------------------------------- counted from the communes' returns


def cover_with_returns(status: UnitStatus, returns: list[FileReport], full, form, deadline,
                       why: Phrase | None) -> tuple[UnitStatus | None, list[tuple[FileReport, str, Phrase | None]]]:
    """The reporting unit counted from its communes' own returns, and what became of each input.

    Returns (None, dispositions) when the unit's workbook counts, or when it sent one and no
    commune's return counts either (then the unit stays as it was and each return says why it is
    not used). A unit that sent nothing, whose communes' returns all have errors, has those
    returns as its own, not counted (``lower-direct-returns-invalid``).
    """
    unit = status.unit
    if status.counted:
        return None, [(r, model.DISPOSITION_UNMATCHED, _already_reason(status, r)) for r in returns]
    communes = _commune_statuses(unit, returns, full, deadline)
    if not any(s.counted for s in communes) and status.report is not None:
        return None, _commune_dispositions(communes)   # its own workbook stays its return, not counted
    why = why or first_error(status.report) or phrase("lower-workbook-not-received")
    replaced = ([status.report] if status.report is not None else []) + list(status.superseded)
    combined = _combined(unit, form, communes, _leaves(unit, full, status, replaced), why)
    when, source = merge.received_time(combined)
    covered = UnitStatus(unit=unit, report=combined, received=when, received_source=source,
                         on_time=merge.is_on_time(when, deadline),
                         superseded=replaced + [r for s in communes for r in s.superseded])
    dispositions = [(r, DISPOSITION_SUPERSEDED, phrase("lower-replaced-by-returns", unit=label(unit.name, unit.code),
                                                       why=why)) for r in replaced]
    return covered, dispositions + _commune_dispositions(communes)


def _commune_dispositions(communes: list[UnitStatus]) -> list[tuple[FileReport, str, Phrase | None]]:
    """Each commune's newest return used (or unmatched with its first error), its older ones superseded."""
    found = []
    for commune in communes:
        found.append((commune.report, DISPOSITION_USED if commune.counted else model.DISPOSITION_UNMATCHED,
                      None if commune.counted else first_error(commune.report)))
        found += [(older, DISPOSITION_SUPERSEDED, merge.superseded_reason(commune, older))
                  for older in commune.superseded]
    return found


def _already_reason(status: UnitStatus, report: FileReport) -> Phrase:
    counted = any(r["code"] == report.unit_code and r.get("counted") and not r.get("left_out")
                  for r in status.report.lower.get("units", ()))
    return phrase("lower-unit-counted-via" if counted else "lower-unit-not-in-workbook",
                  unit=label(report.unit_name, report.unit_code), via=status.unit.name,
                  file=Path(status.report.path).name)


def _commune_statuses(unit: Unit, returns: list[FileReport], full, deadline) -> list[UnitStatus]:
    by_code: dict[str, list[FileReport]] = {}
    for report in returns:
        by_code.setdefault(report.unit_code, []).append(report)
    found = []
    for code, reports in by_code.items():
        listed = full.get(code) if full is not None else None
        found.append(merge.unit_status(listed or Unit(code, reports[0].unit_name or "", unit.name), reports, deadline))
    return found


def _leaves(unit: Unit, full, status: UnitStatus, replaced: list[FileReport]) -> list[tuple[str, str]]:
    """(code, name) of the communes under ``unit``: from the units list, else from its workbooks."""
    if full is not None and full.children(unit.code):
        return [(u.code, u.name) for u in full.leaves(unit.code)]
    seen: dict[str, str] = {}
    for report in replaced:
        for record in report.lower.get("units", ()):
            seen.setdefault(record["code"], record.get("name", ""))
    return list(seen.items())


def _combined(unit: Unit, form, communes: list[UnitStatus], leaves: list[tuple[str, str]], why: Phrase) -> FileReport:
    """One return of ``unit``: its counted communes' figures added, a record per commune (sent or not)."""
    by_code = {s.unit.code: s for s in communes}
    names = dict(leaves)
    order = [code for code, _ in leaves] + [s.unit.code for s in communes if s.unit.code not in names]
    records = []
    for code in order:
        commune = by_code.get(code)
        record = {"code": code, "name": names.get(code) or (commune.unit.name if commune else ""),
                  "status": commune.status if commune else model.UNIT_MISSING,
                  "counted": bool(commune and commune.counted)}
        if commune is not None:
            record["values"] = {k: v for k, v in commune.report.values.items() if merge.number(v) is not None}
        records.append(record)
    counted = [s for s in communes if s.counted]
    values, _ = merge.totals_with_groups(form, counted)
    unit_label = label(unit.name, unit.code)
    finding = model.make_finding("lower-from-direct-returns", unit=unit_label, counted=len(counted),
                                 expected=len(records), why=why) if counted else model.make_finding(
        "lower-direct-returns-invalid", unit=unit_label, count=len(communes), why=why,
        units="; ".join(label(s.unit.name, s.unit.code) for s in communes))
    shown = counted or communes
    return FileReport(
        path=" + ".join(Path(s.report.path).name for s in shown), form=form.id, form_version=form.version,
        unit_code=unit.code, unit_name=unit.name, period=shown[0].report.period, values=values,
        findings=[finding], received=max((s.report.received for s in shown if s.report.received), default=None,
                                         key=merge._aware),
        modified=max((s.report.modified for s in shown if s.report.modified), default=None, key=merge._aware),
        lower=_provenance(unit, records))


def _provenance(unit: Unit, records: list[dict]) -> dict:
    """``report.lower`` as ``lower_level`` keeps it, for figures added from the communes' own returns."""
    return {"source": SOURCE_RETURNS, "office": unit.name, "sha256": "", "generated_at": None, "merged_by": "",
            "saved_by": "", "expected": len(records),
            "submitted": sum(1 for r in records if r["status"] != model.UNIT_MISSING),
            "counted": sum(1 for r in records if r["counted"]), "units": records,
            "errors": [r["code"] for r in records if r["status"] in ("invalid", "unreadable")]}


# --------------------------------------------------------------------------- nothing dropped silently


def counted_codes(statuses: list[UnitStatus]) -> set[str]:
    """Every lowest-level unit the consolidation counts (a commune reporting unit counts as itself)."""
    found: set[str] = set()
    for status in statuses:
        if not status.counted:
            continue
        records = status.report.lower.get("units") if status.report.lower else None
        if records:
            found |= {r["code"] for r in records if _counted_here(r)}
        else:
            found.add(status.unit.code)
    return found


def _counted_here(record: dict) -> bool:
    return bool(record.get("counted")) and not record.get("left_out") and not record.get("twice")


def account(statuses: list[UnitStatus], inputs: list[InputFile], form) -> None:
    """Put back communes left out for a workbook that is not counted; name on every workbook the
    communes counted nowhere, and why (the input's reason)."""
    counted = counted_codes(statuses)
    for n, status in enumerate(statuses):
        restored = _restored(status, counted, form)
        if restored is not None:
            for item in inputs:
                if item.report is status.report:
                    item.report = restored
                    item.reason = phrase("lower-left-out-counted-nowhere", first=_other_workbooks(status.report))
            statuses[n] = dataclasses.replace(status, report=restored)
            counted = counted_codes(statuses)
    for item in inputs:
        report = item.report
        if report is None or not report.lower:
            continue
        lost = [r for r in report.lower.get("units", ()) if r.get("counted") and r["code"] not in counted]
        if not lost:
            continue
        why = item.reason or first_error(report) or phrase("lower-workbook-not-received")
        item.reason = phrase("lower-units-not-counted", count=len(lost), why=why,
                             units="; ".join(label(r.get("name"), r["code"]) for r in lost))


def _restored(status: UnitStatus, counted: set[str], form) -> FileReport | None:
    """A copy of a counted workbook's return with the communes it left out (counted nowhere else) put back."""
    if not status.counted or not status.report.lower:
        return None
    back = [r for r in status.report.lower.get("units", ())
            if r.get("left_out") and r.get("counted") and r["code"] not in counted]
    if not back:
        return None
    values = dict(status.report.values)
    for record in back:
        for code in merge.summed_indicators(form):
            own = merge.number(record.get("values", {}).get(code))
            if own is not None and merge.number(values.get(code)) is not None:
                values[code] = values[code] + own
    if form.computed:
        form.recompute(values)
    wanted = {id(r) for r in back}
    units = [{k: v for k, v in r.items() if k not in ("left_out", "twice")} if id(r) in wanted else r
             for r in status.report.lower["units"]]
    return dataclasses.replace(status.report, values=values, lower={**status.report.lower, "units": units})


def _other_workbooks(report: FileReport) -> str:
    """The other workbooks its ``lower-unit-twice`` findings name (where the communes were first seen)."""
    return ", ".join(dict.fromkeys(f.params.get("first", "") for f in report.findings if f.code == "lower-unit-twice"))
