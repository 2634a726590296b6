"""Draw a form's tables as official forms lay them out: merged header cells per level, TT, row
header, unit, value columns, note; input cells unlocked and yellow, computed cells locked and
grey holding real Excel formulas, validation per kind, A4 (landscape when wide) with the
header rows repeated on every printed page.

The bundled one-column form keeps its own drawing (``sheets``); this module draws every
other form. Addresses come from ``layout``.
"""
from __future__ import annotations

from datetime import date

from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from .. import layout
from ..forms import Form, Indicator
from . import sheets as S

COMPUTED_FILL = PatternFill("solid", fgColor="FFE7E6E6")
WIDTHS = {"tt": 6, "label": 34, "unit": 12, "value": 12, "note": 24}
WIDE_COLUMNS = 8          # more columns than this print landscape
DATE_FIRST, DATE_LAST = date(2000, 1, 1), date(2100, 12, 31)
NUMBER_FORMATS = {"count": "#,##0", "number": "#,##0.##", "percent": "0.0%", "date": "dd/mm/yyyy"}


def draw_tables(workbook, form: Form, grid: layout.Layout, texts: S.SheetTexts, main: Worksheet) -> None:
    """Every table on its sheet (the first on ``main``), the reporter's lines under the first."""
    for n, table in enumerate(form.tables):
        sheet = main if n == 0 else workbook.create_sheet(table.sheet)
        _draw_table(sheet, form, grid, grid.tables[table.code], texts, first=n == 0)


def _widths(sheet: Worksheet, tl: layout.TableLayout) -> float:
    widths = {tl.tt_column: WIDTHS["tt"], tl.label_column: WIDTHS["label"]}
    if tl.unit_column:
        widths[tl.unit_column] = WIDTHS["unit"]
    for letter in tl.value_columns.values():
        widths[letter] = WIDTHS["value"]
    if tl.note_column:
        widths[tl.note_column] = WIDTHS["note"]
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    return sum(widths.values())


def _draw_table(sheet: Worksheet, form: Form, grid: layout.Layout, tl: layout.TableLayout,
                texts: S.SheetTexts, first: bool) -> None:
    total = _widths(sheet, tl)
    title_style = dict(bold=True, size=13, alignment=S.CENTER)
    last = tl.last_column
    S._merged_line(sheet, layout.ROW_APPENDIX_TITLE, last, form.appendix_title, total, **title_style)
    S._merged_line(sheet, layout.ROW_TITLE, last, form.title if first else tl.table.title, total, **title_style)
    for row in (layout.ROW_PERIOD, layout.ROW_UNIT, layout.ROW_DEADLINE):
        S._merged_line(sheet, row, last, texts.heading[row], total * 0.8, alignment=S.CENTER)
    S._merged_line(sheet, layout.ROW_INSTRUCTIONS, last, S.vi("template-instructions-tables"), total * 0.9,
                   italic=True, alignment=S.WRAP_CENTER)
    if first and len(form.tables) > 1:
        sheet.cell(row=layout.ROW_INSTRUCTIONS + 1, column=1).value = tl.table.title
    _draw_header(sheet, tl)
    items = {(i.row, i.column): i for i in form.indicators if i.table == tl.table.code}
    for row in tl.table.rows:
        number = tl.rows[row.code]
        bold = row.total
        S._put(sheet, f"{tl.tt_column}{number}", row.tt, alignment=S.CENTER, border=S.BOX, bold=bold)
        S._put(sheet, f"{tl.label_column}{number}", row.label, border=S.BOX, bold=bold,
               italic=bool(row.parent), alignment=S.WRAP_CENTER)
        if tl.unit_column:
            S._put(sheet, f"{tl.unit_column}{number}", row.unit, alignment=S.CENTER, border=S.BOX)
        for column in tl.table.columns:
            _draw_cell(sheet, form, grid, items[(row.code, column.code)])
        if tl.note_column:
            address = f"{tl.note_column}{number}"
            S._input(sheet, address, alignment=S.WRAP_CENTER)
            S._length_validation(sheet, address, form.note_max_length, S.vi("template-note-prompt-title"),
                                 S.vi("template-note-prompt", limit=form.note_max_length))
        sheet.row_dimensions[number].height = max(2, S._lines(row.label, WIDTHS["label"])) * S.LINE_HEIGHT + 4
    last_row = tl.last_row
    if first:
        _draw_reporter(sheet, grid, tl)
        last_row = grid.last_main_row
    sheet.freeze_panes = f"{list(tl.value_columns.values())[0]}{tl.first_row}"
    S._print_setup(sheet, f"A1:{last}{last_row}")
    if len(tl.table.columns) + 3 > WIDE_COLUMNS:
        sheet.page_setup.orientation = "landscape"
    sheet.print_title_rows = f"{tl.header_row}:{tl.first_row - 1}"


