"""The shared A1 and text helpers, table-driven (XlsxWriter's habit)."""
import unicodedata

import pytest

from cchc_sheets import a1, text


@pytest.mark.parametrize("column, letters", [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"),
                                             (702, "ZZ"), (703, "AAA"), (16384, "XFD")])
def test_column_letters_both_ways(column, letters):
    assert a1.column_letter(column) == letters
    assert a1.column_number(letters) == column
    assert a1.column_number(letters.lower()) == column


@pytest.mark.parametrize("address, expected", [("A1", (1, 1)), ("D12", (12, 4)), ("XFD1048576", (1048576, 16384)),
                                               ("A0", None), ("1A", None), ("D", None), ("", None), ("D1:E2", None)])
def test_split_cell(address, expected):
    assert a1.split_cell(address) == expected
    if expected:
        assert a1.cell_address(*expected) == address


def test_folding_and_nfc():
    nfd = unicodedata.normalize("NFD", "  Số   lượng\n")
    assert text.fold_text(nfd) == "Số lượng"
    assert text.fold_name(nfd) == "số lượng"
    assert text.nfc(None) == ""


def test_xml_text_escapes_and_drops_illegal_characters():
    assert text.xml_text("a<b & \x01c") == "a&lt;b &amp; \ufffdc"
