"""The file as a container, checked before any parser runs: size, magic bytes, ZIP directory, bombs.

1. size on disk (``file-too-large``) and emptiness (``file-empty``);
2. magic bytes: ZIP (xlsx/xlsm/xlsb/ods), OLE2 (xls, or an encrypted xlsx, see
   ``biff``), anything else is ``not-a-spreadsheet``;
3. ZIP packages: the central directory's declared sizes, member count and
   compression ratios (``file-bomb``), encrypted members
   (``file-password-protected``); members are inflated here with an output cap
   equal to their declared size, so a header that lies about its size is caught
   before calamine inflates it, and XML declaring an ``<!ENTITY`` is
   refused (entity expansion attacks; a DOCTYPE alone is no threat). Members that are only peeked at must
   start with the XML declaration then the root element (no room for a DTD),
   and their compressed size bounds what they can inflate to (deflate cannot
   exceed 1032:1).

The members inflated here are handed to calamine stored, in a copy of the
package (``stored_copy``), so no sheet is inflated twice.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from ..messages import phrase
from . import xmlparts
from .memo import ReaderMemo
from .raw import MB, Limits, RawWorkbook, Refused, megabytes

INSPECTED_SUFFIXES = (".xml", ".rels", ".bin", ".vml")
# Parts that may hold cells (a worksheet, wherever workbook.xml points) are always inflated in full.
SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/", "xl/macrosheets/", "xl/dialogsheets/")
MAX_DEFLATE_RATIO = 1032           # deflate cannot produce more than 1032 bytes per compressed byte
PEEK_BYTES = 512                   # enough for the XML declaration and the root element's start
PEEK_WORST_CASE_BYTES = 16 * MB    # what all peeked members together could inflate to at most
SIZE_SLACK = 256 * 1024            # a member may inflate a little beyond its declared size (sloppy writers)


def check_size(size: int, limits: Limits) -> None:
    if size == 0:
        raise Refused("file-empty")
    if size > limits.max_file_bytes:
        raise Refused("file-too-large", size=megabytes(size), limit=megabytes(limits.max_file_bytes))


def describe_content(data: bytes) -> str:
    """What a file that is no spreadsheet seems to be (a phrase for ``not-a-spreadsheet``)."""
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


class Package:
    """What the pre-parse inspection learned; adds what calamine does not tell (protection...) after it."""

    file_format: str | None = None
    # folded sheet name -> the cells its used grid declares, counted before calamine runs
    # (see ``reader.check_workbook_bounds``); None when the format's module did not count.
    declared: dict[str, int] | None = None
    macros = False                 # whether the file carries a macro project (see ``ZipPackage.macros``)

    def for_calamine(self, data: bytes) -> bytes:
        """The bytes calamine should open: the file itself unless an equivalent is cheaper to read."""
        return data

    def annotate(self, book: RawWorkbook) -> None:
        return None


class ZipPackage(Package):
    def __init__(self, file_format: str, members: "Members"):
        self.file_format = file_format
        self.members = members
        self.parts = members.parts

    def for_calamine(self, data: bytes) -> bytes:
        return stored_copy(self.members) or data

    @property
    def macros(self) -> bool:
        """A VBA project (xlsm, xlsb) or a LibreOffice Basic module (ods), by member name."""
        for name in self.members.by_name:
            lowered = name.lower()
            if lowered.endswith("vbaproject.bin") or (lowered.startswith("basic/") and lowered.endswith(".xml")
                                                      and not lowered.endswith(("/script-lc.xml", "/script-lb.xml"))):
                return True
        return False


# --------------------------------------------------------------------------- the central directory


def zip_members(data: bytes, limits: Limits, memo: ReaderMemo) -> "Members":
    """The members of a ZIP package, once its directory passed the size, bomb and encryption checks."""
    infos = central_directory(data)
    if infos is None:                       # anything unusual: zipfile reads it (and says what is wrong)
        infos = open_zip(data).infolist()
    check_declared_sizes(infos, limits)
    if any(info.flag_bits & 0x1 for info in infos):
        raise Refused("file-password-protected")
    return Members(data, infos, limits, memo)


def open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise Refused("file-unreadable", reason=phrase("detail-zip-truncated", error=exc)) from None


class Entry:
    """The fields of a ``zipfile.ZipInfo`` this package uses."""

    __slots__ = ("filename", "raw_name", "flag_bits", "compress_type", "CRC", "compress_size", "file_size",
                 "header_offset")


_END_RECORD = struct.Struct("<4s4H2LH")                # zipfile.structEndArchive (22 bytes)
_CENTRAL_RECORD = struct.Struct("<4s4B4HL2L5H2L")      # zipfile.structCentralDir (46 bytes)
_LOCAL_RECORD = struct.Struct("<4s2B4HL2L2H")          # zipfile.structFileHeader (30 bytes)
_DOS_DATE_1980 = 0x21                                  # 1 January 1980: member dates mean nothing to calamine


def central_directory(data: bytes) -> list[Entry] | None:
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
        entry = Entry()
        entry.filename, entry.flag_bits, entry.compress_type, entry.CRC = name, flags, method, crc
        entry.raw_name = raw_name
        entry.compress_size, entry.file_size, entry.header_offset = compress_size, file_size, offset
        entries.append(entry)
        position += 46 + name_length + extra_length + comment_length
    return entries if position == end and len(entries) == count else None


def check_declared_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.max_members:
        raise Refused("file-bomb", detail=phrase("detail-too-many-members", count=len(infos)))
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise Refused("file-bomb", detail=phrase("detail-inflates-to", size=megabytes(total)))
    for info in infos:
        if info.file_size <= limits.ratio_floor_bytes:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_member_ratio:
            raise Refused("file-bomb", detail=phrase("detail-member-ratio", part=info.filename, ratio=int(ratio)))


def zip_format(members: "Members") -> str:
    """'ods', 'xlsb', 'xlsx' or 'xlsm', from the member names and the declared content types."""
    names = members.by_name
    if "mimetype" in names:
        mimetype = open_zip(members.data).read("mimetype")[:100]
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        raise Refused("not-a-spreadsheet", detail=phrase("detail-opendocument-type", type=mimetype.decode("ascii", "replace")))
    if "xl/workbook.bin" in names:
        return "xlsb"
    types = content_types(members)
    if "xl/workbook.xml" in names \
            or any("spreadsheetml.sheet.main" in kind or "ms-excel.sheet.macroEnabled.main" in kind for kind in types):
        return "xlsm" if any("macroEnabled" in kind for kind in types) else "xlsx"
    if "word/document.xml" in names:
        raise Refused("not-a-spreadsheet", detail=phrase("detail-content-docx"))
    if "ppt/presentation.xml" in names:
        raise Refused("not-a-spreadsheet", detail=phrase("detail-content-pptx"))
    raise Refused("not-a-spreadsheet", detail=phrase("detail-zip-no-spreadsheet"))


def content_types(members: "Members") -> frozenset[str]:
    """The ContentType of every Default and Override in [Content_Types].xml (empty when unreadable)."""
    data = b""
    for info in members.named("[Content_Types].xml"):   # checked for entities with the other parts
        data = members.content(info)
    found = members.memo.content_types.get(data)
    if found is None:
        tree = xmlparts.root(data)
        found = frozenset() if tree is None else frozenset(
            xmlparts.attribute(element.attrib, "ContentType") or "" for element in tree.iter()
            if xmlparts.local(element.tag) in ("Default", "Override"))
        members.memo.content_types.keep(data, found, len(data))
    return found


# --------------------------------------------------------------------------- members


class Members:
    """The members of one ZIP package, each inflated at most once, within the package's budget."""

    def __init__(self, data: bytes, infos: list[zipfile.ZipInfo], limits: Limits, memo: ReaderMemo):
        self.data, self.infos, self.memo = data, infos, memo
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
        return name.lower().endswith(INSPECTED_SUFFIXES) or name == "mimetype"

    def named(self, name: str) -> list[zipfile.ZipInfo]:
        return self.by_name.get(name, [])

    def content(self, info: zipfile.ZipInfo) -> bytes:
        """The member's bytes, inflated here with a cap near its declared size (not yet checked)."""
        if id(info) not in self.contents:
            name = self.name(info)
            remember = not name.startswith(SHEET_FOLDERS)   # sheets differ from one return to the next
            self.contents[id(info)] = self.parts[name] = self._inflate(info, remember)
        return self.contents[id(info)]

    def inflate(self, info: zipfile.ZipInfo) -> bytes:
        """The member's bytes; XML with entity declarations is refused."""
        name, content = self.name(info), self.content(info)
        if id(info) not in self.checked:
            self.checked.add(id(info))
            if not name.lower().endswith(".bin") and xmlparts.has_entities(content):
                raise Refused("file-bomb", detail=phrase("detail-xml-entities", part=name))
        return content

    def inflate_named(self, name: str) -> bytes:
        """The last member called ``name`` (as in ``parts``), or b'' when there is none."""
        content = b""
        for info in self.named(name):
            content = self.inflate(info)
        return content

    def inflate_inspected(self) -> None:
        """Inflate and check every member a reader parses (all of them for .ods and .xlsb)."""
        for info in self.infos:
            if self.inspected(info):
                self.inflate(info)

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
        raw = raw_member(self.data, info)
        key = (raw, info.compress_type)
        plain = self.memo.plain_starts.get(key)
        if plain is None:
            plain = self.memo.plain_starts.keep(key, _starts_plainly(raw, info.compress_type), len(raw))
        if not plain:
            return False
        self.peek_budget -= worst
        self.checked.add(id(info))
        return True

    def _inflate(self, info: zipfile.ZipInfo, remember: bool) -> bytes:
        """One member's bytes, inflated here with an output cap near its declared size.

        Reading the raw compressed bytes ourselves (rather than through ZipFile.open)
        lets us see a deflate stream that would produce more than its header claims.
        A small overshoot is a sloppy writer (calamine reads such files); a large one
        is a bomb. ``remember``: a member likely to come back unchanged in the next
        return; a remembered result is reused only when it fits this package's budget too.
        """
        raw = raw_member(self.data, info)
        key = (raw, info.compress_type, info.file_size, info.CRC)
        content = self.memo.inflated.get(key) if remember else None
        if content is None or len(content) > self.budget[0]:
            content = _inflate_raw(raw, info, self.budget[0])
            if remember:
                self.memo.inflated.keep(key, content, len(raw) + len(content))
        self.budget[0] -= len(content)
        return content


