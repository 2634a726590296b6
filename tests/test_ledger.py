"""cchc_sheets.ledger: which return counts, differences, lock/unlock, audit, and a ledger that survives anything.

The store tests run on SQLite and on PostgreSQL: the server CCHC_TEST_POSTGRES_URL names
(``postgresql+psycopg://cchc@127.0.0.1:55432/postgres``), else a private cluster the ``postgres_url``
fixture starts when Debian's postgresql is installed; a fresh database per test.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from builders import CLEAN_VALUES, make_return

from cchc_sheets import ledger as ledger_module
from cchc_sheets.ledger import (WHY_AFTER_LOCK, WHY_NEWEST, WHY_NEWEST_NOT_VALID, WHY_SUPERSEDED, Ledger)
from cchc_sheets.ledger import store
from cchc_sheets.messages import CchcError
from cchc_sheets.model import FileReport, make_finding
from cchc_sheets.office import Office
from cchc_sheets.periods import parse_period

FORM = "tuyen-truyen-cchc"
H1 = "2020-H1"
JULY = datetime(2020, 7, 1, 2, 0, tzinfo=timezone.utc)   # 09:00 in Vietnam


# ---------------------------------------------------------------------- ledgers to test
def _postgres_database(server_url: str):
    """A fresh database on the test server; dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(server_url)
    name = f"cchc_test_{uuid.uuid4().hex[:12]}"
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(plain, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    yield from _postgres_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def ledger(url):
    with Ledger.open(url) as opened:
        yield opened


def report(unit: str, sha: str, period: str = H1, received: datetime | None = JULY, **values) -> FileReport:
    """A return as validation leaves it (for the rules the ledger applies, a constructed one is as good)."""
    return FileReport(path=f"/hop-thu/{unit}-{sha[:4]}.xlsx", sha256=sha.ljust(64, "0"), form=FORM, form_version=1,
                      unit_code=unit, unit_name=f"Xã {unit}", period=period,
                      values={**CLEAN_VALUES, **values}, received=received)


def kinds(ledger: Ledger, **where) -> list[str]:
    return [e.kind for e in ledger.events(**where)]


# ---------------------------------------------------------------------- real returns
@pytest.fixture
def validated(tmp_path, form, units, period):
    """``validated(unit_index, values, name)``: a return written like a commune's and validated."""
    office = Office(form, units=units, period=period, jobs=1, cache=False)

    def make(index: int, values: dict, name: str) -> FileReport:
        path = make_return(tmp_path / "hop-thu", form, units.units[index], period, values, name=name)
        return office.validate([path]).files[0]
    return make


def test_a_corrected_return_shows_its_differences_and_the_newest_counts(ledger, validated):
    first = validated(0, CLEAN_VALUES, "t01.xlsx")
    corrected = validated(0, {**CLEAN_VALUES, "05.1": 650}, "t01-sua.xlsx")
    assert (first.status, corrected.status, first.values["05.1"]) == ("valid", "valid", 600)

    one = ledger.record_return(first, actor="cán bộ A", received_at=JULY)
    two = ledger.record_return(corrected, actor="cán bộ A", received_at=JULY + timedelta(days=2))

    assert [str(d) for d in two.differences] == ["05.1: 600 → 650"]
    assert (one.seq, two.seq, one.differences) == (1, 2, [])
    records = ledger.returns(FORM, H1)
    assert [(r.seq, r.why, r.counted, r.superseded_by) for r in records] == [
        (1, WHY_SUPERSEDED, False, two.id), (2, WHY_NEWEST, True, None)]
    assert [r.values["05.1"] for r in ledger.counted(FORM, H1)] == [650]
    assert kinds(ledger) == ["received", "validated", "counted",
                             "received", "validated", "superseded", "counted"]


def test_the_same_file_twice_is_recorded_once(ledger):
    first = ledger.record_return(report("T01", "aa"), actor="a")
    again = ledger.record_return(report("T01", "aa"), actor="a")
    assert (first.is_new, again.is_new, again.id) == (True, False, first.id)
    assert len(ledger.returns(FORM, H1)) == 1 and kinds(ledger).count("received") == 1


def test_newest_received_counts_even_when_recorded_first(ledger):
    late_mail = ledger.record_return(report("T01", "bb", received=JULY + timedelta(days=3), **{"05.1": 700}), actor="a")
    older = ledger.record_return(report("T01", "aa", received=JULY, **{"05.1": 600}), actor="a")
    assert (older.why, older.counted, older.superseded_by) == (WHY_SUPERSEDED, False, late_mail.id)
    assert [r.values["05.1"] for r in ledger.counted(FORM, H1)] == [700]
    assert kinds(ledger) == ["received", "validated", "counted", "received", "validated", "superseded"]


def test_a_newest_return_with_errors_leaves_the_unit_uncounted(ledger):
    ledger.record_return(report("T01", "aa"), actor="a")
    broken = report("T01", "bb", received=JULY + timedelta(days=1))
    broken.findings.append(make_finding("not-a-whole-number", indicator="05.1", value="6,5"))
    record = ledger.record_return(broken, actor="a")
    assert (record.status, record.errors, record.why, record.counted) == ("invalid", 1, WHY_NEWEST_NOT_VALID, False)
    assert ledger.counted(FORM, H1) == []


def test_lock_keeps_a_late_return_out_until_unlock_with_a_reason(ledger):
    ledger.record_return(report("T01", "aa", **{"05.1": 600}), actor="cán bộ A")
    lock = ledger.lock(FORM, H1, by="Phó Chủ tịch", note="đã gửi huyện", workbook_sha256="f" * 64,
                       totals={"05.1": 600, "01": 12})
    assert (lock.active, lock.totals, ledger.locked(FORM, H1).workbook_sha256) == (True, {"05.1": 600, "01": 12}, "f" * 64)
    with pytest.raises(CchcError) as twice:
        ledger.lock(FORM, H1, by="Phó Chủ tịch")
    assert twice.value.code == "ledger-period-locked"

    late = ledger.record_return(report("T01", "bb", received=JULY + timedelta(days=9), **{"05.1": 650}), actor="cán bộ A")
    assert (late.why, late.counted, [str(d) for d in late.differences]) == (WHY_AFTER_LOCK, False, ["05.1: 600 → 650"])
    assert [r.values["05.1"] for r in ledger.counted(FORM, H1)] == [600]
    ledger.record_return(report("T02", "cc", received=JULY + timedelta(days=9)), actor="cán bộ A")
    t01, t02 = ledger.status(FORM, H1, ["T01", "T02"]).rows
    assert (t01.versions, t01.after_lock, t01.counted, t01.status) == (2, 1, True, "valid")
    assert (t02.versions, t02.after_lock, t02.counted, t02.status) == (1, 1, False, WHY_AFTER_LOCK)

    for by, reason in (("Phó Chủ tịch", ""), ("Phó Chủ tịch", "  "), ("", "sửa số")):
        with pytest.raises(CchcError) as refused:
            ledger.unlock(FORM, H1, by=by, reason=reason)
        assert refused.value.code == "ledger-unlock-needs-reason"
    assert ledger.locked(FORM, H1) is not None

    changed = ledger.unlock(FORM, H1, by="Phó Chủ tịch", reason="xã sửa số liệu 05.1")
    assert [(r.unit_code, r.seq, r.why) for r in changed] == [("T01", 1, WHY_SUPERSEDED), ("T01", 2, WHY_NEWEST),
                                                              ("T02", 1, WHY_NEWEST)]
    assert ledger.locked(FORM, H1) is None and [r.values["05.1"] for r in ledger.counted(FORM, H1)] == [650, 600]
    assert [lk.reason for lk in ledger.locks(FORM, H1)] == ["xã sửa số liệu 05.1"]
    with pytest.raises(CchcError) as not_locked:
        ledger.unlock(FORM, H1, by="Phó Chủ tịch", reason="again")
    assert not_locked.value.code == "ledger-period-not-locked"

    ledger.record_event("reminded", actor="cán bộ A", form_id=FORM, period=H1, unit_code="T02",
                        detail={"to": "t02@example.org"})
    assert kinds(ledger, period=H1) == ["received", "validated", "counted", "locked", "received", "validated",
                                        "received", "validated", "unlocked", "superseded", "counted", "counted",
                                        "reminded"]
    assert [e.unit_code for e in ledger.events(H1) if e.kind == "counted"] == ["T01", "T01", "T02"]
    unlocked = [e for e in ledger.events(H1) if e.kind == "unlocked"][0]
    assert (unlocked.actor, unlocked.detail) == ("Phó Chủ tịch", {"reason": "xã sửa số liệu 05.1"})


def test_status_rows_and_rates(ledger):
    deadline = date(2020, 7, 5)
    ledger.record_return(report("T01", "aa", received=datetime(2020, 7, 5, 16, 0, tzinfo=timezone.utc)), actor="a")
    ledger.record_return(report("T02", "bb", received=datetime(2020, 7, 5, 17, 30, tzinfo=timezone.utc)), actor="a")
    ledger.record_return(report("T02", "cc", received=datetime(2020, 7, 6, 1, 0, tzinfo=timezone.utc)), actor="a")
    ledger.record_return(report("X99", "dd"), actor="a")                       # not in the list
    result = ledger.status(FORM, H1, ["T01", "T02", "T03"], deadline)
    # 16:00 UTC on the 5th is 23:00 in Vietnam (on time); 17:30 UTC is already the 6th there.
    assert [(r.unit_code, r.expected, r.versions, r.status, r.on_time) for r in result.rows] == [
        ("T01", True, 1, "valid", True), ("T02", True, 2, "valid", False), ("T03", True, 0, "missing", None),
        ("X99", False, 1, "valid", True)]
    assert (result.expected, result.submitted, result.on_time) == (3, 2, 1)
    assert (round(result.completeness, 3), round(result.on_time_rate, 3)) == (0.667, 0.333)


def test_history_spans_periods(ledger):
    ledger.record_return(report("T01", "aa", **{"05.1": 600}), actor="a")
    ledger.record_return(report("T01", "bb", received=JULY + timedelta(days=1), **{"05.1": 650}), actor="a")
    ledger.record_return(report("T01", "cc", period="2020-H2", received=JULY + timedelta(days=180)), actor="a")
    ledger.record_return(report("T02", "dd"), actor="a")
    history = ledger.history("T01", FORM)
    assert [(r.period, r.seq, r.counted, [str(d) for d in r.differences]) for r in history] == [
        (H1, 1, False, []), (H1, 2, True, ["05.1: 600 → 650"]), ("2020-H2", 1, True, [])]
    assert parse_period(H1).next().code == "2020-H2"


def test_a_failure_mid_record_leaves_nothing(ledger, monkeypatch):
    ledger.record_return(report("T01", "aa"), actor="a")
    before = (len(ledger.returns(FORM, H1)), len(ledger.events()))

    def boom(*args, **kwargs):
        raise RuntimeError("killed between the insert and its differences")
    monkeypatch.setattr(store, "_record_differences", boom)
    with pytest.raises(RuntimeError):
        ledger.record_return(report("T01", "bb", received=JULY + timedelta(days=1)), actor="a")
    monkeypatch.undo()
    assert (len(ledger.returns(FORM, H1)), len(ledger.events())) == before
    assert [r.counted for r in ledger.returns(FORM, H1)] == [True]

    with pytest.raises(ValueError):                            # a batch is one transaction: all or nothing
        ledger.record_returns([report("T02", "cc"), FileReport(path="x.xlsx")], actor="a")
    assert ledger.returns(FORM, H1, "T02") == [] and len(ledger.events()) == before[1]


def test_schema_version_is_recorded(ledger):
    assert ledger.schema_version() == ledger_module.SCHEMA_VERSION == 2
    assert ledger.migrate() == 2                               # nothing to do, nothing broken
    if ledger.is_sqlite:
        pragmas = [ledger._raw_pragma(f"PRAGMA {name}")[0][0] for name in ("journal_mode", "foreign_keys",
                                                                             "busy_timeout")]
        assert pragmas == ["wal", 1, ledger_module.BUSY_TIMEOUT_MS]


def _as_schema_1(url: str) -> None:
    """Take a ledger back to schema 1 as released: locks without what the workbook was built with."""
    from sqlalchemy import text
    engine = create_engine(url)
    with engine.begin() as c:
        for column in ("generated_at", "deadline", "rebuild"):
            c.execute(text(f"ALTER TABLE locks DROP COLUMN {column}"))
        c.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()


def test_a_schema_1_ledger_is_migrated_and_its_locks_kept(url):
    with Ledger.open(url) as opened:
        opened.record_return(report("T01", "aa"), actor="a")
        opened.lock(FORM, H1, by="Phó Chủ tịch", workbook_sha256="f" * 64, totals={"totals": {"05.1": 600}})
    _as_schema_1(url)
    with Ledger.open(url) as migrated:
        assert migrated.schema_version() == 2
        old = migrated.locked(FORM, H1)
        assert (old.locked_by, old.totals, old.generated_at, old.deadline, old.rebuild) == (
            "Phó Chủ tịch", {"totals": {"05.1": 600}}, None, None, {})
        migrated.unlock(FORM, H1, by="Phó Chủ tịch", reason="xã bổ sung")
        stamp = datetime(2020, 7, 2, 8, 30, tzinfo=timezone(timedelta(hours=7)))
        new = migrated.lock(FORM, H1, by="Phó Chủ tịch", generated_at=stamp, deadline=date(2020, 6, 20),
                            rebuild={"tool": "0.1.0", "form_version": 1})
        assert (new.generated_at, new.deadline, new.rebuild) == (stamp, date(2020, 6, 20),
                                                                 {"tool": "0.1.0", "form_version": 1})
        assert [lock.generated_at for lock in migrated.locks(FORM, H1)] == [None, stamp]


def test_a_schema_1_ledger_opened_without_create_is_not_migrated(tmp_path):
    path = _sqlite_ledger(tmp_path)
    _as_schema_1(f"sqlite:///{path}")
    with pytest.raises(CchcError) as refused:
        Ledger.open(f"sqlite:///{path}", create=False)
    assert refused.value.code == "ledger-unreachable"
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "1"
    raw.close()


# ---------------------------------------------------------------------- SQLite files: refuse, never overwrite
def _sqlite_ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(f"sqlite:///{path}") as opened:
        opened.record_return(report("T01", "aa"), actor="a")
    return path


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path):
    path = _sqlite_ledger(tmp_path)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    raw.close()
    before = path.read_bytes()
    with pytest.raises(CchcError) as refused:
        Ledger.open(f"sqlite:///{path}")
    assert (refused.value.code, refused.value.params["found"], refused.value.params["supported"]) == (
        "ledger-newer-schema", 99, 2)
    assert path.read_bytes() == before


