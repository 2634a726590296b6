"""The figures: ``Chi tiết`` (a row per unit, SUMIFS totals), ``Tổng hợp`` (the appendix) and ``Biểu đồ``."""
from __future__ import annotations

from .. import merge
from ..model import Consolidation, UnitStatus
from ..xlsx_stream import BarChart, Formula, Sheet, cell_ref, column_letter
from .cells import (
    DETAIL_SHEET, NO, PERCENT_FORMAT, STATUS_LABELS, YES, Palette, TableCells, Widths, cell, completeness_text, deadline_text,
    formula_cell, group_label, header_cells, number_format, print_on_a4, table_format, table_row, title_row,
)

SUMMARY_MAX_GROUPS = 12  # more group columns would not print on A4 landscape
DETAIL_HEADER_ROW = 3
DETAIL_FIXED = ("TT", "Mã đơn vị", "Tên đơn vị", "Nhóm", "Tình trạng", "Tính vào tổng")
VIA_HEADER = "Qua đơn vị"   # --detail units: the intermediate unit whose workbook carried the row
DETAIL_UNITS = "units"
CHART_MAX_UNITS = 60
DETAIL_COLUMNS_PER_PAGE = 12
_ROW_SLOT = "\x00"   # where the row number goes in a computed total's formula  # beyond this, bars per unit are unreadable: chart the groups instead


# --------------------------------------------------------------------------- Chi tiết


class DetailLayout:
    """Where rows and columns sit on ``Chi tiết``; the summary sheet refers to its totals."""

    def __init__(self, consolidation: Consolidation):
        self.consolidation = consolidation
        self.indicators = list(consolidation.form.indicators)
        self.by_units = consolidation.detail == DETAIL_UNITS
        self.entries = lowest_entries(consolidation) if self.by_units else None
        self.fixed = DETAIL_FIXED + ((VIA_HEADER,) if self.by_units else ())
        self._columns = {i.code: len(self.fixed) + 1 + n for n, i in enumerate(self.indicators)}
        self.first_unit_row = DETAIL_HEADER_ROW + 1
        rows = len(self.entries) if self.by_units else len(consolidation.unit_statuses)
        self.last_unit_row = self.first_unit_row + max(rows, 1) - 1
        self.total_row = self.last_unit_row + 1
        self.groups = list(consolidation.group_totals)
        # Tổng hợp shows one column per group only while that still prints; beyond, the
        # subtotal rows at the foot of Chi tiết carry them.
        self.summary_groups = self.groups if len(self.groups) <= SUMMARY_MAX_GROUPS else []
        self.group_rows = {g: self.total_row + 1 + n for n, g in enumerate(self.groups)}
        self.counted_column = len(DETAIL_FIXED)   # "Tính vào tổng" stays column F with or without ``via``
        self.group_column = DETAIL_FIXED.index("Nhóm") + 1
        self._spans: dict[int, str] = {}
        self._formula_shapes: dict[tuple[str, bool], str] = {}
        self._sum_heads: dict[str, str] = {}         # code -> '=SUMIFS(values,counted,"Có"'
        self._group_criteria: str | None = None      # ',group span,$D$' (the group row follows)

    def column(self, code: str) -> int:
        return self._columns[code]

    @property
    def last_column(self) -> int:
        return len(self.fixed) + len(self.indicators)

    @staticmethod
    def letter(column: int) -> str:
        return column_letter(column)

    def span(self, column: int) -> str:
        found = self._spans.get(column)  # asked for again on every group's subtotal row
        if found is None:
            col = self.letter(column)
            found = self._spans[column] = f"${col}${self.first_unit_row}:${col}${self.last_unit_row}"
        return found

    def total_formula(self, code: str, group_row: int | str | None = None) -> str:
        """``=SUMIFS(...)`` over the rows marked counted (and of the group on ``group_row``)."""
        head = self._sum_heads.get(code)
        if head is None:   # the same for every group's subtotal row of the column: made once
            values = self.span(self.column(code)).replace("$", "")
            head = self._sum_heads[code] = f'=SUMIFS({values},{self.span(self.counted_column)},"{YES}"'
        if group_row is None:
            return f"{head})"
        if self._group_criteria is None:
            self._group_criteria = f",{self.span(self.group_column)},${self.letter(self.group_column)}$"
        return f"{head}{self._group_criteria}{group_row})"

    def row_shape(self, code: str, group: bool = False) -> str:
        """The formula of a total (or group subtotal) cell, ``_ROW_SLOT`` where its row goes: SUMIFS
        for a summed cell; a computed cell's own formula over the cells of that row, so a ratio is a
        ratio of sums. Made once per column (and kind of row), then only the row changes."""
        key = (code, group)
        shape = self._formula_shapes.get(key)
        if shape is None:
            item = self.consolidation.form.indicator(code)
            if item.formula is None:
                shape = self.total_formula(code, _ROW_SLOT if group else None)[1:]
            else:
                shape = item.formula.excel(lambda ref: f"{self.letter(self.column(ref))}{_ROW_SLOT}")
            self._formula_shapes[key] = shape
        return shape

    def reference(self, code: str, row: int) -> str:
        return f"='{DETAIL_SHEET}'!{self.letter(self.column(code))}{row}"