# An optional BOM and XML declaration, then the root element: no room for a DTD.
_PLAIN_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml\s[^<>]*\?>\s*)?<[A-Za-z_]")


def _starts_plainly(raw: bytes, compress_type: int) -> bool:
    """Whether a member starts with at most the XML declaration, then the root element."""
    try:
        head = zlib.decompressobj(-15).decompress(raw, PEEK_BYTES) if compress_type else raw[:PEEK_BYTES]
    except zlib.error:
        return False                 # the full inflation says what is wrong
    return bool(_PLAIN_PROLOG.match(head))


def _inflate_raw(raw: bytes, info: zipfile.ZipInfo, budget: int) -> bytes:
    if info.compress_type == zipfile.ZIP_STORED:
        content = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        content = _bounded_inflate(raw, info, min(info.file_size + SIZE_SLACK, budget))
    else:
        raise Refused("file-unreadable", reason=phrase("detail-compression-unsupported", method=info.compress_type))
    if len(content) == info.file_size and zlib.crc32(content) != info.CRC:
        raise Refused("file-unreadable", reason=phrase("detail-member-crc", part=info.filename))
    return content


def raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """The member's stored (compressed) bytes, located through its local header."""
    offset = info.header_offset
    header = data[offset:offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise Refused("file-unreadable", reason=phrase("detail-member-damaged", part=info.filename))
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    raw = data[start:start + info.compress_size]
    if len(raw) < info.compress_size:
        raise Refused("file-unreadable", reason=phrase("detail-truncated"))
    return raw


def _bounded_inflate(raw: bytes, info: zipfile.ZipInfo, cap: int) -> bytes:
    inflater = zlib.decompressobj(-15)
    try:
        content = inflater.decompress(raw, cap + 1)
    except zlib.error as exc:
        raise Refused("file-unreadable", reason=phrase("detail-member-damaged-because", part=info.filename, error=exc)) from None
    if len(content) > cap or inflater.unconsumed_tail:
        raise Refused("file-bomb", detail=phrase("detail-member-beyond-size", part=info.filename, size=info.file_size))
    return content


def stored_copy(members: Members) -> bytes | None:
    """The same package with the members already inflated here stored, not deflated.

    calamine would inflate the sheets a second time (a third of its work); in the
    copy they are plain bytes. Every member keeps its name, order and CRC; only
    members inflated to exactly their declared size (so their CRC was checked)
    are stored, the others are copied as they were. None for a package zipfile
    had to read (anything unusual): calamine then opens the file itself.
    """
    if not all(isinstance(info, Entry) for info in members.infos):
        return None
    records, directory, offset = [], [], 0
    for info in members.infos:
        content = members.contents.get(id(info))
        if content is not None and len(content) == info.file_size:
            method, body = zipfile.ZIP_STORED, content
        else:
            method, body = info.compress_type, raw_member(members.data, info)
        flags, name = info.flag_bits & ~0x8, info.raw_name   # sizes are in the header: no data descriptor
        fields = (flags, method, 0, _DOS_DATE_1980, info.CRC, len(body), info.file_size, len(name))
        records += [_LOCAL_RECORD.pack(b"PK\x03\x04", 20, 0, *fields, 0), name, body]
        directory += [_CENTRAL_RECORD.pack(b"PK\x01\x02", 20, 0, 20, 0, *fields, 0, 0, 0, 0, 0, offset), name]
        offset += _LOCAL_RECORD.size + len(name) + len(body)
    size = sum(map(len, directory))
    end = _END_RECORD.pack(b"PK\x05\x06", 0, 0, len(members.infos), len(members.infos), size, offset, 0)
    return b"".join(records + directory + [end])
