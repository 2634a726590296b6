"""The round trip with LibreOffice as the commune's spreadsheet program.

Templates from ``cchc template`` are opened in a real LibreOffice (through UNO,
``tests/uno_fill.py``), filled the way a commune officer does it (find the
label's row and the "Số lượng" column, type into unlocked cells only, including
the reference report's ``6(lồng ghép)``, ``600 (Lượt người)`` and ``02``) and
saved as .xlsx, .xls and .ods. Then ``cchc validate`` must read every file to
the typed values, ``cchc merge`` must total exactly what we sum here, LibreOffice
must recalculate the consolidated workbook's formulas to the same totals, and the
PDFs of the consolidated workbook and of the Word draft must carry them.

One soffice serves every UNO fill of the session; conversions use
``cchc_sheets.libreoffice.convert`` (a private profile each).
"""
from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import openpyxl
import pytest

from cchc_sheets.forms import load_form
from cchc_sheets.layout import fold_text
from cchc_sheets.libreoffice import convert
from conftest import require_tool

pytestmark = pytest.mark.libreoffice

HERE = Path(__file__).resolve().parent
UNO_FILL = HERE / "uno_fill.py"
PERIOD = "2020-H1"
FORM = load_form("tuyen-truyen-cchc")
LABELS = {ind.code: ind.label for ind in FORM.indicators}
QUESTIONS = {q.code: q.label for q in FORM.questions}

UNITS_CSV = """code,name,parent,email,group
T01,Xã Thử Nghiệm Một,UBND huyện Hương Sơn,t01@example.org,Khu vực A
T02,Xã Thử Nghiệm Hai,UBND huyện Hương Sơn,t02@example.org,Khu vực A
T03,Phường Đông Hà,UBND huyện Hương Sơn,t03@example.org,Khu vực B
T04,Xã An Hòa Thịnh,UBND huyện Hương Sơn,t04@example.org,Khu vực B
"""

# What each commune types into "Số lượng" (as typed: numbers, or text as in the
# reference report) and what the toolkit must read from it.
TYPED = {
    "T01": {"01": 5, "02": 1, "03": 2, "04": 24, "05": 2, "05.1": 150, "06": 1, "07": 200, "08": 3},
    "T02": {"01": 7, "02": 0, "03": 1, "04": 30, "05": 3, "05.1": 450, "06": 0, "07": "1.000", "08": 2},
    "T03": {"01": 3, "02": 2, "03": 4, "04": 12, "05": 1, "05.1": 120, "06": 1, "07": 500, "08": 0},
    # The reference commune report (UBND xã An Hòa Thịnh, 6 tháng đầu năm 2020).
    "T04": {"01": 12, "02": 0, "03": 0, "04": 18, "05": "6(lồng ghép)", "05.1": "600 (Lượt người)",
            "06": "02", "07": 3, "08": 4},
}
EXPECTED = {
    unit: {code: (int(v.split("(")[0].replace(".", "")) if isinstance(v, str) else v) for code, v in typed.items()}
    for unit, typed in TYPED.items()
}
NOTES = {"T04": {"08": "Hội nghị; mạng xã hội; TT miệng…"}, "T02": {"07": "tờ rơi phát tại bộ phận một cửa"}}
ANSWERS = {
    "thuan-loi": "Được sự quan tâm, chỉ đạo của Đảng ủy, UBND xã.",
    "kho-khan": "Kinh phí cho công tác tuyên truyền còn hạn chế.",
}
# One format per unit, and the reference unit in all three.
FORMATS = {"T01": ("xlsx",), "T02": ("xls",), "T03": ("ods",), "T04": ("xlsx", "xls", "ods")}
MERGED_FORMAT = {"T01": "xlsx", "T02": "xls", "T03": "ods", "T04": "ods"}
TOTALS = {code: sum(EXPECTED[unit][code] for unit in TYPED) for code in LABELS}


# --------------------------------------------------------------------------- fixtures
def _python_with_uno() -> str | None:
    """A Python that can ``import uno``: Debian's python3-uno, or LibreOffice's bundled one."""
    for candidate in ("/usr/bin/python3", "/usr/lib/libreoffice/program/python",
                      "/opt/libreoffice/program/python", shutil.which("python3")):
        if candidate and os.path.exists(candidate):
            probe = subprocess.run([candidate, "-c", "import uno"], capture_output=True)
            if probe.returncode == 0:
                return candidate
    return None


