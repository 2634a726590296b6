"""Returned workbooks written the way a commune makes them, for tests that read like the sheet.

    path = make_return(tmp_path, form, unit, period,
                       {"01": 12, "05": "6(lồng ghép)", "05.1": "600 (Lượt người)", "06": "02"})

The template comes from the real writer (``build_base`` + ``stamp``) and the values are
typed by ``fill_workbook`` into the input cells only. ``mutate`` receives the
openpyxl workbook before it is saved, to plant a mistake; the helpers below
(``delete_row``, ``insert_row``, ``edit_label``, ``unprotect``, ``without_metadata``)
are such mutations.
"""
from __future__ import annotations

import importlib.util
import io
import sys
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable

from cchc_sheets import layout
from cchc_sheets.fileio import ascii_slug
from cchc_sheets.forms import Form
from cchc_sheets.periods import Period
from cchc_sheets.units import Unit

TEST_PASSWORD = "test-pw"
GENERATED_AT = datetime(2020, 6, 1, 8, 0, tzinfo=timezone.utc)

# The reference report's own entries (UBND xã An Hòa Thịnh, 6 tháng đầu năm 2020).
REFERENCE_VALUES = {"01": 12, "02": 0, "03": 0, "04": 18, "05": "6(lồng ghép)",
                    "05.1": "600 (Lượt người)", "06": "02", "07": "03",
                    "08": "Hội nghị; mạng xã hội; TT miệng…"}
CLEAN_VALUES = {"01": 12, "02": 0, "03": 0, "04": 18, "05": 6, "05.1": 600, "06": 2, "07": 3, "08": 3}


@lru_cache(maxsize=8)
def _base(form: Form, period: Period, parent: str):
    from cchc_sheets.template import build_base

    return build_base(form, period, parent_name=parent, password=TEST_PASSWORD)


def template_bytes(form: Form, unit: Unit, period: Period, generated_at: datetime = GENERATED_AT) -> bytes:
    from cchc_sheets.template import stamp

    return stamp(_base(form, period, unit.parent), unit, generated_at)


def make_return(tmp_path: Path, form: Form, unit: Unit, period: Period, values: dict[str, object], *,
                notes: dict | None = None, answers: dict | None = None, reporter: dict | None = None,
                name: str | None = None, mutate: Callable | None = None,
                generated_at: datetime = GENERATED_AT) -> Path:
    """Write a filled return into ``tmp_path`` and return its path."""
    from cchc_sheets.template import fill_workbook

    data = fill_workbook(template_bytes(form, unit, period, generated_at), values, notes, answers,
                         reporter, form=form)
    if mutate is not None:
        data = _mutated(data, mutate)
    path = Path(tmp_path) / (name or f"{ascii_slug(unit.name)}.xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


BENCH_PATH = Path(__file__).resolve().parent.parent / "scripts" / "bench.py"


@lru_cache(maxsize=1)
def bench_module():
    """``scripts/bench.py`` as a module (its generator writes returns by editing the XML: fast)."""
    spec = importlib.util.spec_from_file_location("cchc_bench", BENCH_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["cchc_bench"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def quick_return(folder: Path, form: Form, unit: Unit, period: Period, values: dict[str, object],
                 name: str | None = None) -> Path:
    """Like ``make_return`` with numbers only, but the values are written straight into the
    sheet XML (the benchmark's way): a few ms a file where openpyxl takes over 100."""
    data = bench_module().fill_template_bytes(template_bytes(form, unit, period), {
        layout.MAIN_SHEET: {layout.Layout(form).value_cell(code): value for code, value in values.items()}})
    path = Path(folder) / (name or f"{ascii_slug(unit.name)}.xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _mutated(data: bytes, mutate: Callable) -> bytes:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    workbook = mutate(workbook) or workbook
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def chain(*mutations: Callable) -> Callable:
    def apply(workbook):
        for mutation in mutations:
            workbook = mutation(workbook) or workbook
        return workbook
    return apply


# --------------------------------------------------------------------------- planted mistakes


def delete_row(row: int, sheet: str = layout.MAIN_SHEET) -> Callable:
    def apply(workbook):
        workbook[sheet].delete_rows(row)
    return apply


def insert_row(row: int, sheet: str = layout.MAIN_SHEET, text: str | None = None) -> Callable:
    """Insert an empty row at ``row`` (what 'Insert row' in Excel does), optionally typing a label."""
    def apply(workbook):
        workbook[sheet].insert_rows(row)
        if text:
            workbook[sheet][f"{layout.COL_LABEL}{row}"] = text
    return apply


def insert_column(column: int, sheet: str = layout.MAIN_SHEET) -> Callable:
    def apply(workbook):
        workbook[sheet].insert_cols(column)
    return apply


def edit_cell(address: str, value: object, sheet: str = layout.MAIN_SHEET) -> Callable:
    def apply(workbook):
        workbook[sheet][address] = value
    return apply


def edit_label(form: Form, code: str, text: str) -> Callable:
    """Type over an indicator's label in place (column B of its row)."""
    row = layout.Layout(form).indicator_rows[code]
    return edit_cell(f"{layout.COL_LABEL}{row}", text)


def unprotect(*sheets: str) -> Callable:
    def apply(workbook):
        for name in sheets or (layout.MAIN_SHEET, layout.ANSWERS_SHEET):
            workbook[name].protection.sheet = False
    return apply


def set_metadata(key: str, value: object) -> Callable:
    """Change one identity value in the hidden metadata sheet (an old template, another unit...)."""
    def apply(workbook):
        sheet = workbook[layout.META_SHEET]
        for row in sheet.iter_rows(min_col=1, max_col=2):
            if row[0].value == key:
                row[1].value = value
                return
        raise KeyError(key)
    return apply


def without_metadata(workbook):
    """Copy the visible sheets' values into a new workbook: what pasting into a blank file gives."""
    from openpyxl import Workbook

    fresh = Workbook()
    fresh.remove(fresh.active)
    for name in workbook.sheetnames:
        if name == layout.META_SHEET:
            continue
        source, target = workbook[name], fresh.create_sheet(name)
        for row in source.iter_rows():
            for cell in row:
                if cell.value is not None and cell.coordinate not in _merged_followers(source):
                    target[cell.coordinate] = cell.value
    return fresh


def _merged_followers(sheet) -> set[str]:
    followers = set()
    for merged in sheet.merged_cells.ranges:
        cells = [c for row in merged.rows for c in row]
        followers |= {f"{_letter(col)}{row}" for row, col in cells[1:]}
    return followers


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def rename_sheet(old: str, new: str) -> Callable:
    """Rename a sheet (double-click on its tab), the hidden identity untouched."""
    def apply(workbook):
        workbook[old].title = new
    return apply


def add_sheet(name: str, cells: dict | None = None, state: str = "visible", unlock_structure: bool = True) -> Callable:
    """Add a sheet the template never had (needs the workbook structure lock removed in Excel)."""
    def apply(workbook):
        sheet = workbook.create_sheet(name)
        for address, value in (cells or {}).items():
            sheet[address] = value
        sheet.sheet_state = state
        if unlock_structure:
            workbook.security = None
    return apply
