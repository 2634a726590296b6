"""A form of our own, written as a form.xlsx, through the whole round trip (issue 14's check).

Two tables: ``hs`` (three-level header, a computed total column, a ratio column, a total row)
on ``Báo cáo`` and ``cs`` (yes/no, choice, date, number, text rows) on its own sheet. Templates
are filled by a typist that finds rows by label and columns by header path (tests/form_typist.py),
some re-saved by LibreOffice; validate must find every planted mistake at its cell, and merge must
total what we sum here.
"""
from __future__ import annotations

import csv
import json
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

import form_typist as T
from cchc_sheets.forms import load_form
from conftest import require_tool

PERIOD = "2020-H1"

# --- the form, as an officer writes it -----------------------------------------------------
SETTINGS = [("key", "value"), ("form_id", "bieu-thu"), ("version", 1), ("title", "BÁO CÁO THỬ"),
            ("subject", "Báo cáo thử {period_label}"), ("appendix_title", "PHỤ LỤC")]
TABLES = [("table", "title", "sheet", "row_header", "unit_column", "note_column"),
          ("hs", "Hồ sơ", "Báo cáo", "Lĩnh vực", "không", "có"),
          ("cs", "Cơ sở vật chất", "Cơ sở", "Nội dung", "có", "có")]
COLUMNS = [("table", "code", "label", "group", "kind", "min", "max", "required", "formula", "aggregate",
            "choices", "help"),
           ("hs", "tong", "Tổng số", "Số hồ sơ", "count", None, None, None, "[:truc-tuyen] + [:truc-tiep]",
            None, None, None),
           ("hs", "truc-tuyen", "Trực tuyến", "Số hồ sơ / Mới tiếp nhận", "count", None, 1000, None, None,
            None, None, None),
           ("hs", "truc-tiep", "Trực tiếp", "Số hồ sơ / Mới tiếp nhận", "count", None, 1000, None, None,
            None, None, None),
           ("hs", "dung-han", "Đúng hạn", "Đã giải quyết", "count", None, None, None, None, None, None, None),
           ("hs", "qua-han", "Quá hạn", "Đã giải quyết", "count", None, None, None, None, None, None, None),
           ("hs", "kinh-phi", "Kinh phí (triệu đồng)", None, "number", None, None, None, None, None, None, None),
           ("hs", "ty-le", "Tỷ lệ đúng hạn", None, "percent", None, None, None,
            "ratio([:dung-han], [:dung-han] + [:qua-han])", None, None, None),
           ("hs", "hai-long", "Tỷ lệ hài lòng", None, "percent", 0, 100, "không", None, None, None, None),
           ("cs", "gia-tri", "Giá trị", None, "count", None, None, None, None, None, None, None)]
ROWS = [("table", "code", "label", "parent", "unit", "kind", "total", "required", "min", "max", "choices"),
        ("hs", "1", "Hộ tịch", None, None, None, None, None, None, None, None),
        ("hs", "2", "Chứng thực", None, None, None, None, None, None, None, None),
        ("hs", "3", "Đất đai", None, None, None, None, None, None, None, None),
        ("hs", "tong", "Tổng cộng", None, None, None, "có", None, None, None, None),
        ("cs", "mc", "Có bộ phận một cửa", None, None, "yesno", None, None, None, None, None),
        ("cs", "muc-do", "Mức độ số hóa", None, None, "choice", None, None, None, None, "muc-do"),
        ("cs", "ngay", "Ngày kiện toàn", None, "ngày", "date", None, None, None, None, None),
        ("cs", "may", "Số máy tính", None, "chiếc", "number", None, None, None, None, None),
        ("cs", "dia-chi", "Địa chỉ trụ sở", None, None, "text", None, "không", None, None, None)]
QUESTIONS = [("code", "label", "section", "help"),
             ("kho-khan", "Khó khăn, vướng mắc", "kho-khan", "Mỗi ý một dòng."),
             ("kien-nghi", "Kiến nghị, đề xuất", "kien-nghi", None)]
RULES = [("code", "when", "severity", "message", "message_en", "table", "cells"),
         ("giai-quyet-qua-nhan", "[:dung-han] + [:qua-han] > [:tong]", "error",
          "Số đã giải quyết lớn hơn số nhận.", "Resolved exceeds received.", "hs", ":dung-han, :qua-han, :tong"),
         ("ho-so-khong-mot-cua", "[hs!tong:tong] > 0 and [cs!mc] == 0", "warning",
          "Có hồ sơ nhưng không có bộ phận một cửa.", None, None, None)]
