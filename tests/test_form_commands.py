"""``cchc form check / init / list``: problems by place and code, the starter workbook, the bundled packs."""
from __future__ import annotations

import json

import openpyxl
import pytest

from cchc_sheets.forms import load_form
from cchc_sheets.forms.report import summary
from cchc_sheets.forms.starter import HEADERS, NOTES, NOTES_SHEET, REFERENCES
from cchc_sheets.forms.workbook_source import SETTINGS_KEYS


def sheet_rows(table: str) -> list[list]:
    """A markdown-style table as sheet rows; an empty cell is None."""
    return [[cell.strip() or None for cell in line.strip().strip("|").split("|")]
            for line in table.strip().splitlines()]


def write_workbook(path, sheets: dict[str, str]):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, table in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in sheet_rows(table):
            sheet.append(row)
    workbook.save(path)
    return path


def check_json(run_cli, path):
    result = run_cli("form", "check", path, "--json")
    return result.exit_code, json.loads(result.output)


def places_and_codes(report) -> list[tuple[str, str]]:
    return [(p["place"], p["code"]) for p in report["problems"]]


# --- init, and the starter it writes ---------------------------------------------------

@pytest.fixture
def starter(run_cli, tmp_path):
    path = tmp_path / "form.xlsx"
    result = run_cli("form", "init", path)
    assert result.exit_code == 0, result.output
    return path


def test_the_starter_passes_the_check(run_cli, starter):
    code, report = check_json(run_cli, starter)
    assert (code, report["ok"], report["problems"]) == (0, True, [])
    assert report["summary"] == {"form_id": "vi-du-bieu-mau", "version": 1, "tables": 2, "cells": 20,
                                 "computed": 10, "rules": 2}
    assert run_cli("form", "check", starter).exit_code == 0


def test_the_starter_has_two_tables_of_the_kinds_it_explains(starter):
    form = load_form(starter)
    receipts, shop = form.tables
    assert (receipts.code, receipts.sheet, receipts.header_depth) == ("ho-so", "Báo cáo", 2)
    assert [c.code for c in receipts.columns] == ["tong", "truc-tuyen", "truc-tiep", "ty-le"]
    assert receipts.column("ty-le").kind == "percent"
    assert [r.code for r in receipts.rows if r.total] == ["tong"]
    assert (shop.code, shop.sheet) == ("mot-cua", "Một cửa")
    assert {r.code: form.indicator(f"mot-cua!{r.code}").kind for r in shop.rows} == {
        "1": "yesno", "2": "choice", "3": "date", "4": "number"}
    assert form.indicator("mot-cua!2").choices == "muc-do-so-hoa"
    assert form.indicator("mot-cua!3").required is False
    computed = {i.code for i in form.computed}
    assert computed == {f"ho-so!{row}:tong" for row in ("1", "2", "3", "tong")} \
        | {f"ho-so!{row}:ty-le" for row in ("1", "2", "3", "tong")} \
        | {"ho-so!tong:truc-tuyen", "ho-so!tong:truc-tiep"}
    values = form.recompute({"ho-so!1:truc-tuyen": 3, "ho-so!1:truc-tiep": 1, "ho-so!2:truc-tuyen": 0,
                             "ho-so!2:truc-tiep": 4, "ho-so!3:truc-tuyen": 1, "ho-so!3:truc-tiep": 1})
    assert (values["ho-so!1:tong"], values["ho-so!1:ty-le"], values["ho-so!tong:tong"]) == (4, 0.75, 10)
    assert {r.code for r in form.rules} == {"co-ho-so-khong-truc-tuyen", "ho-so-khong-can-bo"}
    assert summary(form)["cells"] == len(form.indicators) == 20


