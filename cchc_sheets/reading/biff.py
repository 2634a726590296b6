"""OLE2 compound files: an .xls (BIFF8), or an OOXML package encrypted with a password to open.

calamine reads the cells of an .xls; its sheets' protection comes from the
BIFF8 records of the Workbook stream (olefile opens the container). An .xls
with a FILEPASS record, or an OLE file holding an ``EncryptedPackage`` stream,
is ``file-password-protected``. Before calamine (which builds every sheet of an
.xls at once) runs, the cell records of every sheet substream are walked for
the box around each sheet's cells (``sheet_grids``): a cell in the far corner
of the grid, or many sheets, is refused with ``file-bomb`` first.
"""
from __future__ import annotations

import re
import struct
import unicodedata

from ..messages import phrase
from .container import Package
from .ooxml import grid_detail
from .raw import Limits, RawWorkbook, Refused, check_filled, fold_name

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class OlePackage(Package):
    """An .xls: its sheets' protection comes from the BIFF8 records (calamine does not tell)."""

    file_format = "xls"

    def __init__(self, data: bytes, stream: bytes | None = None):
        self.data, self.stream = data, stream

    @property
    def macros(self) -> bool:
        return _utf16(b"_VBA_PROJECT_CUR") in self.data

    def annotate(self, book: RawWorkbook) -> None:
        found = xls_protection(self.data, self.stream)
        if found is None:            # not BIFF8, or a stream we cannot walk: protection stays unknown
            return
        book.structure_protected, sheets = found
        for sheet in book.sheets:
            sheet.protected = sheets.get(fold_name(sheet.name))


def inspect_ole(data: bytes, limits: Limits = Limits()) -> OlePackage:
    """An OLE2 compound file: an .xls, or an xlsx encrypted with a password to open."""
    if _utf16(b"EncryptedPackage") in data or _utf16(b"EncryptionInfo") in data:
        raise Refused("file-password-protected")
    if _utf16(b"Workbook") not in data and _utf16(b"Book") not in data and _utf16(b"book") not in data.lower():
        what = phrase("detail-content-doc") if _utf16(b"WordDocument") in data \
            else phrase("detail-ole-no-workbook")
        raise Refused("not-a-spreadsheet", detail=what)
    stream = _xls_workbook_stream(data)
    if _xls_has_filepass(data) or (stream is not None and _globals_have_filepass(stream)):
        raise Refused("file-password-protected")
    package = OlePackage(data, stream)
    if stream is not None:
        package.declared = sheet_grids(stream, limits)
    return package


def _utf16(name: bytes) -> bytes:
    return name.decode("ascii").encode("utf-16-le")


_BOF_GLOBALS = re.compile(rb"\x09\x08([\x08\x10])\x00\x00[\x05\x06]\x05\x00")


_FILEPASS = 0x002F
_BEFORE_FILEPASS = 8                  # records the globals may hold before FILEPASS (WRITEPROT, ...)


def _xls_has_filepass(data: bytes) -> bool:
    """FILEPASS (0x002F) among the first records after the workbook globals' BOF, found in the raw file.

    Excel 2002+ writes WRITEPROT (0x0086) between BOF and FILEPASS when the file
    also asks for a password to modify; the globals' first records lie
    contiguous in the file whatever the OLE sector chain (used when olefile
    cannot open the container).
    """
    match = _BOF_GLOBALS.search(data)
    if not match:
        return False
    position = match.start() + 4 + match.group(1)[0]
    for _ in range(_BEFORE_FILEPASS):
        if position + 4 > len(data):
            return False
        kind, length = struct.unpack_from("<HH", data, position)
        if kind == _FILEPASS:
            return True
        position += 4 + length
    return False


def _globals_have_filepass(stream: bytes) -> bool:
    """FILEPASS before the first BOUNDSHEET of the globals substream (the Workbook stream from olefile)."""
    for number, (kind, _body) in enumerate(_biff_records(stream, 0)):
        if kind == _FILEPASS:
            return True
        if kind in (_BIFF_BOUNDSHEET, _BIFF_EOF) or number > 64:
            return False
    return False


# Cell records whose body starts with the row and column (u16 each); MULRK spans columns to its last u16.
_CELL_RECORDS = frozenset((0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205, 0x00D6, 0x0406))
_MULRK = 0x00BD


