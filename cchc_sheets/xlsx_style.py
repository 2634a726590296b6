"""Print set-up and text fitting shared by every workbook the toolkit writes.

LibreOffice does not auto-fit row heights of wrapped text written by openpyxl,
and an unset page set-up prints a wide table over many pages: each writer calls
these instead of setting it up on its own.
"""
from __future__ import annotations

import math

MM_PER_INCH = 25.4
LINE_HEIGHT_PT = 15.5     # one line of 11-12 pt text
FONT_NAME = "Times New Roman"


def print_on_a4(ws, *, landscape: bool, title_rows: str | None = None, area: str | None = None) -> None:
    """A4, one page wide (as many pages tall as needed), centred, header rows repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    margins = ws.page_margins
    margins.left, margins.right = 20 / MM_PER_INCH, 15 / MM_PER_INCH
    margins.top = margins.bottom = 20 / MM_PER_INCH
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    if area:
        ws.print_area = area


def wrapped_lines(text: object, width: float) -> int:
    """How many lines ``text`` takes in a wrapped column of ``width`` characters."""
    if text is None:
        return 1
    per_line = max(width - 1, 1) / 1.1
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def fit_row_height(ws, row: int, widths: dict[str | int, float]) -> None:
    """Make ``row`` tall enough for its wrapped cells; ``widths`` maps column (letter or number) -> width."""
    lines = max(wrapped_lines(_cell(ws, row, column).value, width) for column, width in widths.items())
    ws.row_dimensions[row].height = max(1, lines) * LINE_HEIGHT_PT + 2


def _cell(ws, row: int, column: str | int):
    return ws.cell(row=row, column=column) if isinstance(column, int) else ws[f"{column}{row}"]
