"""The consolidated workbook an officer opens in Excel, and reading it back for drafts.

Sheets (Vietnamese, A4, frozen headers, filters):

- ``Tổng hợp``   the appendix table (TT | Chỉ tiêu | Đơn vị tính | Số lượng | Ghi chú) with the
                 parent's totals, one extra column per group when the units list has groups;
- ``Chi tiết``   one row per expected unit, one column per indicator, a totals row and group
                 subtotal rows: SUMIFS formulas over the rows marked counted ("Có");
- ``Tình hình nộp`` who submitted, when, on time or late, status, errors and warnings, sender;
                 then every input file with what became of it and why;
- ``Ý kiến``     notes and qualitative answers by question;
- ``Biểu đồ``    a bar chart of the main indicators by unit;
- ``_cchc_merge`` (hidden) a small marker: this workbook was written by ``cchc merge``.

Everything needed to rebuild the Consolidation (``read_consolidated``, used by drafts) is
the codec's consolidation document (``codec``, JSON with its format number) in a Custom
XML Data part (``customXml/item1.xml``), out of the cell grid: Excel and LibreOffice
carry or ignore such parts.

The sheets are streamed by ``xlsx_stream`` (a national list of 10,000 units in about a
second, memory flat). Every formula is written with its value (computed here from the
same numbers) so programs that do not recalculate (pandas, openpyxl ``data_only=True``)
see the totals; Excel and LibreOffice still recalculate on load (``fullCalcOnLoad``).
Commune text is always written as text: ``=cmd|...`` never becomes a formula.
"""
from __future__ import annotations

import math
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path, PurePath
from xml.sax.saxutils import escape

from . import codec, merge
from .fileio import write_with
from .messages import CchcError, phrase, render
from .model import Consolidation, InputFile, UnitStatus
from .vnformat import format_date_short, format_percent
from .xlsx_stream import (
    BarChart, Formula, PageSetup, RowFormat, Sheet, Style, WorkbookWriter, cell_ref, column_letter,
)
from .xlsx_style import LINE_HEIGHT_PT, wrapped_lines

SUMMARY_SHEET = "Tổng hợp"
DETAIL_SHEET = "Chi tiết"
STATUS_SHEET = "Tình hình nộp"
OPINIONS_SHEET = "Ý kiến"
CHART_SHEET = "Biểu đồ"
META_SHEET = "_cchc_merge"
META_KIND = "cchc-merge"
META_FORMAT = 3            # 3: the codec's document in a custom XML part (1, 2 of 0.1: positional records)
DATA_NAMESPACE = "urn:cchc-sheets:merge"
DATA_ITEM_ID = "{6F1C3E52-7A0B-4C8E-9D4B-3C2A1B0E5F70}"
DATA_ITEMS_PER_PART = 500   # inputs or units per <part>: under a MB of JSON each
MAX_DATA_BYTES = 1 << 30    # the data part of a national merge is a few MB; refuse anything absurd

FONT_NAME = "Times New Roman"
NUMBER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.##"
TIME_FORMAT = "dd/mm/yyyy hh:mm"
YES, NO = "Có", "Không"
NO_GROUP = "(Chưa phân nhóm)"
GREY = "FF808080"
HEADER_FILL = "FFDDEBF7"
A4_MARGINS_MM = (20, 15, 20, 20)   # left, right, top, bottom: as xlsx_style.print_on_a4

STATUS_LABELS = {
    "valid": "Hợp lệ", "warnings": "Hợp lệ, có cảnh báo", "invalid": "Có lỗi, chưa tính",
    "unreadable": "Không đọc được", "missing": "Chưa nộp",
}
DISPOSITION_LABELS = {
    "used": "Được dùng", "superseded": "Bị thay thế (có tệp mới hơn)",
    "unmatched": "Không khớp", "unreadable": "Không đọc được",
}
RECEIVED_SOURCE_LABELS = {"mail": "Thời gian thư", "file": "Thời gian tệp", "workbook": "Ngày báo cáo ghi trong tệp"}

SUMMARY_MAX_GROUPS = 12  # more group columns would not print on A4 landscape
DETAIL_HEADER_ROW = 3
DETAIL_FIXED = ("TT", "Mã đơn vị", "Tên đơn vị", "Nhóm", "Tình trạng", "Tính vào tổng")
STATUS_HEADER_ROW = 6
STATUS_COLUMNS = ("TT", "Mã đơn vị", "Tên đơn vị", "Nhóm", "Đã nộp", "Tệp", "Thời điểm nhận", "Căn cứ thời điểm",
                  "Đúng hạn", "Tình trạng", "Số lỗi", "Số cảnh báo", "Người gửi", "Tệp bị thay thế")
FILE_COLUMN_PLACES = {1: "TT", 2: "Mã đơn vị", 3: "Tên đơn vị (theo tệp)", 4: "Xử lý", 5: "", 6: "Tệp",
                      7: "Lý do", 14: "SHA-256"}
