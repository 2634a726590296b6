"""A commune counted in neither: a lower workbook the upper merge does not count never drops its
communes silently. Each is counted through another workbook or its own return, or named, with why.

Provinces P1..P3 of three communes each (``test_upper_level``'s helpers); assertions on codes,
cells and numbers.
"""
from __future__ import annotations

import os

import openpyxl
import pytest

from builders import make_return
from cchc_sheets.merged_workbook import STATUS_SHEET, SUMMARY_SHEET
from cchc_sheets.office import Office
from cchc_sheets.periods import parse_period
from cchc_sheets.units import units_from_rows
from test_upper_level import (
    COMMUNES, PROVINCES, UPPER_CSV, all_communes_total, by_unit, commune_values, edited_keeping_data_part,
    merge_province,
)

EVERYONE = [c for codes in COMMUNES.values() for c in codes]


@pytest.fixture(scope="module")
def provinces(tmp_path_factory, form, period):
    folder = tmp_path_factory.mktemp("provinces")
    return {p: merge_province(folder, form, period, p) for p in PROVINCES}


@pytest.fixture
def upper():
    lines = UPPER_CSV.strip().splitlines()
    return units_from_rows([(n + 1, line.split(",")) for n, line in enumerate(lines)])


@pytest.fixture
def ministry():
    """The upper list with its communes under each province (several levels)."""
    rows = [(1, ["code", "name", "parent"])]
    rows += [(len(rows) + 1, [code, name, "Bộ Nội vụ"]) for code, name in PROVINCES.items()]
    for province, codes in COMMUNES.items():
        rows += [(len(rows) + 1 + n, [code, f"Xã {code}", province]) for n, code in enumerate(codes)]
    return units_from_rows(rows)


def upper_merge(paths, form, units, period, **options):
    return Office(form, units=units, period=period, cache=False).merge(paths, **options)


def inputs_by_name(run) -> dict:
    return {os.path.basename(i.path): i for i in run.consolidation.inputs}


def lost_codes(reason) -> list[str]:
    """The communes a ``lower-units-not-counted`` reason names, by code."""
    return sorted(part.rsplit("(", 1)[1].rstrip(")") for part in reason.params["units"].split("; "))


def typed_over(provinces, tmp_path, province="P3"):
    path = edited_keeping_data_part(provinces[province], tmp_path / f"{province.lower()}-sua.xlsx",
                                    SUMMARY_SHEET, "D8", 999)
    later = os.stat(provinces[province]).st_mtime + 3600
    os.utime(path, (later, later))   # sent after the sound one
    return path


def test_rejected_workbook_names_its_communes_and_why(provinces, form, upper, period, tmp_path):
    edited = typed_over(provinces, tmp_path)
    out = tmp_path / "bo.xlsx"
    run = upper_merge([provinces["P1"], provinces["P2"], edited], form, upper, period, out=out)
    assert run.consolidation.totals == all_communes_total(COMMUNES["P1"] + COMMUNES["P2"])
    item = inputs_by_name(run)["p3-sua.xlsx"]
    assert (item.disposition, item.reason.code, item.reason.params["count"]) == ("used", "lower-units-not-counted", 3)
    assert item.reason.params["why"].code == "lower-total-edited"
    assert lost_codes(item.reason) == COMMUNES["P3"]
    # on the status sheet: the file's row carries the reason naming every commune
    rows = list(openpyxl.load_workbook(out, read_only=True)[STATUS_SHEET].iter_rows(values_only=True))
    row = next(r for r in rows if r[5] and str(r[5]).endswith("p3-sua.xlsx") and r[3] == "Được dùng")
    assert all(code in row[6] for code in COMMUNES["P3"])


def test_rejected_newer_workbook_gives_way_to_the_earlier_sound_one(provinces, form, upper, period, tmp_path):
    edited = typed_over(provinces, tmp_path)
    run = upper_merge(list(provinces.values()) + [edited], form, upper, period)
    assert run.consolidation.totals == all_communes_total(EVERYONE)
    item = inputs_by_name(run)["p3-sua.xlsx"]
    assert (item.disposition, item.reason.code) == ("superseded", "lower-rejected-older-used")
    assert item.reason.params["why"].code == "lower-total-edited"
    assert inputs_by_name(run)[provinces["P3"].name].disposition == "used"
    p3 = next(s for s in run.consolidation.unit_statuses if s.unit.code == "P3")
    assert p3.counted and [os.path.basename(r.path) for r in p3.superseded] == ["p3-sua.xlsx"]