def test_the_starter_has_every_sheet_bold_headers_and_notes_on_every_key(starter):
    workbook = openpyxl.load_workbook(starter)
    assert workbook.sheetnames == [*HEADERS, NOTES_SHEET]
    for name, headers in HEADERS.items():
        header_row = next(workbook[name].iter_rows(max_row=1))
        assert [c.value for c in header_row] == list(headers)
        assert all(c.font.bold for c in header_row)
    noted = {(row[0], row[1]) for row in workbook[NOTES_SHEET].iter_rows(min_row=2, values_only=True)}
    expected = {(name, key) for name, headers in HEADERS.items() if name != "settings" for key in headers} \
        | {("settings", key) for key in SETTINGS_KEYS}
    assert expected - noted == set()
    assert {(name, None) for name in HEADERS} <= noted            # a line about each sheet
    assert {syntax for syntax, *_ in REFERENCES} == {"[DÒNG:CỘT]", "[:CỘT]", "[DÒNG]", "[BẢNG!DÒNG:CỘT]",
                                                      "ratio(a, b)"}
    assert {("tham chiếu", syntax) for syntax, *_ in REFERENCES} <= noted
    assert all(len(note) == 5 for note in NOTES)


def test_the_starter_makes_commune_templates_with_a_sheet_per_table(run_cli, starter, units_file, tmp_path):
    out = tmp_path / "templates"
    result = run_cli("template", "--units", units_file, "--period", "2020-H1", "--out", out, "--form", starter)
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(sorted(out.glob("*.xlsx"))[0])
    assert workbook.sheetnames[:3] == ["Báo cáo", "Một cửa", "Ý kiến"]


def test_init_refuses_to_overwrite_without_force(run_cli, starter):
    starter.write_bytes(b"mine")
    result = run_cli("form", "init", starter)
    assert result.exit_code == 2 and "--force" in result.output
    assert starter.read_bytes() == b"mine"
    assert run_cli("form", "init", starter, "--force").exit_code == 0
    assert load_form(starter).id == "vi-du-bieu-mau"


# --- check: a broken form.xlsx ------------------------------------------------------------

BROKEN_SETTINGS = """
| key     | value            |
| form_id | hong             |
| version | abc              |
| title   | Biểu hỏng        |
| subject | Hỏng {period_label} |
"""
# columns: A table, B code, C label, D group, E kind, F min, G max, H required, I formula, J aggregate, K choices
BROKEN_COLUMNS = """
| table | code | label | group | kind   | min | max | required | formula    | aggregate | choices |
| t     | a    | A     |       | count  |     |     |          |            |           |         |
| t     | x    | X     |       | count  |     |     |          | [:y]       |           |         |
| t     | y    | Y     |       | count  |     |     |          | [:x]       |           |         |
| t     | txt  | Chữ   |       | text   |     |     |          |            |           |         |
| t     | s    | S     |       | count  |     |     |          | [:txt] + 1 |           |         |
| t     | c    | C     |       | choice |     |     |          |            |           | nope    |
| t     | m    | M     |       | count  | 10  | 5   |          |            |           |         |
| t     | z    | Z     |       | count  |     |     |          | [:zz]      |           |         |
| t     | a    | A lần 2 |     | count  |     |     |          |            |           |         |
"""
BROKEN_ROWS = """
| table | code | label   |
| t     | 1    | Một     |
| t     | 1    | Lại một |
"""
BROKEN_RULES = """
| code | when           | severity | message |
| r1   | [9:a] > 0      | warning  | Sai     |
| r2   | [nope!1:a] > 0 | warning  | Sai     |
"""


@pytest.fixture
def broken_xlsx(tmp_path):
    return write_workbook(tmp_path / "form.xlsx", {"settings": BROKEN_SETTINGS, "columns": BROKEN_COLUMNS,
                                                   "rows": BROKEN_ROWS, "rules": BROKEN_RULES})


