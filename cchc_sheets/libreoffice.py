"""Run LibreOffice headless to convert a workbook or document (xlsx/xls/ods/pdf...).

LibreOffice is what many communes use, and the one real spreadsheet program we
can run on a server: feedback copies in .xls/.ods, PDF previews and the demo's
re-saved returns go through here. Each call gets its own throw-away user
profile, because two soffice processes sharing a profile block or fail; the
result is written into a private folder first and moved into place, so a
half-written file never appears under the final name.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .fileio import ensure_directory, write_with
from .messages import CchcError, phrase

# Short format name -> the --convert-to argument (extension, then the export filter).
# Explicit filters where LibreOffice's default would pick another dialect. No shell
# runs in between, so filter names carry no quotes (quotes given are stripped).
FILTERS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "xls": "xls:MS Excel 97",
    "ods": "ods:calc8",
    "pdf": "pdf",
    "docx": "docx:MS Word 2007 XML",
    "odt": "odt:writer8",
}

CANDIDATE_PATHS = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)


def find_soffice() -> str | None:
    """The LibreOffice executable: $CCHC_SOFFICE, then PATH, then the usual install places."""
    configured = os.environ.get("CCHC_SOFFICE")
    if configured:
        return configured
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((path for path in CANDIDATE_PATHS if os.path.isfile(path)), None)


def convert(path: str | os.PathLike, fmt: str, out_dir: str | os.PathLike, *,
            timeout: float = 120, soffice: str | None = None) -> Path:
    """Convert ``path`` to ``fmt`` ('xlsx', 'xls', 'ods', 'pdf', ... or a full
    ``ext:"Filter"`` string) into ``out_dir``; returns the new file's path.

    Raises CchcError (libreoffice-missing / -failed / -timeout, input-not-found).
    """
    source = Path(path)
    if not source.is_file():
        raise CchcError("input-not-found", path=source)
    program = soffice or find_soffice()
    if program is None:
        raise CchcError("libreoffice-missing")
    argument = FILTERS.get(fmt, fmt).replace('"', "")
    extension = argument.split(":", 1)[0]
    target = ensure_directory(out_dir) / f"{source.stem}.{extension}"
    with tempfile.TemporaryDirectory(prefix="cchc-lo-") as work:
        produced = _run_conversion(program, source, argument, extension, Path(work), timeout)
        write_with(target, lambda temporary: shutil.copyfile(produced, temporary))
    return target


def _run_conversion(program: str, source: Path, argument: str, extension: str,
                    work: Path, timeout: float) -> Path:
    profile, outdir = work / "profile", work / "out"
    command = [program, "--headless", "--norestore", "--nologo", "--nolockcheck",
               f"-env:UserInstallation={profile.as_uri()}",
               "--convert-to", argument, "--outdir", str(outdir), str(source.resolve())]
    try:
        stdout, stderr, returncode = _run(command, timeout, source, extension)
    finally:
        remove_ipc_socket(profile.as_uri())
    produced = outdir / f"{source.stem}.{extension}"
    if returncode != 0 or not produced.is_file():
        reason = _last_line(stderr) or _last_line(stdout) or phrase("detail-exit-status", status=returncode)
        raise CchcError("libreoffice-failed", path=source, format=extension, reason=reason)
    return produced


def _run(command: list[str], timeout: float, source: Path, extension: str) -> tuple[str, str, int]:
    """Run soffice in its own process group so a hung run can be killed with its children."""
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, start_new_session=True, text=True,
                                   env=_quiet_environment())
    except OSError as exc:
        raise CchcError("libreoffice-failed", path=source, format=extension,
                        reason=f"{command[0]}: {exc.strerror or exc}") from exc
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(process)
        raise CchcError("libreoffice-timeout", path=source, seconds=int(timeout)) from exc
    return stdout, stderr, process.returncode


def ipc_socket(profile_url: str) -> Path:
    """The socket soffice makes in /tmp for a profile: md5 of the URL in UTF-16LE, unpadded hex.

    soffice removes it on a clean exit but not when killed; we remove ours either way.
    """
    digest = hashlib.md5(profile_url.encode("utf-16-le")).digest()  # noqa: S324 - a name, not security
    name = "SingleOfficeIPC_" + "".join(format(byte, "x") for byte in digest)
    return Path("/tmp") / f"OSL_PIPE_{os.getuid()}_{name}"


def remove_ipc_socket(profile_url: str) -> None:
    if hasattr(os, "getuid"):  # POSIX only; Windows uses named pipes
        with contextlib.suppress(OSError):
            ipc_socket(profile_url).unlink()


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _quiet_environment() -> dict[str, str]:
    # No desktop integration or Java start-up: faster and nothing to block on.
    env = dict(os.environ)
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")
    return env


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""