def test_wrong_period_workbook_covered_by_the_communes_own_returns(provinces, form, ministry, period, tmp_path):
    """P3's workbook is of another period; two of its communes sent their own returns to the ministry."""
    wrong = merge_province(tmp_path / "h2", form, parse_period("2020-H2"), "P3")
    for code in ("P3X1", "P3X2"):
        make_return(tmp_path / "xa", form, ministry.get(code), period, commune_values(code), name=f"{code}.xlsx")
    make_return(tmp_path / "xa", form, ministry.get("P1X1"), period, commune_values("P1X1"), name="P1X1.xlsx")
    out = tmp_path / "bo.xlsx"
    run = upper_merge([provinces["P1"], provinces["P2"], wrong, tmp_path / "xa"], form, ministry, period, out=out,
                      detail="units")

    counted = COMMUNES["P1"] + COMMUNES["P2"] + ["P3X1", "P3X2"]
    assert run.consolidation.totals == all_communes_total(counted)   # P1X1 once, P3X3 nowhere
    p3 = next(s for s in run.consolidation.unit_statuses if s.unit.code == "P3")
    assert p3.counted and [f.code for f in p3.report.findings] == ["lower-from-direct-returns"]
    finding = p3.report.findings[0]
    assert (finding.params["counted"], finding.params["expected"], finding.params["why"].code) == (2, 3, "period-mismatch")
    assert (p3.report.lower["source"], p3.report.lower["counted"], p3.report.lower["expected"]) == ("direct-returns", 2, 3)
    assert p3.report.values == all_communes_total(["P3X1", "P3X2"])

    named = inputs_by_name(run)
    assert [(named[f"{c}.xlsx"].disposition, named[f"{c}.xlsx"].reason) for c in ("P3X1", "P3X2")] == [("used", None)] * 2
    assert (named["P1X1.xlsx"].disposition, named["P1X1.xlsx"].reason.code) == ("unmatched", "lower-unit-counted-via")
    wrong_item = named[wrong.name]
    assert (wrong_item.disposition, wrong_item.reason.code, wrong_item.reason.params["why"].code) == (
        "unmatched", "lower-units-not-counted", "period-mismatch")
    assert lost_codes(wrong_item.reason) == ["P3X3"]

    sheet = openpyxl.load_workbook(out, read_only=True)[STATUS_SHEET]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=7, max_row=9, values_only=True)}
    assert rows["P3"][14].startswith("2/3") and rows["P3"][17] == "Báo cáo riêng của đơn vị cấp dưới"
    from cchc_sheets.merged_workbook import read_consolidated

    back = read_consolidated(out)
    assert back == run.consolidation
    from cchc_sheets.merged_workbook.figures import lowest_entries

    entries = lowest_entries(back)
    assert sorted(e.code for e in entries) == sorted(EVERYONE)   # every commune once
    assert {e.code: e.counted for e in entries if e.code.startswith("P3")} == {"P3X1": True, "P3X2": True,
                                                                                "P3X3": False}


def stray_and_p2(provinces, form, period, tmp_path):
    """A workbook of an office not in the upper list holding P2X1, read before P2's (files are read
    in path order)."""
    import shutil

    other = units_from_rows([(1, ["code", "name", "parent"]), (2, ["P2X1", "Xã P2X1", "UBND tỉnh Khác"])])
    make_return(tmp_path / "khac", form, other.get("P2X1"), period, commune_values("P2X1"))
    stray = tmp_path / "a" / "tong-hop-khac.xlsx"
    stray.parent.mkdir()
    Office(form, units=other, period=period, cache=False).merge([tmp_path / "khac"], out=stray)
    p2 = tmp_path / "b" / provinces["P2"].name
    p2.parent.mkdir()
    shutil.copy(provinces["P2"], p2)
    return stray, p2