def test_every_problem_of_a_form_workbook_is_at_its_cell(run_cli, broken_xlsx):
    code, report = check_json(run_cli, broken_xlsx)
    assert (code, report["ok"], report["summary"]) == (2, False, None)
    assert sorted(places_and_codes(report)) == sorted([
        ("settings!B3", "pack-bad-version"),
        ("columns!B10", "pack-code-repeats"),
        ("rows!B3", "pack-code-repeats"),
        ("columns!I3", "pack-formula-cycle"),
        ("columns!I6", "pack-formula-over-text"),
        ("columns!K7", "pack-choice-list-unknown"),
        ("columns!G8", "pack-max-below-min"),
        ("columns!I9", "pack-unknown-column"),
        ("rules!B2", "pack-unknown-row"),
        ("rules!B3", "pack-unknown-table"),
    ])
    params = {(p["place"], p["code"]): p["params"] for p in report["problems"]}
    assert params["columns!B10", "pack-code-repeats"] == {"code": "a"}
    assert params["columns!I3", "pack-formula-cycle"] == {"cells": "1:x → 1:y → 1:x"}
    assert params["columns!I6", "pack-formula-over-text"] == {"cell": "1:s", "used": "1:txt"}
    assert params["columns!K7", "pack-choice-list-unknown"] == {"name": "nope"}
    assert params["columns!I9", "pack-unknown-column"] == {"reference": "[:zz]", "column": "zz", "table": "t"}
    assert params["rules!B2", "pack-unknown-row"] == {"reference": "[9:a]", "row": "9", "table": "t"}
    assert params["rules!B3", "pack-unknown-table"] == {"reference": "[nope!1:a]", "table": "nope"}


def test_the_screen_lists_every_problem_with_its_place(run_cli, broken_xlsx):
    result = run_cli("form", "check", broken_xlsx)
    assert result.exit_code == 2
    listed = [line.strip()[2:].split(":")[0] for line in result.output.splitlines() if line.startswith("  - ")]
    assert sorted(listed) == sorted(["settings!B3", "columns!B10", "rows!B3", "columns!I3", "columns!I6",
                                     "columns!K7", "columns!G8", "columns!I9", "rules!B2", "rules!B3"])


def test_a_column_formula_over_text_is_one_problem_however_many_rows(run_cli, tmp_path):
    rows = BROKEN_ROWS.replace("| t     | 1    | Lại một |", "| t     | 2    | Hai     |\n| t     | 3    | Ba      |")
    path = write_workbook(tmp_path / "form.xlsx", {"settings": BROKEN_SETTINGS, "columns": BROKEN_COLUMNS,
                                                   "rows": rows, "rules": BROKEN_RULES})
    _, report = check_json(run_cli, path)
    found = places_and_codes(report)
    assert found.count(("columns!I6", "pack-formula-over-text")) == 1
    assert found.count(("columns!I3", "pack-formula-cycle")) == 1


# --- check: a broken form.yaml -------------------------------------------------------------

BROKEN_YAML = """\
id: hong
version: 1
title: Biểu hỏng
subject: Hỏng {period_label}
tables:
  - code: t
    title: Bảng
    columns:
      - code: a
        label: A
      - code: b
        label: B
        kind: integer
    rows:
      - code: "1"
        label: Một
        parent: "9"
      - code: tong
        label: Tổng
        total: có
        formula: "[1] + [7]"
"""


def test_every_problem_of_a_form_yaml_is_at_its_key(run_cli, tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "form.yaml").write_text(BROKEN_YAML, encoding="utf-8")
    code, report = check_json(run_cli, pack)
    assert code == 2 and report["path"].endswith("form.yaml")
    assert set(places_and_codes(report)) == {
        ("tables[0].columns[1].kind", "pack-bad-kind"),
        ("tables[0].rows[0].parent", "pack-parent-unknown"),
        ("tables[0].rows[1].formula", "pack-unknown-row"),
    }
    kind = next(p for p in report["problems"] if p["code"] == "pack-bad-kind")
    assert kind["params"]["kind"] == "integer"
    assert {p["params"]["row"] for p in report["problems"] if p["code"] == "pack-unknown-row"} == {"7"}


