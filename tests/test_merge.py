"""cchc merge: consolidation logic, the consolidated workbook, the long export, received.csv, the command."""
from __future__ import annotations

import csv
import os
import subprocess
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc_sheets import merge
from cchc_sheets.long_export import COLUMNS, write_long
from cchc_sheets.merged_workbook import (
    CHART_SHEET, DETAIL_SHEET, META_SHEET, OPINIONS_SHEET, STATUS_SHEET, SUMMARY_SHEET, is_consolidated_workbook,
    read_consolidated, write_merged_workbook,
)
from cchc_sheets.messages import CchcError, Phrase, phrase
from cchc_sheets.model import FileReport, make_finding
from cchc_sheets.received import load_received, read_received
from cchc_sheets.libreoffice import convert
from conftest import require_tool

ICT = timezone(timedelta(hours=7))
SUMMED = ["01", "02", "03", "04", "05", "05.1", "06", "07", "08"]


def values(**overrides) -> dict:
    base = {"01": 12, "02": 0, "03": 0, "04": 18, "05": 6, "05.1": 600, "06": 2, "07": 3, "08": 3}
    base.update({k.replace("_", "."): v for k, v in overrides.items()})
    return base


def report(unit: str, vals: dict | None = None, *, path: str | None = None, error=False, warning=False,
           unreadable=False, form="tuyen-truyen-cchc", period="2020-H1", received=None, modified=None,
           generated_at=None, sha="", notes=None, answers=None) -> FileReport:
    findings = []
    if error:
        findings.append(make_finding("not-a-number", sheet="Báo cáo", cell="D13", value="sáu", indicator="05"))
    if warning:
        findings.append(make_finding("number-with-remark", value="6(lồng ghép)", number=6, remark="lồng ghép"))
    if unreadable:
        findings.append(make_finding("file-unreadable", reason="zip hỏng"))
        return FileReport(path=path or f"in/{unit}.xlsx", sha256=sha, findings=findings, modified=modified)
    return FileReport(path=path or f"in/{unit}.xlsx", sha256=sha or f"sha-{unit}-{path}", form=form, form_version=1,
                      unit_code=unit, unit_name=f"Đơn vị {unit}", period=period, values=dict(vals or values()),
                      notes=dict(notes or {}), answers=dict(answers or {}), findings=findings, received=received,
                      modified=modified, generated_at=generated_at)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2020, 6, day, hour, 0, tzinfo=ICT)


# --------------------------------------------------------------------------- consolidate()


def test_totals_count_valid_and_warning_returns_only(form, units, period):
    reports = [report("T01", values(**{"01": 5})), report("T02", values(**{"01": 7}), warning=True),
               report("T03", values(**{"01": 100}), error=True)]
    result = merge.consolidate(reports, form, units, period)
    assert result.totals["01"] == 12 and result.totals["05.1"] == 1200
    assert [s.status for s in result.unit_statuses] == ["valid", "warnings", "invalid"]
    assert result.unit_statuses[2].report is reports[2]  # the invalid return stays the unit's return
    assert result.counted_count == 2 and result.submitted_count == 3
    assert result.group_totals == {"Khu vực A": merge.sum_values(form, result.unit_statuses[:2]),
                                   "Khu vực B": {code: 0 for code in SUMMED}}


@st.composite
def batches(draw):
    codes = ["T01", "T02", "T03", "X99"]
    items = []
    for n in range(draw(st.integers(0, 8))):
        unit = draw(st.sampled_from(codes))
        vals = {code: draw(st.one_of(st.none(), st.integers(0, 10_000), st.floats(0, 500, allow_nan=False)))
                for code in SUMMED}
        kind = draw(st.sampled_from(["valid", "warning", "error", "other-period"]))
        items.append(report(unit, vals, path=f"in/{n}.xlsx", error=kind == "error", warning=kind == "warning",
                            period="2019-H2" if kind == "other-period" else "2020-H1", received=at(1 + n)))
    return items


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches())
def test_property_totals_equal_the_sum_of_the_newest_counted_returns(form, units, period, reports):
    result = merge.consolidate(reports, form, units, period)
    newest = {}
    for r in reports:  # received grows with the index: the last return of a unit is its newest
        if r.period == "2020-H1" and r.unit_code in {"T01", "T02", "T03"}:
            newest[r.unit_code] = r
    counted = [r for r in newest.values() if r.counts]
    for code in SUMMED:
        expected = sum(merge.number(r.values[code]) for r in counted if r.values[code] is not None)
        assert result.totals[code] == pytest.approx(expected)
    assert len(result.inputs) == len(reports)
    assert [i.path for i in result.inputs] == [r.path for r in reports]


def test_newest_return_wins_and_the_others_are_listed_as_superseded(form, units, period):
    older = report("T01", values(**{"01": 1}), path="in/t01-cu.xlsx", received=at(10))
    newer = report("T01", values(**{"01": 2}), path="in/t01-moi.xlsx", received=at(12))
    result = merge.consolidate([newer, older], form, units, period)
    status = result.unit_statuses[0]
    assert status.report.path == "in/t01-moi.xlsx" and status.superseded == [older]
    assert result.totals["01"] == 2
    assert [(i.path, i.disposition) for i in result.inputs] == [("in/t01-moi.xlsx", "used"),
                                                                 ("in/t01-cu.xlsx", "superseded")]
    reason = result.inputs[1].reason
    assert reason.code == "duplicate-unit" and reason.params["newer"] == "t01-moi.xlsx"
    assert reason.params["difference"].code == "merge-newer-time"
    assert reason.params["difference"].params["newer_time"] == "12/06/2020 09:00"


