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


# --------------------------------------------------------------------------- whole-workbook bombs

XLSX_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx_of_sheets(sheets: list[tuple[str, bytes]]) -> bytes:
    """A minimal xlsx from (sheet name, worksheet XML) pairs, every member deflated."""
    types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
             b'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             b'spreadsheetml.sheet.main+xml"/></Types>')
    root_rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/relationships"><Relationship Id="rId1" Type="' + REL_NS +
                 b'/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    entries = b"".join(b'<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (name.encode("utf-8"), n, n)
                       for n, (name, _) in enumerate(sheets, 1))
    workbook = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="' + XLSX_MAIN_NS + b'" xmlns:r="' + REL_NS
                + b'"><sheets>' + entries + b"</sheets></workbook>")
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships">' + b"".join(
                b'<Relationship Id="rId%d" Type="' % n + REL_NS + b'/worksheet" Target="worksheets/sheet%d.xml"/>' % n
                for n in range(1, len(sheets) + 1)) + b"</Relationships>")
    parts = [("[Content_Types].xml", types), ("_rels/.rels", root_rels), ("xl/workbook.xml", workbook),
             ("xl/_rels/workbook.xml.rels", rels)]
    parts += [(f"xl/worksheets/sheet{n}.xml", xml) for n, (_, xml) in enumerate(sheets, 1)]
    return raw_zip([(name, deflate(content), 8, zlib.crc32(content), len(content)) for name, content in parts])


def make_many_sheet_grids(folder: Path, sheets: int = 600) -> Path:
    """600 sheets of two cells, A1 and BH50000: 3 million cells each, under the per-sheet cap."""
    sheet = SHEET_HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row><row r="50000"><c r="BH50000"><v>2</v></c></row>' \
        + SHEET_TAIL
    return _write(folder, "nhieu-trang.xlsx", xlsx_of_sheets([(f"T{n}", sheet) for n in range(sheets)]))


def make_too_many_sheets(folder: Path, sheets: int = 2500) -> Path:
    """An .ods of 2,500 one-cell tables (an xlsx that large is refused for its member count first)."""
    table = (b'<table:table table:name="T%d"><table:table-row><table:table-cell office:value-type="float" '
             b'office:value="1"/></table:table-row></table:table>')
    return _write(folder, "qua-nhieu-trang.ods", ods_bytes(b"".join(table % n for n in range(sheets))))


def make_implied_positions(folder: Path) -> Path:
    """Cells and rows without ``r``: 5,000 cells in the first row, then 1,000 rows: a 5-million-cell grid."""
    sheet = (SHEET_HEAD + b"<row>" + b"<c><v>1</v></c>" * 5000 + b"</row>" + b"<row><c><v>1</v></c></row>" * 1000
             + SHEET_TAIL)
    return _write(folder, "vi-tri-ngam.xlsx", xlsx_of_sheets([("Báo cáo", sheet)]))


ODS_CONTENT_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                    b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                    b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
                    b"<office:body><office:spreadsheet>")
ODS_CONTENT_TAIL = b"</office:spreadsheet></office:body></office:document-content>"


def ods_bytes(tables: bytes, extra: list[tuple[str, bytes]] = ()) -> bytes:
    """An .ods whose content.xml holds ``tables`` (``<table:table>`` elements)."""
    mimetype = b"application/vnd.oasis.opendocument.spreadsheet"
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                b'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="'
                + mimetype + b'"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
                b'"text/xml"/></manifest:manifest>')
    content = ODS_CONTENT_HEAD + tables + ODS_CONTENT_TAIL
    members = [("mimetype", mimetype, 0, zlib.crc32(mimetype), len(mimetype))]
    for name, body in [("content.xml", content), ("META-INF/manifest.xml", manifest), *extra]:
        members.append((name, deflate(body), 8, zlib.crc32(body), len(body)))
    return raw_zip(members)


