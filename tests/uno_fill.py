#!/usr/bin/python3
"""Fill CCHC workbooks in LibreOffice the way a commune officer would (UNO script).

Run with the system Python that has LibreOffice's ``uno`` module (``/usr/bin/python3``
on Debian with ``python3-uno``), not the project's virtual environment:

    /usr/bin/python3 tests/uno_fill.py JOBS.json [--pipe NAME] [--timeout 60]

JOBS.json (a path, or the JSON text itself) is one job or a list of jobs::

    {"input": "in.xlsx",
     "values":  [["Tổ chức cuộc thi tìm hiểu về CCHC", "02"], [LABEL, 12], ...],
     "notes":   [[LABEL, "lồng ghép"], ...],
     "answers": [["Thuận lợi", "Được sự quan tâm ..."], ...],
     "recalculate": false,
     "outputs": {"xlsx": "out.xlsx", "xls": "out.xls", "ods": "out.ods"}}

Like a person, it finds the row whose "Chỉ tiêu" cell reads LABEL (NFC, spaces
folded) and the column headed "Số lượng" (values) or "Ghi chú" (notes); on the
second sheet the row whose "Nội dung" reads the question and the column
"Ý kiến của đơn vị". UNO does not enforce protection, so the script checks it
itself: it refuses (exit 3) to type into a locked cell, and it also refuses when
the label cell is NOT locked (the layout must be protected). Numbers are typed
with setValue, text (``6(lồng ghép)``, ``02``) with setString, as pasted text arrives
(UNO, like pasting, bypasses data validation; the report shows each cell's rule). Each workbook is
then saved to every requested format ("Calc MS Excel 2007 XML", "MS Excel 97",
"calc8"). With ``"recalculate": true`` every formula is recalculated first, as
a spreadsheet program does (used to check the consolidated workbook's formulas).

With ``--pipe NAME`` it connects to a soffice already listening on that pipe
(waiting up to --timeout seconds); otherwise it starts its own headless soffice
with a private profile and stops it at the end. Prints a JSON report on stdout:
for each job the cells typed, their locked flags and the files written.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from pathlib import Path

FILTERS = {"xlsx": "Calc MS Excel 2007 XML", "xls": "MS Excel 97", "ods": "calc8"}
LABEL_HEADER, VALUE_HEADER, NOTE_HEADER = "Chỉ tiêu", "Số lượng", "Ghi chú"
QUESTION_HEADER, ANSWER_HEADER = "Nội dung", "Ý kiến của đơn vị"
EXIT_REFUSED = 3


class Refused(Exception):
    """A person could not do this (locked cell, label not found...)."""


def fold(value: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value if value is not None else "")).split())


# --- soffice process ----------------------------------------------------------------
def soffice_command(soffice: str, profile_dir: str, pipe: str) -> list[str]:
    """The command line of a headless soffice accepting UNO connections on ``pipe``."""
    return [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nolockcheck",
            "--nodefault", f"-env:UserInstallation={Path(profile_dir).as_uri()}",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]


def start_soffice(soffice: str | None = None) -> tuple[subprocess.Popen, str, str]:
    """Start a private soffice; returns (process, pipe name, profile folder)."""
    program = soffice or shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        raise Refused("soffice not found")
    profile = tempfile.mkdtemp(prefix="cchc-uno-profile-")
    pipe = f"cchc-uno-{uuid.uuid4().hex[:12]}"
    process = subprocess.Popen(soffice_command(program, profile, pipe), stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    return process, pipe, profile


def pipe_sockets(pipe: str, profile_dir: str) -> list[Path]:
    """The socket files soffice makes in /tmp for our pipe and our profile; a killed soffice
    leaves them behind. The profile's is named by the md5 of its URL in UTF-16LE (unpadded hex)."""
    digest = hashlib.md5(Path(profile_dir).as_uri().encode("utf-16-le")).digest()
    ipc = "SingleOfficeIPC_" + "".join(format(byte, "x") for byte in digest)
    return [Path("/tmp") / f"OSL_PIPE_{os.getuid()}_{name}" for name in (pipe, ipc)]


def remove_sockets(pipe: str, profile_dir: str) -> None:
    for socket in pipe_sockets(pipe, profile_dir):
        socket.unlink(missing_ok=True)


def _terminate(desktop) -> None:
    try:
        desktop.terminate()
    except Exception:  # the bridge drops as soffice exits; nothing to do
        pass


def stop_soffice(process: subprocess.Popen, profile: str, desktop=None, pipe: str | None = None) -> None:
    if desktop is not None:
        _terminate(desktop)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait()
    shutil.rmtree(profile, ignore_errors=True)
    if pipe:
        remove_sockets(pipe, profile)


def connect(pipe: str, timeout: float):
    """The Desktop of the soffice on ``pipe``, retrying until it accepts or ``timeout`` passes."""
    import uno
    from com.sun.star.connection import NoConnectException

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise Refused(f"soffice did not accept a connection on pipe {pipe} within {timeout:.0f} s")
            time.sleep(0.2)


# --- documents --------------------------------------------------------------------------
def _props(**values):
    from com.sun.star.beans import PropertyValue

    props = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        props.append(prop)
    return tuple(props)


