"""OLE2 compound files: an .xls (BIFF8), or an OOXML package encrypted with a password to open.

calamine reads the cells of an .xls; its sheets' protection comes from the
BIFF8 records of the Workbook stream (olefile opens the container). An .xls
with a FILEPASS record, or an OLE file holding an ``EncryptedPackage`` stream,
is ``file-password-protected``.
"""
from __future__ import annotations

import re
import struct
import unicodedata

from ..messages import phrase
from .container import Package
from .raw import RawWorkbook, Refused, fold_name

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class OlePackage(Package):
    """An .xls: its sheets' protection comes from the BIFF8 records (calamine does not tell)."""

    file_format = "xls"

    def __init__(self, data: bytes):
        self.data = data

    def annotate(self, book: RawWorkbook) -> None:
        found = xls_protection(self.data)
        if found is None:            # not BIFF8, or a stream we cannot walk: protection stays unknown
            return
        book.structure_protected, sheets = found
        for sheet in book.sheets:
            sheet.protected = sheets.get(fold_name(sheet.name))


def inspect_ole(data: bytes) -> OlePackage:
    """An OLE2 compound file: an .xls, or an xlsx encrypted with a password to open."""
    if _utf16(b"EncryptedPackage") in data or _utf16(b"EncryptionInfo") in data:
        raise Refused("file-password-protected")
    if _utf16(b"Workbook") not in data and _utf16(b"Book") not in data and _utf16(b"book") not in data.lower():
        what = phrase("detail-content-doc") if _utf16(b"WordDocument") in data \
            else phrase("detail-ole-no-workbook")
        raise Refused("not-a-spreadsheet", detail=what)
    if _xls_has_filepass(data):
        raise Refused("file-password-protected")
    return OlePackage(data)


def _utf16(name: bytes) -> bytes:
    return name.decode("ascii").encode("utf-16-le")


_BOF_GLOBALS = re.compile(rb"\x09\x08([\x08\x10])\x00\x00[\x05\x06]\x05\x00")


def _xls_has_filepass(data: bytes) -> bool:
    """FILEPASS (0x002F) must directly follow the workbook globals' BOF record."""
    match = _BOF_GLOBALS.search(data)
    if not match:
        return False
    following = match.start() + 4 + match.group(1)[0]
    return data[following:following + 2] == b"\x2f\x00"


_BIFF_BOF, _BIFF_EOF, _BIFF_PROTECT, _BIFF_BOUNDSHEET = 0x0809, 0x000A, 0x0012, 0x0085
_BIFF8 = 0x0600


def xls_protection(data: bytes) -> tuple[bool, dict[str, bool]] | None:
    """(workbook structure locked, folded sheet name -> sheet protected) of a BIFF8 .xls, else None.

    A PROTECT record in the workbook globals locks the structure; one inside a
    sheet's substream (from its BOF to its EOF) protects that sheet.
    """
    stream = _xls_workbook_stream(data)
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
