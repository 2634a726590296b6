"""`cchc demo`: the whole round trip on the bundled sample, deterministic for a seed."""
from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from cchc_sheets.demo import run_demo
from cchc_sheets.units import bundled_sample_units, load_units


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, run_demo(out, seed=7, use_libreoffice=False)


def test_every_named_output_exists(demo_run):
    out, result = demo_run
    assert len(result.outputs) >= 9
    for _, path in result.outputs:
        assert path.exists(), path
    assert len(list((out / "1-bieu-mau").glob("*.xlsx"))) == len(load_units(bundled_sample_units()))


def test_merged_totals_equal_the_counted_returns(demo_run):
    out, _ = demo_run
    rows = list(csv.DictReader((out / "4-tong-hop" / "du-lieu_2020-H1.csv").open(encoding="utf-8-sig")))
    workbook = load_workbook(out / "4-tong-hop" / "tong-hop_2020-H1.xlsx", data_only=True)
    summary = workbook["Tổng hợp"]
    totals = {}
    for row in summary.iter_rows(values_only=True):
        if row and row[1] and row[2] and isinstance(row[3], (int, float)):
            totals[row[1]] = row[3]
    participants = "Số người tham dự các lớp tập huấn về công tác CCHC"
    expected = sum(float(r["value"]) for r in rows if r["indicator_code"] == "05.1" and r["value"])
    assert totals[participants] == expected > 0


def test_scenarios_show_up_as_findings_and_statuses(demo_run):
    out, result = demo_run
    summary = {line.code: line.params for line in result.lines}
    assert summary["demo-summary-units"]["missing"] != "—"
    scenarios = [item.params["scenario"].code for item in summary["demo-summary-scenarios"]["scenarios"].items]
    assert "demo-scenario-late" in scenarios and "demo-scenario-twice" in scenarios
    findings = load_workbook(out / "3-kiem-tra" / "ket-qua-kiem-tra.xlsx", read_only=True)
    codes = {cell for row in findings.active.iter_rows(values_only=True) for cell in row if isinstance(cell, str)}
    assert {"number-with-remark", "duplicate-unit"} <= codes
    assert codes & {"row-moved", "layout-altered"}
    assert list((out / "3-kiem-tra" / "gui-lai-xa").glob("*.xlsx"))


def test_same_seed_same_returns(tmp_path, demo_run):
    out, result = demo_run
    again = run_demo(tmp_path, seed=7, use_libreoffice=False)
    assert again.lines == result.lines

    def without_hashes(folder):
        rows = csv.DictReader((folder / "2-bao-cao-gui-ve" / "received.csv").open(encoding="utf-8"))
        return [(r["file"], r["received"], r["sender"]) for r in rows]

    assert without_hashes(out) == without_hashes(tmp_path)


def test_demo_command_prints_outputs(tmp_path, run_cli):
    result = run_cli("demo", "--out", tmp_path / "d", "--no-libreoffice")
    assert result.exit_code == 0, result.output
    assert "Sổ tổng hợp" in result.output and "tong-hop_2020-H1.xlsx" in result.output


@pytest.mark.libreoffice
def test_demo_resaves_returns_with_libreoffice(tmp_path, soffice):
    run_demo(tmp_path, seed=3)
    returns = tmp_path / "2-bao-cao-gui-ve"
    assert list(returns.glob("*.ods")) and list(returns.glob("*.xls"))


# --------------------------------------------------------------------------- a form with tables

TTHC = "ket-qua-giai-quyet-tthc"


@pytest.fixture(scope="module")
def tthc_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-tthc")
    return out, run_demo(out, seed=7, use_libreoffice=False, form=TTHC)


def _findings(out):
    findings = load_workbook(out / "3-kiem-tra" / "ket-qua-kiem-tra.xlsx", read_only=True)
    rows = list(findings.active.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row)) for row in rows[1:]]


def _scenarios(result):
    summary = {line.code: line.params for line in result.lines}
    return {item.params["unit"]: item.params["scenario"].code
            for item in summary["demo-summary-scenarios"]["scenarios"].items}


