"""Marked-up copies for communes and the findings workbook for the officer."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from builders import CLEAN_VALUES, REFERENCE_VALUES, insert_row, make_return
from cchc_sheets import feedback, layout
from cchc_sheets.fileio import sha256_file
from cchc_sheets.findings_report import findings_rows, write_findings_report
from cchc_sheets.model import BatchReport
from cchc_sheets.reading import read_workbook
from cchc_sheets.batch import validate_paths
from cchc_sheets.validation import validate_workbook

MAIN = layout.MAIN_SHEET
RED, YELLOW = feedback.ERROR_FILL, feedback.WARNING_FILL


@pytest.fixture
def unit(units):
    return units.units[0]


def _fill(cell) -> str:
    return cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else ""


def test_feedback_copy_marks_each_flagged_cell_and_leaves_the_original(tmp_path, form, unit, period):
    original = make_return(tmp_path / "in", form, unit, period, REFERENCE_VALUES, name="Báo cáo xã Một.xlsx")
    before = sha256_file(original)
    report = validate_paths([original], form).files[0]
    copy = feedback.write_feedback(report, tmp_path / "fb", form)
    assert copy.name == "bao-cao-xa-mot_can-sua.xlsx"
    assert sha256_file(original) == before
    workbook = load_workbook(copy)
    assert workbook.sheetnames[0] == "Cần sửa" and workbook.active.title == "Cần sửa"
    main = workbook[MAIN]
    assert _fill(main["D13"]) == YELLOW and "lồng ghép" in main["D13"].comment.text
    assert _fill(main["D17"]) == RED and "Ghi chú" in main["D17"].comment.text
    assert main["D9"].comment is None and _fill(main["D9"]) not in (RED, YELLOW)
    assert main["D15"].comment is None  # an info finding (leading zero) is not marked
    assert main.protection.sheet  # still locked: only fills and comments were added
    listed = [row for row in workbook["Cần sửa"].iter_rows(min_row=5, values_only=True)]
    assert [(r[1], r[2], r[3], r[4]) for r in listed] == [
        ("Cảnh báo", MAIN, "D13", "05"), ("Cảnh báo", MAIN, "D14", "05.1"), ("Lỗi", MAIN, "D17", "08")]


def test_corrected_copy_is_accepted_when_sent_back(tmp_path, form, unit, period):
    original = make_return(tmp_path / "in", form, unit, period, REFERENCE_VALUES)
    copy = feedback.write_feedback(validate_paths([original], form).files[0], tmp_path / "fb", form)
    workbook = load_workbook(copy)
    workbook[MAIN]["D13"], workbook[MAIN]["D14"], workbook[MAIN]["D17"] = 6, 600, 3
    workbook[MAIN]["E17"] = "Hội nghị; mạng xã hội; TT miệng…"
    workbook.save(copy)
    report = validate_workbook(read_workbook(copy), form)
    assert [f.code for f in report.findings if f.severity != "info"] == []
    assert report.unit_code == "T01" and report.values["08"] == 3


def test_feedback_again_replaces_the_old_list(tmp_path, form, unit, period):
    original = make_return(tmp_path / "in", form, unit, period, REFERENCE_VALUES)
    first = feedback.write_feedback(validate_paths([original], form).files[0], tmp_path / "fb1", form)
    second = feedback.write_feedback(validate_paths([first], form).files[0], tmp_path / "fb2", form)
    assert load_workbook(second).sheetnames.count("Cần sửa") == 1


def test_moved_rows_are_marked_where_the_values_are(tmp_path, form, unit, period):
    original = make_return(tmp_path, form, unit, period, CLEAN_VALUES, mutate=insert_row(12))
    copy = feedback.write_feedback(validate_paths([original], form).files[0], tmp_path / "fb", form)
    main = load_workbook(copy)[MAIN]
    assert _fill(main["D13"]) == RED and "dòng 13 thay vì dòng 12" in main["D13"].comment.text


def test_no_copy_for_clean_or_unreadable_files(tmp_path, form, unit, period):
    clean = make_return(tmp_path, form, unit, period, CLEAN_VALUES)
    (tmp_path / "hong.xlsx").write_bytes(b"PK\x03\x04 cut short")
    batch = validate_paths([tmp_path], form)
    written, skipped = feedback.write_feedbacks(batch, tmp_path / "fb", form)
    assert written == [] and [r.path for r in skipped] == [str(tmp_path / "hong.xlsx")]
    assert feedback.write_feedback(batch.files[1], tmp_path / "fb", form) is None
    assert batch.files[1].path == str(clean)


def test_same_names_in_two_folders_do_not_overwrite(tmp_path, form, unit, period):
    for folder in ("dot1", "dot2"):
        make_return(tmp_path / folder, form, unit, period, REFERENCE_VALUES, name="bao-cao.xlsx")
    written, _ = feedback.write_feedbacks(validate_paths([tmp_path], form), tmp_path / "fb", form)
    assert sorted(p.name for p in written) == ["bao-cao-2_can-sua.xlsx", "bao-cao_can-sua.xlsx"]


def _as_xls(path, tmp_path):
    from cchc_sheets.libreoffice import convert

    return convert(path, "xls", tmp_path / "xls")


@pytest.mark.libreoffice
def test_xls_return_gets_an_xlsx_copy_through_libreoffice(tmp_path, form, unit, period, soffice):
    xls = _as_xls(make_return(tmp_path, form, unit, period, REFERENCE_VALUES), tmp_path)
    report = validate_paths([xls], form).files[0]
    assert report.file_format == "xls" and report.values["05.1"] == 600
    copy = feedback.write_feedback(report, tmp_path / "fb", form)
    assert copy.suffix == ".xlsx"
    workbook = load_workbook(copy)
    assert _fill(workbook[MAIN]["D17"]) == RED
    assert validate_workbook(read_workbook(copy), form).unit_code == "T01"


@pytest.mark.libreoffice
def test_xls_without_libreoffice_is_rebuilt_from_the_template(tmp_path, form, unit, period, soffice, monkeypatch):
    from cchc_sheets import libreoffice

    xls = _as_xls(make_return(tmp_path, form, unit, period, REFERENCE_VALUES,
                              notes={"01": "Kế hoạch số 08"}), tmp_path)
    report = validate_paths([xls], form).files[0]
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    copy = feedback.write_feedback(report, tmp_path / "fb", form)
    workbook = load_workbook(copy)
    main = workbook[MAIN]
    assert main["D17"].value == "Hội nghị; mạng xã hội; TT miệng…" and _fill(main["D17"]) == RED
    assert main["D9"].value == 12 and main["E9"].value == "Kế hoạch số 08"
    assert "tạo lại từ biểu mẫu" in workbook["Cần sửa"]["A2"].value
    again = validate_workbook(read_workbook(copy), form)
    assert again.unit_code == "T01" and [f.code for f in again.findings if f.severity == "error"] == ["not-a-number"]


# --------------------------------------------------------------------------- findings workbook


def test_findings_workbook_has_a_row_per_finding_frozen_header_and_filter(tmp_path, form, units, period):
    make_return(tmp_path / "in", form, units.units[0], period, REFERENCE_VALUES)
    make_return(tmp_path / "in", form, units.units[1], period, CLEAN_VALUES)
    batch = validate_paths([tmp_path / "in"], form)
    target = write_findings_report(batch, tmp_path / "ket-qua.xlsx")
    sheet = load_workbook(target).active
    assert sheet.title == "Kết quả kiểm tra"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:K7"
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Tệp", "Mã đơn vị", "Tên đơn vị", "Trạng thái", "Mã lỗi"] and header[-1] == "Nội dung"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6  # five findings of the reference return, one row for the clean file
    words = next(r for r in rows if r[4] == "not-a-number")
    assert words[1:9] == ("T01", "Xã Thử Nghiệm Một", "có lỗi", "not-a-number", "Lỗi", MAIN, "D17", "08")
    clean = [r for r in rows if r[1] == "T02"]
    assert len(clean) == 1 and clean[0][3] == "hợp lệ" and clean[0][4] is None
    assert sheet.column_dimensions["K"].width >= 60


@pytest.mark.libreoffice
def test_libreoffice_opens_the_findings_workbook(tmp_path, form, units, period, soffice):
    from cchc_sheets.libreoffice import convert

    make_return(tmp_path / "in", form, units.units[0], period, REFERENCE_VALUES)
    target = write_findings_report(validate_paths([tmp_path / "in"], form), tmp_path / "ket-qua.xlsx")
    csv_file = convert(target, 'csv:"Text - txt - csv (StarCalc)":44,34,76', tmp_path / "lo")   # 76: UTF-8
    lines = csv_file.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Tệp,Mã đơn vị,Tên đơn vị,Trạng thái,Mã lỗi")
    assert any(",T01,Xã Thử Nghiệm Một,có lỗi,not-a-number,Lỗi," in line for line in lines[1:])


def test_findings_rows_for_an_empty_batch():
    assert findings_rows(BatchReport([])) == []


def test_copies_written_by_workers_match_the_serial_ones(tmp_path, form, units, period):
    """The pool changes who writes, not what: same names, same order, same marks."""
    for n, unit in enumerate(units.units[:3]):
        for copy in range(3):
            make_return(tmp_path / "in" / f"dot{copy}", form, unit, period, REFERENCE_VALUES, name=f"xa{n}.xlsx")
    batch = validate_paths([tmp_path / "in"], form)
    serial, _ = feedback.write_feedbacks(batch, tmp_path / "serial", form, jobs=1)
    pooled, skipped = feedback.write_feedbacks(batch, tmp_path / "pooled", form, jobs=2)
    assert skipped == [] and len(pooled) == 9
    assert [p.name for p in pooled] == [p.name for p in serial]
    assert [p.parent for p in pooled] == [tmp_path / "pooled"] * 9
    for mine, theirs in zip(pooled, serial):
        assert _fill(load_workbook(mine)[MAIN]["D17"]) == _fill(load_workbook(theirs)[MAIN]["D17"]) == RED


def test_xlsx_content_named_xls_or_ods_gets_a_copy(tmp_path, form, unit, period, monkeypatch):
    """Read by its content (an .xlsx), so a copy is made from it, whatever its name says."""
    monkeypatch.setattr(feedback, "_convert_with_libreoffice", lambda source: None)
    for suffix in (".xls", ".ods"):
        original = make_return(tmp_path / "in", form, unit, period, REFERENCE_VALUES, name=f"doi-ten{suffix}")
        report = validate_paths([original], form).files[0]
        assert report.file_format == "xlsx" and report.status == "invalid"
        copy = feedback.write_feedback(report, tmp_path / f"fb{suffix}", form)
        assert copy is not None, suffix
        main = load_workbook(copy)[MAIN]
        assert _fill(main["D17"]) == RED and main["D13"].comment is not None


def test_a_value_with_a_control_character_still_gets_a_copy(tmp_path, form, unit, period):
    """Excel writes a control character as _x0001_; openpyxl refuses it when saving: the copy drops it."""
    import zipfile

    typed = make_return(tmp_path / "typed", form, unit, period, {**CLEAN_VALUES, "04": "baQQmươi"},
                        notes={"05": "ghiQQchú"})
    original = tmp_path / "in" / "dieu-khien.xlsx"
    original.parent.mkdir()
    with zipfile.ZipFile(typed) as source, zipfile.ZipFile(original, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info).replace(b"QQ", b"_x0001_"))
    report = validate_paths([original], form).files[0]
    assert "not-a-number" in [f.code for f in report.findings]
    copy = feedback.write_feedback(report, tmp_path / "fb", form)
    assert copy is not None
    main = load_workbook(copy)[MAIN]
    assert _fill(main["D12"]) == RED and "\x01" not in main["D12"].comment.text


# --------------------------------------------------------------------------- a renamed main sheet


def _renamed_return(tmp_path, form, unit, period):
    from builders import rename_sheet

    path = make_return(tmp_path / "in", form, unit, period, REFERENCE_VALUES, mutate=rename_sheet(MAIN, "Sheet1"))
    report = validate_paths([path], form).files[0]
    assert ("sheet-renamed", "Sheet1") in [(f.code, f.sheet) for f in report.findings]
    assert ("not-a-number", "Sheet1", "D17") in [(f.code, f.sheet, f.cell) for f in report.findings]
    return report


def test_the_commune_copy_of_a_renamed_sheet_marks_the_renamed_sheet(tmp_path, form, unit, period):
    report = _renamed_return(tmp_path, form, unit, period)
    workbook = load_workbook(feedback.write_feedback(report, tmp_path / "fb", form))
    assert MAIN not in workbook.sheetnames
    marked = workbook["Sheet1"]["D17"]
    assert _fill(marked) == RED and marked.comment is not None
    assert workbook["Sheet1"]["D9"].comment is None


def test_the_rebuilt_copy_of_a_renamed_sheet_marks_the_template_sheet(tmp_path, form, unit, period, monkeypatch):
    report = _renamed_return(tmp_path, form, unit, period)
    monkeypatch.setattr(feedback, "_editable_copies",
                        lambda report, form: iter([(feedback._rebuilt_from_template(report, form), True)]))
    workbook = load_workbook(feedback.write_feedback(report, tmp_path / "fb", form))
    assert "Sheet1" not in workbook.sheetnames
    marked = workbook[MAIN]["D17"]
    assert _fill(marked) == RED and marked.comment is not None
    listed = [(r[2], r[3]) for r in workbook["Cần sửa"].iter_rows(min_row=5, values_only=True)]
    assert ("Sheet1", "D17") in listed       # the list names the sheet as the commune's file did
