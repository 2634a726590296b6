"""Which sheets and whose identity a return carries: renamed sheets, a malformed or contradicted
hidden identity, sheets added to the template (issue 18)."""
from __future__ import annotations

import pytest

from builders import CLEAN_VALUES, make_return, set_metadata
from cchc_sheets import layout
from test_validation import check, codes, only

MAIN, META = layout.MAIN_SHEET, layout.META_SHEET


@pytest.fixture
def unit(units):
    return units.units[0]


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
    if shown is None:
        assert found.params["found"].code == "metadata-value-empty"
    assert codes(report) == ["metadata-invalid"]
    assert report.status == "invalid"
    assert found.message("vi") and found.message("en")


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
