"""Open any returned file safely and hand back its cells, sheets and identity.

Speed: python-calamine reads .xlsx/.xlsm/.xls/.ods/.xlsb in well under a
millisecond for a template, so it is the only parser on the hot path. What
calamine does not tell (protection, formula error values in .xlsx) is read from
the raw package parts with bounded regular expressions; for an .xls, sheet
protection comes from the BIFF8 records of its Workbook stream (olefile opens
the OLE2 container). The parts inflated for the checks below are handed to
calamine stored, in a copy of the package, so no sheet is inflated twice; parts every copy of a template shares (theme, styles,
workbook.xml...) are inflated or peeked at once per batch, remembered by their
compressed bytes.

Safety (hostile or broken files): everything that can be checked before a
parser runs is checked first and every failure ends as ``RawWorkbook.problem``
(a catalogue finding), never as an exception:

1. size on disk (``file-too-large``) and emptiness (``file-empty``);
2. magic bytes: ZIP (xlsx/xlsm/xlsb/ods), OLE2 (xls, or an encrypted xlsx),
   anything else is ``not-a-spreadsheet``;
3. ZIP packages: the central directory's declared sizes, member count and
   compression ratios (``file-bomb``), then the parts that hold cells or are
   parsed here (workbook.xml, its rels, the content types, every sheet; every
   part of .ods/.xlsb) are inflated here with an output cap equal to their
   declared size, so a header that lies about its size is caught before
   calamine inflates it; XML with ``<!DOCTYPE`` or ``<!ENTITY`` is refused
   (entity expansion attacks). The other xlsx parts (theme, styles, document
   properties) are only peeked at: deflate cannot exceed 1032:1, so their
   compressed size bounds them (16 MB for all of them together, else they are
   inflated too), and their first bytes must be the XML declaration then the
   root element, which leaves no room for a DTD. The cell grid of each
   worksheet is bounded (a two-cell sheet at A1 and CV1048576 would make any
   reader allocate a dense 100-million-cell grid);
4. encryption: an OLE file with an ``EncryptedPackage`` stream (password-to-open
   xlsx), an .xls with a FILEPASS record, an .ods whose manifest has
   ``encryption-data``: ``file-password-protected``.
"""
from __future__ import annotations

import functools
import hashlib
import html
import io
import os
import posixpath
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable

from . import a1, layout, model
from .messages import phrase
from .periods import parse_period, period_from_label
from .values import ERROR_LITERALS, CellError

MB = 1024 * 1024
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")

# --------------------------------------------------------------------------- values


@dataclass
class Limits:
    max_file_bytes: int = 20 * MB            # a template is a few tens of KB
    max_uncompressed_bytes: int = 100 * MB   # all members of a ZIP package together
    max_member_ratio: int = 200              # declared size / compressed size of one member
    ratio_floor_bytes: int = 4 * MB          # the ratio only matters above this declared size
    max_members: int = 2000
    max_cells: int = 4_000_000               # rows x columns of one sheet's used grid


@dataclass
class RawSheet:
    name: str
    visibility: str                # 'visible' | 'hidden' | 'veryhidden'
    cells: dict[str, object]       # 'D9' -> value; only non-empty cells
    protected: bool | None = None  # None when the format does not tell us cheaply


@dataclass
class RawWorkbook:
    path: str
    sha256: str
    size: int
    file_format: str | None        # 'xlsx' | 'xlsm' | 'xls' | 'ods' | 'xlsb'
    modified: datetime | None      # file mtime (UTC-aware)
    sheets: list[RawSheet] = field(default_factory=list)
    structure_protected: bool | None = None
    problem: model.Finding | None = None   # set when unreadable; sheets empty then

    def sheet(self, name: str) -> RawSheet | None:
        wanted = _fold_name(name)
        return next((s for s in self.sheets if _fold_name(s.name) == wanted), None)

    @property
    def readable(self) -> bool:
        return self.problem is None


@dataclass
class Identity:
    form_id: str | None
    form_version: int | None
    unit_code: str | None
    unit_name: str | None
    period: str | None
    deadline: date | None
    generated_at: datetime | None
    fingerprint: str | None
    source: str                     # 'metadata' (hidden sheet) | 'heading' (visible heading)
    sheet: str | None = None        # the sheet the identity was read from