STATUS_WIDTHS = {1: 6, 2: 11, 3: 24, 4: 16, 5: 10, 6: 32, 7: 17, 8: 16, 9: 11, 10: 19, 11: 8, 12: 10, 13: 26, 14: 34}
OPINION_COLUMNS = ("TT", "Nội dung", "Mã đơn vị", "Tên đơn vị", "Tình trạng", "Ý kiến, ghi chú")


# =========================================================================== writing


def write_merged_workbook(consolidation: Consolidation, path: str | Path) -> Path:
    """Write the consolidated workbook atomically; returns ``path``."""
    book = build_workbook(consolidation)

    def save(temporary: Path) -> None:
        with open(temporary, "wb") as handle:
            book.save(handle)

    write_with(path, save)
    return Path(path)


def build_workbook(consolidation: Consolidation) -> WorkbookWriter:
    """Every sheet streamed into a ``WorkbookWriter``, and the data part for ``read_consolidated``."""
    book = WorkbookWriter(Style())  # Normal stays Calibri 11: Excel and LibreOffice size columns by it
    palette = Palette(book)
    detail = DetailLayout(consolidation)
    write_summary_sheet(book.add_sheet(SUMMARY_SHEET), palette, consolidation, detail)
    write_detail_sheet(book.add_sheet(DETAIL_SHEET), palette, consolidation, detail)
    write_status_sheet(book.add_sheet(STATUS_SHEET), palette, consolidation)
    write_opinions_sheet(book.add_sheet(OPINIONS_SHEET), palette, consolidation)
    write_chart_sheet(book.add_sheet(CHART_SHEET), palette, consolidation, detail)
    write_marker_sheet(book.add_sheet(META_SHEET, hidden=True), consolidation)
    book.add_custom_xml(data_part_chunks(consolidation), DATA_ITEM_ID)
    return book


# --------------------------------------------------------------------------- cells and styles


class Palette:
    """The workbook's style index for each combination of the few properties used here."""

    def __init__(self, book: WorkbookWriter):
        self.book = book
        self._indexes: dict[tuple, int] = {}

    def __call__(self, *, bold=False, italic=False, number_format=None, wrap=False, align=None, size=12,
                 grey=False, header=False, border=False) -> int:
        key = (bold, italic, number_format, wrap, align, size, grey, header, border)
        found = self._indexes.get(key)
        if found is None:
            found = self._indexes[key] = self.book.style(
                font_name=FONT_NAME, size=size, bold=bold, italic=italic, color=GREY if grey else None,
                number_format=number_format, wrap=wrap, horizontal=align, vertical="center" if header else "top",
                fill=HEADER_FILL if header else None, border=border or header)
        return found


def cell(palette: Palette, column: int, value: object, **style) -> tuple[int, object, int]:
    """(column, value, style): numbers and times get their format; text stays text (the writer
    never turns a ``str`` into a formula and quote-prefixes ``=``, ``+``, ``-``, ``@``)."""
    if isinstance(value, datetime):
        value = local_time(value)
        style.setdefault("number_format", TIME_FORMAT)
    elif isinstance(value, bool):
        value = YES if value else NO
    elif isinstance(value, (int, float)):
        style["number_format"] = style.get("number_format") or _number_format(value)
    elif value == "":
        value = None
    return column, value, palette(**style)


def local_time(value: datetime | None) -> datetime | None:
    """A time as written in the workbook: Vietnam time, without a zone (Excel has none)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(merge.VIETNAM_TIME).replace(tzinfo=None)


class TableCells:
    """``cell`` for the bordered rows of the big tables, with the styles looked up once.

    About 40% of the cells of a national workbook go through here: text and whole numbers
    take the short path, everything else the general one.
    """

    def __init__(self, palette: Palette, **style):
        self.palette, self.style = palette, {**style, "border": True}
        self.text = palette(**self.style)
        self.whole = palette(**self.style, number_format=NUMBER_FORMAT)

    def __call__(self, column: int, value: object) -> tuple[int, object, int]:
        kind = type(value)
        if kind is str:
            return column, value or None, self.text
        if kind is int:
            return column, value, self.whole
        if value is None:
            return column, None, self.text
        return cell(self.palette, column, value, **self.style)

    @property
    def time(self) -> int:
        """The style of a time in these cells (declared on first use: only sheets with times have it)."""
        return self.palette(**self.style, number_format=TIME_FORMAT)


def table_format(sheet: Sheet, columns: dict[int, TableCells | int], *, times: Iterable[int] = (),
                 blank: int | None = None, blank_from: int = 1) -> RowFormat:
    """A ``RowFormat`` giving the cells of ``TableCells`` (or one style whatever the value).

    Its rows take None for "" and times in Vietnam time (``local_time``) in the ``times``
    columns; ``blank``: the style of an empty cell from column ``blank_from`` on.
    """
    kinds = []
    for column, cells in columns.items():
        styles = ({str: cells, int: cells, type(None): cells} if isinstance(cells, int)
                  else {str: cells.text, type(None): cells.text, int: cells.whole})
        if column in times:
            styles[datetime] = cells.time
        if blank is not None and column >= blank_from:
            styles[type(None)] = blank
        kinds.append((column, styles))

    def other(column: int, value: object) -> tuple[int, object, int]:
        cells = columns[column]
        return (column, value, cells) if isinstance(cells, int) else cells(column, value)

    return sheet.row_format(kinds, other)


def formula_cell(palette: Palette, column: int, formula: str, value, *, bold=True) -> tuple[int, Formula, int]:
    """A formula with its computed value cached, so pandas and openpyxl ``data_only`` see the total."""
    return column, Formula(formula, value), palette(bold=bold, number_format=_number_format(value), border=True)


def _number_format(value: float | int) -> str:
    return NUMBER_FORMAT if float(value).is_integer() else DECIMAL_FORMAT


def table_row(palette: Palette, cells: list[tuple[int, object, int]], first: int, last: int):
    """``cells`` plus bordered blanks, so the table's grid is unbroken from ``first`` to ``last``."""
    present = {c[0] for c in cells}
    blank = palette(border=True)
    return sorted(cells + [(c, None, blank) for c in range(first, last + 1) if c not in present])


