"""Merged communes: a units list of ours whose new communes name their predecessors.

Old communes A1, A2 became N1; B1 became N2 (with N2's own return too); C stayed. Returns
made with ``builders`` on the old communes' templates; assertions on codes and numbers.
"""
from __future__ import annotations

from datetime import date

import pytest

from builders import CLEAN_VALUES, make_return
from cchc_sheets.messages import CchcError
from cchc_sheets.office import Office
from cchc_sheets.periods import parse_period
from cchc_sheets.units import Unit, crosswalk_from_rows, units_from_rows

OFFICE = "UBND tỉnh Một"
NEW_LIST = [(1, ["code", "name", "parent", "predecessors"]),
            (2, ["N1", "Xã Mới Một", OFFICE, "A1; A2"]),
            (3, ["N2", "Xã Mới Hai", OFFICE, "B1"]),
            (4, ["C", "Xã Cũ Giữ Nguyên", OFFICE, ""])]
OLD_UNITS = {"A1": "Xã A Một", "A2": "Xã A Hai", "B1": "Xã B Một", "C": "Xã Cũ Giữ Nguyên"}


def values(seed: int) -> dict:
    return {key: value + seed for key, value in CLEAN_VALUES.items()}


def old_unit(code: str) -> Unit:
    return Unit(code, OLD_UNITS[code], OFFICE)


@pytest.fixture
def new_units():
    return units_from_rows(NEW_LIST)


def merged_run(folder, form, units, period, accept=False):
    return Office(form, units=units, period=period, cache=False).merge([folder], accept_predecessors=accept)


def test_predecessors_column_read(new_units):
    assert new_units.get("N1").predecessors == ("A1", "A2")
    assert new_units.successor("A2").code == "N1" and new_units.successor("C") is None


def test_predecessor_problems_each_with_its_line():
    with pytest.raises(CchcError) as caught:
        units_from_rows(NEW_LIST + [(5, ["N3", "Xã Ba", OFFICE, "A1,C"])])
    found = [(p.code, p.params["line"]) for p in caught.value.params["problems"].items]
    assert found == [("units-predecessor-twice", 5), ("units-predecessor-listed", 5)]


def test_crosswalk_gives_predecessors_and_date():
    units = units_from_rows([(1, ["code", "name", "parent"]), (2, ["N1", "Xã Mới Một", OFFICE])])
    crosswalk = crosswalk_from_rows([(1, ["mã cũ", "mã mới", "ngày sắp xếp"]), (2, ["A1", "N1", "01/07/2025"]),
                                     (3, ["A2", "N1", "2025-07-01"])])
    unit = units.with_crosswalk(crosswalk).get("N1")
    assert unit.predecessors == ("A1", "A2") and unit.merged_on == date(2025, 7, 1)
    assert unit.merged_for(parse_period("2025-H2")) and not unit.merged_for(parse_period("2025-H1"))
    with pytest.raises(CchcError) as caught:
        units.with_crosswalk(crosswalk_from_rows([(1, ["old code", "new code", "date"]), (2, ["A1", "N9", ""])]))
    assert [p.code for p in caught.value.params["problems"].items] == ["units-crosswalk-unknown"]


def test_return_on_old_template_is_unit_merged_and_not_counted(tmp_path, form, period, new_units):
    make_return(tmp_path, form, old_unit("A1"), period, values(1))
    make_return(tmp_path, form, Unit("C", OLD_UNITS["C"], OFFICE), period, values(5))
    run = merged_run(tmp_path, form, new_units, period)
    a1 = next(r for r in run.batch.files if r.unit_code == "A1")
    assert [(f.code, f.value, f.params["new"]) for f in a1.findings] == [("unit-merged", "A1", "N1")]
    assert a1.status == "warnings"
    used = {i.report.unit_code: (i.disposition, i.reason and i.reason.code) for i in run.consolidation.inputs}
    assert used == {"A1": ("unmatched", "unit-merged"), "C": ("used", None)}
    assert run.consolidation.totals["01"] == values(5)["01"]