def test_without_mail_time_generation_then_file_time_decide(form, units, period):
    first = report("T01", path="in/a.xlsx", generated_at=at(1), modified=at(20))
    regenerated = report("T01", path="in/b.xlsx", generated_at=at(5), modified=at(15))
    assert merge.consolidate([first, regenerated], form, units, period).unit_statuses[0].report is regenerated
    same_template = report("T01", path="in/c.xlsx", generated_at=at(5), modified=at(16))
    assert merge.consolidate([regenerated, same_template], form, units, period).unit_statuses[0].report is same_template


def test_newest_invalid_return_replaces_an_older_valid_one_and_does_not_count(form, units, period):
    good = report("T01", values(**{"01": 9}), path="in/good.xlsx", received=at(10))
    bad = report("T01", values(**{"01": 9}), path="in/bad.xlsx", received=at(11), error=True)
    result = merge.consolidate([good, bad], form, units, period)
    assert result.unit_statuses[0].status == "invalid" and result.totals["01"] == 0


def test_unmatched_and_unreadable_inputs_say_why(form, units, period):
    reports = [report("T01", form="bao-cao-khac", path="in/khac.xlsx"),
               report("T02", period="2019-H2", path="in/cu.xlsx"),
               report("Z99", path="in/la.xlsx"),
               FileReport(path="in/trang.xlsx", findings=[make_finding("not-a-cchc-form")]),
               report("T03", unreadable=True, path="in/hong.xlsx")]
    result = merge.consolidate(reports, form, units, period)
    got = {i.path: (i.disposition, i.reason) for i in result.inputs}
    assert got["in/khac.xlsx"][0] == "unmatched" and got["in/khac.xlsx"][1].code == "wrong-form"
    assert got["in/khac.xlsx"][1].params["found"] == "bao-cao-khac"
    assert got["in/cu.xlsx"][0] == "unmatched" and got["in/cu.xlsx"][1].params["found"] == "2019-H2"
    assert got["in/la.xlsx"][0] == "unmatched" and got["in/la.xlsx"][1].params == {"unit": "Z99"}
    assert got["in/trang.xlsx"][0] == "unmatched" and got["in/trang.xlsx"][1].code == "not-a-cchc-form"
    assert got["in/hong.xlsx"] == ("unreadable", reports[4].findings[0].phrase())
    assert [u.code for u in result.missing_units] == ["T01", "T02", "T03"]
    assert result.totals["01"] == 0


def test_on_time_and_late_against_the_deadline_in_vietnam_time(form, units, period):
    reports = [report("T01", received=at(20, 23)),                                       # 20/6 23:00 ICT
               report("T02", received=datetime(2020, 6, 20, 17, 30, tzinfo=timezone.utc)),  # 21/6 00:30 ICT
               report("T03", modified=datetime(2020, 6, 19, 8, 0, tzinfo=timezone.utc))]
    result = merge.consolidate(reports, form, units, period, deadline=date(2020, 6, 20))
    assert [s.on_time for s in result.unit_statuses] == [True, False, True]
    assert [s.received_source for s in result.unit_statuses] == ["mail", "mail", "file"]
    assert result.on_time_count == 2
    no_deadline = merge.consolidate(reports, form, units, period)
    assert [s.on_time for s in no_deadline.unit_statuses] == [None, None, None]


def test_totals_add_numbers_only_exactly_as_a_running_sum(form, units, period):
    reports = [report("T01", values(**{"01": 0.1, "02": None, "03": True, "04": 5.0})),
               report("T02", values(**{"01": 0.2, "02": "bảy", "03": 2, "04": 7})),
               report("T03", values(**{"01": 0.3, "02": None, "03": None, "04": 1}))]
    result = merge.consolidate(reports, form, units, period)
    assert result.totals["01"] == 0.1 + 0.2 + 0.3  # same order, same rounding: not just approximately
    assert (result.totals["02"], result.totals["03"], result.totals["04"]) == (0, 2, 13)
    assert type(result.totals["02"]) is int and type(result.totals["04"]) is int  # 5.0 from .ods adds as 5
    assert result.group_totals["Khu vực A"]["01"] == 0.1 + 0.2 and result.group_totals["Khu vực B"]["04"] == 1
    assert result.totals == merge.sum_values(form, result.unit_statuses)


