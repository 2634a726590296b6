"""Builders for hostile and broken inputs, generated at test time (never committed).

Each ``make_*`` writes one file under a folder and returns its path; the reader
must turn every one into an unreadable finding quickly and without a traceback.
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import openpyxl

MB = 1024 * 1024
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def small_xlsx_bytes(values: dict[str, object] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Báo cáo"
    for address, value in (values or {"A1": "Kỳ báo cáo: 6 tháng đầu năm 2020", "D9": 12}).items():
        sheet[address] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A ZIP from (name, stored bytes, method, crc, declared size) — sizes may lie on purpose."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, stored, method, crc, declared in members:
        offset = out.tell()
        encoded = name.encode("utf-8")
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, method, 0, 0x21,
                              crc, len(stored), declared, len(encoded), 0) + encoded + stored)
        central.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0x800, method, 0, 0x21,
                                  crc, len(stored), declared, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    directory = central.getvalue()
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory),
                      out.tell(), 0)
    return out.getvalue() + directory + end


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def deflate_repeated(chunk: bytes, total: int) -> tuple[bytes, int]:
    """Deflate ``total`` bytes of ``chunk`` repeated without holding them in memory; (stream, crc)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = chunk * (MB // len(chunk))
    parts, crc, written = [], 0, 0
    while written < total:
        piece = block[: min(len(block), total - written)]
        parts.append(compressor.compress(piece))
        crc = zlib.crc32(piece, crc)
        written += len(piece)
    parts.append(compressor.flush())
    return b"".join(parts), crc


def _xlsx_with_sheet(sheet_stream: bytes, method: int, crc: int, declared: int) -> bytes:
    """A real small xlsx whose first worksheet member is replaced by the given stream."""
    members = []
    for name, content in _members(small_xlsx_bytes()).items():
        if name == "xl/worksheets/sheet1.xml":
            members.append((name, sheet_stream, method, crc, declared))
        else:
            members.append((name, deflate(content), 8, zlib.crc32(content), len(content)))
    return raw_zip(members)


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = Path(folder) / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- the hostile set


def make_empty(folder: Path) -> Path:
    return _write(folder, "rong.xlsx", b"")


def make_pdf_renamed(folder: Path) -> Path:
    return _write(folder, "bao-cao.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def make_truncated(folder: Path) -> Path:
    data = small_xlsx_bytes()
    return _write(folder, "cat-cut.xlsx", data[: len(data) // 2])


def make_corrupt_member(folder: Path) -> Path:
    """Central directory intact, the sheet's deflate stream damaged."""
    sheet = SHEET_HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row>' * 50 + SHEET_TAIL
    stream = bytearray(deflate(sheet))
    stream[len(stream) // 2] ^= 0xFF
    return _write(folder, "hong.xlsx", _xlsx_with_sheet(bytes(stream), 8, zlib.crc32(sheet), len(sheet)))


def make_declared_bomb(folder: Path, size: int = 300 * MB) -> Path:
    """An honest header declaring hundreds of MB for a sheet that compresses ~1000:1."""
    stream, crc = deflate_repeated(b"<row/>", size)
    return _write(folder, "bom-khai-bao.xlsx", _xlsx_with_sheet(stream, 8, crc, size))


def make_ratio_bomb(folder: Path, size: int = 40 * MB) -> Path:
    """Under the total limit, but one member inflates far beyond what a form needs."""
    stream, crc = deflate_repeated(b"<row/>", size)
    return _write(folder, "bom-ti-le.xlsx", _xlsx_with_sheet(stream, 8, crc, size))


def make_lying_header(folder: Path, real_size: int = 200 * MB) -> Path:
    """The header says 2 KB; the deflate stream inflates to hundreds of MB."""
    stream, _ = deflate_repeated(b"<row/>", real_size)
    return _write(folder, "bom-noi-doi.xlsx", _xlsx_with_sheet(stream, 8, 0, 2048))


def make_entity_bomb(folder: Path) -> Path:
    """Billion laughs in the worksheet XML."""
    entities = [b'<!ENTITY a0 "ha">'] + [
        b'<!ENTITY a%d "%s">' % (n, b"".join(b"&a%d;" % (n - 1) for _ in range(10))) for n in range(1, 10)]
    sheet = (b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [' + b"".join(entities) + b"]>\n"
             + SHEET_HEAD.split(b"\n", 1)[1] + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is></c></row>'
             + SHEET_TAIL)
    return _write(folder, "bom-xml.xlsx", _xlsx_with_sheet(deflate(sheet), 8, zlib.crc32(sheet), len(sheet)))


def make_grid_bomb(folder: Path) -> Path:
    """Two cells, A1 and CV1048576: a reader building a dense grid would need 100 million cells."""
    return _write(folder, "bom-luoi.xlsx", small_xlsx_bytes({"A1": 1, "CV1048576": 2}))


def make_too_many_members(folder: Path, count: int = 3000) -> Path:
    members = [(f"xl/media/x{n}.xml", deflate(b"<a/>"), 8, zlib.crc32(b"<a/>"), 4) for n in range(count)]
    return _write(folder, "nhieu-thanh-phan.xlsx", raw_zip(members))


def ole_bytes(stream_names: list[str], body: bytes = b"") -> bytes:
    """A minimal OLE2 compound file header plus directory entries naming the given streams."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHH", header, 0x18, 0x3E, 3, 0xFFFE)
    struct.pack_into("<H", header, 0x1E, 9)
    entries = b""
    for name in ["Root Entry", *stream_names]:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry = bytearray(128)
        entry[: len(encoded)] = encoded
        struct.pack_into("<HB", entry, 64, len(encoded), 2)
        entries += bytes(entry)
    return bytes(header) + entries + body


def make_encrypted_xlsx(folder: Path) -> Path:
    """What Excel writes for a workbook with a password to open: OLE with EncryptedPackage."""
    return _write(folder, "mat-khau.xlsx", ole_bytes(["EncryptionInfo", "EncryptedPackage"], b"\x00" * 1024))


def make_encrypted_xls(folder: Path) -> Path:
    """A BIFF8 workbook stream whose BOF is followed by FILEPASS (0x002F)."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0)
    filepass = struct.pack("<HHH", 0x002F, 2, 1)
    return _write(folder, "mat-khau.xls", ole_bytes(["Workbook"], bof + filepass + b"\x00" * 512))


def make_encrypted_ods(folder: Path) -> Path:
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                b'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml">'
                b'<manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry>'
                b"</manifest:manifest>")
    mimetype = b"application/vnd.oasis.opendocument.spreadsheet"
    members = [("mimetype", mimetype, 0, zlib.crc32(mimetype), len(mimetype)),
               ("content.xml", b"\x8f\x11garbage", 0, zlib.crc32(b"\x8f\x11garbage"), 9),
               ("META-INF/manifest.xml", deflate(manifest), 8, zlib.crc32(manifest), len(manifest))]
    return _write(folder, "mat-khau.ods", raw_zip(members))


def make_docx_renamed(folder: Path) -> Path:
    document = b"<w:document/>"
    members = [("word/document.xml", deflate(document), 8, zlib.crc32(document), len(document))]
    return _write(folder, "van-ban.xlsx", raw_zip(members))


def make_word_doc_renamed(folder: Path) -> Path:
    return _write(folder, "van-ban.xls", ole_bytes(["WordDocument"], b"\x00" * 512))


def make_html_as_xls(folder: Path) -> Path:
    """Many web systems export an HTML table and call it .xls."""
    return _write(folder, "xuat-web.xls", "<html><body><table><tr><td>Số lượng</td></tr></table></body></html>"
                  .encode("utf-8"))


# name -> (builder, expected finding code)
HOSTILE = {
    "empty": (make_empty, "file-empty"),
    "pdf-renamed": (make_pdf_renamed, "not-a-spreadsheet"),
    "truncated-zip": (make_truncated, "file-unreadable"),
    "corrupt-member": (make_corrupt_member, "file-unreadable"),
    "declared-bomb": (make_declared_bomb, "file-bomb"),
    "ratio-bomb": (make_ratio_bomb, "file-bomb"),
    "lying-header": (make_lying_header, "file-bomb"),
    "xml-entities": (make_entity_bomb, "file-bomb"),
    "grid-bomb": (make_grid_bomb, "file-bomb"),
    "too-many-members": (make_too_many_members, "file-bomb"),
    "encrypted-xlsx": (make_encrypted_xlsx, "file-password-protected"),
    "encrypted-xls": (make_encrypted_xls, "file-password-protected"),
    "encrypted-ods": (make_encrypted_ods, "file-password-protected"),
    "docx-renamed": (make_docx_renamed, "not-a-spreadsheet"),
    "doc-renamed": (make_word_doc_renamed, "not-a-spreadsheet"),
    "html-as-xls": (make_html_as_xls, "not-a-spreadsheet"),
}
