"""``read_workbook``: one file, from the bytes on disk to its sheets and cells, never an exception.

Every check that can run before a parser runs does (``container``); then
python-calamine reads the cells of every format (well under a millisecond for a
template, so it is the only cell parser on the hot path), and the format's own
module adds what calamine does not tell (``ooxml``, ``ods``, ``biff``). Every
failure ends as ``RawWorkbook.problem``, a catalogue finding.
"""
from __future__ import annotations

import hashlib
import io
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from .. import a1, model
from ..messages import phrase
from .biff import OLE_MAGIC, inspect_ole
from .container import Package, ZipPackage, check_size, describe_content, zip_format, zip_members
from .memo import PROCESS_MEMO, ReaderMemo
from .ods import inspect_ods
from .ooxml import grid_detail, inspect_ooxml
from .raw import Limits, RawSheet, RawWorkbook, Refused

FORMATS = ("xlsx", "xlsm", "xls", "ods", "xlsb")


def read_workbook(path: str | Path, limits: Limits = Limits(), memo: ReaderMemo | None = None) -> RawWorkbook:
    """Read one file; never raises for a bad file (``problem`` says what is wrong).

    ``memo``: what copies of one template share, learned from earlier files
    (``PROCESS_MEMO`` when not given; see ``memo``).
    """
    path = Path(path)
    book = RawWorkbook(path=str(path), sha256="", size=0, file_format=_format_from_suffix(path), modified=None)
    try:
        file_stat = path.stat()
        book.size = file_stat.st_size
        book.modified = datetime.fromtimestamp(file_stat.st_mtime, tz=timezone.utc)
        check_size(book.size, limits)
        data = path.read_bytes()
        book.sha256 = hashlib.sha256(data).hexdigest()
        _read_bytes(book, data, limits, PROCESS_MEMO if memo is None else memo)
    except Refused as refused:
        _fail(book, refused.code, **refused.params)
    except OSError as exc:
        _fail(book, "file-unreadable", reason=exc.strerror or str(exc))
    except Exception as exc:  # a parser bug must not stop a batch of thousands of files
        _fail(book, "file-unreadable", reason=f"{type(exc).__name__}: {str(exc)[:200]}")
    except BaseException as exc:
        if not _is_rust_panic(exc):
            raise
        _fail(book, "file-unreadable", reason=phrase("detail-structure-damaged"))
    return book


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
        package = inspect_ole(data)
        book.file_format = "xls"
    else:
        raise Refused("not-a-spreadsheet", detail=describe_content(data))
    book.sheets = calamine_sheets(package.for_calamine(data), limits)
    package.annotate(book)


def inspect_zip(data: bytes, limits: Limits, memo: ReaderMemo = PROCESS_MEMO) -> Package:
    """A ZIP package checked and its parsed parts inflated, by format (xlsx/xlsm, ods, xlsb)."""
    members = zip_members(data, limits, memo)
    file_format = zip_format(members)
    if file_format in ("xlsx", "xlsm"):
        return inspect_ooxml(members, file_format, limits)
    if file_format == "ods":
        return inspect_ods(members)
    members.inflate_inspected()
    return ZipPackage(file_format, members)


# --------------------------------------------------------------------------- calamine


_VISIBILITY = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryhidden"}


def calamine_sheets(data: bytes, limits: Limits) -> list[RawSheet]:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise Refused("file-password-protected") from None
    except Exception as exc:
        raise Refused("file-unreadable", reason=_calamine_reason(exc)) from None
    with workbook:
        return [_read_sheet(workbook, meta, limits) for meta in workbook.sheets_metadata]


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
    return RawSheet(name=name, visibility=visibility, cells=_cells_of(sheet))


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
