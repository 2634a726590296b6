"""Paths as the system gives them: names that are not UTF-8, NFD names (issue 18).

An old Windows zip or a mount can hand over file names whose bytes are not UTF-8;
Python carries them as surrogate escapes. Nothing may crash on them: people see a
replacement character, JSON keeps the exact name, and the file can still be opened.
"""
from __future__ import annotations

import json
import os
import sys
import unicodedata

import pytest
from openpyxl import load_workbook

from builders import CLEAN_VALUES, REFERENCE_VALUES, make_return

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes")

UNDECODABLE = os.fsdecode(b"bao-cao-x\xe3-\xff.xlsx")           # Latin-1 bytes, as an old zip tool wrote them
DECOMPOSED = unicodedata.normalize("NFD", "Xã Tây Sơn.xlsx")


@pytest.fixture
def inbox(tmp_path, form, units, period):
    folder = tmp_path / "inbox"
    make_return(folder, form, units.units[0], period, CLEAN_VALUES, name=UNDECODABLE)
    make_return(folder, form, units.units[1], period, REFERENCE_VALUES, name=DECOMPOSED)
    return folder


def test_json_keeps_every_name_exactly_as_on_disk(inbox, run_cli):
    result = run_cli("validate", "--json", inbox)
    paths = [f["path"] for f in json.loads(result.stdout)["files"]]
    assert sorted(os.path.basename(p) for p in paths) == sorted([UNDECODABLE, DECOMPOSED])
    assert all(os.path.exists(p) for p in paths)
    assert "\\udcff" in result.stdout      # escaped, so the JSON text itself is valid UTF-8


def test_screen_workbooks_and_csv_show_a_replacement_character(inbox, tmp_path, units_file, run_cli):
    shown = UNDECODABLE.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    validated = run_cli("validate", "--all", inbox, "--report", tmp_path / "ket-qua.xlsx",
                        "--feedback", tmp_path / "gui-lai")
    assert shown in validated.stdout
    merged = run_cli("merge", "--units", units_file, "--period", "2020-H1", inbox,
                     "--out", tmp_path / "tong-hop.xlsx", "--long", tmp_path / "du-lieu.csv")
    assert merged.exit_code == 0
    texts = [c.value for row in load_workbook(tmp_path / "tong-hop.xlsx")["Tình hình nộp"].iter_rows() for c in row]
    assert any(isinstance(t, str) and shown in t for t in texts)
    assert os.path.basename(shown) in (tmp_path / "du-lieu.csv").read_text(encoding="utf-8-sig")
    findings = [c.value for row in load_workbook(tmp_path / "ket-qua.xlsx").active.iter_rows() for c in row]
    assert any(isinstance(t, str) and shown in t for t in findings)
    assert len(list((tmp_path / "gui-lai").glob("*.xlsx"))) == 1      # the reference entries are flagged


def test_a_consolidation_read_back_keeps_the_exact_paths(inbox, tmp_path, units_file, run_cli):
    from cchc_sheets.merged_workbook import read_consolidated

    run_cli("merge", "--units", units_file, "--period", "2020-H1", inbox, "--out", tmp_path / "tong-hop.xlsx")
    names = sorted(os.path.basename(i.path) for i in read_consolidated(tmp_path / "tong-hop.xlsx").inputs)
    assert names == sorted([UNDECODABLE, DECOMPOSED])


def test_a_folder_walk_takes_templates_and_flat_ods_too(tmp_path):
    """A commune's return saved as .xltx or flat .fods is a finding, never skipped in a folder."""
    from pathlib import Path

    from cchc_sheets.batch import validate_paths
    from cchc_sheets.forms import load_form
    from cchc_sheets.reading import find_spreadsheets

    peers = Path(__file__).resolve().parents[2] / "shared" / "peer-spreadsheets"
    for name, source in (("mau.xltx", "openpyxl/openpyxl__writer__tests__data__empty.xltx"),
                         ("phang.fods", "test_files/LO7322.fods")):
        data = (peers / source).read_bytes() if (peers / source).exists() else b"<?xml version='1.0'?><x/>"
        (tmp_path / name).write_bytes(data)
    (tmp_path / "cong-van.pdf").write_bytes(b"%PDF-1.4\n")
    found, missing = find_spreadsheets([tmp_path])
    assert [p.name for p in found] == ["mau.xltx", "phang.fods"] and missing == []
    batch = validate_paths([tmp_path], load_form("tuyen-truyen-cchc"))
    codes = {Path(r.path).name: [f.code for f in r.findings] for r in batch.files}
    assert codes["phang.fods"] == ["not-a-spreadsheet"]
    assert codes["mau.xltx"] == ["not-a-cchc-form"]             # read: an empty workbook, not one of ours