CHOICES = [("list", "value", "label"), ("muc-do", "co-ban", "Cơ bản"), ("muc-do", "nang-cao", "Nâng cao"),
           ("muc-do", "toan-trinh", "Toàn trình")]
FORM_SHEETS = {"settings": SETTINGS, "tables": TABLES, "columns": COLUMNS, "rows": ROWS, "questions": QUESTIONS,
               "rules": RULES, "choices": CHOICES}


def write_form(path: Path, sheets=FORM_SHEETS) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


UNITS_CSV = """code,name,parent,email,group
U1,Xã Một,UBND huyện Thử,u1@example.org,Khu A
U2,Xã Hai,UBND huyện Thử,u2@example.org,Khu A
U3,Xã Ba,UBND huyện Thử,u3@example.org,Khu B
U4,Xã Bốn,UBND huyện Thử,u4@example.org,Khu B
E1,Xã Lỗi,UBND huyện Thử,e1@example.org,Khu B
E2,Xã Chèn Cột,UBND huyện Thử,e2@example.org,Khu B
E3,Xã Chèn Dòng,UBND huyện Thử,e3@example.org,Khu B
"""

# --- what each commune types, by row label and header path ---------------------------------
HS_ROWS = {"1": "Hộ tịch", "2": "Chứng thực", "3": "Đất đai"}
HS_INPUTS = {"truc-tuyen": ("Số hồ sơ", "Mới tiếp nhận", "Trực tuyến"),
             "truc-tiep": ("Số hồ sơ", "Mới tiếp nhận", "Trực tiếp"),
             "dung-han": ("Đã giải quyết", "Đúng hạn"), "qua-han": ("Đã giải quyết", "Quá hạn"),
             "kinh-phi": ("Kinh phí (triệu đồng)",), "hai-long": ("Tỷ lệ hài lòng",)}
HS_TOTAL = ("Số hồ sơ", "Tổng số")
CS_ROWS = {"mc": "Có bộ phận một cửa", "muc-do": "Mức độ số hóa", "ngay": "Ngày kiện toàn", "may": "Số máy tính",
           "dia-chi": "Địa chỉ trụ sở"}
CS_VALUE = ("Giá trị",)
# (truc-tuyen, truc-tiep, dung-han, qua-han, kinh-phi, hai-long) per row, as typed
TYPED_HS = {
    "U1": {"1": (3, 2, 4, 1, 1.5, "95,5%"), "2": (0, 5, 5, 0, "2,25", 0.955), "3": (1, 1, 1, 0, 0, None)},
    "U2": {"1": (10, 4, 12, 2, 3, 0.9), "2": (2, 2, 3, 1, 0.5, "90%"), "3": (0, 0, 0, 0, 0, None)},
    "U3": {"1": (7, 0, 6, 1, 2, "80"), "2": (1, 1, 1, 1, 1, None), "3": (4, 4, 2, 2, "1,75", "100%")},
    "U4": {"1": (0, 9, 8, 1, 4, 0.5), "2": (6, 0, 3, 3, 0, None), "3": (2, 3, 5, 0, 2.5, "75,5%")},
}
READ_PERCENT = {"95,5%": 0.955, 0.955: 0.955, 0.9: 0.9, "90%": 0.9, "80": 0.8, "100%": 1, 0.5: 0.5,
                "75,5%": 0.755}
# (mc, muc-do, ngay, may, dia-chi) as typed, and as read
TYPED_CS = {
    "U1": ("có", "Nâng cao", "5/6/2020", 12, "Thôn 1"),
    "U2": ("x", "co-ban", datetime(2020, 6, 5), "3,5", None),
    "U3": ("Không", "Toàn trình", "05/06/2020", 4, "Thôn 3"),
    "U4": ("Có", "nang-cao", datetime(2019, 12, 31), 7, None),
}
READ_CS = {"U1": (1, "nang-cao", "2020-06-05", 12), "U2": (1, "co-ban", "2020-06-05", 3.5),
           "U3": (0, "toan-trinh", "2020-06-05", 4), "U4": (1, "nang-cao", "2019-12-31", 7)}
# Who re-saves the return in LibreOffice, as what (the rest are saved by openpyxl).
RESAVED = {"U2": "xlsx", "U3": "ods", "U4": "xls"}


def number_read(value):
    if isinstance(value, str):
        return float(value.replace(",", ".")) if "," in value else int(value)
    return value