def _uno_fill_module():
    spec = importlib.util.spec_from_file_location("uno_fill", UNO_FILL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # stdlib only at import time; uno is imported lazily
    return module


@pytest.fixture(scope="session")
def uno_office(soffice):
    """One headless soffice listening on a private pipe for every UNO fill; yields a runner."""
    python = _python_with_uno()
    if python is None:
        if os.environ.get("CI") == "true":
            pytest.fail("a Python with LibreOffice's uno module (python3-uno) is required under CI=true")
        pytest.skip("no Python with LibreOffice's uno module (install python3-uno)")
    profile = tempfile.mkdtemp(prefix="cchc-uno-test-")
    pipe = f"cchc-test-{uuid.uuid4().hex[:10]}"
    process = subprocess.Popen(_uno_fill_module().soffice_command(soffice, profile, pipe),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    uno_fill = _uno_fill_module()

    def run(jobs: list[dict], workdir: Path) -> subprocess.CompletedProcess:
        jobs_file = workdir / f"jobs-{uuid.uuid4().hex[:6]}.json"
        jobs_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
        return subprocess.run([python, str(UNO_FILL), str(jobs_file), "--pipe", pipe, "--timeout", "60"],
                              capture_output=True, text=True, timeout=180)

    yield run
    # A clean shutdown through UNO; a signal would leave soffice's IPC socket in /tmp.
    subprocess.run([python, str(UNO_FILL), "--pipe", pipe, "--terminate", "--timeout", "5"],
                   capture_output=True, timeout=60)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    shutil.rmtree(profile, ignore_errors=True)
    uno_fill.remove_sockets(pipe, profile)


def run_cchc(*args) -> subprocess.CompletedProcess:
    """The real ``cchc`` command line, as an officer runs it."""
    return subprocess.run([sys.executable, "-m", "cchc_sheets", *map(str, args)], capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, "CCHC_LANG": "vi"})


def fill_job(unit: str, template: Path, out_dir: Path) -> dict:
    stem = f"{unit}-tra-ve"
    return {
        "input": str(template),
        "values": [[LABELS[code], value] for code, value in TYPED[unit].items()]
                  + [["Người báo cáo", "Nguyễn Văn An"], ["Số điện thoại", "0912 345 678"]],
        "notes": [[LABELS[code], note] for code, note in NOTES.get(unit, {}).items()],
        "answers": [[QUESTIONS[code], text] for code, text in ANSWERS.items()],
        "outputs": {fmt: str(out_dir / f"{stem}.{fmt}") for fmt in FORMATS[unit]},
    }


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory, uno_office):
    """Templates -> LibreOffice fills and saves -> returned files; plus the fill report."""
    base = tmp_path_factory.mktemp("roundtrip")
    units = base / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    made = run_cchc("template", "--units", units, "--period", PERIOD, "--out", base / "templates")
    assert made.returncode == 0, made.stderr
    templates = {path.name.split("_")[2]: path for path in (base / "templates").glob("*.xlsx")}
    assert sorted(templates) == sorted(TYPED)
    returns = base / "returns"
    filled = uno_office([fill_job(unit, templates[unit], returns) for unit in sorted(TYPED)], base)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    return {"base": base, "units": units, "templates": templates, "returns": returns,
            "report": json.loads(filled.stdout)}


def returned(round_trip, unit: str, fmt: str) -> Path:
    return round_trip["returns"] / f"{unit}-tra-ve.{fmt}"


@pytest.fixture(scope="module")
def merged(round_trip):
    base = round_trip["base"]
    inputs = [returned(round_trip, unit, fmt) for unit, fmt in MERGED_FORMAT.items()]
    result = run_cchc("merge", *inputs, "--units", round_trip["units"], "--period", PERIOD,
                      "--out", base / "tong-hop.xlsx", "--long", base / "tong-hop.csv")
    assert result.returncode == 0, result.stdout + result.stderr
    return {"xlsx": base / "tong-hop.xlsx", "csv": base / "tong-hop.csv"}


