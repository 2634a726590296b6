"""Other projects' test spreadsheets (../shared/): every one a clear finding, alone or all in one batch.

765 files: calamine's own fuzz finds and odd corners (wild-spreadsheets) and the test suites
of ten spreadsheet projects (peer-spreadsheets): damaged, encrypted, other formats under a
spreadsheet name. None is one of our forms, so each must end as a finding that names what
it is; none may stop the batch or take the reader's memory (issue 18).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from cchc_sheets.batch import validate_paths
from cchc_sheets.messages import CATALOGUE

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPORA = [SHARED / "wild-spreadsheets", SHARED / "peer-spreadsheets"]

pytestmark = pytest.mark.skipif(not all(c.is_dir() for c in CORPORA), reason="../shared corpora are not present")


def corpus_files() -> list[Path]:
    return sorted(p for corpus in CORPORA for p in corpus.rglob("*") if p.is_file() and p.name != "README.md")


def verdict(report) -> tuple[str, str]:
    return report.status, report.findings[0].code if report.findings else ""


@pytest.fixture(scope="module")
def batch(form):
    return validate_paths(corpus_files(), form, cache=False, jobs=2)


def test_all_in_one_batch_every_file_is_reported_with_a_finding(batch):
    files = corpus_files()
    assert len(files) >= 700
    assert [r.path for r in batch.files] == [str(f) for f in files]
    for report in batch.files:
        assert report.findings, report.path
        assert report.status in ("invalid", "unreadable"), report.path   # none of them is one of our forms
        for finding in report.findings:
            assert finding.code in CATALOGUE
            assert finding.message("vi") and finding.message("en")
    codes = {verdict(r)[1] for r in batch.files}
    assert "file-reader-gave-up" not in codes     # the reader's own bounds refuse every file before that
    assert {"not-a-cchc-form", "not-a-spreadsheet", "file-password-protected"} <= codes


def test_known_files_get_the_right_verdict(batch):
    by_name = {Path(r.path).name: verdict(r) for r in batch.files}
    assert by_name["pass_protected.xlsx"] == ("unreadable", "file-password-protected")
    assert by_name["pass_protected.ods"] == ("unreadable", "file-password-protected")
    assert by_name["any_sheets.xlsx"] == ("invalid", "not-a-cchc-form")
    assert by_name["any_sheets.ods"] == ("invalid", "not-a-cchc-form")


def test_each_file_alone_gets_the_verdict_it_gets_in_the_batch(batch, form):
    in_batch = {r.path: verdict(r) for r in batch.files}
    for path in corpus_files():
        alone = validate_paths([path], form, cache=False).files
        assert len(alone) == 1 and verdict(alone[0]) == in_batch[str(path)], path


def test_one_merge_over_every_file_and_valid_returns_counts_the_valid_ones(tmp_path, form, units, period):
    from openpyxl import load_workbook

    from builders import CLEAN_VALUES, make_return
    from cchc_sheets.office import Office
    from cchc_sheets.text import display_path

    valid = [make_return(tmp_path / "tra-ve", form, unit, period, CLEAN_VALUES) for unit in units.units[:3]]
    inputs = corpus_files() + valid
    run = Office(form, units=units, period=period, jobs=2, cache=False).merge(inputs, out=tmp_path / "tong-hop.xlsx")
    assert sorted(i.path for i in run.consolidation.inputs) == sorted(map(str, inputs))
    assert run.consolidation.counted_count == 3
    assert run.consolidation.totals["01"] == 3 * CLEAN_VALUES["01"]
    status = load_workbook(tmp_path / "tong-hop.xlsx", read_only=True)["Tình hình nộp"]
    shown = {c for row in status.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert {display_path(p) for p in inputs} <= shown
