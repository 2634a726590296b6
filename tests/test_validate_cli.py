"""``cchc validate``: terminal lines, JSON shape, outputs and exit codes."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from builders import CLEAN_VALUES, REFERENCE_VALUES, make_return, unprotect
from cchc_sheets.json_report import json_text
from cchc_sheets.values import CellError

FILE_KEYS = {"path", "sha256", "status", "form", "form_version", "unit_code", "period", "values", "notes",
             "findings"}
FINDING_KEYS = {"code", "severity", "sheet", "cell", "indicator", "value", "params", "message"}


@pytest.fixture
def returns(tmp_path, form, units, period):
    """T01 sends the reference report's own entries, T02 a clean return, T03 unprotects a sheet."""
    folder = tmp_path / "returns"
    make_return(folder, form, units.units[0], period, REFERENCE_VALUES, name="t01.xlsx")
    make_return(folder, form, units.units[1], period, CLEAN_VALUES, name="t02.xlsx")
    make_return(folder, form, units.units[2], period, CLEAN_VALUES, name="t03.xlsx", mutate=unprotect())
    return folder


def test_clean_and_warning_files_exit_zero(tmp_path, form, units, period, run_cli):
    make_return(tmp_path, form, units.units[1], period, CLEAN_VALUES, name="t02.xlsx")
    make_return(tmp_path, form, units.units[2], period, CLEAN_VALUES, name="t03.xlsx", mutate=unprotect())
    result = run_cli("validate", tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("[OK] hợp lệ T02 Xã Thử Nghiệm Hai")
    assert lines[1].startswith("[!] có cảnh báo T03 Phường Đông Hà") and "0 lỗi, 2 cảnh báo" in lines[1]
    assert "Báo cáo  protection-removed (Cảnh báo)" in result.stdout
    assert lines[-1] == "Tổng cộng 2 tệp: 1 hợp lệ, 1 có cảnh báo, 0 có lỗi, 0 không đọc được."


def test_errors_exit_one_with_sheet_and_cell(returns, units_file, run_cli):
    result = run_cli("validate", "--units", units_file, "--period", "2020-H1", returns)
    assert result.exit_code == 1
    assert "[X] có lỗi T01 Xã Thử Nghiệm Một" in result.stdout
    assert "Báo cáo!D17  not-a-number (Lỗi): Ô này cần một con số" in result.stdout
    assert "Báo cáo!D13  number-with-remark (Cảnh báo)" in result.stdout


def test_json_shape(returns, run_cli):
    result = run_cli("validate", "--json", returns)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"files", "summary"}
    assert data["summary"] == {"files": 3, "valid": 1, "warnings": 1, "invalid": 1, "unreadable": 0}
    first = data["files"][0]
    assert FILE_KEYS <= set(first)
    assert first["status"] == "invalid" and first["unit_code"] == "T01" and first["period"] == "2020-H1"
    assert first["form"] == "tuyen-truyen-cchc" and first["form_version"] == 1 and len(first["sha256"]) == 64
    assert first["values"]["05.1"] == 600 and first["values"]["08"] is None
    assert first["notes"] == {"05": "lồng ghép", "05.1": "Lượt người"}
    words = next(f for f in first["findings"] if f["code"] == "not-a-number")
    assert set(words) == FINDING_KEYS
    assert (words["sheet"], words["cell"], words["indicator"], words["severity"]) == ("Báo cáo", "D17", "08", "error")


def test_json_in_english(returns, run_cli):
    result = run_cli("--lang", "en", "validate", "--json", returns)
    words = next(f for f in json.loads(result.stdout)["files"][0]["findings"] if f["code"] == "not-a-number")
    assert words["message"].startswith("This cell needs a number")


