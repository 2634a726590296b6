"""Reading returned files: cells, visibility, protection, identity, and hostile inputs."""
from __future__ import annotations

import io
import resource
import subprocess
import time
import unicodedata
import zlib
from datetime import date
from pathlib import Path

import openpyxl
import pytest

import hostile
from builders import REFERENCE_VALUES, make_return, without_metadata
from cchc_sheets import layout
from cchc_sheets.identity import identify
from cchc_sheets.reading import Limits, column_index, column_letter, find_spreadsheets, read_workbook
from cchc_sheets.values import CellError

WILD = Path(__file__).resolve().parents[2] / "shared" / "wild-spreadsheets"
MB = 1024 * 1024


def save(workbook: openpyxl.Workbook, path: Path) -> Path:
    workbook.save(path)
    return path


def heading_workbook(title: str = "Sheet1", offset: int = 0) -> openpyxl.Workbook:
    """What pasting the visible form into a blank workbook gives: values only, no metadata."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    heading = layout.heading_texts("Xã An Hòa Thịnh", "18118", "6 tháng đầu năm 2020", "20/06/2020",
                                   "UBND huyện Hương Sơn")
    for row, text in heading.items():
        sheet[f"A{row + offset}"] = text
    sheet[f"D{layout.FIRST_INDICATOR_ROW + offset}"] = 12
    return workbook


# --------------------------------------------------------------------------- xlsx basics


def test_cells_visibility_and_protection_from_xlsx(tmp_path):
    workbook = openpyxl.Workbook()
    main = workbook.active
    main.title = "Báo cáo"
    main["B9"] = unicodedata.normalize("NFD", "Số lượng văn bản")
    main["D9"] = 12
    main["D10"] = "6(lồng ghép)"
    main["D11"] = 2.5
    main["D12"] = True
    main["D13"] = date(2020, 6, 2)
    main.protection.sheet = True
    hidden = workbook.create_sheet("Ẩn")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "x"
    very = workbook.create_sheet("_cchc")
    very.sheet_state = "veryHidden"
    very["B2"] = "y"
    workbook.security.lockStructure = True
    raw = read_workbook(save(workbook, tmp_path / "a.xlsx"))

    assert raw.problem is None and raw.file_format == "xlsx"
    assert [(s.name, s.visibility, s.protected) for s in raw.sheets] == [
        ("Báo cáo", "visible", True), ("Ẩn", "hidden", False), ("_cchc", "veryhidden", False)]
    cells = raw.sheet("báo cáo").cells
    assert cells["B9"] == "Số lượng văn bản" and unicodedata.is_normalized("NFC", cells["B9"])
    assert cells["D9"] == 12 and cells["D10"] == "6(lồng ghép)" and cells["D11"] == 2.5
    assert cells["D12"] is True
    assert cells["D13"] == date(2020, 6, 2)
    assert "A1" not in cells                      # only non-empty cells
    assert raw.sheet("_CCHC").cells == {"B2": "y"}
    assert raw.structure_protected is True
    assert len(raw.sha256) == 64 and raw.size == (tmp_path / "a.xlsx").stat().st_size
    assert raw.modified is not None and raw.modified.tzinfo is not None


def test_unprotected_workbook_reports_false(tmp_path):
    raw = read_workbook(save(heading_workbook(), tmp_path / "b.xlsx"))
    assert raw.structure_protected is False
    assert raw.sheets[0].protected is False


def test_formula_error_values_are_cell_errors(tmp_path):
    """calamine hands a cached #DIV/0! over as empty; the reader recovers it from the sheet XML."""
    members = hostile._members(hostile.small_xlsx_bytes({"A1": "x", "D9": 1}))
    sheet = members["xl/worksheets/sheet1.xml"].replace(
        b"</row></sheetData>",
        b'</row><row r="10"><c r="D10" t="e"><f>1/0</f><v>#DIV/0!</v></c></row></sheetData>')
    members["xl/worksheets/sheet1.xml"] = sheet
    data = hostile.raw_zip([(n, hostile.deflate(c), 8, zlib.crc32(c), len(c)) for n, c in members.items()])
    path = tmp_path / "loi.xlsx"
    path.write_bytes(data)
    cells = read_workbook(path).sheets[0].cells
    assert cells["D10"] == "#DIV/0!" and isinstance(cells["D10"], CellError)
    assert cells["D9"] == 1


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert [column_index(s) for s in ("A", "Z", "AA", "CV")] == [0, 25, 26, 99]


# --------------------------------------------------------------------------- identity


