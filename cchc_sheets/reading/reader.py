"""``read_workbook``: one file, from the bytes on disk to its sheets and cells, never an exception.

Every check that can run before a parser runs does (``container``), including
the bounds of the whole workbook (sheets, every sheet's used grid, summed:
``check_workbook_bounds``); then python-calamine reads the cells (well under a
millisecond for a template, so it is the only cell parser on the hot path), and
the format's own module adds what calamine does not tell (``ooxml``, ``ods``,
``biff``). Only the sheets a return uses (``form_sheets``) and the first visible
sheet (where a pasted heading sits) have their cells read; every other sheet is
listed with ``loaded=False``. Every failure ends as ``RawWorkbook.problem``, a
catalogue finding.
"""
from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from .. import a1, model
from ..messages import phrase
from .biff import OLE_MAGIC, inspect_ole
from .container import Package, check_size, describe_content, zip_format, zip_members
from .memo import PROCESS_MEMO, ReaderMemo
from .ods import inspect_ods
from .ooxml import grid_detail, inspect_ooxml
from .raw import SMALL_SHEET_CELLS, Limits, RawSheet, RawWorkbook, Refused, fold_name, form_sheets
from .xlsb import inspect_xlsb

FORMATS = ("xlsx", "xlsm", "xls", "ods", "xlsb")


def read_workbook(path: str | Path, limits: Limits = Limits(), memo: ReaderMemo | None = None) -> RawWorkbook:
    """Read one file; never raises for a bad file (``problem`` says what is wrong).

    ``memo``: what copies of one template share, learned from earlier files
    (``PROCESS_MEMO`` when not given; see ``memo``).
    """
    path = Path(path)
    book = RawWorkbook(path=str(path), sha256="", size=0, file_format=_format_from_suffix(path), modified=None)
    try:
        data = _file_bytes(path, book, limits)
        book.sha256 = hashlib.sha256(data).hexdigest()
        _read_bytes(book, data, limits, PROCESS_MEMO if memo is None else memo)
    except Refused as refused:
        _fail(book, refused.code, **refused.params)
    except PermissionError:
        _fail(book, "file-permission-denied")
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            _fail(book, "file-permission-denied")
        else:
            _fail(book, "file-unreadable", reason=exc.strerror or str(exc))
    except Exception as exc:  # a parser bug must not stop a batch of thousands of files
        _fail(book, "file-unreadable", reason=f"{type(exc).__name__}: {str(exc)[:200]}")
    except BaseException as exc:
        if not _is_rust_panic(exc):
            raise
        _fail(book, "file-unreadable", reason=phrase("detail-structure-damaged"))
    return book


def _file_bytes(path: Path, book: RawWorkbook, limits: Limits) -> bytes:
    """The file's bytes, read only when it is a regular file within the size limit.

    Stat first: opening a FIFO blocks until someone writes to it, and a link named
    .xlsx to /dev/zero never ends. The file is opened without blocking and checked
    again through its descriptor (it may have been swapped since the stat).
    """
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode) and not os.access(path, os.R_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))   # a folder a walk could not read
    _check_regular(mode)
    descriptor = open_for_reading(path)
    try:
        file_stat = os.fstat(descriptor)
        _check_regular(file_stat.st_mode)
        book.size = file_stat.st_size
        book.modified = datetime.fromtimestamp(file_stat.st_mtime, tz=timezone.utc)
        check_size(book.size, limits)
        data = _read_at_most(descriptor, limits.max_file_bytes + 1, book.size)
    finally:
        os.close(descriptor)
    check_size(len(data), limits)          # it grew since fstat: still within the limit
    return data


_READ_CHUNK = 1 << 20


def _read_at_most(descriptor: int, limit: int, expected: int) -> bytes:
    """Up to ``limit`` bytes of the descriptor, to its end; ``expected``: its size at fstat.

    Asked for its size and one byte more, a regular file answers in one read and
    its end in a second: a buffered ``read(limit)`` would allocate ``limit`` bytes
    (the size cap, tens of MB) for every file first.
    """
    chunks, total = [], 0
    size = min(max(expected + 1, 1), limit)
    while total < limit:
        chunk = os.read(descriptor, min(size, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        size = _READ_CHUNK                 # it grew since fstat, or a short read: go on by chunks
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def open_for_reading(path: Path) -> int:
    """A read-only descriptor that never blocks on opening (a FIFO swapped in after the stat)."""
    return os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))


_SPECIAL_KINDS = ((stat.S_ISDIR, "detail-kind-folder"), (stat.S_ISFIFO, "detail-kind-fifo"),
                  (stat.S_ISSOCK, "detail-kind-socket"), (stat.S_ISCHR, "detail-kind-device"),
                  (stat.S_ISBLK, "detail-kind-device"))


def _check_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((code for test, code in _SPECIAL_KINDS if test(mode)), "detail-kind-other")
    raise Refused("not-a-regular-file", kind=phrase(kind))


def _is_rust_panic(exc: BaseException) -> bool:
    """A panic inside calamine (pyo3's PanicException derives from BaseException, not Exception)."""
    return type(exc).__name__ == "PanicException"


def _fail(book: RawWorkbook, code: str, **params: object) -> None:
    book.sheets = []
    book.structure_protected = None
    book.problem = model.make_finding(code, **params)


