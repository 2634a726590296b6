"""The tables of a form other than the bundled one-column appendix: found, read and recomputed.

Each table is looked for on its sheet: columns by their header path (``Kết quả giải
quyết / Số hồ sơ đã giải quyết / Trả đúng hạn``, read through merged cells, which keep
their text in the top-left cell only), rows by their label. Every cell is parsed by its
kind; computed cells are recomputed from the inputs and never taken from the file, and a
computed cell whose number differs from the recomputation was typed over.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .. import a1
from .. import layout as L
from ..forms import Indicator
from ..values import CellError, format_percent, parse_cell
from ..vnformat import format_number
from .cells import blank, parse_text, plain

HEADER_SEARCH_ROWS = 40
MAX_HEADER_COLUMNS = 200
_TOLERANCE = 1e-6


@dataclass
class TableGrid:
    """Where one table sits in this return."""

    sheet: object | None                         # reading.RawSheet
    columns: dict[str, str | None]               # column code -> letter found
    rows: dict[str, int | None]                  # row code -> row found
    header_found: bool = False
    note_column: str | None = None
    moved_columns: list[tuple[str, str, str]] = field(default_factory=list)   # (code, expected, found)
    addresses: dict[str, str | None] = field(default_factory=dict, repr=False)  # cell key -> where it was found

    def address(self, item: Indicator) -> str | None:
        """Where the cell was found (None: its row or column was not)."""
        return self.addresses.get(item.code)

    def place_cells(self, cells: tuple) -> "TableGrid":
        """Work out ``addresses`` for the table's ``cells`` ((key, row, column) of each, see ``TablePlan``)."""
        columns, rows = self.columns, self.rows
        for code, row, column in cells:
            letter, number = columns.get(column), rows.get(row)
            self.addresses[code] = f"{letter}{number}" if letter and number else None
        return self

    @property
    def found(self) -> bool:
        return self.header_found or any(self.rows.values())


class TablePlan:
    """What every return of one table is compared with, worked out once per form (``FormPlan.tables``):
    the folded keys the table is looked for by, and per cell what its check needs."""

    def __init__(self, table, tl: L.TableLayout, form, plan):
        key = plan.key
        self.table, self.layout = table, tl
        self.row_header = key(table.row_header)
        self.note_key = key(table.note_header) if tl.note_column else None
        self.label_col = a1.column_number(tl.label_column)
        # per value column: (code, expected column number, header path as folded keys)
        self.columns = tuple((c.code, a1.column_number(tl.value_columns[c.code]),
                              tuple(key(part) for part in c.header_path)) for c in table.columns)
        # per row: (code, folded label, expected row)
        self.rows = tuple((r.code, key(r.label), tl.rows[r.code]) for r in table.rows)
        self.cells = tuple((i.code, i.row, i.column) for i in form.indicators if i.table == table.code)


class CellPlan:
    """What checking one cell of a table needs, the same in every return."""

    __slots__ = ("item", "code", "table", "computed", "choices", "numeric", "row_key", "bounds", "whole")

    def __init__(self, item: Indicator, form, layout: L.Layout):
        self.item, self.code, self.table, self.computed = item, item.code, item.table, item.computed
        self.choices = form.choices.get(item.choices, ()) if item.choices else ()
        self.numeric = item.is_numeric
        self.row_key = layout.row_key(item.code)
        # A count or number cell holding a number inside these bounds has no finding (``values``'
        # range checks): most cells of most returns, taken without building a CellResult.
        self.whole = item.kind == "count"
        self.bounds = _quiet_bounds(item) if item.kind in ("count", "number") else None


def _quiet_bounds(item: Indicator) -> tuple[float, float]:
    """(low, high): a number ``values._checked_number`` finds nothing to say about lies in between."""
    low = -math.inf if item.min is None else item.min
    if item.kind == "count" or (item.min is not None and item.min >= 0):
        low = max(low, 0)
    return low, math.inf if item.max is None else item.max


def table_plans(form, layout: L.Layout, plan) -> tuple[dict[str, TablePlan], tuple[CellPlan, ...]]:
    """Every table's ``TablePlan`` and every cell's ``CellPlan`` (in form order), for ``FormPlan``."""
    tables = {t.code: TablePlan(t, layout.tables[t.code], form, plan) for t in form.tables}
    return tables, tuple(CellPlan(i, form, layout) for i in form.indicators)


