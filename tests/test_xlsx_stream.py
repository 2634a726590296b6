"""xlsx_stream: the streaming .xlsx writer behind the consolidated workbook."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest

from cchc_sheets.xlsx_stream import (
    ZIP_TIME, Formula, PageSetup, Style, WorkbookWriter, cell_ref, column_letter, excel_serial,
)


@pytest.mark.parametrize("column, letters", [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (702, "ZZ"),
                                             (703, "AAA"), (16384, "XFD")])
def test_column_letters(column, letters):
    assert column_letter(column) == letters and cell_ref(7, column) == f"{letters}7"


def test_excel_serial_dates():
    assert excel_serial(datetime(1900, 3, 1)) == 61
    assert excel_serial(datetime(2020, 6, 18, 9, 0)) == 44000.375


def write(build) -> bytes:
    book = WorkbookWriter(Style())
    build(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_text_is_never_a_formula_and_formulas_carry_their_value(tmp_path):
    from openpyxl import load_workbook

    def build(book):
        sheet = book.add_sheet("Trang 1")
        text = book.style(wrap=True)
        sheet.write_row(1, [(1, "=HYPERLINK(\"http://x\")", text), (2, "+1", 0), (3, "-", 0), (4, "@SUM(1)", 0),
                            (5, "bình thường", text)])
        sheet.write_row(2, [(1, 2, 0), (2, 2.5, 0), (3, Formula("SUM(A2:B2)", 4.5), 0), (4, None, text),
                            (5, "a\x07b", 0), (6, float("nan"), 0)])

    path = tmp_path / "a.xlsx"
    path.write_bytes(write(build))
    sheet = load_workbook(path)["Trang 1"]
    assert [c.data_type for c in sheet[1]][:5] == ["s"] * 5
    assert [c.quotePrefix for c in sheet[1]][:5] == [True, True, True, True, False]
    assert sheet["C2"].value == "=SUM(A2:B2)" and sheet["E2"].value == "a\ufffdb"
    cached = load_workbook(path, data_only=True)["Trang 1"]
    assert [c.value for c in cached[2]] == [2, 2.5, 4.5, None, "a\ufffdb", "nan"]
    assert cached["D2"].alignment.wrap_text


def test_rows_must_come_in_order():
    book = WorkbookWriter()
    sheet = book.add_sheet("A")
    sheet.write_row(2, [(1, "x", 0)])
    with pytest.raises(ValueError):
        sheet.write_row(2, [(1, "y", 0)])


def test_package_parts_and_determinism():
    def build(book):
        sheet = book.add_sheet("Dữ liệu")
        sheet.write_row(1, [(1, "a", 0)])
        sheet.page = PageSetup(landscape=True, title_rows=(1, 1))
        sheet.autofilter, sheet.freeze = "A1:A1", "B2"
        book.add_sheet("ẩn", hidden=True).write_row(1, [(1, 1, 0)])
        book.add_custom_xml(iter(['<x xmlns="urn:test">', "{}", "</x>"]), "{00000000-0000-0000-0000-000000000001}")

    first, second = write(build), write(build)
    assert first == second  # same input, same bytes (fixed zip times)
    package = zipfile.ZipFile(io.BytesIO(first))
    assert package.read("customXml/item1.xml") == b'<x xmlns="urn:test">{}</x>'
    workbook = package.read("xl/workbook.xml").decode()
    assert 'name="ẩn" sheetId="2" state="hidden"' in workbook
    assert "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'Dữ liệu'!$1:$1</definedName>" in workbook
    sheet = package.read("xl/worksheets/sheet1.xml").decode()
    assert '<pane xSplit="1" ySplit="1" topLeftCell="B2" activePane="bottomRight" state="frozen"/>' in sheet
    assert 'paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"' in sheet
    # Every member, streamed or not, has the fixed time and the writer's method.
    assert {(i.date_time, i.compress_type) for i in package.infolist()} == {(ZIP_TIME, zipfile.ZIP_DEFLATED)}


def _sheet_xml(build) -> str:
    return zipfile.ZipFile(io.BytesIO(write(build))).read("xl/worksheets/sheet1.xml").decode()


def test_row_format_writes_what_write_row_writes():
    """The row templates: text (new, known, quote-prefixed), numbers, blanks, times, floats."""
    rows = [(1, "mới", None, datetime(2020, 6, 18, 9, 0)), (2, "mới", 7, None), (3, "=1+1", -4, None),
            (4, "khác", 2.5, None), (5, "", True, datetime(2020, 6, 19))]
    styles = {1: 1, 2: 2, 3: 3, 4: 4}

    def styled(book):
        for size in (10, 12, 13, 14):
            book.style(size=size)

    def by_cells(book):
        styled(book)
        sheet = book.add_sheet("A")
        for row, values in enumerate(rows, start=1):
            cells = [(c, v, styles[c]) for c, v in enumerate(values, start=1)]
            sheet.write_row(row, cells, height=20 if row % 2 else None)

    def by_format(book):
        styled(book)
        sheet = book.add_sheet("A")
        table = sheet.row_format([(c, {str: s, int: s, datetime: s, type(None): s}) for c, s in styles.items()],
                                 lambda column, value: (column, value, styles[column]))
        for row, values in enumerate(rows, start=1):
            table.write(row, values, height=20 if row % 2 else None)

    assert _sheet_xml(by_format) == _sheet_xml(by_cells)
    assert write(by_format) == write(by_cells)  # shared strings in the same order too


def test_row_format_refuses_rows_out_of_order_and_of_the_wrong_width():
    book = WorkbookWriter()
    table = book.add_sheet("A").row_format([(1, {str: 0}), (2, {int: 0})], lambda column, value: (column, value, 0))
    table.write(2, ("a", 1))
    with pytest.raises(ValueError):
        table.write(2, ("b", 2))
    with pytest.raises(ValueError):
        table.write(3, ("c",))


@pytest.mark.parametrize("texts", [["a", "b c"], [" lề trái", "lề phải "], ["a & <b>"], ["", "x"],
                                   ["chuông\x07", "ok"], ["dòng 1\ndòng 2"], ["\u00a0nbsp"]])
def test_shared_strings_survive_whatever_they_hold(tmp_path, texts):
    from openpyxl import load_workbook

    def build(book):
        book.add_sheet("A").write_row(1, [(n, text, 0) for n, text in enumerate(texts, start=1)])

    path = tmp_path / "s.xlsx"
    path.write_bytes(write(build))
    expected = [text.replace("\x07", "\ufffd") for text in texts]
    assert [c.value for c in load_workbook(path)["A"][1]] == expected


def test_a_failing_write_in_the_zip_thread_is_raised_by_save():
    """The parts are compressed in a thread: a full disk there fails ``save``, it never hangs."""
    class Full(io.BytesIO):
        def write(self, data):
            if self.tell() > 50_000:
                raise OSError("disk full")
            return super().write(data)

    book = WorkbookWriter()
    sheet = book.add_sheet("A")
    for row in range(1, 20_000):
        sheet.write_row(row, [(1, f"text {row}", 0), (2, row, 0)])
    with pytest.raises(OSError, match="disk full"):
        book.save(Full())


def test_blocks_cut_anywhere_give_the_same_package(monkeypatch):
    """zlib's output does not depend on where its input is cut: the threaded writer's batches
    leave the package as it would be written in one go."""
    from cchc_sheets.xlsx_stream import workbook

    def build(book):
        sheet = book.add_sheet("A")
        for row in range(1, 3000):
            sheet.write_row(row, [(1, f"văn bản {row % 97}", 0), (2, row * 7, 0), (3, row / 3, 0)])
        book.add_custom_xml((f"<x>{n}</x>" for n in range(5000)), "{0}")

    whole = write(build)
    monkeypatch.setattr(workbook.PartWriter, "BATCH", 1000)
    assert write(build) == whole