def write_detail_sheet(sheet: Sheet, palette: Palette, consolidation: Consolidation, layout: DetailLayout) -> None:
    title_row(sheet, palette, 1, f"CHI TIẾT SỐ LIỆU THEO ĐƠN VỊ – {consolidation.period.label.upper()}",
              layout.last_column)
    headers = list(layout.fixed) + [detail_header(i) for i in layout.indicators]
    sheet.write_row(DETAIL_HEADER_ROW, header_cells(palette, headers), height=96)
    widths = Widths()
    rows = DetailUnitRows(sheet, palette, layout)
    if layout.by_units:
        for n, entry in enumerate(layout.entries):
            widths.see_values(rows.write_entry(layout.first_unit_row + n, n + 1, entry))
    else:
        for n, status in enumerate(consolidation.unit_statuses):
            widths.see_values(rows.write(layout.first_unit_row + n, n + 1, status))
    if not (layout.entries if layout.by_units else consolidation.unit_statuses):
        sheet.write_row(layout.first_unit_row, table_row(palette, [], 1, layout.last_column))
    for row, cells in detail_total_rows(palette, consolidation, layout):
        widths.see(c for c in cells if c[0] <= len(layout.fixed))
        sheet.write_row(row, table_row(palette, cells, 1, layout.last_column))
    sheet.freeze = cell_ref(layout.first_unit_row, len(layout.fixed) + 1)
    sheet.autofilter = f"A{DETAIL_HEADER_ROW}:{layout.letter(layout.last_column)}{layout.last_unit_row}"
    sheet.widths = widths.result({layout.column(i.code): 14 for i in layout.indicators})
    # beyond about a dozen value columns one page wide is unreadable: print across pages, names repeated
    pages = max(1, -(-len(layout.indicators) // DETAIL_COLUMNS_PER_PAGE))
    print_on_a4(sheet, landscape=True, title_row=DETAIL_HEADER_ROW, pages_wide=pages,
                title_columns=("A", "C") if pages > 1 else None)


class DetailUnitRows:
    """The units' rows, every column from A to the last indicator (empty ones bordered blanks).

    Grey numbers for a return that is not counted; the blanks stay plain.
    """

    def __init__(self, sheet: Sheet, palette: Palette, layout: DetailLayout):
        plain, grey, first_indicator = TableCells(palette), TableCells(palette, grey=True), len(layout.fixed) + 1
        percent = {layout.column(i.code) for i in layout.indicators if i.kind == "percent"}
        shown_plain = {c: palette(border=True, number_format=PERCENT_FORMAT) if c in percent else plain
                       for c in range(1, layout.last_column + 1)}
        self.counted = table_format(sheet, shown_plain)
        self.not_counted = table_format(
            sheet, {c: (palette(border=True, grey=True, number_format=PERCENT_FORMAT) if c in percent else
                        plain if c < first_indicator else grey) for c in range(1, layout.last_column + 1)},
            blank=plain.text, blank_from=first_indicator)
        self.codes = [i.code for i in layout.indicators]
        self.numeric = [i.is_numeric for i in layout.indicators]

    def write(self, row: int, number: int, status: UnitStatus) -> tuple:
        """Writes the unit's row; returns its fixed columns (for the widths)."""
        unit, counted, report = status.unit, status.counted, status.report
        fixed = (number, unit.code or None, unit.name or None, group_label(unit.group), STATUS_LABELS[status.status],
                 YES if counted else NO)
        shown = self.shown(report.values, report.texts) if report else [None] * len(self.codes)
        (self.counted if counted else self.not_counted).write(row, (*fixed, *shown))
        return fixed

    def write_entry(self, row: int, number: int, entry: "LowestEntry") -> tuple:
        """A lowest-level unit's row (``--detail units``), its ``via`` after the fixed columns."""
        fixed = (number, entry.code or None, entry.name or None, group_label(entry.group),
                 STATUS_LABELS.get(entry.status, entry.status), YES if entry.counted else NO, entry.via or None)
        (self.counted if entry.counted else self.not_counted).write(row, (*fixed, *self.shown(entry.values, entry.texts)))
        return fixed

    def shown(self, values: dict, texts: dict) -> list:
        """The values as the sheet shows them: numbers for a numeric cell, the text of a choice,
        date or text cell, None for nothing."""
        return [value if type(value) is int else merge.number(value) if numeric
                else (texts.get(code) or (None if value == "" else value))
                for code, value, numeric in zip(self.codes, map(values.get, self.codes), self.numeric)]


class LowestEntry:
    """One row of ``--detail units``: a lowest-level unit, the unit it came via, its numbers."""

    __slots__ = ("code", "name", "group", "status", "counted", "values", "texts", "notes", "via", "report")

    def __init__(self, code, name, group, status, counted, values, texts, notes, via, report):
        self.code, self.name, self.group, self.status, self.counted = code, name, group, status, counted
        self.values, self.texts, self.notes, self.via, self.report = values, texts, notes, via, report


def lowest_entries(consolidation: Consolidation) -> list[LowestEntry]:
    """Every lowest-level unit once: the communes inside each lower consolidated workbook (a commune
    in two workbooks only where it is counted, see ``lower_level.check_lower_batch``), and each
    return that is itself a commune's; counted only when its workbook is counted too."""
    found = []
    for status in consolidation.unit_statuses:
        report, unit = status.report, status.unit
        inner = report.lower.get("units") if report is not None else None
        if not inner:
            found.append(LowestEntry(unit.code, unit.name, unit.group, status.status, status.counted,
                                     report.values if report else {}, report.texts if report else {},
                                     report.notes if report else {}, "", report))
            continue
        for record in inner:
            if record.get("twice"):
                continue
            via = " / ".join(v for v in (unit.name, record.get("via", "")) if v)
            counted = status.counted and bool(record.get("counted")) and not record.get("left_out")
            found.append(LowestEntry(record["code"], record.get("name", ""), unit.group, record.get("status", ""),
                                     counted, record.get("values", {}), {}, {}, via, report))
    return found


def detail_header(item) -> str:
    """``05.1. Label (unit)`` for the bundled form; ``Row label / column header path`` for a table cell."""
    if not item.column or item.row == item.code:
        return f"{item.code}. {item.label} ({item.unit})"
    return item.label.replace(" – ", "\n", 1)


def detail_total_rows(palette: Palette, consolidation: Consolidation, layout: DetailLayout):
    """The totals row, then one subtotal row per group: SUMIFS with the computed value cached."""
    totals = TotalCells(palette, layout)
    cells = [cell(palette, 3, "TỔNG CỘNG (các đơn vị tính vào tổng)", bold=True, border=True)]
    cells += totals.cells(consolidation.totals, layout.total_row, group=False)
    yield layout.total_row, cells
    for group, row in layout.group_rows.items():
        cells = [cell(palette, 3, "Cộng nhóm", bold=True, italic=True, border=True),
                 cell(palette, layout.group_column, group_label(group), bold=True, italic=True, border=True)]
        cells += totals.cells(consolidation.group_totals[group], row, group=True)
        yield row, cells


class TotalCells:
    """The formula cells of the totals and subtotal rows (``formula_cell``'s), each column's
    formula shape found once: a form of 72 indicators in 226 groups has 16,000 of them."""

    def __init__(self, palette: Palette, layout: DetailLayout):
        self.palette, self.layout = palette, layout
        self.percent = {i.code for i in layout.indicators if i.kind == "percent"}

    def cells(self, totals: dict, row: int, *, group: bool) -> list[tuple[int, Formula, int]]:
        """``formula_cell`` of each total on ``row`` (bold on the totals row, plain on a group's)."""
        layout, percent, number, bold, palette = self.layout, self.percent, str(row), not group, self.palette
        return [(layout.column(code), Formula(layout.row_shape(code, group).replace(_ROW_SLOT, number), value),
                 palette(bold=bold, number_format=PERCENT_FORMAT if code in percent else number_format(value),
                         border=True))
                for code, value in totals.items()]


# --------------------------------------------------------------------------- Tổng hợp


def write_summary_sheet(sheet: Sheet, palette: Palette, consolidation: Consolidation, layout: DetailLayout) -> None:
    form = consolidation.form
    if not form.simple:
        from .tables import write_table_summary

        write_table_summary(sheet, palette, consolidation, layout)
        return
    last_column = 5 + len(layout.summary_groups)
    header_at = write_summary_heading(sheet, palette, consolidation, last_column)
    if layout.groups and not layout.summary_groups:
        title_row(sheet, palette, 6, f"Số liệu theo {len(layout.groups)} nhóm: xem các dòng “Cộng nhóm” "
                                     "cuối trang Chi tiết.", last_column, bold=False, italic=True, size=11)
    header = header_cells(palette, list(form.columns) +
                          [f"Trong đó: {group_label(g)}" for g in layout.summary_groups])
    sheet.write_row(header_at, header)
    widths = Widths()
    widths.see(header)
    blanks = counted_blanks(consolidation)
    for n, indicator in enumerate(form.indicators):
        cells = summary_row_cells(palette, indicator, consolidation, layout, blanks.get(indicator.code, 0))
        widths.see(cells)
        sheet.write_row(header_at + 1 + n, table_row(palette, cells, 1, last_column))
    last_row = header_at + len(form.indicators)
    sheet.freeze = f"A{header_at + 1}"
    sheet.autofilter = f"A{header_at}:{layout.letter(last_column)}{last_row}"
    sheet.widths = widths.result({1: 6, 2: 62, 3: 14, 4: 14, 5: 30})
    print_on_a4(sheet, landscape=bool(layout.summary_groups), title_row=header_at)


def write_summary_heading(sheet: Sheet, palette: Palette, consolidation: Consolidation, last_column: int) -> int:
    """Parent name, appendix title, form title, period, completeness; returns the header row."""
    form = consolidation.form
    expected = consolidation.expected_count
    sheet.write_row(1, [cell(palette, 1, (consolidation.parent_name or "").upper(), bold=True)])
    title_row(sheet, palette, 2, form.appendix_title or "PHỤ LỤC", last_column)
    title_row(sheet, palette, 3, form.title, last_column)
    title_row(sheet, palette, 4, f"Kỳ báo cáo: {consolidation.period.label}", last_column, bold=False,
              italic=True, size=12)
    line = (f"Số liệu tổng hợp từ {consolidation.counted_count} đơn vị hợp lệ; "
            f"đã nộp {completeness_text(consolidation.submitted_count, expected)}; "
            f"đúng hạn ({deadline_text(consolidation)}) {completeness_text(consolidation.on_time_count, expected)}.")
    title_row(sheet, palette, 5, line, last_column, bold=False, italic=True, size=11)
    return 7


def counted_blanks(consolidation: Consolidation) -> dict[str, int]:
    """Per summed indicator, how many counted units left it empty (``merge.counted_blanks`` for all at once)."""
    counted = [s.report.values for s in consolidation.unit_statuses if s.counted]
    return {code: sum(1 for values in counted if type(value := values.get(code)) is not int  # a number: not blank
                      and merge.number(value) is None)
            for code in consolidation.totals}


def summary_row_cells(palette: Palette, indicator, consolidation: Consolidation, layout: DetailLayout,
                      blanks: int) -> list:
    cells = [cell(palette, 1, indicator.tt, align="center", border=True),
             cell(palette, 2, indicator.label, wrap=True, border=True),
             cell(palette, 3, indicator.unit, align="center", border=True)]
    if indicator.code not in consolidation.totals:
        return cells + [cell(palette, 5, "Không cộng dồn (xem trang Chi tiết)", italic=True, wrap=True, border=True)]
    total = layout.reference(indicator.code, layout.total_row)[1:]
    cells.append(formula_cell(palette, 4, total, consolidation.totals[indicator.code], bold=False))
    if blanks:
        cells.append(cell(palette, 5, f"{blanks} đơn vị để trống", italic=True, wrap=True, border=True))
    for n, group in enumerate(layout.summary_groups):
        value = consolidation.group_totals[group][indicator.code]
        reference = layout.reference(indicator.code, layout.group_rows[group])[1:]
        cells.append(formula_cell(palette, 6 + n, reference, value, bold=False))
    return cells


# --------------------------------------------------------------------------- Biểu đồ


def chart_indicators(consolidation: Consolidation, table=None) -> list[str]:
    """The main indicators: top-level rows that add up; for a table of a form of tables (the
    first by default), the typed cells of its total row (or of its first row) that add up."""
    form = consolidation.form
    if form.simple:
        return [i.code for i in form.indicators if i.parent is None and i.code in consolidation.totals]
    table = table or form.tables[0]
    row = next((r for r in table.rows if r.total), table.rows[0])
    typed_columns = {c.code for c in table.columns if c.formula is None and c.kind in ("count", "number")}
    return [i.code for i in form.indicators if i.table == table.code and i.row == row.code
            and i.column in typed_columns and i.code in consolidation.totals]


def chart_tables(consolidation: Consolidation) -> list:
    """The tables that get a chart sheet: the one table, or each table with something to chart."""
    form = consolidation.form
    if form.simple or len(form.tables) == 1:
        return [None]
    return [table for table in form.tables if chart_indicators(consolidation, table)] or [None]


def chart_label(item) -> str:
    if item.row == item.code:
        return f"{item.code}. {item.label}"
    return item.label


def write_chart_sheet(sheet: Sheet, palette: Palette, consolidation: Consolidation, layout: DetailLayout,
                      table=None) -> None:
    """Main indicators by unit (from Chi tiết); by group for a large list with groups; for a form of
    several tables, one sheet per ``table``."""
    by_group = layout.last_unit_row - layout.first_unit_row + 1 > CHART_MAX_UNITS and bool(layout.groups)
    first, last = ((min(layout.group_rows.values()), max(layout.group_rows.values())) if by_group
                   else (layout.first_unit_row, layout.last_unit_row))
    what = "NHÓM" if by_group else "ĐƠN VỊ"
    sheet.write_row(1, [cell(palette, 1, f"CÁC CHỈ TIÊU CHÍNH THEO {what} – {consolidation.period.label.upper()}",
                             bold=True, size=13)])
    sheet.write_row(2, [cell(palette, 1, "Số liệu lấy từ trang Chi tiết (đơn vị có lỗi hiển thị theo số đã gửi, "
                                         "không tính vào tổng).", italic=True, size=11)])
    series = [(chart_label(consolidation.form.indicator(code)), layout.column(code))
              for code in chart_indicators(consolidation, table)]
    sheet.chart = BarChart(
        title=f"{table.title if table is not None else consolidation.form.title} – {consolidation.period.label}", sheet=DETAIL_SHEET,
        category_column=layout.group_column if by_group else 3, first_row=first, last_row=last, series=series,
        x_title=what.capitalize(), y_title="Số lượng", anchor=(4, 1),
        size_cm=(26, max(10, 0.9 * (last - first + 1) + 4)))
    sheet.widths = {1: 12}
    print_on_a4(sheet, landscape=True)
