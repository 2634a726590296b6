"""Validation of returned workbooks: every finding code with its indicator and cell."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from builders import (CLEAN_VALUES, REFERENCE_VALUES, chain, delete_row, edit_cell, edit_label, insert_column,
                      insert_row, make_return, set_metadata, unprotect, without_metadata)
from cchc_sheets import layout
from cchc_sheets.forms import form_from_dict
from cchc_sheets.messages import CchcError
from cchc_sheets.model import FileReport
from cchc_sheets.periods import parse_period
from cchc_sheets.reading import read_workbook
from cchc_sheets.units import Unit, UnitList
from cchc_sheets.batch import validate_paths
from cchc_sheets.validation import check_batch, validate_workbook
from cchc_sheets.values import CellError

MAIN, ANSWERS = layout.MAIN_SHEET, layout.ANSWERS_SHEET


@pytest.fixture
def unit(units):
    return units.units[0]


def check(path, form, **kwargs) -> FileReport:
    return validate_workbook(read_workbook(path), form, **kwargs)


def only(report: FileReport, code: str):
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, [(f.code, f.cell, f.indicator) for f in report.findings]
    return found[0]


def codes(report: FileReport) -> list[str]:
    return [f.code for f in report.findings]


# --------------------------------------------------------------------------- clean and reference returns


def test_clean_return_is_valid_with_every_value_note_and_answer(tmp_path, form, unit, period, units):
    path = make_return(tmp_path, form, unit, period, CLEAN_VALUES, notes={"05": "lồng ghép"},
                       answers={"kho-khan": "Kinh phí còn hạn chế."},
                       reporter={"reporter": "Nguyễn Văn A", "phone": "0912345678"})
    report = check(path, form, units=units, period=period)
    assert report.findings == []
    assert report.status == "valid"
    assert report.values == CLEAN_VALUES
    assert report.notes == {"05": "lồng ghép"}
    assert report.answers == {"kho-khan": "Kinh phí còn hạn chế."}
    assert report.reporter == {"reporter": "Nguyễn Văn A", "phone": "0912345678"}
    assert (report.form, report.form_version, report.unit_code, report.period) == (form.id, 1, "T01", "2020-H1")
    assert report.unit_name == "Xã Thử Nghiệm Một"
    assert report.file_format == "xlsx" and len(report.sha256) == 64
    assert report.generated_at is not None and report.modified is not None


def test_reference_report_entries_read_as_the_commune_meant(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, REFERENCE_VALUES), form)
    assert report.values == {"01": 12, "02": 0, "03": 0, "04": 18, "05": 6, "05.1": 600, "06": 2, "07": 3,
                             "08": None}
    assert report.notes == {"05": "lồng ghép", "05.1": "Lượt người"}
    remarks = [(f.indicator, f.cell, f.severity) for f in report.findings if f.code == "number-with-remark"]
    assert remarks == [("05", "D13", "warning"), ("05.1", "D14", "warning")]
    words = only(report, "not-a-number")
    assert (words.indicator, words.cell, words.sheet, words.severity) == ("08", "D17", MAIN, "error")
    assert words.value == "Hội nghị; mạng xã hội; TT miệng…"
    assert words.message("vi") and words.message("en")
    leading_zero = [(f.indicator, f.severity) for f in report.findings if f.code == "number-as-text"]
    assert leading_zero == [("06", "info"), ("07", "info")]
    assert report.status == "invalid"


def test_remark_is_appended_to_the_commune_note(tmp_path, form, unit, period):
    path = make_return(tmp_path, form, unit, period, {**CLEAN_VALUES, "05": "6(lồng ghép)"},
                       notes={"05": "Hội nghị giao ban"})
    assert check(path, form).notes["05"] == "Hội nghị giao ban; lồng ghép"


# --------------------------------------------------------------------------- cell values


@pytest.mark.parametrize("code, typed, finding", [
    ("01", 2.5, "not-a-whole-number"),
    ("02", -1, "negative-number"),
    ("01", 501, "above-maximum"),
    ("03", None, "required-missing"),
    ("04", datetime(2020, 6, 3), "date-in-number-cell"),
    ("06", True, "boolean-in-number-cell"),
    ("07", "1.200", "number-as-text"),
])
def test_cell_value_findings(tmp_path, form, unit, period, code, typed, finding):
    values = {k: v for k, v in CLEAN_VALUES.items() if k != code}
    if typed is not None:
        values[code] = typed
    report = check(make_return(tmp_path, form, unit, period, values), form)
    found = only(report, finding)
    assert (found.sheet, found.cell, found.indicator) == (MAIN, layout.Layout(form).value_cell(code), code)
    assert found.message("vi") and found.message("en")


def test_thousands_typed_as_text_count(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, {**CLEAN_VALUES, "07": "1.200"}), form)
    assert report.values["07"] == 1200
    assert report.status == "valid"


def test_formula_error_value(tmp_path, form, unit, period):
    raw = read_workbook(make_return(tmp_path, form, unit, period, CLEAN_VALUES))
    raw.sheet(MAIN).cells["D12"] = CellError("#DIV/0!")
    report = validate_workbook(raw, form)
    found = only(report, "formula-error")
    assert (found.cell, found.indicator, found.value) == ("D12", "04", "#DIV/0!")
    assert report.values["04"] is None


def test_note_too_long_and_legacy_encoding(tmp_path, form, unit, period):
    notes = {"01": "x" * 501, "02": "Céng hßa x· héi chñ nghÜa ViÖt Nam"}
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, notes=notes), form)
    long_note = only(report, "text-too-long")
    assert (long_note.sheet, long_note.cell, long_note.indicator) == (MAIN, "E9", "01")
    legacy = only(report, "legacy-encoding")
    assert (legacy.cell, legacy.indicator, legacy.severity) == ("E10", "02", "warning")


def test_answer_too_long_is_cited_on_the_answers_sheet(tmp_path, form, unit, period):
    answers = {"kien-nghi": "ý " * 2001}
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, answers=answers), form)
    found = only(report, "text-too-long")
    assert (found.sheet, found.cell, found.indicator) == (ANSWERS, layout.Layout(form).answer_cell("kien-nghi"), None)


# --------------------------------------------------------------------------- cross-field rules


@pytest.mark.parametrize("conference, participants, rule", [
    (0, 600, "participants-without-conference"),
    (3, 0, "conference-without-participants"),
    (1, 2500, "participants-per-conference-implausible"),
])
def test_form_rules(tmp_path, form, unit, period, conference, participants, rule):
    values = {**CLEAN_VALUES, "05": conference, "05.1": participants}
    report = check(make_return(tmp_path, form, unit, period, values), form)
    found = only(report, "rule-failed")
    assert (found.cell, found.indicator, found.severity, found.params["rule"]) == ("D14", "05.1", "warning", rule)
    assert found.params["rule_message"].vi == next(r.message for r in form.rules if r.code == rule)
    assert found.message("vi") == found.params["rule_message"].vi
    assert report.status == "warnings"


# --------------------------------------------------------------------------- identity


def test_metadata_missing_is_identified_from_the_heading(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=without_metadata), form)
    assert codes(report) == ["metadata-missing"]
    assert (report.unit_code, report.period, report.form) == ("T01", "2020-H1", form.id)
    assert report.values == CLEAN_VALUES
    assert report.status == "warnings"


def test_wrong_form(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                               mutate=set_metadata("form_id", "bao-cao-khac")), form)
    found = only(report, "wrong-form")
    assert found.value == "bao-cao-khac"
    assert report.values == {} and report.status == "invalid"


@pytest.mark.parametrize("version, code, severity", [("0", "form-version-old", "error"),
                                                     ("2", "form-version-newer", "warning")])
def test_form_version(tmp_path, form, unit, period, version, code, severity):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                               mutate=set_metadata("form_version", version)), form)
    found = only(report, code)
    assert (found.severity, found.value) == (severity, int(version))
    assert codes(report) == [code]


def test_unknown_unit(tmp_path, form, unit, period):
    others = UnitList((Unit("T02", "Xã Thử Nghiệm Hai"),))
    found = only(check(make_return(tmp_path, form, unit, period, CLEAN_VALUES), form, units=others), "unknown-unit")
    assert (found.sheet, found.cell, found.value) == (MAIN, "A4", "T01")


def test_unit_name_other_than_in_the_units_list(tmp_path, form, unit, period):
    renamed = UnitList((Unit("T01", "Xã Thử Nghiệm Mới"),))
    found = only(check(make_return(tmp_path, form, unit, period, CLEAN_VALUES), form, units=renamed),
                 "unit-unexpected")
    assert (found.cell, found.value) == ("A4", "Xã Thử Nghiệm Một")
    assert found.params["expected"].params == {"name": "Xã Thử Nghiệm Mới", "code": "T01"}


def test_unit_code_in_metadata_other_than_in_the_heading(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                               mutate=set_metadata("unit_code", "T02")), form)
    found = only(report, "unit-unexpected")
    assert found.cell == "A4" and found.params["expected"].params["code"] == "T02"
    assert "T01" in found.params["found"]   # the heading as the commune has it


def test_period_mismatch(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES), form, period=parse_period("2020-H2"))
    found = only(report, "period-mismatch")
    assert (found.cell, found.value) == ("A3", "2020-H1")


def test_not_a_cchc_form(tmp_path, form):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "Bảng lương tháng 6"
    path = tmp_path / "khac.xlsx"
    workbook.save(path)
    report = check(path, form)
    assert codes(report) == ["not-a-cchc-form"] and report.status == "invalid"


def test_unreadable_file_keeps_the_reader_finding(tmp_path, form):
    path = tmp_path / "rong.xlsx"
    path.write_bytes(b"")
    report = check(path, form)
    assert codes(report) == ["file-empty"] and report.status == "unreadable"


# --------------------------------------------------------------------------- layout


def test_deleted_row(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=delete_row(11)), form)
    missing = only(report, "row-missing")
    assert (missing.indicator, missing.cell) == ("03", "B11")
    moved = {f.indicator: (f.cell, f.params["found_row"], f.params["expected_row"])
             for f in report.findings if f.code == "row-moved"}
    assert moved["04"] == ("D11", 11, 12) and moved["08"] == ("D16", 16, 17)
    assert report.values["04"] == 18 and report.values["08"] == 3 and report.values["03"] is None
    assert "layout-altered" not in codes(report)


def test_inserted_row_values_read_by_label(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                               mutate=insert_row(12, text="Tin trên Zalo")), form)
    assert report.values == CLEAN_VALUES
    moved = {f.indicator: f.cell for f in report.findings if f.code == "row-moved"}
    assert list(moved) == ["04", "05", "05.1", "06", "07", "08"]
    assert moved["04"] == "D13"
    assert set(codes(report)) == {"row-moved"}


def test_label_edited_in_place(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                               mutate=edit_label(form, "03", "Tin bài trên báo")), form)
    found = only(report, "label-changed")
    assert (found.cell, found.indicator, found.value) == ("B11", "03", "Tin bài trên báo")
    assert found.params["expected"] == form.indicator("03").label
    assert report.values["03"] == 0
    assert codes(report) == ["label-changed"]


def test_inserted_column(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=insert_column(3)), form)
    found = only(report, "layout-altered")
    assert (found.sheet, found.cell) == (MAIN, "A8")
    moved = found.params["detail"].items
    assert ("layout-detail-column-moved", "Số lượng", "E", "D") in \
        [(p.code, p.params["heading"], p.params["found"], p.params["expected"]) for p in moved]
    assert report.values == CLEAN_VALUES


def test_other_locked_cell_edited(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=edit_cell("C9", "Cái")), form)
    found = only(report, "layout-altered")
    assert (found.cell, found.value) == ("C9", "Cái") and found.params["detail"].items[0].params["expected"] == "Văn bản"


def test_labels_retyped_with_other_spaces_or_decomposed_accents_are_the_same_layout(tmp_path, form, unit, period):
    """Layout cells are compared folded: only a return whose texts differ from the template's is folded."""
    import unicodedata

    label = "  " + unicodedata.normalize("NFD", form.indicator("03").label).replace(" ", "   ") + " "
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                               mutate=edit_label(form, "03", label)), form)
    assert report.findings == [] and report.values == CLEAN_VALUES


