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
- ``_cchc_merge`` (hidden) everything needed to rebuild the Consolidation: ``read_consolidated``.

openpyxl writes formulas without a cached value, so programs that do not recalculate
(pandas, openpyxl ``data_only=True``) would see nothing. After saving, the sheet XML is
rewritten to carry each formula's value (computed here from the same numbers) next to
the formula; Excel and LibreOffice still recalculate on load (``fullCalcOnLoad``).
Commune text is always written as text: ``=cmd|...`` never becomes a formula.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from . import merge
from .fileio import write_with
from .messages import CchcError, render
from .model import Consolidation, Finding, FileReport, InputFile, UnitStatus
from .vnformat import format_date_short, format_percent
from .xlsx_style import fit_row_height, print_on_a4

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

SUMMARY_SHEET = "Tổng hợp"
DETAIL_SHEET = "Chi tiết"
STATUS_SHEET = "Tình hình nộp"
OPINIONS_SHEET = "Ý kiến"
CHART_SHEET = "Biểu đồ"
META_SHEET = "_cchc_merge"
META_KIND = "cchc-merge"
META_FORMAT = 1

FONT_NAME = "Times New Roman"
NUMBER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.##"
TIME_FORMAT = "dd/mm/yyyy hh:mm"
YES, NO = "Có", "Không"
NO_GROUP = "(Chưa phân nhóm)"

STATUS_LABELS = {
    "valid": "Hợp lệ", "warnings": "Hợp lệ, có cảnh báo", "invalid": "Có lỗi, chưa tính",
    "unreadable": "Không đọc được", "missing": "Chưa nộp",
}
DISPOSITION_LABELS = {
    "used": "Được dùng", "superseded": "Bị thay thế (có tệp mới hơn)",
    "unmatched": "Không khớp", "unreadable": "Không đọc được",
}
RECEIVED_SOURCE_LABELS = {"mail": "Thời gian thư", "file": "Thời gian tệp", "workbook": "Ngày báo cáo ghi trong tệp"}

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
    workbook, cached = build_workbook(consolidation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = add_cached_values(buffer.getvalue(), cached)
    write_with(path, lambda temporary: temporary.write_bytes(data))
    return Path(path)


def build_workbook(consolidation: Consolidation):
    """The openpyxl workbook and, per sheet, the values of its formula cells."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    cached: dict[str, dict[str, float | int]] = {}
    detail = DetailLayout(consolidation)
    cached[SUMMARY_SHEET] = write_summary_sheet(workbook.create_sheet(SUMMARY_SHEET), consolidation, detail)
    cached[DETAIL_SHEET] = write_detail_sheet(workbook.create_sheet(DETAIL_SHEET), consolidation, detail)
    write_status_sheet(workbook.create_sheet(STATUS_SHEET), consolidation)
    write_opinions_sheet(workbook.create_sheet(OPINIONS_SHEET), consolidation)
    write_chart_sheet(workbook.create_sheet(CHART_SHEET), consolidation, detail)
    write_meta_sheet(workbook.create_sheet(META_SHEET), consolidation)
    workbook.calculation.fullCalcOnLoad = True
    workbook.active = 0
    return workbook, cached


# --------------------------------------------------------------------------- cell helpers


def put(ws: "Worksheet", row: int, column: int, value: object, *, bold=False, italic=False, number_format=None,
        wrap=False, align=None, size=12, grey=False, header=False):
    """Write one cell; text stays text (never a formula), numbers get a format."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(merge.VIETNAM_TIME).replace(tzinfo=None)
    cell.value = value
    quote = False
    if isinstance(value, str):
        cell.data_type = "s"
        quote = value[:1] in ("=", "+", "-", "@")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number_format = number_format or (NUMBER_FORMAT if float(value).is_integer() else DECIMAL_FORMAT)
    elif isinstance(value, datetime):
        number_format = TIME_FORMAT
    styled(cell, ("cell", bold, italic, number_format, wrap, align, size, grey, header, quote))
    return cell


def styled(cell, key: tuple) -> None:
    """Give ``cell`` the style named by ``key``, built once per workbook and then copied.

    Assigning openpyxl style objects cell by cell hashes them every time (minutes for a
    province of 3,000 communes); copying the built style array is what openpyxl's own
    worksheet copy does.
    """
    from copy import copy

    palette = cell.parent.parent.__dict__.setdefault("_cchc_palette", {})
    if key in palette:
        cell._style = copy(palette[key])
        return
    _build_style(cell, key)
    palette[key] = copy(cell._style)


def _build_style(cell, key: tuple) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    kind = key[0]
    if kind == "grid":
        thin = Side(style="thin")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        return
    if kind == "formula":
        _, bold, number_format = key
        cell.number_format = number_format
        cell.font = Font(name=FONT_NAME, size=12, bold=bold)
        return
    _, bold, italic, number_format, wrap, align, size, grey, header, quote = key
    if number_format:
        cell.number_format = number_format
    cell.font = Font(name=FONT_NAME, size=size, bold=bold, italic=italic, color="FF808080" if grey else None)
    cell.alignment = Alignment(wrap_text=wrap, vertical="center" if header else "top", horizontal=align)
    cell.quotePrefix = quote
    if header:
        thin = Side(style="thin")
        cell.fill = PatternFill("solid", fgColor="FFDDEBF7")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)