def header_cells(palette: Palette, titles, first_column: int = 1) -> list[tuple[int, object, int]]:
    style = palette(bold=True, wrap=True, align="center", header=True)
    return [(first_column + n, text, style) for n, text in enumerate(titles)]


def title_row(sheet: Sheet, palette: Palette, row: int, text: str, last_column: int, *, bold=True,
              italic=False, size=13) -> None:
    sheet.write_row(row, [cell(palette, 1, text, bold=bold, italic=italic, size=size, align="center")])
    sheet.merge(row, 1, row, last_column)


def fitted_height(texts_and_widths: Iterable[tuple[object, float]]) -> float:
    """Tall enough for the wrapped text (LibreOffice does not fit rows it did not lay out)."""
    lines = 1
    for text, width in texts_and_widths:
        count = _wrapped_lines(text, width)
        if count > lines:
            lines = count
    return lines * LINE_HEIGHT_PT + 2


def _wrapped_lines(text: object, width: float) -> int:
    """``xlsx_style.wrapped_lines``, without its split for the usual text of one paragraph."""
    if type(text) is str and "\n" not in text:
        return max(1, math.ceil(len(text) * 1.1 / max(width - 1, 1)))
    return wrapped_lines(text, width)


class Widths:
    """Widths that show the text: the longest line per column (titles not counted), capped."""

    def __init__(self, maximum: float = 60):
        self.maximum = maximum
        self.lengths: dict[int, int] = {}   # the longest line seen in each column

    def see(self, cells: Iterable[tuple[int, object, int]]) -> None:
        for column, value, _ in cells:
            self.see_values((value,), column)

    def see_values(self, values: Iterable[object], first_column: int = 1) -> None:
        lengths = self.lengths
        for column, value in enumerate(values, first_column):
            if value is None:
                continue
            if type(value) is str and "\n" not in value:  # the usual cell, without building its text
                length = len(value)
            else:
                length = max(map(len, _display_text(value).split("\n")))
            if length > lengths.get(column, -1):
                lengths[column] = length

    def result(self, fixed: dict[int, float]) -> dict[int, float]:
        widths = {column: max(min(length * 1.15 + 2, self.maximum), 8) for column, length in self.lengths.items()}
        return {**widths, **fixed}


def _display_text(value: object) -> str:
    if isinstance(value, datetime):
        return "00/00/0000 00:00"
    if isinstance(value, Formula):
        return f"{value.value:,}"
    if isinstance(value, (int, float)):
        return f"{value:,}"
    return str(value)


def print_on_a4(sheet: Sheet, *, landscape: bool, title_row: int | None = None) -> None:
    """The shared print set-up of ``xlsx_style.print_on_a4``: A4, one page wide, centred, 20/15/20/20 mm."""
    sheet.page = PageSetup(landscape=landscape, title_rows=(title_row, title_row) if title_row else None,
                           margins_mm=A4_MARGINS_MM)


def group_label(group: str) -> str:
    return group or NO_GROUP


def completeness_text(count: int, expected: int) -> str:
    rate = format_percent(count / expected) if expected else "—"
    return render("merge-completeness", count=count, expected=expected, rate=rate)


def deadline_text(consolidation: Consolidation) -> str:
    return format_date_short(consolidation.deadline) if consolidation.deadline else "—"


# --------------------------------------------------------------------------- Chi tiết


