"""The CLI face of the workspace and ledger: init, recording by validate/merge, status, history, audit,
lock/unlock, backup; outside a workspace every command behaves as before."""
from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime

import pytest
from builders import CLEAN_VALUES, make_return
from openpyxl import load_workbook

import cchc_sheets.office
from cchc_sheets.office import Office
from cchc_sheets.workspace import open_workspace

H1 = "2020-H1"


@pytest.fixture
def ws(tmp_path, units_file, run_cli):
    root = tmp_path / "van-phong"
    assert run_cli("init", root, "--units", units_file, "--from", "vp@ubnd.example.org").exit_code == 0
    return root


@pytest.fixture
def cchc(ws, run_cli):
    """``cchc --workspace WS ARGS``."""
    return lambda *args: run_cli("--workspace", ws, *args)


def _return(folder, form, units, period, code, mtime, **values):
    unit = next(u for u in units.units if u.code == code)
    path = make_return(folder, form, unit, period, {**CLEAN_VALUES, **values}, name=f"{code}-{mtime}.xlsx")
    os.utime(path, (mtime, mtime))      # the file time is when it was received (no mail here)
    return path


JUNE_10, JUNE_15, JULY_1 = 1591750800, 1592182800, 1593565200


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _totals(ws, form, units, period):
    with open_workspace(ws) as workspace:
        return Office(form, units=units, period=period, workspace=workspace).ledger_consolidation().totals


def test_init_then_commands_take_their_defaults_from_the_workspace(ws, cchc, run_cli, monkeypatch):
    assert sorted(p.name for p in ws.iterdir()) == ["cchc.yaml", "files", "ledger.sqlite", "units.csv"]
    assert cchc("template", "--period", H1).exit_code == 0
    assert len(list((ws / "templates" / H1).glob("*.xlsx"))) == 3
    monkeypatch.chdir(ws / "templates")                 # found from a folder inside, like git
    status = _json(run_cli("status", "--period", H1, "--json"))
    assert (status["expected"], status["submitted"], status["locked"]) == (3, 0, False)


