"""Draw the commune workbook with openpyxl: report sheet, answers sheet, hidden identity sheet.

Every address comes from ``layout``; this module only decides how things look
(fonts, widths, fills, print set-up) and how they are guarded (locks,
validation, protection). Texts a commune reads come from the message catalogue,
always in Vietnamese.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from .. import layout
from ..forms import Form, Indicator, Question
from ..messages import render

FONT_NAME = "Times New Roman"
INPUT_FILL = PatternFill("solid", fgColor="FFFFF2CC")   # Excel's "light yellow"
HEADER_FILL = PatternFill("solid", fgColor="FFD9D9D9")
THIN = Side(style="thin", color="FF000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED, UNLOCKED = Protection(locked=True), Protection(locked=False)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

# Column widths (Excel character units); the label column is wide enough to read every label.
MAIN_WIDTHS = {layout.COL_TT: 6, layout.COL_LABEL: 60, layout.COL_UNIT: 13, layout.COL_VALUE: 13,
               layout.COL_NOTE: 30}
ANSWER_WIDTHS = {"A": 32, "B": 90}
LINE_HEIGHT = 16.5  # points per wrapped line at 12 pt
ANSWER_ROW_HEIGHT = 120
MM_PER_INCH = 25.4

# Excel caps: prompt/error titles 32 characters, prompt and error texts 255.
TITLE_LIMIT, TEXT_LIMIT = 32, 255


def vi(message_code: str, /, **params: object) -> str:
    """A workbook text: communes read Vietnamese whatever ``--lang`` the officer chose."""
    return render(message_code, "vi", **params)


@dataclass(frozen=True)
class SheetTexts:
    """The visible, unit-dependent heading lines and identity values (tokens in a base)."""

    heading: dict[int, str]
    meta: dict[str, str]
    period_label: str


def build_workbook(form: Form, texts: SheetTexts, password: str) -> Workbook:
    grid = layout.Layout(form)
    workbook = Workbook()
    main = workbook.active
    main.title = layout.MAIN_SHEET
    if form.simple:
        _draw_main(main, form, grid, texts)
    else:
        from .tables import draw_tables

        draw_tables(workbook, form, grid, texts, main)
    _draw_answers(workbook.create_sheet(layout.ANSWERS_SHEET), form, grid, texts)
    _draw_meta(workbook.create_sheet(layout.META_SHEET), texts)
    _add_defined_names(workbook, grid)
    for sheet in workbook.worksheets:
        _protect_sheet(sheet, password)
    workbook.security = WorkbookProtection(workbookPassword=password, lockStructure=True)
    workbook.active = 0
    workbook.properties.creator = "cchc-sheets"
    workbook.properties.title = form.title
    return workbook


# --------------------------------------------------------------------------- helpers


def _put(sheet: Worksheet, address: str, value, *, bold=False, italic=False, size=12,
         alignment=WRAP_CENTER, border=None, fill=None, locked=True):
    cell = sheet[address]
    cell.value = value if value != "" else None
    cell.font = Font(name=FONT_NAME, size=size, bold=bold, italic=italic)
    cell.alignment = alignment
    cell.protection = LOCKED if locked else UNLOCKED
    if border:
        cell.border = border
    if fill:
        cell.fill = fill
    return cell


def _lines(text: str, width: float) -> int:
    """Wrapped lines a text needs in a column ``width`` characters wide (Times 12 is narrow)."""
    per_line = max(1, int(width * 1.05))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def _merged_line(sheet: Worksheet, row: int, last_col: str, text: str, width: float, **style):
    sheet.merge_cells(f"A{row}:{last_col}{row}")
    _put(sheet, f"A{row}", text, **style)
    sheet.row_dimensions[row].height = _lines(text, width) * LINE_HEIGHT + 2


def _input(sheet: Worksheet, address: str, value=None, alignment=WRAP_CENTER):
    _put(sheet, address, value, alignment=alignment, border=BOX, fill=INPUT_FILL, locked=False)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validation(sheet: Worksheet, address: str, kind: str, *, prompt_title: str, prompt: str,
                error_title: str, error: str, **criteria) -> None:
    rule = DataValidation(type=kind, allow_blank=True, showInputMessage=True, showErrorMessage=True,
                          errorStyle="stop", promptTitle=_clip(prompt_title, TITLE_LIMIT),
                          prompt=_clip(prompt, TEXT_LIMIT), errorTitle=_clip(error_title, TITLE_LIMIT),
                          error=_clip(error, TEXT_LIMIT), **criteria)
    rule.add(address)
    sheet.add_data_validation(rule)


def _length_validation(sheet: Worksheet, address: str, limit: int, prompt_title: str, prompt: str):
    _validation(sheet, address, "textLength", operator="lessThanOrEqual", formula1=str(limit),
                prompt_title=prompt_title, prompt=prompt,
                error_title=vi("template-text-error-title"), error=vi("template-text-error", limit=limit))


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --------------------------------------------------------------------------- report sheet


def _draw_main(sheet: Worksheet, form: Form, grid: layout.Layout, texts: SheetTexts) -> None:
    for column, width in MAIN_WIDTHS.items():
        sheet.column_dimensions[column].width = width
    total = sum(MAIN_WIDTHS.values())
    title_style = dict(bold=True, size=13, alignment=CENTER)
    _merged_line(sheet, layout.ROW_APPENDIX_TITLE, layout.COL_NOTE, form.appendix_title, total, **title_style)
    _merged_line(sheet, layout.ROW_TITLE, layout.COL_NOTE, form.title, total, **title_style)
    for row in (layout.ROW_PERIOD, layout.ROW_UNIT, layout.ROW_DEADLINE):
        _merged_line(sheet, row, layout.COL_NOTE, texts.heading[row], total * 0.8, alignment=CENTER)
    _merged_line(sheet, layout.ROW_INSTRUCTIONS, layout.COL_NOTE, vi("template-instructions"), total * 0.9,
                 italic=True, alignment=WRAP_CENTER)
    for column, text in zip(layout.MAIN_COLUMNS, form.columns):
        _put(sheet, f"{column}{layout.HEADER_ROW}", text, bold=True, alignment=CENTER, border=BOX,
             fill=HEADER_FILL)
    sheet.row_dimensions[layout.HEADER_ROW].height = 2 * LINE_HEIGHT
    for indicator in form.indicators:
        _draw_indicator(sheet, form, grid, indicator)
    _draw_reporter(sheet, grid)
    _print_setup(sheet, f"A1:{layout.COL_NOTE}{grid.last_main_row}")


def _draw_indicator(sheet: Worksheet, form: Form, grid: layout.Layout, indicator: Indicator) -> None:
    row = grid.indicator_rows[indicator.code]
    _put(sheet, f"{layout.COL_TT}{row}", indicator.tt, alignment=CENTER, border=BOX)
    _put(sheet, f"{layout.COL_LABEL}{row}", indicator.label, border=BOX,
         italic=bool(indicator.parent), alignment=WRAP_CENTER)
    _put(sheet, f"{layout.COL_UNIT}{row}", indicator.unit, alignment=CENTER, border=BOX)
    _input(sheet, grid.value_cell(indicator.code), alignment=CENTER)
    _input(sheet, grid.note_cell(indicator.code), alignment=WRAP_CENTER)
    sheet[grid.value_cell(indicator.code)].number_format = "#,##0" if indicator.kind == "count" else "General"
    sheet.row_dimensions[row].height = max(2, _lines(indicator.label, MAIN_WIDTHS[layout.COL_LABEL])) * LINE_HEIGHT + 4
    _value_validation(sheet, grid.value_cell(indicator.code), indicator)
    _length_validation(sheet, grid.note_cell(indicator.code), form.note_max_length,
                       vi("template-note-prompt-title"), vi("template-note-prompt", limit=form.note_max_length))


def _value_validation(sheet: Worksheet, address: str, indicator: Indicator) -> None:
    prompt = dict(prompt_title=vi("template-value-prompt-title", code=indicator.code),
                  prompt=indicator.help or indicator.label, error_title=vi("template-value-error-title"))
    if indicator.kind == "text":
        return  # a text indicator takes anything; its length is checked on reading
    kind = "whole" if indicator.kind == "count" else "decimal"
    minimum = indicator.min if indicator.min is not None else -1e15
    if indicator.max is None:
        error = vi("template-whole-minimum-error", minimum=_number_text(minimum))
        _validation(sheet, address, kind, operator="greaterThanOrEqual", formula1=_number_text(minimum),
                    error=error, **prompt)
        return
    code = "template-whole-range-error" if kind == "whole" else "template-decimal-range-error"
    error = vi(code, minimum=_number_text(minimum), maximum=_number_text(indicator.max))
    _validation(sheet, address, kind, operator="between", formula1=_number_text(minimum),
                formula2=_number_text(indicator.max), error=error, **prompt)


def _draw_reporter(sheet: Worksheet, grid: layout.Layout) -> None:
    for key, label, _ in layout.REPORTER_FIELDS:
        row = grid.reporter_rows[key]
        _put(sheet, grid.reporter_label_cell(key), label, bold=True, alignment=Alignment(horizontal="right",
                                                                                          vertical="center"))
        sheet.merge_cells(f"{layout.COL_VALUE}{row}:{layout.COL_NOTE}{row}")
        _input(sheet, grid.reporter_cell(key), alignment=Alignment(horizontal="left", vertical="center"))
        for column in (layout.COL_VALUE, layout.COL_NOTE):
            sheet[f"{column}{row}"].border = BOX
        sheet.row_dimensions[row].height = LINE_HEIGHT + 6
        prompt = vi("template-reporter-prompt", label=label.lower())
        _length_validation(sheet, grid.reporter_cell(key), 200, label, prompt)
    sheet[grid.reporter_cell("report_date")].number_format = "dd/mm/yyyy"


def _print_setup(sheet: Worksheet, area: str) -> None:
    """A4 portrait, one page wide; Decree 30/2020 margins (left 30 mm, right 15 mm, top/bottom 20 mm)."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_area = area
    margins = sheet.page_margins
    margins.left, margins.right = 30 / MM_PER_INCH, 15 / MM_PER_INCH
    margins.top = margins.bottom = 20 / MM_PER_INCH
    margins.header = margins.footer = 8 / MM_PER_INCH
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "Trang &P/&N"