def ods_repeated_table(name: str, rows: int, cols: int) -> bytes:
    return (b'<table:table table:name="%s"><table:table-row table:number-rows-repeated="%d">'
            b'<table:table-cell table:number-columns-repeated="%d" office:value-type="float" office:value="1">'
            b"<text:p>1</text:p></table:table-cell></table:table-row></table:table>") % (name.encode(), rows, cols)


def make_ods_repeat_sheets(folder: Path) -> Path:
    """200 tables of one cell repeated 1,000 x 1,000: 200 million cells in about 1.4 KB."""
    return _write(folder, "lap-nhieu-trang.ods", ods_bytes(b"".join(ods_repeated_table(f"T{n}", 1000, 1000)
                                                                    for n in range(200))))


def make_ods_repeat_bomb(folder: Path) -> Path:
    """One table: a cell repeated across 16,384 columns of 1,048,576 rows."""
    return _write(folder, "lap.ods", ods_bytes(ods_repeated_table("Báo cáo", 1048576, 16384)))


def cfb_bytes(stream_name: str, stream: bytes) -> bytes:
    """A real OLE2 compound file (512-byte sectors) holding one stream (padded beyond the mini-stream cutoff)."""
    stream = stream + b"\x00" * max(0, 4096 - len(stream))
    sectors = -(-len(stream) // 512)
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fat_sector, end] + [n + 1 for n in range(2, 2 + sectors - 1)] + [end]
    fat += [free] * (128 - len(fat))
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        body = bytearray(128)
        body[:len(encoded)] = encoded
        struct.pack_into("<HBBIII", body, 64, len(encoded), kind, 1, no_stream, no_stream, child)
        struct.pack_into("<II", body, 116, start, size)
        return bytes(body)

    directory = entry("Root Entry", 5, 1, end, 0) + entry(stream_name, 2, no_stream, 2, len(stream))
    directory += b"\x00" * (512 - len(directory))
    return bytes(header) + struct.pack("<128I", *fat[:128]) + directory + stream.ljust(sectors * 512, b"\x00")


def biff8_stream(sheets: list[tuple[str, list[tuple[int, int]]]], globals_extra: bytes = b"") -> bytes:
    """A BIFF8 Workbook stream: globals (BOF, ``globals_extra``, BOUNDSHEETs, EOF), then each sheet's
    substream with a NUMBER record at each (row, column)."""
    def record(kind: int, body: bytes) -> bytes:
        return struct.pack("<HH", kind, len(body)) + body

    bof = lambda kind: record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0))   # noqa: E731
    substreams = [bof(0x0010) + b"".join(record(0x0203, struct.pack("<HHHd", row, col, 0, 1.0)) for row, col in cells)
                  + record(0x000A, b"") for _, cells in sheets]
    boundsheet_size = sum(4 + 8 + len(name) for name, _ in sheets)
    offset = len(bof(0x0005)) + len(globals_extra) + boundsheet_size + 4
    boundsheets = b""
    for (name, _), substream in zip(sheets, substreams):
        boundsheets += record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 0) + name.encode("latin-1"))
        offset += len(substream)
    return bof(0x0005) + globals_extra + boundsheets + record(0x000A, b"") + b"".join(substreams)


def make_xls_far_corner(folder: Path) -> Path:
    """An .xls with cells at A1 and IV65536: a dense 16-million-cell grid."""
    return _write(folder, "goc-xa.xls", cfb_bytes("Workbook", biff8_stream([("Sheet1", [(0, 0), (65535, 255)])])))


def make_xls_many_grids(folder: Path) -> Path:
    """40 sheets of cells at A1 and CV30000 (3 million cells each, under the per-sheet cap)."""
    return _write(folder, "nhieu-trang.xls",
                  cfb_bytes("Workbook", biff8_stream([(f"T{n}", [(0, 0), (29999, 99)]) for n in range(40)])))


def make_encrypted_xls_writeprot(folder: Path) -> Path:
    """Excel 2002+ with a password to open and one to modify: BOF, WRITEPROT, then FILEPASS (RC4 CryptoAPI)."""
    filepass = struct.pack("<HHHHH", 0x002F, 6, 1, 4, 2)   # encryption type RC4, version 4.2 (CryptoAPI)
    stream = biff8_stream([("Sheet1", [(0, 0)])], struct.pack("<HH", 0x0086, 0) + filepass)
    return _write(folder, "mat-khau-2002.xls", cfb_bytes("Workbook", stream))


