"""Facts for a draft: a plain dict built from a Consolidation, read by the form pack's templates.

Everything a sentence may need is computed here (totals already in Vietnamese number
format, units with none of an indicator, the units with the most, completeness,
changes against a previous period, communes' answers grouped and credited), so the
templates only choose words.
"""
from __future__ import annotations

import re

from ..model import Consolidation, UnitStatus
from ..text import nfc
from ..vnformat import format_number, format_percent

LEVEL_COMMUNE = "commune"
LEVEL_PARENT = "parent"

# Commune-level kinds, in the order officials list them ("xã, phường, thị trấn").
UNIT_KINDS = ("xã", "phường", "thị trấn", "đặc khu")
PARENT_KINDS = ("thành phố", "thị xã", "huyện", "quận", "tỉnh")
_BULLET = re.compile(r"^\s*(?:[-–—+•*·]+|\d{1,2}[.)]|[a-zđ][.)])\s+", re.IGNORECASE)
_TRAILING = re.compile(r"[\s.;,:]+$")


def fold_key(text: str) -> str:
    """Two answers that differ only in case, spacing, bullets or final punctuation fold together."""
    text = _TRAILING.sub("", _BULLET.sub("", nfc(text)))
    return " ".join(text.casefold().split())


def build_context(consolidation: Consolidation, previous: Consolidation | None = None,
                  level: str = LEVEL_PARENT) -> dict:
    """Every fact the templates use, as plain values (see the form pack's narrative/README.txt)."""
    counted = [s for s in consolidation.unit_statuses if s.counted]
    comparison = merged_comparison_facts(consolidation, previous)
    earlier_totals = comparison["totals"] if comparison else (previous.totals if previous else None)
    indicators = [_indicator_facts(ind, consolidation, counted, earlier_totals)
                  for ind in consolidation.form.indicators]
    period = consolidation.period
    context = {
        "level": level,
        "is_commune": level == LEVEL_COMMUNE,
        "form": {"id": consolidation.form.id, "title": consolidation.form.title,
                 "appendix_title": consolidation.form.appendix_title},
        "subject": consolidation.form.subject_for(period.label),
        "period": {"code": period.code, "label": period.label, "year": period.year},
        "next_period": {"code": period.next().code, "label": period.next().label},
        "previous_period": ({"code": previous.period.code, "label": previous.period.label} if previous else None),
        "parent_name": consolidation.parent_name,
        "merged_comparison": comparison,
        "indicators": indicators,
        "by_code": {facts["code"]: facts for facts in indicators},
        "completeness": completeness_facts(consolidation),
        "answers": answer_facts(consolidation, counted_only=False),
    }
    context["tables"] = table_facts(consolidation, context["by_code"], level)
    context["sections"] = section_facts(consolidation, context["answers"])
    context.update(reporter_facts(consolidation, level))
    return context


# --------------------------------------------------------------------------- indicators


def _value(status: UnitStatus, code: str):
    return status.report.values.get(code) if status.report else None


def _indicator_facts(indicator, consolidation: Consolidation, counted: list[UnitStatus],
                     previous: dict | None) -> dict:
    total = consolidation.totals.get(indicator.code)
    values = [(s.unit.name, _value(s, indicator.code)) for s in counted]
    values = [(name, v) for name, v in values if v is not None]
    top_value = max((v for _, v in values), default=None)
    facts = {
        "code": indicator.code, "tt": indicator.tt, "label": indicator.label, "unit": indicator.unit,
        "unit_lower": indicator.unit[:1].lower() + indicator.unit[1:],
        "total": total, "has_total": total is not None, "total_text": _figure(indicator, total),
        "zero_units": [name for name, v in values if v == 0],
        "positive_count": sum(1 for _, v in values if v > 0),
        "top_units": _top_units(values, top_value),
        "top_value": top_value, "top_value_text": _figure(indicator, top_value),
        "notes": note_facts(consolidation, indicator.code),
        "previous_total": previous.get(indicator.code) if previous is not None else None,
    }
    facts["change"] = change_facts(total, facts["previous_total"]) if previous is not None else None
    return facts


