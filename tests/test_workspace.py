"""cchc_sheets.workspace: init, finding it like git, its settings, stored evidence, one command at a time."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cchc_sheets.forms import packs_root
from cchc_sheets.ledger import SCHEMA_VERSION, Ledger
from cchc_sheets.messages import CchcError
from cchc_sheets.model import FileReport
from cchc_sheets.workspace import (LEDGER_FILE, SETTINGS_FILE, Workspace, find_workspace, init_workspace,
                                   open_workspace)


@pytest.fixture
def workspace(tmp_path, units_file):
    return init_workspace(tmp_path / "van-phong", "tuyen-truyen-cchc", units_file, sender="vp@ubnd.example.org",
                          smtp_host="smtp.example.org", imap_host="imap.example.org")


def test_init_writes_settings_units_files_and_ledger(workspace, units_file):
    root = workspace.root
    assert sorted(p.name for p in root.iterdir()) == ["cchc.yaml", "files", "ledger.sqlite", "units.csv"]
    settings = yaml.safe_load((root / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert settings == {"cchc_workspace": 1, "form": "tuyen-truyen-cchc", "units": "units.csv",
                        "sender": "vp@ubnd.example.org", "smtp_host": "smtp.example.org",
                        "imap_host": "imap.example.org"}
    assert (root / "units.csv").read_bytes() == Path(units_file).read_bytes()
    assert (workspace.form.id, len(workspace.units)) == ("tuyen-truyen-cchc", 3)
    assert workspace.ledger.schema_version() == SCHEMA_VERSION and workspace.ledger_url.endswith(LEDGER_FILE)
    workspace.close()


def test_a_form_pack_elsewhere_is_kept_as_a_relative_path(tmp_path, units_file):
    pack = packs_root() / "tuyen-truyen-cchc"
    ws = init_workspace(tmp_path / "ws", pack, units_file)
    assert not Path(ws.settings.form).is_absolute()
    assert (ws.root / ws.settings.form).resolve() == pack.resolve()
    assert ws.form.id == "tuyen-truyen-cchc"


def test_init_refuses_a_non_empty_folder_and_a_password(tmp_path, units_file):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "ghi-chu.txt").write_text("x")
    with pytest.raises(CchcError) as refused:
        init_workspace(taken, "tuyen-truyen-cchc", units_file)
    assert refused.value.code == "workspace-not-empty"
    assert sorted(p.name for p in taken.iterdir()) == ["ghi-chu.txt"]

    with pytest.raises(CchcError) as password:
        init_workspace(tmp_path / "pg", "tuyen-truyen-cchc", units_file,
                       ledger_url="postgresql+psycopg://cchc:bi-mat@127.0.0.1/cchc")
    assert password.value.code == "workspace-password-in-url" and "bi-mat" not in password.value.params["url"]

    with pytest.raises(CchcError) as bad_form:
        init_workspace(tmp_path / "no-form", "khong-co-bieu-mau-nay", units_file)
    assert bad_form.value.code == "form-not-found"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".csv")) == ["taken"]


def test_an_empty_existing_folder_is_fine(tmp_path, units_file):
    (tmp_path / "empty").mkdir()
    assert init_workspace(tmp_path / "empty", "tuyen-truyen-cchc", units_file).root == (tmp_path / "empty").resolve()


def test_find_workspace_from_a_subfolder_and_by_environment(workspace, tmp_path, monkeypatch):
    inner = workspace.root / "files" / "ab"
    inner.mkdir(parents=True)
    assert find_workspace(inner).root == workspace.root
    monkeypatch.chdir(inner)
    assert find_workspace().root == workspace.root
    assert find_workspace(tmp_path) is None                     # outside: everything works as today

    monkeypatch.setenv("CCHC_WORKSPACE", str(workspace.root))
    assert find_workspace(tmp_path).root == workspace.root
    monkeypatch.setenv("CCHC_WORKSPACE", str(tmp_path))
    with pytest.raises(CchcError) as missing:
        find_workspace()
    assert missing.value.code == "workspace-not-found"


def test_settings_with_unknown_keys_or_a_password_field_are_refused(workspace):
    path = workspace.root / SETTINGS_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "smtp_password: bi-mat\n", encoding="utf-8")
    with pytest.raises(CchcError) as refused:
        open_workspace(workspace.root)
    assert (refused.value.code, refused.value.params["reason"]) == ("workspace-settings-invalid", "smtp_password")
    path.write_text("- not a mapping\n", encoding="utf-8")
    with pytest.raises(CchcError) as broken:
        Workspace(workspace.root)
    assert broken.value.code == "workspace-settings-invalid"


def test_store_file_is_content_addressed_and_leaves_the_input_alone(workspace, tmp_path):
    source = tmp_path / "Bao cao XA.XLSX"
    source.write_bytes(b"PK\x03\x04 a return")
    before = (source.read_bytes(), source.stat().st_mtime_ns)
    stored = workspace.store_file(source)
    digest = hashlib.sha256(before[0]).hexdigest()
    assert stored == workspace.root / "files" / digest[:2] / f"{digest}.xlsx"
    assert stored.read_bytes() == before[0] and (source.read_bytes(), source.stat().st_mtime_ns) == before
    assert workspace.store_file(source) == stored                     # once per content
    assert workspace.relative(stored) == f"files/{stored.name[:2]}/{stored.name}"
    assert not [p for p in stored.parent.iterdir() if p.name.endswith(".part")]


HOLDER = r"""
import sys, time
from cchc_sheets.workspace import open_workspace
with open_workspace(sys.argv[1]).exclusive("cchc merge"):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_a_second_command_is_refused_while_one_holds_the_workspace(workspace):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(workspace.root)], env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(CchcError) as busy:
            with workspace.exclusive("cchc status", wait=0.2):
                pass
        assert busy.value.code == "workspace-busy" and "cchc merge" in busy.value.params["holder"]
    finally:
        holder.communicate("done\n", timeout=30)
    with workspace.exclusive("cchc status"):                           # free again once it ended
        pass


