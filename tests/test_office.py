"""The library façade: one Office runs the round trip with the settings said once."""
from __future__ import annotations

import openpyxl
import pytest

from builders import CLEAN_VALUES, make_return
from cchc_sheets import Office
from cchc_sheets.forms import Form


def test_office_loads_what_the_cli_takes(units_file):
    office = Office("tuyen-truyen-cchc", units=units_file, period="2020-H1", deadline="2020-06-20")
    assert isinstance(office.form, Form) and office.form.id == "tuyen-truyen-cchc"
    assert [u.code for u in office.units] == ["T01", "T02", "T03"]
    assert office.period.code == "2020-H1" and office.effective_deadline.isoformat() == "2020-06-20"


def test_office_round_trip(tmp_path, form, units, period):
    office = Office(form, units=units, period=period, jobs=1)
    rows = office.templates(tmp_path / "templates")
    assert len(rows) == 3 and (tmp_path / "templates" / "manifest.csv").exists()

    returns = tmp_path / "returns"
    make_return(returns, form, units.units[0], period, CLEAN_VALUES)
    make_return(returns, form, units.units[1], period, {**CLEAN_VALUES, "01": 3, "05.1": 40})
    batch = office.validate([returns], report=tmp_path / "findings.xlsx")
    assert batch.summary["files"] == 2 and not batch.has_errors
    assert (tmp_path / "findings.xlsx").exists()

    out = tmp_path / "tong-hop.xlsx"
    run = office.merge([returns], out=out, long=tmp_path / "long.csv")
    assert run.consolidation.totals["01"] == 15 and run.consolidation.totals["05.1"] == 640
    assert [s.unit.code for s in run.consolidation.unit_statuses if not s.submitted] == ["T03"]
    openpyxl.load_workbook(out, read_only=True).close()
    assert (tmp_path / "long.csv").read_text(encoding="utf-8-sig").count("\n") > 1

    result = office.draft(out, tmp_path / "bao-cao.md")
    assert result.level and (tmp_path / "bao-cao.md").exists()


def test_office_says_what_a_step_needs(tmp_path, form):
    with pytest.raises(ValueError, match="units, period"):
        Office(form).templates(tmp_path)