def pdf_text(path: Path) -> str:
    text = subprocess.run([require_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return " ".join(text.split())


# --------------------------------------------------------------------------- typing like a person
def test_layout_cells_are_locked_and_input_cells_are_not(round_trip):
    for job in round_trip["report"]:
        assert job["protected"]["Báo cáo"] and job["protected"]["Ý kiến"]
        typed = job["typed"]
        assert len(typed) == len(LABELS) + 2 + len(ANSWERS) + len(NOTES.get(_unit(job), {}))
        assert all(cell["locked"] is False and cell["label_locked"] is True for cell in typed)
        value_cells = {c["cell"] for c in typed if c["sheet"] == "Báo cáo" and c["cell"].startswith("D")}
        assert {"D9", "D13", "D14", "D15"} <= value_cells  # 01, 05, 05.1, 06 by label, not by address


def test_libreoffice_shows_the_whole_number_guard_on_every_count_cell(round_trip):
    # Typing "6(lồng ghép)" in LibreOffice's UI is refused by this rule; pasted text is not,
    # which is how such entries still arrive (and why validation must parse them).
    for job in round_trip["report"]:
        counts = [c for c in job["typed"] if c["sheet"] == "Báo cáo" and c["cell"].startswith("D")
                  and int(c["cell"][1:]) <= 17]
        assert len(counts) == len(LABELS)
        for cell in counts:
            rule = cell["validation"]
            assert (rule["type"], rule["error_style"], rule["show_error"]) == ("WHOLE", "STOP", True), cell
            assert "Chỉ nhập số nguyên" in rule["error_message"]


def _unit(job: dict) -> str:
    return Path(job["input"]).name.split("_")[2]


def test_a_locked_value_cell_cannot_be_typed_into(round_trip, uno_office):
    tampered = round_trip["base"] / "locked-D9.xlsx"
    workbook = openpyxl.load_workbook(round_trip["templates"]["T01"])
    workbook["Báo cáo"]["D9"].protection = openpyxl.styles.Protection(locked=True)
    workbook.save(tampered)
    result = uno_office([{"input": str(tampered), "values": [[LABELS["01"], 5]]}], round_trip["base"])
    assert result.returncode == 3
    assert "D9 is locked" in json.loads(result.stdout)["error"]


def test_every_format_is_written(round_trip):
    for unit, formats in FORMATS.items():
        for fmt in formats:
            path = returned(round_trip, unit, fmt)
            assert path.stat().st_size > 4000, path
    assert returned(round_trip, "T02", "xls").read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # OLE2 (.xls)
    assert returned(round_trip, "T03", "ods").read_bytes()[:2] == b"PK"


# --------------------------------------------------------------------------- validate
@pytest.fixture(scope="module")
def validated(round_trip):
    result = run_cchc("validate", "--json", "--units", round_trip["units"], "--period", PERIOD,
                      round_trip["returns"])
    assert result.returncode == 0, result.stdout + result.stderr
    return {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}


def test_validate_reads_every_file_to_the_typed_values(validated):
    assert len(validated) == sum(len(f) for f in FORMATS.values())
    for unit, formats in FORMATS.items():
        for fmt in formats:
            report = validated[f"{unit}-tra-ve.{fmt}"]
            assert report["unit_code"] == unit and report["status"] in ("valid", "warnings"), report["findings"]
            values = report["values"]
            assert {code: values[code] for code in LABELS} == EXPECTED[unit], fmt
            assert all(float(v).is_integer() for v in values.values())
            assert [report["answers"][code] for code in ANSWERS] == list(ANSWERS.values())


def test_reference_report_entries_give_remarks_and_notes_in_every_format(validated):
    for fmt in FORMATS["T04"]:
        report = validated[f"T04-tra-ve.{fmt}"]
        found = {(f["code"], f["cell"]) for f in report["findings"]}
        assert {("number-with-remark", "D13"), ("number-with-remark", "D14")} <= found, fmt
        assert "lồng ghép" in report["notes"]["05"]
        assert report["notes"]["08"] == "Hội nghị; mạng xã hội; TT miệng…"
        assert not [f for f in report["findings"] if f["severity"] == "error"]


def test_reference_unit_reads_the_same_from_xlsx_xls_and_ods(validated):
    reads = [validated[f"T04-tra-ve.{fmt}"] for fmt in FORMATS["T04"]]
    for key in ("values", "notes", "answers"):
        assert reads[0][key] == reads[1][key] == reads[2][key], key


def test_text_number_in_xls_keeps_vietnamese_thousands(validated):
    assert validated["T02-tra-ve.xls"]["values"]["07"] == 1000


# --------------------------------------------------------------------------- merge
def _rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def summary_totals(path: Path) -> dict[str, object]:
    """code -> the "Số lượng" of the Tổng hợp sheet, found by label like a reader would."""
    rows = _rows(openpyxl.load_workbook(path, data_only=True)["Tổng hợp"])
    header = next(n for n, r in enumerate(rows) if "Chỉ tiêu" in r and "Số lượng" in r)
    label_col, value_col = rows[header].index("Chỉ tiêu"), rows[header].index("Số lượng")
    by_label = {fold_text(r[label_col]): r[value_col] for r in rows[header + 1:]}
    return {code: by_label[fold_text(label)] for code, label in LABELS.items()}


def detail_totals(path: Path) -> dict[str, object]:
    """code -> the TỔNG CỘNG row of Chi tiết, columns found by their "01. ..." headers."""
    rows = _rows(openpyxl.load_workbook(path, data_only=True)["Chi tiết"])
    header = next(r for r in rows if any(str(c or "").startswith("01.") for c in r))
    total = next(r for r in rows if any(str(c or "").startswith("TỔNG CỘNG") for c in r))
    columns = {code: next(i for i, c in enumerate(header) if str(c or "").startswith(f"{code}. "))
               for code in LABELS}
    return {code: total[column] for code, column in columns.items()}


def test_merge_totals_are_exactly_our_sums(merged):
    assert TOTALS["05.1"] == 1320 and TOTALS["07"] == 1703  # the sums the PDFs must show
    assert summary_totals(merged["xlsx"]) == TOTALS
    assert detail_totals(merged["xlsx"]) == TOTALS


def test_long_export_sums_to_our_totals(merged):
    with open(merged["csv"], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["unit_code"] for r in rows} == set(TYPED)
    sums: dict[str, float] = {}
    for row in rows:
        sums[row["indicator_code"]] = sums.get(row["indicator_code"], 0) + float(row["value"])
    assert sums == {code: float(total) for code, total in TOTALS.items()}


def test_libreoffice_recalculates_the_consolidated_formulas_to_the_same_totals(merged, uno_office, tmp_path):
    # Recalculate every SUMIFS in a real spreadsheet program, save, read the results back.
    recalculated = tmp_path / "tong-hop-libreoffice.xlsx"
    job = {"input": str(merged["xlsx"]), "recalculate": True, "outputs": {"xlsx": str(recalculated)}}
    result = uno_office([job], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert detail_totals(recalculated) == TOTALS
    assert summary_totals(recalculated) == TOTALS


def test_consolidated_workbook_pdf_carries_the_totals(merged, tmp_path):
    text = pdf_text(convert(merged["xlsx"], "pdf", tmp_path))
    assert "Tổng hợp".upper() in text.upper() or "PHỤ LỤC" in text
    for code in ("01", "04", "05.1", "07"):
        assert re.search(number_pattern(TOTALS[code]), text), (code, TOTALS[code])


def number_pattern(number: int) -> str:
    """``number`` as a whole token, with or without a thousands separator (1320, 1.320, 1,320)."""
    digits = f"{number:,}".replace(",", "[.,]?")
    return rf"(?<![\d.,]){digits}(?![\d.,]?\d)"


# --------------------------------------------------------------------------- draft
def test_draft_pdf_carries_the_totals_in_vietnamese_format(merged, tmp_path):
    draft = tmp_path / "bao-cao.docx"
    result = run_cchc("draft", merged["xlsx"], "--out", draft)
    assert result.returncode == 0, result.stdout + result.stderr
    text = pdf_text(convert(draft, "pdf", tmp_path))
    assert "BÁO CÁO" in text
    assert "1.320" in text and "1.703" in text  # Vietnamese thousands separator
    assert "1,320" not in text