def test_tthc_demo_writes_merged_workbook_findings_and_a_draft(tthc_run):
    out, result = tthc_run
    for _, path in result.outputs:
        assert path.exists(), path
    outputs = {what for what, _ in result.outputs}
    assert {"demo-output-merged", "demo-output-findings", "demo-output-long"} <= outputs
    drafted = "demo-output-draft" in outputs
    failed = [line for line in result.lines if line.code == "demo-step-failed"]
    assert drafted or failed            # drafting a table form may not be there yet: reported, not a crash
    assert (out / "4-tong-hop" / "tong-hop_2020-H1.xlsx").exists()
    assert len(list((out / "1-bieu-mau").glob(f"*{TTHC}*.xlsx"))) == len(load_units(bundled_sample_units()))


def test_tthc_demo_plants_each_kind_of_messy_entry_and_finds_it(tthc_run):
    out, result = tthc_run
    scenarios = _scenarios(result)
    assert {"demo-scenario-messy-numbers", "demo-scenario-typed-over", "demo-scenario-broken-rule",
            "demo-scenario-percent", "demo-scenario-late", "demo-scenario-twice"} <= set(scenarios.values())
    assert "demo-scenario-kinds" not in scenarios.values()     # the pack has no yes/no, choice or date cells
    by_unit = {}
    for row in _findings(out):
        by_unit.setdefault(row["Tên đơn vị"], set()).add(row["Mã lỗi"])
    unit_of = {scenario: unit for unit, scenario in scenarios.items()}
    assert {"number-as-text", "number-with-remark"} <= by_unit[unit_of["demo-scenario-messy-numbers"]]
    assert "computed-cell-changed" in by_unit[unit_of["demo-scenario-typed-over"]]
    assert "rule-failed-at" in by_unit[unit_of["demo-scenario-broken-rule"]]
    assert "duplicate-unit" in by_unit[unit_of["demo-scenario-twice"]]
    broken = {unit for unit, codes in by_unit.items() if "rule-failed-at" in codes}
    assert broken == {unit_of["demo-scenario-broken-rule"]}    # clean returns keep received = resolved + pending


def test_tthc_demo_counted_returns_keep_the_row_rule_and_the_messy_numbers(tthc_run):
    out, result = tthc_run
    rows = list(csv.DictReader((out / "4-tong-hop" / "du-lieu_2020-H1.csv").open(encoding="utf-8-sig")))
    values = {(r["unit_code"], r["indicator_code"]): float(r["value"]) for r in rows if r["value"]}
    units = {unit for unit, _ in values}
    assert len(units) >= 15
    for unit in units:
        for row in ("1", "2", "3", "4", "5", "tong"):
            received = values[(unit, f"{row}:tong-nhan")]
            assert received == values[(unit, f"{row}:tong-da-giai-quyet")] + values[(unit, f"{row}:tong-dang-giai-quyet")]
    assert max(v for (_, code), v in values.items() if code == "2:truc-tiep") >= 1000   # '1.200' read as 1200


def test_tthc_demo_command(tmp_path, run_cli):
    result = run_cli("demo", "--form", TTHC, "--out", tmp_path / "d", "--no-libreoffice")
    assert result.exit_code == 0, result.output
    assert "tong-hop_2020-H1.xlsx" in result.output and "tong:tong-nhan" in result.output


def test_messy_entries_of_every_kind_on_a_pack_with_yes_no_choice_and_date(run_cli, tmp_path):
    """The starter pack (two tables; yes/no, choice, date cells): each role plants what the pack allows."""
    import random

    from cchc_sheets import demo_returns as D
    from cchc_sheets.forms import load_form

    assert run_cli("form", "init", tmp_path / "form.xlsx").exit_code == 0
    form = load_form(tmp_path / "form.xlsx")
    rng = random.Random(1)
    clean = D.table_values(form, rng)
    assert not D._failed_rules(form, clean)
    kinds = dict(clean)
    assert D.plant_kinds(form, kinds, rng)
    assert kinds["mot-cua!1"] == "x" and kinds["mot-cua!3"] == "5/6/2020"
    labels = {choice.label for choice in form.choices[form.indicator("mot-cua!2").choices]}
    assert kinds["mot-cua!2"] in labels
    percent = dict(clean)
    assert D.plant_percent(form, percent, rng) and "95,5%" in percent.values()
    typed_over = dict(clean)
    assert D.plant_typed_over(form, typed_over, rng)
    changed = [code for code in typed_over if typed_over[code] != clean.get(code)]
    assert len(changed) == 1 and form.indicator(changed[0]).computed
    roles = set(D.table_roles(form, [D.Unit(f"{n:05d}", f"Xã {n}", "", "", "") for n in range(20)]).values())
    assert "kinds" in roles