def locate_tables(checker) -> dict[str, TableGrid]:
    """Every table of the form in the return, by header path and row label."""
    grids = {}
    plans = checker.plan.tables
    for n, table in enumerate(checker.form.tables):
        sheet = checker.sheets.main if n == 0 else checker.raw.sheet(table.sheet)
        grids[table.code] = _locate(sheet, plans[table.code], checker.plan)
    return grids


def _locate(sheet, tp: TablePlan, plan) -> TableGrid:
    tl = tp.layout
    if sheet is None:
        return TableGrid(None, {c: None for c in tl.value_columns}, {r.code: None for r in tl.table.rows})
    texts = plan.grid_texts(sheet.cells)
    row_header, header_row = tp.row_header, tl.header_row
    label_col, top = tp.label_col, header_row
    candidates = sorted(place for place, text in texts.items() if text == row_header and place[0] <= HEADER_SEARCH_ROWS)
    if candidates:
        top, label_col = next((place for place in candidates if place[0] == header_row), candidates[0])
    bottom = top + tl.depth - 1
    header: list[tuple[tuple[int, int], str]] = []     # the texts of the header rows
    labels: list[tuple[int, str]] = []                  # the texts of the label column below them
    for place, text in texts.items():
        row = place[0]
        if top <= row <= bottom:
            header.append((place, text))
        elif place[1] == label_col and row > bottom:
            labels.append((row, text))
    # Everything below depends on these texts alone: worked out once per distinct layout.
    key = (id(tp), top, label_col, bool(candidates), tuple(header), tuple(labels))
    found = plan.layout_seen(key, lambda: _place(tp, top, label_col, bool(candidates), dict(header), labels))
    columns, rows, header_found, note, moved, addresses = found
    return TableGrid(sheet, dict(columns), dict(rows), header_found, note, list(moved), dict(addresses))


def _place(tp: TablePlan, top: int, label_col: int, header_found: bool, header: dict[tuple[int, int], str],
           label_rows: list[tuple[int, str]]) -> tuple:
    """Columns by header path and rows by label: (columns, rows, header_found, note, moved, addresses)."""
    tl = tp.layout
    bottom = top + tl.depth - 1
    labels: dict[str, list[int]] = {}
    for row, text in label_rows:
        labels.setdefault(text, []).append(row)
    by_path: dict[tuple[str, ...], list[int]] = {}
    for col, path in _column_paths(header, top, bottom, label_col).items():
        by_path.setdefault(path, []).append(col)
    columns, moved = {}, []
    shift = label_col - tp.label_col
    for code, expected, path in tp.columns:
        found = by_path.get(path)
        if not found:
            columns[code] = None
            continue
        col = expected + shift if expected + shift in found else found[0]
        letter = columns[code] = a1.column_letter(col)
        if col != expected + shift:
            moved.append((code, tl.value_columns[code], letter))
    rows = {}
    offset = top - tl.header_row
    for code, label, expected in tp.rows:
        found_rows = labels.get(label)
        if found_rows:
            expected += offset
            rows[code] = expected if expected in found_rows else min(found_rows)
        else:
            rows[code] = None
    note = None
    if tp.note_key is not None:
        note_key = tp.note_key
        found_notes = [place for place, t in header.items() if t == note_key]
        note = a1.column_letter(min(found_notes)[1]) if found_notes else None
    grid = TableGrid(None, columns, rows, header_found, note, moved).place_cells(tp.cells)
    return columns, rows, header_found, note, tuple(moved), grid.addresses


def _column_paths(texts: dict[tuple[int, int], str], top: int, bottom: int, label_col: int) -> dict[int, tuple]:
    """Column number -> its header path as the file shows it, merged cells read from their top-left cell."""
    columns = sorted({c for (r, c) in texts if top <= r <= bottom and label_col < c <= label_col + MAX_HEADER_COLUMNS})
    if not columns:
        return {}
    paths = {}
    for col in range(label_col + 1, columns[-1] + 1):
        path, own = [], False
        for row in range(top, bottom + 1):
            text = texts.get((row, col))
            if text:
                path.append(text)
                own = True
                continue
            if own:
                break                      # a label merged down over the rows below it
            left = next((texts[(row, c)] for c in range(col - 1, label_col, -1) if (row, c) in texts), None)
            if left:
                path.append(left)
        if own:
            paths[col] = tuple(path)
    return paths


