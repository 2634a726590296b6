"""The findings workbook: one row per finding, ready to filter in Excel.

A file without findings still gets one row (its status), so every input shows up.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from .fileio import write_with
from .messages import render
from .model import BatchReport, Finding
from .xlsx_stream import column_letter
from .xlsx_style import FONT_NAME, LINE_HEIGHT_PT, wrapped_lines

WIDTHS = (38, 12, 26, 16, 22, 11, 12, 8, 10, 22, 90)
HEADER_FILL = "FFDDEBF7"


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
            finding.indicator or "", _cell_value(finding.value), finding.message()]


def _cell_value(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return str(value)


def write_findings_report(batch: BatchReport, path: str | Path) -> Path:
    """Write the findings workbook atomically; returns its path.

    Streamed (``xlsx_stream``), as the consolidated workbook: a province's 10,000
    returns give as many rows, which openpyxl needed seconds to style and save.
    """
    from .xlsx_stream import PageSetup, Style, WorkbookWriter

    book = WorkbookWriter(Style(font_name=FONT_NAME))
    sheet = book.add_sheet(render("findings-report-sheet"))
    header, plain = book.style(bold=True, fill=HEADER_FILL), book.style()
    wrapped = book.style(wrap=True, vertical="top")
    sheet.write_row(1, [(n, title, header) for n, title in enumerate(render("findings-report-columns").split("|"), 1)])
    last = 1
    for last, row in enumerate(findings_rows(batch), start=2):
        *head, message = row
        cells = [(n, value, plain) for n, value in enumerate(head, 1) if value not in (None, "")]
        sheet.write_row(last, cells + [(len(row), message, wrapped)], height=_row_height(message))
    sheet.widths = dict(enumerate(WIDTHS, 1))
    sheet.freeze, sheet.autofilter = "A2", f"A1:{column_letter(len(WIDTHS))}{max(last, 2)}"
    sheet.page = PageSetup(landscape=True, title_rows=(1, 1))

    def save(temporary: Path) -> None:
        with open(temporary, "wb") as handle:
            book.save(handle)

    path = Path(path)
    write_with(path, save)
    return path


def _row_height(message: str) -> float:
    """Tall enough for the wrapped message in the last, widest column."""
    return max(1, wrapped_lines(message, WIDTHS[-1])) * LINE_HEIGHT_PT + 2