def test_accepted_predecessors_add_into_the_new_unit(tmp_path, form, period, new_units):
    make_return(tmp_path, form, old_unit("A1"), period, values(1))
    make_return(tmp_path, form, old_unit("A2"), period, values(2))
    make_return(tmp_path, form, old_unit("B1"), period, values(3))
    make_return(tmp_path, form, Unit("N2", "Xã Mới Hai", OFFICE), period, values(4))
    run = Office(form, units=new_units, period=period, cache=False).merge(
        [tmp_path], accept_predecessors=True, out=tmp_path / "out" / "tong-hop.xlsx")
    from cchc_sheets.merged_workbook import read_consolidated

    assert read_consolidated(tmp_path / "out" / "tong-hop.xlsx") == run.consolidation
    statuses = {s.unit.code: s for s in run.consolidation.unit_statuses}
    assert statuses["N1"].counted and statuses["N1"].report.values["01"] == values(1)["01"] + values(2)["01"]
    assert statuses["N2"].report.unit_code == "N2"   # its own return wins over B1's old template
    assert sorted((i.report.unit_code, i.disposition) for i in run.consolidation.inputs) == [
        ("A1", "used"), ("A2", "used"), ("B1", "superseded"), ("N2", "used")]
    b1 = next(i for i in run.consolidation.inputs if i.report.unit_code == "B1")
    assert b1.reason.code == "unit-merged"
    assert run.consolidation.totals["01"] == sum(values(n)["01"] for n in (1, 2, 4))


def test_old_template_before_the_change_is_no_merger(tmp_path, form, new_units):
    early = parse_period("2025-H1")
    units = units_from_rows([(1, ["code", "name", "parent"]), (2, ["N1", "Xã Mới Một", OFFICE])]).with_crosswalk(
        crosswalk_from_rows([(1, ["old", "new", "date"]), (2, ["A1", "N1", "2025-07-01"])]))
    make_return(tmp_path, form, old_unit("A1"), early, values(1))
    run = merged_run(tmp_path, form, units, early, accept=True)
    assert [f.code for f in run.batch.files[0].findings] == ["unknown-unit"]


# --------------------------------------------------------------------------- comparison with the earlier period


def old_list():
    return units_from_rows([(1, ["code", "name", "parent"])] +
                           [(n + 2, [code, name, OFFICE]) for n, (code, name) in enumerate(OLD_UNITS.items())])


def test_comparison_with_earlier_period_adds_up_the_predecessors(tmp_path, form, period, new_units):
    from cchc_sheets.merged_workbook import read_consolidated
    from cchc_sheets.narrative.context import build_context
    from cchc_sheets.narrative.render import DraftOptions, build_draft

    earlier = parse_period("2019-H2")
    seeds = {"A1": 1, "A2": 2, "B1": 3, "C": 4}
    for code, seed in seeds.items():
        make_return(tmp_path / "old", form, old_unit(code), earlier, values(seed))
    Office(form, units=old_list(), period=earlier, cache=False).merge([tmp_path / "old"], out=tmp_path / "old.xlsx")
    for code, seed in (("N1", 10), ("N2", 20), ("C", 30)):
        make_return(tmp_path / "new", form, new_units.get(code), period, values(seed))
    Office(form, units=new_units, period=period, cache=False).merge([tmp_path / "new"], out=tmp_path / "new.xlsx")

    current, previous = read_consolidated(tmp_path / "new.xlsx"), read_consolidated(tmp_path / "old.xlsx")
    assert current.units.get("N1").predecessors == ("A1", "A2")   # kept in the data part
    facts = build_context(current, previous)["merged_comparison"]
    assert facts["by_unit"]["N1"]["01"] == values(1)["01"] + values(2)["01"]
    assert facts["by_unit"]["N2"]["04"] == values(3)["04"] and facts["by_unit"]["C"]["04"] == values(4)["04"]
    assert [(u["code"], u["predecessors"]) for u in facts["units"]] == [
        ("N1", ["Xã A Một", "Xã A Hai"]), ("N2", ["Xã B Một"])]
    by_code = build_context(current, previous)["by_code"]
    assert by_code["01"]["previous_total"] == sum(values(s)["01"] for s in seeds.values())
    assert by_code["01"]["change"]["delta"] == sum(values(s)["01"] for s in (10, 20, 30)) - by_code["01"]["previous_total"]
    text = "\n".join(b.text for b in build_draft(current, previous, "parent", DraftOptions()).blocks)
    assert "Xã A Một, Xã A Hai" in text


def test_no_merged_units_no_comparison_facts(tmp_path, form, period):
    from cchc_sheets.narrative.context import build_context

    run = Office(form, units=old_list(), period=period, cache=False)
    make_return(tmp_path, form, old_unit("C"), period, values(1))
    current = run.merge([tmp_path]).consolidation
    assert build_context(current, current)["merged_comparison"] is None