def _draw_header(sheet: Worksheet, tl: layout.TableLayout) -> None:
    for row in range(tl.header_row, tl.first_row):
        for letter in [tl.tt_column, tl.label_column, *([tl.unit_column] if tl.unit_column else []),
                       *tl.value_columns.values(), *([tl.note_column] if tl.note_column else [])]:
            S._put(sheet, f"{letter}{row}", None, bold=True, alignment=S.CENTER, border=S.BOX, fill=S.HEADER_FILL)
        sheet.row_dimensions[row].height = 3 * S.LINE_HEIGHT
    for header in tl.header_cells:
        S._put(sheet, header.cell, header.text, bold=True, alignment=S.CENTER, border=S.BOX, fill=S.HEADER_FILL)
        if header.merge:
            sheet.merge_cells(header.merge)


def _address_of(grid: layout.Layout, own_sheet: str):
    def address(key: str) -> str:
        sheet, cell = grid.places[key]
        return cell if sheet == own_sheet else f"{quote_sheetname(sheet)}!{cell}"
    return address


def _draw_cell(sheet: Worksheet, form: Form, grid: layout.Layout, item: Indicator) -> None:
    own_sheet, address = grid.places[item.code]
    if item.computed:
        S._put(sheet, address, "=" + item.formula.excel(_address_of(grid, own_sheet)), alignment=S.CENTER,
               border=S.BOX, fill=COMPUTED_FILL, bold=item.total)
    else:
        S._input(sheet, address, alignment=S.CENTER if item.kind != "text" else S.WRAP_CENTER)
        _validation(sheet, address, form, item)
    sheet[address].number_format = NUMBER_FORMATS.get(item.kind, "General")


def _validation(sheet: Worksheet, address: str, form: Form, item: Indicator) -> None:
    prompt = dict(prompt_title=S.vi("template-cell-prompt-title", row=item.row, column=item.column)
                  if item.column and not form.table(item.table).single_value
                  else S.vi("template-value-prompt-title", code=item.row),
                  prompt=item.help or item.label, error_title=S.vi("template-value-error-title"))
    if item.kind in ("count", "number", "percent"):
        kind = "whole" if item.kind == "count" else "decimal"
        minimum = item.min if item.min is not None else -1e15
        shown_min = minimum * 100 if item.kind == "percent" else minimum
        if item.max is None:
            code = "template-whole-minimum-error" if kind == "whole" else "template-decimal-minimum-error"
            S._validation(sheet, address, kind, operator="greaterThanOrEqual", formula1=S._number_text(minimum),
                          error=S.vi(code, minimum=S._number_text(shown_min)), **prompt)
            return
        shown_max = item.max * 100 if item.kind == "percent" else item.max
        code = "template-whole-range-error" if kind == "whole" else "template-decimal-range-error"
        S._validation(sheet, address, kind, operator="between", formula1=S._number_text(minimum),
                      formula2=S._number_text(item.max),
                      error=S.vi(code, minimum=S._number_text(shown_min), maximum=S._number_text(shown_max)),
                      **prompt)
    elif item.kind in ("yesno", "choice"):
        labels = ["Có", "Không"] if item.kind == "yesno" else [c.label for c in form.choices.get(item.choices, ())]
        listed = ",".join(label.replace(",", " ") for label in labels)
        if len(listed) <= 250:
            S._validation(sheet, address, "list", formula1=f'"{listed}"',
                          error=S.vi("template-choice-error", choices=", ".join(labels)), **prompt)
    elif item.kind == "date":
        S._validation(sheet, address, "date", operator="between", formula1=str(_serial(DATE_FIRST)),
                      formula2=str(_serial(DATE_LAST)), error=S.vi("template-date-error"), **prompt)
    elif item.kind == "text":
        S._length_validation(sheet, address, form.note_max_length, prompt["prompt_title"], prompt["prompt"])


def _serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def _draw_reporter(sheet: Worksheet, grid: layout.Layout, tl: layout.TableLayout) -> None:
    last = tl.last_column
    for key, label, _ in layout.REPORTER_FIELDS:
        row = grid.reporter_rows[key]
        S._put(sheet, grid.reporter_label_cell(key), label, bold=True,
               alignment=Alignment(horizontal="right", vertical="center"))
        value = grid.reporter_cell(key)
        if value[: -len(str(row))] != last:
            sheet.merge_cells(f"{value}:{last}{row}")
        S._input(sheet, value, alignment=Alignment(horizontal="left", vertical="center"))
        sheet.row_dimensions[row].height = S.LINE_HEIGHT + 6
        S._length_validation(sheet, value, 200, label, S.vi("template-reporter-prompt", label=label.lower()))
    sheet[grid.reporter_cell("report_date")].number_format = "dd/mm/yyyy"
