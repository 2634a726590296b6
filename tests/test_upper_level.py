"""One level up: provinces' consolidated workbooks merged as returns by the level above.

Three provinces of our own communes (returns made with ``builders``, merged per province by
the real ``cchc merge``); the ministry's units list names the provinces. One province's
workbook is re-saved by LibreOffice, one has a total typed over with openpyxl, one loses its
data part. Assertions on codes, cells and numbers.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from builders import CLEAN_VALUES, make_return
from cchc_sheets.merged_workbook import STATUS_SHEET, SUMMARY_SHEET, read_consolidated
from cchc_sheets.office import Office
from cchc_sheets.units import load_units, units_from_rows

PROVINCES = {"P1": "UBND tỉnh Một", "P2": "UBND tỉnh Hai", "P3": "UBND tỉnh Ba"}
COMMUNES = {p: [f"{p}X{n}" for n in range(1, 4)] for p in PROVINCES}
UPPER_CSV = "code,name,parent\n" + "".join(f"{code},{name},Bộ Nội vụ\n" for code, name in PROVINCES.items())
SUMMED = list(CLEAN_VALUES)


def commune_values(code: str) -> dict:
    """Different numbers for every commune, so a sum over the wrong set shows."""
    seed = int(code[1]) * 10 + int(code[-1])
    return {key: value + seed for key, value in CLEAN_VALUES.items()}


def all_communes_total(codes) -> dict:
    return {key: sum(commune_values(c)[key] for c in codes) for key in SUMMED}


def province_units(province: str, extra: tuple[str, ...] = ()):
    rows = [(1, ["code", "name", "parent"])]
    rows += [(n + 2, [code, f"Xã {code}", PROVINCES[province]])
             for n, code in enumerate(COMMUNES[province] + list(extra))]
    return units_from_rows(rows)


def merge_province(folder: Path, form, period, province: str, *, skip: tuple[str, ...] = (),
                   extra: tuple[str, ...] = ()) -> Path:
    units = province_units(province, extra)
    for unit in units:
        if unit.code not in skip:
            make_return(folder / province, form, unit, period, commune_values(unit.code))
    out = folder / f"tong-hop-{province.lower()}.xlsx"
    Office(form, units=units, period=period, cache=False).merge([folder / province], out=out)
    return out


@pytest.fixture(scope="module")
def provinces(tmp_path_factory, form, period) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("provinces")
    return {p: merge_province(folder, form, period, p) for p in PROVINCES}


@pytest.fixture
def upper(tmp_path):
    path = tmp_path / "tinh.csv"
    path.write_text(UPPER_CSV, encoding="utf-8")
    return load_units(path)


def upper_merge(paths, form, upper, period, out=None):
    return Office(form, units=upper, period=period, cache=False).merge(paths, out=out)


def edited_keeping_data_part(source: Path, target: Path, sheet: str, cell: str, value) -> Path:
    """Type over one cell with openpyxl; openpyxl drops custom XML, so the data part is put back
    (as Excel would keep it)."""
    workbook = openpyxl.load_workbook(source)
    workbook[sheet][cell] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as out:
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as edited:
            for info in edited.infolist():
                out.writestr(info, edited.read(info))
        for name in original.namelist():
            if name.startswith("customXml/"):
                out.writestr(name, original.read(name))
    return target


def resaved_by_openpyxl(source: Path, target: Path) -> Path:
    """Opened and saved by a program that drops custom XML parts (openpyxl does)."""
    openpyxl.load_workbook(source).save(target)
    return target


def by_unit(run) -> dict:
    return {r.unit_code: r for r in run.batch.files}


# --------------------------------------------------------------------------- merged at the level above


def test_provinces_merged_sum_every_commune(provinces, form, upper, period, tmp_path):
    run = upper_merge(list(provinces.values()), form, upper, period, out=tmp_path / "bo.xlsx")
    everyone = [c for codes in COMMUNES.values() for c in codes]
    assert run.consolidation.totals == all_communes_total(everyone)
    assert [s.unit.code for s in run.consolidation.unit_statuses if s.counted] == ["P1", "P2", "P3"]
    assert all(not r.findings for r in run.batch.files)
    assert read_consolidated(tmp_path / "bo.xlsx") == run.consolidation


def test_libreoffice_resave_keeps_the_data_part(provinces, form, upper, period, tmp_path):
    """Measured with LibreOffice 7.4: xlsx → xlsx keeps customXml; xlsx → ods → xlsx drops it."""
    require_soffice()
    from cchc_sheets.libreoffice import convert

    resaved = convert(provinces["P2"], "xlsx", tmp_path / "lo")
    run = upper_merge([provinces["P1"], resaved, provinces["P3"]], form, upper, period)
    assert by_unit(run)["P2"].lower["source"] == "data-part"
    assert [f.code for f in by_unit(run)["P2"].findings] == []
    assert run.consolidation.totals == all_communes_total([c for cs in COMMUNES.values() for c in cs])

    through_ods = convert(convert(provinces["P2"], "ods", tmp_path / "ods"), "xlsx", tmp_path / "back")
    run = upper_merge([provinces["P1"], through_ods, provinces["P3"]], form, upper, period)
    p2 = by_unit(run)["P2"]
    assert [f.code for f in p2.findings] == ["lower-data-part-lost"]
    assert p2.lower["source"] == "visible-tables" and p2.counts
    assert run.consolidation.totals == all_communes_total([c for cs in COMMUNES.values() for c in cs])


def require_soffice():
    from conftest import require_tool

    require_tool("soffice", "libreoffice")


def test_total_typed_over_is_an_error_at_its_cell(provinces, form, upper, period, tmp_path):
    edited = edited_keeping_data_part(provinces["P3"], tmp_path / "p3-sua.xlsx", SUMMARY_SHEET, "D8", 999)
    run = upper_merge([provinces["P1"], provinces["P2"], edited], form, upper, period)
    p3 = by_unit(run)["P3"]
    assert [(f.code, f.sheet, f.cell, f.value, f.params["expected"]) for f in p3.findings] == [
        ("lower-total-edited", SUMMARY_SHEET, "D8", 999, all_communes_total(COMMUNES["P3"])["01"])]
    assert p3.status == "invalid"
    assert run.consolidation.totals == all_communes_total(COMMUNES["P1"] + COMMUNES["P2"])


def test_validate_reports_the_edited_cell(provinces, form, period, tmp_path, run_cli):
    edited = edited_keeping_data_part(provinces["P3"], tmp_path / "p3-sua.xlsx", SUMMARY_SHEET, "D8", 999)
    units = tmp_path / "tinh.csv"
    units.write_text(UPPER_CSV, encoding="utf-8")
    result = run_cli("validate", "--units", units, "--period", "2020-H1", "--no-cache", provinces["P1"], edited)
    assert result.exit_code == 1
    assert f"{SUMMARY_SHEET}!D8  lower-total-edited" in result.output


def test_lost_data_part_read_from_visible_tables(provinces, form, upper, period, tmp_path):
    lost = resaved_by_openpyxl(provinces["P1"], tmp_path / "p1-mat.xlsx")
    run = upper_merge([lost, provinces["P2"], provinces["P3"]], form, upper, period)
    p1 = by_unit(run)["P1"]
    assert [f.code for f in p1.findings] == ["lower-data-part-lost"]
    assert p1.lower["source"] == "visible-tables"
    assert p1.values == all_communes_total(COMMUNES["P1"])
    assert sorted(u["code"] for u in p1.lower["units"]) == COMMUNES["P1"]


def test_data_part_records_must_add_up(provinces, form, upper, period, tmp_path):
    tampered = tmp_path / "p2-du-lieu.xlsx"
    with zipfile.ZipFile(provinces["P2"]) as original, zipfile.ZipFile(tampered, "w") as out:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "customXml/item1.xml":
                total = all_communes_total(COMMUNES["P2"])["04"]
                data = data.replace(f'"04":{total}'.encode(), b'"04":1', 1)   # the totals come first
            out.writestr(info, data)
    run = upper_merge([tampered], form, upper, period)
    codes = [(f.code, f.indicator) for f in by_unit(run)["P2"].findings if f.code == "lower-records-mismatch"]
    assert codes == [("lower-records-mismatch", "04")]


def test_wrong_period_and_unknown_province(provinces, form, upper, period, tmp_path):
    from cchc_sheets.periods import parse_period

    run = upper_merge([provinces["P1"]], form, upper, parse_period("2020-H2"))
    assert [f.code for f in by_unit(run)["P1"].findings] == ["period-mismatch"]
    item = run.consolidation.inputs[0]
    assert item.disposition == "unmatched"
    assert (item.reason.code, item.reason.params["why"].code, item.reason.params["count"]) == (
        "lower-units-not-counted", "period-mismatch", 3)   # its communes named, not silently gone

    others = units_from_rows([(1, ["code", "name", "parent"]), (2, ["Q9", "Tỉnh Khác", "Bộ Nội vụ"])])
    run = upper_merge([provinces["P1"]], form, others, period)
    assert run.consolidation.inputs[0].reason.params["why"].code == "unknown-unit"


# --------------------------------------------------------------------------- the lower level's completeness


def test_each_province_completeness_on_the_status_sheet(form, upper, period, tmp_path):
    paths = [merge_province(tmp_path, form, period, "P1", skip=("P1X3",)),
             merge_province(tmp_path, form, period, "P2"),
             merge_province(tmp_path, form, period, "P3")]
    out = tmp_path / "bo.xlsx"
    run = upper_merge(paths, form, upper, period, out=out)
    lower = {r.unit_code: (r.lower["submitted"], r.lower["counted"], r.lower["expected"]) for r in run.batch.files}
    assert lower == {"P1": (2, 2, 3), "P2": (3, 3, 3), "P3": (3, 3, 3)}
    sheet = openpyxl.load_workbook(out, read_only=True)[STATUS_SHEET]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=7, max_row=9, values_only=True)}
    assert rows["P1"][14].startswith("2/3") and rows["P2"][14].startswith("3/3")
    assert run.consolidation.totals == all_communes_total(["P1X1", "P1X2"] + COMMUNES["P2"] + COMMUNES["P3"])


def test_a_commune_in_two_provinces_is_counted_once(form, upper, period, tmp_path):
    p1 = merge_province(tmp_path, form, period, "P1")
    p2 = merge_province(tmp_path, form, period, "P2", extra=("P1X1",))
    run = upper_merge([p1, p2], form, upper, period)
    twice = [(f.code, f.value) for f in by_unit(run)["P2"].findings]
    assert twice == [("lower-unit-twice", "P1X1")]
    assert run.consolidation.totals == all_communes_total(COMMUNES["P1"] + COMMUNES["P2"])


def test_provenance_kept_in_the_upper_workbook(provinces, form, upper, period, tmp_path):
    import hashlib

    out = tmp_path / "bo.xlsx"
    upper_merge(list(provinces.values()), form, upper, period, out=out)
    back = read_consolidated(out)
    for status in back.unit_statuses:
        lower, path = status.report.lower, provinces[status.unit.code]
        assert lower["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert lower["generated_at"] == read_consolidated(path).generated_at.isoformat()
        assert lower["merged_by"] == "cchc-sheets"
        assert sorted(u["code"] for u in lower["units"]) == COMMUNES[status.unit.code]


# --------------------------------------------------------------------------- --detail units


def detail_rows(path: Path) -> list[tuple]:
    """Chi tiết's unit rows: (code, name, group, counted, via, first indicator) under the header."""
    from cchc_sheets.merged_workbook import DETAIL_SHEET

    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True)[DETAIL_SHEET]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][6] == "Qua đơn vị"
    return [r for r in rows[1:] if r[1]]