class _Refused(Exception):
    """The file cannot be read; carries the catalogue code and its fields."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params


@functools.lru_cache(maxsize=1024)
def _fold_name(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().casefold()


# --------------------------------------------------------------------------- reading


def read_workbook(path: str | Path, limits: Limits = Limits()) -> RawWorkbook:
    """Read one file; never raises for a bad file (``problem`` says what is wrong)."""
    path = Path(path)
    book = RawWorkbook(path=str(path), sha256="", size=0, file_format=_format_from_suffix(path), modified=None)
    try:
        file_stat = path.stat()
        book.size = file_stat.st_size
        book.modified = datetime.fromtimestamp(file_stat.st_mtime, tz=timezone.utc)
        _check_size(book.size, limits)
        data = path.read_bytes()
        book.sha256 = hashlib.sha256(data).hexdigest()
        _read_bytes(book, data, limits)
    except _Refused as refused:
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
    return suffix if suffix in {"xlsx", "xlsm", "xls", "ods", "xlsb"} else None


def _check_size(size: int, limits: Limits) -> None:
    if size == 0:
        raise _Refused("file-empty")
    if size > limits.max_file_bytes:
        raise _Refused("file-too-large", size=_mb(size), limit=_mb(limits.max_file_bytes))


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",")


def _read_bytes(book: RawWorkbook, data: bytes, limits: Limits) -> None:
    if data[:4] == b"PK\x03\x04":
        package = _inspect_zip(data, limits)
        book.file_format = package.file_format
    elif data[:8] == OLE_MAGIC:
        package = _inspect_ole(data)
        book.file_format = "xls"
    else:
        raise _Refused("not-a-spreadsheet", detail=_describe_content(data))
    book.sheets = _calamine_sheets(package.for_calamine(data), limits)
    package.annotate(book)


def _describe_content(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith(b"%pdf"):
        return phrase("detail-content-pdf")
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) or b"<html" in head:
        return phrase("detail-content-html")
    if data[:4] in (b"PK\x05\x06", b"PK\x07\x08") or data[:2] == b"PK":
        return phrase("detail-zip-damaged")
    if data[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1") or data[:3] == b"GIF":
        return phrase("detail-content-image")
    if data[:4] == b"{\\rt":
        return phrase("detail-content-rtf")
    try:
        data[:4096].decode("utf-8")
        return phrase("detail-content-text")
    except UnicodeDecodeError:
        return phrase("detail-content-unknown")


# --------------------------------------------------------------------------- calamine


_VISIBILITY = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryhidden"}


def _calamine_sheets(data: bytes, limits: Limits) -> list[RawSheet]:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise _Refused("file-password-protected") from None
    except Exception as exc:
        raise _Refused("file-unreadable", reason=_calamine_reason(exc)) from None
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
        raise _Refused("file-unreadable", reason=_calamine_reason(exc)) from None
    if sheet.height * sheet.width > limits.max_cells:
        raise _Refused("file-bomb", detail=_grid_detail(sheet.height, sheet.width))
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


def _grid_detail(rows: int, cols: int) -> str:
    return phrase("detail-grid-too-large", rows=rows, cols=cols)


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (0-based, as calamine counts columns)."""
    return a1.column_letter(index + 1)


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    return a1.column_number(letters) - 1


# --------------------------------------------------------------------------- ZIP packages


class _Package:
    """What the pre-parse inspection learned; adds protection and error cells after calamine."""

    file_format = None

    def for_calamine(self, data: bytes) -> bytes:
        """The bytes calamine should open: the file itself unless an equivalent is cheaper to read."""
        return data

    def annotate(self, book: RawWorkbook) -> None:
        return None


class _ZipPackage(_Package):
    def __init__(self, file_format: str, members: "_Members", index: "_OoxmlIndex | None" = None):
        self.file_format = file_format
        self.members = members
        self.parts = members.parts
        self.index = index

    def for_calamine(self, data: bytes) -> bytes:
        return _stored_copy(self.members) or data

    def annotate(self, book: RawWorkbook) -> None:
        if self.file_format in ("xlsx", "xlsm"):
            _annotate_ooxml(book, self.parts, self.index)
        elif self.file_format == "ods":
            _annotate_ods(book, self.parts)


_INSPECTED_SUFFIXES = (".xml", ".rels", ".bin", ".vml")
# Parts that may hold cells (a worksheet, wherever workbook.xml points) are always inflated in full.
_SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/", "xl/macrosheets/", "xl/dialogsheets/")
MAX_DEFLATE_RATIO = 1032           # deflate cannot produce more than 1032 bytes per compressed byte
PEEK_BYTES = 512                   # enough for the XML declaration and the root element's start
PEEK_WORST_CASE_BYTES = 16 * MB    # what all peeked members together could inflate to at most


def _inspect_zip(data: bytes, limits: Limits) -> _ZipPackage:
    infos = _central_directory(data)
    if infos is None:                       # anything unusual: zipfile reads it (and says what is wrong)
        infos = _open_zip(data).infolist()
    _check_declared_sizes(infos, limits)
    if any(info.flag_bits & 0x1 for info in infos):
        raise _Refused("file-password-protected")
    members = _Members(data, infos, limits)
    file_format = _zip_format(lambda: _open_zip(data), members)
    if file_format in ("xlsx", "xlsm"):
        return _inspect_ooxml(members, file_format, limits)
    for info in infos:
        if members.inspected(info):
            members.inflate(info)
    if file_format == "ods" and b"encryption-data" in members.parts.get("META-INF/manifest.xml", b""):
        raise _Refused("file-password-protected")
    return _ZipPackage(file_format=file_format, members=members)


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise _Refused("file-unreadable", reason=phrase("detail-zip-truncated", error=exc)) from None


