"""``Tình hình nộp``: who submitted, when and in what state; then every input file and what became of it."""
from __future__ import annotations

import os
from pathlib import PurePath

from ..model import Consolidation, FileReport, InputFile, UnitStatus
from ..xlsx_stream import RowFormat, Sheet
from .cells import (
    STATUS_LABELS, YES, Palette, TableCells, cell, completeness_text, deadline_text, fitted_height, group_label,
    header_cells, local_time, print_on_a4, table_format, table_row, title_row,
)

AFTER_LOCK = "received-after-lock"      # ledger.WHY_AFTER_LOCK, not imported: the workbook needs no ledger
DISPOSITION_LABELS = {
    "used": "Được dùng", "superseded": "Bị thay thế (có tệp mới hơn)",
    "unmatched": "Không khớp", "unreadable": "Không đọc được",
    AFTER_LOCK: "Nhận sau khi khóa sổ (chưa tính)",   # a workspace's locked period (ledger)
}
RECEIVED_SOURCE_LABELS = {"mail": "Thời gian thư", "file": "Thời gian tệp", "workbook": "Ngày báo cáo ghi trong tệp"}
STATUS_HEADER_ROW = 6
STATUS_COLUMNS = ("TT", "Mã đơn vị", "Tên đơn vị", "Nhóm", "Đã nộp", "Tệp", "Thời điểm nhận", "Căn cứ thời điểm",
                  "Đúng hạn", "Tình trạng", "Số lỗi", "Số cảnh báo", "Người gửi", "Tệp bị thay thế")
FILE_COLUMN_PLACES = {1: "TT", 2: "Mã đơn vị", 3: "Tên đơn vị (theo tệp)", 4: "Xử lý", 5: "", 6: "Tệp",
                      7: "Lý do", 14: "SHA-256"}
STATUS_WIDTHS = {1: 6, 2: 11, 3: 24, 4: 16, 5: 10, 6: 32, 7: 17, 8: 16, 9: 11, 10: 19, 11: 8, 12: 10, 13: 26, 14: 34}
# Only when some return is a lower level's consolidated workbook (``lower_level``): its completeness,
# its units with errors, and where its numbers were read from.
LOWER_COLUMNS = ("Tỷ lệ nộp cấp dưới", "Tính vào tổng cấp dưới", "Đơn vị cấp dưới có lỗi", "Nguồn số liệu")
LOWER_WIDTHS = {15: 20, 16: 20, 17: 30, 18: 24}
LOWER_SOURCE_LABELS = {"data-part": "Phần dữ liệu của sổ", "visible-tables": "Bảng hiển thị (sổ mất phần dữ liệu)",
                       "direct-returns": "Báo cáo riêng của đơn vị cấp dưới"}   # lower_coverage.SOURCE_RETURNS


def write_status_sheet(sheet: Sheet, palette: Palette, consolidation: Consolidation) -> None:
    expected = consolidation.expected_count
    lower = has_lower(consolidation)
    last_column = len(STATUS_COLUMNS) + (len(LOWER_COLUMNS) if lower else 0)
    title_row(sheet, palette, 1, f"TÌNH HÌNH NỘP BÁO CÁO – {consolidation.period.label.upper()}", last_column)
    for row, text in ((2, f"Tỷ lệ nộp báo cáo: {completeness_text(consolidation.submitted_count, expected)}"),
                      (3, f"Tỷ lệ nộp đúng hạn (hạn {deadline_text(consolidation)}): "
                          f"{completeness_text(consolidation.on_time_count, expected)}"),
                      (4, f"Tính vào tổng hợp: {completeness_text(consolidation.counted_count, expected)}")):
        sheet.write_row(row, [cell(palette, 1, text, bold=True)])
    sheet.write_row(STATUS_HEADER_ROW, header_cells(palette, STATUS_COLUMNS + (LOWER_COLUMNS if lower else ())))
    plain, wrapped = TableCells(palette), TableCells(palette, wrap=True)
    rows = table_format(sheet, {c: wrapped if c in (6, 14) else plain for c in range(1, last_column + 1)},  # names wrap
                        times=(7,))
    after_lock = {i.report.unit_code: i.report for i in consolidation.inputs
                  if i.disposition == AFTER_LOCK and i.report is not None and i.report.unit_code}
    for n, status in enumerate(consolidation.unit_statuses):
        values = status_row(n + 1, status, after_lock.get(status.unit.code)) + (lower_cells(status) if lower else ())
        height = fitted_height(((values[5], STATUS_WIDTHS[6]), (values[13], STATUS_WIDTHS[14])))
        rows.write(STATUS_HEADER_ROW + 1 + n, values, height=height)
    last_unit_row = STATUS_HEADER_ROW + max(expected, 1)
    if not expected:
        sheet.write_row(last_unit_row, table_row(palette, [], 1, last_column))
    sheet.autofilter = f"A{STATUS_HEADER_ROW}:{'R' if lower else 'N'}{last_unit_row}"
    sheet.freeze = f"D{STATUS_HEADER_ROW + 1}"
    write_file_list(sheet, palette, consolidation.inputs, last_unit_row + 2)
    sheet.widths = {**STATUS_WIDTHS, **(LOWER_WIDTHS if lower else {})}
    print_on_a4(sheet, landscape=True, title_row=STATUS_HEADER_ROW)


ON_TIME_LABELS = {True: "Đúng hạn", False: "Trễ hạn"}


def has_lower(consolidation: Consolidation) -> bool:
    return any(s.report is not None and s.report.lower for s in consolidation.unit_statuses)


def lower_cells(status: UnitStatus) -> tuple:
    """Columns O:R for a unit whose return is a consolidated workbook; blanks for any other."""
    lower = status.report.lower if status.report is not None else {}
    if not lower:
        return (None,) * len(LOWER_COLUMNS)
    expected = lower.get("expected", 0)
    return (completeness_text(lower.get("submitted", 0), expected), completeness_text(lower.get("counted", 0), expected),
            "; ".join(lower.get("errors", ())) or None, LOWER_SOURCE_LABELS.get(lower.get("source")))


def status_row(number: int, status: UnitStatus, after_lock: FileReport | None = None) -> tuple:
    """The unit's columns A:N; None where nothing is shown. ``after_lock``: the unit's return received
    while its period was locked (a workspace's ledger), shown instead of "not sent" when it has no other."""
    unit, report = status.unit, status.report
    on_time = ON_TIME_LABELS.get(status.on_time) or ("—" if report else None)
    if report is None and after_lock is not None:
        return (number, unit.code or None, unit.name or None, group_label(unit.group), YES,
                file_name(after_lock.path) or None, local_time(after_lock.received), None, None,
                DISPOSITION_LABELS[AFTER_LOCK], len(after_lock.errors), len(after_lock.warnings),
                after_lock.sender or None, None)
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