# --------------------------------------------------------------------------- answers sheet


def _draw_answers(sheet: Worksheet, form: Form, grid: layout.Layout, texts: SheetTexts) -> None:
    for column, width in ANSWER_WIDTHS.items():
        sheet.column_dimensions[column].width = width
    total = sum(ANSWER_WIDTHS.values())
    title = vi("template-answers-title", period_label=texts.period_label)
    _merged_line(sheet, layout.ANSWERS_TITLE_ROW, "B", title, total, bold=True, size=13, alignment=CENTER)
    limit = max((q.max_length for q in form.questions), default=0)
    if layout.ANSWERS_HEADER_ROW - layout.ANSWERS_TITLE_ROW > 1:
        _merged_line(sheet, layout.ANSWERS_TITLE_ROW + 1, "B", vi("template-answers-hint", limit=limit), total,
                     italic=True, alignment=WRAP_CENTER)
    for column, text in zip("AB", layout.ANSWERS_COLUMNS):
        _put(sheet, f"{column}{layout.ANSWERS_HEADER_ROW}", text, bold=True, alignment=CENTER, border=BOX,
             fill=HEADER_FILL)
    for question in form.questions:
        _draw_question(sheet, grid, question)
    last_row = max(grid.answer_rows.values(), default=layout.ANSWERS_HEADER_ROW)
    _print_setup(sheet, f"A1:B{last_row}")


