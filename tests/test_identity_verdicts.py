"""Which sheets and whose identity a return carries: renamed sheets, a malformed or contradicted
hidden identity, sheets added to the template (issue 18)."""
from __future__ import annotations

import pytest

from builders import (CLEAN_VALUES, add_sheet, chain, make_return, rename_sheet, set_metadata, without_metadata)
from cchc_sheets import layout
from cchc_sheets.messages import CATALOGUE
from cchc_sheets.periods import parse_period
from cchc_sheets.reading import read_workbook
from cchc_sheets.validation import validate_workbook
from test_validation import check, codes, only

MAIN, ANSWERS, META = layout.MAIN_SHEET, layout.ANSWERS_SHEET, layout.META_SHEET


@pytest.fixture
def unit(units):
    return units.units[0]


# --------------------------------------------------------------------------- a renamed sheet


@pytest.mark.parametrize("new_name", ["Sheet1", "Báo cáo (2)"])
def test_renamed_main_sheet_is_read_with_a_warning(tmp_path, form, unit, period, units, new_name):
    path = make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=rename_sheet(MAIN, new_name))
    report = check(path, form, units=units, period=period)
    assert codes(report) == ["sheet-renamed"]
    found = only(report, "sheet-renamed")
    assert (found.sheet, found.severity, found.params) == (new_name, "warning",
                                                           {"found": new_name, "expected": MAIN})
    assert report.values == CLEAN_VALUES
    assert (report.unit_code, report.period) == ("T01", "2020-H1")
    assert report.status == "warnings"


def test_findings_on_a_renamed_sheet_cite_it_by_its_name(tmp_path, form, unit, period):
    path = make_return(tmp_path, form, unit, period, {**CLEAN_VALUES, "02": -1},
                       mutate=rename_sheet(MAIN, "Sheet1"))
    report = check(path, form, period=parse_period("2020-H2"))
    negative = only(report, "negative-number")
    assert (negative.sheet, negative.cell, negative.indicator) == ("Sheet1", "D10", "02")
    assert only(report, "period-mismatch").sheet == "Sheet1"
    assert codes(report)[0] == "sheet-renamed"


def test_renamed_answers_sheet_is_read_too(tmp_path, form, unit, period):
    path = make_return(tmp_path, form, unit, period, CLEAN_VALUES, answers={"kho-khan": "Kinh phí còn hạn chế."},
                       mutate=chain(rename_sheet(MAIN, "Sheet1"), rename_sheet(ANSWERS, "Sheet2")))
    report = check(path, form)
    assert [(f.code, f.params["expected"], f.params["found"]) for f in report.findings] == \
        [("sheet-renamed", MAIN, "Sheet1"), ("sheet-renamed", ANSWERS, "Sheet2")]
    assert report.answers == {"kho-khan": "Kinh phí còn hạn chế."}


def test_the_renamed_sheet_is_the_one_with_the_form_labels(tmp_path, form, unit, period):
    path = make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                       mutate=chain(add_sheet("Ghi chép", {"A1": "Sổ theo dõi", "B2": 7}),
                                    rename_sheet(MAIN, "Sheet1")))
    report = check(path, form)
    assert codes(report) == ["sheet-renamed", "sheet-added"]
    assert only(report, "sheet-renamed").params["found"] == "Sheet1"
    assert only(report, "sheet-added").params == {"name": "Ghi chép"}
    assert report.values == CLEAN_VALUES


def test_a_sheet_without_the_form_labels_is_not_taken_for_the_main_sheet(tmp_path, form, unit, period):
    def replace_main(workbook):
        workbook.remove(workbook[MAIN])
        workbook.create_sheet("Sheet1", 0)["A1"] = "Bảng lương tháng 6"

    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=replace_main), form)
    assert codes(report) == ["not-a-cchc-form"]


def test_a_return_pasted_into_a_new_workbook_sheet1_is_read_from_its_heading(tmp_path, form, unit, period):
    path = make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                       mutate=chain(without_metadata, rename_sheet(MAIN, "Sheet1")))
    report = check(path, form)
    assert codes(report) == ["metadata-missing", "sheet-renamed"]
    assert only(report, "metadata-missing").sheet == "Sheet1"
    assert report.values == CLEAN_VALUES


def test_same_name_with_other_case_and_spaces_is_no_rename(tmp_path, form, unit, period):
    path = make_return(tmp_path, form, unit, period, {**CLEAN_VALUES, "02": -1},
                       mutate=rename_sheet(MAIN, " báo  CÁO"))
    report = check(path, form)
    assert codes(report) == ["negative-number"]
    assert report.findings[0].sheet == " báo  CÁO"


# --------------------------------------------------------------------------- the hidden identity


@pytest.mark.parametrize("key, stored, shown", [
    ("period", "9999-H9", "9999-H9"),
    ("form_version", "abc", "abc"),
    ("form_version", "1.5", "1.5"),
    ("unit_code", None, None),
    ("form_id", None, None),
])
def test_malformed_hidden_identity_is_an_error_without_a_period(tmp_path, form, unit, period, key, stored, shown):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=set_metadata(key, stored)), form)
    found = only(report, "metadata-invalid")
    assert (found.sheet, found.severity, found.value, found.params["key"]) == (META, "error", shown, key)
    assert found.params["field"].code == "metadata-field-" + key.replace("_", "-")
    assert (found.params["found"].code, found.params["found"].params) == \
        (("metadata-value-empty", {}) if shown is None else ("metadata-value-shown", {"value": shown}))
    assert codes(report) == ["metadata-invalid"]
    assert report.status == "invalid"
    assert found.message("vi") and found.message("en")


