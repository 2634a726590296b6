"""The consolidated workbook an officer opens in Excel, and reading it back for drafts.

Sheets (Vietnamese, A4, frozen headers, filters):

- ``Tổng hợp``   the appendix table (TT | Chỉ tiêu | Đơn vị tính | Số lượng | Ghi chú) with the
                 parent's totals, one extra column per group when the units list has groups;
- ``Chi tiết``   one row per expected unit, one column per indicator, a totals row and group
                 subtotal rows: SUMIFS formulas over the rows marked counted ("Có");
- ``Tình hình nộp`` who submitted, when, on time or late, status, errors and warnings, sender;
                 then every input file with what became of it and why;
- ``Ý kiến``     notes and qualitative answers by question;
- ``Biểu đồ``    a bar chart of the main indicators by unit (``Biểu đồ 1``, ``2``… one per table of a form of several tables);
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

Modules: ``cells`` (names, labels, styles, cell helpers), ``figures`` (Chi tiết, Tổng hợp,
Biểu đồ), ``submissions`` (Tình hình nộp), ``opinions`` (Ý kiến), ``data_part`` (the
marker sheet, the data part, ``read_consolidated``). Their public names are importable
from here, as from the single module this package was.
"""
from __future__ import annotations

from pathlib import Path

from ..fileio import write_with
from ..model import Consolidation
from ..xlsx_stream import Style, WorkbookWriter
from .cells import (  # noqa: F401 - the names importers use
    CHART_SHEET, DETAIL_SHEET, META_SHEET, OPINIONS_SHEET, STATUS_LABELS, STATUS_SHEET, SUMMARY_SHEET, Palette,
    completeness_text, deadline_text, local_time,
)
from .data_part import (  # noqa: F401
    DATA_ITEM_ID, DATA_NAMESPACE, META_FORMAT, META_KIND, data_part_chunks, forked_data_part, is_consolidated_workbook,
    read_consolidated, write_marker_sheet,
)
from .figures import DetailLayout, chart_tables, write_chart_sheet, write_detail_sheet, write_summary_sheet  # noqa: F401
from .opinions import write_opinions_sheet  # noqa: F401
from .submissions import DISPOSITION_LABELS, RECEIVED_SOURCE_LABELS, write_status_sheet  # noqa: F401


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
    data = forked_data_part(consolidation)   # first: a child process may make it while the sheets are written
    book = WorkbookWriter(Style())  # Normal stays Calibri 11: Excel and LibreOffice size columns by it
    palette = Palette(book)
    detail = DetailLayout(consolidation)
    write_summary_sheet(book.add_sheet(SUMMARY_SHEET), palette, consolidation, detail)
    write_detail_sheet(book.add_sheet(DETAIL_SHEET), palette, consolidation, detail)
    write_status_sheet(book.add_sheet(STATUS_SHEET), palette, consolidation)
    write_opinions_sheet(book.add_sheet(OPINIONS_SHEET), palette, consolidation)
    tables = chart_tables(consolidation)
    for n, table in enumerate(tables, 1):
        name = CHART_SHEET if len(tables) == 1 else f"{CHART_SHEET} {n}"
        write_chart_sheet(book.add_sheet(name), palette, consolidation, detail, table)
    write_marker_sheet(book.add_sheet(META_SHEET, hidden=True), consolidation)
    book.add_custom_xml(data.blocks(), DATA_ITEM_ID)
    return book
