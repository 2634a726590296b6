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

from . import a1
from .forms import Form, Table
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
    return code.replace(".", "_").replace("-", "_").replace(":", "_").replace("!", "_")


@dataclass(frozen=True)
class LayoutCell:
    sheet: str
    cell: str
    text: str


@dataclass(frozen=True)
class HeaderCell:
    """One cell of a table's column header: its text and the range it is merged over (or None)."""

    cell: str
    text: str
    merge: str | None
    column: str | None = None        # the value column it heads (its label), None for groups and fixed columns


class TableLayout:
    """Where one table sits on its sheet: the fixed columns (TT, row header, unit), one column
    per value column, the note column; a header of ``depth`` rows from HEADER_ROW; then the rows.

    The bundled one-column form comes out as it always was: A TT, B label, C unit,
    D value, E note, header on row 8, rows from row 9.
    """

    def __init__(self, table: Table):
        self.table = table
        self.sheet = table.sheet
        self.depth = table.header_depth
        self.header_row = HEADER_ROW
        self.first_row = HEADER_ROW + self.depth
        letters = iter(a1.column_letter(n) for n in range(1, 1000))
        self.tt_column, self.label_column = next(letters), next(letters)
        self.unit_column = next(letters) if table.unit_column else None
        self.value_columns = {column.code: next(letters) for column in table.columns}
        self.note_column = next(letters) if table.note_column else None
        self.last_column = self.note_column or list(self.value_columns.values())[-1]
        self.rows = {row.code: self.first_row + n for n, row in enumerate(table.rows)}
        self.last_row = self.first_row + len(table.rows) - 1

    def cell(self, row: str, column: str) -> str:
        return f"{self.value_columns[column]}{self.rows[row]}"

    @cached_property
    def fixed_headers(self) -> tuple[tuple[str, str], ...]:
        """(column letter, text) of TT, the row header, the unit and the note column."""
        table = self.table
        fixed = [(self.tt_column, table.tt_header), (self.label_column, table.row_header)]
        if self.unit_column:
            fixed.append((self.unit_column, table.unit_header))
        if self.note_column:
            fixed.append((self.note_column, table.note_header))
        return tuple(fixed)

    @cached_property
    def header_cells(self) -> tuple[HeaderCell, ...]:
        """Every header cell with text, in reading order (row by row, left to right)."""
        top, bottom = self.header_row, self.header_row + self.depth - 1
        cells: list[tuple[int, int, HeaderCell]] = []

        def add(row: int, first: str, last: str, last_row: int, text: str, column: str | None = None):
            merge = None if (first, row) == (last, last_row) else f"{first}{row}:{last}{last_row}"
            cells.append((row, a1.column_number(first), HeaderCell(f"{first}{row}", text, merge, column)))

        for letter, text in self.fixed_headers:
            add(top, letter, letter, bottom, text)
        columns = self.table.columns
        for level in range(self.depth):
            n = 0
            while n < len(columns):
                path = columns[n].header_path
                letter = self.value_columns[columns[n].code]
                if level < len(path) - 1:            # a group: merged over the columns that share it
                    end = n
                    while end + 1 < len(columns) and columns[end + 1].header_path[:level + 1] == path[:level + 1] \
                            and len(columns[end + 1].header_path) > level + 1:
                        end += 1
                    add(top + level, letter, self.value_columns[columns[end].code], top + level, path[level])
                    n = end + 1
                    continue
                if level == len(path) - 1:           # the label, down to the last header row
                    add(top + level, letter, letter, bottom, path[level], columns[n].code)
                n += 1
        cells.sort(key=lambda item: (item[0], item[1]))
        return tuple(cell for _, _, cell in cells)


