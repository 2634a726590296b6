"""Hostile cell contents end as a finding on their cell, never as an unreadable file (issue 18)."""
from __future__ import annotations

import zipfile

import pytest

from builders import CLEAN_VALUES, make_return
from cchc_sheets import layout
from cchc_sheets.batch import validate_paths


@pytest.fixture
def unit(units):
    return units.units[0]


def _with_cell_xml(path, old: bytes, new: bytes):
    """The return rewritten with ``old`` replaced by ``new`` in its sheet parts."""
    target = path.with_name("sua-" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, data.replace(old, new) if info.filename.startswith("xl/worksheets/") else data)
    return target


def test_a_five_thousand_digit_number_is_a_finding_on_its_cell(tmp_path, form, unit, period):
    path = make_return(tmp_path, form, unit, period, {**CLEAN_VALUES, "04": "9" * 5000})
    report = validate_paths([path], form).files[0]
    found = [(f.code, f.cell, f.indicator) for f in report.findings]
    assert ("number-too-long", layout.Layout(form).value_cell("04"), "04") in found
    assert report.status == "invalid" and report.values["01"] == CLEAN_VALUES["01"]


@pytest.mark.parametrize("literal, what", [(b"1e309", "detail-infinity"), (b"-1e999", "detail-infinity")])
def test_infinite_numbers_say_what_they_are(tmp_path, form, unit, period, literal, what):
    path = make_return(tmp_path, form, unit, period, {**CLEAN_VALUES, "04": 424242})
    hostile = _with_cell_xml(path, b"<v>424242</v>", b"<v>" + literal + b"</v>")
    report = validate_paths([hostile], form).files[0]
    found = next(f for f in report.findings if f.indicator == "04")
    assert (found.code, found.cell, found.params["what"].code) == ("number-not-finite", "D12", what)