def _draw_question(sheet: Worksheet, grid: layout.Layout, question: Question) -> None:
    row = grid.answer_rows[question.code]
    _put(sheet, f"A{row}", question.label, bold=True, alignment=WRAP_TOP, border=BOX)
    _input(sheet, grid.answer_cell(question.code), alignment=WRAP_TOP)
    sheet.row_dimensions[row].height = ANSWER_ROW_HEIGHT
    _length_validation(sheet, grid.answer_cell(question.code), question.max_length,
                       question.label, question.help or question.label)


# --------------------------------------------------------------------------- identity sheet


def _draw_meta(sheet: Worksheet, texts: SheetTexts) -> None:
    """Key/value rows in ``layout.META_KEYS`` order; every value is text, so any reader gets it back as written."""
    for row, key in enumerate(layout.META_KEYS, start=1):
        sheet.cell(row=row, column=1, value=key)
        sheet.cell(row=row, column=2, value=str(texts.meta[key]))
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 70
    sheet.sheet_state = "veryHidden"


def _add_defined_names(workbook: Workbook, grid: layout.Layout) -> None:
    for name, (sheet, cell) in grid.defined_names.items():
        column = "".join(ch for ch in cell if ch.isalpha())
        row = cell[len(column):]
        reference = f"{quote_sheetname(sheet)}!${column}${row}"
        workbook.defined_names[name] = DefinedName(name, attr_text=reference)


def _protect_sheet(sheet: Worksheet, password: str) -> None:
    """Locked cells cannot be typed into; rows may still be made taller for long notes."""
    protection = sheet.protection
    protection.sheet = True
    protection.password = password
    protection.formatRows = False
    protection.formatColumns = False
    protection.selectLockedCells = False
    protection.selectUnlockedCells = False