def test_cli_crosswalk_and_accept_predecessors(tmp_path, form, period, run_cli):
    from cchc_sheets.merged_workbook import read_consolidated

    units, crosswalk = tmp_path / "xa.csv", tmp_path / "sap-xep.csv"
    units.write_text(f"code,name,parent\nN1,Xã Mới Một,{OFFICE}\n", encoding="utf-8")
    crosswalk.write_text("mã cũ,mã mới,ngày sắp xếp\nA1,N1,01/07/2019\nA2,N1,01/07/2019\n", encoding="utf-8")
    for code, seed in (("A1", 1), ("A2", 2)):
        make_return(tmp_path / "ve", form, old_unit(code), period, values(seed))
    common = ("merge", "--units", units, "--crosswalk", crosswalk, "--period", "2020-H1", "--no-cache")
    result = run_cli(*common, "--out", tmp_path / "a.xlsx", tmp_path / "ve")
    assert result.exit_code == 0, result.output
    assert read_consolidated(tmp_path / "a.xlsx").totals["01"] == 0
    result = run_cli(*common, "--accept-predecessors", "--out", tmp_path / "b.xlsx", tmp_path / "ve")
    assert result.exit_code == 0, result.output
    merged = read_consolidated(tmp_path / "b.xlsx")
    assert merged.totals["01"] == values(1)["01"] + values(2)["01"]
    assert merged.units.get("N1").merged_on.isoformat() == "2019-07-01"


def test_merge_previous_long_export_adds_up_the_predecessors(tmp_path, form, period, new_units, run_cli):
    import pandas as pd

    earlier = parse_period("2019-H2")
    for code, seed in {"A1": 1, "A2": 2, "B1": 3, "C": 4}.items():
        make_return(tmp_path / "old", form, old_unit(code), earlier, values(seed))
    Office(form, units=old_list(), period=earlier, cache=False).merge([tmp_path / "old"], out=tmp_path / "old.xlsx")
    for code, seed in (("N1", 10), ("N2", 20), ("C", 30)):
        make_return(tmp_path / "new", form, new_units.get(code), period, values(seed))
    units = tmp_path / "xa.csv"
    units.write_text("\n".join(",".join(f'"{c}"' for c in cells) for _, cells in NEW_LIST), encoding="utf-8")
    long = tmp_path / "new.csv"
    result = run_cli("merge", "--units", units, "--period", "2020-H1", "--no-cache", "--previous", tmp_path / "old.xlsx",
                     "--out", tmp_path / "new.xlsx", "--long", long, tmp_path / "new")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(long, dtype={"unit_code": str, "indicator_code": str}).set_index(["unit_code", "indicator_code"])
    assert frame.loc[("N1", "01"), "previous_value"] == values(1)["01"] + values(2)["01"]
    assert frame.loc[("N2", "04"), "previous_value"] == values(3)["04"]
    assert frame.loc[("C", "04"), "previous_value"] == values(4)["04"]
    assert frame.loc[("N1", "01"), "value"] == values(10)["01"]

    result = run_cli("merge", "--units", units, "--period", "2020-H1", "--previous", tmp_path / "old.xlsx",
                     "--out", tmp_path / "x.xlsx", tmp_path / "new")
    assert result.exit_code == 2


# --------------------------------------------------------------------------- cchc validate


def test_validate_with_crosswalk_reports_unit_merged_at_its_cell(tmp_path, form, period, run_cli):
    units, crosswalk = tmp_path / "xa.csv", tmp_path / "sap-xep.csv"
    units.write_text(f"code,name,parent\nN1,Xã Mới Một,{OFFICE}\nC,{OLD_UNITS['C']},{OFFICE}\n", encoding="utf-8")
    crosswalk.write_text("mã cũ,mã mới,ngày sắp xếp\nA1,N1,01/07/2019\n", encoding="utf-8")
    make_return(tmp_path / "ve", form, old_unit("A1"), period, values(1), name="a1.xlsx")
    make_return(tmp_path / "ve", form, old_unit("C"), period, values(2), name="c.xlsx")
    common = ("validate", "--units", units, "--period", "2020-H1", "--no-cache", "--json")

    import json

    without = json.loads(run_cli(*common, tmp_path / "ve").stdout)
    a1 = next(f for f in without["files"] if f["unit_code"] == "A1")
    assert [(f["code"], f["cell"]) for f in a1["findings"]] == [("unknown-unit", "A4")]

    result = run_cli(*common, "--crosswalk", crosswalk, tmp_path / "ve")
    assert result.exit_code == 0, result.output   # a warning: the file itself is sound
    a1 = next(f for f in json.loads(result.stdout)["files"] if f["unit_code"] == "A1")
    assert [(f["code"], f["sheet"], f["cell"], f["value"], f["params"]["new"]) for f in a1["findings"]] == [
        ("unit-merged", "Báo cáo", "A4", "A1", "N1")]
    assert a1["status"] == "warnings" and "Xã Mới Một (N1)" in a1["findings"][0]["params"]["unit"]

    screen = run_cli("validate", "--units", units, "--period", "2020-H1", "--no-cache", "--crosswalk", crosswalk,
                     "--accept-predecessors", tmp_path / "ve")
    assert screen.exit_code == 0, screen.output
    line = next(x for x in screen.stdout.splitlines() if x.startswith("[!]"))
    assert "A1 Xã A Một → tính cho N1 Xã Mới Một" in line
    assert "Báo cáo!A4  unit-merged" in screen.stdout


