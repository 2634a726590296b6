"""Special files and permissions (issue 18): never opened for reading, each a clear finding, nothing skipped."""
from __future__ import annotations

import errno
import json
import multiprocessing
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from builders import CLEAN_VALUES, make_return
from cchc_sheets.batch import validate_paths
from cchc_sheets.reading import find_spreadsheets, read_workbook
from cchc_sheets.reading import reader as reader_module

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
forked = pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                            reason="the planted failure reaches the reading worker through fork")


@pytest.fixture(autouse=True)
def _never_hang():
    """A FIFO opened for reading would block forever: fail the test instead."""
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("blocked: a special file was opened for reading"))
    signal.alarm(60)
    yield
    signal.alarm(0)


def codes(report) -> list[str]:
    return [finding.code for finding in report.findings]


def test_a_fifo_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "bao-cao.xlsx"
    os.mkfifo(fifo)
    raw = read_workbook(fifo)
    assert raw.problem.code == "not-a-regular-file" and raw.problem.params["kind"].code == "detail-kind-fifo"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_link_to_a_device_is_not_a_regular_file(tmp_path, device):
    link = tmp_path / "bao-cao.xlsx"
    link.symlink_to(device)
    raw = read_workbook(link)
    assert raw.problem.code == "not-a-regular-file" and raw.problem.params["kind"].code == "detail-kind-device"


def test_a_socket_is_not_a_regular_file():
    with tempfile.TemporaryDirectory() as short:          # a socket path must stay under 108 bytes
        path = Path(short) / "s.xlsx"
        with socket.socket(socket.AF_UNIX) as listening:
            listening.bind(str(path))
            assert read_workbook(path).problem.code == "not-a-regular-file"


def test_a_folder_walk_reports_special_files_beside_the_good_returns(tmp_path, form, units, period):
    good = make_return(tmp_path, form, units.get("T01"), period, CLEAN_VALUES, name="tot.xlsx")
    os.mkfifo(tmp_path / "ong.xlsx")
    (tmp_path / "zero.xls").symlink_to("/dev/zero")
    (tmp_path / "gay.ods").symlink_to(tmp_path / "khong-co.ods")     # a broken link
    (tmp_path / "ghi-chu.txt").write_text("not a spreadsheet name: not taken from a folder")
    files, missing = find_spreadsheets([tmp_path])
    assert sorted(p.name for p in files) == ["gay.ods", "ong.xlsx", "tot.xlsx", "zero.xls"] and missing == []
    result = validate_paths([tmp_path], form, units=units, period=period, jobs=1, cache=False)
    by_name = {Path(report.path).name: report for report in result.files}
    assert by_name[good.name].status == "valid"
    assert codes(by_name["ong.xlsx"]) == codes(by_name["zero.xls"]) == ["not-a-regular-file"]
    assert by_name["gay.ods"].status == "unreadable"


def test_a_fifo_named_on_the_command_line_is_a_finding_not_a_missing_input(tmp_path, form, units, period):
    fifo = tmp_path / "ong.xlsx"
    os.mkfifo(fifo)
    result = validate_paths([fifo], form, units=units, period=period, jobs=1, cache=True)
    assert codes(result.files[0]) == ["not-a-regular-file"]


NOBODY = 65534
ROOT = Path(__file__).resolve().parents[1]
# Run as "nobody": root reads any file whatever its mode. The interpreter may live where nobody may not
# go (/root/.pyenv), so the child starts as root, reads a readable return once (every module the
# check needs is imported then), drops its privileges, and only then reads the locked files.
_AS_NOBODY = """
import json, os, sys
from pathlib import Path
from cchc_sheets.batch import validate_paths
from cchc_sheets.forms import load_form
from cchc_sheets.reading import read_workbook
form = load_form("tuyen-truyen-cchc")
folder, warm = Path(sys.argv[1]), Path(sys.argv[2])
validate_paths([warm], form, jobs=1, cache=False)
if os.geteuid() == 0:
    os.setgroups([])
    os.setgid({nobody})
    os.setuid({nobody})
result = validate_paths([folder], form, jobs=1, cache=False)
print(json.dumps({{"locked": read_workbook(folder / "khoa.xlsx").problem.code,
                  "walk": {{Path(r.path).name: [f.code for f in r.findings] for r in result.files}}}}))
"""


def _denied_as_nobody(folder: Path, warm: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _AS_NOBODY.format(nobody=NOBODY), str(folder), str(warm)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "CCHC_LANG": "vi"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _chmod_denies(path: Path) -> bool:
    """Whether a file of mode 000 is really unreadable here (not so as root, nor on some file systems)."""
    path.chmod(0)
    try:
        return not os.access(path, os.R_OK)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_an_unreadable_file_and_folder_are_permission_denied(tmp_path, form, units, period):
    # a folder "nobody" may traverse and list, holding a file and a folder of mode 000
    folder = Path(tempfile.mkdtemp(prefix="cchc-quyen-"))
    try:
        folder.chmod(0o755)
        locked = make_return(folder, form, units.get("T01"), period, CLEAN_VALUES, name="khoa.xlsx")
        if not AS_ROOT and not _chmod_denies(locked):
            pytest.skip("neither root (to run as nobody) nor on a file system where mode 000 denies reading")
        warm = make_return(tmp_path, form, units.get("T02"), period, CLEAN_VALUES, name="mo.xlsx")
        closed = folder / "dong"
        closed.mkdir()
        locked.chmod(0)
        closed.chmod(0)
        outcome = _denied_as_nobody(folder, warm)
        assert outcome["locked"] == "file-permission-denied"
        assert outcome["walk"]["khoa.xlsx"] == outcome["walk"]["dong"] == ["file-permission-denied"]
    finally:
        for path in folder.rglob("*") if folder.exists() else ():
            path.chmod(stat.S_IRWXU)
        shutil.rmtree(folder, ignore_errors=True)


def _denied(*args, **kwargs):
    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))


def test_permission_denied_simulated_in_process(tmp_path, form, units, period, monkeypatch):
    path = make_return(tmp_path, form, units.get("T01"), period, CLEAN_VALUES, name="khoa.xlsx")
    monkeypatch.setattr(reader_module, "open_for_reading", _denied)
    raw = read_workbook(path)
    assert raw.problem.code == "file-permission-denied" and raw.problem.severity == "error"
    assert "Excel" not in raw.problem.message("vi") and "Excel" not in raw.problem.message("en")


@forked
def test_permission_denied_simulated_through_the_batch(tmp_path, form, units, period, monkeypatch):
    """jobs=1 still reads in a (forked) worker: the planted failures reach it through fork."""
    path = make_return(tmp_path, form, units.get("T01"), period, CLEAN_VALUES, name="khoa.xlsx")
    closed = tmp_path / "dong"
    closed.mkdir()
    real_walk, real_access = os.walk, os.access

    def walk(top, onerror=None, **kwargs):
        for where, folders, names in real_walk(top, onerror=onerror, **kwargs):
            if Path(where) == closed:
                onerror(PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(closed)))
                folders[:] = []
                continue
            yield where, folders, names

    monkeypatch.setattr(reader_module, "open_for_reading", _denied)
    monkeypatch.setattr(os, "walk", walk)
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: Path(p) != closed and real_access(p, mode, **kw))
    result = validate_paths([tmp_path], form, units=units, period=period, jobs=1, cache=False)
    by_name = {Path(report.path).name: report for report in result.files}
    assert codes(by_name[path.name]) == codes(by_name["dong"]) == ["file-permission-denied"]
    assert by_name["dong"].status == "unreadable"