def test_identity_from_metadata_of_a_real_template(tmp_path, form, units, period):
    unit = units.get("T01")
    path = make_return(tmp_path, form, unit, period, REFERENCE_VALUES)
    raw = read_workbook(path)
    identity = identify(raw)
    assert identity.source == "metadata"
    assert (identity.form_id, identity.form_version) == (form.id, form.version)
    assert (identity.unit_code, identity.unit_name) == ("T01", "Xã Thử Nghiệm Một")
    assert identity.period == "2020-H1"
    assert identity.deadline == period.default_deadline
    assert identity.generated_at is not None
    assert identity.fingerprint == layout.Layout(form).fingerprint
    assert raw.sheet(layout.META_SHEET).visibility == "veryhidden"
    assert raw.sheet(layout.MAIN_SHEET).protected is True
    grid = layout.Layout(form)
    cells = raw.sheet(layout.MAIN_SHEET).cells
    assert cells[grid.value_cell("05")] == "6(lồng ghép)"
    assert cells[grid.value_cell("01")] == 12


def test_identity_from_heading_when_data_pasted_into_a_new_workbook(tmp_path, form, units, period):
    path = make_return(tmp_path, form, units.get("T02"), period, {"01": 3}, mutate=without_metadata)
    identity = identify(read_workbook(path))
    assert identity.source == "heading"
    assert (identity.unit_code, identity.unit_name, identity.period) == ("T02", "Xã Thử Nghiệm Hai", "2020-H1")
    assert identity.form_id is None and identity.fingerprint is None


def test_identity_from_heading_tolerates_other_sheet_name_and_offset(tmp_path):
    raw = read_workbook(save(heading_workbook(title="Trang tính1", offset=1), tmp_path / "dan.xlsx"))
    identity = identify(raw)
    assert identity.source == "heading" and identity.sheet == "Trang tính1"
    assert (identity.unit_code, identity.unit_name, identity.period) == ("18118", "Xã An Hòa Thịnh", "2020-H1")
    assert identity.deadline == date(2020, 6, 20)


def test_no_identity_in_an_unrelated_workbook(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Bảng lương tháng 6"
    assert identify(read_workbook(save(workbook, tmp_path / "khac.xlsx"))) is None


def test_no_identity_for_unreadable_file(tmp_path):
    assert identify(read_workbook(hostile.make_empty(tmp_path))) is None


# --------------------------------------------------------------------------- LibreOffice re-saves


def convert(soffice: str, source: Path, fmt: str, out_dir: Path) -> Path:
    profile = out_dir / f"profile-{fmt}"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                    "--outdir", str(out_dir), str(source)], check=True, capture_output=True, timeout=180)
    return out_dir / f"{source.stem}.{fmt}"


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_libreoffice_resaves_read_to_the_same_values(tmp_path, soffice, form, units, period, fmt):
    original = make_return(tmp_path, form, units.get("T01"), period, REFERENCE_VALUES, name="xa.xlsx")
    converted = convert(soffice, original, fmt, tmp_path / "out")
    raw = read_workbook(converted)
    assert raw.problem is None and raw.file_format == fmt
    identity = identify(raw)
    assert (identity.source, identity.unit_code, identity.period) == ("metadata", "T01", "2020-H1")
    assert identity.form_version == form.version        # '1' kept as text by the writer
    assert raw.sheet(layout.META_SHEET).visibility == "hidden"   # veryHidden comes back hidden
    grid = layout.Layout(form)
    cells, before = raw.sheet(layout.MAIN_SHEET).cells, read_workbook(original).sheet(layout.MAIN_SHEET).cells
    for code in ("01", "02", "05", "05.1", "06", "08"):
        assert cells.get(grid.value_cell(code)) == before.get(grid.value_cell(code)), code
    assert cells[grid.value_cell("05")] == "6(lồng ghép)"           # text typed in a count stays text
    assert raw.sheet(layout.MAIN_SHEET).protected is True   # .ods from its XML, .xls from its BIFF records
    assert raw.sheet(layout.ANSWERS_SHEET).protected is True


