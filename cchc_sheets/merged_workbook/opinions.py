"""``Ý kiến``: the communes' answers by question, then their notes by indicator."""
from __future__ import annotations

from collections.abc import Iterator

from ..model import Consolidation, UnitStatus
from ..xlsx_stream import Sheet
from .cells import (
    NUMBER_FORMAT, STATUS_LABELS, Palette, Widths, fitted_height, header_cells, print_on_a4, table_format, table_row,
    title_row,
)

OPINION_COLUMNS = ("TT", "Nội dung", "Mã đơn vị", "Tên đơn vị", "Tình trạng", "Ý kiến, ghi chú")


def opinion_rows(consolidation: Consolidation) -> Iterator[tuple[str, UnitStatus, str]]:
    """(what, unit, text) by question in form order, then notes by indicator; units in list order.

    One pass over what each return holds (not one per question and unit: most returns leave
    most notes empty).
    """
    form = consolidation.form
    answers = {q.code: (q.label, []) for q in form.questions}
    notes = {i.code: (f"Ghi chú – {i.code}. {i.label}", []) for i in form.indicators}
    for status in consolidation.unit_statuses:
        if status.report:
            _collect_texts(status, status.report.answers, answers)
            _collect_texts(status, status.report.notes, notes)
    return ((what, status, text) for what, found in (*answers.values(), *notes.values()) for status, text in found)


def _collect_texts(status: UnitStatus, texts: dict, into: dict[str, tuple[str, list]]) -> None:
    for code, text in texts.items():
        if code in into and str(text or "").strip():
            into[code][1].append((status, text))


OPINION_WIDTHS = {2: 40, 6: 80}


def opinion_height(what: str, text: str) -> float:
    return fitted_height(((what, OPINION_WIDTHS[2]), (text, OPINION_WIDTHS[6])))


def write_opinions_sheet(sheet: Sheet, palette: Palette, consolidation: Consolidation) -> None:
    title_row(sheet, palette, 1, f"Ý KIẾN, GHI CHÚ CỦA CÁC ĐƠN VỊ – {consolidation.period.label.upper()}",
              len(OPINION_COLUMNS))
    header = header_cells(palette, OPINION_COLUMNS)
    sheet.write_row(3, header)
    rows = opinion_rows(consolidation)
    number, plain, wrapped = (palette(border=True, number_format=NUMBER_FORMAT), palette(border=True),
                              palette(wrap=True, border=True))
    table = table_format(sheet, {1: number, 2: wrapped, 3: plain, 4: plain, 5: plain, 6: wrapped})
    units = {id(s): (s.unit.code, s.unit.name or None, STATUS_LABELS[s.status]) for s in consolidation.unit_statuses}
    shown, count = set(), 0
    heights: dict[tuple[str, str], float] = {}  # this sheet's: the same few questions and answers on many rows
    for count, (what, status, text) in enumerate(rows, start=1):
        code, name, label = units[id(status)]
        text = str(text)
        height = heights.get((what, text))
        if height is None:
            height = heights[what, text] = opinion_height(what, text)
        table.write(3 + count, (count, what, code, name, label, text), height=height)
        shown.add(id(status))
    last_row = 3 + max(count, 1)
    if not count:
        sheet.write_row(4, table_row(palette, [], 1, len(OPINION_COLUMNS)))
    widths = Widths()
    widths.see(header + [(1, count, 0)])
    for key, unit in units.items():
        if key in shown:
            widths.see_values(unit, 3)
    sheet.freeze = "A4"
    sheet.autofilter = f"A3:F{last_row}"
    sheet.widths = widths.result(OPINION_WIDTHS)
    print_on_a4(sheet, landscape=True, title_row=3)
