"""The template writer: one locked workbook per unit, re-opened and checked cell by cell."""
from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import yaml
from openpyxl.utils.protection import hash_password

from cchc_sheets import layout
from cchc_sheets.forms import load_form
from cchc_sheets.messages import CchcError
from cchc_sheets.template import (DEFAULT_PASSWORD, MANIFEST_COLUMNS, build_base, fill_workbook, stamp,
                                  template_filename, write_templates)
from cchc_sheets.template import batch
from cchc_sheets.template.base import sheet_texts
from cchc_sheets.template.sheets import build_workbook
from cchc_sheets.units import Unit, load_units

PARTICIPANTS = "Số người tham dự các lớp tập huấn về công tác CCHC"
GENERATED_AT = datetime(2020, 6, 1, 8, 30).astimezone()


@pytest.fixture
def written(run_cli, units_file, tmp_path):
    """``cchc template`` run on the three test units; returns the output folder."""
    out = tmp_path / "out"
    result = run_cli("template", "--units", units_file, "--period", "2020-H1", "--out", out,
                     "--password", "bi-mat")
    assert result.exit_code == 0, result.output
    return out


def manifest_rows(out: Path) -> list[dict[str, str]]:
    with open(out / "manifest.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def workbooks(out: Path):
    return [(row, openpyxl.load_workbook(out / row["file"])) for row in manifest_rows(out)]


def visible_sheets(workbook):
    return [workbook[layout.MAIN_SHEET], workbook[layout.ANSWERS_SHEET]]


# --------------------------------------------------------------------------- files and manifest


def test_one_workbook_per_unit_and_a_manifest_with_correct_hashes(written, units, form, period):
    rows = manifest_rows(written)
    header = (written / "manifest.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",")[:5] == ["code", "name", "email", "file", "sha256"]
    assert tuple(header.split(",")) == MANIFEST_COLUMNS
    assert [r["code"] for r in rows] == ["T01", "T02", "T03"]
    assert sorted(p.name for p in written.iterdir()) == sorted([r["file"] for r in rows] + ["manifest.csv"])
    for row, unit in zip(rows, units):
        data = (written / row["file"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert (row["name"], row["email"]) == (unit.name, unit.email)
        assert (row["period"], row["form_id"], row["deadline"]) == ("2020-H1", form.id, "2020-06-20")
        assert row["file"] == template_filename(form, period, unit)
        assert row["file"].isascii()
    assert rows[2]["file"] == "2020-H1_tuyen-truyen-cchc_T03_phuong-dong-ha.xlsx"


def test_no_macros_no_external_links(written):
    for row in manifest_rows(written):
        with zipfile.ZipFile(written / row["file"]) as archive:
            assert archive.testzip() is None
            names = archive.namelist()
            types = archive.read("[Content_Types].xml").decode()
        assert not any("vbaProject" in n or "externalLink" in n for n in names)
        assert "macroEnabled" not in types


# --------------------------------------------------------------------------- protection


def test_every_sheet_protected_with_the_password_and_structure_locked(written):
    for _, workbook in workbooks(written):
        assert len(workbook.worksheets) == 3
        for sheet in workbook.worksheets:
            assert sheet.protection.sheet is True
            assert sheet.protection.password == hash_password("bi-mat")
        assert workbook.security.lockStructure is True
        assert workbook.security.workbookPassword == hash_password("bi-mat")


def test_metadata_sheet_is_very_hidden_and_identifies_the_unit(written, form, period):
    for row, workbook in workbooks(written):
        sheet = workbook[layout.META_SHEET]
        assert sheet.sheet_state == "veryHidden"
        assert [workbook[n].sheet_state for n in (layout.MAIN_SHEET, layout.ANSWERS_SHEET)] == ["visible"] * 2
        assert workbook.sheetnames.index(layout.MAIN_SHEET) == 0
        keys = [sheet.cell(row=n, column=1).value for n in range(1, len(layout.META_KEYS) + 1)]
        assert tuple(keys) == layout.META_KEYS
        meta = {k: v for k, v in sheet.iter_rows(min_col=1, max_col=2, values_only=True)}
        assert meta["unit_code"] == row["code"] and meta["unit_name"] == row["name"]
        assert (meta["form_id"], meta["form_version"]) == (form.id, str(form.version))
        assert meta["parent_name"] == "UBND tỉnh Thử Nghiệm"
        assert (meta["period"], meta["period_label"]) == ("2020-H1", "6 tháng đầu năm 2020")
        assert meta["deadline"] == "2020-06-20"
        assert datetime.fromisoformat(meta["generated_at"]).tzinfo is not None
        assert meta["layout_fingerprint"] == layout.Layout(form).fingerprint
        assert meta["tool"].startswith("cchc-sheets ")


def test_only_input_cells_are_unlocked_and_yellow(written, form):
    inputs = layout.Layout(form).input_cells
    for _, workbook in workbooks(written):
        for sheet in visible_sheets(workbook):
            for line in sheet.iter_rows(min_row=1, max_row=sheet.max_row, max_col=6):
                for cell in line:
                    if cell.__class__.__name__ == "MergedCell":
                        continue
                    is_input = (sheet.title, cell.coordinate) in inputs
                    if is_input:
                        assert cell.protection.locked is False, cell.coordinate
                        assert cell.fill.fgColor.rgb == "FFFFF2CC", cell.coordinate
                    elif cell.value is not None or cell.protection.locked is False:
                        assert cell.protection.locked is True, (sheet.title, cell.coordinate)
    for sheet, cell in inputs:  # every input cell exists on its sheet
        assert sheet in (layout.MAIN_SHEET, layout.ANSWERS_SHEET) and cell


def test_participants_count_cell_found_by_label_and_header_is_unlocked(written):
    _, workbook = workbooks(written)[0]
    sheet = workbook[layout.MAIN_SHEET]
    label_row = next(c.row for c in sheet["B"] if c.value == PARTICIPANTS)
    header = next(r for r in sheet.iter_rows() if any(c.value == "Số lượng" for c in r))
    value_column = next(c.column_letter for c in header if c.value == "Số lượng")
    assert (label_row, value_column) == (14, "D")
    assert sheet[f"{value_column}{label_row}"].protection.locked is False
    assert sheet[f"A{label_row}"].value is None  # the sub-row has no TT number, as in the reference


# --------------------------------------------------------------------------- content


def test_labels_headers_and_units_are_exactly_the_form(written, form):
    grid = layout.Layout(form)
    _, workbook = workbooks(written)[0]
    sheet = workbook[layout.MAIN_SHEET]
    assert tuple(sheet[f"{c}{layout.HEADER_ROW}"].value for c in layout.MAIN_COLUMNS) == form.columns
    for indicator in form.indicators:
        row = grid.indicator_rows[indicator.code]
        assert sheet[f"B{row}"].value == indicator.label
        assert sheet[f"C{row}"].value == indicator.unit
        assert (sheet[f"A{row}"].value or "") == indicator.tt
    for cell in grid.layout_cells:
        assert layout.fold_text(workbook[cell.sheet][cell.cell].value) == cell.text, cell
    for key, label, _ in layout.REPORTER_FIELDS:
        assert sheet[grid.reporter_label_cell(key)].value == label
    answers = workbook[layout.ANSWERS_SHEET]
    assert [answers[f"A{grid.answer_rows[q.code]}"].value for q in form.questions] == [q.label for q in form.questions]


def test_heading_names_the_unit_period_deadline_and_parent(written, form):
    _, workbook = workbooks(written)[2]
    sheet = workbook[layout.MAIN_SHEET]
    assert sheet[f"A{layout.ROW_APPENDIX_TITLE}"].value == "PHỤ LỤC"
    assert sheet[f"A{layout.ROW_TITLE}"].value == form.title
    assert sheet[f"A{layout.ROW_PERIOD}"].value == "Kỳ báo cáo: 6 tháng đầu năm 2020"
    assert sheet[f"A{layout.ROW_UNIT}"].value == "Đơn vị báo cáo: Phường Đông Hà (mã T03)"
    assert sheet[f"A{layout.ROW_DEADLINE}"].value == "Hạn gửi báo cáo: 20/06/2020 – gửi UBND tỉnh Thử Nghiệm"
    assert "vàng nhạt" in sheet[f"A{layout.ROW_INSTRUCTIONS}"].value
    assert workbook[layout.ANSWERS_SHEET][f"A{layout.ANSWERS_HEADER_ROW}"].value == layout.ANSWERS_COLUMNS[0]


def _validations_by_cell(sheet) -> dict[str, object]:
    found = {}
    for rule in sheet.data_validations.dataValidation:
        for cell_range in rule.sqref.ranges:
            for row in cell_range.cells:
                found[openpyxl.utils.get_column_letter(row[1]) + str(row[0])] = rule
    return found


def test_every_count_cell_has_whole_number_validation_with_vietnamese_texts(written, form):
    grid = layout.Layout(form)
    _, workbook = workbooks(written)[0]
    rules = _validations_by_cell(workbook[layout.MAIN_SHEET])
    for indicator in form.indicators:
        rule = rules[grid.value_cell(indicator.code)]
        assert (rule.type, rule.operator) == ("whole", "between")
        assert (rule.formula1, rule.formula2) == ("0", str(int(indicator.max)))
        assert rule.showErrorMessage and rule.errorStyle == "stop" and rule.showInputMessage
        assert rule.promptTitle == f"Chỉ tiêu {indicator.code}" and rule.prompt == indicator.help
        assert f"từ 0 đến {int(indicator.max)}" in rule.error and "Ghi chú" in rule.error
        note = rules[grid.note_cell(indicator.code)]
        assert (note.type, note.operator, note.formula1) == ("textLength", "lessThanOrEqual", str(form.note_max_length))
    answers = _validations_by_cell(workbook[layout.ANSWERS_SHEET])
    for question in form.questions:
        rule = answers[grid.answer_cell(question.code)]
        assert (rule.type, rule.formula1) == ("textLength", str(question.max_length))


def test_defined_names_resolve_to_the_input_cells(written, form):
    grid = layout.Layout(form)
    _, workbook = workbooks(written)[0]
    assert set(grid.defined_names) <= set(workbook.defined_names)
    for name, (sheet, cell) in grid.defined_names.items():
        column = cell.rstrip("0123456789")
        assert list(workbook.defined_names[name].destinations) == [(sheet, f"${column}${cell[len(column):]}")]
    assert grid.defined_names["SoLuong_05_1"] == (layout.MAIN_SHEET, "D14")


def test_prints_on_one_a4_portrait_page_width_with_readable_labels(written, form):
    _, workbook = workbooks(written)[0]
    sheet = workbook[layout.MAIN_SHEET]
    assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.orientation == "portrait"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_area == f"'{layout.MAIN_SHEET}'!$A$1:$E${layout.Layout(form).last_main_row}"
    assert sheet.page_margins.left == pytest.approx(30 / 25.4)
    assert sheet.column_dimensions["B"].width >= 55
    for row in layout.Layout(form).indicator_rows.values():
        assert sheet[f"B{row}"].alignment.wrap_text and sheet.row_dimensions[row].height >= 30
    answers = workbook[layout.ANSWERS_SHEET]
    assert answers.column_dimensions["B"].width >= 80
    assert all(answers.row_dimensions[r].height >= 100 for r in layout.Layout(form).answer_rows.values())


# --------------------------------------------------------------------------- options


def test_deadline_option_and_password_from_environment(run_cli, units_file, tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_PASSWORD", "tu-moi-truong")
    out = tmp_path / "out"
    result = run_cli("template", "--units", units_file, "--period", "2020-H1", "--out", out,
                     "--deadline", "2020-06-25")
    assert result.exit_code == 0, result.output
    _, workbook = workbooks(out)[0]
    assert workbook[layout.MAIN_SHEET].protection.password == hash_password("tu-moi-truong")
    assert workbook[layout.META_SHEET]["B8"].value == "2020-06-25"
    assert workbook[layout.MAIN_SHEET]["A5"].value.startswith("Hạn gửi báo cáo: 25/06/2020")
    assert manifest_rows(out)[0]["deadline"] == "2020-06-25"


def test_default_password_is_the_documented_constant(form, units, period, tmp_path):
    write_templates(form, units, period, tmp_path / "out", generated_at=GENERATED_AT)
    _, workbook = workbooks(tmp_path / "out")[0]
    assert DEFAULT_PASSWORD and workbook.security.workbookPassword == hash_password(DEFAULT_PASSWORD)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"`{DEFAULT_PASSWORD}`" in readme


# --------------------------------------------------------------------------- stamping


def test_stamped_workbook_equals_one_drawn_for_the_unit(form, period):
    unit = Unit("18118", "Xã An Hòa Thịnh & <Sơn> \"Lâm\"\x07", parent="UBND huyện Hương Sơn")
    base = build_base(form, period, parent_name=unit.parent, password="pw")
    stamped = openpyxl.load_workbook(io.BytesIO(stamp(base, unit, GENERATED_AT)))
    clean_name = "Xã An Hòa Thịnh & <Sơn> \"Lâm\""
    texts = sheet_texts(form, period, period.default_deadline, unit.parent, clean_name, unit.code,
                        GENERATED_AT.isoformat(timespec="seconds"))
    buffer = io.BytesIO()
    build_workbook(form, texts, "pw").save(buffer)
    drawn = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    for name in drawn.sheetnames:
        assert [[c for c in r] for r in stamped[name].iter_rows(values_only=True)] == \
               [[c for c in r] for r in drawn[name].iter_rows(values_only=True)]
    assert stamped[layout.MAIN_SHEET]["A4"].value == f"Đơn vị báo cáo: {clean_name} (mã 18118)"


def test_stamping_is_deterministic_and_only_the_unit_changes(form, period):
    base = build_base(form, period, parent_name="", password="pw")
    first = stamp(base, Unit("A1", "Xã Một"), GENERATED_AT)
    assert first == stamp(base, Unit("A1", "Xã Một"), GENERATED_AT)
    second = stamp(base, Unit("A2", "Xã Hai"), GENERATED_AT)
    with zipfile.ZipFile(io.BytesIO(first)) as a, zipfile.ZipFile(io.BytesIO(second)) as b:
        changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert set(changed) <= set(base.stamped_members)
    assert openpyxl.load_workbook(io.BytesIO(second))[layout.META_SHEET]["B3"].value == "A2"


def test_parallel_batch_writes_the_same_files_in_unit_order(form, period, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "_CHUNK", 10)  # several chunks per worker without a thousand files
    rows = "code,name,parent\n" + "".join(f"X{n:03d},Xã Số {n},UBND tỉnh B\n" for n in range(60))
    (tmp_path / "units.csv").write_text(rows, encoding="utf-8")
    units = load_units(tmp_path / "units.csv")
    serial = write_templates(form, units, period, tmp_path / "one", password="pw", jobs=1, generated_at=GENERATED_AT)
    parallel = write_templates(form, units, period, tmp_path / "two", password="pw", jobs=2,
                               generated_at=GENERATED_AT)
    assert serial == parallel and [r.code for r in parallel] == [u.code for u in units]


def test_failure_mid_batch_leaves_no_manifest_and_no_partial_files(form, units, period, tmp_path, monkeypatch):
    real_stamp = batch.stamp

    def failing_stamp(base, unit, generated_at):
        if unit.code == "T02":
            raise OSError("disk full")
        return real_stamp(base, unit, generated_at)

    monkeypatch.setattr(batch, "stamp", failing_stamp)
    with pytest.raises(OSError):
        write_templates(form, units, period, tmp_path / "out", password="pw")
    names = [p.name for p in (tmp_path / "out").iterdir()]
    assert "manifest.csv" not in names and not any(n.endswith(".part") for n in names)


def test_fill_workbook_types_into_input_cells_and_keeps_the_guards(form, period):
    base = build_base(form, period, parent_name="", password="pw")
    template = stamp(base, Unit("18118", "Xã An Hòa Thịnh"), GENERATED_AT)
    filled = fill_workbook(template, values={"01": 12, "05": "6(lồng ghép)"}, notes={"05.1": "Lượt người"},
                           answers={"kho-khan": "Kinh phí hạn hẹp"}, reporter={"reporter": "Nguyễn Văn A"})
    workbook = openpyxl.load_workbook(io.BytesIO(filled))
    main = workbook[layout.MAIN_SHEET]
    assert (main["D9"].value, main["D13"].value, main["E14"].value) == (12, "6(lồng ghép)", "Lượt người")
    assert main[layout.Layout(form).reporter_cell("reporter")].value == "Nguyễn Văn A"
    assert workbook[layout.ANSWERS_SHEET]["B6"].value == "Kinh phí hạn hẹp"
    assert workbook[layout.META_SHEET].sheet_state == "veryHidden" and main.protection.sheet
    assert workbook.security.lockStructure and len(main.data_validations.dataValidation) > 9


def test_empty_password_is_refused_by_the_library(form, period):
    with pytest.raises(CchcError) as raised:
        build_base(form, period, password="")
    assert raised.value.code == "password-empty"


# --------------------------------------------------------------------------- bad input, exit 2


def _broken_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(load_form().directory, pack)
    data = yaml.safe_load((pack / "form.yaml").read_text(encoding="utf-8"))
    del data["indicators"][3]["unit"]
    (pack / "form.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return pack


@pytest.mark.parametrize("case, expected", [
    ("unknown-form", "Không tìm thấy biểu mẫu “khong-co”"),
    ("malformed-pack", "indicators[3].unit: thiếu đơn vị tính"),
    ("bad-units", "thiếu cột “name”"),
    ("missing-units", "Không đọc được danh sách đơn vị"),
    ("unknown-period", "Kỳ báo cáo “2020-H3” không hợp lệ"),
    ("unwritable-out", "Không ghi được vào"),
    ("empty-password", "Mật khẩu bảo vệ trang tính không được để trống"),
    ("empty-password-env", "Mật khẩu bảo vệ trang tính không được để trống"),
])
def test_bad_input_gives_one_vietnamese_message_exit_2_and_no_output(case, expected, run_cli, units_file,
                                                                     tmp_path, monkeypatch):
    out = tmp_path / "out"
    args = {"--units": str(units_file), "--period": "2020-H1", "--out": str(out)}
    if case == "unknown-form":
        args["--form"] = "khong-co"
    elif case == "malformed-pack":
        args["--form"] = str(_broken_pack(tmp_path))
    elif case == "bad-units":
        (tmp_path / "bad.csv").write_text("code,ten sai\nT01,Xã A\n", encoding="utf-8")
        args["--units"] = str(tmp_path / "bad.csv")
    elif case == "missing-units":
        args["--units"] = str(tmp_path / "khong-co.csv")
    elif case == "unknown-period":
        args["--period"] = "2020-H3"
    elif case == "unwritable-out":
        (tmp_path / "a-file").write_text("x")
        out = tmp_path / "a-file" / "out"
        args["--out"] = str(out)
    elif case == "empty-password":
        args["--password"] = ""
    elif case == "empty-password-env":
        monkeypatch.setenv("CCHC_PASSWORD", "")
    result = run_cli("template", *[part for pair in args.items() for part in pair])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_english_messages_with_lang_en(run_cli, units_file, tmp_path):
    result = run_cli("--lang", "en", "template", "--units", units_file, "--period", "2020-H3",
                     "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "Reporting period “2020-H3” is not valid" in result.output
    ok = run_cli("--lang", "en", "template", "--units", units_file, "--period", "2020-H1", "--out", tmp_path / "o")
    assert ok.exit_code == 0 and ok.output.startswith("Wrote 3 templates")


# --------------------------------------------------------------------------- a real client


@pytest.mark.libreoffice
def test_libreoffice_converts_a_stamped_template_to_pdf(soffice, written, tmp_path):
    source = written / manifest_rows(written)[2]["file"]
    profile = tmp_path / "lo-profile"
    completed = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "pdf"), str(source)],
        capture_output=True, text=True, timeout=120,
    )
    pdf = tmp_path / "pdf" / source.with_suffix(".pdf").name
    assert completed.returncode == 0 and pdf.exists(), completed.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "Đơn vị báo cáo: Phường Đông Hà (mã T03)" in text
        assert "Số người tham dự các lớp tập huấn về công tác CCHC" in text


def test_codes_with_the_same_ascii_form_get_distinct_files(form, period, tmp_path):
    (tmp_path / "units.csv").write_text("code,name\nA/1,Xã Một\nA-1,Xã Một\n", encoding="utf-8")
    rows = write_templates(form, load_units(tmp_path / "units.csv"), period, tmp_path / "out", password="pw")
    assert [r.file for r in rows] == ["2020-H1_tuyen-truyen-cchc_A-1_xa-mot.xlsx",
                                      "2020-H1_tuyen-truyen-cchc_A-1_xa-mot-2.xlsx"]
    assert openpyxl.load_workbook(tmp_path / "out" / rows[1].file)[layout.META_SHEET]["B3"].value == "A-1"