def hs_entries(typed: dict) -> dict:
    entries = {}
    for row, values in typed.items():
        for column, value in zip(HS_INPUTS, values):
            if value is not None:
                entries[HS_ROWS[row], HS_INPUTS[column]] = value
    return entries


def cs_entries(typed: tuple) -> dict:
    return {(CS_ROWS[row], CS_VALUE): value for row, value in zip(CS_ROWS, typed) if value is not None}


def type_return(template: Path, out: Path, hs: dict, cs: tuple, alter=None) -> Path:
    workbook = openpyxl.load_workbook(template)
    if alter:
        alter(workbook)
    T.type_into(workbook, "Báo cáo", "Lĩnh vực", hs_entries(hs))
    T.type_into(workbook, "Cơ sở", "Nội dung", cs_entries(cs))
    T.answer(workbook, "Khó khăn, vướng mắc", "Thiếu máy tính.")
    workbook.save(out)
    return out


def expected_values(unit: str) -> dict[str, float | int]:
    """What the reader must find for a clean unit: every numeric cell key, computed ones recomputed."""
    values = {}
    for row, typed in TYPED_HS[unit].items():
        for column, value in zip(HS_INPUTS, typed):
            if column == "hai-long":
                values[f"hs!{row}:{column}"] = READ_PERCENT[value] if value is not None else None
            else:
                values[f"hs!{row}:{column}"] = number_read(value)
        values[f"hs!{row}:tong"] = values[f"hs!{row}:truc-tuyen"] + values[f"hs!{row}:truc-tiep"]
    for column in ("truc-tuyen", "truc-tiep", "dung-han", "qua-han", "kinh-phi", "tong"):
        values[f"hs!tong:{column}"] = sum(values[f"hs!{row}:{column}"] for row in HS_ROWS)
    for row in (*HS_ROWS, "tong"):
        done, late = values[f"hs!{row}:dung-han"], values[f"hs!{row}:qua-han"]
        values[f"hs!{row}:ty-le"] = done / (done + late) if done + late else 0
    values["hs!tong:hai-long"] = None
    mc, _, _, may = READ_CS[unit]
    values["cs!mc"], values["cs!may"] = mc, may
    return values


# --- running the commands -------------------------------------------------------------------
def cli(*args):
    from click.testing import CliRunner

    from cchc_sheets.cli import cli as command

    return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)


def libreoffice_resave(soffice: str, files: dict[Path, str], out_dir: Path) -> dict[Path, Path]:
    """Re-save each file as its format with soffice --convert-to, one soffice run per format."""
    produced = {}
    for fmt in sorted(set(files.values())):
        batch = [path for path, f in files.items() if f == fmt]
        with tempfile.TemporaryDirectory(prefix="cchc-anyform-lo-") as work:
            profile = Path(work) / "profile"
            target = out_dir / fmt
            subprocess.run([soffice, "--headless", "--norestore", "--nologo", "--nolockcheck",
                            f"-env:UserInstallation={profile.as_uri()}", "--convert-to",
                            {"xlsx": "xlsx:Calc MS Excel 2007 XML", "xls": "xls:MS Excel 97", "ods": "ods:calc8"}[fmt],
                            "--outdir", str(target), *map(str, batch)],
                           check=True, capture_output=True, timeout=180)
        for path in batch:
            produced[path] = target / f"{path.stem}.{fmt}"
            assert produced[path].is_file(), produced[path]
    return produced


E1_HS = {"1": (3, 2, 4, 1, 1.5, "95,5%"), "2": (0, "nhiều", 5, 0, 1, None), "3": (1, 1, 2, 1, 0, None)}
E1_CS = ("có lẽ", "Rất cao", "31/02/2020", 12, "Thôn 1")


def insert_column_before_resolved(workbook):
    sheet = workbook["Báo cáo"]
    column = T.column_paths(sheet, T.header_rows(sheet, "Lĩnh vực"))[HS_INPUTS["dung-han"]]
    T.insert_column(sheet, column, 8, "Ghi thêm")


