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