def sheet_grids(stream: bytes, limits: Limits) -> dict[str, int]:
    """Folded sheet name -> rows x columns of the box around its cells, from every sheet substream.

    The cell records are what calamine builds each sheet's dense grid from (a
    DIMENSIONS record may say anything, and styled empty cells are skipped). A
    sheet beyond ``limits.max_cells`` is refused here; the total is the
    reader's to check. Empty when the globals cannot be walked.
    """
    grids: dict[str, int] = {}
    sheets = []
    for kind, body in _biff_records(stream, 0):
        if kind == _BIFF_BOUNDSHEET:
            sheets.append(_boundsheet(body))
            if len(sheets) > limits.max_sheets:
                break                          # the reader refuses the count; no need to walk them all
        elif kind == _BIFF_EOF:
            break
    filled = 0
    for name, offset in sheets:
        if name is None:
            continue
        rows, cols, cells = _substream_box(stream, offset)
        filled += cells
        check_filled(filled, limits)           # calamine builds every sheet of an .xls
        if rows * cols > limits.max_cells:
            raise Refused("file-bomb", detail=grid_detail(rows, cols))
        grids[fold_name(name)] = grids.get(fold_name(name), 0) + rows * cols
    return grids


def _substream_box(stream: bytes, offset: int) -> tuple[int, int, int]:
    """(rows, columns) of the box around the cells of the substream starting at ``offset``, and its cells."""
    if stream[offset:offset + 2] != struct.pack("<H", _BIFF_BOF):
        return 0, 0, 0
    cells = 0
    top = left = 1 << 20
    bottom = right = -1
    depth, position, size, unpack = 0, offset, len(stream), struct.unpack_from
    while position + 4 <= size:
        kind, length = unpack("<HH", stream, position)
        body = position + 4
        position = body + length
        if kind == _BIFF_BOF:
            depth += 1
        elif kind == _BIFF_EOF:
            depth -= 1
            if depth <= 0:
                break
        elif depth == 1 and length >= 4 and (kind in _CELL_RECORDS or kind == _MULRK):
            row, first = unpack("<HH", stream, body)
            last = unpack("<H", stream, position - 2)[0] if kind == _MULRK and length >= 6 else first
            cells += max(last - first + 1, 1)
            top, bottom = min(top, row), max(bottom, row)
            left, right = min(left, first), max(right, last)
    if bottom < 0:
        return 0, 0, 0
    return bottom - top + 1, max(right - left + 1, 1), cells


_BIFF_BOF, _BIFF_EOF, _BIFF_PROTECT, _BIFF_BOUNDSHEET = 0x0809, 0x000A, 0x0012, 0x0085
_BIFF8 = 0x0600


def xls_protection(data: bytes, stream: bytes | None = None) -> tuple[bool, dict[str, bool]] | None:
    """(workbook structure locked, folded sheet name -> sheet protected) of a BIFF8 .xls, else None.

    A PROTECT record in the workbook globals locks the structure; one inside a
    sheet's substream (from its BOF to its EOF) protects that sheet.
    """
    stream = stream if stream is not None else _xls_workbook_stream(data)
    if stream is None or len(stream) < 6 or struct.unpack_from("<HHH", stream) != (_BIFF_BOF, 16, _BIFF8):
        return None
    structure, sheets = False, {}
    for kind, body in _biff_records(stream, 0):
        if kind == _BIFF_PROTECT and len(body) >= 2:
            structure = body[:2] != b"\x00\x00"
        elif kind == _BIFF_BOUNDSHEET:
            name, offset = _boundsheet(body)
            if name is not None:
                sheets[fold_name(name)] = _substream_protected(stream, offset)
        elif kind == _BIFF_EOF:
            break
    return structure, sheets


def _xls_workbook_stream(data: bytes) -> bytes | None:
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            return ole.openstream(name).read() if name else None
    except Exception:  # noqa: BLE001 - calamine read the cells; unknown protection is not a failure
        return None


def _biff_records(stream: bytes, start: int):
    """(record type, record body) from ``start`` to the end of the stream."""
    position = start
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        yield kind, stream[position + 4:position + 4 + length]
        position += 4 + length


def _boundsheet(body: bytes) -> tuple[str | None, int]:
    """BOUNDSHEET8: the sheet's name (ShortXLUnicodeString) and where its substream starts."""
    if len(body) < 8:
        return None, 0
    offset, count, high_byte = struct.unpack_from("<I", body)[0], body[6], body[7] & 0x01
    raw = body[8:8 + count * (2 if high_byte else 1)]
    return unicodedata.normalize("NFC", raw.decode("utf-16-le" if high_byte else "latin-1", "replace")), offset


def _substream_protected(stream: bytes, offset: int) -> bool | None:
    if stream[offset:offset + 2] != struct.pack("<H", _BIFF_BOF):
        return None
    for kind, body in _biff_records(stream, offset):
        if kind == _BIFF_PROTECT and len(body) >= 2:
            return body[:2] != b"\x00\x00"
        if kind == _BIFF_EOF:
            break
    return False
