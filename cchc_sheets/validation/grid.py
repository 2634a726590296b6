"""Where the main table actually sits in a return: headings and labels found wherever they moved."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .. import layout as L
from .plan import FormPlan

HEADER_SEARCH_ROWS = 40


@dataclass
class Grid:
    """Where the main table actually sits in this workbook (rows/columns may have moved)."""

    columns: dict[str, str]                      # layout column (A..E) -> actual column
    header_row: int | None
    rows: dict[str, int | None]                  # indicator code -> actual row
    reporter_rows: dict[str, int | None]
    answer_rows: dict[str, int]
    missing_columns: list[str] = field(default_factory=list)

    def value_cell(self, code: str) -> str:
        return f"{self.columns[L.COL_VALUE]}{self.rows[code]}"

    def note_cell(self, code: str) -> str:
        return f"{self.columns[L.COL_NOTE]}{self.rows[code]}"

    @property
    def columns_moved(self) -> bool:
        return any(layout_col != actual for layout_col, actual in self.columns.items()) or bool(self.missing_columns)


def _rows_by_label(cells: list[tuple[str, int, str]], column: str) -> dict[str, list[int]]:
    """Folded label -> rows where it appears in ``column``."""
    found: dict[str, list[int]] = {}
    for col, row, key in cells:
        if col == column:
            found.setdefault(key, []).append(row)
    for rows in found.values():
        rows.sort()
    return found


def _find_header(cells: list[tuple[str, int, str]], plan: FormPlan) -> tuple[int | None, dict[str, str]]:
    """The row holding the column headings and where each heading actually is."""
    wanted = plan.header_keys
    by_row: dict[int, dict[str, str]] = {}
    for col, row, key in cells:
        layout_col = wanted.get(key) if row <= HEADER_SEARCH_ROWS else None
        if layout_col:
            by_row.setdefault(row, {}).setdefault(layout_col, col)
    label_col, value_col = L.COL_LABEL, L.COL_VALUE
    candidates = [row for row, found in by_row.items() if label_col in found and value_col in found]
    if not candidates:
        return None, {}
    row = L.HEADER_ROW if L.HEADER_ROW in candidates else min(candidates)
    return row, by_row[row]


def _pick_row(rows: list[int], expected: int) -> int:
    return expected if expected in rows else rows[0]


def locate(raw_main: dict[str, object], raw_answers: dict[str, object], plan: FormPlan) -> Grid:
    """Find the table by its headings and each row by its label, wherever they ended up."""
    main, answers = tuple(plan.text_cells(raw_main, plan.main_keys)), tuple(plan.text_cells(raw_answers, plan.answer_keys))
    grid = plan.layout_seen(("grid", main, answers), lambda: _locate(main, answers, plan))
    return replace(grid, columns=dict(grid.columns), rows=dict(grid.rows), reporter_rows=dict(grid.reporter_rows),
                   answer_rows=dict(grid.answer_rows), missing_columns=list(grid.missing_columns))


def _locate(raw_main: tuple, raw_answers: tuple, plan: FormPlan) -> Grid:
    """``locate`` for the heading and label cells found (column, row, folded key)."""
    form, layout = plan.form, plan.layout
    header_row, found_columns = _find_header(raw_main, plan)
    columns = {col: found_columns.get(col, col) for col in L.MAIN_COLUMNS}
    missing = [col for col in L.MAIN_COLUMNS if header_row is not None and col not in found_columns]
    labels = _rows_by_label(raw_main, columns[L.COL_LABEL])
    rows: dict[str, int | None] = {}
    for indicator, label_key in zip(form.indicators, plan.indicator_keys):
        expected = layout.indicator_rows[indicator.code]
        candidates = labels.get(label_key)
        rows[indicator.code] = _pick_row(candidates, expected) if candidates else None
    reporter_rows: dict[str, int | None] = {}
    for (key, _, _), label_key in zip(L.REPORTER_FIELDS, plan.reporter_keys):
        candidates = labels.get(label_key)
        reporter_rows[key] = _pick_row(candidates, layout.reporter_rows[key]) if candidates else None
    answer_labels = _rows_by_label(raw_answers, "A")
    answer_rows = {q.code: _pick_row(answer_labels[label_key], layout.answer_rows[q.code])
                   if label_key in answer_labels else layout.answer_rows[q.code]
                   for q, label_key in zip(form.questions, plan.question_keys)}
    return Grid(columns, header_row, rows, reporter_rows, answer_rows, missing)
