"""A layout fingerprint that differs, turned into findings a commune can act on."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import layout as L
from ..forms import Form, Indicator
from ..messages import Listing, phrase
from .cells import plain
from .grid import Grid

if TYPE_CHECKING:
    from .workbook import Checker


def explain_layout(checker: Checker, grid: Grid, seen: list[L.LayoutCell]) -> None:
    """Turn a fingerprint difference into findings a commune can act on."""
    layout, form = checker.layout, checker.form
    explained_rows = False
    if grid.columns_moved:
        checker.add("layout-altered", sheet=L.MAIN_SHEET, cell=f"A{grid.header_row or L.HEADER_ROW}",
                    detail=_columns_detail(grid, form))
        explained_rows = True
    labels = set(checker.plan.indicator_keys) | set(checker.plan.reporter_keys)
    for indicator in form.indicators:
        expected, found = layout.indicator_rows[indicator.code], grid.rows[indicator.code]
        if found is not None and found != expected:
            cell = grid.value_cell(indicator.code)
            checker.add("row-moved", sheet=L.MAIN_SHEET, cell=cell, indicator=indicator.code,
                        value=plain(checker.main.get(cell)), found_row=found, expected_row=expected)
            explained_rows = True
        elif found is None:
            explained_rows |= _missing_or_edited(checker, grid, indicator, labels)
    _remaining_cells(checker, grid, seen, explained_rows)


def _missing_or_edited(checker: Checker, grid: Grid, indicator: Indicator, labels: set[str]) -> bool:
    """An indicator label not found anywhere: edited in place (row still there) or row deleted.

    Returns True when the row is missing (so other cells moved as a consequence).
    """
    expected = checker.layout.indicator_rows[indicator.code]
    label_cell = f"{grid.columns[L.COL_LABEL]}{expected}"
    text = checker.plan.fold(checker.main.get(label_cell))
    if text and checker.plan.key(text) not in labels:
        checker.add("label-changed", sheet=L.MAIN_SHEET, cell=label_cell, indicator=indicator.code,
                    value=text, expected=indicator.label)
        grid.rows[indicator.code] = expected
        return False
    checker.add("row-missing", sheet=L.MAIN_SHEET, cell=label_cell, indicator=indicator.code,
                label=indicator.label)
    return True


def _remaining_cells(checker: Checker, grid: Grid, seen: list[L.LayoutCell], rows_moved: bool) -> None:
    """Layout cells that differ and that no finding above explains: one layout-altered finding."""
    explained = {(L.MAIN_SHEET, f.cell) for f in checker.report.findings if f.code == "label-changed"}
    differing = []
    for expected, actual in zip(checker.layout.layout_cells, seen):
        if expected.text == actual.text or (expected.sheet, expected.cell) in explained:
            continue
        if rows_moved and expected.sheet == L.MAIN_SHEET:
            continue
        differing.append((expected, actual))
    if not differing:
        return
    details = [phrase("layout-detail-cell", sheet=e.sheet, cell=e.cell, found=a.text or "—", expected=e.text or "—")
               for e, a in differing[:3]]
    if len(differing) > 3:
        details.append(phrase("layout-detail-more", count=len(differing) - 3))
    first = differing[0][0]
    checker.add("layout-altered", sheet=first.sheet, cell=first.cell, value=differing[0][1].text or None,
                detail=Listing(tuple(details), prefix="", separator="; "))


def _columns_detail(grid: Grid, form: Form) -> Listing:
    parts = []
    for (layout_col, actual), heading in zip(grid.columns.items(), form.columns):
        if layout_col in grid.missing_columns:
            parts.append(phrase("layout-detail-column-missing", heading=heading, column=layout_col))
        elif actual != layout_col:
            parts.append(phrase("layout-detail-column-moved", heading=heading, found=actual, expected=layout_col))
    return Listing(tuple(parts), prefix="", separator="; ")
