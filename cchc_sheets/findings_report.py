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
    header_font, header_fill = Font(name=FONT_NAME, bold=True), PatternFill(fill_type="solid", start_color="DDEBF7",
                                                                            end_color="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = header_font, header_fill
    # Cells are reached by row and column number: sheet[n] and sheet.max_row scan every cell
    # of the sheet, which made 10,000 returns' findings take a minute.
    font, wrap = Font(name=FONT_NAME), Alignment(wrap_text=True, vertical="top")
    last = 1
    for last, row in enumerate(findings_rows(batch), start=2):
        sheet.append(row)
        for column in range(1, len(row) + 1):
            sheet.cell(row=last, column=column).font = font
        sheet.cell(row=last, column=len(row)).alignment = wrap
        fit_row_height(sheet, last, {len(WIDTHS): WIDTHS[-1]})
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    print_on_a4(sheet, landscape=True, title_rows="1:1")
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(WIDTHS))}{max(last, 2)}"
    path = Path(path)
    write_with(path, workbook.save)
    return path