def merged_comparison_facts(consolidation: Consolidation, previous: Consolidation | None) -> dict | None:
    """When some current unit was formed by merging units that reported in the earlier period:
    the earlier figures per current unit (its predecessors added up), their totals (like for
    like), and the merged units with their predecessors' names (the draft says so in a sentence)."""
    from ..predecessors import earlier_values, merged_units

    if previous is None or not consolidation.units.has_predecessors:
        return None
    merged = merged_units(consolidation.units, previous)
    if not merged:
        return None
    form = consolidation.form
    by_unit = earlier_values(previous, consolidation.units, form)
    totals = {code: sum(v.get(code) or 0 for v in by_unit.values()) for code in summed_codes(form)}
    if form.computed:
        form.recompute(totals)
    names = {s.unit.code: s.unit.name for s in previous.unit_statuses}
    units = [{"code": u.code, "name": u.name,
              "predecessors": [names[c] for c in u.predecessors if c in names]} for u in merged]
    return {"by_unit": by_unit, "totals": totals, "units": units, "count": len(units),
            "unit_noun": unit_noun([u.name for u in merged])}


def summed_codes(form) -> list[str]:
    from ..merge import summed_indicators

    return summed_indicators(form)


def _figure(indicator, value) -> str:
    """Counts and numbers as '1.234' / '12,5'; a percent cell (held as a fraction) as '95,5%'."""
    return format_percent(value) if indicator.kind == "percent" and value is not None else format_number(value)


def _top_units(values: list[tuple[str, float]], top_value) -> list[str]:
    """The units with the most; none when there is nothing to single out (one unit, all equal, all 0)."""
    top = [name for name, v in values if top_value and v == top_value]
    return top if 0 < len(top) < len(values) else []


def change_facts(current, previous) -> dict | None:
    """Direction, difference and percentage against the previous period's total."""
    if current is None or previous is None:
        return None
    delta = current - previous
    if delta == 0:
        direction = "same"
    elif previous == 0:
        direction = "new"
    else:
        direction = "up" if delta > 0 else "down"
    percent = abs(delta) / previous if previous else None
    return {"direction": direction, "delta": delta, "delta_text": format_number(abs(delta)),
            "percent": percent, "percent_text": format_percent(percent) if percent is not None else "",
            "previous_text": format_number(previous)}


# --------------------------------------------------------------------------- completeness


def unit_noun(names: list[str]) -> str:
    """'xã' when every unit is a commune, else the kinds present: 'xã, thị trấn'."""
    kinds = [kind for kind in UNIT_KINDS if any(nfc(n).lower().startswith(kind + " ") for n in names)]
    return ", ".join(kinds) if kinds else "đơn vị"


def completeness_facts(consolidation: Consolidation) -> dict:
    statuses = consolidation.unit_statuses
    submitted = consolidation.submitted_count
    names = [s.unit.name for s in statuses]
    return {
        "expected": consolidation.expected_count, "submitted": submitted,
        "counted": consolidation.counted_count, "on_time": consolidation.on_time_count,
        "missing": [u.name for u in consolidation.missing_units],
        "not_counted": [s.unit.name for s in statuses if s.submitted and not s.counted],
        "late": [s.unit.name for s in statuses if s.submitted and s.on_time is False],
        "has_deadline": consolidation.deadline is not None,
        "rate_text": format_percent(submitted / len(statuses)) if statuses else "",
        "on_time_rate_text": format_percent(consolidation.on_time_count / submitted) if submitted else "",
        "unit_noun": unit_noun(names),
    }


# --------------------------------------------------------------------------- answers and notes


def split_items(text: str) -> list[str]:
    """One item per line, bullets and final punctuation removed (templates add their own)."""
    items = []
    for line in nfc(text).replace("\r", "\n").split("\n"):
        item = _TRAILING.sub("", _BULLET.sub("", line)).strip()
        if item:
            items.append(" ".join(item.split()))
    return items