def test_reports_reaching_the_parent_share_the_strings_every_return_repeats():
    from cchc_sheets import codec

    original = report("T01", error=True, answers={"kho-khan": "Thiếu kinh phí"})
    first, second = (codec.report_from_bytes(codec.report_to_bytes(report(unit, error=True, answers={"kho-khan": "Không"})))
                     for unit in ("T01", "T02"))  # each as one report cache row or one worker result
    assert codec.report_from_bytes(codec.report_to_bytes(original)) == original and not hasattr(first, "__dict__")
    assert [k for k in first.values if k == "05.1"][0] is [k for k in second.values if k == "05.1"][0]
    assert next(iter(first.answers)) is next(iter(second.answers)) and first.form is second.form
    assert first.period is second.period and first.findings[0].code is second.findings[0].code
    assert first.findings[0].cell is second.findings[0].cell
    with pytest.raises(codec.CodecError):  # a row in another layout is refused, never a half-filled report
        codec.report_from_bytes(b'{"format": 1, "values": {"01": 1}}')


def test_input_files_leave_out_the_runs_own_outputs_by_identity_on_disk(tmp_path):
    from cchc_sheets.pipeline import input_files

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("a.xlsx", "b.xlsx", "tong-hop.xlsx"):
        (inbox / name).write_bytes(b"x")
    (inbox / "lien-ket.xlsx").symlink_to(inbox / "tong-hop.xlsx")
    kept = input_files([inbox], exclude=[tmp_path / "chua-co.xlsx", None])
    assert [f.name for f in kept] == ["a.xlsx", "b.xlsx", "lien-ket.xlsx", "tong-hop.xlsx"]
    written = tmp_path / "inbox" / ".." / "inbox" / "tong-hop.xlsx"  # the same file, spelled differently
    assert [f.name for f in input_files([inbox], exclude=[written])] == ["a.xlsx", "b.xlsx"]
    with pytest.raises(CchcError) as raised:
        input_files([inbox / "tong-hop.xlsx"], exclude=[written])
    assert raised.value.code == "no-input-files"


# --------------------------------------------------------------------------- received.csv


def write_received_csv(folder: Path, rows: list[dict]) -> Path:
    path = folder / "received.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "sha256", "sender", "subject", "received", "message_id"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_received_csv_gives_mail_time_and_sender_by_sha_then_by_name(tmp_path, form, units, period):
    write_received_csv(tmp_path, [
        {"file": "doi-ten.xlsx", "sha256": "SHA-T01", "sender": "xa1@example.org", "subject": "Báo cáo",
         "received": "2020-06-25T08:00:00+07:00", "message_id": "<1@x>"},
        {"file": "T02.xlsx", "sha256": "khac", "sender": "xa2@example.org", "subject": "",
         "received": "2020-06-18T08:00:00Z", "message_id": "<2@x>"},
        {"file": "T03.xlsx", "sha256": "zzz", "sender": "", "subject": "", "received": "hôm qua", "message_id": ""},
    ])
    received, problems = load_received([tmp_path / "T01.xlsx"])
    assert [(p.code, p.params["value"], p.params["line"]) for p in problems] == [("received-time-invalid", "hôm qua", 4)]
    reports = [report("T01", sha="sha-t01", modified=at(10)), report("T02", path="in/T02.xlsx", modified=at(30 - 5)),
               report("T03", path="in/T03.xlsx", modified=at(15))]
    result = merge.consolidate(reports, form, units, period, deadline=date(2020, 6, 20), received=received)
    t01, t02, t03 = result.unit_statuses
    assert (t01.on_time, t01.report.sender, t01.received_source) == (False, "xa1@example.org", "mail")
    assert (t02.on_time, t02.report.sender) == (True, "xa2@example.org")
    assert (t03.on_time, t03.received_source) == (True, "file")
    assert reports[0].received is None  # the input reports are not modified


def test_received_csv_is_found_once_in_a_folder_or_beside_its_files(tmp_path):
    from cchc_sheets.received import received_files

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    csv_path = write_received_csv(inbox, [])
    given = [inbox] + [inbox / f"{n}.xlsx" for n in range(5)] + [tmp_path / "inbox" / ".." / "inbox" / "x.xlsx"]
    assert received_files(given) == [csv_path]
    assert received_files([tmp_path, tmp_path / "khac" / "a.xlsx"]) == []


def test_received_csv_without_required_columns_is_reported_not_fatal(tmp_path):
    (tmp_path / "received.csv").write_text("ten,gio\na,b\n", encoding="utf-8")
    infos, problems = read_received(tmp_path / "received.csv")
    assert infos == [] and [p.code for p in problems] == ["received-csv-unusable"]
    assert problems[0].params["reason"].code == "detail-missing-columns"
    assert "sha256" in problems[0].params["reason"].params["columns"]


# --------------------------------------------------------------------------- the workbook


@pytest.fixture
def consolidation(form, units, period):
    reports = [
        report("T01", values(**{"01": 5, "05_1": 1200}), path="in/t01.xlsx", received=at(18),
               notes={"05": "=HYPERLINK(\"http://x\",\"bấm\")", "08": "@SUM(1)"},
               answers={"kho-khan": "- Kinh phí còn hạn chế", "kien-nghi": "+ Đầu tư loa truyền thanh"}),
        report("T01", values(**{"01": 4}), path="in/t01-cu.xlsx", received=at(16)),
        report("T02", values(**{"01": 7}), path="in/t02.xlsx", received=at(22), warning=True),
        report("T02", values(**{"01": 1}), path="in/t02-sai-ky.xlsx", period="2019-H2"),
        report("Z9", path="in/z9.xlsx"),
        report("T03", unreadable=True, path="in/hong.xlsx"),
    ]
    return merge.consolidate(reports, form, units, period, deadline=date(2020, 6, 20),
                             generated_at=datetime(2020, 6, 23, 8, 0, tzinfo=ICT))