def test_returns_corrections_lock_a_late_return_and_unlock(ws, cchc, tmp_path, form, units, period):
    inbox = tmp_path / "hop-thu"
    first = _return(inbox, form, units, period, "T01", JUNE_10)
    _return(inbox, form, units, period, "T02", JUNE_15)
    assert cchc("validate", first).exit_code == 0
    assert cchc("merge", "--period", H1, inbox).exit_code == 0
    assert (ws / "merged" / f"{H1}.xlsx").is_file()
    assert _totals(ws, form, units, period)["05.1"] == 1200

    corrected = _return(tmp_path / "sua", form, units, period, "T01", JUNE_15 + 60, **{"05.1": 650})
    assert cchc("merge", "--period", H1, corrected).exit_code == 0
    history = _json(cchc("history", "T01", "--json"))
    assert [(h["seq"], h["counted"], h["why"]) for h in history] == [(1, False, "superseded"), (2, True, "newest")]
    assert history[1]["differences"] == [{"cell": "05.1", "old": 600, "new": 650}]
    assert history[1]["values"]["05.1"] == 650

    status = _json(cchc("status", "--period", H1, "--json"))
    assert (status["expected"], status["submitted"], status["on_time"]) == (3, 2, 2)
    assert status["completeness"] == pytest.approx(2 / 3, abs=1e-4)
    rows = {u["code"]: u for u in status["units"]}
    assert [(rows[c]["versions"], rows[c]["counted"], rows[c]["on_time"]) for c in ("T01", "T02", "T03")] == [
        (2, True, True), (1, True, True), (0, False, None)]

    assert cchc("lock", H1, "--by", "Trưởng phòng", "--note", "gửi tỉnh").exit_code == 0
    locked_book = ws / "merged" / f"{H1}.xlsx"
    with open_workspace(ws) as workspace:
        lock = workspace.ledger.locked(form.id, H1)
    import hashlib
    assert lock.workbook_sha256 == hashlib.sha256(locked_book.read_bytes()).hexdigest()
    assert lock.totals["totals"]["05.1"] == 1250 and sorted(lock.totals["returns"]) == ["T01", "T02"]
    kept = ws / "files" / lock.workbook_sha256[:2] / f"{lock.workbook_sha256}.xlsx"
    assert kept.read_bytes() == locked_book.read_bytes()                # the workbook reported upward, kept
    assert cchc("lock", H1, "--by", "Người khác").exit_code == 2        # locked already: nothing rewritten
    assert hashlib.sha256(locked_book.read_bytes()).hexdigest() == lock.workbook_sha256

    late = _return(tmp_path / "muon", form, units, period, "T03", JULY_1, **{"05.1": 600})
    again = _return(tmp_path / "muon", form, units, period, "T02", JULY_1, **{"05.1": 900})
    assert cchc("merge", "--period", H1, late, again).exit_code == 0
    rows = {u["code"]: u for u in _json(cchc("status", "--period", H1, "--json"))["units"]}
    assert [(rows[c]["status"], rows[c]["counted"], rows[c]["after_lock"]) for c in ("T02", "T03")] == [
        ("valid", True, 1), ("received-after-lock", False, 1)]
    assert _totals(ws, form, units, period) == lock.totals["totals"]         # the locked numbers, exactly
    sheet = load_workbook(ws / "merged" / f"{H1}.xlsx", read_only=True)["Tình hình nộp"]
    table = list(sheet.iter_rows(values_only=True))
    # the two late files in the file list, and T03 (nothing else sent) in the unit table, not "Chưa nộp"
    assert sum(row.count("Nhận sau khi khóa sổ (chưa tính)") for row in table) == 3
    t03 = next(row for row in table[6:] if row[1] == "T03")
    assert (t03[4], t03[9]) == ("Có", "Nhận sau khi khóa sổ (chưa tính)")

    refused = cchc("unlock", H1, "--by", "Trưởng phòng")
    assert refused.exit_code == 2 and "--reason" in refused.stderr
    assert cchc("unlock", H1, "--by", "Trưởng phòng", "--reason", "xã bổ sung").exit_code == 0
    rows = {u["code"]: u for u in _json(cchc("status", "--period", H1, "--json"))["units"]}
    assert [(rows[c]["counted"], rows[c]["after_lock"], rows[c]["on_time"]) for c in ("T02", "T03")] == [
        (True, 0, False), (True, 0, False)]
    assert cchc("merge", "--period", H1).exit_code == 0                     # from the ledger, no paths
    assert _totals(ws, form, units, period)["05.1"] == 650 + 900 + 600

    events = _json(cchc("audit", "--period", H1, "--json"))
    kinds = [e["kind"] for e in events]
    assert kinds[:6] == ["received", "validated", "counted", "received", "validated", "counted"]
    assert kinds.count("locked") == kinds.count("unlocked") == 1
    assert kinds.index("locked") < kinds.index("unlocked")
    after_lock = kinds[kinds.index("locked"):kinds.index("unlocked") + 1]
    assert after_lock == ["locked", "received", "validated", "received", "validated", "unlocked"]
    assert kinds[kinds.index("unlocked") + 1:].count("counted") == 2
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert {e["actor"] for e in events if e["kind"] in ("locked", "unlocked")} == {"Trưởng phòng"}

    copy = tmp_path / "sao-luu.sqlite"
    assert cchc("backup", copy).exit_code == 0
    assert copy.read_bytes()[:16] == b"SQLite format 3\x00"
    counts = {}
    for db in (copy, ws / "ledger.sqlite"):
        with sqlite3.connect(db) as raw:
            counts[db.name] = [raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                               for t in ("returns", "events", "files", "locks")]
        raw.close()
    assert counts["sao-luu.sqlite"] == counts["ledger.sqlite"] == [5, len(_json(cchc("audit", "--json"))), 5, 1]
    assert len(list((ws / "files").rglob("*.xlsx"))) == 5 + 1              # the evidence once, the locked book


def _sha256(path):
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