def test_detail_units_lists_every_commune_once_with_its_province(provinces, form, upper, period, tmp_path, run_cli):
    p1 = merge_province(tmp_path, form, period, "P1")
    p2 = merge_province(tmp_path, form, period, "P2", extra=("P1X1",))   # P1X1 in both: counted in P1 only
    units = tmp_path / "tinh.csv"
    units.write_text(UPPER_CSV, encoding="utf-8")
    out, long = tmp_path / "bo.xlsx", tmp_path / "bo.csv"
    result = run_cli("merge", "--units", units, "--period", "2020-H1", "--no-cache", "--detail", "units",
                     "--out", out, "--long", long, p1, p2, provinces["P3"])
    assert result.exit_code == 0, result.output
    rows = detail_rows(out)
    everyone = [c for codes in COMMUNES.values() for c in codes]
    assert sorted(r[1] for r in rows) == sorted(everyone)
    via = {r[1]: r[6] for r in rows}
    assert all(via[c] == PROVINCES[c[:2]] for c in everyone)
    assert {r[1]: (r[5], r[7]) for r in rows}["P1X1"] == ("Có", commune_values("P1X1")["01"])
    totals = all_communes_total(everyone)
    total_row = openpyxl.load_workbook(out, read_only=True, data_only=True)["Chi tiết"][3 + len(rows) + 1]
    assert total_row[7].value == totals["01"]
    assert read_consolidated(out).totals == totals

    import pandas as pd

    frame = pd.read_csv(long, dtype={"unit_code": str, "indicator_code": str})
    assert sorted(frame["unit_code"].unique()) == sorted(everyone)
    assert dict(frame.groupby("indicator_code")["value"].sum()) == {k: totals[k] for k in SUMMED}
    assert set(frame[frame.unit_code == "P2X1"]["via"]) == {PROVINCES["P2"]}


