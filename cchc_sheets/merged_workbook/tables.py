"""``Tổng hợp`` for a form of tables: every table laid out as in the form (header levels merged,
TT, row header, unit, value columns), each total a reference to ``Chi tiết``'s total row.

Sums of counts and numbers, yes/no as the number of units answering Có, computed cells
recomputed on the totals (a ratio of sums), choices as counts per choice; dates and texts
are listed on ``Chi tiết``, not summed.
"""
from __future__ import annotations

from collections import Counter

from .. import a1
from .. import layout as L
from ..model import Consolidation
from ..xlsx_stream import Formula, Sheet
from .cells import PERCENT_FORMAT, Palette, Widths, cell, header_cells, print_on_a4, table_row



def write_table_summary(sheet: Sheet, palette: Palette, consolidation: Consolidation, detail) -> None:
    from .figures import write_summary_heading

    form = consolidation.form
    layouts = [L.TableLayout(table) for table in form.tables]
    last_column = max(a1.column_number(tl.last_column) for tl in layouts)
    row = write_summary_heading(sheet, palette, consolidation, last_column)
    counted = [s.report for s in consolidation.unit_statuses if s.counted]
    header_style = header_cells(palette, [""])[0][2]
    widths = Widths()
    for tl in layouts:
        if len(layouts) > 1:
            sheet.write_row(row, [cell(palette, 1, tl.table.title, bold=True)])
            row += 1
        shift = row - tl.header_row
        columns = range(1, a1.column_number(tl.last_column) + 1)
        texts = {a1.split_cell(h.cell): h.text for h in tl.header_cells}
        for level in range(tl.depth):
            number = tl.header_row + level
            sheet.write_row(number + shift, [(c, texts.get((number, c)), header_style) for c in columns],
                            height=48 if level == tl.depth - 1 else 32)
        for header in tl.header_cells:
            if header.merge:
                first, last = (a1.split_cell(part) for part in header.merge.split(":"))
                sheet.merge(first[0] + shift, first[1], last[0] + shift, last[1])
        row += tl.depth
        for table_row_ in tl.table.rows:
            cells = [cell(palette, 1, table_row_.tt, align="center", border=True, bold=table_row_.total),
                     cell(palette, 2, table_row_.label, wrap=True, border=True, bold=table_row_.total)]
            if tl.unit_column:
                cells.append(cell(palette, 3, table_row_.unit, align="center", border=True))
            for column in tl.table.columns:
                key = form.cell_key(tl.table, table_row_.code, column.code)
                cells.append(_total_cell(palette, consolidation, detail, form.indicator(key),
                                         a1.column_number(tl.value_columns[column.code]), counted))
            widths.see(cells[:2])
            sheet.write_row(row, table_row(palette, cells, 1, a1.column_number(tl.last_column)))
            row += 1
        row += 1
    fixed = {1: 6, 2: 34, 3: 12}
    for tl in layouts:
        for letter in tl.value_columns.values():
            fixed[a1.column_number(letter)] = 13
        if tl.note_column:
            fixed[a1.column_number(tl.note_column)] = 22
    sheet.widths = widths.result(fixed)
    sheet.freeze = "C8"
    print_on_a4(sheet, landscape=last_column > 6, title_row=None)


def _total_cell(palette: Palette, consolidation: Consolidation, detail, item, column: int, counted) -> tuple:
    if item.code in consolidation.totals:
        value = consolidation.totals[item.code]
        reference = detail.reference(item.code, detail.total_row)[1:]
        if value is None:
            return cell(palette, column, None, border=True)
        number_format = PERCENT_FORMAT if item.kind == "percent" else ("#,##0" if float(value).is_integer()
                                                                       else "#,##0.##")
        return column, Formula(reference, value), palette(bold=item.total, number_format=number_format, border=True)
    if item.kind == "choice":
        labels = {c.value: c.label for c in consolidation.form.choices.get(item.choices, ())}
        counts = Counter(r.texts.get(item.code) for r in counted if r.texts.get(item.code))
        text = "; ".join(f"{labels.get(value, value)}: {n}" for value, n in counts.most_common()) or "—"
        return cell(palette, column, text, wrap=True, border=True, align="center")
    return cell(palette, column, "xem Chi tiết", italic=True, wrap=True, border=True, align="center")
