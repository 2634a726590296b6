"""``received.csv``: what ``cchc collect`` knows about each saved attachment.

Columns ``file, sha256, sender, subject, received, message_id``; ``received`` is
ISO 8601 with a time zone (the mail's Date). ``cchc merge`` looks for the file in
every input folder (and beside every input file) and takes the mail time as the
time received, so on time / late follows the mail, not the file's copy time.
Returns are matched by sha256 first (a renamed file still matches), else by name.
"""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .messages import Phrase, os_reason, phrase

RECEIVED_FILE = "received.csv"
COLUMNS = ("file", "sha256", "sender", "subject", "received", "message_id")
REQUIRED = ("file", "sha256", "received")


@dataclass(frozen=True)
class ReceivedInfo:
    file: str
    sha256: str
    sender: str = ""
    subject: str = ""
    received: datetime | None = None
    message_id: str = ""


def received_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every received.csv in an input folder or beside an input file, each once, in order."""
    found: dict[Path, Path] = {}
    for folder in _folders(paths):
        candidate = Path(folder, RECEIVED_FILE)
        if candidate.is_file():
            found.setdefault(candidate.resolve(), candidate)
    return list(found.values())


def _folders(paths: Iterable[str | Path]) -> dict[str, None]:
    """Each input folder and the folder of each input file, once, in order.

    An officer passes thousands of files from one folder (a shell glob): strings and
    one stat per path here, the path objects only for the few folders left.
    """
    folders: dict[str, None] = {}
    for path in map(os.fspath, paths):
        folders.setdefault(path if os.path.isdir(path) else os.path.dirname(path) or ".", None)
    return folders


def load_received(paths: Iterable[str | Path]) -> tuple[dict[str, ReceivedInfo], list[Phrase]]:
    """sha256 -> ReceivedInfo from every received.csv found, and the problems met (messages)."""
    infos: dict[str, ReceivedInfo] = {}
    problems: list[Phrase] = []
    for csv_path in received_files(paths):
        file_infos, file_problems = read_received(csv_path)
        problems += file_problems
        for info in file_infos:
            infos.setdefault(info.sha256 or f"name:{info.file}", info)
    return infos, problems


def read_received(path: str | Path) -> tuple[list[ReceivedInfo], list[Phrase]]:
    """The rows of one received.csv; an unusable file gives no rows and one problem."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [], [phrase("received-csv-unusable", path=path, reason=os_reason(exc) if isinstance(exc, OSError) else exc)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [phrase("received-csv-unusable", path=path, reason=phrase("detail-missing-columns", columns=", ".join(missing)))]
    reader.fieldnames = header
    infos, problems = [], []
    for row in reader:
        info, problem = _row_info(row, path, reader.line_num)
        infos.append(info)
        problems += [problem] if problem else []
    return infos, problems


def _row_info(row: dict, path: Path, line: int) -> tuple[ReceivedInfo, Phrase | None]:
    def get(key: str) -> str:
        return str(row.get(key) or "").strip()

    when, problem = parse_received_time(get("received")), None
    if get("received") and when is None:
        problem = phrase("received-time-invalid", path=path, line=line, value=get("received"), file=get("file"))
    return ReceivedInfo(file=get("file"), sha256=get("sha256").lower(), sender=get("sender"),
                        subject=get("subject"), received=when, message_id=get("message_id")), problem


def parse_received_time(text: str) -> datetime | None:
    """ISO 8601 with a time zone ('2020-06-18T09:15:00+07:00', 'Z' accepted); else None."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None