def test_validate_in_a_workspace_uses_its_units_with_a_crosswalk(tmp_path, form, period, run_cli, monkeypatch):
    units, crosswalk = tmp_path / "xa.csv", tmp_path / "sap-xep.csv"
    units.write_text(f"code,name,parent\nN1,Xã Mới Một,{OFFICE}\n", encoding="utf-8")
    crosswalk.write_text("old code,new code,date\nA1,N1,2019-07-01\n", encoding="utf-8")
    result = run_cli("init", tmp_path / "ws", "--units", units)
    assert result.exit_code == 0, result.output
    path = make_return(tmp_path / "ve", form, old_unit("A1"), period, values(1), name="a1.xlsx")
    monkeypatch.chdir(tmp_path / "ws")
    result = run_cli("validate", "--period", "2020-H1", "--no-cache", "--crosswalk", crosswalk, path)
    assert result.exit_code == 0, result.output
    assert "Báo cáo!A4  unit-merged" in result.stdout


# --------------------------------------------------------------------------- the ledger's history


def test_ledger_history_of_a_merged_commune_holds_its_predecessors_returns(tmp_path):
    from datetime import datetime, timedelta, timezone

    from cchc_sheets.ledger import Ledger
    from cchc_sheets.model import FileReport

    july = datetime(2020, 7, 1, 2, tzinfo=timezone.utc)

    def recorded(unit, sha, period, days=0, **changed):
        return FileReport(path=f"/hop-thu/{unit}-{sha}.xlsx", sha256=sha.ljust(64, "0"), form="tuyen-truyen-cchc",
                          form_version=1, unit_code=unit, unit_name=OLD_UNITS.get(unit, "Xã Mới Một"), period=period,
                          values={**CLEAN_VALUES, **changed}, received=july + timedelta(days=days))

    with Ledger.open(f"sqlite:///{tmp_path / 'so.sqlite'}") as ledger:
        for item in (recorded("N1", "a0", "2020-H1"), recorded("A2", "b0", "2019-H2", -180),
                     recorded("A1", "c0", "2019-H2", -181, **{"05.1": 100}),
                     recorded("A1", "c1", "2019-H2", -170, **{"05.1": 120}), recorded("B1", "d0", "2019-H2", -180),
                     recorded("A1", "e0", "2020-H1", 1), recorded("N1", "f0", "2019", 10)):
            ledger.record_return(item, actor="cán bộ")
        history = ledger.history("N1", "tuyen-truyen-cchc", predecessors=("A1", "A2"))
        assert ledger.history("N1") == [r for r in history if r.unit_code == "N1"]   # alone, as before
    assert [(r.period, r.unit_code, r.seq, [str(d) for d in r.differences]) for r in history] == [
        ("2019", "N1", 1, []),   # the year 2019 ends with 2019-H2 but began earlier: first
        ("2019-H2", "A1", 1, []), ("2019-H2", "A1", 2, ["05.1: 100 → 120"]), ("2019-H2", "A2", 1, []),
        ("2020-H1", "N1", 1, []), ("2020-H1", "A1", 1, [])]   # B1 is N2's, not N1's


