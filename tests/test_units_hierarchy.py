"""Several levels in one units list: parents by code, and each problem reported with its line."""
from __future__ import annotations

import pytest

from cchc_sheets import merge
from cchc_sheets.messages import CchcError
from cchc_sheets.model import FileReport
from cchc_sheets.units import units_from_rows

HEADER = (1, ["code", "name", "parent", "group"])


def rows(*lines):
    return [HEADER] + [(n + 2, list(cells)) for n, cells in enumerate(lines)]


def problems(*lines) -> list[tuple]:
    with pytest.raises(CchcError) as caught:
        units_from_rows(rows(*lines))
    return [(p.code, p.params.get("line"), p.params.get("code")) for p in caught.value.params["problems"].items]


MINISTRY = (("P1", "Tỉnh Một", "Bộ Nội vụ", ""), ("P2", "Tỉnh Hai", "Bộ Nội vụ", ""),
            ("X1", "Xã Một", "P1", ""), ("X2", "Xã Hai", "P1", ""), ("X3", "Xã Ba", "P2", ""))


def test_free_text_parents_still_work():
    units = units_from_rows(rows(("T01", "Xã A", "UBND huyện Hương Sơn", ""), ("T02", "Xã B", "UBND tỉnh X", "")))
    assert not units.has_levels and units.reporting() is units


def test_cycle_reported_with_its_line():
    assert problems(*MINISTRY, ("A", "Xã A", "B", ""), ("B", "Xã B", "A", "")) == [("units-parent-cycle", 7, "A")]


def test_unknown_parent_reported_with_its_line():
    assert problems(*MINISTRY, ("X4", "Xã Bốn", "P9", "")) == [("units-unknown-parent", 7, "X4")]


def test_unit_under_two_parents_reported_with_its_line():
    found = problems(*MINISTRY, ("X1", "Xã Một", "P2", ""))
    assert found == [("units-two-parents", 7, "X1")]


def test_same_line_twice_is_still_a_duplicate():
    assert problems(*MINISTRY, ("X1", "Xã Một", "P1", "")) == [("units-duplicate-code", 7, "X1")]


def test_several_problems_each_with_its_line():
    found = problems(("P1", "Tỉnh Một", "Bộ Nội vụ", ""), ("X1", "Xã", "P1", ""), ("X2", "Xã", "Q", ""),
                     ("X1", "Xã", "X2", ""), ("C1", "C", "C2", ""), ("C2", "C", "C1", ""))
    assert found == [("units-two-parents", 5, "X1"), ("units-unknown-parent", 4, "X2"),
                     ("units-parent-cycle", 6, "C1")]


def test_the_level_below_the_office_reports():
    units = units_from_rows(rows(*MINISTRY))
    reporting = units.reporting()
    assert [u.code for u in reporting] == ["P1", "P2"]
    assert reporting.parent_name == "Bộ Nội vụ"
    assert [u.code for u in units.leaves("P1")] == ["X1", "X2"]


def test_a_single_top_unit_is_the_office():
    units = units_from_rows(rows(("T", "Tỉnh Một", "", ""), ("D1", "Huyện cũ A", "T", ""),
                                 ("D2", "Huyện cũ B", "T", ""), ("X1", "Xã 1", "D1", ""), ("X2", "Xã 2", "D2", "")))
    reporting = units.reporting()
    assert [u.code for u in reporting] == ["D1", "D2"] and reporting.parent_name == "Tỉnh Một"
    assert [u.group for u in reporting] == ["Huyện cũ A", "Huyện cũ B"]   # subtotals by the level below


def test_merge_with_levels_subtotals_by_the_level_below(form, period):
    units = units_from_rows(rows(*MINISTRY))
    reports = [FileReport(path=f"{code}.xlsx", form=form.id, form_version=1, unit_code=code, period=period.code,
                          values={"01": n}) for n, code in ((5, "P1"), (7, "P2"))]
    result = merge.consolidate(reports, form, units, period)
    assert [s.unit.code for s in result.unit_statuses] == ["P1", "P2"]
    assert result.totals["01"] == 12
    assert {g: t["01"] for g, t in result.group_totals.items()} == {"Tỉnh Một": 5, "Tỉnh Hai": 7}
    assert result.parent_name == "Bộ Nội vụ"