class LockedOnJuly2(datetime):
    """``datetime`` whose ``now`` is 2 July 2020, 08:30: a lock made long before the merge that rebuilds it."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2020, 7, 2, 8, 30, tzinfo=tz)


def test_a_locked_workbook_lost_is_rebuilt_by_merge_byte_for_byte(ws, cchc, tmp_path, form, units, period,
                                                                  monkeypatch):
    inbox = tmp_path / "hop-thu"
    _return(inbox, form, units, period, "T01", JUNE_10, **{"05.1": 650})
    _return(inbox, form, units, period, "T02", JUNE_15)
    _return(tmp_path / "cu", form, units, period, "T02", JUNE_10, **{"05.1": 1})      # an older version, superseded
    assert cchc("merge", "--period", H1, inbox, tmp_path / "cu").exit_code == 0
    with monkeypatch.context() as patch:
        patch.setattr(cchc_sheets.office, "datetime", LockedOnJuly2)     # locked long before this merge
        assert cchc("lock", H1, "--by", "Trưởng phòng").exit_code == 0
    with open_workspace(ws) as workspace:
        lock = workspace.ledger.locked(form.id, H1)
    assert lock.generated_at.isoformat() == "2020-07-02T01:30:00+00:00"
    assert lock.deadline == period.default_deadline
    book, kept = ws / "merged" / f"{H1}.xlsx", ws / "files" / lock.workbook_sha256[:2] / f"{lock.workbook_sha256}.xlsx"
    book.unlink()
    kept.unlink()                                                         # the copy reported upward, lost

    assert cchc("merge", "--period", H1).exit_code == 0
    assert _sha256(book) == lock.workbook_sha256                          # the same bytes, the same stamp
    assert _sha256(kept) == lock.workbook_sha256                          # and the evidence kept again
    assert _totals(ws, form, units, period) == lock.totals["totals"]
    summary = load_workbook(book, read_only=True, data_only=True)["Tổng hợp"]
    assert lock.totals["totals"]["05.1"] == 650 + 600
    assert 650 + 600 in [cell for row in summary.iter_rows(values_only=True) for cell in row]

    # A return after the lock: the merge lists it on Tình hình nộp (so its bytes differ) and counts it not;
    # the workbook reported upward, lost again, is rebuilt as at the lock, byte for byte.
    late = _return(tmp_path / "muon", form, units, period, "T03", JULY_1, **{"05.1": 9})
    kept.unlink()
    assert cchc("merge", "--period", H1, late).exit_code == 0
    assert _sha256(book) != lock.workbook_sha256 and _totals(ws, form, units, period) == lock.totals["totals"]
    assert _sha256(kept) == lock.workbook_sha256


def test_a_lock_made_before_schema_2_takes_its_time_from_the_kept_workbook(ws, cchc, tmp_path, form, units, period,
                                                                         monkeypatch):
    _return(tmp_path / "in", form, units, period, "T01", JUNE_10)
    assert cchc("merge", "--period", H1, tmp_path / "in").exit_code == 0
    with monkeypatch.context() as patch:
        patch.setattr(cchc_sheets.office, "datetime", LockedOnJuly2)
        assert cchc("lock", H1, "--by", "Trưởng phòng").exit_code == 0
    with sqlite3.connect(ws / "ledger.sqlite") as raw:                 # the ledger as schema 1 left it
        for column in ("generated_at", "deadline", "rebuild"):
            raw.execute(f"ALTER TABLE locks DROP COLUMN {column}")
        raw.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    raw.close()
    book = ws / "merged" / f"{H1}.xlsx"
    book.unlink()
    assert cchc("merge", "--period", H1).exit_code == 0                 # migrates, then rebuilds
    with open_workspace(ws) as workspace:
        lock = workspace.ledger.locked(form.id, H1)
        assert (workspace.ledger.schema_version(), lock.generated_at) == (2, None)
    assert _sha256(book) == lock.workbook_sha256                          # the stamp read from the kept copy


def test_draft_in_a_workspace_merges_from_the_ledger_first(ws, cchc, tmp_path, form, units, period):
    _return(tmp_path / "in", form, units, period, "T01", JUNE_10)
    assert cchc("validate", tmp_path / "in").exit_code == 0
    assert cchc("draft", "--period", H1).exit_code == 0
    assert (ws / "merged" / f"{H1}.xlsx").is_file() and (ws / "drafts" / f"{H1}.docx").is_file()


def test_outside_a_workspace_the_old_rules_hold(run_cli, tmp_path, monkeypatch, units_file):
    monkeypatch.chdir(tmp_path)
    assert run_cli("template", "--period", H1, "--out", tmp_path / "t").exit_code == 2      # --units needed
    assert run_cli("merge", "--period", H1, "--units", units_file, tmp_path).exit_code == 2  # --out needed
    assert run_cli("draft", tmp_path / "x.xlsx").exit_code == 2
    assert run_cli("status").exit_code == 2
    assert not (tmp_path / "ledger.sqlite").exists()


def test_status_with_no_returns_and_no_period_says_so(cchc):
    assert cchc("status").exit_code == 2
    assert cchc("unlock", H1, "--by", "A", "--reason", "x").exit_code == 2                 # not locked


def test_collect_in_a_workspace_records_each_file_with_its_mail(ws, cchc, tmp_path, form, units, period):
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["Subject"] = "Xã Hai <t02@example.org>", "Báo cáo 6 tháng"
    message["Date"], message["Message-ID"] = "Mon, 15 Jun 2020 09:00:00 +0700", "<t02-1@xa.example.org>"
    message.set_content("Kính gửi")
    data = _return(tmp_path / "src", form, units, period, "T02", JUNE_10).read_bytes()
    message.add_attachment(data, maintype="application", filename="bao-cao.xlsx",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    (tmp_path / "thu").mkdir()
    (tmp_path / "thu" / "1.eml").write_bytes(bytes(message))
    assert cchc("collect", tmp_path / "thu").exit_code == 0
    assert (ws / "inbox" / "received.csv").is_file()
    [record] = _json(cchc("history", "T02", "--json"))
    assert (record["received_at"], record["counted"]) == ("2020-06-15T09:00:00+07:00", True)
    with sqlite3.connect(ws / "ledger.sqlite") as raw:
        assert raw.execute("SELECT message_id, sender FROM files").fetchall() == [
            ("<t02-1@xa.example.org>", "Xã Hai <t02@example.org>")]
    raw.close()
    assert cchc("collect", tmp_path / "thu").exit_code == 0              # nothing new: nothing recorded twice
    assert len(_json(cchc("history", "T02", "--json"))) == 1


def test_status_imports_neither_the_form_pack_nor_the_readers(tmp_path):
    """``cchc status`` stays fast on a big ledger: the workspace module loads no form pack code."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, cchc_sheets.workspace, cchc_sheets.commands.workspace; "
            "print(sorted(m for m in sys.modules if m.startswith(('cchc_sheets.forms.checker', 'cchc_sheets.reading', "
            "'cchc_sheets.merged_workbook', 'openpyxl'))))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"