class DetailLayout:
    """Where rows and columns sit on ``Chi tiết``; the summary sheet refers to its totals."""

    def __init__(self, consolidation: Consolidation):
        self.consolidation = consolidation
        self.indicators = list(consolidation.form.indicators)
        self._columns = {i.code: len(DETAIL_FIXED) + 1 + n for n, i in enumerate(self.indicators)}
        self.first_unit_row = DETAIL_HEADER_ROW + 1
        self.last_unit_row = self.first_unit_row + max(len(consolidation.unit_statuses), 1) - 1
        self.total_row = self.last_unit_row + 1
        self.groups = list(consolidation.group_totals)
        # Tổng hợp shows one column per group only while that still prints; beyond, the
        # subtotal rows at the foot of Chi tiết carry them.
        self.summary_groups = self.groups if len(self.groups) <= SUMMARY_MAX_GROUPS else []
        self.group_rows = {g: self.total_row + 1 + n for n, g in enumerate(self.groups)}
        self.counted_column = len(DETAIL_FIXED)
        self.group_column = DETAIL_FIXED.index("Nhóm") + 1
        self._spans: dict[int, str] = {}

    def column(self, code: str) -> int:
        return self._columns[code]

    @property
    def last_column(self) -> int:
        return len(DETAIL_FIXED) + len(self.indicators)

    @staticmethod
    def letter(column: int) -> str:
        return column_letter(column)

    def span(self, column: int) -> str:
        found = self._spans.get(column)  # asked for again on every group's subtotal row
        if found is None:
            col = self.letter(column)
            found = self._spans[column] = f"${col}${self.first_unit_row}:${col}${self.last_unit_row}"
        return found

    def total_formula(self, code: str, group_row: int | None = None) -> str:
        """``=SUMIFS(...)`` over the rows marked counted (and of the group on ``group_row``)."""
        values = self.span(self.column(code)).replace("$", "")
        formula = f'SUMIFS({values},{self.span(self.counted_column)},"{YES}"'
        if group_row is not None:
            formula += f",{self.span(self.group_column)},${self.letter(self.group_column)}${group_row}"
        return f"={formula})"

    def reference(self, code: str, row: int) -> str:
        return f"='{DETAIL_SHEET}'!{self.letter(self.column(code))}{row}"


def write_detail_sheet(sheet: Sheet, palette: Palette, consolidation: Consolidation, layout: DetailLayout) -> None:
    title_row(sheet, palette, 1, f"CHI TIẾT SỐ LIỆU THEO ĐƠN VỊ – {consolidation.period.label.upper()}",
              layout.last_column)
    headers = list(DETAIL_FIXED) + [f"{i.code}. {i.label} ({i.unit})" for i in layout.indicators]
    sheet.write_row(DETAIL_HEADER_ROW, header_cells(palette, headers), height=96)
    widths = Widths()
    rows = DetailUnitRows(sheet, palette, layout)
    for n, status in enumerate(consolidation.unit_statuses):
        widths.see_values(rows.write(layout.first_unit_row + n, n + 1, status))
    if not consolidation.unit_statuses:
        sheet.write_row(layout.first_unit_row, table_row(palette, [], 1, layout.last_column))
    for row, cells in detail_total_rows(palette, consolidation, layout):
        widths.see(c for c in cells if c[0] <= len(DETAIL_FIXED))
        sheet.write_row(row, table_row(palette, cells, 1, layout.last_column))
    sheet.freeze = cell_ref(layout.first_unit_row, len(DETAIL_FIXED) + 1)
    sheet.autofilter = f"A{DETAIL_HEADER_ROW}:{layout.letter(layout.last_column)}{layout.last_unit_row}"
    sheet.widths = widths.result({layout.column(i.code): 14 for i in layout.indicators})
    print_on_a4(sheet, landscape=True, title_row=DETAIL_HEADER_ROW)


class DetailUnitRows:
    """The units' rows, every column from A to the last indicator (empty ones bordered blanks).

    Grey numbers for a return that is not counted; the blanks stay plain.
    """

    def __init__(self, sheet: Sheet, palette: Palette, layout: DetailLayout):
        plain, grey, first_indicator = TableCells(palette), TableCells(palette, grey=True), len(DETAIL_FIXED) + 1
        self.counted = table_format(sheet, dict.fromkeys(range(1, layout.last_column + 1), plain))
        self.not_counted = table_format(
            sheet, {c: plain if c < first_indicator else grey for c in range(1, layout.last_column + 1)},
            blank=plain.text, blank_from=first_indicator)
        self.codes = [i.code for i in layout.indicators]
        self.numeric = [i.is_numeric for i in layout.indicators]

    def write(self, row: int, number: int, status: UnitStatus) -> tuple:
        """Writes the unit's row; returns its fixed columns (for the widths)."""
        unit, counted, report = status.unit, status.counted, status.report
        fixed = (number, unit.code or None, unit.name or None, group_label(unit.group), STATUS_LABELS[status.status],
                 YES if counted else NO)
        shown = self.shown(report.values) if report else [None] * len(self.codes)
        (self.counted if counted else self.not_counted).write(row, (*fixed, *shown))
        return fixed

    def shown(self, values: dict) -> list:
        """The values as the sheet shows them: numbers for a numeric indicator, None for nothing."""
        return [value if type(value) is int else merge.number(value) if numeric else None if value == "" else value
                for value, numeric in zip(map(values.get, self.codes), self.numeric)]