@pytest.fixture
def workbook_path(tmp_path, consolidation):
    return write_merged_workbook(consolidation, tmp_path / "tong-hop.xlsx")


def test_totals_are_formulas_with_cached_values_readable_without_recalculation(workbook_path, consolidation):
    import pandas as pd
    from openpyxl import load_workbook

    formulas = load_workbook(workbook_path)[DETAIL_SHEET]
    cached = load_workbook(workbook_path, data_only=True)[DETAIL_SHEET]
    total_row = next(r for r in range(1, 30) if formulas.cell(r, 3).value == "TỔNG CỘNG (các đơn vị tính vào tổng)")
    assert formulas.cell(total_row, 7).value == '=SUMIFS(G4:G6,$F$4:$F$6,"Có")'
    assert cached.cell(total_row, 7).value == 12 == consolidation.totals["01"]
    assert cached.cell(total_row, 12).value == 1800
    assert formulas.cell(total_row + 1, 7).value.startswith("=SUMIFS(G4:G6,$F$4:$F$6,\"Có\",$D$4:$D$6,$D$")
    assert cached.cell(total_row + 1, 7).value == 12 and cached.cell(total_row + 2, 7).value == 0
    summary = pd.read_excel(workbook_path, sheet_name=SUMMARY_SHEET, header=6, engine="openpyxl")
    assert summary["Số lượng"].tolist() == [consolidation.totals[c] for c in SUMMED]
    assert summary["Trong đó: Khu vực A"].tolist()[0] == 12
    detail = pd.read_excel(workbook_path, sheet_name=DETAIL_SHEET, header=2, engine="openpyxl")
    assert detail["Tính vào tổng"].tolist()[:3] == ["Có", "Có", "Không"]


def test_commune_text_that_looks_like_a_formula_lands_as_text(workbook_path):
    from openpyxl import load_workbook

    texts = {}
    for sheet in load_workbook(workbook_path):
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    texts[cell.value] = cell.data_type
    for text in ('=HYPERLINK("http://x","bấm")', "@SUM(1)", "- Kinh phí còn hạn chế", "+ Đầu tư loa truyền thanh"):
        assert texts[text] == "s", text
    with zipfile.ZipFile(workbook_path) as package:
        xml = "".join(package.read(n).decode() for n in package.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<f>HYPERLINK" not in xml and "<f>SUM(1)" not in xml


def test_status_sheet_accounts_for_every_input_and_missing_unit(workbook_path, consolidation):
    from openpyxl import load_workbook

    sheet = load_workbook(workbook_path)[STATUS_SHEET]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    for item in consolidation.inputs:
        assert item.path in cells
        if item.reason:
            assert item.reason.render("vi") in cells
    assert "Tỷ lệ nộp báo cáo: 2/3 đơn vị, 66,7%" in cells
    assert "Tỷ lệ nộp đúng hạn (hạn 20/6/2020): 1/3 đơn vị, 33,3%" in cells
    rows = {sheet.cell(r, 2).value: [sheet.cell(r, c).value for c in range(1, 15)] for r in range(7, 10)}
    assert rows["T03"][4] == "Chưa nộp" and rows["T03"][9] == "Chưa nộp"
    assert rows["T01"][8] == "Đúng hạn" and rows["T02"][8] == "Trễ hạn"
    assert rows["T01"][13] == "t01-cu.xlsx" and rows["T02"][11] == 1  # superseded file; warnings count
    assert rows["T01"][6] == datetime(2020, 6, 18, 9, 0)


def test_read_consolidated_round_trip(workbook_path, consolidation):
    back = read_consolidated(workbook_path)
    assert back == consolidation  # every unit status, input, report, finding and total, field for field
    assert back.form.id == consolidation.form.id and back.period == consolidation.period
    assert back.deadline == date(2020, 6, 20) and back.parent_name == "UBND tỉnh Thử Nghiệm"
    assert back.totals == consolidation.totals and back.group_totals == consolidation.group_totals
    assert [(s.unit, s.status, s.on_time, s.received, s.received_source) for s in back.unit_statuses] == \
        [(s.unit, s.status, s.on_time, s.received, s.received_source) for s in consolidation.unit_statuses]
    first = back.unit_statuses[0].report
    assert first.notes["05"] == '=HYPERLINK("http://x","bấm")' and first.answers["kho-khan"] == "- Kinh phí còn hạn chế"
    assert [(i.path, i.disposition, i.reason) for i in back.inputs] == \
        [(i.path, i.disposition, i.reason) for i in consolidation.inputs]
    assert all(i.reason is None or type(i.reason) is Phrase for i in back.inputs)
    assert [r.findings for r in (i.report for i in back.inputs)] == \
        [r.findings for r in (i.report for i in consolidation.inputs)]
    assert back.unit_statuses[0].superseded[0].path == "in/t01-cu.xlsx"
    assert back.unit_statuses[0].superseded[0] is back.inputs[1].report


def test_read_consolidated_refuses_other_workbooks(tmp_path):
    from openpyxl import Workbook

    Workbook().save(tmp_path / "khac.xlsx")
    with pytest.raises(CchcError) as raised:
        read_consolidated(tmp_path / "khac.xlsx")
    assert raised.value.code == "merged-workbook-invalid"


def test_same_inputs_twice_give_the_same_values(tmp_path, consolidation):
    from openpyxl import load_workbook

    first = write_merged_workbook(consolidation, tmp_path / "a.xlsx")
    second = write_merged_workbook(consolidation, tmp_path / "b.xlsx")
    for name in (SUMMARY_SHEET, DETAIL_SHEET, STATUS_SHEET, META_SHEET):
        a = [[c.value for c in row] for row in load_workbook(first, data_only=True)[name].iter_rows()]
        b = [[c.value for c in row] for row in load_workbook(second, data_only=True)[name].iter_rows()]
        assert a == b


def _saved(consolidation) -> bytes:
    import io

    from cchc_sheets.merged_workbook import build_workbook

    buffer = io.BytesIO()
    build_workbook(consolidation).save(buffer)
    return buffer.getvalue()


def test_the_data_part_made_by_a_child_process_gives_the_same_workbook(consolidation, monkeypatch):
    """A big merge's data part is made by a forked child while the sheets are written: same bytes;
    a child that fails leaves it to this process (same bytes again, or its error)."""
    from cchc_sheets.merged_workbook import data_part

    import threading

    if not hasattr(os, "fork") or threading.active_count() > 1:
        pytest.skip("no os.fork here, or other threads (then no child is made)")
    here = _saved(consolidation)
    monkeypatch.setattr(data_part, "SPARE_PROCESS_FROM", 0)
    forked, fork = [], os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(1) or fork())
    assert _saved(consolidation) == here and forked
    from cchc_sheets import forked as forked_module

    monkeypatch.setattr(forked_module, "_write_in_child", lambda make, spool: os._exit(3))
    assert _saved(consolidation) == here and len(forked) == 2


