"""Which files a command was given: spreadsheets in folders, any file named explicitly."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from ..suffixes import READ_SUFFIXES as SPREADSHEET_SUFFIXES
from ..suffixes import RETURN_SUFFIXES


def find_spreadsheets(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """(spreadsheet files, missing paths).

    Files given explicitly are taken whatever their extension (a PDF passed by
    mistake must come back as a finding, not vanish); folders are searched
    recursively for spreadsheet extensions (templates and flat ODS too), skipping Office lock files (``~$``)
    and hidden files or folders. Nothing met is skipped silently: a FIFO, socket
    or device (or a link to one) given or found with a spreadsheet's name, and
    a folder the walk may not read, are returned among the files, so the reader
    turns each into its finding (``not-a-regular-file``, ``file-permission-denied``)
    without ever opening it for reading. Missing: paths that do not exist.
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
    """'folder', 'file' (anything else that exists, or that we may not look at), or None (missing)."""
    try:
        mode = os.stat(path).st_mode
    except PermissionError:
        return "file"                    # the reader says it may not be read
    except (OSError, ValueError):
        return None
    return "folder" if stat.S_ISDIR(mode) else "file"


def _spreadsheets_under(folder: Path) -> list[Path]:
    result: list[Path] = []

    def unreadable(error: OSError) -> None:
        if error.filename is not None:
            result.append(Path(error.filename))

    for where, folders, names in os.walk(folder, onerror=unreadable):
        here = Path(where)
        folders[:] = [name for name in folders if not name.startswith((".", "~$"))]
        for name in names:
            if name.startswith((".", "~$")) or Path(name).suffix.lower() not in RETURN_SUFFIXES:
                continue
            candidate = here / name
            try:
                if stat.S_ISDIR(os.stat(candidate).st_mode):
                    continue             # a link to a folder with a spreadsheet's name (not walked, as before)
            except OSError:
                pass                     # a broken link or a file we may not look at: the reader says which
            result.append(candidate)
    return result
