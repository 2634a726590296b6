"""Whole-workbook bounds (issue 18): every hostile file is refused quickly and within memory, measured
in a child process under an address-space cap so a regression cannot take the machine down; only the
form's sheets (and the first visible one) have their cells read."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import hostile
from builders import make_return
from cchc_sheets import layout
from cchc_sheets.identity import identify
from cchc_sheets.reading import read_workbook

ROOT = Path(__file__).resolve().parents[1]
CHILD_MEMORY_CAP = 2 * 1024 ** 3      # a child that would need more is killed, not the machine
MAX_SECONDS, MAX_PEAK_MB = 5.0, 400

_CHILD = """
import json, resource, sys, time
from cchc_sheets.reading import read_workbook
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
started = time.process_time()   # CPU time: the bound is on work done, not on what else the machine runs
raw = read_workbook(sys.argv[1])
print(json.dumps({{"code": raw.problem.code if raw.problem else None,
                  "detail": getattr(raw.problem.params.get("detail"), "code", None) if raw.problem else None,
                  "seconds": time.process_time() - started,
                  "peak_mb": peak_mb()}}))
"""
# ru_maxrss of a child carries the parent's peak over fork+exec on Linux; VmHWM is this image's own.
_PEAK = """
def peak_mb():
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


def read_in_child(path: Path) -> dict:
    """read_workbook in a fresh interpreter under a memory cap: its finding, time and peak memory."""
    code = _CHILD.replace("started = ", _PEAK + "started = ", 1).format(cap=CHILD_MEMORY_CAP)
    done = subprocess.run([sys.executable, "-c", code, str(path)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


BOUNDS = {
    "many-sheet-grids": "detail-workbook-too-many-cells",
    "too-many-sheets": "detail-too-many-sheets",
    "implied-positions": "detail-grid-too-large",
    "ods-repeat-sheets": "detail-too-many-filled-cells",
    "ods-repeat-bomb": "detail-grid-too-large",
    "ods-doctype-repeat-bomb": "detail-grid-too-large",
    "xls-far-corner": "detail-grid-too-large",
    "xls-many-grids": "detail-workbook-too-many-cells",
    "xlsx-many-filled-cells": "detail-too-many-filled-cells",
    "ods-many-filled-cells": "detail-too-many-filled-cells",
}


@pytest.mark.parametrize("kind", sorted(BOUNDS))
def test_whole_workbook_bombs_are_refused_fast_and_small(tmp_path, kind):
    builder, code = hostile.HOSTILE[kind]
    outcome = read_in_child(builder(tmp_path))
    assert (outcome["code"], outcome["detail"]) == (code, BOUNDS[kind])
    assert outcome["seconds"] < MAX_SECONDS
    assert outcome["peak_mb"] < MAX_PEAK_MB


def test_a_workbook_just_under_the_limits_is_read_within_time_and_memory(tmp_path):
    """990,000 real cells on the form's sheet (about 1 MB zipped): read, not refused, in < 5 s and 400 MB."""
    path = tmp_path / "gan-gioi-han.xlsx"
    path.write_bytes(hostile.xlsx_of_sheets([("Báo cáo", hostile.dense_sheet(9900, 100))]))
    outcome = read_in_child(path)
    assert outcome["code"] is None
    assert outcome["seconds"] < MAX_SECONDS and outcome["peak_mb"] < MAX_PEAK_MB


def test_bound_details_name_the_limit(tmp_path):
    raw = read_workbook(hostile.make_many_sheet_grids(tmp_path))
    detail = raw.problem.params["detail"]
    assert detail.params == {"cells": 600 * 3_000_000, "limit": 5_000_000}
    assert "5.000.000" in raw.problem.message("vi") and "5,000,000" in raw.problem.message("en")
    raw = read_workbook(hostile.make_too_many_sheets(tmp_path))
    assert raw.problem.params["detail"].params == {"count": 2500, "limit": 2048}


def test_encrypted_excel_2002_xls_with_writeprot_is_password_protected(tmp_path):
    assert read_workbook(hostile.make_encrypted_xls_writeprot(tmp_path)).problem.code == "file-password-protected"


def test_a_real_small_xls_built_here_reads(tmp_path):
    """The BIFF builder the bombs use writes files calamine reads (so the bombs test the bounds, not damage)."""
    path = tmp_path / "nho.xls"
    path.write_bytes(hostile.cfb_bytes("Workbook", hostile.biff8_stream([("Sheet1", [(0, 0), (3, 2)])])))
    raw = read_workbook(path)
    assert raw.problem is None and raw.sheets[0].cells == {"A1": 1.0, "C4": 1.0}
    assert raw.sheets[0].declared_cells == 12


def test_a_macro_module_with_a_doctype_is_no_bomb(tmp_path):
    path = tmp_path / "macro.ods"
    path.write_bytes(hostile.ods_with_macro_bytes())
    raw = read_workbook(path)
    assert raw.problem is None and raw.sheet(layout.MAIN_SHEET).cells == {"A1": 7.0}
    assert raw.macros


def test_a_return_carrying_macros_gets_an_info_finding(tmp_path, form, units, period):
    import zipfile

    from builders import CLEAN_VALUES
    from cchc_sheets.batch import validate_paths

    path = make_return(tmp_path, form, units.get("T01"), period, CLEAN_VALUES)
    assert not read_workbook(path).macros
    with zipfile.ZipFile(path, "a") as package:
        package.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run")
    report = validate_paths([path], form, units=units, period=period).files[0]
    assert "macros-present" in [f.code for f in report.findings] and report.status == "valid"


# --------------------------------------------------------------------------- which sheets are loaded


def test_only_the_form_sheets_the_first_visible_one_and_small_sheets_are_loaded(tmp_path, form, units, period):
    from cchc_sheets.reading.reader import SMALL_SHEET_CELLS

    def add_sheets(workbook):
        extra = workbook.create_sheet("Thêm")
        for row in range(1, SMALL_SHEET_CELLS // 10 + 2):
            for column in range(1, 11):
                extra.cell(row, column, row)
        workbook.create_sheet("Ẩn").sheet_state = "hidden"
        small = workbook.create_sheet("Nhỏ")
        small["A1"], small["C5"] = "x", 3

    path = make_return(tmp_path, form, units.get("T01"), period, {}, name="them.xlsx", mutate=add_sheets)
    raw = read_workbook(path)
    by_name = {sheet.name: sheet for sheet in raw.sheets}
    assert {layout.MAIN_SHEET, layout.META_SHEET, "Thêm", "Ẩn"} <= set(by_name)
    assert by_name[layout.MAIN_SHEET].loaded and by_name[layout.META_SHEET].loaded
    assert by_name[layout.MAIN_SHEET].cells
    extra = by_name["Thêm"]
    assert not extra.loaded and extra.cells == {} and extra.declared_cells > SMALL_SHEET_CELLS
    assert by_name["Ẩn"].visibility == "hidden"
    assert by_name["Nhỏ"].loaded and by_name["Nhỏ"].cells == {"A1": "x", "C5": 3}   # small: read whatever its name
    assert identify(raw).source == "metadata"


def test_a_pasted_heading_on_the_first_visible_sheet_still_identifies(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sheet2"
    workbook.active.sheet_state = "hidden"
    pasted = workbook.create_sheet("Sheet1")
    for row, text in layout.heading_texts("Xã An Hòa Thịnh", "18118", "6 tháng đầu năm 2020", "20/06/2020",
                                          "UBND huyện Hương Sơn").items():
        pasted[f"A{row}"] = text
    workbook.create_sheet("Khác")["A1"] = "không liên quan"
    path = tmp_path / "dan.xlsx"
    workbook.save(path)
    raw = read_workbook(path)
    assert [sheet.loaded for sheet in raw.sheets] == [True, True, True]   # small sheets are all read
    identity = identify(raw)
    assert identity.source == "heading" and identity.unit_code == "18118" and identity.sheet == "Sheet1"