def detail_total_rows(palette: Palette, consolidation: Consolidation, layout: DetailLayout):
    """The totals row, then one subtotal row per group: SUMIFS with the computed value cached."""
    cells = [cell(palette, 3, "TỔNG CỘNG (các đơn vị tính vào tổng)", bold=True, border=True)]
    cells += [formula_cell(palette, layout.column(code), layout.total_formula(code)[1:], value)
              for code, value in consolidation.totals.items()]
    yield layout.total_row, cells
    for group, row in layout.group_rows.items():
        cells = [cell(palette, 3, "Cộng nhóm", bold=True, italic=True, border=True),
                 cell(palette, layout.group_column, group_label(group), bold=True, italic=True, border=True)]
        cells += [formula_cell(palette, layout.column(code), layout.total_formula(code, row)[1:], value, bold=False)
                  for code, value in consolidation.group_totals[group].items()]
        yield row, cells


# --------------------------------------------------------------------------- Tổng hợp


def write_summary_sheet(sheet: Sheet, palette: Palette, consolidation: Consolidation, layout: DetailLayout) -> None:
    form = consolidation.form
    last_column = 5 + len(layout.summary_groups)
    header_at = write_summary_heading(sheet, palette, consolidation, last_column)
    if layout.groups and not layout.summary_groups:
        title_row(sheet, palette, 6, f"Số liệu theo {len(layout.groups)} nhóm: xem các dòng “Cộng nhóm” "
                                     "cuối trang Chi tiết.", last_column, bold=False, italic=True, size=11)
    header = header_cells(palette, list(form.columns) +
                          [f"Trong đó: {group_label(g)}" for g in layout.summary_groups])
    sheet.write_row(header_at, header)
    widths = Widths()
    widths.see(header)
    blanks = counted_blanks(consolidation)
    for n, indicator in enumerate(form.indicators):
        cells = summary_row_cells(palette, indicator, consolidation, layout, blanks.get(indicator.code, 0))
        widths.see(cells)
        sheet.write_row(header_at + 1 + n, table_row(palette, cells, 1, last_column))
    last_row = header_at + len(form.indicators)
    sheet.freeze = f"A{header_at + 1}"
    sheet.autofilter = f"A{header_at}:{layout.letter(last_column)}{last_row}"
    sheet.widths = widths.result({1: 6, 2: 62, 3: 14, 4: 14, 5: 30})
    print_on_a4(sheet, landscape=bool(layout.summary_groups), title_row=header_at)


def write_summary_heading(sheet: Sheet, palette: Palette, consolidation: Consolidation, last_column: int) -> int:
    """Parent name, appendix title, form title, period, completeness; returns the header row."""
    form = consolidation.form
    expected = consolidation.expected_count
    sheet.write_row(1, [cell(palette, 1, (consolidation.parent_name or "").upper(), bold=True)])
    title_row(sheet, palette, 2, form.appendix_title or "PHỤ LỤC", last_column)
    title_row(sheet, palette, 3, form.title, last_column)
    title_row(sheet, palette, 4, f"Kỳ báo cáo: {consolidation.period.label}", last_column, bold=False,
              italic=True, size=12)
    line = (f"Số liệu tổng hợp từ {consolidation.counted_count} đơn vị hợp lệ; "
            f"đã nộp {completeness_text(consolidation.submitted_count, expected)}; "
            f"đúng hạn ({deadline_text(consolidation)}) {completeness_text(consolidation.on_time_count, expected)}.")
    title_row(sheet, palette, 5, line, last_column, bold=False, italic=True, size=11)
    return 7


def counted_blanks(consolidation: Consolidation) -> dict[str, int]:
    """Per summed indicator, how many counted units left it empty (``merge.counted_blanks`` for all at once)."""
    counted = [s.report.values for s in consolidation.unit_statuses if s.counted]
    return {code: sum(1 for values in counted if type(value := values.get(code)) is not int  # a number: not blank
                      and merge.number(value) is None)
            for code in consolidation.totals}


def summary_row_cells(palette: Palette, indicator, consolidation: Consolidation, layout: DetailLayout,
                      blanks: int) -> list:
    cells = [cell(palette, 1, indicator.tt, align="center", border=True),
             cell(palette, 2, indicator.label, wrap=True, border=True),
             cell(palette, 3, indicator.unit, align="center", border=True)]
    if indicator.code not in consolidation.totals:
        return cells + [cell(palette, 5, "Không cộng dồn (xem trang Chi tiết)", italic=True, wrap=True, border=True)]
    total = layout.reference(indicator.code, layout.total_row)[1:]
    cells.append(formula_cell(palette, 4, total, consolidation.totals[indicator.code], bold=False))
    if blanks:
        cells.append(cell(palette, 5, f"{blanks} đơn vị để trống", italic=True, wrap=True, border=True))
    for n, group in enumerate(layout.summary_groups):
        value = consolidation.group_totals[group][indicator.code]
        reference = layout.reference(indicator.code, layout.group_rows[group])[1:]
        cells.append(formula_cell(palette, 6 + n, reference, value, bold=False))
    return cells


# --------------------------------------------------------------------------- Tình hình nộp