def test_sheets_keep_their_print_and_view_set_up(workbook_path):
    from openpyxl import load_workbook

    book = load_workbook(workbook_path)
    assert book.sheetnames == [SUMMARY_SHEET, DETAIL_SHEET, STATUS_SHEET, OPINIONS_SHEET, CHART_SHEET, META_SHEET]
    assert book[META_SHEET].sheet_state == "hidden"
    expected = {SUMMARY_SHEET: ("A8", "A7:G16", "$7:$7"), DETAIL_SHEET: ("G4", "A3:O6", "$3:$3"),
                STATUS_SHEET: ("D7", "A6:N9", "$6:$6"), OPINIONS_SHEET: ("A4", "A3:F7", "$3:$3")}
    for name, (freeze, filtered, titles) in expected.items():
        sheet = book[name]
        assert (sheet.freeze_panes, sheet.auto_filter.ref, sheet.print_title_rows) == (freeze, filtered, titles), name
        assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.fitToWidth == 1  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_options.horizontalCentered
        assert round(sheet.page_margins.left * 25.4) == 20 and round(sheet.page_margins.right * 25.4) == 15
    detail = book[DETAIL_SHEET]
    assert detail.column_dimensions["C"].width == pytest.approx(43.4)  # "TỔNG CỘNG (các đơn vị tính vào tổng)"
    assert detail.column_dimensions["G"].width == 14 and detail.row_dimensions[3].height == 96
    header, value = detail.cell(3, 7), detail.cell(4, 7)
    assert (header.font.name, header.font.b, header.fill.fgColor.rgb, header.border.left.style) == \
        ("Times New Roman", True, "FFDDEBF7", "thin")
    assert (value.value, value.number_format, value.border.bottom.style) == (5, "#,##0", "thin")
    assert detail.cell(6, 6).value == "Không" and detail.cell(6, 7).border.left.style == "thin"  # T03: blank, gridded
    status = book[STATUS_SHEET]
    assert status.cell(7, 7).number_format == "dd/mm/yyyy hh:mm"
    assert status.row_dimensions[7].height == 15.5 + 2  # fitted: one line of text
    reasons = [r for r in range(13, 19) if status.cell(r, 7).value]
    assert len(reasons) == 4 and {f"G{r}:M{r}" for r in reasons} <= {str(m) for m in status.merged_cells.ranges}
    opinions = book[OPINIONS_SHEET]
    assert opinions.cell(4, 6).alignment.wrap_text and opinions.row_dimensions[4].height > 0
    (chart,) = book[CHART_SHEET]._charts
    assert [s.val.numRef.f for s in chart.series][0] == "'Chi tiết'!$G$4:$G$6"