def open_workbook(desktop, path: str):
    url = Path(path).resolve().as_uri()
    document = desktop.loadComponentFromURL(url, "_blank", 0, _props(Hidden=True))
    if document is None:
        raise Refused(f"LibreOffice could not open {path}")
    return document


def save_as(document, fmt: str, path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    document.storeToURL(Path(path).resolve().as_uri(), _props(FilterName=FILTERS[fmt], Overwrite=True))


def used_grid(sheet) -> list[list[object]]:
    """The used area as rows of values (str or float), as a person sees the sheet."""
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.getRangeAddress()
    grid = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).getDataArray()
    return [list(row) for row in grid]


def find_header(grid, *headers: str) -> tuple[int, list[int]]:
    """(row index, [column index of each header]) of the first row holding every header."""
    wanted = [fold(h) for h in headers]
    for r, row in enumerate(grid):
        texts = [fold(v) for v in row]
        if all(w in texts for w in wanted):
            return r, [texts.index(w) for w in wanted]
    raise Refused(f"no header row with {headers!r}")


def find_row(grid, column: int, label: str, below: int) -> int:
    target = fold(label)
    for r in range(below + 1, len(grid)):
        if fold(grid[r][column]) == target:
            return r
    raise Refused(f"label {label!r} not found")


def cell_name(sheet, row: int, column: int) -> str:
    return sheet.getCellByPosition(column, row).AbsoluteName.split(".")[-1].replace("$", "")


def validation_of(cell) -> dict:
    """The data validation a person meets in this cell (LibreOffice's UI enforces it on typing;
    pasting bypasses it, in Excel too, which is how ``6(lồng ghép)`` reaches a count cell)."""
    rule = cell.Validation
    return {"type": rule.Type.value, "error_style": rule.ErrorAlertStyle.value,
            "show_error": bool(rule.ShowErrorMessage), "error_message": rule.ErrorMessage}


def type_into(sheet, row: int, column: int, label_column: int, value) -> dict:
    """Type ``value`` as a person would: refuse a locked target or an unlocked label."""
    target = sheet.getCellByPosition(column, row)
    label_cell = sheet.getCellByPosition(label_column, row)
    report = {"sheet": sheet.Name, "cell": cell_name(sheet, row, column),
              "label_cell": cell_name(sheet, row, label_column),
              "locked": bool(target.CellProtection.IsLocked),
              "label_locked": bool(label_cell.CellProtection.IsLocked), "value": value,
              "validation": validation_of(target)}
    if report["locked"]:
        raise Refused(f"cell {sheet.Name}!{report['cell']} is locked: a person cannot type {value!r} there")
    if not report["label_locked"]:
        raise Refused(f"layout cell {sheet.Name}!{report['label_cell']} is not locked")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        target.setValue(value)
    else:
        target.setString(unicodedata.normalize("NFC", str(value)))
    return report


def fill_sheet(sheet, entries, label_header: str, target_header: str) -> list[dict]:
    if not entries:
        return []
    grid = used_grid(sheet)
    header_row, (label_col, target_col) = find_header(grid, label_header, target_header)
    return [type_into(sheet, find_row(grid, label_col, label, header_row), target_col, label_col, value)
            for label, value in entries]


def fill_job(desktop, job: dict) -> dict:
    document = open_workbook(desktop, job["input"])
    try:
        sheets = document.Sheets
        main, answers = sheets.getByIndex(0), sheets.getByIndex(1)
        typed = fill_sheet(main, job.get("values"), LABEL_HEADER, VALUE_HEADER)
        typed += fill_sheet(main, job.get("notes"), LABEL_HEADER, NOTE_HEADER)
        typed += fill_sheet(answers, job.get("answers"), QUESTION_HEADER, ANSWER_HEADER)
        protected = {sheets.getByIndex(i).Name: bool(sheets.getByIndex(i).isProtected())
                     for i in range(sheets.Count)}
        if job.get("recalculate"):
            document.calculateAll()
        for fmt, path in job.get("outputs", {}).items():
            save_as(document, fmt, path)
    finally:
        document.close(True)
    return {"input": job["input"], "typed": typed, "protected": protected, "outputs": job.get("outputs", {})}


# --- command line ---------------------------------------------------------------------
def load_jobs(argument: str) -> list[dict]:
    text = Path(argument).read_text(encoding="utf-8") if not argument.lstrip().startswith(("{", "[")) else argument
    jobs = json.loads(text)
    return jobs if isinstance(jobs, list) else [jobs]


def parse_args(argv: list[str]):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jobs", nargs="?", default="[]", help="JSON file or JSON text: a job or a list of jobs")
    parser.add_argument("--pipe", help="connect to a soffice already listening on this pipe name")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for soffice")
    parser.add_argument("--terminate", action="store_true",
                        help="with --pipe: shut that soffice down cleanly afterwards (removes its IPC socket)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    pipe, own, desktop = args.pipe, None, None
    try:
        if pipe is None:
            own = start_soffice()
            pipe = own[1]
        desktop = connect(pipe, args.timeout)
        reports = [fill_job(desktop, job) for job in load_jobs(args.jobs)]
        if args.terminate and own is None:
            _terminate(desktop)
    except Refused as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        return EXIT_REFUSED
    finally:
        if own is not None:
            stop_soffice(own[0], own[2], desktop, own[1])
    print(json.dumps(reports, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
