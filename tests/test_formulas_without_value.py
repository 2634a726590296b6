"""A formula whose result was never calculated is said to be one, not "not entered" (issue 18)."""
from __future__ import annotations

import hostile
import pytest
from builders import CLEAN_VALUES, make_return
from cchc_sheets import layout
from cchc_sheets.batch import validate_paths
from cchc_sheets.reading import read_workbook
from test_hostile_cells import _with_cell_xml as _rewritten   # one rewriting helper for cell XML


def test_a_formula_without_cached_value_is_its_own_finding(tmp_path, form, units, period):
    path = make_return(tmp_path, form, units.units[0], period, {**CLEAN_VALUES, "04": 424242})
    uncalculated = _rewritten(path, b"<v>424242</v>", b"<f>SUM(D9:D11)</f>")
    cell = layout.Layout(form).value_cell("04")
    raw = read_workbook(uncalculated)
    assert raw.sheet(layout.MAIN_SHEET).formulas_without_value == {cell}
    report = validate_paths([uncalculated], form, units=units, period=period).files[0]
    found = [(f.code, f.cell, f.indicator) for f in report.findings if f.indicator == "04"]
    assert found == [("formula-without-value", cell, "04")]
    assert report.status == "invalid" and report.values["04"] is None


def test_a_calculated_formula_is_not_reported(tmp_path, form, units, period):
    path = make_return(tmp_path, form, units.units[0], period, {**CLEAN_VALUES, "04": 424242})
    calculated = _rewritten(path, b"<v>424242</v>", b"<f>SUM(D9:D11)</f><v>424242</v>")
    raw = read_workbook(calculated)
    assert raw.sheet(layout.MAIN_SHEET).formulas_without_value == set()
    report = validate_paths([calculated], form, units=units, period=period).files[0]
    assert report.values["04"] == 424242


def test_ods_formula_without_office_value(tmp_path):
    table = (b'<table:table table:name="B\xc3\xa1o c\xc3\xa1o"><table:table-row>'
             b'<table:table-cell office:value-type="float" office:value="3"><text:p>3</text:p></table:table-cell>'
             b'<table:table-cell table:formula="of:=[.A1]*2"/>'
             b'<table:table-cell table:formula="of:=[.A1]*3" office:value-type="float" office:value="9"/>'
             b"</table:table-row></table:table>")
    path = tmp_path / "cong-thuc.ods"
    path.write_bytes(hostile.ods_bytes(table))
    raw = read_workbook(path)
    assert raw.problem is None
    assert raw.sheet(layout.MAIN_SHEET).formulas_without_value == {"B1"}


def _uncalculated_text_cells(form):
    """(sheet, cell) of one answer, each reporter field and one note: every text cell a commune fills."""
    place = layout.Layout(form)
    question = form.questions[0]
    cells = [(layout.ANSWERS_SHEET, place.answer_cell(question.code))]
    cells += [(layout.MAIN_SHEET, place.reporter_cell(key)) for key, _, _ in layout.REPORTER_FIELDS]
    return cells + [(layout.MAIN_SHEET, place.note_cell("04"))]


def test_text_cells_holding_an_uncalculated_formula_say_so(tmp_path, form, units, period):
    cells = _uncalculated_text_cells(form)

    def formulas(workbook):
        for sheet, cell in cells:
            workbook[sheet][cell] = '=A1&"x"'   # openpyxl writes the formula with no cached value

    path = make_return(tmp_path, form, units.units[0], period, CLEAN_VALUES, mutate=formulas)
    report = validate_paths([path], form, units=units, period=period).files[0]
    found = {(f.sheet, f.cell) for f in report.findings if f.code == "formula-without-value"}
    assert found == set(cells)
    assert all(f.params["entry"].code == "detail-entry-text"
               for f in report.findings if f.code == "formula-without-value")
    marked = {(f.sheet, f.cell) for f in report.findings if f.code == "required-missing"}
    assert not marked & set(cells)           # not "not entered"
    assert report.answers.get(form.questions[0].code) is None and report.status == "invalid"


def test_a_numeric_value_cell_asks_for_the_number(tmp_path, form, units, period):
    path = make_return(tmp_path, form, units.units[0], period, {**CLEAN_VALUES, "04": 424242})
    uncalculated = _rewritten(path, b"<v>424242</v>", b"<f>SUM(D9:D11)</f>")
    report = validate_paths([uncalculated], form, units=units, period=period).files[0]
    found = next(f for f in report.findings if f.code == "formula-without-value")
    assert found.params["entry"].code == "detail-entry-number"


FORMULA_SHAPES = [
    b'<c r="C11" s="1"><f>D11+E11</f><v>24</v></c>',                 # Excel, LibreOffice: cached
    b'<c r="C12" s="1"><f>D12+E12</f><v></v></c>',                   # openpyxl: no result
    b'<c r="C13"><f>D13</f></c>',                                     # no <v> at all
    b'<c r="C14" t="str"><f>"x"&amp;""</f><v></v></c>',              # an empty text result is a result
    b'<c r="C15"><f t="shared" si="0"/><v>3</v></c>',                 # shared formula, cached
    b'<c r="C16"><f t="shared" si="0"/></c>',                         # shared formula, no result
    b'<c r="C17" t="n"><f aca="false">D17</f><v>0</v></c>',          # LibreOffice's attribute
]


@pytest.mark.parametrize("extra", [b"", b'<c r="C18">\n  <f>D18</f>\n</c>', b'<c r="C19" t="inlineStr"><f>D19</f><is><t>a</t></is></c>'])
def test_the_plain_formula_shape_gives_what_the_full_scan_gives(extra):
    from cchc_sheets.reading.ooxml import formula_cells_without_value, uncached_formulas

    part = (b'<worksheet><sheetData><row r="11">' + b"".join(FORMULA_SHAPES) + extra
            + b"</row></sheetData><dataValidations><dataValidation><formula1>0</formula1></dataValidation>"
              b"</dataValidations></worksheet>")
    fast = uncached_formulas(part, (0, len(part)))
    assert fast == formula_cells_without_value(part)
    assert {"C12", "C13", "C16"} <= fast and not {"C11", "C14", "C15", "C17"} & fast