# --------------------------------------------------------------------------- values


def _shown(item: Indicator, number: float | int) -> str:
    if item.kind == "percent":
        return format_percent(number)
    return format_number(round(number, 6) if isinstance(number, float) else number, decimals=6)


def check_values(checker, grids: dict[str, TableGrid]) -> None:
    """Findings for every table's layout and cells; values, texts and notes into the report."""
    form, report = checker.form, checker.report
    layout = checker.layout
    for table in form.tables:
        grid, tl = grids[table.code], layout.tables[table.code]
        sheet_name = grid.sheet.name if grid.sheet is not None else table.sheet
        if not grid.found:
            checker.add("table-missing", sheet=table.sheet, table=table.title, table_code=table.code)
            continue
        for code, expected, found in grid.moved_columns:
            column = table.column(code)
            checker.add("column-moved", sheet=sheet_name, cell=f"{found}{tl.header_row}", table=table.title,
                        table_code=table.code, column=" / ".join(column.header_path), column_code=code,
                        expected_column=expected, found_column=found)
        for code, letter in grid.columns.items():
            if letter is None:
                column = table.column(code)
                checker.add("column-missing", sheet=sheet_name, cell=f"{tl.value_columns[code]}{tl.header_row}",
                            table=table.title, table_code=table.code, column=" / ".join(column.header_path),
                            column_code=code)
        offset = None
        for row in table.rows:
            found = grid.rows[row.code]
            expected = tl.rows[row.code]
            if found is None:
                checker.add("row-missing", sheet=sheet_name, indicator=form.cell_key(table, row.code), label=row.label,
                            table_code=table.code, row_code=row.code)
            elif found != expected and found - expected != offset:
                offset = found - expected
                checker.add("row-moved", sheet=sheet_name, cell=f"{tl.label_column}{found}",
                            indicator=form.cell_key(table, row.code), found_row=found, expected_row=expected,
                            table_code=table.code, row_code=row.code)
    values, texts, notes = report.values, report.texts, report.notes
    for cell in checker.plan.cells:
        grid = grids[cell.table]
        sheet = grid.sheet
        if sheet is None:
            continue
        code = cell.code
        address = grid.addresses.get(code)
        if address is None:
            values[code] = None
            continue
        if cell.computed:
            continue
        raw_value = sheet.cells.get(address)
        bounds = cell.bounds
        if bounds is not None and (raw_value.__class__ is int or raw_value.__class__ is float):
            number = raw_value
            if number.__class__ is float:
                if number.is_integer():
                    number = int(number)
                elif cell.whole or not math.isfinite(number):
                    number = None              # a fraction in a count, NaN, infinity: parse_cell says so
            if number is not None and bounds[0] <= number <= bounds[1]:
                values[code] = number          # what parse_cell gives a number with nothing to say about it
                continue
        item = cell.item
        if blank(raw_value) and address in sheet.formulas_without_value:   # the formula scan is lazy: blanks first
            checker.add("formula-without-value", label=item.label, **_where(sheet, address, item))
            values[code] = None
            continue
        result = parse_cell(raw_value, item, cell.choices)
        if result.issues:
            _issues(checker, result.issues, item, raw_value, _where(sheet, address, item))
        if cell.numeric:
            values[code] = result.number
        else:
            values[code] = None
            if result.text:
                texts[code] = result.text
        if result.remark:
            notes[cell.row_key] = result.remark
    _computed(checker, grids)
    _notes(checker, grids)


def _where(sheet, address: str, item: Indicator) -> dict:
    """The place a finding about ``item``'s cell names."""
    return dict(sheet=sheet.name, cell=address, indicator=item.code, table_code=item.table, row_code=item.row,
                column_code=item.column)


