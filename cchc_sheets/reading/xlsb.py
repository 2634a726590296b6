"""Excel binary workbooks (.xlsb): every sheet's used grid, counted before calamine runs.

calamine builds a dense grid from the box around a sheet's cells, so an .xlsb of one cell at row
1,048,575 and column 16,383 is a few hundred bytes that would cost gigabytes.
Each worksheet part is a BIFF12 record stream: a record type (a 7-bit varint of
1-2 bytes), a size (a 7-bit varint of 1-4 bytes), then the body. Only two
kinds of record are looked at: BrtRowHdr (its row) and the cell records (their
column); the box they span is the sheet's declared cells (see ``sheet_box``).
Which part holds which sheet comes from xl/workbook.bin (BrtBundleSh) and its
relationships; when that mapping fails the parts still count, under their own
names, towards the whole workbook's bound.
"""
from __future__ import annotations

import struct

from . import xmlparts
from .container import Members, ZipPackage
from .ooxml import elements, grid_detail, part_name
from .raw import SMALL_SHEET_CELLS, Limits, Refused, check_filled, fold_name, form_sheets

ROW_HEADER, BUNDLE_SHEET = 0, 156
# BrtCellBlank (1) ... BrtFmlaError (11), BrtShortBlank (12), BrtShortRk (13): each begins with its column.
CELL_RECORDS = frozenset(range(1, 14))
# The parts whose record streams are scanned here: worksheets, and macro and dialog sheets (cells too).
CELL_FOLDERS = ("xl/worksheets/", "xl/macrosheets/", "xl/dialogsheets/")


class XlsbPackage(ZipPackage):
    def __init__(self, members: Members, declared: dict[str, int]):
        super().__init__("xlsb", members)
        self.declared = declared


def inspect_xlsb(members: Members, limits: Limits) -> XlsbPackage:
    """Inflate and check every parsed member, then bound each sheet's grid and the filled cells read.

    A sheet beyond ``limits.max_cells`` is refused here, the total is the reader's to
    check; filled cells count for the sheets calamine will build (all when the
    mapping to names failed).
    """
    members.inflate_inspected()
    names = sheet_names(members.parts.get("xl/workbook.bin", b""),
                        members.parts.get("xl/_rels/workbook.bin.rels", b""))
    loaded = _loaded_parts(names)
    declared: dict[str, int] = {}
    filled = 0
    for member, part in members.parts.items():
        if not (member in names if names else _may_hold_cells(member)):
            continue
        rows, cols, cells = sheet_box(part, limits)
        if rows * cols > limits.max_cells:
            raise Refused("file-bomb", detail=grid_detail(rows, cols))
        if loaded is None or member in loaded or rows * cols <= SMALL_SHEET_CELLS:
            filled += cells
            check_filled(filled, limits)
        sheet = fold_name(names[member][0]) if member in names else member
        declared[sheet] = declared.get(sheet, 0) + rows * cols
    return XlsbPackage(members, declared)


def _may_hold_cells(member: str) -> bool:
    """A part that may be a sheet, when workbook.bin did not say which are."""
    base = member.rsplit("/", 1)[-1].lower()
    return member.startswith(CELL_FOLDERS) and base.endswith(".bin") and not base.startswith("binaryindex")


def _loaded_parts(names: dict[str, tuple[str, bool, int]]) -> set[str] | None:
    """The parts whose cells calamine will read: the form's sheets and the first visible one (None: unknown)."""
    if not names:
        return None
    wanted = form_sheets()
    visible = sorted((position, member) for member, (_, shown, position) in names.items() if shown)
    first_visible = visible[0][1] if visible else None
    return {member for member, (name, _, _) in names.items() if fold_name(name) in wanted or member == first_visible}


def sheet_box(part: bytes, limits: Limits = Limits()) -> tuple[int, int, int]:
    """(rows, columns) of the box calamine will build for a sheet part, and how many cell records it holds.

    Like an xlsx's styled empty cells, blank cells (BrtCellBlank, BrtShortBlank)
    are skipped by calamine: they count only when the box around every cell is
    within the per-sheet cap anyway (``limits.max_cells``), else the box around
    the cells with a value or formula does. BrtWsDim is not counted: calamine
    builds the grid from the cells and reserves the declared dimension only when
    it is below a million cells, so a dimension that claims more costs nothing.
    """
    every, valued, cells = _boxes(part)
    rows, cols = every
    if rows * cols <= limits.max_cells:
        return rows, cols, cells
    return valued[0], valued[1], cells