@pytest.mark.parametrize("content", [b"PK\x03\x04 not a database at all" * 40, b"\x00" * 4096])
def test_a_file_that_is_not_a_database_is_refused_and_left_untouched(tmp_path, content):
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(content)
    with pytest.raises(CchcError) as refused:
        Ledger.open(f"sqlite:///{path}")
    assert refused.value.code == "ledger-damaged"
    assert path.read_bytes() == content and sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite"]


def test_a_damaged_database_is_refused(tmp_path):
    path = _sqlite_ledger(tmp_path)
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 2: page * 2 + 200] = b"\xff" * 200              # scribble over a table's page
    path.write_bytes(bytes(data))
    with pytest.raises(CchcError) as refused:
        Ledger.open(f"sqlite:///{path}", check=True)
    assert refused.value.code == "ledger-damaged"
    assert path.read_bytes() == bytes(data)


WRITER = r"""
import sys
from datetime import datetime, timedelta, timezone
from cchc_sheets.ledger import Ledger
from cchc_sheets.model import FileReport
url, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ledger = Ledger.open(url)
when = datetime(2020, 7, 1, tzinfo=timezone.utc)
for i in range(start, start + count):
    ledger.record_return(FileReport(path=f"r{i}.xlsx", sha256=f"{i:064x}", form="f", period="2020-H1",
                                    unit_code=f"U{i % 200:04d}", values={"01": i}, received=when + timedelta(seconds=i)),
                         actor="writer")
    print(i, flush=True)
"""