def test_a_killed_holder_leaves_the_workspace_free(workspace):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(workspace.root)], env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == "holding"
    holder.kill()
    holder.wait()
    with workspace.exclusive("cchc status", wait=2):
        pass


def test_the_workspace_ledger_is_the_sqlite_file_inside_it(workspace):
    with Ledger.open(workspace.ledger_url) as ledger:
        assert ledger.is_sqlite and ledger.schema_version() == SCHEMA_VERSION
    assert (workspace.root / LEDGER_FILE).read_bytes()[:16] == b"SQLite format 3\x00"


def test_record_keeps_the_evidence_and_the_return(workspace, tmp_path, form, units, period):
    from builders import CLEAN_VALUES, make_return

    from cchc_sheets.office import Office
    path = make_return(tmp_path / "hop-thu", form, units.units[0], period, CLEAN_VALUES)
    report = Office(form, units=units, period=period, jobs=1, cache=False).validate([path]).files[0]
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    record = workspace.record(report, actor="cán bộ A", message_id="<1@xa>")
    other = tmp_path / "anh.png"
    other.write_bytes(b"\x89PNG not a return")
    assert workspace.record(FileReport(path=str(other)), actor="cán bộ A") is None
    path.unlink()                                                     # the inbox is cleaned: evidence stays
    stored = workspace.root / "files" / report.sha256[:2] / f"{report.sha256}.xlsx"
    assert (record.counted, record.unit_code, stored.is_file()) == (True, units.units[0].code, True)
    with sqlite3.connect(workspace.root / LEDGER_FILE) as raw:
        files = raw.execute("SELECT first_path, stored_path, message_id FROM files ORDER BY recorded_at").fetchall()
    raw.close()
    assert [(Path(a).name, b.split("/")[0], c) for a, b, c in files] == [
        (path.name, "files", "<1@xa>"), ("anh.png", "files", None)]
    workspace.close()


def test_record_many_keeps_every_copy_and_records_the_batch_in_one_transaction(workspace, tmp_path, form, units,
                                                                               period, monkeypatch):
    from builders import CLEAN_VALUES, make_return

    from cchc_sheets.ledger import store
    from cchc_sheets.office import Office
    paths = [make_return(tmp_path / "hop-thu", form, unit, period, CLEAN_VALUES) for unit in units.units[:2]]
    reports = Office(form, units=units, period=period, jobs=1, cache=False).validate(paths).files
    other = tmp_path / "anh.png"
    other.write_bytes(b"\x89PNG not a return")
    batch = [*reports, FileReport(path=str(other))]

    settled = store._settle
    calls = []

    def fail_on_second(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk gone")
        return settled(*args)

    monkeypatch.setattr(store, "_settle", fail_on_second)
    with pytest.raises(RuntimeError):
        workspace.record_many(batch, actor="web")
    assert workspace.ledger.returns(form.id, period.code) == []          # all or none
    monkeypatch.setattr(store, "_settle", settled)

    records = workspace.record_many(batch, actor="web")
    assert [(r.unit_code, r.counted) if r else None for r in records] == [
        (reports[0].unit_code, True), (reports[1].unit_code, True), None]
    assert sorted(r.unit_code for r in records[:2]) == [u.code for u in units.units[:2]]
    assert [r.is_new for r in workspace.record_many(reports, actor="web")] == [False, False]   # the same files again
    with sqlite3.connect(workspace.root / LEDGER_FILE) as raw:
        files = raw.execute("SELECT first_path, stored_path FROM files ORDER BY first_path").fetchall()
    raw.close()
    assert sorted(Path(a).name for a, _ in files) == sorted(p.name for p in [*paths, other])
    assert all((workspace.root / b).is_file() for _, b in files)
    workspace.close()
