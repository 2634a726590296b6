"""Where everything sits in a commune workbook: the one layout shared by writer and reader.

The template writer puts cells where this module says; the reader looks for
them in the same places and recomputes the same fingerprint. Nothing else in
the toolkit hard-codes a row, a column or a sheet name.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

from .forms import Form
from .text import fold_text  # also read as layout.fold_text by the reader

MAIN_SHEET = "Báo cáo"
ANSWERS_SHEET = "Ý kiến"
META_SHEET = "_cchc"

# Main sheet columns: TT | Chỉ tiêu | Đơn vị tính | Số lượng | Ghi chú
COL_TT, COL_LABEL, COL_UNIT, COL_VALUE, COL_NOTE = "A", "B", "C", "D", "E"
MAIN_COLUMNS = (COL_TT, COL_LABEL, COL_UNIT, COL_VALUE, COL_NOTE)

# Heading rows of the main sheet (merged across A:E).
ROW_APPENDIX_TITLE = 1   # "PHỤ LỤC"
ROW_TITLE = 2            # "BÁO CÁO TUYÊN TRUYỀN CCHC"
ROW_PERIOD = 3           # "Kỳ báo cáo: 6 tháng đầu năm 2020"
ROW_UNIT = 4             # "Đơn vị báo cáo: Xã An Hòa Thịnh (mã 18118)"
ROW_DEADLINE = 5         # "Hạn gửi báo cáo: 20/06/2020 – gửi UBND huyện Hương Sơn"
ROW_INSTRUCTIONS = 6
HEADER_ROW = 8
FIRST_INDICATOR_ROW = 9

PERIOD_PREFIX = "Kỳ báo cáo: "
UNIT_PREFIX = "Đơn vị báo cáo: "
DEADLINE_PREFIX = "Hạn gửi báo cáo: "

# Answers sheet: question label in A, the commune's answer in B.
ANSWERS_TITLE_ROW = 1
ANSWERS_HEADER_ROW = 3
ANSWERS_FIRST_ROW = 4
ANSWERS_COLUMNS = ("Nội dung", "Ý kiến của đơn vị")

# Metadata sheet: key in column A, value in column B, one per row, in this order.
META_KEYS = (
    "form_id", "form_version", "unit_code", "unit_name", "parent_name", "period",
    "period_label", "deadline", "generated_at", "layout_fingerprint", "tool",
)

REPORTER_FIELDS = (
    ("reporter", "Người báo cáo", "NguoiBaoCao"),
    ("phone", "Số điện thoại", "DienThoai"),
    ("report_date", "Ngày báo cáo", "NgayBaoCao"),
)


def _name_part(code: str) -> str:
    return code.replace(".", "_").replace("-", "_")


@dataclass(frozen=True)
class LayoutCell:
    sheet: str
    cell: str
    text: str


class Layout:
    """Cell addresses for one form. Cheap to build; cache per form if used in a loop."""

    def __init__(self, form: Form):
        self.form = form

    # --- main sheet --------------------------------------------------------------
    @cached_property
    def indicator_rows(self) -> dict[str, int]:
        return {ind.code: FIRST_INDICATOR_ROW + n for n, ind in enumerate(self.form.indicators)}

    @property
    def last_indicator_row(self) -> int:
        return FIRST_INDICATOR_ROW + len(self.form.indicators) - 1

    def value_cell(self, code: str) -> str:
        return f"{COL_VALUE}{self.indicator_rows[code]}"

    def note_cell(self, code: str) -> str:
        return f"{COL_NOTE}{self.indicator_rows[code]}"

    @cached_property
    def reporter_rows(self) -> dict[str, int]:
        first = self.last_indicator_row + 2
        return {key: first + n for n, (key, _, _) in enumerate(REPORTER_FIELDS)}

    def reporter_cell(self, key: str) -> str:
        return f"{COL_VALUE}{self.reporter_rows[key]}"

    def reporter_label_cell(self, key: str) -> str:
        return f"{COL_LABEL}{self.reporter_rows[key]}"

    @property
    def last_main_row(self) -> int:
        return max(self.reporter_rows.values())

    # --- answers sheet -------------------------------------------------------------
    @cached_property
    def answer_rows(self) -> dict[str, int]:
        return {q.code: ANSWERS_FIRST_ROW + n for n, q in enumerate(self.form.questions)}

    def answer_cell(self, code: str) -> str:
        return f"B{self.answer_rows[code]}"

    # --- names ---------------------------------------------------------------------
    @cached_property
    def defined_names(self) -> dict[str, tuple[str, str]]:
        """Excel defined name -> (sheet, cell) for every input cell."""
        names: dict[str, tuple[str, str]] = {}
        for ind in self.form.indicators:
            names[f"SoLuong_{_name_part(ind.code)}"] = (MAIN_SHEET, self.value_cell(ind.code))
            names[f"GhiChu_{_name_part(ind.code)}"] = (MAIN_SHEET, self.note_cell(ind.code))
        for key, _, name in REPORTER_FIELDS:
            names[name] = (MAIN_SHEET, self.reporter_cell(key))
        for q in self.form.questions:
            names[f"YKien_{_name_part(q.code)}"] = (ANSWERS_SHEET, self.answer_cell(q.code))
        return names

    @cached_property
    def input_cells(self) -> set[tuple[str, str]]:
        """Every (sheet, cell) a commune may type into: unlocked in the template."""
        return set(self.defined_names.values())

    # --- the locked layout and its fingerprint ----------------------------------------
    @cached_property
    def layout_cells(self) -> tuple[LayoutCell, ...]:
        """The locked cells whose text defines the layout (unit-independent)."""
        cells = [LayoutCell(MAIN_SHEET, f"{col}{HEADER_ROW}", fold_text(text))
                 for col, text in zip(MAIN_COLUMNS, self.form.columns)]
        for ind in self.form.indicators:
            row = self.indicator_rows[ind.code]
            cells += [
                LayoutCell(MAIN_SHEET, f"{COL_TT}{row}", fold_text(ind.tt)),
                LayoutCell(MAIN_SHEET, f"{COL_LABEL}{row}", fold_text(ind.label)),
                LayoutCell(MAIN_SHEET, f"{COL_UNIT}{row}", fold_text(ind.unit)),
            ]
        for key, label, _ in REPORTER_FIELDS:
            cells.append(LayoutCell(MAIN_SHEET, self.reporter_label_cell(key), fold_text(label)))
        cells += [LayoutCell(ANSWERS_SHEET, f"{col}{ANSWERS_HEADER_ROW}", text)
                  for col, text in zip("AB", ANSWERS_COLUMNS)]
        cells += [LayoutCell(ANSWERS_SHEET, f"A{self.answer_rows[q.code]}", fold_text(q.label))
                  for q in self.form.questions]
        return tuple(cells)

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint_of(self.form.id, self.form.version, self.layout_cells)


def fingerprint_of(form_id: str, version: int, cells: tuple[LayoutCell, ...] | list[LayoutCell]) -> str:
    """sha256 of the form identity and every layout cell's address and folded text."""
    canonical = json.dumps(
        {"form": form_id, "version": version,
         "cells": [[c.sheet, c.cell, fold_text(c.text)] for c in cells]},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def heading_texts(unit_name: str, unit_code: str, period_label: str, deadline_text: str, parent: str) -> dict[int, str]:
    """Visible heading lines; the reader parses them back when the metadata sheet is gone."""
    deadline_line = f"{DEADLINE_PREFIX}{deadline_text}"
    if parent:
        deadline_line += f" – gửi {parent}"
    return {
        ROW_PERIOD: f"{PERIOD_PREFIX}{period_label}",
        ROW_UNIT: f"{UNIT_PREFIX}{unit_name} (mã {unit_code})",
        ROW_DEADLINE: deadline_line,
    }
