"""What communes type into Số lượng cells, read the way an officer would read it."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, time

import pytest

from cchc_sheets.forms import Indicator
from cchc_sheets.messages import CATALOGUE, MISSING_FIELD, render
from cchc_sheets.values import (CellError, looks_like_legacy_encoding, number_from_text,
                                parse_indicator_value, parse_text_value)

COUNT = Indicator(code="05", label="Số Hội nghị tập huấn", unit="Hội nghị", kind="count", min=0, max=500)
OPTIONAL = Indicator(code="09", label="Ghi nhận thêm", unit="Lần", kind="count", required=False)
RATIO = Indicator(code="10", label="Tỉ lệ", unit="%", kind="number", min=0, max=100)
SIGNED = Indicator(code="11", label="Chênh lệch", unit="Người", kind="number", min=-50, max=None)

# raw value, indicator, expected number, expected remark, expected issue codes
CASES = [
    # the reference report's own entries
    ("12", COUNT, 12, None, ["number-as-text"]),
    (12, COUNT, 12, None, []),
    (0, COUNT, 0, None, []),
    ("0", COUNT, 0, None, ["number-as-text"]),
    ("6(lồng ghép)", COUNT, 6, "lồng ghép", ["number-with-remark"]),
    ("600 (Lượt người)", Indicator("05.1", "Số người", "Người", max=100000), 600, "Lượt người",
     ["number-with-remark"]),
    ("02", COUNT, 2, None, ["number-as-text"]),
    ("Hội nghị; mạng xã hội; TT miệng…", COUNT, None, None, ["not-a-number"]),
    # numbers typed as text, Vietnamese style
    (" 02 ", COUNT, 2, None, ["number-as-text"]),
    ("1.200", RATIO.__class__("03", "Tin, bài", "Tin, bài", max=5000), 1200, None, ["number-as-text"]),
    ("1.200.000", Indicator("03", "Tin, bài", "Tin, bài", max=None), 1200000, None, ["number-as-text"]),
    ("12,5", RATIO, 12.5, None, ["number-as-text"]),
    ("1.200,5", SIGNED, 1200.5, None, ["number-as-text"]),
    ("12 người", COUNT, 12, "người", ["number-with-remark"]),
    ("6 [lồng ghép]", COUNT, 6, "lồng ghép", ["number-with-remark"]),
    # numbers from the cell as numbers
    (3.0, COUNT, 3, None, []),
    (5.0, RATIO, 5, None, []),
    (2.5, COUNT, 2.5, None, ["not-a-whole-number"]),
    ("12,5", COUNT, 12.5, None, ["number-as-text", "not-a-whole-number"]),
    (12.5, RATIO, 12.5, None, []),
    (-3, COUNT, -3, None, ["negative-number"]),
    ("-3", COUNT, -3, None, ["number-as-text", "negative-number"]),
    ("−3", COUNT, -3, None, ["number-as-text", "negative-number"]),
    (-10, SIGNED, -10, None, []),
    (-60, SIGNED, -60, None, ["below-minimum"]),
    (501, COUNT, 501, None, ["above-maximum"]),
    (101.5, RATIO, 101.5, None, ["above-maximum"]),
    # things that are not numbers at all
    (date(2020, 6, 2), COUNT, None, None, ["date-in-number-cell"]),
    (datetime(2020, 6, 2, 8, 30), COUNT, None, None, ["date-in-number-cell"]),
    (time(6, 0), COUNT, None, None, ["date-in-number-cell"]),
    (True, COUNT, None, None, ["boolean-in-number-cell"]),
    (False, COUNT, None, None, ["boolean-in-number-cell"]),
    (CellError("#DIV/0!"), COUNT, None, None, ["formula-error"]),
    ("#REF!", COUNT, None, None, ["formula-error"]),
    ("Err:502", COUNT, None, None, ["formula-error"]),
    ("2 hội nghị, 3 lớp", COUNT, None, None, ["not-a-number"]),   # two numbers: ambiguous
    ("không có", COUNT, None, None, ["not-a-number"]),
    (float("nan"), COUNT, None, None, ["number-not-finite"]),
    (float("inf"), COUNT, None, None, ["number-not-finite"]),      # 1e309 in a cell's XML
    (-float("inf"), SIGNED, None, None, ["number-not-finite"]),
    ("9" * 5000, COUNT, None, None, ["number-too-long"]),          # beyond Python's int() digit limit
    ("1." + "000." * 20 + "000", COUNT, None, None, ["number-too-long"]),
    ("1" * 30, Indicator("03", "Tin, bài", "Tin, bài", max=None), int("1" * 30), None, ["number-as-text"]),
    # empty cells
    (None, COUNT, None, None, ["required-missing"]),
    ("", COUNT, None, None, ["required-missing"]),
    ("   ", COUNT, None, None, ["required-missing"]),
    (None, OPTIONAL, None, None, []),
]


@pytest.mark.parametrize("raw, indicator, number, remark, codes", CASES, ids=[repr(c[0]) for c in CASES])
def test_indicator_values(raw, indicator, number, remark, codes):
    result = parse_indicator_value(raw, indicator)
    assert result.codes == codes
    assert result.remark == remark
    if number is None:
        assert result.number is None
    else:
        assert result.number == number
        assert type(result.number) is type(number)   # whole numbers come back as int (3.0 -> 3)


@pytest.mark.parametrize("raw, indicator, number, remark, codes", CASES, ids=[repr(c[0]) for c in CASES])
def test_every_issue_renders_in_both_languages(raw, indicator, number, remark, codes):
    """Params carry every field the catalogue template uses (a missing one would show as MISSING_FIELD)."""
    for issue in parse_indicator_value(raw, indicator).issues:
        assert issue.code in CATALOGUE
        for lang in ("vi", "en"):
            text = render(issue.code, lang, indicator=indicator.code, **issue.params)
            assert "{" not in text and MISSING_FIELD not in text


def test_remark_and_number_are_quoted_in_the_warning():
    issue = parse_indicator_value("600 (Lượt người)", Indicator("05.1", "Số người", "Người")).issues[0]
    assert issue.params["number"] == "600"
    assert issue.params["remark"] == "Lượt người"
    message = render(issue.code, "vi", **issue.params)
    assert "Ghi chú" in message and "“Lượt người”" in message


def test_words_in_a_count_suggest_moving_them_to_the_note():
    issue = parse_indicator_value("Hội nghị; mạng xã hội; TT miệng…", COUNT).issues[0]
    assert issue.params["value"] == "Hội nghị; mạng xã hội; TT miệng…"
    assert "Ghi chú" in render(issue.code, "vi", **issue.params)


def test_vietnamese_number_display_in_params():
    issue = parse_indicator_value("1.200.000", COUNT).issues[-1]
    assert issue.code == "above-maximum"
    assert issue.params["number"] == "1.200.000" and issue.params["maximum"] == "500"


def test_decomposed_text_is_normalised_before_parsing():
    decomposed = unicodedata.normalize("NFD", "6(lồng ghép)")
    result = parse_indicator_value(decomposed, COUNT)
    assert result.number == 6 and result.remark == unicodedata.normalize("NFC", "lồng ghép")


@pytest.mark.parametrize("text, number", [
    ("02", 2), ("1.200", 1200), ("1 200", 1200), ("12,5", 12.5), ("0,5", 0.5), ("12.5", 12.5),
    ("+7", 7), ("1.2.3", None), ("12a", None), ("", None), ("1,2,3", None),
])
def test_number_from_text(text, number):
    assert number_from_text(text) == number


# --------------------------------------------------------------------------- text cells


def test_text_is_nfc_and_trimmed():
    result = parse_text_value(unicodedata.normalize("NFD", "  Lồng ghép với họp dân \u00a0"), 500)
    assert result.text == "Lồng ghép với họp dân"
    assert unicodedata.is_normalized("NFC", result.text)
    assert result.issues == []


def test_empty_text_is_none():
    assert parse_text_value(None, 10).text is None
    assert parse_text_value("   ", 10).text is None


def test_numbers_and_dates_in_text_cells_become_text():
    assert parse_text_value(3.0, None).text == "3"
    assert parse_text_value(1200, None).text == "1.200"
    assert parse_text_value(date(2020, 6, 5), None).text == "05/06/2020"


def test_text_too_long():
    result = parse_text_value("x" * 501, 500)
    assert result.codes == ["text-too-long"]
    assert result.issues[0].params["length"] == 501 and result.issues[0].params["limit"] == 500
    assert parse_text_value("x" * 500, 500).issues == []


def test_formula_error_in_text_cell():
    assert parse_text_value(CellError("#VALUE!"), 100).codes == ["formula-error"]


@pytest.mark.parametrize("text, legacy", [
    ("Céng hßa x· héi chñ nghÜa ViÖt Nam", True),              # TCVN3 (.VnTime) seen in Unicode
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", True),         # VNI-Times seen in Unicode
    ("Cộng hòa xã hội chủ nghĩa Việt Nam", False),
    ("Tổ chức hội nghị lồng ghép với họp dân", False),
    ("Hội nghị; mạng xã hội; TT miệng…", False),
    ("Herr Müller", False),                                      # one odd letter is not a pattern
    ("NguyÔn ThÞ Lan", True),                                    # a short TCVN3 name: "Nguyễn Thị Lan"
    ("TrÇn V¨n An", True),
    ("Nguyễn Thị Lan", False),
    ("McDonald Ông Bà", False),
    ("Phường ĐÔNG HÀ", False),
    ("Café Hà Nội", False),
    ("12,5% so với cùng kỳ", False),
])
def test_legacy_encoding_heuristic(text, legacy):
    assert looks_like_legacy_encoding(text) is legacy
    assert ("legacy-encoding" in parse_text_value(text, None).codes) is legacy


def test_a_finding_missing_a_field_its_message_gained_since_still_renders():
    """An older ledger's finding without ``label``: the field shows as MISSING_FIELD, nothing fails."""
    for lang in ("vi", "en"):
        text = render("not-a-whole-number", lang, value="6,5")
        assert MISSING_FIELD in text and "6,5" in text