class Layout:
    """Cell addresses for one form. Cheap to build; cache per form if used in a loop."""

    def __init__(self, form: Form):
        self.form = form

    # --- tables ---------------------------------------------------------------------
    @cached_property
    def tables(self) -> dict[str, TableLayout]:
        return {table.code: TableLayout(table) for table in self.form.tables}

    @cached_property
    def main_table(self) -> TableLayout:
        return self.tables[self.form.tables[0].code]

    @cached_property
    def places(self) -> dict[str, tuple[str, str]]:
        """Cell key -> (sheet, address) of every cell of the form."""
        places = {}
        for item in self.form.indicators:
            table = self.tables[item.table]
            places[item.code] = (table.sheet, table.cell(item.row, item.column))
        return places

    def sheet_of(self, code: str) -> str:
        return self.places[code][0]

    def row_key(self, code: str) -> str:
        """The key a cell's row is known by (notes are per row): the cell key without its column."""
        item = self.form.indicator(code)
        return self.form.cell_key(self.tables[item.table].table, item.row)

    # --- main sheet --------------------------------------------------------------
    @cached_property
    def indicator_rows(self) -> dict[str, int]:
        return {item.code: self.tables[item.table].rows[item.row] for item in self.form.indicators}

    @property
    def last_indicator_row(self) -> int:
        return self.main_table.last_row

    def value_cell(self, code: str) -> str:
        return self.places[code][1]

    def note_cell(self, code: str) -> str | None:
        item = self.form.indicator(code)
        table = self.tables[item.table]
        return f"{table.note_column}{table.rows[item.row]}" if table.note_column else None

    @cached_property
    def note_places(self) -> dict[str, tuple[str, str]]:
        """Row key (see ``row_key``) -> (sheet, address) of the row's note cell, for tables with one."""
        places = {}
        for item in self.form.indicators:
            table = self.tables[item.table]
            if table.note_column:
                places.setdefault(self.row_key(item.code), (table.sheet, f"{table.note_column}{table.rows[item.row]}"))
        return places

    @cached_property
    def reporter_value_column(self) -> str:
        return list(self.main_table.value_columns.values())[0]

    @cached_property
    def reporter_rows(self) -> dict[str, int]:
        first = self.last_indicator_row + 2
        return {key: first + n for n, (key, _, _) in enumerate(REPORTER_FIELDS)}

    def reporter_cell(self, key: str) -> str:
        return f"{self.reporter_value_column}{self.reporter_rows[key]}"

    def reporter_label_cell(self, key: str) -> str:
        return f"{self.main_table.label_column}{self.reporter_rows[key]}"

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
        """Excel defined name -> (sheet, cell) for every input cell (computed cells are not inputs)."""
        names: dict[str, tuple[str, str]] = {}
        simple, notes = self.form.simple, self.note_places
        for item in self.form.indicators:
            if not item.computed:
                part = item.code if simple else f"{item.table}_{item.row}_{item.column}"
                names[f"SoLuong_{_name_part(part)}"] = self.places[item.code]
            row_key = self.row_key(item.code)
            note = f"GhiChu_{_name_part(row_key if simple else f'{item.table}_{item.row}')}"
            if row_key in notes and note not in names:
                names[note] = notes[row_key]
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
        cells: list[LayoutCell] = []
        for table in self.tables.values():
            cells += [LayoutCell(table.sheet, header.cell, fold_text(header.text)) for header in table.header_cells]
            for row in table.table.rows:
                number = table.rows[row.code]
                cells += [LayoutCell(table.sheet, f"{table.tt_column}{number}", fold_text(self._tt(table, row))),
                          LayoutCell(table.sheet, f"{table.label_column}{number}", fold_text(row.label))]
                if table.unit_column:
                    cells.append(LayoutCell(table.sheet, f"{table.unit_column}{number}", fold_text(row.unit)))
            if table is self.main_table:
                for key, label, _ in REPORTER_FIELDS:
                    cells.append(LayoutCell(MAIN_SHEET, self.reporter_label_cell(key), fold_text(label)))
        cells += [LayoutCell(ANSWERS_SHEET, f"{col}{ANSWERS_HEADER_ROW}", text)
                  for col, text in zip("AB", ANSWERS_COLUMNS)]
        cells += [LayoutCell(ANSWERS_SHEET, f"A{self.answer_rows[q.code]}", fold_text(q.label))
                  for q in self.form.questions]
        return tuple(cells)

    def _tt(self, table: TableLayout, row) -> str:
        """The printed TT: the bundled form's rule (sub-rows blank) or the row's own."""
        if self.form.simple:
            return "" if row.parent else row.code
        return row.tt

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