class _Entry:
    """The fields of a ``zipfile.ZipInfo`` this module uses."""

    __slots__ = ("filename", "raw_name", "flag_bits", "compress_type", "CRC", "compress_size", "file_size",
                 "header_offset")


_END_RECORD = struct.Struct("<4s4H2LH")                # zipfile.structEndArchive (22 bytes)
_CENTRAL_RECORD = struct.Struct("<4s4B4HL2L5H2L")      # zipfile.structCentralDir (46 bytes)


def _central_directory(data: bytes) -> list[_Entry] | None:
    """The members of a plain ZIP, read straight from its central directory (3x faster than zipfile).

    Plain: no archive comment, no ZIP64, nothing prepended, no extra fields, a
    version zipfile supports. Anything else returns None and zipfile reads it.
    """
    if len(data) < 22:
        return None
    signature, disk, cd_disk, disk_count, count, cd_size, cd_offset, comment = _END_RECORD.unpack_from(data, len(data) - 22)
    end = cd_offset + cd_size
    if signature != b"PK\x05\x06" or comment or disk or cd_disk or disk_count != count or end != len(data) - 22:
        return None
    entries, position = [], cd_offset
    while position + 46 <= end:
        (signature, _, _, extract_version, _, flags, method, _, _, crc, compress_size, file_size,
         name_length, extra_length, comment_length, _, _, _, offset) = _CENTRAL_RECORD.unpack_from(data, position)
        if signature != b"PK\x01\x02" or extract_version > zipfile.MAX_EXTRACT_VERSION or extra_length:
            return None
        raw_name = data[position + 46:position + 46 + name_length]
        try:   # ASCII reads the same in both encodings (and decodes faster)
            name = raw_name.decode("ascii" if raw_name.isascii() else "utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        if "\x00" in name:
            return None
        entry = _Entry()
        entry.filename, entry.flag_bits, entry.compress_type, entry.CRC = name, flags, method, crc
        entry.raw_name = raw_name
        entry.compress_size, entry.file_size, entry.header_offset = compress_size, file_size, offset
        entries.append(entry)
        position += 46 + name_length + extra_length + comment_length
    return entries if position == end and len(entries) == count else None


def _inspect_ooxml(members: "_Members", file_format: str, limits: Limits) -> _ZipPackage:
    """Inflate what is parsed here (workbook, its relationships, the sheets); peek at the rest.

    The other parts (theme, styles, document properties, ...) are only read by
    calamine or not at all: their compressed size bounds what they can inflate
    to, and a DTD can only sit in the prolog, before the root element.
    """
    workbook_xml = members.inflate_named("xl/workbook.xml")
    rels_xml = members.inflate_named("xl/_rels/workbook.xml.rels")
    index = _ooxml_index(workbook_xml, rels_xml)
    for info in members.infos:
        if not members.inspected(info):
            continue
        name = members.name(info)
        if name.lower().endswith(".bin") or name.startswith(_SHEET_FOLDERS) \
                or name.casefold() in index.sheet_members or not members.peek(info):
            members.inflate(info)
    _check_ooxml_grids(members.parts, limits)
    return _ZipPackage(file_format=file_format, members=members, index=index)


class _Members:
    """The members of one ZIP package, each inflated at most once, within the package's budget."""

    def __init__(self, data: bytes, infos: list[zipfile.ZipInfo], limits: Limits):
        self.data, self.infos = data, infos
        self.names = {id(info): info.filename.replace("\\", "/") for info in infos}  # Windows tools write "\\"
        self.by_name: dict[str, list[zipfile.ZipInfo]] = {}
        for info in infos:
            self.by_name.setdefault(self.names[id(info)], []).append(info)
        self.parts: dict[str, bytes] = {}
        self.budget = [limits.max_uncompressed_bytes]
        self.peek_budget = min(PEEK_WORST_CASE_BYTES, limits.max_uncompressed_bytes)
        self.contents: dict[int, bytes] = {}   # id(info) -> inflated bytes
        self.checked: set[int] = set()         # id(info) of members inflated and checked, or peeked

    def name(self, info: zipfile.ZipInfo) -> str:
        return self.names[id(info)]

    def inspected(self, info: zipfile.ZipInfo) -> bool:
        name = self.name(info)
        return name.lower().endswith(_INSPECTED_SUFFIXES) or name == "mimetype"

    def named(self, name: str) -> list[zipfile.ZipInfo]:
        return self.by_name.get(name, [])

    def content(self, info: zipfile.ZipInfo) -> bytes:
        """The member's bytes, inflated here with a cap near its declared size (not yet checked)."""
        if id(info) not in self.contents:
            name = self.name(info)
            remember = not name.startswith(_SHEET_FOLDERS)   # sheets differ from one return to the next
            self.contents[id(info)] = self.parts[name] = _inflate(self.data, info, self.budget, remember)
        return self.contents[id(info)]

    def inflate(self, info: zipfile.ZipInfo) -> bytes:
        """The member's bytes; XML with entity declarations is refused."""
        name, content = self.name(info), self.content(info)
        if id(info) not in self.checked:
            self.checked.add(id(info))
            # b"!" is found at memory speed; the two declarations are searched only when it is there.
            if not name.lower().endswith(".bin") and b"!" in content \
                    and (b"<!DOCTYPE" in content or b"<!ENTITY" in content):
                raise _Refused("file-bomb", detail=phrase("detail-xml-entities", part=name))
        return content

    def inflate_named(self, name: str) -> bytes:
        """The last member called ``name`` (as in ``parts``), or b'' when there is none."""
        content = b""
        for info in self.named(name):
            content = self.inflate(info)
        return content

    def peek(self, info: zipfile.ZipInfo) -> bool:
        """True when the member was checked without inflating it; False: inflate it in full.

        Checked means: its worst-case inflated size fits what peeked members may
        still add up to, and its start holds at most the XML declaration, then
        the root element (so no DTD, hence no entity declarations).
        """
        if id(info) in self.checked:
            return True
        worst = info.compress_size * (MAX_DEFLATE_RATIO if info.compress_type == zipfile.ZIP_DEFLATED else 1)
        if id(info) in self.contents or worst > self.peek_budget \
                or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return False
        raw = _raw_member(self.data, info)
        key = (raw, info.compress_type)
        plain = _PLAIN_PARTS.get(key)
        if plain is None:
            plain = _remember(_PLAIN_PARTS, key, _starts_plainly(raw, info.compress_type), len(raw))
        if not plain:
            return False
        self.peek_budget -= worst
        self.checked.add(id(info))
        return True


# What members that are the same in every copy of a template (theme, styles, workbook.xml,
# its relationships...) inflate to, remembered by their compressed bytes: the same bytes
# always give the same result. Bounded (cleared when full) so memory stays flat.
REMEMBERED_PARTS = 64
REMEMBERED_PART_BYTES = 64 * 1024
_PLAIN_PARTS: dict[tuple[bytes, int], bool] = {}
_INFLATED_PARTS: dict[tuple[bytes, int, int, int], bytes] = {}


def _remember(cache: dict, key: tuple, value, size: int):
    """Keep ``value`` when what it holds (``size`` bytes) is small: at most 64 x 64 KB per cache."""
    if size <= REMEMBERED_PART_BYTES:
        if len(cache) >= REMEMBERED_PARTS:
            cache.clear()
        cache[key] = value
    return value


def _starts_plainly(raw: bytes, compress_type: int) -> bool:
    """Whether a member starts with at most the XML declaration, then the root element."""
    try:
        head = zlib.decompressobj(-15).decompress(raw, PEEK_BYTES) if compress_type else raw[:PEEK_BYTES]
    except zlib.error:
        return False                 # the full inflation says what is wrong
    return bool(_PLAIN_PROLOG.match(head))


_LOCAL_RECORD = struct.Struct("<4s2B4HL2L2H")          # zipfile.structFileHeader (30 bytes)
_DOS_DATE_1980 = 0x21                                  # 1 January 1980: member dates mean nothing to calamine


def _stored_copy(members: _Members) -> bytes | None:
    """The same package with the members already inflated here stored, not deflated.

    calamine would inflate the sheets a second time (a third of its work); in the
    copy they are plain bytes. Every member keeps its name, order and CRC; only
    members inflated to exactly their declared size (so their CRC was checked)
    are stored, the others are copied as they were. None for a package zipfile
    had to read (anything unusual): calamine then opens the file itself.
    """
    if not all(isinstance(info, _Entry) for info in members.infos):
        return None
    records, directory, offset = [], [], 0
    for info in members.infos:
        content = members.contents.get(id(info))
        if content is not None and len(content) == info.file_size:
            method, body = zipfile.ZIP_STORED, content
        else:
            method, body = info.compress_type, _raw_member(members.data, info)
        flags, name = info.flag_bits & ~0x8, info.raw_name   # sizes are in the header: no data descriptor
        fields = (flags, method, 0, _DOS_DATE_1980, info.CRC, len(body), info.file_size, len(name))
        records += [_LOCAL_RECORD.pack(b"PK\x03\x04", 20, 0, *fields, 0), name, body]
        directory += [_CENTRAL_RECORD.pack(b"PK\x01\x02", 20, 0, 20, 0, *fields, 0, 0, 0, 0, 0, offset), name]
        offset += _LOCAL_RECORD.size + len(name) + len(body)
    size = sum(map(len, directory))
    end = _END_RECORD.pack(b"PK\x05\x06", 0, 0, len(members.infos), len(members.infos), size, offset, 0)
    return b"".join(records + directory + [end])


# An optional BOM and XML declaration, then the root element: no room for a DTD.
_PLAIN_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml\s[^<>]*\?>\s*)?<[A-Za-z_]")
def _check_declared_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.max_members:
        raise _Refused("file-bomb", detail=phrase("detail-too-many-members", count=len(infos)))
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise _Refused("file-bomb", detail=phrase("detail-inflates-to", size=_mb(total)))
    for info in infos:
        if info.file_size <= limits.ratio_floor_bytes:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_member_ratio:
            raise _Refused("file-bomb", detail=phrase("detail-member-ratio", part=info.filename, ratio=int(ratio)))