def write_status_sheet(sheet: Sheet, palette: Palette, consolidation: Consolidation) -> None:
    expected = consolidation.expected_count
    last_column = len(STATUS_COLUMNS)
    title_row(sheet, palette, 1, f"TÌNH HÌNH NỘP BÁO CÁO – {consolidation.period.label.upper()}", last_column)
    for row, text in ((2, f"Tỷ lệ nộp báo cáo: {completeness_text(consolidation.submitted_count, expected)}"),
                      (3, f"Tỷ lệ nộp đúng hạn (hạn {deadline_text(consolidation)}): "
                          f"{completeness_text(consolidation.on_time_count, expected)}"),
                      (4, f"Tính vào tổng hợp: {completeness_text(consolidation.counted_count, expected)}")):
        sheet.write_row(row, [cell(palette, 1, text, bold=True)])
    sheet.write_row(STATUS_HEADER_ROW, header_cells(palette, STATUS_COLUMNS))
    plain, wrapped = TableCells(palette), TableCells(palette, wrap=True)
    rows = table_format(sheet, {c: wrapped if c in (6, 14) else plain for c in range(1, last_column + 1)},  # names wrap
                        times=(7,))
    for n, status in enumerate(consolidation.unit_statuses):
        values = status_row(n + 1, status)
        height = fitted_height(((values[5], STATUS_WIDTHS[6]), (values[13], STATUS_WIDTHS[14])))
        rows.write(STATUS_HEADER_ROW + 1 + n, values, height=height)
    last_unit_row = STATUS_HEADER_ROW + max(expected, 1)
    if not expected:
        sheet.write_row(last_unit_row, table_row(palette, [], 1, last_column))
    sheet.autofilter = f"A{STATUS_HEADER_ROW}:N{last_unit_row}"
    sheet.freeze = f"D{STATUS_HEADER_ROW + 1}"
    write_file_list(sheet, palette, consolidation.inputs, last_unit_row + 2)
    sheet.widths = dict(STATUS_WIDTHS)
    print_on_a4(sheet, landscape=True, title_row=STATUS_HEADER_ROW)


ON_TIME_LABELS = {True: "Đúng hạn", False: "Trễ hạn"}


def status_row(number: int, status: UnitStatus) -> tuple:
    """The unit's columns A:N; None where nothing is shown."""
    unit, report = status.unit, status.report
    on_time = ON_TIME_LABELS.get(status.on_time) or ("—" if report else None)
    return (
        number, unit.code or None, unit.name or None, group_label(unit.group), YES if report else "Chưa nộp",
        file_name(report.path) or None if report else None, local_time(status.received),
        RECEIVED_SOURCE_LABELS.get(status.received_source), on_time, STATUS_LABELS[status.status],
        len(report.errors) if report else None, len(report.warnings) if report else None,
        (report.sender or None) if report else None,
        "\n".join(file_name(r.path) for r in status.superseded) or None,
    )


def file_name(path: str) -> str:
    """``PurePath(path).name``; ``os.path.basename`` is 5 times cheaper and the same for a file's path."""
    name = os.path.basename(path)
    return name if name not in ("", ".") else PurePath(path).name


REASON_WIDTH = sum(STATUS_WIDTHS[c] for c in range(7, 14))  # the reason spans G:M


def write_file_list(sheet: Sheet, palette: Palette, inputs: list[InputFile], first_row: int) -> None:
    """Every input path and what became of it, laid over the unit table's columns.

    A reason spans G:M (merged, wrapped); the grid runs over A:F and N, not through the reason.
    """
    sheet.write_row(first_row, [cell(palette, 1, f"DANH SÁCH TỆP ĐẦU VÀO ({len(inputs)} tệp)", bold=True)])
    header = first_row + 1
    places = sorted(FILE_COLUMN_PLACES.items())
    sheet.write_row(header, [c for column, text in places for c in header_cells(palette, [text], column)])
    sheet.merge(header, 7, header, 13)
    rows = file_row_format(sheet, palette)
    for n, item in enumerate(inputs):
        values = file_row(n + 1, item)
        rows.write(header + 1 + n, values, height=file_row_height(values))
        if item.reason:
            sheet.merge(header + 1 + n, 7, header + 1 + n, 13)
    if not inputs:
        sheet.write_row(header + 1, table_row(palette, [], 1, 6) + [(14, None, palette(border=True))])


def file_row_format(sheet: Sheet, palette: Palette) -> RowFormat:
    """Bordered A:F and N (N smaller), the reason G:M without lines."""
    plain, wrapped = TableCells(palette), TableCells(palette, wrap=True)
    return table_format(sheet, {1: plain, 2: plain, 3: wrapped, 4: wrapped, 5: plain, 6: wrapped,
                                7: palette(wrap=True), 14: TableCells(palette, wrap=True, size=11)})


def file_row(number: int, item: InputFile) -> tuple:
    """The file's columns A:G and N; None where nothing is shown."""
    report = item.report
    code, name, sha = (report.unit_code, report.unit_name, report.sha256) if report else (None, None, None)
    return (number, code or None, name or None, DISPOSITION_LABELS[item.disposition], None, str(item.path) or None,
            item.reason.render("vi") if item.reason else None, sha or None)