def insert_row_before_second(workbook):
    sheet = workbook["Báo cáo"]
    T.insert_row(sheet, T.find_row(sheet, HS_ROWS["2"], 10), "Dòng thêm")


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory):
    soffice = require_tool("soffice", "libreoffice")
    root = tmp_path_factory.mktemp("any-form")
    form_path = write_form(root / "form.xlsx")
    units = root / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    templates = root / "templates"
    result = cli("template", "--units", units, "--period", PERIOD, "--out", templates, "--form", form_path)
    assert result.exit_code == 0, result.output
    template = {row["code"]: templates / row["file"] for row in csv.DictReader(open(templates / "manifest.csv"))}
    typed, inbox = root / "typed", root / "inbox"
    typed.mkdir()
    inbox.mkdir()
    files = {}
    for unit in TYPED_HS:
        folder = inbox if unit not in RESAVED else typed
        files[unit] = type_return(template[unit], folder / template[unit].name, TYPED_HS[unit], TYPED_CS[unit])
    files["E1"] = type_return(template["E1"], inbox / template["E1"].name, E1_HS, E1_CS)
    workbook = openpyxl.load_workbook(files["E1"])
    T.type_into(workbook, "Báo cáo", "Lĩnh vực", {(HS_ROWS["1"], HS_TOTAL): 99})
    workbook.save(files["E1"])
    files["E2"] = type_return(template["E2"], inbox / template["E2"].name, TYPED_HS["U1"], TYPED_CS["U1"],
                              alter=insert_column_before_resolved)
    files["E3"] = type_return(template["E3"], inbox / template["E3"].name, TYPED_HS["U1"], TYPED_CS["U1"],
                              alter=insert_row_before_second)
    converted = libreoffice_resave(soffice, {files[u]: fmt for u, fmt in RESAVED.items()}, inbox)
    files.update({u: converted[files[u]] for u in RESAVED})
    validated = cli("validate", "--form", form_path, "--units", units, "--period", PERIOD, "--json", inbox)
    report = json.loads(validated.output)
    merged, long_csv = root / "tong-hop.xlsx", root / "tong-hop.csv"
    merge = cli("merge", inbox, "--form", form_path, "--units", units, "--period", PERIOD, "--out", merged,
                "--long", long_csv)
    assert merge.exit_code == 0, merge.output
    return {"root": root, "form_path": form_path, "form": load_form(form_path), "files": files, "report": report,
            "validate_exit": validated.exit_code, "merged": merged, "long": long_csv, "soffice": soffice}


def file_report(roundtrip, unit: str) -> dict:
    path = str(roundtrip["files"][unit])
    return next(f for f in roundtrip["report"]["files"] if f["path"] == path or f["path"].endswith(Path(path).name))


def findings(roundtrip, unit: str) -> list[dict]:
    return file_report(roundtrip, unit)["findings"]


def found(roundtrip, unit: str, code: str) -> list[tuple]:
    return [(f["sheet"], f["cell"], {k: v for k, v in f["params"].items() if k.endswith("_code")})
            for f in findings(roundtrip, unit) if f["code"] == code]


CLEAN = tuple(TYPED_HS)


# --- 1. the form passes the check ------------------------------------------------------------
def test_our_form_workbook_passes_the_check(roundtrip):
    result = cli("form", "check", roundtrip["form_path"], "--json")
    report = json.loads(result.output)
    assert (result.exit_code, report["ok"], report["problems"]) == (0, True, [])
    assert report["summary"] == {"form_id": "bieu-thu", "version": 1, "tables": 2, "cells": 37, "computed": 13,
                                 "rules": 2}
    form = roundtrip["form"]
    hs, cs = form.tables
    assert (hs.header_depth, cs.sheet) == (3, "Cơ sở")
    assert {form.indicator(f"cs!{row}").kind for row in CS_ROWS} == {"yesno", "choice", "date", "number", "text"}


# --- 2. the typist's returns read back to what was typed --------------------------------------
@pytest.mark.parametrize("unit", CLEAN)
def test_every_clean_return_reads_to_the_typed_values(roundtrip, unit):
    report = file_report(roundtrip, unit)
    assert report["status"] in ("valid", "warnings")
    assert Path(report["path"]).suffix == "." + RESAVED.get(unit, "xlsx")
    assert {f["code"] for f in report["findings"]} <= {"number-as-text", "rule-failed-at"}
    values = report["values"]
    for key, expected in expected_values(unit).items():
        assert values[key] == pytest.approx(expected) if expected is not None else values[key] is None, key
    assert report["answers"] == {"kho-khan": "Thiếu máy tính."}


