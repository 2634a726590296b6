"""Which files a command was given: spreadsheets in folders, any file named explicitly."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")


def find_spreadsheets(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """(spreadsheet files, missing paths).

    Files given explicitly are taken whatever their extension (a PDF passed by
    mistake must come back as a finding, not vanish); folders are searched
    recursively for spreadsheet extensions, skipping Office lock files (``~$``)
    and hidden files or folders.
    """
    found: dict[Path, None] = {}
    missing: list[Path] = []
    for given in paths:
        kind = _kind_on_disk(given)      # one stat a path: a merge passes 10,000 files twice
        if kind == "folder":
            for candidate in _spreadsheets_under(Path(given)):
                found.setdefault(candidate, None)
        elif kind == "file":
            found.setdefault(Path(given), None)
        else:
            missing.append(Path(given))
    return sorted(found), missing


def _kind_on_disk(path: str | Path) -> str | None:
    """'file', 'folder' or None (missing, or neither: a socket, a broken link)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    return "folder" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else None


def _spreadsheets_under(folder: Path) -> list[Path]:
    result = []
    for candidate in folder.rglob("*"):
        relative = candidate.relative_to(folder).parts
        if any(part.startswith((".", "~$")) for part in relative):
            continue
        if candidate.suffix.lower() in SPREADSHEET_SUFFIXES and candidate.is_file():
            result.append(candidate)
    return result