def test_an_empty_layout_cell_filled_in_is_a_layout_change(tmp_path, form, unit, period):
    empty = next(c for c in layout.Layout(form).layout_cells if c.text == "")
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=edit_cell(empty.cell, "x")), form)
    found = only(report, "layout-altered")
    assert (found.cell, found.value) == (empty.cell, "x")


def test_template_from_another_edition_of_the_pack(tmp_path, form, unit, period):
    data = yaml.safe_load((form.directory / "form.yaml").read_text(encoding="utf-8"))
    data["indicators"][0]["label"] = "Số văn bản chỉ đạo về tuyên truyền CCHC"
    edited = form_from_dict(data, form.directory)
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES), edited)
    assert codes(report) == ["layout-altered"]
    assert report.findings[0].params["detail"].code == "layout-detail-pack-edition"


# --------------------------------------------------------------------------- protection


def test_protection_removed_is_a_warning_per_sheet(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=unprotect(MAIN)), form)
    found = only(report, "protection-removed")
    assert (found.sheet, found.cell, found.severity) == (MAIN, None, "warning")
    assert report.status == "warnings" and report.counts


def test_what_a_plain_resave_does_is_not_tampering(tmp_path, form, unit, period):
    def resave_like_libreoffice(workbook):
        workbook[layout.META_SHEET].sheet_state = "hidden"
        workbook.security = None

    path = make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=resave_like_libreoffice)
    assert check(path, form).findings == []


