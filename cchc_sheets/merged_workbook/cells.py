"""The consolidated workbook's shared parts: sheet names, labels, styles, cells, widths, print set-up."""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from .. import merge
from ..messages import render
from ..model import Consolidation
from ..vnformat import format_date_short, format_percent
from ..xlsx_stream import Formula, PageSetup, RowFormat, Sheet, WorkbookWriter
from ..xlsx_style import LINE_HEIGHT_PT, wrapped_lines

SUMMARY_SHEET = "Tổng hợp"
DETAIL_SHEET = "Chi tiết"
STATUS_SHEET = "Tình hình nộp"
OPINIONS_SHEET = "Ý kiến"
CHART_SHEET = "Biểu đồ"
META_SHEET = "_cchc_merge"

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
        style["number_format"] = style.get("number_format") or number_format(value)
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
        # one style whatever the value (a percent column's ratios): floats too take the row's template
        styles = ({str: cells, int: cells, float: cells, type(None): cells} if isinstance(cells, int)
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


PERCENT_FORMAT = "0.0%"


def formula_cell(palette: Palette, column: int, formula: str, value, *, bold=True,
                 percent: bool = False) -> tuple[int, Formula, int]:
    """A formula with its computed value cached, so pandas and openpyxl ``data_only`` see the total;
    ``percent``: a fraction shown as 70,9%."""
    return column, Formula(formula, value), palette(bold=bold, number_format=PERCENT_FORMAT if percent else
                                                    number_format(value), border=True)


def number_format(value: float | int | None) -> str:
    """Whole numbers (and None, a total of nothing) as ``NUMBER_FORMAT``, others ``DECIMAL_FORMAT``."""
    return NUMBER_FORMAT if value is None or float(value).is_integer() else DECIMAL_FORMAT


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


def print_on_a4(sheet: Sheet, *, landscape: bool, title_row: int | None = None, pages_wide: int = 1,
                title_columns: tuple[str, str] | None = None) -> None:
    """The shared print set-up of ``xlsx_style.print_on_a4``: A4, one page wide (or ``pages_wide``,
    repeating ``title_columns`` on each), centred, 20/15/20/20 mm."""
    sheet.page = PageSetup(landscape=landscape, title_rows=(title_row, title_row) if title_row else None,
                           margins_mm=A4_MARGINS_MM, pages_wide=pages_wide, title_columns=title_columns)


def group_label(group: str) -> str:
    return group or NO_GROUP


def completeness_text(count: int, expected: int, lang: str = "vi") -> str:
    """"2/3 đơn vị, 66,7%": Vietnamese in the workbook, ``lang`` for a screen."""
    rate = format_percent(count / expected) if expected else "—"
    return render("merge-completeness", lang, count=count, expected=expected, rate=rate)


def deadline_text(consolidation: Consolidation) -> str:
    return format_date_short(consolidation.deadline) if consolidation.deadline else "—"
