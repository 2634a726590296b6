"""Fixtures shared by every test module. Feature-specific builders live in their own modules."""
from __future__ import annotations

import os
import shutil

import pytest
from click.testing import CliRunner

from cchc_sheets.cli import cli
from cchc_sheets.forms import load_form
from cchc_sheets.periods import parse_period
from cchc_sheets.units import load_units

UNITS_CSV = """code,name,parent,email,group
T01,Xã Thử Nghiệm Một,UBND tỉnh Thử Nghiệm,t01@example.org,Khu vực A
T02,Xã Thử Nghiệm Hai,UBND tỉnh Thử Nghiệm,t02@example.org,Khu vực A
T03,Phường Đông Hà,UBND tỉnh Thử Nghiệm,t03@example.org,Khu vực B
"""


@pytest.fixture(autouse=True)
def _vietnamese_messages(monkeypatch):
    """Every test starts in Vietnamese, whatever the developer's shell says."""
    monkeypatch.setenv("CCHC_LANG", "vi")
    monkeypatch.delenv("CCHC_PASSWORD", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _session_report_cache(tmp_path_factory):
    """Module and session fixtures (demo, bench, round trips) never touch the developer's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CCHC_CACHE_DIR", str(tmp_path_factory.mktemp("report-cache-session")))
        patch.delenv("CCHC_NO_CACHE", raising=False)
        yield


@pytest.fixture(autouse=True)
def _private_report_cache(monkeypatch, tmp_path_factory):
    """Each test gets its own report cache: none reads another's results."""
    monkeypatch.setenv("CCHC_CACHE_DIR", str(tmp_path_factory.mktemp("report-cache")))
    monkeypatch.delenv("CCHC_NO_CACHE", raising=False)


@pytest.fixture(scope="session")
def form():
    return load_form("tuyen-truyen-cchc")


@pytest.fixture(scope="session")
def period():
    return parse_period("2020-H1")


@pytest.fixture
def units_file(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    return path


@pytest.fixture
def units(units_file):
    return load_units(units_file)


@pytest.fixture
def run_cli():
    """Run ``cchc ARGS`` in-process; returns the click Result (exit_code, output, stderr)."""

    def run(*args: str, input: str | None = None):
        runner = CliRunner()
        return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


def require_tool(*names: str) -> str:
    """The first of ``names`` on PATH; the test is skipped when none is, but fails under CI=true."""
    path = next((found for found in map(shutil.which, names) if found), None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{names[0]} is required under CI=true but is not installed")
        pytest.skip(f"{names[0]} is not installed")
    return path


@pytest.fixture(scope="session")
def soffice():
    """Path to LibreOffice; skipped when missing, except under CI=true where it must exist."""
    return require_tool("soffice", "libreoffice")


# --------------------------------------------------------------------------- PostgreSQL

def _start_private_postgres():
    """A private PostgreSQL cluster on loopback in a temporary folder (DATABASES.md): (url, stop)."""
    import glob
    import subprocess
    import tempfile

    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        return None
    bin_dir = os.path.dirname(binaries[-1])
    folder = tempfile.mkdtemp(prefix="cchc-pg.")
    as_root = os.geteuid() == 0          # initdb refuses root: run it as the package's postgres user

    def run(command: str) -> None:
        argv = ["su", "postgres", "-s", "/bin/bash", "-c", command] if as_root else ["bash", "-c", command]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    if as_root:
        shutil.chown(folder, "postgres", "postgres")
    os.chmod(folder, 0o700)
    port = 55432 + os.getpid() % 1000
    run(f"{bin_dir}/initdb -D {folder}/data -A trust -U cchc")
    run(f"{bin_dir}/pg_ctl -D {folder}/data -o '-c listen_addresses=127.0.0.1 -p {port} -k {folder}' "
        f"-l {folder}/log -w start")

    def stop() -> None:
        try:
            run(f"{bin_dir}/pg_ctl -D {folder}/data -m fast stop")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return f"postgresql+psycopg://cchc@127.0.0.1:{port}/postgres", stop


@pytest.fixture(scope="session")
def postgres_url():
    """CCHC_TEST_POSTGRES_URL, else a private cluster started here when Debian's postgresql is
    installed (scripts/setup.sh installs it); skipped when neither, except under CI=true."""
    url = os.environ.get("CCHC_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    started = _start_private_postgres()
    if started is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is required under CI=true but is not installed")
        pytest.skip("PostgreSQL is not installed")
    url, stop = started
    try:
        yield url
    finally:
        stop()