def put_formula(ws: "Worksheet", row: int, column: int, formula: str, value, cached: dict, *, bold=True):
    """A formula cell whose computed value is also recorded for the cached-value pass."""
    cell = ws.cell(row=row, column=column, value=formula)
    styled(cell, ("formula", bold, NUMBER_FORMAT if float(value).is_integer() else DECIMAL_FORMAT))
    cached[cell.coordinate] = value
    return cell


def header_row(ws: "Worksheet", row: int, titles, first_column: int = 1) -> None:
    for offset, text in enumerate(titles):
        put(ws, row, first_column + offset, text, bold=True, wrap=True, align="center", header=True)


def grid(ws: "Worksheet", first_row: int, last_row: int, first_column: int, last_column: int) -> None:
    """Thin borders around a table, as in the printed appendix."""
    for row in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=first_column, max_col=last_column):
        for cell in row:
            if cell.__class__.__name__ == "MergedCell":
                continue
            styled(cell, ("grid", *tuple(cell._style or ())))


def title(ws: "Worksheet", row: int, text: str, last_column: int, *, bold=True, italic=False, size=13) -> None:
    put(ws, row, 1, text, bold=bold, italic=italic, size=size, align="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)


def fit_columns(ws: "Worksheet", widths: dict[int, float] | None = None, *, first_row: int = 1,
                maximum: float = 60) -> None:
    """Widths that show the text: longest line per column (merged titles ignored), capped."""

    merged = {cell for rng in ws.merged_cells.ranges for cell in _range_cells(rng)}
    longest: dict[int, float] = {}
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is None or cell.coordinate in merged:
                continue
            text = _display_text(cell.value)
            width = max(len(line) for line in text.split("\n")) * 1.15 + 2
            longest[cell.column] = max(longest.get(cell.column, 8), min(width, maximum))
    longest.update(widths or {})
    set_widths(ws, longest)


def set_widths(ws: "Worksheet", widths: dict[int, float]) -> None:
    from openpyxl.utils import get_column_letter

    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width


def _range_cells(rng) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [f"{get_column_letter(c)}{r}" for r in range(rng.min_row, rng.max_row + 1)
            for c in range(rng.min_col, rng.max_col + 1)]


def _display_text(value: object) -> str:
    if isinstance(value, datetime):
        return "00/00/0000 00:00"
    if isinstance(value, (int, float)):
        return f"{value:,}"
    return str(value)


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
        self.first_unit_row = DETAIL_HEADER_ROW + 1
        self.last_unit_row = self.first_unit_row + max(len(consolidation.unit_statuses), 1) - 1
        self.total_row = self.last_unit_row + 1
        self.groups = list(consolidation.group_totals)
        self.group_rows = {g: self.total_row + 1 + n for n, g in enumerate(self.groups)}
        self.counted_column = len(DETAIL_FIXED)
        self.group_column = DETAIL_FIXED.index("Nhóm") + 1

    def column(self, code: str) -> int:
        return len(DETAIL_FIXED) + 1 + [i.code for i in self.indicators].index(code)

    @property
    def last_column(self) -> int:
        return len(DETAIL_FIXED) + len(self.indicators)

    def letter(self, column: int) -> str:
        from openpyxl.utils import get_column_letter

        return get_column_letter(column)

    def span(self, column: int) -> str:
        col = self.letter(column)
        return f"${col}${self.first_unit_row}:${col}${self.last_unit_row}"

    def total_formula(self, code: str, group_row: int | None = None) -> str:
        values = self.span(self.column(code)).replace("$", "")
        formula = f'SUMIFS({values},{self.span(self.counted_column)},"{YES}"'
        if group_row is not None:
            formula += f",{self.span(self.group_column)},${self.letter(self.group_column)}${group_row}"
        return f"={formula})"

    def reference(self, code: str, row: int) -> str:
        return f"='{DETAIL_SHEET}'!{self.letter(self.column(code))}{row}"


def write_detail_sheet(ws: "Worksheet", consolidation: Consolidation, layout: DetailLayout) -> dict:
    cached: dict[str, float | int] = {}
    title(ws, 1, f"CHI TIẾT SỐ LIỆU THEO ĐƠN VỊ – {consolidation.period.label.upper()}", layout.last_column)
    headers = list(DETAIL_FIXED) + [f"{i.code}. {i.label} ({i.unit})" for i in layout.indicators]
    header_row(ws, DETAIL_HEADER_ROW, headers)
    ws.row_dimensions[DETAIL_HEADER_ROW].height = 96
    for n, status in enumerate(consolidation.unit_statuses):
        write_detail_unit(ws, layout.first_unit_row + n, n + 1, status, layout)
    write_detail_totals(ws, consolidation, layout, cached)
    grid(ws, DETAIL_HEADER_ROW, max([layout.total_row, *layout.group_rows.values()]), 1, layout.last_column)
    ws.freeze_panes = ws.cell(row=layout.first_unit_row, column=len(DETAIL_FIXED) + 1).coordinate
    ws.auto_filter.ref = f"A{DETAIL_HEADER_ROW}:{layout.letter(layout.last_column)}{layout.last_unit_row}"
    fit_columns(ws, {layout.column(i.code): 14 for i in layout.indicators}, first_row=DETAIL_HEADER_ROW + 1)
    print_on_a4(ws, landscape=True, title_rows=f"{DETAIL_HEADER_ROW}:{DETAIL_HEADER_ROW}")
    return cached


def write_detail_unit(ws, row: int, number: int, status: UnitStatus, layout: DetailLayout) -> None:
    unit = status.unit
    fixed = (number, unit.code, unit.name, group_label(unit.group), STATUS_LABELS[status.status],
             YES if status.counted else NO)
    for column, value in enumerate(fixed, start=1):
        put(ws, row, column, value)
    if not status.report:
        return
    for indicator in layout.indicators:
        value = status.report.values.get(indicator.code)
        shown = merge.number(value) if indicator.is_numeric else value
        if shown is not None and shown != "":
            put(ws, row, layout.column(indicator.code), shown, grey=not status.counted)


def write_detail_totals(ws, consolidation: Consolidation, layout: DetailLayout, cached: dict) -> None:
    put(ws, layout.total_row, 3, "TỔNG CỘNG (các đơn vị tính vào tổng)", bold=True)
    for code, value in consolidation.totals.items():
        put_formula(ws, layout.total_row, layout.column(code), layout.total_formula(code), value, cached)
    for group, row in layout.group_rows.items():
        put(ws, row, 3, "Cộng nhóm", bold=True, italic=True)
        put(ws, row, layout.group_column, group_label(group), bold=True, italic=True)
        for code, value in consolidation.group_totals[group].items():
            put_formula(ws, row, layout.column(code), layout.total_formula(code, row), value, cached, bold=False)


# --------------------------------------------------------------------------- Tổng hợp


def write_summary_sheet(ws: "Worksheet", consolidation: Consolidation, layout: DetailLayout) -> dict:
    cached: dict[str, float | int] = {}
    form = consolidation.form
    groups = layout.groups
    last_column = 5 + len(groups)
    header_at = write_summary_heading(ws, consolidation, last_column)
    header_row(ws, header_at, list(form.columns) + [f"Trong đó: {group_label(g)}" for g in groups])
    for n, indicator in enumerate(form.indicators):
        row = header_at + 1 + n
        write_summary_row(ws, row, indicator, consolidation, layout, cached)
    last_row = header_at + len(form.indicators)
    grid(ws, header_at, last_row, 1, last_column)
    ws.freeze_panes = f"A{header_at + 1}"
    ws.auto_filter.ref = f"A{header_at}:{layout.letter(last_column)}{last_row}"
    fit_columns(ws, {1: 6, 2: 62, 3: 14, 4: 14, 5: 30}, first_row=header_at)
    print_on_a4(ws, landscape=bool(groups), title_rows=f"{header_at}:{header_at}")
    return cached


def write_summary_heading(ws, consolidation: Consolidation, last_column: int) -> int:
    """Parent name, appendix title, form title, period, completeness; returns the header row."""
    form = consolidation.form
    expected = consolidation.expected_count
    put(ws, 1, 1, (consolidation.parent_name or "").upper(), bold=True)
    title(ws, 2, form.appendix_title or "PHỤ LỤC", last_column)
    title(ws, 3, form.title, last_column)
    title(ws, 4, f"Kỳ báo cáo: {consolidation.period.label}", last_column, bold=False, italic=True, size=12)
    line = (f"Số liệu tổng hợp từ {consolidation.counted_count} đơn vị hợp lệ; "
            f"đã nộp {completeness_text(consolidation.submitted_count, expected)}; "
            f"đúng hạn ({deadline_text(consolidation)}) {completeness_text(consolidation.on_time_count, expected)}.")
    title(ws, 5, line, last_column, bold=False, italic=True, size=11)
    return 7


def write_summary_row(ws, row: int, indicator, consolidation: Consolidation, layout: DetailLayout, cached) -> None:
    put(ws, row, 1, indicator.tt, align="center")
    put(ws, row, 2, indicator.label, wrap=True)
    put(ws, row, 3, indicator.unit, align="center")
    if indicator.code not in consolidation.totals:
        put(ws, row, 5, "Không cộng dồn (xem trang Chi tiết)", italic=True, wrap=True)
        return
    put_formula(ws, row, 4, layout.reference(indicator.code, layout.total_row),
                consolidation.totals[indicator.code], cached, bold=False)
    blanks = merge.counted_blanks(consolidation, indicator.code)
    if blanks:
        put(ws, row, 5, f"{blanks} đơn vị để trống", italic=True, wrap=True)
    for n, group in enumerate(layout.groups):
        value = consolidation.group_totals[group][indicator.code]
        put_formula(ws, row, 6 + n, layout.reference(indicator.code, layout.group_rows[group]), value, cached,
                    bold=False)


# --------------------------------------------------------------------------- Tình hình nộp


def write_status_sheet(ws: "Worksheet", consolidation: Consolidation) -> None:
    expected = consolidation.expected_count
    last_column = len(STATUS_COLUMNS)
    title(ws, 1, f"TÌNH HÌNH NỘP BÁO CÁO – {consolidation.period.label.upper()}", last_column)
    put(ws, 2, 1, f"Tỷ lệ nộp báo cáo: {completeness_text(consolidation.submitted_count, expected)}", bold=True)
    put(ws, 3, 1, f"Tỷ lệ nộp đúng hạn (hạn {deadline_text(consolidation)}): "
                  f"{completeness_text(consolidation.on_time_count, expected)}", bold=True)
    put(ws, 4, 1, f"Tính vào tổng hợp: {completeness_text(consolidation.counted_count, expected)}", bold=True)
    header_row(ws, STATUS_HEADER_ROW, STATUS_COLUMNS)
    for n, status in enumerate(consolidation.unit_statuses):
        for column, value in enumerate(status_row(n + 1, status), start=1):
            put(ws, STATUS_HEADER_ROW + 1 + n, column, value, wrap=column in (6, 14))
    for n in range(len(consolidation.unit_statuses)):
        fit_row_height(ws, STATUS_HEADER_ROW + 1 + n, {6: STATUS_WIDTHS[6], 14: STATUS_WIDTHS[14]})
    last_unit_row = STATUS_HEADER_ROW + max(expected, 1)
    grid(ws, STATUS_HEADER_ROW, last_unit_row, 1, last_column)
    ws.auto_filter.ref = f"A{STATUS_HEADER_ROW}:N{last_unit_row}"
    ws.freeze_panes = f"D{STATUS_HEADER_ROW + 1}"
    write_file_list(ws, consolidation.inputs, last_unit_row + 2)
    set_widths(ws, STATUS_WIDTHS)
    print_on_a4(ws, landscape=True, title_rows=f"{STATUS_HEADER_ROW}:{STATUS_HEADER_ROW}")


def status_row(number: int, status: UnitStatus) -> tuple:
    unit, report = status.unit, status.report
    on_time = {True: "Đúng hạn", False: "Trễ hạn", None: "—" if report else ""}[status.on_time]
    return (
        number, unit.code, unit.name, group_label(unit.group), YES if report else "Chưa nộp",
        PurePath(report.path).name if report else "", status.received,
        RECEIVED_SOURCE_LABELS.get(status.received_source, ""), on_time, STATUS_LABELS[status.status],
        len(report.errors) if report else None, len(report.warnings) if report else None,
        (report.sender or "") if report else "",
        "\n".join(PurePath(r.path).name for r in status.superseded),
    )


REASON_WIDTH = sum(STATUS_WIDTHS[c] for c in range(7, 14))  # the reason spans G:M


def write_file_list(ws, inputs: list[InputFile], first_row: int) -> None:
    """Every input path and what became of it, laid over the unit table's columns.

    A reason spans G:M (merged, wrapped). Only files with a reason are merged: they are
    few, and merging row by row for thousands of used files is slow in openpyxl.
    """
    put(ws, first_row, 1, f"DANH SÁCH TỆP ĐẦU VÀO ({len(inputs)} tệp)", bold=True)
    header = first_row + 1
    for column, text in FILE_COLUMN_PLACES.items():
        header_row(ws, header, [text], first_column=column)
    ws.merge_cells(start_row=header, start_column=7, end_row=header, end_column=13)
    for n, item in enumerate(inputs):
        write_file_row(ws, header + 1 + n, n + 1, item)
    grid(ws, header, header + max(len(inputs), 1), 1, 6)  # no lines through the reason's run G:M
    grid(ws, header, header + max(len(inputs), 1), 14, 14)


def write_file_row(ws, row: int, number: int, item: InputFile) -> None:
    report = item.report
    values = {1: number, 2: (report.unit_code or "") if report else "",
              3: (report.unit_name or "") if report else "", 4: DISPOSITION_LABELS[item.disposition],
              6: str(item.path), 7: item.reason, 14: report.sha256 if report else ""}
    for column, value in values.items():
        put(ws, row, column, value, wrap=column in (3, 4, 6, 7, 14), size=11 if column == 14 else 12)
    widths = {3: STATUS_WIDTHS[3], 4: STATUS_WIDTHS[4], 6: STATUS_WIDTHS[6], 14: STATUS_WIDTHS[14] + 6}
    if item.reason:
        ws.merge_cells(start_row=row, start_column=7, end_row=row, end_column=13)
        widths[7] = REASON_WIDTH
    fit_row_height(ws, row, widths)


# --------------------------------------------------------------------------- Ý kiến


def opinion_rows(consolidation: Consolidation) -> list[tuple[str, UnitStatus, str]]:
    """(what, unit, text) by question in form order, then notes by indicator."""
    submitted = [s for s in consolidation.unit_statuses if s.report]
    rows = []
    for question in consolidation.form.questions:
        rows += [(question.label, s, s.report.answers[question.code]) for s in submitted
                 if str(s.report.answers.get(question.code) or "").strip()]
    for indicator in consolidation.form.indicators:
        label = f"Ghi chú – {indicator.code}. {indicator.label}"
        rows += [(label, s, s.report.notes[indicator.code]) for s in submitted
                 if str(s.report.notes.get(indicator.code) or "").strip()]
    return rows


def write_opinions_sheet(ws: "Worksheet", consolidation: Consolidation) -> None:
    title(ws, 1, f"Ý KIẾN, GHI CHÚ CỦA CÁC ĐƠN VỊ – {consolidation.period.label.upper()}", len(OPINION_COLUMNS))
    header_row(ws, 3, OPINION_COLUMNS)
    rows = opinion_rows(consolidation)
    for n, (what, status, text) in enumerate(rows):
        values = (n + 1, what, status.unit.code, status.unit.name, STATUS_LABELS[status.status], str(text))
        for column, value in enumerate(values, start=1):
            put(ws, 4 + n, column, value, wrap=column in (2, 6))
    last_row = 3 + max(len(rows), 1)
    grid(ws, 3, last_row, 1, len(OPINION_COLUMNS))
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:F{last_row}"
    fit_columns(ws, {2: 40, 6: 80}, first_row=3)
    for n in range(len(rows)):
        fit_row_height(ws, 4 + n, {2: 40, 6: 80})
    print_on_a4(ws, landscape=True, title_rows="3:3")


# --------------------------------------------------------------------------- Biểu đồ


def chart_indicators(consolidation: Consolidation) -> list[str]:
    """The main indicators: top-level rows that add up."""
    return [i.code for i in consolidation.form.indicators if i.parent is None and i.code in consolidation.totals]


CHART_MAX_UNITS = 60  # beyond this, bars per unit are unreadable: chart the groups instead


def write_chart_sheet(ws: "Worksheet", consolidation: Consolidation, layout: DetailLayout) -> None:
    """Main indicators by unit (from Chi tiết); by group for a large list with groups."""
    from openpyxl.chart import BarChart, Reference, Series

    by_group = len(consolidation.unit_statuses) > CHART_MAX_UNITS and bool(layout.groups)
    first, last = ((min(layout.group_rows.values()), max(layout.group_rows.values())) if by_group
                   else (layout.first_unit_row, layout.last_unit_row))
    what = "NHÓM" if by_group else "ĐƠN VỊ"
    put(ws, 1, 1, f"CÁC CHỈ TIÊU CHÍNH THEO {what} – {consolidation.period.label.upper()}", bold=True, size=13)
    put(ws, 2, 1, "Số liệu lấy từ trang Chi tiết (đơn vị có lỗi hiển thị theo số đã gửi, "
                  "không tính vào tổng).", italic=True, size=11)
    chart = BarChart()
    chart.type, chart.grouping = "bar", "clustered"
    chart.title = f"{consolidation.form.title} – {consolidation.period.label}"
    chart.y_axis.title, chart.x_axis.title = "Số lượng", what.capitalize()
    detail = ws.parent[DETAIL_SHEET]
    for code in chart_indicators(consolidation):
        indicator = consolidation.form.indicator(code)
        values = Reference(detail, min_col=layout.column(code), min_row=first, max_row=last)
        chart.series.append(Series(values, title=f"{code}. {indicator.label}"))
    label_column = layout.group_column if by_group else 3
    chart.set_categories(Reference(detail, min_col=label_column, min_row=first, max_row=last))
    chart.width = 26
    chart.height = max(10, 0.9 * (last - first + 1) + 4)
    ws.add_chart(chart, "A4")
    ws.column_dimensions["A"].width = 12
    print_on_a4(ws, landscape=True)


# =========================================================================== metadata (hidden)
# One record per row, column A its kind. Text is written as text (never a formula).


def write_meta_sheet(ws: "Worksheet", consolidation: Consolidation) -> None:
    ws.sheet_state = "hidden"
    for row, record in enumerate(meta_records(consolidation), start=1):
        for column, value in enumerate(record, start=1):
            cell = ws.cell(row=row, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"


def meta_records(c: Consolidation) -> list[tuple]:
    records: list[tuple] = [
        ("meta", "kind", META_KIND), ("meta", "format", META_FORMAT),
        ("meta", "form_id", c.form.id), ("meta", "form_version", c.form.version),
        ("meta", "period", c.period.code), ("meta", "period_label", c.period.label),
        ("meta", "parent_name", c.parent_name), ("meta", "deadline", _iso(c.deadline)),
        ("meta", "generated_at", _iso(c.generated_at)), ("meta", "units_source", c.units.source),
    ]
    index = {id(item.report): n for n, item in enumerate(c.inputs) if item.report}
    for status in c.unit_statuses:
        u = status.unit
        records.append(("unit", u.code, u.name, u.parent, u.email, u.group,
                        index.get(id(status.report), ""), _iso(status.received), status.received_source,
                        "" if status.on_time is None else int(status.on_time),
                        ",".join(str(index[id(r)]) for r in status.superseded)))
    for n, item in enumerate(c.inputs):
        records += file_records(n, item)
    return records


def file_records(n: int, item: InputFile) -> list[tuple]:
    r = item.report
    if r is None:
        return [("file", n, item.path, item.disposition, item.reason)]
    records = [("file", n, item.path, item.disposition, item.reason, r.sha256, r.form, r.form_version,
                r.unit_code, r.unit_name, r.period, r.file_format, _iso(r.modified), _iso(r.generated_at),
                _iso(r.received), r.sender)]
    records += [("value", n, code, value) for code, value in r.values.items() if _storable(value)]
    records += [("note", n, code, str(text)) for code, text in r.notes.items()]
    records += [("answer", n, code, str(text)) for code, text in r.answers.items()]
    records += [("reporter", n, key, str(text)) for key, text in r.reporter.items()]
    records += [("finding", n, f.code, f.severity, f.sheet, f.cell, f.indicator,
                 None if f.value is None else str(f.value), f.message) for f in r.findings]
    return records


def _storable(value: object) -> bool:
    return value is None or (isinstance(value, (int, float, str)) and not isinstance(value, bool))


def _iso(value: date | datetime | None) -> str:
    return value.isoformat() if value else ""


# =========================================================================== cached values


def add_cached_values(xlsx: bytes, cached: dict[str, dict[str, float | int]]) -> bytes:
    """Put each formula's value (``<v>``) beside its formula in the saved sheet XML."""
    sheet_files = sheet_parts(xlsx)
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            sheet = sheet_files.get(info.filename)
            if sheet in cached and cached[sheet]:
                data = fill_values(data.decode("utf-8"), cached[sheet]).encode("utf-8")
            target.writestr(info, data)
    return output.getvalue()


def sheet_parts(xlsx: bytes) -> dict[str, str]:
    """Zip member name -> sheet title, from workbook.xml and its relationships."""
    from defusedxml import ElementTree

    package = zipfile.ZipFile(io.BytesIO(xlsx))
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    parts = {}
    for sheet in workbook.iter(f"{main}sheet"):
        target = targets[sheet.get(f"{rel_ns}id")].lstrip("/")
        parts[target if target.startswith("xl/") else f"xl/{target}"] = sheet.get("name")
    return parts


def fill_values(xml: str, values: dict[str, float | int]) -> str:
    def replace(match: re.Match) -> str:
        coordinate = match.group(2)
        if coordinate not in values:
            return match.group(0)
        return f"{match.group(1)}<v>{_xml_number(values[coordinate])}</v>"

    pattern = re.compile(r'(<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?')
    filled = pattern.sub(replace, xml)
    missing = [c for c in values if f'<c r="{c}"' not in filled]
    if missing:  # a writer change we did not expect: fail loudly rather than ship empty totals
        raise RuntimeError(f"formula cells not found for cached values: {missing[:5]}")
    return filled


def _xml_number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# =========================================================================== reading back


def read_consolidated(path: str | Path, form=None) -> Consolidation:
    """Rebuild the Consolidation from the hidden sheet of a workbook ``write_merged_workbook`` wrote.

    ``form``: a Form, a pack id or path, or None for the pack named in the workbook.
    """
    records = _meta_rows(Path(path))
    meta = {r[1]: r[2] for r in records if r[0] == "meta"}
    if meta.get("kind") != META_KIND:
        raise CchcError("merged-workbook-invalid", path=path, reason="thiếu trang dữ liệu ẩn _cchc_merge")
    form = _resolve_form(form, meta, path)
    reports = _reports_from(records)
    inputs = [InputFile(path=str(r[2]), disposition=str(r[3]), reason=_text(r[4]), report=reports.get(r[1]))
              for r in records if r[0] == "file"]
    return _consolidation_from(records, meta, form, reports, inputs)


def _meta_rows(path: Path) -> list[tuple]:
    """The hidden sheet's rows, read with calamine (openpyxl takes seconds on a province)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if META_SHEET not in workbook.sheet_names:
            raise CchcError("merged-workbook-invalid", path=path, reason="thiếu trang dữ liệu ẩn _cchc_merge")
        rows = workbook.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False)
    except CchcError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reason a file is not a readable workbook
        raise CchcError("merged-workbook-invalid", path=path, reason=exc) from exc
    return [tuple(_int_keys([None if v == "" else v for v in row])) for row in rows if row and row[0]]


def _int_keys(row: tuple) -> list:
    """File indexes come back as int (a float in some readers)."""
    values = list(row)
    if values[0] in ("file", "value", "note", "answer", "reporter", "finding") and isinstance(values[1], float):
        values[1] = int(values[1])
    if values[0] == "value" and len(values) > 3:
        values[3] = merge.number(values[3]) if merge.number(values[3]) is not None else values[3]
    return values


def _resolve_form(form, meta: dict, path):
    from .forms import Form, load_form

    loaded = form if isinstance(form, Form) else load_form(form or meta.get("form_id"))
    if loaded.id != meta.get("form_id"):
        raise CchcError("merged-workbook-other-form", path=path, found=meta.get("form_id"), expected=loaded.id)
    return loaded


def _reports_from(records: list[tuple]) -> dict[int, FileReport]:
    reports: dict[int, FileReport] = {}
    for r in records:
        r = list(r) + [None] * 16
        if r[0] == "file" and r[5] is not None:
            reports[r[1]] = FileReport(
                path=str(r[2]), sha256=_text(r[5]), form=r[6], form_version=_int(r[7]), unit_code=_opt(r[8]),
                unit_name=_opt(r[9]), period=_opt(r[10]), file_format=_opt(r[11]), modified=_time(r[12]),
                generated_at=_time(r[13]), received=_time(r[14]), sender=_opt(r[15]))
        elif r[0] in ("value", "note", "answer", "reporter") and r[1] in reports:
            target = {"value": "values", "note": "notes", "answer": "answers", "reporter": "reporter"}[r[0]]
            value = merge.number(r[3]) if r[0] == "value" and merge.number(r[3]) is not None else r[3]
            getattr(reports[r[1]], target)[str(r[2])] = value if r[0] == "value" else _text(value)
        elif r[0] == "finding" and r[1] in reports:
            reports[r[1]].findings.append(Finding(code=r[2], severity=r[3], message=_text(r[8]), sheet=_opt(r[4]),
                                                  cell=_opt(r[5]), indicator=_opt(r[6]), value=r[7]))
    return reports


def _consolidation_from(records, meta, form, reports, inputs) -> Consolidation:
    from .periods import parse_date, parse_period
    from .units import Unit, UnitList

    statuses = []
    for r in (list(r) + [None] * 12 for r in records if r[0] == "unit"):
        unit = Unit(code=str(r[1]), name=_text(r[2]), parent=_text(r[3]), email=_text(r[4]), group=_text(r[5]))
        report = reports.get(_int(r[6])) if r[6] not in (None, "") else None
        superseded = [reports[int(i)] for i in _text(r[10]).split(",") if i]
        on_time = None if r[9] in (None, "") else bool(int(r[9]))
        statuses.append(UnitStatus(unit=unit, report=report, received=_time(r[7]), on_time=on_time,
                                   superseded=superseded, received_source=_text(r[8])))
    units = UnitList(tuple(s.unit for s in statuses), _text(meta.get("units_source")))
    counted = [s for s in statuses if s.counted]
    return Consolidation(
        form=form, period=parse_period(meta["period"]), units=units, unit_statuses=statuses, inputs=inputs,
        totals=merge.sum_values(form, counted),
        group_totals=merge.group_totals(form, units, statuses) if units.has_groups else {},
        deadline=parse_date(meta.get("deadline") or None), parent_name=_text(meta.get("parent_name")),
        generated_at=_time(meta.get("generated_at")),
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _opt(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _int(value: object) -> int | None:
    return None if value in (None, "") else int(value)


def _time(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