def test_hidden_sheet_with_its_identity_emptied_is_invalid_not_missing(tmp_path, form, unit, period):
    path = make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                       mutate=chain(set_metadata("form_id", None), set_metadata("unit_code", None)))
    report = check(path, form)
    assert [(f.code, f.params["key"]) for f in report.findings] == [("metadata-invalid", "form_id"),
                                                                     ("metadata-invalid", "unit_code")]
    assert (report.unit_code, report.period) == ("T01", "2020-H1")   # from the heading
    assert report.status == "invalid"


def test_old_version_number_is_still_an_old_template_not_a_malformed_one(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=set_metadata("form_version", 0)),
                   form)
    assert codes(report) == ["form-version-old"]


def test_hidden_period_contradicting_the_heading_is_an_error_without_a_period(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                               mutate=set_metadata("period", "2020-H2")), form)
    found = only(report, "period-contradicts-heading")
    assert (found.sheet, found.cell, found.severity) == (MAIN, "A3", "error")
    assert found.params == {"found": "2020-H1", "expected": "2020-H2"}
    assert codes(report) == ["period-contradicts-heading"] and report.period == "2020-H2"


def test_hidden_period_contradicting_the_heading_and_the_period_asked(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                               mutate=set_metadata("period", "2020-H2")), form, period=period)
    assert codes(report) == ["period-mismatch", "period-contradicts-heading"]


def test_hidden_unit_name_contradicting_the_heading(tmp_path, form, unit, period):
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                               mutate=set_metadata("unit_name", "Xã Khác Hẳn")), form)
    found = only(report, "unit-unexpected")
    assert (found.sheet, found.cell) == (MAIN, "A4")
    assert found.params["expected"].params == {"name": "Xã Khác Hẳn", "code": "T01"}
    assert codes(report) == ["unit-unexpected"]


# --------------------------------------------------------------------------- added sheets


@pytest.mark.parametrize("state", ["visible", "hidden"])
def test_added_sheet_is_a_warning_per_sheet(tmp_path, form, unit, period, state):
    path = make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                       mutate=chain(add_sheet("Tính toán", {"A1": 1}, state=state), add_sheet("Sheet3")))
    report = check(path, form)
    assert [(f.code, f.sheet, f.cell, f.severity, f.params) for f in report.findings] == [
        ("sheet-added", "Tính toán", None, "warning", {"name": "Tính toán"}),
        ("sheet-added", "Sheet3", None, "warning", {"name": "Sheet3"})]
    assert report.values == CLEAN_VALUES and report.status == "warnings"


def test_the_feedback_copy_sent_back_adds_no_sheet(tmp_path, form, unit, period):
    for title in (CATALOGUE["feedback-sheet"].vi, CATALOGUE["feedback-sheet"].en):
        path = make_return(tmp_path, form, unit, period, CLEAN_VALUES, name=f"{title}.xlsx",
                           mutate=add_sheet(title, {"A1": "CÁC ĐIỂM CẦN SỬA"}))
        assert check(path, form).findings == []


def test_a_return_pasted_into_a_new_workbook_has_no_added_sheets(tmp_path, form, unit, period):
    """Without the hidden identity the workbook is the commune's own: its blank Sheet2 is no tampering."""
    path = make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                       mutate=chain(without_metadata, add_sheet("Sheet2")))
    assert codes(check(path, form)) == ["metadata-missing"]


def test_added_sheet_seen_from_names_and_visibility_only(tmp_path, form, unit, period):
    """A sheet the reader listed without loading its cells is still reported."""
    raw = read_workbook(make_return(tmp_path, form, unit, period, CLEAN_VALUES,
                                    mutate=add_sheet("Dữ liệu lớn", {"A1": 1})))
    raw.sheet("Dữ liệu lớn").cells.clear()
    assert codes(validate_workbook(raw, form)) == ["sheet-added"]


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_libreoffice_resave_adds_no_sheet(tmp_path, form, unit, period, soffice, fmt):
    from cchc_sheets.libreoffice import convert

    original = make_return(tmp_path, form, unit, period, CLEAN_VALUES)
    resaved = convert(original, fmt, tmp_path / fmt)
    assert [s.name for s in read_workbook(resaved).sheets] == [MAIN, ANSWERS, META]
    assert check(resaved, form, period=period).findings == []


def test_the_feedback_copy_marks_the_cells_of_a_renamed_sheet(tmp_path, form, unit, period):
    from openpyxl import load_workbook

    from cchc_sheets.feedback import write_feedback

    path = make_return(tmp_path, form, unit, period, {**CLEAN_VALUES, "02": -1}, mutate=rename_sheet(MAIN, "Sheet1"))
    copy = write_feedback(check(path, form), tmp_path / "out", form)
    assert load_workbook(copy)["Sheet1"]["D10"].comment is not None


def test_many_added_sheets_are_ten_warnings_and_a_count(tmp_path, form, unit, period):
    extra = chain(*(add_sheet(f"Trang {n}") for n in range(25)))
    report = check(make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=extra), form)
    added = [f.params["name"] for f in report.findings if f.code == "sheet-added"]
    assert added == [f"Trang {n}" for n in range(10)]
    assert only(report, "sheets-added-more").params == {"count": 15}
