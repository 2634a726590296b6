"""A typist for any form's template: finds rows by their label and value columns by the header
path read through the merged header cells, the way a person reads the printed form, and types
into them with openpyxl. It knows nothing of ``cchc_sheets.layout``.

Also: inserting a column or a row the way a spreadsheet program does (merged ranges move with
the cells), for the tests of moved columns and rows.
"""
from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

LABEL_COLUMN = 2      # "Chỉ tiêu" / "Lĩnh vực" / "Nội dung": column B in every template
SEARCH_ROWS = 40


def _merge_of(sheet: Worksheet, row: int, column: int):
    return next((m for m in sheet.merged_cells.ranges
                 if m.min_row <= row <= m.max_row and m.min_col <= column <= m.max_col), None)


def _shown(sheet: Worksheet, row: int, column: int):
    """What the cell shows: a merged cell shows its range's top-left value."""
    merge = _merge_of(sheet, row, column)
    if merge is not None:
        return sheet.cell(merge.min_row, merge.min_col).value
    return sheet.cell(row, column).value


def header_rows(sheet: Worksheet, row_header: str) -> range:
    """The header rows of the table whose row-header cell (column B) reads ``row_header``."""
    for row in range(1, SEARCH_ROWS + 1):
        if sheet.cell(row, LABEL_COLUMN).value == row_header:
            merge = _merge_of(sheet, row, LABEL_COLUMN)
            return range(row, (merge.max_row if merge else row) + 1)
    raise LookupError(f"no table headed {row_header!r} on {sheet.title!r}")


def column_paths(sheet: Worksheet, rows: range) -> dict[tuple[str, ...], int]:
    """Header path -> column number, for every column right of the label column."""
    paths = {}
    for column in range(LABEL_COLUMN + 1, sheet.max_column + 1):
        path, ranges_seen = [], set()
        for row in rows:
            merge = _merge_of(sheet, row, column)
            key = (merge.min_row, merge.min_col) if merge else (row, column)
            if key in ranges_seen:
                continue
            ranges_seen.add(key)
            value = _shown(sheet, row, column)
            if value not in (None, ""):
                path.append(str(value).strip())
        if path:
            paths[tuple(path)] = column
    return paths


def find_row(sheet: Worksheet, label: str, below: int) -> int:
    for row in range(below + 1, sheet.max_row + 1):
        if sheet.cell(row, LABEL_COLUMN).value == label:
            return row
    raise LookupError(f"no row labelled {label!r} on {sheet.title!r}")


def cell_for(sheet: Worksheet, row_header: str, row_label: str, path: tuple[str, ...]) -> str:
    """The A1 address of the cell at row ``row_label`` under the header ``path``."""
    rows = header_rows(sheet, row_header)
    column = column_paths(sheet, rows)[tuple(path)]
    return f"{get_column_letter(column)}{find_row(sheet, row_label, rows[-1])}"


def type_into(workbook, sheet_name: str, row_header: str, entries: dict[tuple[str, tuple[str, ...]], object]) -> dict:
    """Type ``{(row label, header path): value}`` into one table; returns {(row label, path): address}."""
    sheet = workbook[sheet_name]
    rows = header_rows(sheet, row_header)
    columns = column_paths(sheet, rows)
    typed = {}
    for (label, path), value in entries.items():
        address = f"{get_column_letter(columns[tuple(path)])}{find_row(sheet, label, rows[-1])}"
        sheet[address] = value
        typed[label, tuple(path)] = address
    return typed


def answer(workbook, question_label: str, text: str, sheet_name: str = "Ý kiến") -> None:
    sheet = workbook[sheet_name]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == question_label)
    sheet.cell(row, 2).value = text


# --------------------------------------------------------------------------- altering the layout


def insert_column(sheet: Worksheet, column: int, header_row: int, header: str) -> None:
    """Insert a column before ``column``, as a spreadsheet program does: merges move or widen."""
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in sheet.merged_cells.ranges]
    for m in list(sheet.merged_cells.ranges):
        sheet.unmerge_cells(str(m))
    sheet.insert_cols(column)
    for min_row, min_col, max_row, max_col in merges:
        if min_col >= column:
            min_col, max_col = min_col + 1, max_col + 1
        elif max_col >= column:
            max_col += 1
        sheet.merge_cells(start_row=min_row, start_column=min_col, end_row=max_row, end_column=max_col)
    sheet.cell(header_row, column).value = header


def insert_row(sheet: Worksheet, row: int, label: str) -> None:
    """Insert a row before ``row`` with ``label`` in the label column; merges below move down."""
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in sheet.merged_cells.ranges]
    for m in list(sheet.merged_cells.ranges):
        sheet.unmerge_cells(str(m))
    sheet.insert_rows(row)
    for min_row, min_col, max_row, max_col in merges:
        if min_row >= row:
            min_row, max_row = min_row + 1, max_row + 1
        elif max_row >= row:
            max_row += 1
        sheet.merge_cells(start_row=min_row, start_column=min_col, end_row=max_row, end_column=max_col)
    sheet.cell(row, LABEL_COLUMN).value = label