def test_libreoffice_recalculated_the_computed_cells_of_its_returns(roundtrip):
    """Re-saved returns hold cached values in their computed cells: the same numbers, so no finding."""
    workbook = openpyxl.load_workbook(roundtrip["files"]["U2"], data_only=True)
    sheet = workbook["Báo cáo"]
    total = T.cell_for(sheet, "Lĩnh vực", "Tổng cộng", HS_TOTAL)
    assert sheet[total].value == expected_values("U2")["hs!tong:tong"]
    assert not found(roundtrip, "U2", "computed-cell-changed")


def test_a_cross_table_rule_names_cells_on_both_sheets(roundtrip):
    """U3 answers Không to the one-stop shop while it has files: the warning names both cells."""
    (rule,) = [f for f in findings(roundtrip, "U3") if f["code"] == "rule-failed-at"]
    assert (rule["severity"], rule["sheet"], rule["cell"], rule["params"]["rule"]) == \
        ("warning", "Báo cáo", "C14", "ho-so-khong-mot-cua")
    assert rule["params"]["cells"] == "C14, 'Cơ sở'!D9"


# --- 3. planted mistakes -----------------------------------------------------------------------
def cell_params(table, row, column):
    return {"table_code": table, "row_code": row, "column_code": column}


def test_every_planted_mistake_is_found_at_its_cell(roundtrip):
    assert file_report(roundtrip, "E1")["status"] == "invalid"
    assert found(roundtrip, "E1", "not-a-number") == [("Báo cáo", "E12", cell_params("hs", "2", "truc-tiep"))]
    assert found(roundtrip, "E1", "computed-cell-changed") == [("Báo cáo", "C11", cell_params("hs", "1", "tong"))]
    assert found(roundtrip, "E1", "not-yes-no") == [("Cơ sở", "D9", cell_params("cs", "mc", "gia-tri"))]
    assert found(roundtrip, "E1", "not-a-choice") == [("Cơ sở", "D10", cell_params("cs", "muc-do", "gia-tri"))]
    assert found(roundtrip, "E1", "not-a-date") == [("Cơ sở", "D11", cell_params("cs", "ngay", "gia-tri"))]
    by_code = {f["code"]: f for f in findings(roundtrip, "E1")}
    assert {k: by_code["computed-cell-changed"]["params"][k] for k in ("expected", "found")} == \
        {"expected": "5", "found": "99"}
    assert (by_code["not-yes-no"]["value"], by_code["not-a-choice"]["value"], by_code["not-a-date"]["value"]) == \
        ("có lẽ", "Rất cao", "31/02/2020")
    rule = by_code["rule-failed-at"]
    assert (rule["severity"], rule["sheet"], rule["cell"], rule["indicator"]) == ("error", "Báo cáo", "F13", "hs!3:dung-han")
    assert (rule["params"]["rule"], rule["params"]["row_code"], rule["params"]["cells"]) == \
        ("giai-quyet-qua-nhan", "3", "F13, G13, C13")
    assert sorted(f["code"] for f in findings(roundtrip, "E1")) == sorted(
        ["not-a-number", "computed-cell-changed", "not-yes-no", "not-a-choice", "not-a-date", "rule-failed-at"])


def test_an_inserted_column_is_named_and_the_values_still_read_right(roundtrip):
    moved = [(f["cell"], f["params"]["column_code"], f["params"]["expected_column"], f["params"]["found_column"])
             for f in findings(roundtrip, "E2") if f["code"] == "column-moved"]
    assert moved == [("G8", "dung-han", "F", "G"), ("H8", "qua-han", "G", "H"), ("I8", "kinh-phi", "H", "I"),
                     ("J8", "ty-le", "I", "J"), ("K8", "hai-long", "J", "K")]
    assert {f["params"]["table_code"] for f in findings(roundtrip, "E2") if f["code"] == "column-moved"} == {"hs"}
    values = file_report(roundtrip, "E2")["values"]
    assert {k: values[k] for k in expected_values("U1")} == pytest.approx(expected_values("U1"))


def test_an_inserted_row_is_named_and_the_values_still_read_right(roundtrip):
    (moved,) = [f for f in findings(roundtrip, "E3") if f["code"] == "row-moved"]
    assert (moved["sheet"], moved["cell"], moved["indicator"]) == ("Báo cáo", "B13", "hs!2")
    assert {k: moved["params"][k] for k in ("found_row", "expected_row", "table_code", "row_code")} == \
        {"found_row": 13, "expected_row": 12, "table_code": "hs", "row_code": "2"}
    values = file_report(roundtrip, "E3")["values"]
    assert {k: values[k] for k in expected_values("U1")} == pytest.approx(expected_values("U1"))