def _issues(checker, issues, item: Indicator, raw_value, where: dict) -> None:
    for issue in issues:
        params = dict(issue.params)
        shown = params.pop("value", raw_value)
        params.setdefault("label", item.label)
        finding = checker.add(issue.code, value=plain(shown), **where, **params)
        finding.value = plain(raw_value if not blank(raw_value) else shown)


def _computed(checker, grids: dict[str, TableGrid]) -> None:
    """Recompute every computed cell from the values read; a different number in the file was typed over."""
    form, values = checker.form, checker.report.values
    for item in form.computed:
        values[item.code] = item.formula.value(values)
    for item in form.computed:
        grid = grids[item.table]
        address = grid.address(item) if grid.sheet is not None else None
        if address is None:
            continue
        raw = grid.sheet.cells.get(address)
        expected = values.get(item.code)
        if (raw.__class__ is float or raw.__class__ is int) and expected is not None \
                and abs(raw - expected) <= _TOLERANCE * max(1.0, abs(expected)):
            continue                     # the file's cached result agrees (most cells of most returns)
        # a formula's error (#VALUE! from a word in an input cell) is the input's finding, not this one
        if expected is None or blank(raw) or isinstance(raw, (CellError, bool)):
            continue
        if isinstance(raw, str):         # typed over with text: '95,5%', '120', 'xem ghi chú'
            number, found = parse_cell(raw, replace(item, formula=None, required=False)).number, raw
        elif isinstance(raw, (int, float)):
            number, found = raw, (_shown(item, raw) if math.isfinite(raw) else str(raw))
        else:                            # a date typed over a number
            number, found = None, str(raw)
        if number is None or not math.isfinite(number) or \
                abs(number - expected) > _TOLERANCE * max(1.0, abs(expected)):
            checker.add("computed-cell-changed", sheet=grid.sheet.name, cell=address, indicator=item.code,
                        table_code=item.table, row_code=item.row, column_code=item.column, value=plain(raw),
                        label=item.label, expected=_shown(item, expected), found=found)


def _notes(checker, grids: dict[str, TableGrid]) -> None:
    form, layout, report = checker.form, checker.layout, checker.report
    for table in form.tables:
        grid = grids[table.code]
        if grid.sheet is None or not table.note_column:
            continue
        letter = grid.note_column or layout.tables[table.code].note_column
        for row in table.rows:
            number = grid.rows[row.code]
            if number is None:
                continue
            address = f"{letter}{number}"
            raw = grid.sheet.cells.get(address)
            note = parse_text(raw, form.note_max_length)
            key = form.cell_key(table, row.code)
            for issue in note.issues:
                params = dict(issue.params)
                shown = params.pop("value", raw)
                params.setdefault("label", row.label)
                checker.add(issue.code, sheet=grid.sheet.name, cell=address, indicator=key, value=plain(shown),
                            **params)
            if note.text:
                earlier = report.notes.get(key)
                report.notes[key] = "; ".join(p for p in (note.text, earlier) if p)


def check_rules(checker, grids: dict[str, TableGrid]) -> None:
    values, layout = checker.report.values, checker.layout
    for rule in checker.form.rules:
        if not rule.applies(values):
            continue
        places = []
        for key in rule.cells:
            item = checker.form.indicator(key)
            grid = grids[item.table]
            address = grid.address(item) if grid.sheet is not None else None
            sheet = grid.sheet.name if grid.sheet is not None else layout.sheet_of(key)
            places.append((sheet, address or layout.value_cell(key)))
        first = rule.cells[0]
        checker.add("rule-failed-at", sheet=places[0][0], cell=places[0][1], indicator=first,
                    value=values.get(first), severity=rule.severity, rule_message=rule.words, rule=rule.code,
                    cells=", ".join(_cell_named_from(places[0][0], sheet, cell) for sheet, cell in places),
                    row_code=rule.row)


def _cell_named_from(own_sheet: str, sheet: str, cell: str) -> str:
    """``D9`` on the finding's own sheet, ``'Cơ sở'!D9`` on another: a cross-table rule's cells
    lie on several sheets, and a bare address would send the commune to the wrong one."""
    if sheet == own_sheet:
        return cell
    quoted = sheet if sheet.isalnum() else "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{cell}"