def fold_items(credited: list[tuple[str, str]]) -> list[dict]:
    """(unit name, text) pairs -> items in first-seen order; the same text credits every unit."""
    items: dict[str, tuple[str, dict[str, None]]] = {}
    for unit_name, text in credited:
        for item in split_items(text):
            # units as an ordered set: a text shared by thousands of communes stays linear
            items.setdefault(fold_key(item), (item, {}))[1].setdefault(unit_name, None)
    return [{"text": text, "units": list(units)} for text, units in items.values()]


def _submitted_reports(consolidation: Consolidation, counted_only: bool):
    for status in consolidation.unit_statuses:
        if status.report and (status.counted or not counted_only):
            yield status.unit.name, status.report


def answer_facts(consolidation: Consolidation, counted_only: bool = False) -> dict:
    """question code -> {label, section, items: [{text, units}]}; answers of every submitted unit."""
    reports = list(_submitted_reports(consolidation, counted_only))
    return {
        q.code: {"code": q.code, "label": q.label, "section": q.section,
                 "items": fold_items([(name, r.answers.get(q.code, "")) for name, r in reports])}
        for q in consolidation.form.questions
    }


def note_facts(consolidation: Consolidation, code: str) -> list[dict]:
    """The Ghi chú entries of the counted units for one indicator, folded and credited."""
    reports = _submitted_reports(consolidation, counted_only=True)
    credited = [(name, r.notes.get(code, "")) for name, r in reports]
    folded = fold_items([(name, note.replace("\n", "; ")) for name, note in credited])
    return folded


# --------------------------------------------------------------------------- who reports


def strip_admin_prefix(name: str) -> str:
    """'UBND huyện Hương Sơn' -> 'Hương Sơn'; 'Xã An Hòa Thịnh' -> 'An Hòa Thịnh'."""
    text = nfc(name).strip()
    text = re.sub(r"^(ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+", "", text, flags=re.IGNORECASE)
    for kind in PARENT_KINDS + UNIT_KINDS:
        if text.lower().startswith(kind + " "):
            return text[len(kind) + 1:].strip()
    return text


def area_kind(name: str, default: str) -> str:
    """'UBND huyện Hương Sơn' -> 'huyện' (the word for 'on the territory of ...')."""
    text = re.sub(r"^(ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+", "", nfc(name).strip(), flags=re.IGNORECASE).lower()
    for kind in PARENT_KINDS + UNIT_KINDS:
        if text.startswith(kind + " "):
            return kind
    return default


def committee_name(name: str) -> str:
    """'Xã An Hòa Thịnh' -> 'Ủy ban nhân dân xã An Hòa Thịnh'; 'UBND huyện X' -> 'Ủy ban nhân dân huyện X'."""
    text = nfc(name).strip()
    text = re.sub(r"^(ubnd|uỷ ban nhân dân|ủy ban nhân dân)\s+", "", text, flags=re.IGNORECASE)
    if not text:
        return "Ủy ban nhân dân"
    return "Ủy ban nhân dân " + text[:1].lower() + text[1:]


def reporter_facts(consolidation: Consolidation, level: str) -> dict:
    if level == LEVEL_COMMUNE:
        unit = consolidation.unit_statuses[0].unit
        return {"reporter": committee_name(unit.name), "area": area_kind(unit.name, "xã"),
                "unit_name": unit.name, "place_name": strip_admin_prefix(unit.name)}
    parent = consolidation.parent_name or consolidation.units.parent_name
    return {"reporter": committee_name(parent) if parent else "…", "area": area_kind(parent, "đơn vị"),
            "unit_name": parent, "place_name": strip_admin_prefix(parent) if parent else "…"}



# --------------------------------------------------------------------------- tables (any form)


def column_phrase(column) -> str:
    """'Số hồ sơ nhận giải quyết – Số mới tiếp nhận – Trực tuyến'; a percent drops its '(%)' (the figure has it)."""
    parts = list(column.header_path)
    if column.kind == "percent":
        parts[-1] = re.sub(r"\s*\(%\)\s*$", "", parts[-1])
    return " – ".join(p for p in parts if p)