def file_row_height(values: tuple) -> float:
    name, disposition, path, reason, sha = values[2], values[3], values[5], values[6], values[7]
    widths = [(name, STATUS_WIDTHS[3]), (disposition, STATUS_WIDTHS[4]), (path, STATUS_WIDTHS[6]),
              (sha, STATUS_WIDTHS[14] + 6)]
    if reason:
        widths.append((reason, REASON_WIDTH))
    return fitted_height(widths)


# --------------------------------------------------------------------------- Ý kiến


def opinion_rows(consolidation: Consolidation) -> Iterator[tuple[str, UnitStatus, str]]:
    """(what, unit, text) by question in form order, then notes by indicator; units in list order.

    One pass over what each return holds (not one per question and unit: most returns leave
    most notes empty).
    """
    form = consolidation.form
    answers = {q.code: (q.label, []) for q in form.questions}
    notes = {i.code: (f"Ghi chú – {i.code}. {i.label}", []) for i in form.indicators}
    for status in consolidation.unit_statuses:
        if status.report:
            _collect_texts(status, status.report.answers, answers)
            _collect_texts(status, status.report.notes, notes)
    return ((what, status, text) for what, found in (*answers.values(), *notes.values()) for status, text in found)


def _collect_texts(status: UnitStatus, texts: dict, into: dict[str, tuple[str, list]]) -> None:
    for code, text in texts.items():
        if code in into and str(text or "").strip():
            into[code][1].append((status, text))


OPINION_WIDTHS = {2: 40, 6: 80}


@lru_cache(maxsize=4096)  # the same few questions, and often the same answers, on thousands of rows
def opinion_height(what: str, text: str) -> float:
    return fitted_height(((what, OPINION_WIDTHS[2]), (text, OPINION_WIDTHS[6])))


def write_opinions_sheet(sheet: Sheet, palette: Palette, consolidation: Consolidation) -> None:
    title_row(sheet, palette, 1, f"Ý KIẾN, GHI CHÚ CỦA CÁC ĐƠN VỊ – {consolidation.period.label.upper()}",
              len(OPINION_COLUMNS))
    header = header_cells(palette, OPINION_COLUMNS)
    sheet.write_row(3, header)
    rows = opinion_rows(consolidation)
    number, plain, wrapped = (palette(border=True, number_format=NUMBER_FORMAT), palette(border=True),
                              palette(wrap=True, border=True))
    table = table_format(sheet, {1: number, 2: wrapped, 3: plain, 4: plain, 5: plain, 6: wrapped})
    units = {id(s): (s.unit.code, s.unit.name or None, STATUS_LABELS[s.status]) for s in consolidation.unit_statuses}
    shown, count = set(), 0
    for count, (what, status, text) in enumerate(rows, start=1):
        code, name, label = units[id(status)]
        text = str(text)
        table.write(3 + count, (count, what, code, name, label, text), height=opinion_height(what, text))
        shown.add(id(status))
    last_row = 3 + max(count, 1)
    if not count:
        sheet.write_row(4, table_row(palette, [], 1, len(OPINION_COLUMNS)))
    widths = Widths()
    widths.see(header + [(1, count, 0)])
    for key, unit in units.items():
        if key in shown:
            widths.see_values(unit, 3)
    sheet.freeze = "A4"
    sheet.autofilter = f"A3:F{last_row}"
    sheet.widths = widths.result(OPINION_WIDTHS)
    print_on_a4(sheet, landscape=True, title_row=3)


# --------------------------------------------------------------------------- Biểu đồ


def chart_indicators(consolidation: Consolidation) -> list[str]:
    """The main indicators: top-level rows that add up."""
    return [i.code for i in consolidation.form.indicators if i.parent is None and i.code in consolidation.totals]


CHART_MAX_UNITS = 60  # beyond this, bars per unit are unreadable: chart the groups instead


def write_chart_sheet(sheet: Sheet, palette: Palette, consolidation: Consolidation, layout: DetailLayout) -> None:
    """Main indicators by unit (from Chi tiết); by group for a large list with groups."""
    by_group = len(consolidation.unit_statuses) > CHART_MAX_UNITS and bool(layout.groups)
    first, last = ((min(layout.group_rows.values()), max(layout.group_rows.values())) if by_group
                   else (layout.first_unit_row, layout.last_unit_row))
    what = "NHÓM" if by_group else "ĐƠN VỊ"
    sheet.write_row(1, [cell(palette, 1, f"CÁC CHỈ TIÊU CHÍNH THEO {what} – {consolidation.period.label.upper()}",
                             bold=True, size=13)])
    sheet.write_row(2, [cell(palette, 1, "Số liệu lấy từ trang Chi tiết (đơn vị có lỗi hiển thị theo số đã gửi, "
                                         "không tính vào tổng).", italic=True, size=11)])
    series = [(f"{code}. {consolidation.form.indicator(code).label}", layout.column(code))
              for code in chart_indicators(consolidation)]
    sheet.chart = BarChart(
        title=f"{consolidation.form.title} – {consolidation.period.label}", sheet=DETAIL_SHEET,
        category_column=layout.group_column if by_group else 3, first_row=first, last_row=last, series=series,
        x_title=what.capitalize(), y_title="Số lượng", anchor=(4, 1),
        size_cm=(26, max(10, 0.9 * (last - first + 1) + 4)))
    sheet.widths = {1: 12}
    print_on_a4(sheet, landscape=True)


