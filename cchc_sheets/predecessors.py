"""Merged communes: returns on a predecessor's template, and earlier periods' figures added up.

Since July 2025 most communes are the merger of two or three earlier ones; the units list
gives each new unit's ``predecessors`` (``units.Unit``). Two jobs here:

- ``mark_merged``: a return made on a predecessor's template for a period after the change
  carries ``unit-merged`` (with the new unit's name) instead of ``unknown-unit``. The merge
  counts it for the new unit only when the officer accepts it (``--accept-predecessors``);
  then ``combined_return`` adds the predecessors' returns into one return of the new unit.
- ``earlier_values``: an earlier period's figures per current unit: its own, else the sum
  of its predecessors' (what a comparison with a period before the change must use).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from . import merge
from .model import FileReport, make_finding

MERGED_CODE = "unit-merged"


def mark_merged(report: FileReport, units, period) -> FileReport:
    """Replace ``unknown-unit`` by ``unit-merged`` when the code is a predecessor of a listed unit."""
    if units is None or not report.unit_code or units.get(report.unit_code) is not None:
        return report
    new = units.successor(report.unit_code)
    if new is None or not new.merged_for(period):
        return report
    for n, finding in enumerate(report.findings):
        if finding.code == "unknown-unit":
            report.findings[n] = make_finding(
                MERGED_CODE, sheet=finding.sheet, cell=finding.cell, value=report.unit_code,
                old=_label(report.unit_name, report.unit_code), unit=_label(new.name, new.code), new=new.code)
    return report


def _label(name: str | None, code: str) -> str:
    return f"{name} ({code})" if name else code


def merged_into(report: FileReport) -> str | None:
    """The new unit's code a ``unit-merged`` return belongs to (None for any other return)."""
    return next((f.params.get("new") for f in report.findings if f.code == MERGED_CODE), None)


def merged_phrase(report: FileReport):
    return next(f.phrase() for f in report.findings if f.code == MERGED_CODE)


# --------------------------------------------------------------------------- one return of the new unit


def split_own_and_predecessors(reports: list[FileReport]) -> tuple[list[FileReport], dict[str, list[FileReport]]]:
    """The unit's own returns, and its predecessors' returns by old code."""
    own, old = [], {}
    for report in reports:
        if merged_into(report):
            old.setdefault(report.unit_code, []).append(report)
        else:
            own.append(report)
    return own, old


def combined_return(unit, form, parts: list[FileReport]) -> FileReport:
    """One return of ``unit`` from its predecessors' returns (one each): numbers added, notes and
    answers joined, every finding kept (one with errors leaves the whole out of the totals)."""
    if len(parts) == 1:
        return parts[0]
    codes = merge.summed_indicators(form)
    values = {code: sum(merge.number(p.values.get(code)) or 0 for p in parts)
              if any(merge.number(p.values.get(code)) is not None for p in parts) else None for code in codes}
    if form.computed:
        form.recompute(values)
    newest = max(parts, key=merge.newness_key)
    return replace(
        newest, path=" + ".join(Path(p.path).name for p in parts), sha256="", unit_code=unit.code,
        unit_name=unit.name, values=values, notes=_joined([p.notes for p in parts]),
        answers=_joined([p.answers for p in parts]), texts={},
        findings=[f for p in parts for f in p.findings],
        received=max((p.received for p in parts if p.received), default=None, key=merge._aware))


def _joined(mappings: list[dict]) -> dict:
    found: dict[str, list[str]] = {}
    for mapping in mappings:
        for key, text in mapping.items():
            if text:
                found.setdefault(key, []).append(str(text))
    return {key: "\n".join(texts) for key, texts in found.items()}


# --------------------------------------------------------------------------- earlier periods


def earlier_values(earlier, units, form) -> dict[str, dict]:
    """Per current unit: the earlier period's counted figures, its own and its predecessors' added up
    (a new unit that kept one predecessor's code absorbed the others; summed indicators only;
    computed cells recomputed)."""
    by_code = {s.unit.code: s for s in earlier.unit_statuses if s.counted}
    codes = merge.summed_indicators(form)
    found = {}
    for unit in units:
        sources = [c for c in dict.fromkeys([unit.code, *unit.predecessors]) if c in by_code]
        if not sources:
            continue
        values = {code: sum(merge.number(by_code[c].report.values.get(code)) or 0 for c in sources) for code in codes}
        if form.computed:
            form.recompute(values)
        found[unit.code] = values
    return found


def earlier_lookup(earlier, units, form):
    """code -> the earlier period's figures: a current unit's (predecessors added up), else, for a
    lowest-level unit of ``--detail units``, that unit's own counted figures in ``earlier``."""
    mine = earlier_values(earlier, units, form)
    own = {s.unit.code: s.report.values for s in earlier.unit_statuses if s.counted}
    return lambda code: mine.get(code, own.get(code))


def merged_units(units, earlier) -> list:
    """The current units whose earlier figures are their predecessors' sum (for the draft's sentence)."""
    earlier_codes = {s.unit.code for s in earlier.unit_statuses}
    return [u for u in units if any(c in earlier_codes for c in u.predecessors if c != u.code)]