def test_detail_units_commune_counted_only_in_the_later_workbook(form, upper, period, tmp_path):
    """The first workbook holds the commune without counting it (no return there): the later one counts it."""
    p1 = merge_province(tmp_path, form, period, "P1", skip=("P1X1",))
    p2 = merge_province(tmp_path, form, period, "P2", extra=("P1X1",))
    run = Office(form, units=upper, period=period, cache=False).merge([p1, p2], out=tmp_path / "bo.xlsx",
                                                                    detail="units")
    assert run.consolidation.totals == all_communes_total(COMMUNES["P1"] + COMMUNES["P2"])
    rows = [r for r in detail_rows(tmp_path / "bo.xlsx") if r[1] == "P1X1"]
    assert [(r[5], r[6]) for r in rows] == [("Có", PROVINCES["P2"])]


def test_detail_units_workbook_read_back_as_a_lower_return(provinces, form, upper, period, tmp_path):
    """A ministry-level workbook in units layout is itself a clean return one level further up."""
    out = tmp_path / "bo.xlsx"
    Office(form, units=upper, period=period, cache=False).merge(list(provinces.values()), out=out, detail="units")
    assert read_consolidated(out).detail == "units"
    from cchc_sheets.lower_level import read_lower

    report = read_lower(out, form)
    assert [f.code for f in report.findings] == []
    assert len(report.lower["units"]) == 9 and {u["via"] for u in report.lower["units"]} == set(PROVINCES.values())


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_consolidated_workbook_saved_as_ods_or_xls_is_read_from_its_tables(provinces, form, upper, period,
                                                                           tmp_path, fmt):
    require_soffice()
    from cchc_sheets.libreoffice import convert

    resaved = convert(provinces["P2"], fmt, tmp_path / fmt)
    run = upper_merge([provinces["P1"], resaved, provinces["P3"]], form, upper, period)
    p2 = by_unit(run)["P2"]
    assert [f.code for f in p2.findings] == ["lower-data-part-lost"]
    assert p2.lower["source"] == "visible-tables" and p2.file_format == fmt and p2.counts
    assert sorted(u["code"] for u in p2.lower["units"]) == COMMUNES["P2"]
    assert run.consolidation.totals == all_communes_total([c for cs in COMMUNES.values() for c in cs])