def _zip_format(open_archive, members: _Members) -> str:
    names = members.by_name
    if "mimetype" in names:
        mimetype = open_archive().read("mimetype")[:100]
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        raise _Refused("not-a-spreadsheet", detail=phrase("detail-opendocument-type", type=mimetype.decode("ascii", "replace")))
    if "xl/workbook.bin" in names:
        return "xlsb"
    content_types = b""
    for info in members.named("[Content_Types].xml"):      # checked for entities with the other parts
        content_types = members.content(info)[:200000]
    if "xl/workbook.xml" in names or b"spreadsheetml.sheet.main" in content_types \
            or b"ms-excel.sheet.macroEnabled.main" in content_types:
        return "xlsm" if b"macroEnabled" in content_types else "xlsx"
    if "word/document.xml" in names:
        raise _Refused("not-a-spreadsheet", detail=phrase("detail-content-docx"))
    if "ppt/presentation.xml" in names:
        raise _Refused("not-a-spreadsheet", detail=phrase("detail-content-pptx"))
    raise _Refused("not-a-spreadsheet", detail=phrase("detail-zip-no-spreadsheet"))


SIZE_SLACK = 256 * 1024  # a member may inflate a little beyond its declared size (sloppy writers)


def _inflate(data: bytes, info: zipfile.ZipInfo, budget: list[int], remember: bool = False) -> bytes:
    """One member's bytes, inflated here with an output cap near its declared size.

    Reading the raw compressed bytes ourselves (rather than through ZipFile.open)
    lets us see a deflate stream that would produce more than its header claims.
    A small overshoot is a sloppy writer (calamine reads such files); a large one
    is a bomb. ``budget`` holds the bytes the whole package may still inflate to.
    ``remember``: a member likely to come back unchanged in the next return; a
    remembered result is reused only when it fits this package's budget too.
    """
    raw = _raw_member(data, info)
    key = (raw, info.compress_type, info.file_size, info.CRC)
    content = _INFLATED_PARTS.get(key) if remember else None
    if content is None or len(content) > budget[0]:
        content = _inflate_raw(raw, info, budget[0])
        if remember:
            _remember(_INFLATED_PARTS, key, content, len(raw) + len(content))
    budget[0] -= len(content)
    return content