def test_next_period_compares_with_the_ledger_and_flags_a_unit_far_from_its_own_history(
        ws, cchc, tmp_path, form, units):
    from cchc_sheets.periods import parse_period

    h1, h2 = parse_period(H1), parse_period("2020-H2")
    for code in ("T01", "T02"):
        _return(tmp_path / "h1", form, units, h1, code, JUNE_10)
    assert cchc("merge", "--period", H1, tmp_path / "h1").exit_code == 0
    _return(tmp_path / "h2", form, units, h2, "T01", JUNE_10 + 180 * 86400, **{"05.1": 6000})
    _return(tmp_path / "h2", form, units, h2, "T02", JUNE_10 + 180 * 86400, **{"05.1": 610})
    result = cchc("validate", "--json", tmp_path / "h2")
    assert result.exit_code == 0
    findings = {f["unit_code"]: [(x["code"], x["indicator"], x["value"]) for x in f["findings"]]
                for f in json.loads(result.stdout)["files"]}
    assert findings["T01"] == [("outlier-own-history", "05.1", 6000)] and findings["T02"] == []
    [flagged] = [x for f in json.loads(result.stdout)["files"] for x in f["findings"]]
    assert flagged["params"]["history"] == "2020-H1: 600"
    long = tmp_path / "h2.csv"
    assert cchc("merge", "--period", "2020-H2", "--long", long).exit_code == 0        # no --previous
    import csv
    rows = {(r["unit_code"], r["indicator_code"]): r for r in csv.DictReader(long.open(encoding="utf-8-sig"))}
    assert [(rows[("T01", "05.1")]["value"], rows[("T01", "05.1")]["previous_value"])] == [("6000", "600")]
    (ws / "merged" / f"{H1}.xlsx").unlink()                    # the draft merges the earlier period again
    assert cchc("draft", "--period", "2020-H2", "--out", tmp_path / "h2.md").exit_code == 0
    assert (ws / "merged" / f"{H1}.xlsx").is_file() and (ws / "merged" / "2020-H2.xlsx").is_file()
    assert h1.label in (tmp_path / "h2.md").read_text(encoding="utf-8")


def test_remind_dry_run_writes_mail_only_for_units_missing_or_with_errors(ws, cchc, tmp_path, form, units, period):
    import email

    _return(tmp_path / "in", form, units, period, "T01", JUNE_10)
    _return(tmp_path / "in", form, units, period, "T02", JUNE_10, **{"01": "mười hai"})     # an error
    assert cchc("merge", "--period", H1, tmp_path / "in").exit_code == 0
    assert cchc("remind", "--period", H1, "--dry-run").exit_code == 2                       # --out needed
    assert cchc("remind", "--period", H1, "--dry-run", "--out", tmp_path / "thu").exit_code == 0
    drafts = sorted((tmp_path / "thu").glob("*.eml"))
    recipients = sorted(email.message_from_bytes(p.read_bytes())["To"].split("<")[-1].rstrip(">") for p in drafts)
    assert recipients == ["t02@example.org", "t03@example.org"]
    reminded = [(e["unit"], e["detail"]["dry_run"]) for e in _json(cchc("audit", "--json")) if e["kind"] == "reminded"]
    assert reminded == [("T02", True), ("T03", True)]