# --------------------------------------------------------------------------- issue 16's check, all at once


def test_three_provinces_one_resaved_one_typed_over_merged_at_the_level_above(provinces, form, period, tmp_path,
                                                                              run_cli):
    """P2's workbook re-saved by LibreOffice, P3's sent again with a total typed over (after its sound
    one): the ministry's sums are every commune's, the edited total is reported at its cell, each
    province's completeness is on the status sheet, and --detail units lists every commune once."""
    import os

    require_soffice()
    from cchc_sheets.libreoffice import convert
    from cchc_sheets.merged_workbook import DETAIL_SHEET

    resaved = convert(provinces["P2"], "xlsx", tmp_path / "lo")
    edited = edited_keeping_data_part(provinces["P3"], tmp_path / "p3-sua.xlsx", SUMMARY_SHEET, "D8", 999)
    later = os.stat(provinces["P3"]).st_mtime + 3600
    os.utime(edited, (later, later))
    units = tmp_path / "tinh.csv"
    units.write_text(UPPER_CSV, encoding="utf-8")
    out, findings = tmp_path / "bo.xlsx", tmp_path / "phat-hien.xlsx"
    result = run_cli("merge", "--units", units, "--period", "2020-H1", "--no-cache", "--detail", "units",
                     "--out", out, "--report", findings, provinces["P1"], resaved, provinces["P3"], edited)
    assert result.exit_code == 0, result.output

    everyone = [c for codes in COMMUNES.values() for c in codes]
    back = read_consolidated(out)
    assert back.totals == all_communes_total(everyone)
    edited_report = next(i.report for i in back.inputs if i.path.endswith("p3-sua.xlsx"))
    assert [(f.code, f.sheet, f.cell, f.value) for f in edited_report.errors] == [
        ("lower-total-edited", SUMMARY_SHEET, "D8", 999)]
    assert next(i for i in back.inputs if i.report is edited_report).reason.code == "lower-rejected-older-used"
    rows = list(openpyxl.load_workbook(findings, read_only=True).active.iter_rows(values_only=True))
    assert any("lower-total-edited" in row and "D8" in row for row in rows)

    status = openpyxl.load_workbook(out, read_only=True)[STATUS_SHEET]
    lower = {row[1]: (row[14], row[17]) for row in status.iter_rows(min_row=7, max_row=9, values_only=True)}
    assert {code: shown.split(" ")[0] for code, (shown, _) in lower.items()} == {"P1": "3/3", "P2": "3/3", "P3": "3/3"}
    assert lower["P2"][1] == "Phần dữ liệu của sổ"   # LibreOffice's xlsx keeps the data part

    listed = detail_rows(out)
    assert sorted(r[1] for r in listed) == sorted(everyone)   # once each
    assert {r[1]: r[6] for r in listed} == {c: PROVINCES[c[:2]] for c in everyone}
    total_row = openpyxl.load_workbook(out, read_only=True, data_only=True)[DETAIL_SHEET][3 + len(listed) + 1]
    assert total_row[7].value == all_communes_total(everyone)["01"]