def test_consolidation_travels_as_json_in_a_custom_xml_part(workbook_path):
    import json
    from xml.etree import ElementTree

    from openpyxl import load_workbook

    with zipfile.ZipFile(workbook_path) as package:
        types = package.read("[Content_Types].xml").decode()
        rels = package.read("xl/_rels/workbook.xml.rels").decode()
        item = ElementTree.fromstring(package.read("customXml/item1.xml"))
        props = package.read("customXml/itemProps1.xml").decode()
        assert "customXml/_rels/item1.xml.rels" in package.namelist() and "xl/theme/theme1.xml" in package.namelist()
    assert 'PartName="/customXml/itemProps1.xml" ContentType="application/vnd.openxmlformats-officedocument.' \
           'customXmlProperties+xml"' in types
    assert 'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml" ' \
           'Target="../customXml/item1.xml"' in rels
    assert "ds:datastoreItem" in props and "ds:itemID=" in props
    assert [part.tag for part in item] == ["{urn:cchc-sheets:merge}part"] * len(item)
    document = json.loads("".join(part.text for part in item))
    assert document["format"] == 1 and document["kind"] == "consolidation"
    assert document["inputs"][0]["report"]["notes"]["05"] == '=HYPERLINK("http://x","bấm")'
    assert len(document["inputs"]) == 6 and len(document["unit_statuses"]) == 3
    marker = [[c.value for c in row] for row in load_workbook(workbook_path)[META_SHEET].iter_rows()]
    assert len(marker) < 10 and ["meta", "kind", "cchc-merge"] in marker  # a marker, not the data