def test_send_feedback_dry_run_attaches_each_marked_up_copy(ws, cchc, tmp_path, form, units, period):
    import email

    _return(tmp_path / "in", form, units, period, "T01", JUNE_10)
    _return(tmp_path / "in", form, units, period, "T02", JUNE_10, **{"01": "mười hai"})
    assert cchc("merge", "--period", H1, tmp_path / "in").exit_code == 0
    (tmp_path / "in").rename(tmp_path / "da-xoa")                      # the inbox is cleaned: evidence stays
    assert cchc("send", "--feedback", "--period", H1, "--dry-run", "--out", tmp_path / "thu").exit_code == 0
    [draft] = sorted((tmp_path / "thu").glob("*.eml"))
    message = email.message_from_bytes(draft.read_bytes())
    assert message["To"].endswith("<t02@example.org>")
    [attachment] = [p for p in message.walk() if p.get_filename()]
    marked = load_workbook(__import__("io").BytesIO(attachment.get_payload(decode=True)))
    assert "Báo cáo" in marked.sheetnames and len(marked.sheetnames) > 2
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    fixes = [line[2:].split(":")[0] for line in body.decode("utf-8").splitlines() if line.startswith("- ")]
    assert fixes == ["Báo cáo!D9"]                                      # each error with its sheet and cell
    mailed = [(e["unit"], e["detail"]["feedback"]) for e in _json(cchc("audit", "--json")) if e["kind"] == "mailed"]
    assert mailed == [("T02", True)]