def _inflate_raw(raw: bytes, info: zipfile.ZipInfo, budget: int) -> bytes:
    if info.compress_type == zipfile.ZIP_STORED:
        content = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        content = _bounded_inflate(raw, info, min(info.file_size + SIZE_SLACK, budget))
    else:
        raise _Refused("file-unreadable", reason=phrase("detail-compression-unsupported", method=info.compress_type))
    if len(content) == info.file_size and zlib.crc32(content) != info.CRC:
        raise _Refused("file-unreadable", reason=phrase("detail-member-crc", part=info.filename))
    return content


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """The member's stored (compressed) bytes, located through its local header."""
    offset = info.header_offset
    header = data[offset:offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _Refused("file-unreadable", reason=phrase("detail-member-damaged", part=info.filename))
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    raw = data[start:start + info.compress_size]
    if len(raw) < info.compress_size:
        raise _Refused("file-unreadable", reason=phrase("detail-truncated"))
    return raw


def _bounded_inflate(raw: bytes, info: zipfile.ZipInfo, cap: int) -> bytes:
    inflater = zlib.decompressobj(-15)
    try:
        content = inflater.decompress(raw, cap + 1)
    except zlib.error as exc:
        raise _Refused("file-unreadable", reason=phrase("detail-member-damaged-because", part=info.filename, error=exc)) from None
    if len(content) > cap or inflater.unconsumed_tail:
        raise _Refused("file-bomb", detail=phrase("detail-member-beyond-size", part=info.filename, size=info.file_size))
    return content


_ANY_CELL_REF = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
# A cell with a value or formula (styled empty cells, which Gnumeric writes across
# whole sheets, are skipped by every reader and do not count).
_VALUE_CELL_REF = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"[^>]*?(?<!/)>\s*<(?:v|is|f)\b")


