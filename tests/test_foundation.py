"""Form packs, unit lists, periods and the message catalogue."""
from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest
import yaml

from cchc_sheets.forms import form_from_dict, load_form
from cchc_sheets.layout import Layout
from cchc_sheets.messages import CATALOGUE, CchcError, render
from cchc_sheets.periods import parse_period, period_from_label
from cchc_sheets.units import load_units
from cchc_sheets.vnformat import format_date_long, format_number, format_percent

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "bao-cao-tuyen-truyen-cchc-6-thang-2020.txt"

REFERENCE_ROWS = [
    ("01", "Số lượng văn bản chỉ đạo, điều hành về công tác tuyên truyền CCHC", "Văn bản"),
    ("02", "Tổ chức cuộc thi tìm hiểu về CCHC", "Cuộc thi"),
    ("03", "Số lượng tin, bài tuyên truyền về CCHC trên các cơ quan báo chí", "Tin, bài"),
    ("04", "Số lượng tin, bài tuyên truyền về CCHC trên sóng truyền thanh cấp xã", "Tin, bài"),
    ("05", "Số Hội nghị tập huấn tuyên truyền về công tác CCHC", "Hội nghị"),
    ("", "Số người tham dự các lớp tập huấn về công tác CCHC", "Người"),
    ("06", "Xây dựng chuyên mục CCHC trên Cổng/Trang thông tin điện tử", "Chuyên mục"),
    ("07", "Số lượng tài liệu tuyên truyền về CCHC (tờ rơi, tài liệu)", "Tài liệu"),
    ("08", "Các hình thức tuyên truyền khác", "Cuộc"),
]


def test_bundled_form_is_the_reference_appendix_verbatim(form):
    assert [(i.tt, i.label, i.unit) for i in form.indicators] == REFERENCE_ROWS
    assert [i.code for i in form.indicators] == ["01", "02", "03", "04", "05", "05.1", "06", "07", "08"]
    assert form.indicator("05.1").parent == "05"
    assert form.columns == ("TT", "Chỉ tiêu", "Đơn vị tính", "Số lượng", "Ghi chú")
    assert all(i.kind == "count" and i.min == 0 for i in form.indicators)


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed not beside the checkout")
def test_labels_appear_in_the_seed_report(form):
    seed = SEED.read_text(encoding="utf-8")
    for indicator in form.indicators:
        assert indicator.label in seed and indicator.unit in seed


def test_cross_field_rules(form):
    rules = {r.code: r for r in form.rules}
    assert rules["participants-without-conference"].applies({"05": 0, "05.1": 600})
    assert not rules["participants-without-conference"].applies({"05": 6, "05.1": 600})
    assert rules["conference-without-participants"].applies({"05": 6, "05.1": 0})
    assert not rules["conference-without-participants"].applies({"05": None, "05.1": 0})