BLANK_RECORDS = frozenset((1, 12))


def _boxes(part: bytes) -> tuple[tuple[int, int], tuple[int, int], int]:
    """(rows, columns) around every cell and around the cells with a value, and the cell records.

    One tight loop, the record walk inlined (``records`` costs twice as much): a sheet
    of a million cells is scanned in about a second.
    """
    top = left = value_top = value_left = 1 << 40
    bottom = right = value_bottom = value_right = -1
    row = cells = 0
    unpack, cell_records, blank = struct.unpack_from, CELL_RECORDS, BLANK_RECORDS
    position, end = 0, len(part)
    while position < end:
        byte = part[position]
        position += 1
        kind = byte & 0x7F
        if byte > 0x7F and position < end:
            kind |= (part[position] & 0x7F) << 7
            position += 1
        byte = part[position] if position < end else 0
        position += 1
        size = byte & 0x7F
        shift = 7
        while byte > 0x7F and shift < 28 and position < end:
            byte = part[position]
            position += 1
            size |= (byte & 0x7F) << shift
            shift += 7
        body = position
        position += size
        if position > end or size < 4:
            continue
        if kind in cell_records:
            col = unpack("<I", part, body)[0]
            cells += 1
            if row < top:
                top = row
            if row > bottom:
                bottom = row
            if col < left:
                left = col
            if col > right:
                right = col
            if kind not in blank:
                if row < value_top:
                    value_top = row
                if row > value_bottom:
                    value_bottom = row
                if col < value_left:
                    value_left = col
                if col > value_right:
                    value_right = col
        elif kind == ROW_HEADER:
            row = unpack("<I", part, body)[0]
    every = (bottom - top + 1, right - left + 1) if bottom >= 0 else (0, 0)
    valued = (value_bottom - value_top + 1, value_right - value_left + 1) if value_bottom >= 0 else (0, 0)
    return every, valued, cells


def records(stream: bytes):
    """(record type, offset of its body, body size) of a BIFF12 stream, to its end or first truncated record."""
    position, end = 0, len(stream)
    while position < end:
        byte = stream[position]
        kind, position = byte & 0x7F, position + 1
        if byte & 0x80 and position < end:
            kind |= (stream[position] & 0x7F) << 7
            position += 1
        size = shift = 0
        for _ in range(4):
            if position >= end:
                return
            byte = stream[position]
            size, shift, position = size | (byte & 0x7F) << shift, shift + 7, position + 1
            if byte < 0x80:
                break
        if position + size > end:
            return
        yield kind, position, size
        position += size


def sheet_names(workbook_bin: bytes, rels_xml: bytes) -> dict[str, tuple[str, bool, int]]:
    """Part name -> (sheet name, visible, position) from the BrtBundleSh records; {} when they cannot be read."""
    targets = {}
    for element in elements(rels_xml, "Relationship"):
        targets.setdefault(xmlparts.attribute(element.attrib, "Id"),
                           xmlparts.attribute(element.attrib, "Target") or "")
    names: dict[str, tuple[str, bool, int]] = {}
    for kind, body, size in records(workbook_bin):
        if kind != BUNDLE_SHEET:
            continue
        record = workbook_bin[body:body + size]
        try:
            state = struct.unpack_from("<I", record, 0)[0]
            relation, offset = _wide_string(record, 8)
            name, _ = _wide_string(record, offset)
        except (struct.error, UnicodeDecodeError, ValueError):
            return {}
        target = targets.get(relation)
        if target and name:
            names.setdefault(part_name(target), (name, state == 0, len(names)))
    return names


def _wide_string(record: bytes, offset: int) -> tuple[str | None, int]:
    """An XLWideString (u32 character count, UTF-16LE) at ``offset`` (None when null), and the offset after it."""
    count = struct.unpack_from("<I", record, offset)[0]
    offset += 4
    if count == 0xFFFFFFFF:
        return None, offset
    if offset + 2 * count > len(record):
        raise ValueError("string beyond its record")
    return record[offset:offset + 2 * count].decode("utf-16-le"), offset + 2 * count