@pytest.mark.libreoffice
def test_xls_tells_which_sheet_lost_its_protection(tmp_path, soffice, form, units, period):
    """A commune unprotects the main sheet, then saves as .xls: validation must still see it."""
    from cchc_sheets.validation import validate_workbook

    original = make_return(tmp_path, form, units.get("T01"), period, REFERENCE_VALUES, name="xa.xlsx")
    workbook = openpyxl.load_workbook(original)
    workbook[layout.MAIN_SHEET].protection.sheet = False
    workbook.save(original)
    raw = read_workbook(convert(soffice, original, "xls", tmp_path / "out"))
    assert raw.problem is None and raw.file_format == "xls"
    assert (raw.sheet(layout.MAIN_SHEET).protected, raw.sheet(layout.ANSWERS_SHEET).protected) == (False, True)
    removed = [f for f in validate_workbook(raw, form).findings if f.code == "protection-removed"]
    assert [(f.sheet, f.severity) for f in removed] == [(layout.MAIN_SHEET, "warning")]


def test_xls_protection_stays_unknown_when_the_stream_cannot_be_walked(tmp_path):
    from cchc_sheets.reading.biff import xls_protection as _xls_protection

    assert _xls_protection(b"not an OLE file at all") is None
    assert _xls_protection(hostile.make_word_doc_renamed(tmp_path).read_bytes()) is None     # no Workbook stream
    assert _xls_protection(hostile.ole_bytes(["Workbook"], b"\x00" * 512)) is None          # not BIFF8 records


# --------------------------------------------------------------------------- hostile inputs


@pytest.mark.parametrize("kind", sorted(hostile.HOSTILE))
def test_hostile_file_ends_as_unreadable_finding(tmp_path, kind):
    builder, code = hostile.HOSTILE[kind]
    path = builder(tmp_path)
    started = time.perf_counter()
    raw = read_workbook(path)
    elapsed = time.perf_counter() - started
    assert raw.problem is not None and raw.problem.code == code, raw.problem
    assert raw.problem.severity == "error" and raw.problem.message()
    assert raw.sheets == []
    assert elapsed < 2.0


def test_size_limit_is_checked_before_opening(tmp_path):
    path = tmp_path / "lon.xlsx"
    path.write_bytes(hostile.small_xlsx_bytes())
    raw = read_workbook(path, Limits(max_file_bytes=1000))
    assert raw.problem.code == "file-too-large"
    assert raw.problem.params["limit"] == "0,0"


def test_missing_file_is_unreadable_not_an_exception(tmp_path):
    raw = read_workbook(tmp_path / "khong-co.xlsx")
    assert raw.problem.code == "file-unreadable"


def test_details_are_phrases_rendered_in_the_language_asked(tmp_path):
    raw = read_workbook(hostile.make_pdf_renamed(tmp_path))
    assert raw.problem.code == "not-a-spreadsheet" and raw.problem.params["detail"].code == "detail-content-pdf"
    english, vietnamese = raw.problem.message("en"), raw.problem.message("vi")
    assert raw.problem.params["detail"].render("en") in english and raw.problem.params["detail"].render("vi") in vietnamese