def _pack(tmp_path, **changes):
    data = yaml.safe_load((load_form().directory / "form.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    return data


def test_malformed_pack_lists_every_problem_with_its_place(tmp_path):
    data = _pack(tmp_path)
    del data["indicators"][3]["unit"]
    data["indicators"][1]["code"] = "01"
    data["rules"][0]["when"] = "[99] > 0 or __import__('os')"
    with pytest.raises(CchcError) as raised:
        form_from_dict(data, tmp_path, "form.yaml")
    text = raised.value.message()
    assert raised.value.code == "form-invalid"
    assert "indicators[3].unit: thiếu đơn vị tính" in text
    assert "indicators[1].code" in text
    assert "rules[0].when: chỉ tiêu không tồn tại: 99" in text


def test_unknown_form(tmp_path):
    with pytest.raises(CchcError) as raised:
        load_form("khong-co")
    assert raised.value.code == "form-not-found"
    assert "tuyen-truyen-cchc" in raised.value.message()


def test_units_accept_vietnamese_headers_and_semicolons(tmp_path):
    path = tmp_path / "dv.csv"
    path.write_text("\ufeffMã;Tên đơn vị;Đơn vị cấp trên;Email;Nhóm\n01;Xã A;UBND tỉnh B;a@b.vn;\n", encoding="utf-8")
    units = load_units(path)
    assert [(u.code, u.name, u.parent, u.email) for u in units] == [("01", "Xã A", "UBND tỉnh B", "a@b.vn")]
    assert units.parent_name == "UBND tỉnh B"


def test_units_problems_name_their_lines(tmp_path):
    path = tmp_path / "dv.csv"
    path.write_text("code,name,email\nA,Xã A,a@x.vn\nA,Xã B,b@x.vn\nC,,c@x.vn\nD,Xã D,not-an-email\n", encoding="utf-8")
    with pytest.raises(CchcError) as raised:
        load_units(path)
    text = raised.value.message()
    assert "dòng 3: mã đơn vị “A” bị trùng với dòng 2" in text
    assert "dòng 4: thiếu tên đơn vị" in text
    assert "dòng 5: địa chỉ email “not-an-email” không hợp lệ" in text


def test_units_xlsx(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["mã", "tên đơn vị", "email"])
    workbook.active.append([1001, "Xã Một", "mot@example.org"])
    workbook.save(tmp_path / "u.xlsx")
    assert [(u.code, u.name) for u in load_units(tmp_path / "u.xlsx")] == [("1001", "Xã Một")]


@pytest.mark.parametrize("code,label,start,end", [
    ("2020-H1", "6 tháng đầu năm 2020", date(2019, 12, 15), date(2020, 6, 14)),
    ("2020-H2", "6 tháng cuối năm 2020", date(2020, 6, 15), date(2020, 12, 14)),
    ("2020", "năm 2020", date(2019, 12, 15), date(2020, 12, 14)),
    ("2020-Q3", "quý III năm 2020", date(2020, 6, 15), date(2020, 9, 14)),
    ("2020-06", "tháng 6 năm 2020", date(2020, 5, 15), date(2020, 6, 14)),
    ("2020-9M", "9 tháng đầu năm 2020", date(2019, 12, 15), date(2020, 9, 14)),
])
def test_periods(code, label, start, end):
    period = parse_period(code)
    assert (period.code, period.label, period.start, period.end) == (code, label, start, end)
    assert period_from_label(f"Kỳ báo cáo: {label}") == period


def test_period_neighbours_and_errors():
    assert parse_period("2020-H1").previous().code == "2019-H2"
    assert parse_period("2020-Q4").next().code == "2021-Q1"
    with pytest.raises(CchcError) as raised:
        parse_period("2020-H3")
    assert raised.value.code == "period-invalid"


def test_vietnamese_formats():
    assert format_number(1200) == "1.200"
    assert format_number(12.5) == "12,5"
    assert format_percent(0.125) == "12,5%"
    assert format_date_long(date(2020, 6, 5)) == "ngày 05 tháng 6 năm 2020"
    assert format_date_long(date(2020, 2, 15)) == "ngày 15 tháng 02 năm 2020"


def test_catalogue_is_nfc_and_complete():
    for code, message in CATALOGUE.items():
        assert message.severity in ("fatal", "error", "warning", "info", "detail"), code
        assert unicodedata.is_normalized("NFC", message.vi), code
        assert message.vi != message.en or "{" in message.vi, code
    assert render("period-invalid", "en", period="x").startswith("Reporting period")


def test_layout_fingerprint_is_stable_and_layout_sensitive(form):
    layout = Layout(form)
    assert layout.value_cell("05.1") == "D14"
    assert layout.fingerprint == Layout(form).fingerprint
    assert "SoLuong_05_1" in layout.defined_names


def test_os_errors_are_explained_in_vietnamese(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(CchcError) as raised:
        load_units(tmp_path / "missing.csv")
    assert raised.value.code == "units-file-not-found" and raised.value.params["reason"].code == "os-not-found"
    from cchc_sheets.fileio import ensure_directory

    with pytest.raises(CchcError) as raised:
        ensure_directory(blocker / "sub")
    reason = raised.value.params["reason"]
    assert raised.value.code == "output-unwritable" and reason.code == "os-not-a-directory"
    # The language is an argument of rendering, not a setting: the same error in both.
    assert reason.render("vi") in raised.value.message("vi") and reason.render("en") in raised.value.message("en")