# A reference in column AA or beyond, or in row 10000 or beyond (rows' own r= included).
# No \b before r: the literal start makes the search fast, and a match inside another
# attribute only costs the exact computation below.
_LARGE_REF = re.compile(rb'r="(?:[A-Z]{2}|[A-Z]?[0-9]{5})')
SMALL_GRID_CELLS = 26 * 9999


def _check_ooxml_grids(parts: dict[str, bytes], limits: Limits) -> None:
    """Refuse a worksheet whose used grid (the box around all its cells) is huge.

    calamine (like any reader) builds a dense rows x columns grid; two cells far
    apart in a 5 KB file would otherwise cost gigabytes. The quick pattern looks
    at every cell; only when that box is too big are empty styled cells set aside.
    """
    for name, part in parts.items():
        if not name.endswith(".xml") or b"<sheetData" not in part:
            continue
        if limits.max_cells >= SMALL_GRID_CELLS and not _LARGE_REF.search(part):
            continue   # every reference within A1:Z9999, so the box is small whatever it is
        if _grid_size(_ANY_CELL_REF, part)[0] <= limits.max_cells:
            continue
        cells, height, width = _grid_size(_VALUE_CELL_REF, part)
        if cells > limits.max_cells:
            raise _Refused("file-bomb", detail=_grid_detail(height, width))


def _grid_size(pattern: re.Pattern, part: bytes) -> tuple[int, int, int]:
    """(cells, rows, columns) of the box around the cells ``pattern`` finds."""
    references = pattern.findall(part)
    if not references:
        return 0, 0, 0
    rows = [int(row) for _, row in references]
    cols = {letters for letters, _ in references}
    indexes = [column_index(letters.decode()) for letters in cols]
    height, width = max(rows) - min(rows) + 1, max(indexes) - min(indexes) + 1
    return height * width, height, width


# --------------------------------------------------------------------------- OOXML protection and errors

_ATTRIBUTE = re.compile(rb"([\w:.-]+)\s*=\s*\"([^\"]*)\"")


def _attributes(tag: bytes) -> dict[str, str]:
    """Attributes of one start tag, prefixes dropped (``r:id`` -> ``id``), entities decoded."""
    result = {}
    for key, value in _ATTRIBUTE.findall(tag):
        local = key.decode("utf-8", "replace").rsplit(":", 1)[-1]
        if local not in result:
            text = value.decode("utf-8", "replace")
            result[local] = html.unescape(text) if "&" in text else text
    return result


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true")


_WORKBOOK_PROTECTION = re.compile(rb"<workbookProtection\b[^>]*>")
_SHEET_PROTECTION = re.compile(rb"<sheetProtection\b[^>]*>")
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>")
_SHEET_TAG = re.compile(rb"<sheet\b[^>]*>")


@dataclass(frozen=True)
class _OoxmlIndex:
    """What workbook.xml and its relationships say; the same for every copy of one template."""

    structure_protected: bool
    sheet_parts: dict[str, str]        # folded sheet name -> part name
    sheet_members: frozenset[str]      # every member name a <sheet> could resolve to (casefolded)


_INDEX_CACHE: dict[tuple[bytes, bytes], _OoxmlIndex] = {}
INDEX_CACHE_ENTRIES = 64
INDEX_CACHE_MAX_KEY = 64 * 1024


def _ooxml_index(workbook_xml: bytes, rels_xml: bytes) -> _OoxmlIndex:
    """Parsed once per distinct (workbook.xml, rels) pair: a batch of returns shares a handful."""
    key = (workbook_xml, rels_xml)
    index = _INDEX_CACHE.get(key)
    if index is None:
        index = _build_ooxml_index(workbook_xml, rels_xml)
        if len(workbook_xml) + len(rels_xml) <= INDEX_CACHE_MAX_KEY:
            if len(_INDEX_CACHE) >= INDEX_CACHE_ENTRIES:
                _INDEX_CACHE.clear()
            _INDEX_CACHE[key] = index
    return index


def _build_ooxml_index(workbook_xml: bytes, rels_xml: bytes) -> _OoxmlIndex:
    protection = _WORKBOOK_PROTECTION.search(workbook_xml)
    targets = {}
    for tag in _RELATIONSHIP.findall(rels_xml):
        attrs = _attributes(tag)
        targets[attrs.get("Id")] = attrs.get("Target", "")
    sheet_parts, members = {}, set()
    for tag in _SHEET_TAG.findall(workbook_xml):
        attrs = _attributes(tag)
        if attrs.get("id") not in targets:
            continue
        target = targets[attrs["id"]]
        if "name" in attrs:
            sheet_parts[_fold_name(attrs["name"])] = _part_name(target)
        members |= _possible_members(target)
    return _OoxmlIndex(structure_protected=bool(protection and _true(_attributes(protection.group(0)).get("lockStructure"))),
                       sheet_parts=sheet_parts, sheet_members=frozenset(members))


