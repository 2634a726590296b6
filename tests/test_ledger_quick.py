"""The quick read-only path of ``cchc status`` (``ledger.quick``): the same SQL as the store,
the same answers, no SQLAlchemy import, and the full store whenever the file is not plain."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from builders import CLEAN_VALUES
from sqlalchemy.dialects import sqlite

from cchc_sheets.commands.workspace import _status_json_text, _time
from cchc_sheets.ledger import Ledger, quick, store
from cchc_sheets.ledger.records import PeriodStatus, StatusRow
from cchc_sheets.model import FileReport, make_finding

FORM, H1 = "tuyen-truyen-cchc", "2020-H1"
JULY = datetime(2020, 7, 1, 2, 0, tzinfo=timezone.utc)


def _report(unit: str, sha: str, received: datetime = JULY, period: str = H1, bad: bool = False) -> FileReport:
    report = FileReport(path=f"/hop-thu/{unit}-{sha}.xlsx", sha256=sha.ljust(64, "0"), form=FORM, form_version=1,
                        unit_code=unit, unit_name=f"Xã {unit}", period=period, values=dict(CLEAN_VALUES),
                        received=received)
    if bad:
        report.findings.append(make_finding("not-a-whole-number", sheet="Báo cáo", cell="D12", indicator="05.1",
                                            value="6,5"))
    return report


@pytest.mark.parametrize("name", ["_STATUS", "_IS_LOCKED", "_PERIODS"])
def test_the_quick_sql_is_what_sqlalchemy_compiles_from_the_store_queries(name):
    compiled = getattr(store, name).compile(dialect=sqlite.dialect(paramstyle="named"))
    sql, fixed = {"_STATUS": (quick.STATUS_SQL, quick.STATUS_FIXED),
                  "_IS_LOCKED": (quick.IS_LOCKED_SQL, quick.IS_LOCKED_FIXED),
                  "_PERIODS": (quick.PERIODS_SQL, {})}[name]
    assert str(compiled) == sql
    assert {k: v for k, v in compiled.params.items() if v is not None} == fixed


@pytest.fixture
def filled(tmp_path) -> Path:
    """A ledger with every kind of row: on time, late, corrected, invalid, unexpected, after a lock."""
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        ledger.record_return(_report("T01", "a1", datetime(2020, 7, 5, 16, 0, tzinfo=timezone.utc)), actor="a")
        ledger.record_return(_report("T02", "b1", datetime(2020, 7, 5, 17, 30, tzinfo=timezone.utc)), actor="a")
        ledger.record_return(_report("T02", "b2", datetime(2020, 7, 6, 1, 0, tzinfo=timezone.utc)), actor="a")
        ledger.record_return(_report("T03", "c1", bad=True), actor="a")
        ledger.record_return(_report("X99", "d1"), actor="a")
        ledger.record_return(_report("T01", "e1", period="2020-H2", received=JULY + timedelta(days=180)), actor="a")
        ledger.lock(FORM, H1, by="Phó Chủ tịch")
        ledger.record_return(_report("T04", "f1", JULY + timedelta(days=9)), actor="a")
        ledger.record_return(_report("T01", "a2", JULY + timedelta(days=9)), actor="a")
    return path


def test_both_readers_give_the_same_status_and_periods(filled):
    units, deadline = ["T01", "T02", "T03", "T04", "T05"], date(2020, 7, 5)
    with Ledger.open(f"sqlite:///{filled}") as ledger:
        full = ledger.status(FORM, H1, units, deadline)
        full_periods = ledger.periods(FORM)
        full_h2 = ledger.status(FORM, "2020-H2", units, deadline)
    fast = quick.quick_ledger(f"sqlite:///{filled}")
    try:
        assert fast.status(FORM, H1, units, deadline) == full
        assert fast.status(FORM, "2020-H2", units, deadline) == full_h2
        assert fast.periods(FORM) == full_periods == [H1, "2020-H2"]
    finally:
        fast.close()
    rows = {r.unit_code: r for r in full.rows}
    assert full.locked and (full.expected, full.submitted, full.on_time) == (5, 4, 2)
    assert (rows["T01"].versions, rows["T01"].after_lock, rows["T01"].on_time) == (2, 1, True)
    assert (rows["T02"].on_time, rows["T03"].status, rows["T04"].status) == (False, "invalid", "received-after-lock")
    assert (rows["T05"].status, rows["X99"].expected) == ("missing", False)
    assert (rows["T03"].errors, rows["T03"].warnings, rows["T01"].errors) == (1, 0, 0)


def test_anything_unusual_goes_to_the_full_store(filled, tmp_path):
    assert quick.quick_ledger("postgresql+psycopg://cchc@127.0.0.1/ledger") is None
    assert quick.quick_ledger(f"sqlite:///{filled}?timeout=5") is None
    assert quick.quick_ledger(f"sqlite:///{tmp_path / 'none.sqlite'}") is None
    (tmp_path / "text.sqlite").write_text("not a database", encoding="utf-8")
    assert quick.quick_ledger(f"sqlite:///{tmp_path / 'text.sqlite'}") is None
    newer = tmp_path / "newer.sqlite"
    newer.write_bytes(filled.read_bytes())
    with sqlite3.connect(newer) as raw:
        raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    raw.close()
    before = newer.read_bytes()
    assert quick.quick_ledger(f"sqlite:///{newer}") is None
    assert newer.read_bytes() == before                                  # read-only: nothing written


def test_status_command_reads_without_sqlalchemy(tmp_path, units_file, run_cli):
    root = tmp_path / "ws"
    assert run_cli("init", root, "--units", units_file).exit_code == 0
    with Ledger.open(f"sqlite:///{root / 'ledger.sqlite'}") as ledger:
        ledger.record_return(_report("T01", "a1"), actor="a")
    probe = ("import sys\nfrom cchc_sheets.cli import main\n"
             "try:\n    main(['--workspace', sys.argv[1], 'status', '--json'])\nexcept SystemExit:\n    pass\n"
             "print('sqlalchemy' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, str(root)], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr
    status = json.loads(done.stdout)
    assert (status["period"], status["submitted"], status["expected"]) == (H1, 1, 3)
    assert [u["code"] for u in status["units"] if u["submitted"]] == ["T01"]


def test_the_status_json_lines_are_what_json_dumps_writes():
    when = datetime(2020, 7, 5, 16, 0, 30, 123456, tzinfo=timezone.utc)
    names = ['Xã "Mới"', "Phường\\Cũ", "Tab\there\nline", None, "Xã Đông Hòa", "\u2028 lạ \udcff"]
    rows = [StatusRow(unit_code=f"T{i}", unit_name=name, expected=i % 2 == 0, versions=i, status="valid",
                      counted=i % 3 == 0, received_at=when if i % 2 else None, on_time=[True, False, None][i % 3],
                      after_lock=i % 2, last_change=when, errors=i, warnings=2 * i) for i, name in enumerate(names)]
    result = PeriodStatus(form_id=FORM, period=H1, locked=False, rows=rows, expected=3, submitted=3, on_time=1)
    text = _status_json_text(result, date(2020, 7, 5))
    lines = text.split('"units": [\n    ', 1)[1].rsplit("\n  ]", 1)[0].split(",\n    ")
    encode = json.JSONEncoder(ensure_ascii=False).encode
    assert lines == [encode({
        "code": r.unit_code, "name": r.unit_name, "expected": r.expected, "submitted": r.submitted,
        "status": r.status, "counted": r.counted, "versions": r.versions, "on_time": r.on_time,
        "received_at": _time(r.received_at), "after_lock": r.after_lock, "last_change": _time(r.last_change),
        "errors": r.errors, "warnings": r.warnings}) for r in rows]
    assert json.loads(text)["units"][1]["received_at"] == "2020-07-05T23:00:30+07:00"


def test_stored_times_read_back_as_aware_utc():
    assert quick.stored_time("2020-07-01 00:01:00.000000") == datetime(2020, 7, 1, 0, 1, tzinfo=timezone.utc)
    assert quick.stored_time("2020-07-01 07:01:00+07:00") == datetime(2020, 7, 1, 0, 1, tzinfo=timezone.utc)
    assert quick.stored_time(None) is None


def test_a_units_file_typed_with_decomposed_accents_loads_as_nfc(tmp_path):
    import unicodedata

    from cchc_sheets.units import load_units

    text = "mã;tên;cấp trên;email\n T01 ; Xã Đông Hòa ;UBND tỉnh Thử;\nT02;\"Phường Cũ; Mới\";T01;p@example.org\n"
    path = tmp_path / "xa.csv"
    path.write_bytes(unicodedata.normalize("NFD", text).encode("utf-8-sig"))
    units = load_units(path)
    assert [(u.code, u.name, u.parent, u.email, u.line) for u in units.units] == [
        ("T01", "Xã Đông Hòa", "UBND tỉnh Thử", "", 2), ("T02", "Phường Cũ; Mới", "T01", "p@example.org", 3)]
    assert all(unicodedata.is_normalized("NFC", u.name) for u in units.units)


def test_status_of_a_units_list_with_levels_counts_the_level_that_reports(tmp_path, run_cli):
    """A ministry's list: provinces under it, communes under them; the provinces are who report."""
    units_csv = tmp_path / "bo.csv"
    units_csv.write_text("code,name,parent\nP1,Tỉnh Một,Bộ Nội vụ\nP2,Tỉnh Hai,Bộ Nội vụ\n"
                         "X11,Xã Một Một,P1\nX12,Xã Một Hai,P1\nX21,Xã Hai Một,P2\n", encoding="utf-8")
    root = tmp_path / "bo"
    assert run_cli("init", root, "--units", units_csv).exit_code == 0
    with Ledger.open(f"sqlite:///{root / 'ledger.sqlite'}") as ledger:
        ledger.record_return(_report("P1", "p1"), actor="a")
    result = run_cli("--workspace", root, "status", "--period", H1, "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert (status["expected"], status["submitted"]) == (2, 1)
    assert [(u["code"], u["submitted"]) for u in status["units"]] == [("P1", True), ("P2", False)]