def _format_from_suffix(path: Path) -> str | None:
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def _read_bytes(book: RawWorkbook, data: bytes, limits: Limits, memo: ReaderMemo) -> None:
    if data[:4] == b"PK\x03\x04":
        package = inspect_zip(data, limits, memo)
        book.file_format = package.file_format
    elif data[:8] == OLE_MAGIC:
        package = inspect_ole(data, limits)
        book.file_format = "xls"
    else:
        raise Refused("not-a-spreadsheet", detail=describe_content(data))
    check_workbook_bounds(package.declared, limits)
    book.sheets = calamine_sheets(package.for_calamine(data), limits, form_sheets(), package.declared)
    package.annotate(book)
    book.macros = package.macros


def check_workbook_bounds(declared: dict[str, int] | None, limits: Limits) -> None:
    """Refuse a workbook of too many sheets, or whose sheets' used grids add up to too many cells.

    ``declared``: folded sheet name -> the cells its used grid declares, as the
    format's module counted them before any cell parser ran (None: not counted).
    A per-sheet cap alone lets 600 sheets just under it through.
    """
    if declared is None:
        return
    if len(declared) > limits.max_sheets:
        raise Refused("file-bomb", detail=phrase("detail-too-many-sheets", count=len(declared), limit=limits.max_sheets))
    total = sum(declared.values())
    if total > limits.max_total_cells:
        raise Refused("file-bomb", detail=phrase("detail-workbook-too-many-cells", cells=total,
                                                 limit=limits.max_total_cells))


def inspect_zip(data: bytes, limits: Limits, memo: ReaderMemo = PROCESS_MEMO) -> Package:
    """A ZIP package checked and its parsed parts inflated, by format (xlsx/xlsm, ods, xlsb)."""
    members = zip_members(data, limits, memo)
    file_format = zip_format(members)
    if file_format in ("xlsx", "xlsm"):
        return inspect_ooxml(members, file_format, limits)
    if file_format == "ods":
        return inspect_ods(members, limits)
    return inspect_xlsb(members, limits)


# --------------------------------------------------------------------------- calamine


_VISIBILITY = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryhidden"}


def calamine_sheets(data: bytes, limits: Limits, wanted: frozenset[str] | None = None,
                    declared: dict[str, int] | None = None) -> list[RawSheet]:
    """Every sheet of the workbook; cells read for those in ``wanted`` (folded names), the
    first visible sheet and every sheet of at most SMALL_SHEET_CELLS declared cells, all of
    them when ``wanted`` is None."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise Refused("file-password-protected") from None
    except Exception as exc:
        raise Refused("file-unreadable", reason=_calamine_reason(exc)) from None
    with workbook:
        metas = workbook.sheets_metadata
        if len(metas) > limits.max_sheets:
            raise Refused("file-bomb", detail=phrase("detail-too-many-sheets", count=len(metas),
                                                     limit=limits.max_sheets))
        first_visible = next((m.name for m in metas if _enum_name(m.visible) == "Visible"), None)
        declared = declared or {}
        sheets = []
        for meta in metas:
            small = declared.get(fold_name(meta.name), SMALL_SHEET_CELLS + 1) <= SMALL_SHEET_CELLS
            if wanted is None or meta.name == first_visible or fold_name(meta.name) in wanted or small:
                sheets.append(_read_sheet(workbook, meta, limits))
            else:
                sheets.append(RawSheet(name=unicodedata.normalize("NFC", meta.name), cells={}, loaded=False,
                                       visibility=_VISIBILITY.get(_enum_name(meta.visible), "visible"),
                                       declared_cells=declared.get(fold_name(meta.name))))
        return sheets


def _calamine_reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:200]
    if "Cannot detect file format" in text:   # calamine tried every format and kept no detail
        return phrase("detail-structure-damaged")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read_sheet(workbook, meta, limits: Limits) -> RawSheet:
    visibility = _VISIBILITY.get(_enum_name(meta.visible), "visible")
    name = unicodedata.normalize("NFC", meta.name)
    if _enum_name(meta.typ) not in ("WorkSheet", "MacroSheet", "DialogSheet"):
        return RawSheet(name=name, visibility=visibility, cells={})   # chart sheets hold no cells
    try:
        sheet = workbook.get_sheet_by_name(meta.name)
    except Exception as exc:
        raise Refused("file-unreadable", reason=_calamine_reason(exc)) from None
    if sheet.height * sheet.width > limits.max_cells:
        raise Refused("file-bomb", detail=grid_detail(sheet.height, sheet.width))
    return RawSheet(name=name, visibility=visibility, cells=_cells_of(sheet),
                    declared_cells=sheet.height * sheet.width)


def _enum_name(value: object) -> str:
    """'SheetVisibleEnum.VeryHidden' -> 'VeryHidden' (calamine's enums have no .name)."""
    return str(value).rsplit(".", 1)[-1]


def _cells_of(sheet) -> dict[str, object]:
    start = sheet.start
    if start is None:
        return {}
    first_row, first_col = start
    letters = [column_letter(first_col + c) for c in range(sheet.width)]
    normalize, cells = unicodedata.normalize, {}
    for row_number, row in enumerate(sheet.to_python(skip_empty_area=True), first_row + 1):
        suffix = str(row_number)
        if len(row) > len(letters):
            letters = [column_letter(first_col + c) for c in range(len(row))]
        for letter, value in zip(letters, row):
            if value.__class__ is str:
                if not value:
                    continue
                if not value.isascii():        # ASCII text is NFC already
                    value = normalize("NFC", value)
            elif value is None or value == "":
                continue
            cells[letter + suffix] = value
    return cells


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (0-based, as calamine counts columns)."""
    return a1.column_letter(index + 1)


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    return a1.column_number(letters) - 1
