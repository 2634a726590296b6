"""A small streaming writer for .xlsx packages, for workbooks of tens of thousands of rows.

openpyxl keeps every cell object until ``save`` (about 10 µs and several hundred bytes a
cell) and XlsxWriter still spends about 6 µs a cell: a national consolidation of 10,000
units has some 700,000 cells. Here each row becomes SpreadsheetML text at once and goes
to a temporary file, so memory stays flat and a cell costs well under a microsecond.

What it writes, and nothing more: shared strings, a fixed set of cell styles, numbers,
dates, formulas *with* their cached value (programs that do not recalculate still see
the totals), column widths, row heights, frozen panes, filters, merged cells, A4 print
set-up with repeated title rows, hidden sheets, one clustered bar chart, and custom XML
data parts (``customXml/itemN.xml``) for machine-readable data kept out of the grid.

Safety: a Python ``str`` is always written as text, never as a formula; text starting
with ``=``, ``+``, ``-`` or ``@`` also gets Excel's quote prefix. Formulas exist only as
``Formula`` values built by our own code. Output is deterministic (fixed zip times).
"""
from __future__ import annotations

from ..a1 import MAX_COLUMNS, column_letter
from ..text import xml_text
from .parts import BarChart, PageSetup
from .sheet import EXCEL_EPOCH, QUOTED_STARTS, Formula, RowFormat, Sheet, cell_ref, excel_serial
from .styles import Style, StyleSheet
from .workbook import ZIP_TIME, CustomXmlPart, WorkbookWriter

__all__ = [
    "BarChart", "CustomXmlPart", "EXCEL_EPOCH", "Formula", "MAX_COLUMNS", "PageSetup", "QUOTED_STARTS",
    "RowFormat", "Sheet", "Style", "StyleSheet", "WorkbookWriter", "ZIP_TIME", "cell_ref", "column_letter",
    "excel_serial", "xml_text",
]
