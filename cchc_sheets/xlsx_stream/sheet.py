"""Worksheets: rows turned into SpreadsheetML as they come and spooled to a temporary file."""
from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import TYPE_CHECKING

from ..a1 import cell_address, column_letter, column_number
from ..text import xml_text
from .parts import A4, MAIN_NS, REL_NS, XML_DECLARATION, BarChart, PageSetup

if TYPE_CHECKING:
    from .workbook import WorkbookWriter

EXCEL_EPOCH = datetime(1899, 12, 30)
QUOTED_STARTS = ("=", "+", "-", "@")


def cell_ref(row: int, column: int) -> str:
    """(7, 27) -> 'AA7'."""
    return cell_address(row, column)


def excel_serial(value: datetime | date) -> float:
    """Days since 1899-12-30, as Excel stores dates (naive: the caller picks the time zone)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return (value - EXCEL_EPOCH).total_seconds() / 86400


@dataclass(frozen=True)
class Formula:
    """A formula (without ``=``) and the value it computes, written as the cached value."""

    text: str
    value: float | int


class CellOpens(dict):
    """column -> ``<c r="`` and its letters, made on first use."""

    def __missing__(self, column: int) -> str:
        opening = self[column] = f'<c r="{column_letter(column)}'
        return opening


class CellHeads(dict):
    """style index -> what follows a cell's row number up to its value, made on first use."""

    def __init__(self, tail: str):
        super().__init__()
        self.tail = tail

    def __missing__(self, style: int) -> str:
        head = self[style] = f'" s="{style}"{self.tail}'
        return head



# --------------------------------------------------------------------------- sheets