def test_bombs_stay_within_memory(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for builder in (hostile.make_lying_header, hostile.make_declared_bomb, hostile.make_grid_bomb):
        read_workbook(builder(tmp_path))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 150


@pytest.mark.skipif(not WILD.is_dir(), reason="../shared/wild-spreadsheets is not present")
def test_wild_spreadsheets_end_quickly_and_within_memory():
    """133 odd files from calamine's own test suite (incl. OOM_alloc*.xls fuzz finds)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    slowest, outcomes = 0.0, {}
    files = sorted(p for p in WILD.iterdir() if p.suffix.lower() in (".xls", ".xlsx", ".xlsm", ".xlsb", ".ods"))
    for path in files:
        started = time.perf_counter()
        raw = read_workbook(path)
        slowest = max(slowest, time.perf_counter() - started)
        outcomes[path.name] = raw.problem.code if raw.problem else "read"
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert len(files) >= 100
    assert slowest < 3.0
    assert grown_mb < 300
    assert outcomes["pass_protected.xlsx"] == "file-password-protected"
    assert outcomes["pass_protected.ods"] == "file-password-protected"
    assert outcomes["any_sheets.xlsb"] == "read"
    assert sum(1 for o in outcomes.values() if o == "read") > len(files) * 0.8


# --------------------------------------------------------------------------- finding files


def test_find_spreadsheets(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    for name in ("a/x.xlsx", "a/b/y.XLS", "a/b/z.ods", "a/w.xlsm", "a/~$x.xlsx", "a/.an.xlsx", ".git/q.xlsx",
                 "a/note.pdf", "a/readme.txt"):
        (tmp_path / name).write_bytes(b"x")
    explicit_pdf = tmp_path / "a" / "note.pdf"
    files, missing = find_spreadsheets([tmp_path, explicit_pdf, tmp_path / "a" / "x.xlsx", tmp_path / "nope"])
    names = [p.relative_to(tmp_path).as_posix() for p in files]
    assert names == sorted(["a/x.xlsx", "a/b/y.XLS", "a/b/z.ods", "a/w.xlsm", "a/note.pdf"])
    assert missing == [tmp_path / "nope"]
    pdf = read_workbook(explicit_pdf)
    assert pdf.problem.code == "not-a-spreadsheet"


def test_reading_a_template_is_fast(tmp_path, form, units, period):
    path = make_return(tmp_path, form, units.get("T01"), period, REFERENCE_VALUES)
    read_workbook(path)
    started = time.perf_counter()
    for _ in range(50):
        identify(read_workbook(path))
    per_file_ms = (time.perf_counter() - started) / 50 * 1000
    assert per_file_ms < 20


def test_a_panic_inside_calamine_is_an_unreadable_finding_not_a_crash(tmp_path, monkeypatch):
    """pyo3 turns a Rust panic into PanicException, a BaseException: it must not stop a batch."""
    from cchc_sheets import reading
    from cchc_sheets.reading import reader

    class PanicException(BaseException):
        pass

    def panic(*_args, **_kwargs):
        raise PanicException("range start index 4 out of range for slice of length 2")

    monkeypatch.setattr(reader, "_read_bytes", panic)
    path = tmp_path / "x.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    book = reading.read_workbook(path)
    assert book.problem.code == "file-unreadable" and book.sheets == []

    def interrupt(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reader, "_read_bytes", interrupt)
    with pytest.raises(KeyboardInterrupt):
        reading.read_workbook(path)


def test_a_remembered_template_part_is_still_checked_against_its_header(tmp_path, form, units, period):
    """Parts shared by every return are inflated once; the same bytes under another declared CRC are refused."""
    path = make_return(tmp_path, form, units.get("T01"), period, REFERENCE_VALUES)
    assert read_workbook(path).problem is None          # xl/workbook.xml is now remembered
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(b"xl/workbook.xml"))
    data[central + 16:central + 20] = b"\0\0\0\0"      # the central directory's CRC of xl/workbook.xml
    path.write_bytes(bytes(data))
    raw = read_workbook(path)
    assert raw.problem.code == "file-unreadable" and raw.problem.params["reason"].code == "detail-member-crc"


def test_calamine_reads_the_stored_copy_like_the_file_itself(tmp_path, form, units, period):
    """The sheets inflated during inspection are handed to calamine stored: the same cells come out."""
    from cchc_sheets.reading import reader

    path = make_return(tmp_path, form, units.get("T01"), period, REFERENCE_VALUES,
                       notes={"01": "Hội nghị; mạng xã hội"})
    data = path.read_bytes()
    package = reader.inspect_zip(data, Limits())
    copy = package.for_calamine(data)
    assert copy != data and len(copy) > len(data)      # the sheets are stored, not deflated
    from_copy, from_file = reader.calamine_sheets(copy, Limits()), reader.calamine_sheets(data, Limits())
    assert [(s.name, s.visibility, s.cells) for s in from_copy] == [(s.name, s.visibility, s.cells) for s in from_file]
    assert from_file[0].cells["E9"] == "Hội nghị; mạng xã hội"


def test_sheet_protection_is_the_first_sheet_protection_element_parsed():
    """Only an element named sheetProtection counts, the first one, wherever the sheet's cells are."""
    from cchc_sheets.reading.memo import ReaderMemo
    from cchc_sheets.reading.ooxml import cells_region, sheet_protected

    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    cases = {
        f'<worksheet {main}><sheetData/><sheetProtectionX a="1"/><sheetProtection sheet="1"/></worksheet>': True,
        f'<worksheet {main}><sheetData><row r="1"/></sheetData><sheetProtection sheet="0" objects="1"/>'
        f'<sheetProtection sheet="1"/></worksheet>': False,
        f"<worksheet {main}><sheetData></sheetData ><sheetProtection\n sheet = 'true' /></worksheet>": True,
        f'<worksheet {main}><sheetData><c r="A1" t="inlineStr"><is><t>sheetProtection</t></is></c></sheetData>'
        f'</worksheet>': False,
        f'<worksheet {main}><sheetData/><sheetProtection': None,          # not well-formed: unknown
        '': False,
    }
    for part, expected in cases.items():
        data = part.encode()
        assert sheet_protected(data, cells_region(data), ReaderMemo()) is expected, part