def _writer(url: str, start: int, count: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.Popen([sys.executable, "-c", WRITER, url, str(start), str(count)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lines(process: subprocess.Popen, lines: int) -> None:
    for _ in range(lines):
        if not process.stdout.readline():
            raise AssertionError(process.stderr.read())


def _consistent(path: Path) -> int:
    """Check what must hold whatever moment a writer died at; return how many returns there are."""
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        returns = raw.execute("SELECT count(*) FROM returns").fetchone()[0]
        per_kind = dict(raw.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
        assert per_kind.get("received", 0) == per_kind.get("validated", 0) == returns
        assert raw.execute("SELECT count(*) FROM returns r LEFT JOIN files f USING (sha256) "
                           "WHERE f.sha256 IS NULL").fetchone()[0] == 0
        units = raw.execute("SELECT count(DISTINCT unit_code) FROM returns").fetchone()[0]
        assert raw.execute("SELECT count(*) FROM returns WHERE counted").fetchone()[0] == units
        assert raw.execute("SELECT count(*) FROM (SELECT unit_code FROM returns WHERE current "
                           "GROUP BY unit_code HAVING count(*) > 1)").fetchone()[0] == 0
    raw.close()
    return returns


def test_a_writer_killed_mid_way_leaves_a_sound_ledger_and_a_rerun_completes(tmp_path):
    path = tmp_path / "ledger.sqlite"
    url = f"sqlite:///{path}"
    writer = _writer(url, 0, 600)
    _wait_for_lines(writer, 100)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    recorded = _consistent(path)
    assert 100 <= recorded < 600
    rerun = _writer(url, 0, 600)                           # the same files again: the rest are added
    assert rerun.wait(timeout=120) == 0, rerun.stderr.read()
    assert _consistent(path) == 600
    with Ledger.open(url) as opened:
        counted = opened.counted("f", H1)
    assert len(counted) == 200
    assert sum(r.values["01"] for r in counted) == sum(range(400, 600))     # each unit's newest


def test_backup_while_another_process_writes(tmp_path):
    path = tmp_path / "ledger.sqlite"
    url = f"sqlite:///{path}"
    Ledger.open(url).close()
    writer = _writer(url, 0, 300)
    try:
        _wait_for_lines(writer, 50)
        with Ledger.open(url) as opened:
            copy = opened.backup(tmp_path / "sao-luu" / "ledger-backup.sqlite")
    finally:
        writer.wait(timeout=120)
    assert 50 <= _consistent(copy) <= 300
    with Ledger.open(f"sqlite:///{copy}") as restored:
        assert restored.schema_version() == ledger_module.SCHEMA_VERSION


def test_two_writers_at_once_are_serialised(tmp_path):
    path = tmp_path / "ledger.sqlite"
    url = f"sqlite:///{path}"
    Ledger.open(url).close()
    writers = [_writer(url, 0, 150), _writer(url, 150, 150)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0], [w.stderr.read() for w in writers]
    assert _consistent(path) == 300


def test_backup_of_postgresql_is_refused_with_a_reason():
    address = "postgresql+psycopg://cchc@127.0.0.1:9/db"
    ledger = Ledger(create_engine(address), address)                  # no connection is made
    with pytest.raises(CchcError) as refused:
        ledger.backup("x.sqlite")
    assert refused.value.code == "ledger-backup-unsupported"


def test_an_unreachable_server_is_a_clear_error():
    with pytest.raises(CchcError) as refused:
        Ledger.open("postgresql+psycopg://cchc@127.0.0.1:9/cchc?connect_timeout=2")
    assert refused.value.code == "ledger-unreachable"


def test_damage_found_while_reading_is_a_clear_error(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(f"sqlite:///{path}") as opened:
        opened.record_returns([report(f"U{i:03d}", f"{i:04x}") for i in range(200)], actor="a")
    data = bytearray(path.read_bytes())
    for page in range(3, len(data) // 4096 - 1):                     # every page but the schema's
        data[page * 4096 + 8: page * 4096 + 64] = b"\xee" * 56
    path.write_bytes(bytes(data))
    with pytest.raises(CchcError) as refused:
        with Ledger.open(f"sqlite:///{path}") as opened:
            opened.counted(FORM, H1)
    assert refused.value.code == "ledger-damaged"


def test_a_failing_migration_step_leaves_the_ledger_as_it_was(tmp_path, monkeypatch):
    from sqlalchemy import text

    from cchc_sheets.ledger import schema
    path = _sqlite_ledger(tmp_path)

    def step_3(connection):
        connection.execute(text("CREATE TABLE reminders (id INTEGER PRIMARY KEY)"))
        connection.execute(text("ALTER TABLE returns ADD COLUMN reminded INTEGER"))
        raise RuntimeError("power cut in the middle of step 3")
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 3)
    monkeypatch.setitem(schema.MIGRATIONS, 3, step_3)
    with pytest.raises(RuntimeError):
        Ledger.open(f"sqlite:///{path}")
    monkeypatch.undo()
    with sqlite3.connect(path) as raw:
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {row[1] for row in raw.execute("PRAGMA table_info(returns)")}
        version = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    raw.close()
    assert ("reminders" in tables, "reminded" in columns, version) == (False, False, "2")
    with Ledger.open(f"sqlite:///{path}") as reopened:
        assert len(reopened.returns(FORM, H1)) == 1


def test_threads_reading_while_one_writes(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    with Ledger.open(url) as opened:
        errors = []

        def read():
            try:
                for _ in range(20):
                    opened.status("f", H1, [f"U{i}" for i in range(50)])
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
        reader = threading.Thread(target=read)
        reader.start()
        opened.record_returns([FileReport(path=f"{i}", sha256=f"{i:064x}", form="f", period=H1, unit_code=f"U{i}")
                               for i in range(50)], actor="a")
        reader.join()
    assert errors == []