@dataclass
class Sheet:
    """One worksheet being written: rows must come in increasing order."""

    book: WorkbookWriter
    name: str
    hidden: bool = False
    widths: dict[int, float] = field(default_factory=dict)
    freeze: str | None = None          # top-left cell of the scrolling area, e.g. "D7"
    autofilter: str | None = None      # e.g. "A6:N106"
    page: PageSetup | None = None
    chart: BarChart | None = None
    merges: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._rows = tempfile.TemporaryFile()
        self._buffer: list[str] = []
        self._last_row = 0
        self._max_column = 1

    def write_row(self, row: int, cells: Iterable[tuple[int, object, int]], height: float | None = None) -> None:
        """``cells``: (column, value, style index) in increasing column order; None is a styled blank.

        The loop is written out by hand: it runs once per cell of the whole workbook. The usual
        cell (text that needs no quote prefix, a whole number, a blank) is one concatenation of
        ready-made pieces: its column's opening, the row number, its style's head, the value.
        Anything else goes through ``_cell``.
        """
        book = self.book
        opens, plain_strings = book._cell_opens, book._plain_strings
        text_heads, number_heads, blank_heads = book._text_heads, book._number_heads, book._blank_heads
        number = str(row)
        append = self._buffer.append
        append(self._row_opening(row, number, height))
        column = 1
        for column, value, style in cells:
            kind = type(value)
            if kind is str:
                index = plain_strings.get(value) or book.new_plain_index(value)
                if index is None:
                    append(self._cell(row, column, value, style))
                else:
                    append(f"{opens[column]}{number}{text_heads[style]}{index}</v></c>")
            elif kind is int:
                append(f"{opens[column]}{number}{number_heads[style]}{value}</v></c>")
            elif value is None:
                append(f"{opens[column]}{number}{blank_heads[style]}")
            elif kind is Formula and type(value.value) in _FINITE_CACHED and math.isfinite(value.value):
                # a subtotal row is mostly these: as ``_cell`` writes one, without its type tests
                append(f'{opens[column]}{number}" s="{style}"><f>{xml_text(value.text)}</f>'
                       f"<v>{_number(value.value)}</v></c>")
            else:
                append(self._cell(row, column, value, style))
        append("</row>")
        self._row_written(column)

    def _row_opening(self, row: int, number: str, height: float | None) -> str:
        """``<row ...>``, after checking that rows come in order."""
        if row <= self._last_row:
            raise ValueError(f"row {row} written after row {self._last_row} on sheet {self.name!r}")
        self._last_row = row
        if not height:
            return f'<row r="{number}">'
        return f'<row r="{number}" ht="{self.book.height_text(height)}" customHeight="1">'

    def _row_written(self, last_column: int) -> None:
        if last_column > self._max_column:
            self._max_column = last_column
        if len(self._buffer) >= 5000:  # cells or whole rows: a few hundred kB of XML
            self._flush()

    def row_format(self, columns: list[tuple[int, dict[type, int]]],
                   other: Callable[[int, object], tuple[int, object, int]]) -> "RowFormat":
        """See ``RowFormat``: for the many rows of a big table."""
        return RowFormat(self, columns, other)

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        self.merges.append(f"{cell_ref(first_row, first_column)}:{cell_ref(last_row, last_column)}")

    def _cell(self, row: int, column: int, value: object, style: int) -> str:
        """The less common values: floats, formulas, dates; anything else as its text."""
        ref = cell_address(row, column)
        if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
            value = str(value)  # Excel has no NaN: show it rather than fail the workbook
        if isinstance(value, str):
            if value.startswith(QUOTED_STARTS):
                style = self.book.styles.quoted(style)
            return f'<c r="{ref}" s="{style}" t="s"><v>{self.book.shared_string(value)}</v></c>'
        if isinstance(value, (int, float)):
            return f'<c r="{ref}" s="{style}"><v>{_number(value)}</v></c>'
        if isinstance(value, Formula):
            cached = f"<v>{_number(value.value)}</v>" if math.isfinite(value.value) else ""
            return f'<c r="{ref}" s="{style}"><f>{xml_text(value.text)}</f>{cached}</c>'
        if isinstance(value, (datetime, date)):
            return f'<c r="{ref}" s="{style}"><v>{excel_serial(value)!r}</v></c>'
        return self._cell(row, column, str(value), style)

    def _flush(self) -> None:
        self._rows.write("".join(self._buffer).encode("utf-8"))
        self._buffer.clear()

    # ----------------------------------------------------------------- package parts

    def write_xml(self, target, sheet_number: int) -> None:
        """The whole worksheet part: head, the streamed rows, tail."""
        for block in self.xml_blocks(sheet_number):
            target.write(block)

    def xml_blocks(self, sheet_number: int) -> Iterator[bytes]:
        """The worksheet part as bytes: head, the spooled rows in blocks of 1 MB, tail."""
        self._flush()
        yield self._head(sheet_number).encode("utf-8")
        self._rows.seek(0)
        while block := self._rows.read(1 << 20):
            yield block
        self._rows.close()
        yield self._tail().encode("utf-8")

    def _head(self, sheet_number: int) -> str:
        fit = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if self.page else ""
        dimension = f"A1:{cell_ref(max(self._last_row, 1), self._max_column)}"
        selected = ' tabSelected="1"' if sheet_number == 1 else ""
        cols = "".join(f'<col min="{c}" max="{c}" width="{w:.6g}" customWidth="1"/>'
                       for c, w in sorted(self.widths.items()))
        return (f'{XML_DECLARATION}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{fit}'
                f'<dimension ref="{dimension}"/><sheetViews><sheetView workbookViewId="0"{selected}>'
                f"{_pane(self.freeze)}</sheetView></sheetViews>"
                '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")

    def _tail(self) -> str:
        parts = ["</sheetData>"]
        if self.autofilter:
            parts.append(f'<autoFilter ref="{self.autofilter}"/>')
        if self.merges:
            parts.append(f'<mergeCells count="{len(self.merges)}">'
                         + "".join(f'<mergeCell ref="{m}"/>' for m in self.merges) + "</mergeCells>")
        if self.page:
            left, right, top, bottom = (m / 25.4 for m in self.page.margins_mm)
            parts.append(f'<printOptions horizontalCentered="1"/><pageMargins left="{left:.4f}" right="{right:.4f}"'
                         f' top="{top:.4f}" bottom="{bottom:.4f}" header="0.3" footer="0.3"/>'
                         f'<pageSetup paperSize="{A4}" orientation="{"landscape" if self.page.landscape else "portrait"}"'
                         f' fitToWidth="{self.page.pages_wide}" fitToHeight="0"/>')
        if self.chart:
            parts.append('<drawing r:id="rId1"/>')
        parts.append("</worksheet>")
        return "".join(parts)


class RowFormat:
    """Rows of a big table, all with the same columns: each row one ``str.format`` of a ready template.

    ``columns``: (column, {kind of value: style}) in increasing column order, the kinds among
    ``str`` (shared text), ``int``, ``float``, ``datetime`` (naive) and ``NoneType`` (a styled blank);
    ``write`` takes one value per column. For each combination of kinds met, a ``_RowTemplate``
    is made from the columns' letters and style numbers only (never from a value): about five
    times faster than ``Sheet.write_row``'s loop over cells. A row with a value of another
    kind (a formula; a float where its column lists none, or one Excel cannot store) or text
    needing the quote prefix goes to ``Sheet.write_row``,
    ``other(column, value)`` giving the cell of a value of a kind its column does not list.
    """

    def __init__(self, sheet: Sheet, columns: list[tuple[int, dict[type, int]]],
                 other: Callable[[int, object], tuple[int, object, int]]):
        self.sheet, self.columns, self.other = sheet, columns, other
        self.last_column = columns[-1][0]
        self._templates: dict[tuple[type, ...], _RowTemplate | None] = {}

    def write(self, row: int, values: tuple, height: float | None = None) -> None:
        kinds = tuple(map(type, values))
        template = self._templates.get(kinds, _UNSEEN)
        if template is _UNSEEN:
            template = self._templates[kinds] = self._template(kinds)
        sheet = self.sheet
        if template is None:
            sheet.write_row(row, self._cells(values), height)
            return
        number = str(row)
        xml = template.cells(number, values)
        if xml is None:  # text needing the quote prefix
            sheet.write_row(row, self._cells(values), height)
            return
        sheet._buffer.append(sheet._row_opening(row, number, height) + xml)
        sheet._row_written(self.last_column)

    def _cells(self, values: tuple) -> list[tuple[int, object, int]]:
        cells = []
        for (column, styles), value in zip(self.columns, values, strict=True):
            style = styles.get(type(value))
            cells.append(self.other(column, value) if style is None else (column, value, style))
        return cells

    def _template(self, kinds: tuple[type, ...]) -> _RowTemplate | None:
        """The template of rows whose values are of ``kinds``; None when a kind has no style here."""
        if len(kinds) != len(self.columns):
            return None
        pieces, slots, texts, dates, floats = [], [], [], [], []
        for n, ((column, styles), kind) in enumerate(zip(self.columns, kinds)):
            style = styles.get(kind)
            if style is None or kind not in _FORMATTED_KINDS:
                return None
            opening = f'<c r="{column_letter(column)}{_ROW}" s="{style}"'
            if kind is type(None):
                pieces.append(f"{opening}/>")
                continue
            if kind is str:
                texts.append(len(slots))
            elif kind is datetime:
                dates.append(len(slots))
            elif kind is float:
                floats.append(len(slots))
            slots.append(n)
            shared = ' t="s"' if kind is str else ""
            pieces.append(f"{opening}{shared}><v>%s</v></c>")
        book = self.sheet.book
        return _RowTemplate(("".join(pieces) + "</row>").split(_ROW), tuple(slots), tuple(texts), tuple(dates),
                            book._plain_strings.get, book.new_plain_index, tuple(floats))


class _RowTemplate:
    """One combination of kinds: the row's XML with a gap for the row number in every cell
    and a ``%s`` for every value, made of column letters and style numbers only.

    Values are substituted by ``%`` formatting, never parsed: texts as their shared-string
    index, whole numbers as written, dates as their serial.
    """

    __slots__ = ("chunks", "slots", "texts", "dates", "index", "new_index", "floats", "pick")

    def __init__(self, chunks: list[str], slots: tuple[int, ...], texts: tuple[int, ...], dates: tuple[int, ...],
                 index: Callable[[str], str | None], new_index: Callable[[str], str | None],
                 floats: tuple[int, ...] = ()):
        self.chunks = chunks        # the row's XML split where the row number goes
        self.slots = slots          # the positions of the values written (blanks have none)
        self.pick = _picker(slots)  # values -> a list of those
        self.texts, self.dates, self.floats = texts, dates, floats   # which of those are texts, dates, floats
        self.index, self.new_index = index, new_index

    def cells(self, number: str, values: tuple) -> str | None:
        """The row's cells and ``</row>``; new texts join the shared strings in column order (as in
        ``write_row``); None when a text needs the quote prefix or a float is no number Excel can
        store (floats are looked at first, so such a row adds no shared string here)."""
        args = self.pick(values)
        for n in self.floats:       # written as ``Sheet._cell`` writes a float
            value = args[n]
            if not math.isfinite(value):
                return None
            args[n] = str(int(value)) if value.is_integer() else repr(value)
        index = self.index
        for n in self.texts:
            text = args[n]
            written = index(text) or self.new_index(text)
            if written is None:
                return None
            args[n] = written
        for n in self.dates:
            args[n] = repr(excel_serial(args[n]))
        return number.join(self.chunks) % tuple(args)


def _picker(slots: tuple[int, ...]) -> Callable[[tuple], list]:
    """``lambda values: [values[n] for n in slots]``, by ``itemgetter`` (twice as fast for a long row)."""
    if len(slots) < 2:
        return lambda values: [values[n] for n in slots]
    pick = itemgetter(*slots)
    return lambda values: list(pick(values))


_FINITE_CACHED = (int, float)   # a formula's cached value written by ``write_row`` itself (when finite)
_ROW = "\x00"   # where the row number goes in a template (never in letters or style numbers)
_UNSEEN = object()
_FORMATTED_KINDS = (str, int, float, datetime, type(None))


def _number(value: float | int) -> str:
    if type(value) is int:
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"not a number Excel can store: {value!r}")
    return str(int(value)) if value.is_integer() else repr(value)


def _pane(freeze: str | None) -> str:
    if not freeze:
        return ""
    match = re.fullmatch(r"([A-Z]+)(\d+)", freeze)
    column = column_number(match.group(1))
    row = int(match.group(2))
    split = (f' xSplit="{column - 1}"' if column > 1 else "") + (f' ySplit="{row - 1}"' if row > 1 else "")
    pane = ("bottomRight" if column > 1 and row > 1 else "bottomLeft" if row > 1 else "topRight")
    return (f'<pane{split} topLeftCell="{freeze}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{freeze}" sqref="{freeze}"/>')