def test_report_and_feedback_outputs(returns, tmp_path, run_cli):
    report, out = tmp_path / "ket-qua.xlsx", tmp_path / "gui-lai"
    result = run_cli("validate", "--report", report, "--feedback", out, returns)
    assert result.exit_code == 1
    assert load_workbook(report).active.freeze_panes == "A2"
    assert sorted(p.name for p in out.iterdir()) == ["t01_can-sua.xlsx", "t03_can-sua.xlsx"]
    assert f"Đã ghi 2 bản đánh dấu để gửi lại cho đơn vị vào {out}" in result.stdout


def test_json_stdout_stays_json_with_other_outputs(returns, tmp_path, run_cli):
    result = run_cli("validate", "--json", "--report", tmp_path / "r.xlsx", returns)
    json.loads(result.stdout)
    assert "Đã ghi bảng kết quả kiểm tra" in result.stderr


def test_unreadable_file_exits_one(tmp_path, run_cli):
    (tmp_path / "rong.xlsx").write_bytes(b"")
    result = run_cli("validate", tmp_path)
    assert result.exit_code == 1 and "không đọc được" in result.stdout and "file-empty" in result.stdout


@pytest.mark.parametrize("args, code", [
    (["validate", "khong-co-thu-muc"], 2),
    (["validate", "--period", "2020-H7", "."], 2),
    (["validate", "--form", "khong-co", "."], 2),
    (["validate"], 2),
])
def test_usage_and_fatal_problems_exit_two(args, code, run_cli):
    assert run_cli(*args).exit_code == code


def test_empty_folder_is_fatal(tmp_path, run_cli):
    result = run_cli("validate", tmp_path)
    assert result.exit_code == 2 and "Không có tệp bảng tính nào" in result.stderr


def test_progress_bar_on_large_batches(tmp_path, form, units, period, run_cli):
    for n in range(21):
        make_return(tmp_path, form, units.units[n % 3], period, CLEAN_VALUES, name=f"r{n:02d}.xlsx")
    result = run_cli("validate", "--json", tmp_path)
    assert "Đang kiểm tra" in result.stderr
    assert json.loads(result.stdout)["summary"]["files"] == 21


# --------------------------------------------------------------------------- the JSON writer

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
                         st.dates(), st.datetimes(), st.text().map(CellError))
JSON_KEYS = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(st.text(), inner, max_size=4), st.dictionaries(JSON_KEYS, inner, max_size=3)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.integers(min_value=0, max_value=3))
def test_json_text_is_the_standard_indented_json(value, level):
    expected = json.dumps(value, ensure_ascii=False, indent=2, default=str).replace("\n", "\n" + "  " * level)
    assert json_text(value, level) == expected


def test_json_output_is_the_whole_batch_dumped_at_once(returns, run_cli):
    result = run_cli("validate", "--json", returns)
    data = json.loads(result.stdout)
    assert result.stdout == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    assert [f["path"] for f in data["files"]] == [str(returns / n) for n in ("t01.xlsx", "t02.xlsx", "t03.xlsx")]


def test_large_batch_lists_only_files_with_findings_unless_all(returns, run_cli, monkeypatch):
    """Above VALID_LISTED_MAX files the clean ones are counted, not listed; --all lists them again."""
    from cchc_sheets.commands import validate as command

    monkeypatch.setattr(command, "VALID_LISTED_MAX", 2)
    short = run_cli("validate", returns).stdout.splitlines()
    assert not any(line.startswith("[OK]") for line in short)
    assert any(line.startswith("[X] có lỗi T01") for line in short)
    assert any(line.startswith("[!] có cảnh báo T03") for line in short)
    assert short[-2] == ("1 tệp hợp lệ, không có phát hiện nào, không liệt kê ở trên "
                         "(thêm --all để liệt kê từng tệp).")
    assert short[-1].startswith("Tổng cộng 3 tệp: 1 hợp lệ")
    full = run_cli("validate", "--all", returns).stdout.splitlines()
    assert [line for line in full if line.startswith("[OK] hợp lệ T02")] and "không liệt kê" not in "\n".join(full)
