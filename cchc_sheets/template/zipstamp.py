"""Re-assemble an xlsx (a zip) with a few members replaced, reusing the rest byte for byte.

Recompressing a whole workbook per unit costs milliseconds; copying the already
compressed members and deflating only the one or two small members that carry
unit-specific text costs tens of microseconds. The zip written here is plain
PKZIP 2.0 (deflate, no data descriptors, no zip64), which every spreadsheet
program reads.
"""
from __future__ import annotations

import io
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

    def replaced(self, content: bytes) -> "_Entry":
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        compressed = packer.compress(content) + packer.flush()
        return _Entry(self.name, self.flags, zipfile.ZIP_DEFLATED, self.dos_time, self.dos_date,
                      zlib.crc32(content), compressed, len(content), self.external_attr)


class ZipStamper:
    """A zip held as ready-made records; ``render`` swaps the contents of chosen members."""

    def __init__(self, data: bytes):
        self.entries: list[_Entry] = []
        self.contents: dict[str, bytes] = {}
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                self.entries.append(_entry_from(info, data))
                self.contents[info.filename] = archive.read(info)
        self.records = [entry.local_record() for entry in self.entries]
        self.names = [entry.name.decode("utf-8") for entry in self.entries]

    def members_containing(self, needles: list[bytes]) -> list[str]:
        return [name for name in self.names if any(n in self.contents[name] for n in needles)]

    def render(self, replacements: dict[str, bytes]) -> bytes:
        """The zip with ``replacements`` (member name -> new uncompressed bytes) applied."""
        records, central, offset = [], [], 0
        for name, entry, record in zip(self.names, self.entries, self.records):
            if name in replacements:
                entry = entry.replaced(replacements[name])
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