def test_cli_history_marks_each_predecessor_and_the_date_of_the_change(tmp_path, form, run_cli):
    import json

    units, crosswalk = tmp_path / "xa.csv", tmp_path / "sap-xep.csv"
    units.write_text("\n".join(",".join(f'"{c}"' for c in cells) for _, cells in NEW_LIST), encoding="utf-8")
    crosswalk.write_text("mã cũ,mã mới,ngày sắp xếp\nA1,N1,01/07/2020\n", encoding="utf-8")
    assert run_cli("init", tmp_path / "ws", "--units", units).exit_code == 0
    earlier, later = parse_period("2020-H1"), parse_period("2020-H2")
    paths = [make_return(tmp_path / "ve", form, old_unit("A1"), earlier, values(1), name="a1-h1.xlsx"),
             make_return(tmp_path / "ve", form, old_unit("A2"), earlier, values(2), name="a2-h1.xlsx"),
             make_return(tmp_path / "ve", form, Unit("N1", "Xã Mới Một", OFFICE), later, values(3), name="n1-h2.xlsx")]
    ws = ("--workspace", tmp_path / "ws")
    assert run_cli(*ws, "validate", "--no-cache", *paths).exit_code == 0

    result = run_cli(*ws, "history", "N1", "--json")
    assert result.exit_code == 0, result.output
    found = [(h["period"], h["unit"], h["predecessor_of"], h["merged_on"], h["values"]["01"]) for h in json.loads(result.stdout)]
    assert found == [("2020-H1", "A1", "N1", None, values(1)["01"]), ("2020-H1", "A2", "N1", None, values(2)["01"]),
                     ("2020-H2", "N1", None, None, values(3)["01"])]
    dated = json.loads(run_cli(*ws, "history", "N1", "--json", "--crosswalk", crosswalk).stdout)
    assert [h["merged_on"] for h in dated] == ["2020-07-01", "2020-07-01", None]

    screen = run_cli(*ws, "history", "N1", "--crosswalk", crosswalk).stdout.splitlines()
    assert [line.split()[0] for line in screen] == ["2020-H1", "2020-H1", "2020-H2"]
    assert "A1" in screen[0] and "01/07/2020" in screen[0] and "N1" in screen[0] and "A1" not in screen[2]
    assert len(json.loads(run_cli(*ws, "history", "A1", "--json").stdout)) == 1   # an old code alone: its own


# --------------------------------------------------------------------------- our own units list


def test_our_units_list_with_merged_communes(tmp_path, form, period):
    """The bundled Hương Sơn list: 18106 and 18109 merged into 18100, which kept its code (its own
    earlier figures and theirs are added up); 18106 later sends on its old template."""
    from pathlib import Path

    from cchc_sheets.merged_workbook import read_consolidated
    from cchc_sheets.narrative.context import build_context
    from cchc_sheets.units import load_crosswalk, load_units

    sample = Path(__file__).resolve().parents[1] / "xlsx_templates" / "sample-units-huong-son.csv"
    old = load_units(sample)
    lines = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    new_file = tmp_path / "xa-sau-sap-xep.csv"
    new_file.write_text("".join(line for line in lines if not line.startswith(("18106,", "18109,"))), encoding="utf-8")
    crosswalk = tmp_path / "sap-xep.csv"
    crosswalk.write_text("mã cũ,mã mới,ngày sắp xếp\n18106,18100,01/01/2020\n18109,18100,01/01/2020\n", encoding="utf-8")
    new = load_units(new_file).with_crosswalk(load_crosswalk(crosswalk))
    assert len(new) == len(old) - 2 and new.get("18100").predecessors == ("18106", "18109")

    earlier = parse_period("2019-H2")
    seed = {u.code: n for n, u in enumerate(old)}
    for unit in old:
        make_return(tmp_path / "cu", form, unit, earlier, values(seed[unit.code]))
    Office(form, units=old, period=earlier, cache=False).merge([tmp_path / "cu"], out=tmp_path / "cu.xlsx")
    for unit in new:
        make_return(tmp_path / "moi", form, unit, period, values(19 - seed[unit.code]))
    make_return(tmp_path / "moi", form, old.get("18106"), period, values(7), name="son-hong-mau-cu.xlsx")
    run = Office(form, units=new, period=period, cache=False).merge([tmp_path / "moi"], out=tmp_path / "moi.xlsx")

    stray = next(r for r in run.batch.files if r.unit_code == "18106")
    assert [(f.code, f.cell, f.params["new"]) for f in stray.findings] == [("unit-merged", "A4", "18100")]
    assert run.consolidation.totals["01"] == sum(values(19 - seed[u.code])["01"] for u in new)

    facts = build_context(read_consolidated(tmp_path / "moi.xlsx"), read_consolidated(tmp_path / "cu.xlsx"))
    merged = facts["merged_comparison"]
    assert merged["by_unit"]["18100"]["01"] == sum(values(seed[c])["01"] for c in ("18100", "18106", "18109"))
    assert merged["totals"]["01"] == sum(values(seed[u.code])["01"] for u in old)   # like for like
    assert [u["code"] for u in merged["units"]] == ["18100"]