def test_validate_exits_1_for_the_returns_with_errors(roundtrip):
    assert roundtrip["validate_exit"] == 1


# --- 4. merge ------------------------------------------------------------------------------------
def our_sums() -> dict[str, float]:
    """Our own sums of the clean units' typed inputs, and the ratio of those sums."""
    sums = {}
    for unit in CLEAN:
        for key, value in expected_values(unit).items():
            if value is not None and not key.endswith((":ty-le", ":hai-long")):
                sums[key] = sums.get(key, 0) + value
    for row in (*HS_ROWS, "tong"):
        done, late = sums[f"hs!{row}:dung-han"], sums[f"hs!{row}:qua-han"]
        sums[f"hs!{row}:ty-le"] = done / (done + late)
    return sums


def summary_cells(path: Path) -> dict[str, object]:
    """Tổng hợp's totals, found by row label and header path as a reader of the sheet finds them."""
    sheet = openpyxl.load_workbook(path, data_only=True)["Tổng hợp"]
    rows = T.header_rows(sheet, "Lĩnh vực")
    columns = T.column_paths(sheet, rows)
    paths = {"tong": HS_TOTAL, **HS_INPUTS, "ty-le": ("Tỷ lệ đúng hạn",)}
    cells = {}
    for row, label in {**HS_ROWS, "tong": "Tổng cộng"}.items():
        number = T.find_row(sheet, label, rows[-1])
        for column, path in paths.items():
            if column != "hai-long":
                cells[f"hs!{row}:{column}"] = sheet.cell(number, columns[path]).value
    cs_rows = T.header_rows(sheet, "Nội dung")
    value_column = T.column_paths(sheet, cs_rows)[CS_VALUE]
    for row, label in CS_ROWS.items():
        cells[f"cs!{row}"] = sheet.cell(T.find_row(sheet, label, cs_rows[-1]), value_column).value
    return cells


def assert_totals(cells: dict) -> None:
    sums = our_sums()
    for key, expected in sums.items():
        assert cells[key] == pytest.approx(expected), key
    mean_of_ratios = sum(expected_values(u)["hs!tong:ty-le"] for u in CLEAN) / len(CLEAN)
    assert cells["hs!tong:ty-le"] != pytest.approx(mean_of_ratios)
    assert cells["cs!mc"] == sum(READ_CS[u][0] for u in CLEAN) == 3           # units answering Có
    assert cells["cs!muc-do"] == "Nâng cao: 2; Cơ bản: 1; Toàn trình: 1"


def test_merge_totals_are_our_sums_and_the_ratio_is_the_ratio_of_our_sums(roundtrip):
    assert_totals(summary_cells(roundtrip["merged"]))