def _part_name(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)


def _possible_members(target: str) -> set[str]:
    """Every way a reader might resolve a relationship target (so a sheet is never merely peeked at)."""
    names = set()
    for variant in {target, target.replace("\\", "/")}:
        names |= {variant, variant.lstrip("/"), "xl/" + variant, _part_name(variant),
                  posixpath.normpath("xl/" + variant.lstrip("/"))}
    return {name.casefold() for name in names}


def _first_match(pattern: re.Pattern, literal: bytes, part: bytes) -> re.Match | None:
    """``pattern.search(part)`` for a pattern starting with ``literal``, found by bytes.find.

    The regular expression engine tries every byte of a sheet; find skips ahead
    (a tenth of the time on a 20 KB sheet whose protection sits near the end).
    """
    start = part.find(literal)
    while start >= 0:
        match = pattern.match(part, start)
        if match:
            return match
        start = part.find(literal, start + 1)
    return None


_sheet_locks: dict[bytes, bool] = {}


def _sheet_lock(tag: bytes) -> bool:
    """The ``sheet`` attribute of a <sheetProtection> tag (remembered: copies of a template share it)."""
    locked = _sheet_locks.get(tag)
    if locked is None:
        locked = _true(_attributes(tag).get("sheet"))
        if len(tag) <= 4096:
            if len(_sheet_locks) >= INDEX_CACHE_ENTRIES:
                _sheet_locks.clear()
            _sheet_locks[tag] = locked
    return locked


def _annotate_ooxml(book: RawWorkbook, parts: dict[str, bytes], index: _OoxmlIndex) -> None:
    book.structure_protected = index.structure_protected
    for sheet in book.sheets:
        part = parts.get(index.sheet_parts.get(_fold_name(sheet.name), ""), None)
        if part is None:
            continue
        element = _first_match(_SHEET_PROTECTION, b"<sheetProtection", part)
        sheet.protected = bool(element and _sheet_lock(element.group(0)))
        if b't="e"' in part:
            sheet.cells.update(_ooxml_error_cells(part))


_ERROR_CELL = re.compile(rb"<c\b([^>]*\bt=\"e\"[^>]*)>(.*?)</c>", re.S)


def _ooxml_error_cells(part: bytes) -> dict[str, CellError]:
    """Formula cells whose cached value is an error: calamine hands these over as empty."""
    cells = {}
    for attributes, body in _ERROR_CELL.findall(part):
        reference = _attributes(attributes).get("r")
        value = re.search(rb"<v>([^<]*)</v>", body)
        if reference and value:
            text = html.unescape(value.group(1).decode("utf-8", "replace")).strip()
            cells[reference] = CellError(text if text in ERROR_LITERALS else text or "#VALUE!")
    return cells


# --------------------------------------------------------------------------- ODS protection


def _annotate_ods(book: RawWorkbook, parts: dict[str, bytes]) -> None:
    content = parts.get("content.xml", b"")
    spreadsheet = re.search(rb"<office:spreadsheet\b[^>]*>", content)
    book.structure_protected = bool(spreadsheet and _true(_attributes(spreadsheet.group(0)).get("structure-protected")))
    protected = {}
    for tag in re.findall(rb"<table:table\s[^>]*>", content):
        attrs = _attributes(tag)
        if "name" in attrs:
            protected[_fold_name(attrs["name"])] = _true(attrs.get("protected"))
    for sheet in book.sheets:
        sheet.protected = protected.get(_fold_name(sheet.name))


# --------------------------------------------------------------------------- OLE2 (.xls, encrypted OOXML)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class _OlePackage(_Package):
    """An .xls: its sheets' protection comes from the BIFF8 records (calamine does not tell)."""

    file_format = "xls"

    def __init__(self, data: bytes):
        self.data = data

    def annotate(self, book: RawWorkbook) -> None:
        found = _xls_protection(self.data)
        if found is None:            # not BIFF8, or a stream we cannot walk: protection stays unknown
            return
        book.structure_protected, sheets = found
        for sheet in book.sheets:
            sheet.protected = sheets.get(_fold_name(sheet.name))


def _inspect_ole(data: bytes) -> _OlePackage:
    """An OLE2 compound file: an .xls, or an xlsx encrypted with a password to open."""
    if _utf16(b"EncryptedPackage") in data or _utf16(b"EncryptionInfo") in data:
        raise _Refused("file-password-protected")
    if _utf16(b"Workbook") not in data and _utf16(b"Book") not in data and _utf16(b"book") not in data.lower():
        what = phrase("detail-content-doc") if _utf16(b"WordDocument") in data \
            else phrase("detail-ole-no-workbook")
        raise _Refused("not-a-spreadsheet", detail=what)
    if _xls_has_filepass(data):
        raise _Refused("file-password-protected")
    return _OlePackage(data)


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