def test_unknown_protection_is_not_reported(tmp_path, form, unit, period):
    raw = read_workbook(make_return(tmp_path, form, unit, period, CLEAN_VALUES))
    for sheet in raw.sheets:
        sheet.protected = None
    assert validate_workbook(raw, form).findings == []


# --------------------------------------------------------------------------- batch


def _report(path: str, unit_code: str, values: dict, modified: datetime | None = None) -> FileReport:
    return FileReport(path=path, form="tuyen-truyen-cchc", unit_code=unit_code, unit_name=f"Xã {unit_code}",
                      period="2020-H1", values=dict(values), modified=modified)


def test_duplicate_unit_names_the_newer_file_and_whether_contents_differ(form):
    older = _report("/in/t01.xlsx", "T01", CLEAN_VALUES, datetime(2020, 6, 18, tzinfo=timezone.utc))
    newer = _report("/in/t01-sua.xlsx", "T01", {**CLEAN_VALUES, "01": 13}, datetime(2020, 6, 19, tzinfo=timezone.utc))
    other = _report("/in/t02.xlsx", "T02", CLEAN_VALUES)
    check_batch([newer, older, other], form)
    for report in (older, newer):
        found = only(report, "duplicate-unit")
        assert found.params["newer"] == "t01-sua.xlsx" and found.params["older"] == "t01.xlsx"
        difference = found.params["difference"]
        assert (difference.code, difference.params["codes"], found.severity) == ("duplicate-different-values", "01", "warning")
    assert other.findings == []


