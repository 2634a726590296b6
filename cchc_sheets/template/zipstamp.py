"""Re-assemble an xlsx (a zip) with placeholder tokens filled in, reusing everything else.

Recompressing a whole workbook per unit costs milliseconds. Here the members
without tokens are copied as compressed bytes, and the members with tokens are
kept as pre-deflated constant pieces with the unit's values spliced in between
as stored blocks, so a unit costs tens of microseconds. The zip written here is plain
PKZIP 2.0 (deflate, no data descriptors, no zip64), which every spreadsheet
program reads.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_VERSION = 20
_UTF8_FLAG = 0x0800


@dataclass(frozen=True)
class _Entry:
    name: bytes
    flags: int
    method: int
    dos_time: int
    dos_date: int
    crc: int
    compressed: bytes
    size: int
    external_attr: int

    def local_record(self) -> bytes:
        header = _LOCAL.pack(0x04034B50, _VERSION, self.flags, self.method, self.dos_time, self.dos_date,
                             self.crc, len(self.compressed), self.size, len(self.name), 0)
        return header + self.name + self.compressed

    def central_record(self, offset: int) -> bytes:
        header = _CENTRAL.pack(0x02014B50, _VERSION, _VERSION, self.flags, self.method, self.dos_time,
                               self.dos_date, self.crc, len(self.compressed), self.size, len(self.name),
                               0, 0, 0, 0, self.external_attr, offset)
        return header + self.name

    def with_data(self, compressed: bytes, crc: int, size: int) -> "_Entry":
        return _Entry(self.name, self.flags, zipfile.ZIP_DEFLATED, self.dos_time, self.dos_date,
                      crc, compressed, size, self.external_attr)


def _deflate(data: bytes, final: bool) -> bytes:
    """Raw deflate of ``data``; a non-final piece ends byte-aligned so pieces can be concatenated."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def _stored_blocks(data: bytes) -> bytes:
    """``data`` as non-final stored deflate blocks: no compressor needed for a unit's short name."""
    pieces = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start:start + 0xFFFF]
        pieces.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(pieces)


class _TokenMember:
    """A member cut at its tokens; the constant pieces are deflated once, up front.

    Each constant piece is compressed independently (full flush), so per unit only
    the tokens' values are added, as stored blocks, between ready-made pieces.
    """

    def __init__(self, entry: _Entry, content: bytes, tokens: list[bytes]):
        self.entry = entry
        pattern = re.compile(b"(" + b"|".join(re.escape(t) for t in tokens) + b")")
        parts = pattern.split(content)
        self.constants = parts[0::2]
        self.tokens = parts[1::2]
        last = len(self.constants) - 1
        self.compressed = [_deflate(c, final=(n == last)) for n, c in enumerate(self.constants)]

    def render(self, values: dict[bytes, bytes]) -> _Entry:
        crc = zlib.crc32(self.constants[0])
        size = len(self.constants[0])
        pieces = [self.compressed[0]]
        for token, constant, compressed in zip(self.tokens, self.constants[1:], self.compressed[1:]):
            value = values[token]
            crc = zlib.crc32(constant, zlib.crc32(value, crc))
            size += len(value) + len(constant)
            pieces += [_stored_blocks(value), compressed]
        return self.entry.with_data(b"".join(pieces), crc, size)


class ZipStamper:
    """A zip held as ready-made records; ``render`` fills in the tokens' values."""

    def __init__(self, data: bytes, tokens: list[bytes], date_time: tuple[int, ...] | None = None):
        """``date_time`` (y, m, d, h, min, s) re-dates every member, so equal inputs give equal bytes."""
        self.entries: list[_Entry] = []
        self.templated: dict[int, _TokenMember] = {}
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if date_time:
                    info.date_time = tuple(date_time)
                entry = _entry_from(info, data)
                content = archive.read(info)
                if any(token in content for token in tokens):
                    self.templated[len(self.entries)] = _TokenMember(entry, content, tokens)
                self.entries.append(entry)
        self.records = [entry.local_record() for entry in self.entries]

    @property
    def templated_members(self) -> list[str]:
        return [self.entries[n].name.decode("utf-8") for n in self.templated]

    def render(self, values: dict[bytes, bytes]) -> bytes:
        """The zip with every token replaced by ``values[token]`` (already encoded for XML)."""
        records, central, offset = [], [], 0
        for n, (entry, record) in enumerate(zip(self.entries, self.records)):
            if n in self.templated:
                entry = self.templated[n].render(values)
                record = entry.local_record()
            central.append(entry.central_record(offset))
            records.append(record)
            offset += len(record)
        directory = b"".join(central)
        end = _END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0)
        return b"".join(records) + directory + end


def _entry_from(info: zipfile.ZipInfo, data: bytes) -> _Entry:
    """The member's compressed bytes, cut straight out of the archive."""
    header = _LOCAL.unpack_from(data, info.header_offset)
    start = info.header_offset + _LOCAL.size + header[9] + header[10]
    year, month, day, hour, minute, second = info.date_time
    dos_time = (hour << 11) | (minute << 5) | (second // 2)
    dos_date = ((year - 1980) << 9) | (month << 5) | day
    flags = info.flag_bits & _UTF8_FLAG  # drop the data-descriptor bit: sizes live in the header now
    return _Entry(info.filename.encode("utf-8"), flags, info.compress_type, dos_time, dos_date, info.CRC,
                  data[start:start + info.compress_size], info.file_size, info.external_attr)