def test_a_row_formula_with_an_unknown_row_is_one_problem_quoting_what_was_written(run_cli, tmp_path):
    path = tmp_path / "form.yaml"
    path.write_text(BROKEN_YAML, encoding="utf-8")
    _, report = check_json(run_cli, path)
    unknown = [p for p in report["problems"] if p["code"] == "pack-unknown-row"]
    assert [(p["place"], p["params"]["reference"]) for p in unknown] == [("tables[0].rows[1].formula", "[7]")]


def test_a_yaml_that_does_not_parse_is_one_problem_at_the_file(run_cli, tmp_path):
    path = tmp_path / "form.yaml"
    path.write_text("tables: [\n", encoding="utf-8")
    code, report = check_json(run_cli, path)
    assert code == 2 and places_and_codes(report) == [("form.yaml", "form-check-unreadable")]


def test_an_unknown_pack_is_a_fatal_error(run_cli):
    result = run_cli("form", "check", "khong-co-bieu-mau-nay")
    assert result.exit_code == 2 and "tuyen-truyen-cchc" in result.output


@pytest.mark.parametrize("form_id, tables, cells", [("tuyen-truyen-cchc", 1, 9), ("ket-qua-giai-quyet-tthc", 1, 72)])
def test_the_bundled_packs_pass_the_check(run_cli, form_id, tables, cells):
    code, report = check_json(run_cli, form_id)
    assert (code, report["ok"]) == (0, True)
    assert (report["summary"]["form_id"], report["summary"]["tables"], report["summary"]["cells"]) == \
        (form_id, tables, cells)


# --- list ---------------------------------------------------------------------------------------

def test_list_shows_both_bundled_packs(run_cli):
    result = run_cli("form", "list", "--json")
    assert result.exit_code == 0
    packs = {p["form_id"]: p for p in json.loads(result.output)}
    assert {"tuyen-truyen-cchc", "ket-qua-giai-quyet-tthc"} <= set(packs)
    assert (packs["tuyen-truyen-cchc"]["tables"], packs["tuyen-truyen-cchc"]["cells"]) == (1, 9)
    assert (packs["ket-qua-giai-quyet-tthc"]["version"], packs["ket-qua-giai-quyet-tthc"]["cells"]) == (1, 72)
    assert packs["ket-qua-giai-quyet-tthc"]["path"].endswith("ket-qua-giai-quyet-tthc/form.yaml")
    screen = run_cli("form", "list").output
    assert "tuyen-truyen-cchc" in screen and "ket-qua-giai-quyet-tthc" in screen


def test_list_marks_a_broken_pack_instead_of_failing(run_cli, tmp_path, monkeypatch):
    (tmp_path / "hong").mkdir()
    (tmp_path / "hong" / "form.yaml").write_text(BROKEN_YAML, encoding="utf-8")
    monkeypatch.setenv("CCHC_FORMS_DIR", str(tmp_path))
    result = run_cli("form", "list", "--json")
    assert result.exit_code == 0
    assert [(p["form_id"], p["ok"], p["cells"]) for p in json.loads(result.output)] == [("hong", False, 0)]


def test_a_file_that_is_not_a_workbook_is_one_problem_at_the_file(run_cli, tmp_path):
    path = tmp_path / "form.xlsx"
    path.write_bytes(b"not a zip")
    code, report = check_json(run_cli, path)
    assert code == 2 and places_and_codes(report) == [("form.xlsx", "pack-workbook-unreadable")]


def test_a_missing_sheet_is_reported_at_that_sheet(run_cli, tmp_path):
    path = write_workbook(tmp_path / "form.xlsx", {"settings": BROKEN_SETTINGS.replace("abc", "1"),
                                                   "columns": BROKEN_COLUMNS})
    _, report = check_json(run_cli, path)
    assert ("rows", "pack-sheet-missing") in places_and_codes(report)
    assert [p["params"] for p in report["problems"] if p["code"] == "pack-sheet-missing"] == [{"sheet": "rows"}]