def test_duplicate_unit_with_identical_contents(form):
    first = _report("/in/a.xlsx", "T01", CLEAN_VALUES, datetime(2020, 6, 18))
    second = _report("/in/b.xlsx", "T01", CLEAN_VALUES, datetime(2020, 6, 17))
    check_batch([first, second], form)
    found = only(first, "duplicate-unit")
    assert found.params["newer"] == "a.xlsx" and found.params["difference"].code == "duplicate-same-content"


def test_outlier_above_q3_plus_three_iqr(form):
    figures = [10, 12, 9, 11, 10, 13, 12, 400]
    reports = [_report(f"/in/{n}.xlsx", f"T{n:02d}", {**CLEAN_VALUES, "04": v}) for n, v in enumerate(figures)]
    check_batch(reports, form)
    flagged = [(r.unit_code, f.indicator, f.cell, f.severity) for r in reports for f in r.findings]
    assert flagged == [("T07", "04", "D12", "warning")]
    assert reports[-1].findings[0].value == 400 and reports[-1].findings[0].code == "outlier"


def test_no_outlier_below_eight_units(form):
    reports = [_report(f"/in/{n}.xlsx", f"T{n:02d}", {**CLEAN_VALUES, "04": v})
               for n, v in enumerate([10, 12, 9, 11, 10, 13, 400])]
    check_batch(reports, form)
    assert all(r.findings == [] for r in reports)


# --------------------------------------------------------------------------- files and folders


def test_validate_paths_reads_folders_recursively_in_order(tmp_path, form, units, period):
    for n, unit in enumerate(units.units):
        make_return(tmp_path / f"dot{n}", form, unit, period, CLEAN_VALUES)
    (tmp_path / "ghi-chu.txt").write_text("không phải bảng tính")
    batch = validate_paths([tmp_path], form, units=units, period=period)
    assert [r.unit_code for r in batch.files] == ["T01", "T02", "T03"]
    assert batch.summary == {"files": 3, "valid": 3, "warnings": 0, "invalid": 0, "unreadable": 0}


def test_validate_paths_in_a_process_pool_gives_the_same_reports(tmp_path, form, units, period):
    for unit in units.units:
        make_return(tmp_path, form, unit, period, REFERENCE_VALUES)
    serial = validate_paths([tmp_path], form, jobs=1)
    pooled = validate_paths([tmp_path], form, jobs=2)
    assert [r.to_dict() for r in serial.files] == [r.to_dict() for r in pooled.files]


SPAWNED_POOLS_SCRIPT = """
import json, multiprocessing, sys
if __name__ == "__main__":
    multiprocessing.set_start_method("spawn", force=True)
    from cchc_sheets import feedback
    from cchc_sheets.batch import validate_paths
    from cchc_sheets.forms import load_form
    form = load_form(None)
    serial = validate_paths([sys.argv[1]], form, jobs=1, cache=False)
    pooled = validate_paths([sys.argv[1]], form, jobs=2, cache=False)
    written, _ = feedback.write_feedbacks(pooled, sys.argv[2], form, jobs=2)
    print(json.dumps({"same": [r.to_dict() for r in serial.files] == [r.to_dict() for r in pooled.files],
                      "files": len(pooled.files), "copies": sorted(p.name for p in written)}))
"""