HOSTILE.update({
    "many-sheet-grids": (make_many_sheet_grids, "file-bomb"),
    "too-many-sheets": (make_too_many_sheets, "file-bomb"),
    "implied-positions": (make_implied_positions, "file-bomb"),
    "ods-repeat-sheets": (make_ods_repeat_sheets, "file-bomb"),
    "ods-repeat-bomb": (make_ods_repeat_bomb, "file-bomb"),
    "xls-far-corner": (make_xls_far_corner, "file-bomb"),
    "xls-many-grids": (make_xls_many_grids, "file-bomb"),
    "encrypted-xls-writeprot": (make_encrypted_xls_writeprot, "file-password-protected"),
})


BASIC_MODULE = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD '
                b'OfficeDocument 1.0//EN" "module.dtd">\n<script:module xmlns:script="http://openoffice.org/2000/script"'
                b' script:name="Module1" script:language="StarBasic">Sub Main\nEnd Sub</script:module>')


def ods_with_macro_bytes() -> bytes:
    """A one-table .ods carrying a LibreOffice Basic module (whose XML has a DOCTYPE, no entity)."""
    table = (b'<table:table table:name="B\xc3\xa1o c\xc3\xa1o"><table:table-row><table:table-cell office:value-type='
             b'"float" office:value="7"><text:p>7</text:p></table:table-cell></table:table-row></table:table>')
    return ods_bytes(table, [("Basic/Standard/Module1.xml", BASIC_MODULE)])


def make_ods_doctype_repeat_bomb(folder: Path) -> Path:
    """A DOCTYPE in content.xml must not blind the grid count (the scan reads on past it)."""
    content = ods_repeated_table("Báo cáo", 1048576, 16384)
    head = b'<?xml version="1.0" encoding="UTF-8"?>'
    data = ods_bytes(content)
    members = _members(data)
    members["content.xml"] = members["content.xml"].replace(head, head + b"<!DOCTYPE office:document-content>", 1)
    mimetype = members.pop("mimetype")
    built = [("mimetype", mimetype, 0, zlib.crc32(mimetype), len(mimetype))]
    built += [(name, deflate(body), 8, zlib.crc32(body), len(body)) for name, body in members.items()]
    return _write(folder, "lap-doctype.ods", raw_zip(built))


HOSTILE["ods-doctype-repeat-bomb"] = (make_ods_doctype_repeat_bomb, "file-bomb")


def dense_sheet(rows: int, cols: int) -> bytes:
    """A worksheet with a number in every cell of rows x cols (written the way Excel writes cells)."""
    from cchc_sheets import a1

    letters = [a1.column_letter(c).encode() for c in range(1, cols + 1)]
    body = b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d"><v>%d</v></c>' % (letter, r, r) for letter in letters)
                    + b"</row>" for r in range(1, rows + 1))
    return SHEET_HEAD + body + SHEET_TAIL


def make_xlsx_many_filled_cells(folder: Path) -> Path:
    """1,010,000 real cells on the form's sheet: more than any reader should build for a return."""
    return _write(folder, "trieu-o.xlsx", xlsx_of_sheets([("Báo cáo", dense_sheet(10100, 100))]))


def make_ods_many_filled_cells(folder: Path) -> Path:
    """Two tables of a million filled cells each, by repeats (calamine builds every table of an .ods)."""
    return _write(folder, "trieu-o.ods", ods_bytes(ods_repeated_table("Báo cáo", 1000, 1000)
                                                   + ods_repeated_table("Khác", 1000, 1000)))


HOSTILE["xlsx-many-filled-cells"] = (make_xlsx_many_filled_cells, "file-bomb")
HOSTILE["ods-many-filled-cells"] = (make_ods_many_filled_cells, "file-bomb")
