"""cchc_sheets.libreoffice: headless conversions with a private profile, and its catalogue errors."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from cchc_sheets import libreoffice
from cchc_sheets.libreoffice import convert
from cchc_sheets.messages import CchcError
from conftest import require_tool

UNIT_NAME = "Xã An Hòa Thịnh"


@pytest.fixture
def small_xlsx(tmp_path):
    path = tmp_path / "nho.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Báo cáo"
    sheet["A1"], sheet["B1"] = UNIT_NAME, 1200
    sheet["A2"], sheet["B2"] = "6(lồng ghép)", 7
    sheet.column_dimensions["A"].width = 30  # wide enough that the PDF shows whole words
    workbook.save(path)
    return path


def fake_soffice(tmp_path, body: str) -> str:
    script = tmp_path / "fake-soffice"
    script.write_text(f"#!/bin/sh\nPATH=/usr/bin:/bin:$PATH\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


# --- with a real LibreOffice ---------------------------------------------------------------
@pytest.mark.libreoffice
def test_xlsx_to_pdf_keeps_vietnamese_text(soffice, small_xlsx, tmp_path):
    pdftotext = require_tool("pdftotext")
    pdf = convert(small_xlsx, "pdf", tmp_path / "out")
    assert pdf == tmp_path / "out" / "nho.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert UNIT_NAME in text and "6(lồng ghép)" in text and "1200" in text


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt, expected_name", [
    ("ods", "nho.ods"),
    ("xls", "nho.xls"),
    ("xlsx", "nho.xlsx"),
])
def test_workbook_formats_read_back_with_the_same_cells(soffice, small_xlsx, tmp_path, fmt, expected_name):
    out = convert(small_xlsx, fmt, tmp_path / "out")
    assert out.name == expected_name
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Báo cáo").to_python()
    assert rows[0][0] == UNIT_NAME and rows[0][1] == 1200
    assert rows[1][0] == "6(lồng ghép)" and rows[1][1] == 7


@pytest.mark.libreoffice
def test_output_folder_gets_only_the_result_and_input_is_untouched(soffice, small_xlsx, tmp_path):
    before = small_xlsx.read_bytes()
    out_dir = tmp_path / "out"
    convert(small_xlsx, "ods", out_dir)
    assert sorted(p.name for p in out_dir.iterdir()) == ["nho.ods"]  # no profile, no .part left
    assert small_xlsx.read_bytes() == before


@pytest.mark.libreoffice
def test_concurrent_conversions_do_not_collide(soffice, small_xlsx, tmp_path):
    sources = []
    for n in range(3):
        copy = tmp_path / f"nho{n}.xlsx"
        shutil.copyfile(small_xlsx, copy)
        sources.append(copy)
    with ThreadPoolExecutor(max_workers=3) as pool:
        outputs = list(pool.map(lambda source: convert(source, "pdf", tmp_path / "out"), sources))
    assert [p.name for p in outputs] == ["nho0.pdf", "nho1.pdf", "nho2.pdf"]
    assert all(p.stat().st_size > 1000 for p in outputs)


# --- catalogue errors (no LibreOffice needed) ---------------------------------------------------
def test_missing_input_file_is_input_not_found(tmp_path):
    with pytest.raises(CchcError) as caught:
        convert(tmp_path / "khong-co.xlsx", "pdf", tmp_path / "out")
    assert caught.value.code == "input-not-found"
    assert "khong-co.xlsx" in caught.value.message("vi")


def test_bogus_soffice_path_is_libreoffice_failed(small_xlsx, tmp_path):
    with pytest.raises(CchcError) as caught:
        convert(small_xlsx, "pdf", tmp_path / "out", soffice=str(tmp_path / "no" / "soffice"))
    assert caught.value.code == "libreoffice-failed"
    assert caught.value.params["format"] == "pdf"
    assert "LibreOffice không chuyển được tệp" in caught.value.message("vi")


def test_no_soffice_anywhere_is_libreoffice_missing(small_xlsx, tmp_path, monkeypatch):
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    with pytest.raises(CchcError) as caught:
        convert(small_xlsx, "pdf", tmp_path / "out")
    assert caught.value.code == "libreoffice-missing"
    assert "Không tìm thấy LibreOffice" in caught.value.message("vi")


def test_find_soffice_prefers_cchc_soffice(monkeypatch):
    monkeypatch.setenv("CCHC_SOFFICE", "/opt/lo/program/soffice")
    assert libreoffice.find_soffice() == "/opt/lo/program/soffice"


def test_soffice_that_fails_reports_its_last_error_line(small_xlsx, tmp_path):
    program = fake_soffice(tmp_path, 'echo "Error: source file could not be loaded" >&2; exit 1')
    with pytest.raises(CchcError) as caught:
        convert(small_xlsx, "xls", tmp_path / "out", soffice=program)
    assert caught.value.code == "libreoffice-failed"
    assert caught.value.params["reason"] == "Error: source file could not be loaded"
    assert not (tmp_path / "out" / "nho.xls").exists()


def test_soffice_that_hangs_is_stopped_with_libreoffice_timeout(small_xlsx, tmp_path):
    program = fake_soffice(tmp_path, "sleep 30")
    started = time.monotonic()
    with pytest.raises(CchcError) as caught:
        convert(small_xlsx, "pdf", tmp_path / "out", soffice=program, timeout=1)
    assert caught.value.code == "libreoffice-timeout"
    assert caught.value.params["seconds"] == 1
    assert time.monotonic() - started < 10


def test_soffice_arguments_use_a_private_profile_and_the_filter(small_xlsx, tmp_path):
    log = tmp_path / "args.txt"
    # Records its arguments, then "converts" by writing the expected file into --outdir.
    program = fake_soffice(tmp_path, f'printf "%s\\n" "$@" > {log}\n'
                                     'while [ "$1" != "--outdir" ]; do shift; done; mkdir -p "$2" && touch "$2/nho.xls"')
    out = convert(small_xlsx, 'xls:"MS Excel 97"', tmp_path / "out", soffice=program)  # shell-style quotes
    args = log.read_text(encoding="utf-8").splitlines()
    assert out == tmp_path / "out" / "nho.xls"
    assert "--headless" in args and "--norestore" in args
    assert args[args.index("--convert-to") + 1] == "xls:MS Excel 97"
    profile = next(a for a in args if a.startswith("-env:UserInstallation=file://"))
    assert not os.path.exists(profile.split("file://", 1)[1])  # cleaned up afterwards


def test_ipc_socket_name_is_what_libreoffice_7_makes_for_a_profile():
    # Measured with LibreOffice 7.4: soffice -env:UserInstallation=file:///tmp/lotest/profY
    # created /tmp/OSL_PIPE_<uid>_SingleOfficeIPC_8c3b59c22c027efe56e7cfc3dc6ae9b (md5 of the
    # URL in UTF-16LE, each byte in unpadded hex); a killed soffice leaves it behind.
    socket = libreoffice.ipc_socket("file:///tmp/lotest/profY")
    assert socket.name == f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_8c3b59c22c027efe56e7cfc3dc6ae9b"


@pytest.mark.libreoffice
def test_preview_script_renders_every_page_to_png(soffice, small_xlsx, tmp_path):
    require_tool("pdftoppm")
    script = Path(__file__).resolve().parent.parent / "scripts" / "preview.py"
    result = subprocess.run([sys.executable, str(script), str(small_xlsx), "--out", str(tmp_path / "png")],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    pages = [Path(line) for line in result.stdout.split()]
    assert [p.name for p in pages] == ["nho_xlsx-1.png"]
    assert pages[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_preview_script_reports_a_missing_file_and_exits_2(tmp_path):
    script = Path(__file__).resolve().parent.parent / "scripts" / "preview.py"
    result = subprocess.run([sys.executable, str(script), str(tmp_path / "khong-co.xlsx"), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=60, env={**os.environ, "CCHC_LANG": "vi"})
    assert result.returncode == 2
    assert "Không tìm thấy tệp" in result.stderr