def test_send_without_manifest_or_feedback_is_a_usage_error(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("send", "--dry-run", "--out", tmp_path / "x").exit_code == 2


@pytest.mark.postgres
def test_a_workspace_on_a_postgresql_ledger(request, monkeypatch, tmp_path, units_file, run_cli, form, units,
                                            period):
    from test_ledger import _postgres_database

    databases = _postgres_database(request.getfixturevalue("postgres_url"))
    url = next(databases)
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if parsed.password:                                  # cchc.yaml never holds one: PGPASSWORD does
            monkeypatch.setenv("PGPASSWORD", parsed.password)
            url = parsed.set(password=None).render_as_string(hide_password=False)
        root = tmp_path / "tinh"
        assert run_cli("init", root, "--units", units_file, "--ledger", url).exit_code == 0
        assert sorted(p.name for p in root.iterdir()) == ["cchc.yaml", "files", "units.csv"]
        _return(tmp_path / "in", form, units, period, "T01", JUNE_10)
        assert run_cli("--workspace", root, "merge", "--period", H1, tmp_path / "in").exit_code == 0
        status = _json(run_cli("--workspace", root, "status", "--json"))
        assert (status["period"], status["submitted"], status["expected"]) == (H1, 1, 3)
        assert run_cli("--workspace", root, "lock", H1, "--by", "A").exit_code == 0
        assert run_cli("--workspace", root, "backup", tmp_path / "b.sqlite").exit_code == 2   # pg_dump's job
    finally:
        databases.close()


def test_a_merge_killed_part_way_leaves_a_sound_ledger_and_a_rerun_completes_it(tmp_path, run_cli, form, period):
    """Issue 15's check: a merge of 2,000 returns killed with SIGKILL part-way, then the same merge
    again: SQLite's integrity check passes, no return missing or counted twice, totals equal our sums."""
    import signal
    import subprocess
    import sys
    import time
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path

    from builders import bench_module

    from cchc_sheets import layout as L
    from cchc_sheets.units import load_units

    count = 2000
    units_csv = tmp_path / "xa.csv"
    units_csv.write_text("code,name,parent,email\n" + "".join(
        f"X{i:04d},Xã Số {i},UBND huyện Thử,x{i}@example.org\n" for i in range(count)), encoding="utf-8")
    units = load_units(units_csv)
    root = tmp_path / "ws"
    assert run_cli("init", root, "--units", units_csv).exit_code == 0
    assert run_cli("--workspace", root, "template", "--period", H1).exit_code == 0
    bench, layout = bench_module(), L.Layout(form)
    templates = bench.templates_by_unit(root / "templates" / H1, [u.code for u in units.units])
    work = [(str(templates[unit.code]), str(tmp_path / "in" / f"{unit.code}.xlsx"),
             {L.MAIN_SHEET: {layout.value_cell(code): value for code, value in {**CLEAN_VALUES, "05.1": 600 + i}.items()}},
             JUNE_10 + i) for i, unit in enumerate(units.units)]
    (tmp_path / "in").mkdir()
    with ProcessPoolExecutor(max_workers=2) as pool:               # the benchmark's writer: XML edits, not openpyxl
        assert len(list(pool.map(bench._fill_one, work, chunksize=100))) == count

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    merge = [sys.executable, "-m", "cchc_sheets", "--workspace", str(root), "merge", "--period", H1,
             str(tmp_path / "in")]
    child = subprocess.Popen(merge, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    recorded = 0
    deadline = time.monotonic() + 240
    while child.poll() is None and time.monotonic() < deadline:
        with sqlite3.connect(root / "ledger.sqlite", timeout=5) as raw:
            recorded = raw.execute("SELECT count(*) FROM returns").fetchone()[0]
        raw.close()
        if recorded >= 100:
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL and 100 <= recorded < count          # killed part-way
    with open_workspace(root) as workspace:
        assert workspace.ledger.integrity_problems() == []
    with sqlite3.connect(root / "ledger.sqlite") as raw:                            # what was recorded is whole
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("SELECT count(*) FROM returns WHERE counted").fetchone()[0] == \
            raw.execute("SELECT count(DISTINCT unit_code) FROM returns").fetchone()[0]
    raw.close()
    assert run_cli("--workspace", root, "merge", "--period", H1, tmp_path / "in").exit_code == 0
    with sqlite3.connect(root / "ledger.sqlite") as raw:
        per_unit = raw.execute("SELECT unit_code, count(*), sum(counted) FROM returns GROUP BY unit_code").fetchall()
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    raw.close()
    assert len(per_unit) == count and {(n, c) for _, n, c in per_unit} == {(1, 1)}
    totals = _totals(root, form, units, period)
    assert (totals["01"], totals["05.1"]) == (12 * count, sum(600 + i for i in range(count)))


def test_screen_forms_of_status_history_and_audit(ws, cchc, run_cli, tmp_path, form, units, period):
    _return(tmp_path / "in", form, units, period, "T01", JUNE_10)
    _return(tmp_path / "sua", form, units, period, "T01", JUNE_15, **{"05.1": 650})
    assert cchc("merge", "--period", H1, tmp_path / "in").exit_code == 0
    assert cchc("validate", tmp_path / "sua").exit_code == 0
    for args in (("status",), ("--lang", "en", "status", "--period", H1), ("history", "T01"), ("history", "T09"),
                 ("audit",), ("audit", "--period", "2020-H2")):
        result = cchc(*args)
        assert result.exit_code == 0 and result.output.strip(), args
    assert len(cchc("history", "T01").output.strip().splitlines()) == 3          # two returns, one difference
    assert run_cli("--workspace", tmp_path / "in", "status").exit_code == 2      # not a workspace


def test_every_version_of_a_unit_outside_the_list_stays_listed(ws, cchc, tmp_path, form, units, period):
    """A unit not in the list sent twice: the merge from the ledger lists both files, none dropped."""
    from cchc_sheets.units import Unit

    stranger = Unit(code="X99", name="Xã Lạ", parent=units.units[0].parent)
    for name, mtime in (("X99-lan-1.xlsx", JUNE_10), ("X99-lan-2.xlsx", JUNE_15)):
        path = make_return(tmp_path / "in", form, stranger, period, {**CLEAN_VALUES, "01": mtime % 7}, name=name)
        os.utime(path, (mtime, mtime))
    _return(tmp_path / "in", form, units, period, "T01", JUNE_10)
    assert cchc("merge", "--period", H1, tmp_path / "in").exit_code in (0, 1)
    with open_workspace(ws) as workspace:
        inputs = Office(form, units=units, period=period, workspace=workspace).ledger_consolidation().inputs
    by_name = {os.path.basename(i.path): i.disposition for i in inputs}
    assert by_name["X99-lan-1.xlsx"] == "superseded" and by_name["X99-lan-2.xlsx"] != "superseded"
    assert sum(1 for name in by_name if name.startswith("X99")) == 2