# =========================================================================== machine-readable data
# What rebuilds the Consolidation is the codec's consolidation document (``codec``), as
# JSON in a Custom XML Data part: no cells, so 10,000 units cost a few MB instead of a
# 195,000-row sheet. The hidden sheet _cchc_merge only marks the workbook as ours.


def write_marker_sheet(sheet: Sheet, consolidation: Consolidation) -> None:
    c = consolidation
    rows = [("meta", "kind", META_KIND), ("meta", "format", META_FORMAT), ("meta", "form_id", c.form.id),
            ("meta", "form_version", c.form.version), ("meta", "period", c.period.code),
            ("meta", "data", f"customXml (JSON, codec format {codec.FORMAT})")]
    for number, record in enumerate(rows, start=1):
        sheet.write_row(number, [(column, value, 0) for column, value in enumerate(record, start=1)])


def data_part_chunks(consolidation: Consolidation) -> Iterator[str]:
    """The custom XML item: ``<cchcMerge>`` around the codec's JSON document, cut into ``<part>``s.

    The JSON text is the concatenation of the parts. One text node would do for XML, but
    LibreOffice's parser refuses text nodes over 10 MB ("huge text node"), and a national
    merge has about 17 MB of JSON.
    """
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cchcMerge xmlns="{DATA_NAMESPACE}">'
    for piece in codec.consolidation_json_pieces(consolidation, DATA_ITEMS_PER_PART):
        yield f"<part>{escape(piece)}</part>"
    yield "</cchcMerge>"


# =========================================================================== reading back


def read_consolidated(path: str | Path, form=None) -> Consolidation:
    """The Consolidation ``consolidate`` made, from a workbook ``write_merged_workbook`` wrote.

    ``form``: a Form, a pack id or path, or None for the pack named in the workbook.
    Only workbooks whose data part is a codec document of this version's format are read.
    """
    path = Path(path)
    document = _data_document(path)
    found = document.get("format")
    if found != codec.FORMAT:  # written by another version
        raise CchcError("merged-workbook-invalid", path=path, reason=phrase(
            "detail-data-format", found="?" if found is None else found, expected=codec.FORMAT))
    form = _resolve_form(form, codec.consolidation_form_id(document), path)
    try:
        return codec.consolidation_from_json(document, form)
    except codec.CodecError as exc:
        raise CchcError("merged-workbook-invalid", path=path, reason=phrase("detail-data-damaged", error=exc)) from exc


def is_consolidated_workbook(path: str | Path) -> bool:
    """A cheap peek (workbook.xml only): does the package have our hidden ``_cchc_merge`` sheet?"""
    try:
        with zipfile.ZipFile(path) as package:
            info = package.getinfo("xl/workbook.xml")
            if info.file_size > 4 << 20:  # a workbook part that large is not ours
                return False
            text = package.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return False
    return re.search(rf"""<(?:\w+:)?sheet\b[^>]*\bname=["']{META_SHEET}["']""", text) is not None


def _data_document(path: Path) -> dict:
    """The JSON document of our custom XML item (not yet checked against the codec)."""
    try:
        with zipfile.ZipFile(path) as package:
            for info in package.infolist():
                if re.fullmatch(r"customXml/item\d+\.xml", info.filename) and _is_data_item(package, info):
                    return _parse_data_item(package, info, path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise CchcError("merged-workbook-invalid", path=path, reason=exc) from exc
    raise CchcError("merged-workbook-invalid", path=path, reason=phrase("detail-no-data-part"))


def _is_data_item(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    with package.open(info) as handle:
        return DATA_NAMESPACE.encode() in handle.read(400)


def _parse_data_item(package: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> dict:
    from defusedxml import ElementTree

    if info.file_size > MAX_DATA_BYTES:
        raise CchcError("merged-workbook-invalid", path=path, reason=phrase("detail-data-too-large", size=info.file_size))
    try:
        root = ElementTree.fromstring(package.read(info))
        if root.tag != f"{{{DATA_NAMESPACE}}}cchcMerge":
            raise ValueError(root.tag)
        document = codec.loads("".join(part.text or "" for part in root))
        if type(document) is not dict:
            raise ValueError("not a JSON object")
    except Exception as exc:  # noqa: BLE001 - damaged or foreign data: say so, never guess
        raise CchcError("merged-workbook-invalid", path=path, reason=phrase("detail-data-damaged", error=exc)) from exc
    return document


def _resolve_form(form, form_id, path):
    from .forms import Form, load_form

    if not isinstance(form_id, str):
        raise CchcError("merged-workbook-invalid", path=path, reason=phrase("detail-data-damaged", error="form"))
    loaded = form if isinstance(form, Form) else load_form(form or form_id)
    if loaded.id != form_id:
        raise CchcError("merged-workbook-other-form", path=path, found=form_id, expected=loaded.id)
    return loaded