def test_pools_work_when_workers_are_spawned_as_on_windows(tmp_path, form, units, period):
    """Windows (and macOS) start worker processes fresh instead of forking: nothing may rely on fork."""
    import json
    import subprocess
    import sys

    returns = tmp_path / "returns"
    for unit in units.units:
        make_return(returns, form, unit, period, REFERENCE_VALUES)
    script = tmp_path / "spawned.py"
    script.write_text(SPAWNED_POOLS_SCRIPT, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(returns), str(tmp_path / "fb")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["same"] is True and result["files"] == len(units.units)
    assert len(result["copies"]) == len(units.units)  # the reference values carry warnings: one copy each


def test_duplicate_files_in_a_folder(tmp_path, form, unit, period):
    first = make_return(tmp_path, form, unit, period, CLEAN_VALUES, name="lan1.xlsx")
    second = make_return(tmp_path, form, unit, period, CLEAN_VALUES, name="lan2.xlsx")
    os.utime(first, (1_590_000_000, 1_590_000_000))
    os.utime(second, (1_591_000_000, 1_591_000_000))
    batch = validate_paths([tmp_path], form)
    for report in batch.files:
        found = only(report, "duplicate-unit")
        assert found.params["newer"] == "lan2.xlsx"


def test_missing_input_and_no_spreadsheets_are_fatal(tmp_path, form):
    with pytest.raises(CchcError) as raised:
        validate_paths([tmp_path / "khong-co"], form)
    assert raised.value.code == "input-not-found"
    with pytest.raises(CchcError) as raised:
        validate_paths([tmp_path], form)
    assert raised.value.code == "no-input-files"


def test_findings_hold_no_words_and_render_in_the_language_asked(tmp_path, form, unit, period, monkeypatch):
    monkeypatch.setenv("CCHC_LANG", "en")   # a process setting no longer changes what the library makes
    report = check(make_return(tmp_path, form, unit, period, REFERENCE_VALUES), form)
    found = only(report, "not-a-number")
    assert found.message() == found.message("vi") != found.message("en")
    assert found.value in found.message("vi") and found.value in found.message("en")


# --------------------------------------------------------------------------- re-saved by LibreOffice


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_resaved_by_libreoffice_reads_to_the_same_findings(tmp_path, form, unit, period, soffice, fmt):
    from cchc_sheets.libreoffice import convert

    original = make_return(tmp_path, form, unit, period, REFERENCE_VALUES, notes={"01": "Kế hoạch số 08"},
                           answers={"kho-khan": "Kinh phí còn hạn chế."})
    expected = check(original, form)
    resaved = check(convert(original, fmt, tmp_path / fmt), form, period=period)
    assert resaved.file_format == fmt
    assert (resaved.values, resaved.notes, resaved.answers) == (expected.values, expected.notes, expected.answers)
    assert [(f.code, f.cell, f.indicator) for f in resaved.findings] == \
        [(f.code, f.cell, f.indicator) for f in expected.findings]


def test_one_form_plan_serves_a_batch_of_files_and_only_its_own_form(tmp_path, form, unit, period, units):
    """The plan (folded labels, memos) a worker keeps for its batch gives each file the report it gets alone."""
    from cchc_sheets.validation import FormPlan, validate_content

    plan = FormPlan(form)
    paths = [make_return(tmp_path, form, unit, period, CLEAN_VALUES, name="a.xlsx"),
             make_return(tmp_path, form, unit, period, CLEAN_VALUES, name="b.xlsx",
                         mutate=chain(insert_row(12, text="Tin trên Zalo"), edit_label(form, "03", "Tin bài trên báo")))]
    for path in paths * 2:
        shared, alone = validate_content(read_workbook(path), form, plan), validate_content(read_workbook(path), form)
        assert [(f.code, f.cell, f.indicator) for f in shared.findings] == \
            [(f.code, f.cell, f.indicator) for f in alone.findings]
        assert shared.values == alone.values
    other = form_from_dict({**yaml.safe_load((form.directory / "form.yaml").read_text(encoding="utf-8")),
                            "id": "mau-khac"}, form.directory)
    with pytest.raises(ValueError):
        validate_content(read_workbook(paths[0]), other, plan)