def test_a_workbook_of_another_data_format_is_refused_with_its_format(tmp_path, workbook_path):
    old = tmp_path / "cu.xlsx"
    record_list = '{"kind":"cchc-merge","format":2,"records":[["meta","kind","cchc-merge"]]}'
    with zipfile.ZipFile(workbook_path) as source, zipfile.ZipFile(old, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "customXml/item1.xml":
                data = data[:data.index(b"<part>")] + f"<part>{record_list}</part></cchcMerge>".encode()
            target.writestr(info, data)
    with pytest.raises(CchcError) as raised:
        read_consolidated(old)
    assert raised.value.code == "merged-workbook-invalid"
    assert raised.value.params["reason"] == phrase("detail-data-format", found=2, expected=1)


def test_a_damaged_data_part_is_refused_not_guessed(tmp_path, workbook_path):
    damaged = tmp_path / "hong.xlsx"
    with zipfile.ZipFile(workbook_path) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "customXml/item1.xml":
                data = data.replace(b']}</part></cchcMerge>', b'</part></cchcMerge>')  # cut short
            target.writestr(info, data)
    with pytest.raises(CchcError) as raised:
        read_consolidated(damaged)
    assert raised.value.code == "merged-workbook-invalid"


def test_consolidated_workbook_is_recognised_by_a_peek(tmp_path, workbook_path, form, units, period):
    from builders import make_return
    from openpyxl import Workbook

    assert is_consolidated_workbook(workbook_path)
    commune = make_return(tmp_path / "xa", form, list(units)[0], period, values())
    Workbook().save(tmp_path / "khac.xlsx")
    (tmp_path / "rac.xlsx").write_bytes(b"not a zip")
    for other in (commune, tmp_path / "khac.xlsx", tmp_path / "rac.xlsx", tmp_path / "khong-co.xlsx"):
        assert not is_consolidated_workbook(other), other


def test_draft_reads_a_national_workbook_without_the_return_size_limits(workbook_path, monkeypatch):
    from cchc_sheets import reading
    from cchc_sheets.narrative.drafting import input_level

    def refuse(*args, **kwargs):
        raise AssertionError("the consolidated workbook went through the commune-return reader")

    monkeypatch.setattr(reading, "read_workbook", refuse)
    assert input_level(workbook_path) == "parent"


def test_thousands_of_units_with_hundreds_of_groups_round_trip(tmp_path, form, period):
    """750 groups: too many columns for Tổng hợp, so subtotals stay as rows at the foot of Chi tiết."""
    from openpyxl import load_workbook

    from cchc_sheets.units import Unit, UnitList

    units = UnitList(tuple(Unit(f"X{n:04d}", f"Xã Số {n}", "UBND tỉnh Lớn", "", f"Cụm {n // 2}")
                           for n in range(1500)), "units.csv")
    reports = [report(u.code, values(**{"01": n % 7}), path=f"in/{u.code}.xlsx", error=n % 50 == 0,
                      answers={"kho-khan": f"- Khó khăn {n}"}) for n, u in enumerate(units) if n % 30]
    result = merge.consolidate(reports, form, units, period)
    path = write_merged_workbook(result, tmp_path / "lon.xlsx")
    back = read_consolidated(path)
    assert back.totals == result.totals and back.group_totals == result.group_totals
    assert [s.status for s in back.unit_statuses] == [s.status for s in result.unit_statuses]
    summary = load_workbook(path, data_only=True, read_only=True)[SUMMARY_SHEET]
    rows = list(summary.iter_rows(min_row=6, max_row=8, values_only=True))
    assert "750 nhóm" in rows[0][0] and "Cộng nhóm" in rows[0][0]
    assert rows[1][:5] == ("TT", "Chỉ tiêu", "Đơn vị tính", "Số lượng", "Ghi chú") and not any(rows[1][5:])
    assert rows[2][3] == result.totals["01"]
    detail_values = load_workbook(path, data_only=True, read_only=True)[DETAIL_SHEET]
    foot = {r[3]: r for r in detail_values.iter_rows(min_row=1500, values_only=True) if r[2] == "Cộng nhóm"}
    assert len(foot) == 750 and foot["Cụm 749"][6] == result.group_totals["Cụm 749"]["01"]
    detail = load_workbook(path)[DETAIL_SHEET]
    invalid = next(r for r in range(4, 1504) if detail.cell(r, 5).value == "Có lỗi, chưa tính")
    assert detail.cell(invalid, 7).font.color.rgb == "FF808080"  # shown grey, left out of the totals


@pytest.mark.libreoffice
def test_libreoffice_keeps_the_data_part_when_it_saves_the_workbook(tmp_path, soffice, workbook_path, consolidation):
    back = read_consolidated(convert(workbook_path, "xlsx", tmp_path / "luu-lai", soffice=soffice))
    assert back.totals == consolidation.totals
    assert [(i.path, i.reason) for i in back.inputs] == [(i.path, i.reason) for i in consolidation.inputs]


# --------------------------------------------------------------------------- long export


def test_long_csv_has_the_documented_columns_and_counted_rows(tmp_path, consolidation):
    path = write_long(consolidation, tmp_path / "dai.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert tuple(rows[0]) == COLUMNS
    assert {r["unit_code"] for r in rows} == {"T01", "T02"} and len(rows) == 2 * len(SUMMED)
    by_code = {}
    for r in rows:
        by_code[r["indicator_code"]] = by_code.get(r["indicator_code"], 0) + int(r["value"])
    assert by_code == consolidation.totals
    t01_05 = next(r for r in rows if r["unit_code"] == "T01" and r["indicator_code"] == "05")
    assert t01_05["note"] == "'=HYPERLINK(\"http://x\",\"bấm\")"  # defused for Excel
    assert t01_05["source_file"] == "t01.xlsx" and t01_05["group"] == "Khu vực A"
    assert t01_05["indicator_label"] == "Số Hội nghị tập huấn tuyên truyền về công tác CCHC"


def test_long_parquet_keeps_types_and_text(tmp_path, consolidation):
    import pandas as pd

    frame = pd.read_parquet(write_long(consolidation, tmp_path / "dai.parquet"))
    assert list(frame.columns) == list(COLUMNS)
    assert frame.groupby("indicator_code")["value"].sum().to_dict() == consolidation.totals
    assert '=HYPERLINK("http://x","bấm")' in frame["note"].tolist()


def test_long_export_refuses_other_suffixes(tmp_path, consolidation):
    with pytest.raises(CchcError) as raised:
        write_long(consolidation, tmp_path / "dai.xlsx")
    assert raised.value.code == "long-format-unsupported"


# --------------------------------------------------------------------------- cchc merge, end to end

@pytest.fixture
def returns(tmp_path, form, units, period):
    """T01 twice (the newer one wins), T02 invalid, T03 missing, one file of no unit, one corrupt file."""
    import os

    from builders import make_return

    inbox = tmp_path / "inbox"
    t01, t02, _ = list(units)
    old = make_return(inbox, form, t01, period, values(**{"01": 3}), name="t01-lan-1.xlsx")
    new = make_return(inbox, form, t01, period, values(**{"01": 5, "05_1": "1.200"}), name="t01-lan-2.xlsx",
                      answers={"kho-khan": "- Thiếu kinh phí", "kien-nghi": "@ Đề nghị hỗ trợ"})
    make_return(inbox, form, t02, period, values(**{"05": "sáu"}), name="t02.xlsx")
    (inbox / "ghi-chu.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    os.utime(old, (at(15).timestamp(), at(15).timestamp()))
    os.utime(new, (at(18).timestamp(), at(18).timestamp()))
    return inbox


def test_cchc_merge_end_to_end(tmp_path, returns, units_file, run_cli):
    out, long = tmp_path / "out" / "tong-hop.xlsx", tmp_path / "out" / "dai.csv"
    before = {p.name: p.read_bytes() for p in returns.iterdir()}
    result = run_cli("merge", returns, "--units", units_file, "--period", "2020-H1", "--out", out,
                     "--long", long, "--deadline", "2020-06-20", "--report", tmp_path / "out" / "loi.xlsx")
    assert result.exit_code == 0, result.output
    assert "Đã nộp: 2/3 đơn vị, 66,7%. Tính vào tổng hợp: 1 đơn vị." in result.output
    assert "Chưa nộp (1): Phường Đông Hà (T03)." in result.output
    assert "Có lỗi, chưa tính vào tổng hợp (1): Xã Thử Nghiệm Hai (T02)." in result.output
    assert "1 bị thay thế, 0 không khớp đơn vị/kỳ/biểu mẫu, 1 không đọc được" in result.output
    back = read_consolidated(out)
    assert back.totals["01"] == 5 and back.totals["05.1"] == 1200
    assert back.unit_statuses[0].report.path.endswith("t01-lan-2.xlsx")
    assert back.unit_statuses[0].on_time is True
    dispositions = {Path(i.path).name: i.disposition for i in back.inputs}
    assert dispositions == {"t01-lan-1.xlsx": "superseded", "t01-lan-2.xlsx": "used", "t02.xlsx": "used",
                            "ghi-chu.xlsx": "unreadable"}
    assert (tmp_path / "out" / "loi.xlsx").is_file() and long.is_file()
    assert {p.name: p.read_bytes() for p in returns.iterdir()} == before  # inputs untouched
    again = run_cli("merge", returns, "--units", units_file, "--period", "2020-H1", "--out", out)
    assert again.exit_code == 0 and read_consolidated(out).totals == back.totals


def test_cchc_merge_shows_progress_on_large_batches(tmp_path, form, units, period, units_file, run_cli):
    from builders import CLEAN_VALUES, make_return

    inbox = tmp_path / "inbox"
    for n in range(21):
        make_return(inbox, form, units.units[n % 3], period, CLEAN_VALUES, name=f"r{n:02d}.xlsx")
    result = run_cli("merge", inbox, "--units", units_file, "--period", "2020-H1", "--out", tmp_path / "th.xlsx")
    assert result.exit_code == 0, result.output
    assert "Đang đọc và kiểm tra các tệp" in result.stderr
    assert "Đã nộp: 3/3 đơn vị" in result.stdout and "18 bị thay thế" in result.stdout
    small = run_cli("merge", inbox / "r00.xlsx", "--units", units_file, "--period", "2020-H1",
                    "--out", tmp_path / "th1.xlsx")
    assert small.exit_code == 0 and "Đang đọc" not in small.stderr


def test_merge_summary_names_twenty_units_per_line_and_counts_the_rest(form, period):
    from cchc_sheets.commands.merge import summary_lines
    from cchc_sheets.units import Unit, UnitList

    units = UnitList(tuple(Unit(f"X{n:03d}", f"Xã Số {n}") for n in range(65)), "units.csv")
    reports = [report(u.code, path=f"in/{u.code}.xlsx", error=True) for u in units.units[:20]]
    lines = summary_lines(merge.consolidate(reports, form, units, period))
    missing = next(line for line in lines if line.startswith("Chưa nộp (45): Xã Số 20 (X020); "))
    assert missing.count("Xã Số") == 20
    assert missing.endswith("; Xã Số 39 (X039) … và 25 đơn vị khác (xem trang “Tình hình nộp”).")
    invalid = next(line for line in lines if line.startswith("Có lỗi, chưa tính vào tổng hợp (20): "))
    assert invalid.count("Xã Số") == 20 and invalid.endswith("Xã Số 19 (X019).")  # twenty: all named


def test_cchc_merge_strict_exit_codes(tmp_path, returns, units_file, run_cli, form, units, period):
    args = ["merge", returns, "--units", units_file, "--period", "2020-H1", "--out", tmp_path / "a.xlsx"]
    assert run_cli(*args, "--strict").exit_code == 1
    from builders import make_return

    complete = tmp_path / "complete"
    for unit in units:
        make_return(complete, form, unit, period, values())
    ok = run_cli("merge", complete, "--units", units_file, "--period", "2020-H1", "--out", tmp_path / "b.xlsx",
                 "--strict")
    assert ok.exit_code == 0, ok.output
    assert run_cli("merge", tmp_path / "khong-co", "--units", units_file, "--period", "2020-H1",
                   "--out", tmp_path / "c.xlsx").exit_code == 2
    assert run_cli(*args, "--long", tmp_path / "x.txt").exit_code == 2


def test_cchc_merge_takes_on_time_from_received_csv(tmp_path, returns, units_file, run_cli):
    from cchc_sheets.fileio import sha256_file

    write_received_csv(returns, [
        {"file": "t01-lan-2.xlsx", "sha256": sha256_file(returns / "t01-lan-2.xlsx"), "sender": "t01@example.org",
         "subject": "Báo cáo CCHC", "received": "2020-06-22T07:30:00+07:00", "message_id": "<a@x>"},
        {"file": "t01-lan-1.xlsx", "sha256": sha256_file(returns / "t01-lan-1.xlsx"), "sender": "t01@example.org",
         "subject": "Báo cáo CCHC", "received": "2020-06-10T07:30:00+07:00", "message_id": "<b@x>"},
    ])
    out = tmp_path / "tong-hop.xlsx"
    result = run_cli("merge", returns, "--units", units_file, "--period", "2020-H1", "--out", out,
                     "--deadline", "2020-06-20")
    assert result.exit_code == 0, result.output
    status = read_consolidated(out).unit_statuses[0]
    assert (status.on_time, status.received_source, status.report.sender) == (False, "mail", "t01@example.org")
    assert status.received == datetime(2020, 6, 22, 7, 30, tzinfo=ICT)
    from openpyxl import load_workbook

    sheet = load_workbook(out)[STATUS_SHEET]
    assert [sheet.cell(7, c).value for c in (8, 9, 13)] == ["Thời gian thư", "Trễ hạn", "t01@example.org"]


@pytest.mark.libreoffice
def test_libreoffice_prints_the_merged_totals(tmp_path, soffice, workbook_path, consolidation):
    pdf = convert(workbook_path, "pdf", tmp_path / "pdf", soffice=soffice)
    text = subprocess.run([require_tool("pdftotext"), "-layout", str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout
    assert "BÁO CÁO TUYÊN TRUYỀN CCHC" in text and "TỔNG CỘNG" in text
    summary_line = next(line for line in text.splitlines() if "Số người tham dự" in line)
    assert "1,800" in summary_line or "1.800" in summary_line
    assert consolidation.totals["05.1"] == 1800