def _row_key(form, table, row) -> str:
    """The key a row's note is filed under (see layout.row_key): the cell key without its column."""
    key = _cell_index(form)[(table.code, row.code, table.columns[0].code)].code
    return key if table.single_value else key.rsplit(":", 1)[0]


def _cell_index(form) -> dict[tuple[str, str, str], object]:
    return {(i.table, i.row, i.column): i for i in form.indicators}


def table_facts(consolidation: Consolidation, by_code: dict, level: str = LEVEL_PARENT) -> list[dict]:
    """Each table with its rows and columns, every cell's total and text; the rows a sentence states.

    ``shown_rows`` is the total row when the table has one, else every row; a column's
    ``top_rows`` are the top-level rows with the largest total (none when all are equal).
    """
    form = consolidation.form
    cells = _cell_index(form)
    facts = []
    for table in form.tables:
        rows = [_row_facts(consolidation, table, row, cells, by_code, level) for row in table.rows]
        total_row = next((r for r in rows if r["total"]), None)
        columns = [_column_facts(table, column, rows) for column in table.columns]
        facts.append({
            "code": table.code, "title": table.title, "row_header": table.row_header,
            "single_value": table.single_value, "columns": columns, "rows": rows,
            "by_row": {r["code"]: r for r in rows}, "by_column": {c["code"]: c for c in columns},
            "total_row": total_row, "shown_rows": [total_row] if total_row else rows,
            "field_rows": [r for r in rows if not r["total"] and not r["parent"]],
        })
    return facts


def _row_facts(consolidation, table, row, cells, by_code, level) -> dict:
    row_cells = {}
    for column in table.columns:
        indicator = cells[(table.code, row.code, column.code)]
        row_cells[column.code] = dict(
            by_code[indicator.code], column=column.code, row=row.code, kind=indicator.kind,
            computed=indicator.computed, column_label=column.label, column_phrase=column_phrase(column),
            text=by_code[indicator.code]["total_text"])
    notes = note_facts(consolidation, _row_key(consolidation.form, table, row)) if level == LEVEL_COMMUNE else []
    return {"code": row.code, "tt": row.tt, "label": row.label, "unit": row.unit,
            "unit_lower": row.unit[:1].lower() + row.unit[1:], "total": row.total, "parent": row.parent,
            "cells": row_cells, "cell_list": [row_cells[c.code] for c in table.columns],
            "has_figures": any(c["text"] for c in row_cells.values()), "notes": notes}


def _column_facts(table, column, rows) -> dict:
    fields = [(r["label"], r["cells"][column.code]) for r in rows if not r["total"] and not r["parent"]]
    figures = [(label, cell["total"]) for label, cell in fields if isinstance(cell["total"], (int, float))]
    top_value = max((v for _, v in figures), default=None)
    top = _top_units(figures, top_value)
    top_text = next((cell["text"] for _, cell in fields if cell["total"] == top_value), "") if top else ""
    return {"code": column.code, "label": column.label, "path": list(column.header_path),
            "phrase": column_phrase(column), "kind": column.kind, "computed": column.formula is not None,
            "top_rows": top, "top_value": top_value if top else None, "top_value_text": top_text}


def section_facts(consolidation: Consolidation, answers: dict) -> list[dict]:
    """The questions grouped by their section, sections in the order they first appear in the form."""
    sections: dict[str, list[dict]] = {}
    for question in consolidation.form.questions:
        sections.setdefault(question.section, []).append(answers[question.code])
    return [{"code": code, "title": _joined_labels([q["label"] for q in questions]), "questions": questions,
             "has_answers": any(q["items"] for q in questions)}
            for code, questions in sections.items()]


def _joined_labels(labels: list[str]) -> str:
    """'Thuận lợi', 'Khó khăn' -> 'Thuận lợi, khó khăn' (a heading over several questions)."""
    return ", ".join([labels[0]] + [label[:1].lower() + label[1:] for label in labels[1:]])
