"""The findings workbook: one row per finding, ready to filter in Excel.

A file without findings still gets one row (its status), so every input shows up.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from .fileio import write_with
from .messages import render
from .model import BatchReport, Finding
from .xlsx_style import FONT_NAME, fit_row_height, print_on_a4

WIDTHS = (38, 12, 26, 16, 22, 11, 12, 8, 10, 22, 90)


def findings_rows(batch: BatchReport) -> list[list[object]]:
    """The table as plain values (also what tests read back)."""
    rows = []
    for report in batch.files:
        head = [Path(report.path).name, report.unit_code or "", report.unit_name or "",
                render(f"status-{report.status}")]
        if not report.findings:
            rows.append(head + ["", "", "", "", "", "", render("findings-report-no-findings")])
        for finding in report.findings:
            rows.append(head + _finding_cells(finding))
    return rows


def _finding_cells(finding: Finding) -> list[object]:
    return [finding.code, render(f"severity-{finding.severity}"), finding.sheet or "", finding.cell or "",
            finding.indicator or "", _cell_value(finding.value), finding.message]


def _cell_value(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return str(value)


def write_findings_report(batch: BatchReport, path: str | Path) -> Path:
    """Write the findings workbook atomically; returns its path."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = render("findings-report-sheet")
    sheet.append(render("findings-report-columns").split("|"))
    for cell in sheet[1]:
        cell.font = Font(name=FONT_NAME, bold=True)
        cell.fill = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
    for row in findings_rows(batch):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(name=FONT_NAME)
        sheet.cell(row=sheet.max_row, column=len(row)).alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in range(2, sheet.max_row + 1):
        fit_row_height(sheet, row, {get_column_letter(len(WIDTHS)): WIDTHS[-1]})
    sheet.freeze_panes = "A2"
    print_on_a4(sheet, landscape=True, title_rows="1:1")
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(WIDTHS))}{max(sheet.max_row, 2)}"
    path = Path(path)
    write_with(path, workbook.save)
    return path