def _xls_protection(data: bytes) -> tuple[bool, dict[str, bool]] | None:
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
                sheets[_fold_name(name)] = _substream_protected(stream, offset)
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


# --------------------------------------------------------------------------- identity


def identify(raw: RawWorkbook) -> Identity | None:
    """Form, unit and period from the hidden metadata sheet, else from the visible heading."""
    if raw.problem is not None:
        return None
    meta = raw.sheet(layout.META_SHEET)
    if meta is not None:
        identity = _identity_from_metadata(meta)
        if identity is not None:
            return identity
    for sheet in raw.sheets:
        identity = _identity_from_heading(sheet)
        if identity is not None:
            return identity
    return None


def _identity_from_metadata(meta: RawSheet) -> Identity | None:
    values: dict[str, object] = {}
    for address, key in meta.cells.items():
        if address.startswith("A") and address[1:].isdigit() and isinstance(key, str):
            values[key.strip()] = meta.cells.get("B" + address[1:])
    if not values.get("form_id") and not values.get("unit_code"):
        return None
    return Identity(
        form_id=_text(values.get("form_id")),
        form_version=_integer(values.get("form_version")),
        unit_code=_text(values.get("unit_code")),
        unit_name=_text(values.get("unit_name")),
        period=_period_code(values.get("period")),
        deadline=_date(values.get("deadline")),
        generated_at=_datetime(values.get("generated_at")),
        fingerprint=_text(values.get("layout_fingerprint")),
        source="metadata",
        sheet=meta.name,
    )


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)                  # a numeric code re-saved as a number
    return unicodedata.normalize("NFC", str(value)).strip() or None


def _integer(value: object) -> int | None:
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def _period_code(value: object) -> str | None:
    text = _text(value)
    return None if text is None else _period_code_of(text)


@functools.lru_cache(maxsize=256)
def _period_code_of(text: str) -> str:
    """Remembered: every return of a batch names the same period."""
    try:
        return parse_period(text).code
    except Exception:
        found = period_from_label(text)
        return found.code if found else text


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return _date_dmy(text)


def _date_dmy(text: str) -> date | None:
    match = re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if not match:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def _datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


HEADING_SCAN_ROWS = 20  # a heading pasted lower down in a new workbook is still found
_UNIT_LINE = re.compile(r"^\s*(.+?)\s*\(\s*mã\s*:?\s*([^()]+?)\s*\)\s*$", re.I)


def _identity_from_heading(sheet: RawSheet) -> Identity | None:
    """Parse ``Kỳ báo cáo: …`` and ``Đơn vị báo cáo: <name> (mã <code>)`` near the top."""
    lines = _heading_lines(sheet)
    period_text = _after_prefix(lines, layout.PERIOD_PREFIX)
    unit_text = _after_prefix(lines, layout.UNIT_PREFIX)
    if period_text is None and unit_text is None:
        return None
    found_period = period_from_label(period_text) if period_text else None
    unit_match = _UNIT_LINE.match(unit_text) if unit_text else None
    deadline_text = _after_prefix(lines, layout.DEADLINE_PREFIX)
    return Identity(
        form_id=None, form_version=None,
        unit_code=unit_match.group(2) if unit_match else None,
        unit_name=unit_match.group(1) if unit_match else (unit_text or None),
        period=found_period.code if found_period else None,
        deadline=_date_dmy(deadline_text) if deadline_text else None,
        generated_at=None, fingerprint=None, source="heading", sheet=sheet.name,
    )


def _heading_lines(sheet: RawSheet) -> list[str]:
    """Text cells of the top rows, the layout's own rows first."""
    def row_of(address: str) -> int:
        digits = address.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return int(digits) if digits.isdigit() else 0

    preferred = {f"A{layout.ROW_PERIOD}", f"A{layout.ROW_UNIT}", f"A{layout.ROW_DEADLINE}"}
    texts = [(address not in preferred, row_of(address), layout.fold_text(value))
             for address, value in sheet.cells.items()
             if isinstance(value, str) and 0 < row_of(address) <= HEADING_SCAN_ROWS]
    return [text for _, _, text in sorted(texts)]


def _after_prefix(lines: list[str], prefix: str) -> str | None:
    wanted = layout.fold_text(prefix).rstrip(":").casefold()
    for line in lines:
        head, colon, rest = line.partition(":")
        if colon and head.strip().casefold() == wanted:
            return rest.strip()
    return None


# --------------------------------------------------------------------------- finding files


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
