"""An .xlsb's used grids are bounded before calamine builds them (issue 18): one cell moved to the far
corner of a real sample is refused as ``file-bomb`` fast and small; the real samples read as before."""
from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from cchc_sheets.reading import read_workbook
from cchc_sheets.reading.xlsb import ROW_HEADER, records, sheet_box, sheet_names
from test_hostile_bounds import MAX_PEAK_MB, MAX_SECONDS, read_in_child

SAMPLES = Path("/work/shared/peer-spreadsheets")
BASE = SAMPLES / "python-calamine" / "tests__data__base.xlsb"
SHEET = "xl/worksheets/sheet1.bin"
LAST_ROW, LAST_COL = 1_048_575, 16_383

pytestmark = pytest.mark.skipif(not BASE.exists(), reason="shared peer spreadsheets not present")


def far_corner(part: bytes, value_on_top: bool = True) -> bytes:
    """The sheet part with its last row header moved to the last row and its last cell to the last
    column; ``value_on_top``: a number cell put in A1 too (the first row holds only blank cells), so
    the cells with a value span the whole sheet."""
    found = list(records(part))
    row_body = [body for kind, body, size in found if kind == ROW_HEADER and size >= 4][-1]
    cell_body = [body for kind, body, size in found if 1 <= kind <= 13 and size >= 4][-1]
    first_row_end = next(body + size for kind, body, size in found if kind == ROW_HEADER)
    moved = bytearray(part)
    struct.pack_into("<I", moved, row_body, LAST_ROW)
    struct.pack_into("<I", moved, cell_body, LAST_COL)
    number = bytes([5, 16]) + struct.pack("<IId", 0, 0, 1.5)     # BrtCellReal in column A
    return bytes(moved[:first_row_end]) + (number if value_on_top else b"") + bytes(moved[first_row_end:])


def rezip(source, name: str, change) -> bytes:
    """The ZIP (a path or a file object) with member ``name`` passed through ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in archive.infolist():
            content = archive.read(info)
            copy.writestr(info.filename, change(content) if info.filename == name else content)
    return out.getvalue()


def test_the_sample_sheet_box_counts_its_cells():
    with zipfile.ZipFile(BASE) as archive:
        rows, cols, cells = sheet_box(archive.read(SHEET))
        names = sheet_names(archive.read("xl/workbook.bin"), archive.read("xl/_rels/workbook.bin.rels"))
    assert (rows, cols) == (2, 10) and cells > 0
    assert names[SHEET][:2] == ("Sheet1", True)
    assert sorted(name for name, _, _ in names.values()) == ["Merged Cells", "Sheet1", "Sheet2", "Sheet3"]


def test_a_far_corner_cell_is_a_file_bomb_before_calamine_allocates(tmp_path):
    path = tmp_path / "goc-xa.xlsb"
    path.write_bytes(rezip(BASE, SHEET, far_corner))
    with zipfile.ZipFile(path) as archive:
        rows, cols, _ = sheet_box(archive.read(SHEET))
    assert (rows, cols) == (LAST_ROW + 1, LAST_COL + 1)
    outcome = read_in_child(path)
    assert (outcome["code"], outcome["detail"]) == ("file-bomb", "detail-grid-too-large")
    assert outcome["seconds"] < MAX_SECONDS
    assert outcome["peak_mb"] < MAX_PEAK_MB


def test_blank_cells_far_from_the_values_are_no_bomb(tmp_path):
    """calamine skips blank cells: values in one far row and blanks in the first build a 1 x 16,384 grid."""
    path = tmp_path / "o-trong-xa.xlsb"
    path.write_bytes(rezip(BASE, SHEET, lambda part: far_corner(part, value_on_top=False)))
    with zipfile.ZipFile(path) as archive:
        assert sheet_box(archive.read(SHEET))[:2] == (1, LAST_COL + 1)
    raw = read_workbook(path)
    assert raw.problem is None and raw.sheets[0].declared_cells == LAST_COL + 1


def test_a_far_corner_on_a_sheet_workbook_bin_does_not_name_is_still_bounded(tmp_path):
    """Mapping parts to names fails (no workbook.bin rels): every sheet part still counts."""
    path = tmp_path / "khong-ten.xlsb"
    data = rezip(BASE, SHEET, far_corner)
    path.write_bytes(rezip(io.BytesIO(data), "xl/_rels/workbook.bin.rels", lambda _: b"not xml"))
    assert read_workbook(path).problem.code == "file-bomb"


XLSB_SAMPLES = sorted(path for corpus in (SAMPLES, SAMPLES.with_name("wild-spreadsheets")) if corpus.exists()
                      for path in corpus.rglob("*.xlsb"))


# What the samples were before the bound, and still are: this one's 64 cells really span 32,770 x 130
# (calamine's own grid), beyond the per-sheet cap.
REFUSED = {"tests__data__password.xlsb": "file-password-protected", "pass_protected.xlsb": "file-password-protected",
           "tests__data__empty_file.xlsb": "file-empty", "2013__apachepoi_SharedFormulaTest.xls.xlsb": "file-bomb"}


@pytest.mark.parametrize("path", XLSB_SAMPLES, ids=lambda p: p.name)
def test_real_xlsb_samples_get_no_new_finding(path):
    raw = read_workbook(path)
    assert (raw.problem.code if raw.problem else None) == REFUSED.get(path.name)