def test_the_long_export_has_the_new_columns_and_sums_to_the_totals(roundtrip):
    with open(roundtrip["long"], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {"table_code", "row_code", "column_code", "column_label"} <= set(rows[0])
    assert {r["unit_code"] for r in rows} == set(CLEAN)
    first = next(r for r in rows if r["indicator_code"] == "hs!2:truc-tiep")
    assert (first["table_code"], first["row_code"], first["column_code"], first["column_label"]) == \
        ("hs", "2", "truc-tiep", "Số hồ sơ / Mới tiếp nhận / Trực tiếp")
    sums = {}
    for row in rows:
        if row["value"] and not row["column_code"] in ("ty-le", "hai-long") and row["table_code"] == "hs" \
                or row["indicator_code"] in ("cs!mc", "cs!may"):
            sums[row["indicator_code"]] = sums.get(row["indicator_code"], 0) + float(row["value"])
    assert sums == pytest.approx({k: v for k, v in our_sums().items() if not k.endswith(":ty-le")})
    texts = {(r["unit_code"], r["indicator_code"]): r["value"] for r in rows if r["table_code"] == "cs"}
    for unit in CLEAN:
        assert (texts[unit, "cs!muc-do"], texts[unit, "cs!ngay"]) == READ_CS[unit][1:3]


def test_libreoffice_recalculates_the_consolidated_totals_to_our_sums(roundtrip, tmp_path):
    python = "/usr/bin/python3"
    if subprocess.run([python, "-c", "import uno"], capture_output=True).returncode != 0:
        pytest.skip("no Python with LibreOffice's uno module (install python3-uno)")
    recalculated = tmp_path / "tong-hop-libreoffice.xlsx"
    job = {"input": str(roundtrip["merged"]), "recalculate": True, "outputs": {"xlsx": str(recalculated)}}
    done = subprocess.run([python, str(Path(__file__).parent / "uno_fill.py"), json.dumps(job)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_totals(summary_cells(recalculated))


# --- 5. the bundled TTHC pack through the same round trip -----------------------------------
TTHC_ROWS = {"1": "Hộ tịch", "2": "Chứng thực", "3": "Đất đai", "4": "Lao động – Thương binh và Xã hội", "5": "Khác"}
RECEIVED, RESULT = "Số hồ sơ nhận giải quyết", "Kết quả giải quyết"
TTHC_INPUTS = {
    "ky-truoc": (RECEIVED, "Số kỳ trước chuyển qua"),
    "truc-tuyen": (RECEIVED, "Số mới tiếp nhận", "Trực tuyến"),
    "truc-tiep": (RECEIVED, "Số mới tiếp nhận", "Trực tiếp, qua bưu chính"),
    "truoc-han": (RESULT, "Số hồ sơ đã giải quyết", "Trả trước hạn"),
    "dung-han": (RESULT, "Số hồ sơ đã giải quyết", "Trả đúng hạn"),
    "qua-han": (RESULT, "Số hồ sơ đã giải quyết", "Trả quá hạn"),
    "chua-den-han": (RESULT, "Số hồ sơ đang giải quyết", "Chưa đến hạn"),
    "dang-qua-han": (RESULT, "Số hồ sơ đang giải quyết", "Quá hạn"),
}
TTHC_UNITS = {"U1": 1, "U2": 2, "U3": 3}        # U3 plants a broken received = resolved + pending


def tthc_typed(unit: str) -> dict[str, dict[str, int]]:
    """Per row, inputs whose received total equals resolved plus pending."""
    n, typed = TTHC_UNITS[unit], {}
    for row in TTHC_ROWS:
        i = int(row)
        typed[row] = {"ky-truoc": i, "truc-tuyen": 2 * i + n, "truc-tiep": 3 + n, "truoc-han": i,
                      "dung-han": 2 * i + n + 1, "qua-han": 1, "chua-den-han": n, "dang-qua-han": 1}
    if unit == "U3":
        typed["2"]["dung-han"] += 1
    return typed


@pytest.fixture(scope="module")
def tthc(tmp_path_factory):
    soffice = require_tool("soffice", "libreoffice")
    root = tmp_path_factory.mktemp("tthc")
    units = root / "units.csv"
    units.write_text("\n".join(UNITS_CSV.splitlines()[:4]) + "\n", encoding="utf-8")
    templates, inbox, typed = root / "templates", root / "inbox", root / "typed"
    assert cli("template", "--units", units, "--period", PERIOD, "--out", templates,
               "--form", "ket-qua-giai-quyet-tthc").exit_code == 0
    inbox.mkdir()
    typed.mkdir()
    files = {}
    for row in csv.DictReader(open(templates / "manifest.csv")):
        unit = row["code"]
        workbook = openpyxl.load_workbook(templates / row["file"])
        T.type_into(workbook, "Báo cáo", "Lĩnh vực", {
            (TTHC_ROWS[r], TTHC_INPUTS[c]): v for r, values in tthc_typed(unit).items() for c, v in values.items()})
        files[unit] = (typed if unit == "U2" else inbox) / row["file"]
        workbook.save(files[unit])
    files["U2"] = libreoffice_resave(soffice, {files["U2"]: "ods"}, inbox)[files["U2"]]
    report = json.loads(cli("validate", "--form", "ket-qua-giai-quyet-tthc", "--units", units, "--period", PERIOD,
                            "--json", inbox).output)
    merged = root / "tong-hop.xlsx"
    result = cli("merge", inbox, "--form", "ket-qua-giai-quyet-tthc", "--units", units, "--period", PERIOD,
                 "--out", merged, "--long", root / "tong-hop.csv")
    assert result.exit_code == 0, result.output
    return {"files": files, "report": report, "merged": merged}


def tthc_findings(tthc, unit: str) -> list[dict]:
    name = tthc["files"][unit].name
    return next(f for f in tthc["report"]["files"] if Path(f["path"]).name == name)["findings"]


def test_tthc_clean_returns_hold_received_equals_resolved_plus_pending(tthc):
    for unit in ("U1", "U2"):
        assert [f for f in tthc_findings(tthc, unit) if f["severity"] != "info"] == [], unit


def test_tthc_a_planted_return_breaks_the_rule_naming_its_three_cells(tthc):
    failed = {f["params"]["row_code"]: (f["severity"], f["sheet"], f["cell"], f["params"]["cells"])
              for f in tthc_findings(tthc, "U3")
              if f["code"] == "rule-failed-at" and f["params"]["rule"] == "received-equals-resolved-plus-pending"}
    # row 2 (Chứng thực) is on sheet row 12; the total row (16) inherits the difference
    assert failed == {"2": ("error", "Báo cáo", "C12", "C12, G12, K12"),
                      "tong": ("error", "Báo cáo", "C16", "C16, G16, K16")}


def test_tthc_merge_totals_and_on_time_rate_are_those_of_our_sums(tthc):
    sums = {c: sum(tthc_typed(u)[r][c] for u in ("U1", "U2") for r in TTHC_ROWS) for c in TTHC_INPUTS}
    sheet = openpyxl.load_workbook(tthc["merged"], data_only=True)["Tổng hợp"]
    rows = T.header_rows(sheet, "Lĩnh vực")
    columns = T.column_paths(sheet, rows)
    total_row = T.find_row(sheet, "Tổng cộng", rows[-1])
    for column, path in TTHC_INPUTS.items():
        assert sheet.cell(total_row, columns[path]).value == sums[column], column
    resolved = sums["truoc-han"] + sums["dung-han"] + sums["qua-han"]
    assert sheet.cell(total_row, columns[(RESULT, "Số hồ sơ đã giải quyết", "Tổng số")]).value == resolved
    rate = sheet.cell(total_row, columns[("Tỷ lệ giải quyết đúng hạn (%)",)]).value
    assert rate == pytest.approx((sums["truoc-han"] + sums["dung-han"]) / resolved)


# --- 6. our form, broken in ways tests/test_form_commands.py does not try -----------------------
def test_our_form_broken_across_tables_reports_every_problem_at_its_cell(tmp_path):
    rows = [r if r[1] != "muc-do" else (*r[:10], None) for r in ROWS]                 # a choice row, no list
    rules = [RULES[0],                                                                 # the header row
             ("nang", "[:dung-han] > 0", "nặng", "Sai.", None, "hs", None),           # bad severity
             ("khac-bang", "[cs!khong-co] > 0", "warning", "Sai.", None, None, None),  # no such row in cs
             ("moi-dong", "[:dung-han] > [:qua-han]", "warning", "Sai.", None, None, None)]  # [:COL], no table
    path = write_form(tmp_path / "form.xlsx", {**FORM_SHEETS, "rows": rows, "rules": rules})
    result = cli("form", "check", path, "--json")
    report = json.loads(result.output)
    assert (result.exit_code, report["ok"]) == (2, False)
    problems = sorted((p["place"], p["code"]) for p in report["problems"])
    assert problems == sorted([("rows!K7", "pack-choice-list-missing"), ("rules!C2", "pack-bad-severity"),
                               ("rules!B3", "pack-unknown-row"), ("rules!F4", "pack-reference-needs-table")])


def test_a_percent_typed_as_text_over_a_computed_ratio_is_a_typed_over_cell(tmp_path):
    """'95,5%' typed over the on-time rate (a formula) is computed-cell-changed, like a number typed over."""
    import openpyxl

    from cchc_sheets import layout
    from cchc_sheets.batch import validate_paths
    from cchc_sheets.forms import load_form
    from cchc_sheets.periods import parse_period
    from cchc_sheets.template import build_base, stamp
    from cchc_sheets.units import Unit

    form = load_form("ket-qua-giai-quyet-tthc")
    grid = layout.Layout(form)
    base = build_base(form, parse_period("2020-H1"), password="pw")
    path = tmp_path / "tthc.xlsx"
    path.write_bytes(stamp(base, Unit(code="T01", name="Xã Một"), "2020-06-01T08:00:00"))
    book = openpyxl.load_workbook(path)
    sheet = book[layout.MAIN_SHEET]
    for item in form.indicators:
        if not item.computed:
            sheet[grid.value_cell(item.code)] = 1
    rate = "1:ty-le-dung-han"
    sheet[grid.value_cell(rate)] = "95,5%"
    book.save(path)
    report = validate_paths([path], form).files[0]
    changed = [(f.cell, f.indicator) for f in report.findings if f.code == "computed-cell-changed"]
    assert changed == [(grid.value_cell(rate), rate)]
    assert report.values[rate] == 2 / 3          # recomputed from the inputs, never the typed text