def test_commune_left_out_for_a_workbook_not_counted_is_put_back(provinces, form, upper, period, tmp_path):
    """P2's workbook left P2X1 out at reading (the stray workbook had it first), but the stray one
    is not counted, so P2X1 counts through P2 after all."""
    stray, p2 = stray_and_p2(provinces, form, period, tmp_path)
    run = upper_merge([stray, provinces["P1"], p2, provinces["P3"]], form, upper, period)
    assert [(f.code, f.value) for f in by_unit(run)["P2"].findings] == [("lower-unit-twice", "P2X1")]
    assert run.consolidation.totals == all_communes_total(EVERYONE)
    named = inputs_by_name(run)
    assert (named[p2.name].disposition, named[p2.name].reason.code) == ("used", "lower-left-out-counted-nowhere")
    assert named[stray.name].reason.code == "unknown-unit"   # its one commune counts through P2: nothing lost
    p2_status = next(s for s in run.consolidation.unit_statuses if s.unit.code == "P2")
    assert p2_status.report.values == all_communes_total(COMMUNES["P2"])


def test_a_merge_twice_over_the_same_reports_gives_the_same_totals(provinces, form, upper, period, tmp_path):
    from cchc_sheets import merge

    stray, p2 = stray_and_p2(provinces, form, period, tmp_path)
    run = upper_merge([stray, p2], form, upper, period)
    again = merge.consolidate(run.batch, form, upper, period)
    assert again.totals == run.consolidation.totals == all_communes_total(COMMUNES["P2"])
    assert by_unit(run)["P2"].values != all_communes_total(COMMUNES["P2"])   # the report itself is not edited


def test_communes_sending_straight_to_the_province_count_for_their_former_district(form, period, tmp_path):
    """T (the office) over former districts D1 (X1, X2) and D2 (X3): no district sends a workbook,
    the communes send their own returns. X2's has an error, and so has X3's, D2's only commune."""
    from builders import CLEAN_VALUES

    units = units_from_rows([(1, ["code", "name", "parent"]), (2, ["T", "Tỉnh Một", ""]),
                             (3, ["D1", "Huyện cũ A", "T"]), (4, ["D2", "Huyện cũ B", "T"]),
                             (5, ["X1", "Xã Một", "D1"]), (6, ["X2", "Xã Hai", "D1"]), (7, ["X3", "Xã Ba", "D2"])])
    too_many = {key: value + 10_000 for key, value in CLEAN_VALUES.items()}
    for code, figures in (("X1", commune_values("P1X1")), ("X2", too_many), ("X3", too_many)):
        make_return(tmp_path / "xa", form, units.get(code), period, figures, name=f"{code}.xlsx")
    run = upper_merge([tmp_path / "xa"], form, units, period)

    statuses = {s.unit.code: s for s in run.consolidation.unit_statuses}
    assert list(statuses) == ["D1", "D2"]
    d1 = statuses["D1"]
    assert d1.counted and d1.report.values == all_communes_total(["P1X1"])
    assert (d1.report.lower["counted"], d1.report.lower["expected"]) == (1, 2)
    assert [(r["code"], r["counted"]) for r in d1.report.lower["units"]] == [("X1", True), ("X2", False)]
    assert d1.report.findings[0].params["why"].code == "lower-workbook-not-received"
    d2 = statuses["D2"]   # its one commune's return has errors: sent, nothing counted
    assert (d2.submitted, d2.counted, [f.code for f in d2.report.findings]) == (
        True, False, ["lower-direct-returns-invalid"])
    assert d2.report.path == "X3.xlsx" and d2.report.lower["units"][0]["status"] == "invalid"
    named = inputs_by_name(run)
    assert named["X1.xlsx"].disposition == "used"
    assert {named[f"{c}.xlsx"].disposition for c in ("X2", "X3")} == {"unmatched"}
    assert {named[f"{c}.xlsx"].reason.code for c in ("X2", "X3")} == {"above-maximum"}
    assert run.consolidation.totals == all_communes_total(["P1X1"])
