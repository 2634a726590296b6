"""OOXML (.xlsx, .xlsm): which parts are sheets, their grid bounds, protection and error cells.

calamine reads the cells; what it does not tell is read here from the package
parts with an XML parser (``xmlparts``): the workbook's structure lock and the
sheet each part holds (workbook.xml and its relationships), each sheet's
``<sheetProtection>``, the cached value of formula cells in error (``t="e"``,
which calamine hands over as empty), and the box around each sheet's cells (a
two-cell sheet at A1 and CV1048576 would make any reader allocate a dense
100-million-cell grid).

Speed: of a sheet, only the elements around ``<sheetData>`` are parsed for its
protection (the cells are calamine's); cells are parsed only when cheap byte
checks say a large reference or an error value may be there.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import partial
from typing import Iterable

from .. import a1
from ..messages import phrase
from ..values import ERROR_LITERALS, CellError
from . import xmlparts
from .container import SHEET_FOLDERS, Members, ZipPackage
from .memo import ReaderMemo
from .raw import LazyAddresses, Limits, RawWorkbook, Refused, check_filled, fold_name, form_sheets


def grid_detail(rows: int, cols: int) -> str:
    return phrase("detail-grid-too-large", rows=rows, cols=cols)


class OoxmlPackage(ZipPackage):
    def __init__(self, file_format: str, members: Members, index: "OoxmlIndex", regions: dict):
        super().__init__(file_format, members)
        self.index = index
        self.regions = regions         # part name -> where its cells are (see ``cells_region``)

    def annotate(self, book: RawWorkbook) -> None:
        book.structure_protected = self.index.structure_protected
        memo = self.members.memo
        for sheet in book.sheets:
            name = self.index.sheet_parts.get(fold_name(sheet.name), "")
            part = self.parts.get(name, None)
            if part is None:
                continue
            cells = self.regions.get(name)
            sheet.protected = sheet_protected(part, cells, memo)
            cells = cells or (0, len(part))
            # some attribute among the cells is "e": maybe a cell in error
            if not sheet.loaded:
                continue
            if part.find(b'"e"', *cells) >= 0 or (b"'" in part and part.find(b"'e'", *cells) >= 0):
                sheet.cells.update(error_cells(part))
            if has_formula(part, cells):
                sheet.formulas_without_value = LazyAddresses(partial(_uncached_and_empty, part, cells, sheet.cells))


def inspect_ooxml(members: Members, file_format: str, limits: Limits) -> OoxmlPackage:
    """Inflate what is parsed here (workbook, its relationships, the sheets); peek at the rest.

    The other parts (theme, styles, document properties, ...) are only read by
    calamine or not at all: their compressed size bounds what they can inflate
    to, and a DTD can only sit in the prolog, before the root element.
    """
    workbook_xml = members.inflate_named("xl/workbook.xml")
    rels_xml = members.inflate_named("xl/_rels/workbook.xml.rels")
    index = ooxml_index(workbook_xml, rels_xml, members.memo)
    for info in members.infos:
        if not members.inspected(info):
            continue
        name = members.name(info)
        if name.lower().endswith(".bin") or name.startswith(SHEET_FOLDERS) \
                or name.casefold() in index.sheet_members or not members.peek(info):
            members.inflate(info)
    wanted = form_sheets()
    loaded = {part for sheet, part in index.sheet_parts.items() if sheet in wanted or sheet == index.first_visible}
    regions, cells = check_grids(members.parts, limits, loaded)
    package = OoxmlPackage(file_format, members, index, regions)
    package.declared = {sheet: cells.get(part, 0) for sheet, part in index.sheet_parts.items()}
    return package


# --------------------------------------------------------------------------- workbook.xml and its rels


@dataclass(frozen=True)
class OoxmlIndex:
    """What workbook.xml and its relationships say; the same for every copy of one template."""

    structure_protected: bool
    sheet_parts: dict[str, str]        # folded sheet name -> part name
    sheet_members: frozenset[str]      # every member name a <sheet> could resolve to (casefolded)
    first_visible: str | None = None   # folded name of the first sheet with no hidden state


def ooxml_index(workbook_xml: bytes, rels_xml: bytes, memo: ReaderMemo) -> OoxmlIndex:
    """Parsed once per distinct (workbook.xml, rels) pair: a batch of returns shares a handful."""
    key = (workbook_xml, rels_xml)
    index = memo.indexes.get(key)
    if index is None:
        index = memo.indexes.keep(key, _build_index(workbook_xml, rels_xml), len(workbook_xml) + len(rels_xml))
    return index


def _build_index(workbook_xml: bytes, rels_xml: bytes) -> OoxmlIndex:
    targets: dict[str | None, str] = {}
    for element in elements(rels_xml, "Relationship"):
        targets.setdefault(xmlparts.attribute(element.attrib, "Id"), xmlparts.attribute(element.attrib, "Target") or "")
    structure_protected, sheet_parts, members, first_visible = None, {}, set(), None
    for element in elements(workbook_xml, "workbookProtection", "sheet"):
        if xmlparts.local(element.tag) == "workbookProtection":
            if structure_protected is None:
                structure_protected = xmlparts.true(xmlparts.attribute(element.attrib, "lockStructure"))
            continue
        target = targets.get(xmlparts.attribute(element.attrib, "id"))   # r:id, whatever its prefix
        if target is None:
            continue
        name = xmlparts.attribute(element.attrib, "name")
        if name is not None:
            sheet_parts.setdefault(fold_name(name), part_name(target))
            state = (xmlparts.attribute(element.attrib, "state") or "").strip().lower()
            if first_visible is None and state not in ("hidden", "veryhidden"):   # anything else: visible
                first_visible = fold_name(name)
        members |= _possible_members(target)
    return OoxmlIndex(structure_protected=bool(structure_protected), sheet_parts=sheet_parts,
                      sheet_members=frozenset(members), first_visible=first_visible)


def elements(part: bytes, *names: str):
    """The elements of a small part with one of these local names, in document order."""
    tree = xmlparts.root(part)
    return [] if tree is None else [e for e in tree.iter() if xmlparts.local(e.tag) in names]


def part_name(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)


def _possible_members(target: str) -> set[str]:
    """Every way a reader might resolve a relationship target (so a sheet is never merely peeked at)."""
    names = set()
    for variant in {target, target.replace("\\", "/")}:
        names |= {variant, variant.lstrip("/"), "xl/" + variant, part_name(variant),
                  posixpath.normpath("xl/" + variant.lstrip("/"))}
    return {name.casefold() for name in names}


# --------------------------------------------------------------------------- protection


_CELLS_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData(?=[\s/>])[^>]*>")
_CELLS_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData\s*>")


def cells_region(part: bytes) -> tuple[int, int] | None:
    """Where the cells are: (start of ``<sheetData>``, end of ``</sheetData>``), found by bytes.find.

    Without what lies between, the part is the same document with no cells; every
    <c> lies between. None when the cells cannot be told apart by their tags
    (then the whole part is searched and parsed): no sheetData, or a comment,
    CDATA section or processing instruction among the cells, where a
    ``</sheetData>`` would not end them.
    """
    first = part.find(b"sheetData")       # a pattern alone would try every '<'
    start = _CELLS_START.match(part, part.rfind(b"<", 0, first)) if first > 0 else None
    if start is None or start.end() <= first:
        start = _CELLS_START.search(part)
        if start is None:
            return None
    if part[start.end() - 2:start.end()] == b"/>":
        return start.start(), start.end()
    following = part.find(b"sheetData", start.end())
    close = part.rfind(b"</", start.end(), following) if following > 0 else -1
    end = _CELLS_END.match(part, close) if close >= 0 else None
    if end is None or end.end() <= following or _holds(part, b"<!", start.end(), close) \
            or _holds(part, b"<?", start.end(), close):
        return None
    return start.start(), end.end()


def _holds(part: bytes, markup: bytes, start: int, end: int) -> bool:
    """Whether ``markup`` (``<`` then one byte) is in ``part[start:end]``: its second byte, rare
    among cells, is looked for first at memchr speed (``<`` is everywhere)."""
    return part.find(markup[1:], start, end) >= 0 and part.find(markup, start, end) >= 0


_ROOT_START = re.compile(rb"(?:[^<]|<[?!][^>]*>)*<[A-Za-z_][^>]*>")   # the prolog, then the root's start tag


def sheet_protected(part: bytes, cells: tuple[int, int] | None, memo: ReaderMemo) -> bool | None:
    """Whether the sheet's first ``<sheetProtection>`` locks it; None when its XML cannot be parsed.

    The sheet is parsed without its cells, and only as far as that element: the
    schema puts it right after the cells. What is fed first (the root's start
    tag and the elements after the cells, to the end of ``<sheetProtection …>``)
    is the same in every copy of a template, so it is remembered with the answer.
    """
    if b"sheetProtection" not in part:
        return False
    if xmlparts.has_entities(part):
        return None
    root = _ROOT_START.match(part)
    named = part.find(b"sheetProtection", cells[1]) if cells else -1
    if named < 0 or root is None or root.end() > cells[0] or part.find(b"sheetProtection", 0, cells[0]) >= 0:
        return _protection_of(xmlparts.chunks(part))        # not where the schema puts it: parse it all
    tag_end = part.find(b">", named) + 1 or len(part)
    fed = root.group(0) + part[cells[1]:tag_end]
    protected = memo.sheet_protection.get(fed)
    if protected is not None:
        return protected
    consumed = []

    def feeding():
        for piece in [fed] + xmlparts.chunks(part, tag_end):
            consumed.append(piece)
            yield piece

    protected = _protection_of(feeding())
    if protected is None:                   # the cells were not where their tags seemed to say
        return _protection_of(xmlparts.chunks(part))
    if len(consumed) == 1:                  # the answer depends on nothing but ``fed``
        memo.sheet_protection.keep(fed, protected, len(fed))
    return protected


def _protection_of(pieces: Iterable[bytes]) -> bool | None:
    try:
        attributes = xmlparts.first_start(pieces, "sheetProtection")
    except xmlparts.ParseError:
        return None
    return attributes is not None and xmlparts.true(xmlparts.attribute(attributes, "sheet"))


# --------------------------------------------------------------------------- cells


_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


class _CellScan:
    """Walks the <c> elements of a sheet: the boxes around its cells, its cells in error, and its
    formulas without a cached value. A cell or row without ``r`` sits right after the previous one
    (its implied position), as every reader places it."""

    def __init__(self, errors: bool, formulas: bool = False):
        self.every, self.filled = _Box(), _Box()
        self.errors: dict[str, CellError] | None = {} if errors else None
        self.formulas: set[str] | None = set() if formulas else None
        self.reference = self.kind = self.value = None
        self.has_value = self.in_value = self.has_formula = self.has_cached = False
        self.row = self.col = 0
        self.place: tuple[int, int] | None = None

    def run(self, part: bytes) -> "_CellScan":
        wants_text = self.errors is not None or self.formulas is not None
        try:
            xmlparts.scan(xmlparts.chunks(part), self.start, self.end, self.text if wants_text else None)
        except xmlparts.ParseError:
            pass                            # calamine read (or refused) the sheet; what was seen so far stands
        return self

    def start(self, tag: str, attributes: dict) -> None:
        name = tag[tag.rfind("}") + 1:]
        if name == "c":
            self.reference, self.kind, self.value = self._position(attributes.get("r")), attributes.get("t"), None
            self.has_value = self.has_formula = self.has_cached = False
        elif name == "row":
            number = attributes.get("r")
            self.row = int(number) if number is not None and number.strip().isdigit() else self.row + 1
            self.col = 0
        elif name in ("v", "is", "f") and self.reference is not None:
            self.has_value = True
            if name == "f":
                self.has_formula = True
            elif name == "is":
                self.has_cached = True
            else:
                self.in_value, self.value = True, ""

    def _position(self, reference: str | None) -> str:
        """The cell's A1 reference, given or implied; sets ``self.place`` (row, column) or None."""
        match = _REFERENCE.fullmatch(reference) if reference is not None else None
        if match:
            self.col = a1.column_number(match.group(1))
            self.place = (int(match.group(2)), self.col)
            return reference
        if reference is not None:
            self.place = None               # not an A1 reference: not placed on the grid
            return reference
        self.col += 1
        self.place = (max(self.row, 1), self.col)
        # beyond Excel's last column (XFD) the name is never needed: the grid is refused anyway
        return a1.column_letter(self.col) + str(self.place[0]) if self.col <= 16384 else "?"

    def end(self, tag: str) -> None:
        name = tag[tag.rfind("}") + 1:]
        if name == "v":
            self.in_value = False
        elif name == "c" and self.reference is not None:
            self._cell(self.reference)
            self.reference = None

    def text(self, data: str) -> None:
        if self.in_value:
            self.value += data

    def _cell(self, reference: str) -> None:
        if self.place is not None:
            row, col = self.place
            self.every.add(row, col)
            if self.has_value:
                self.filled.add(row, col)
        if self.formulas is not None and self.has_formula and not self._cached():
            self.formulas.add(reference)
        if self.errors is not None and self.kind == "e" and self.value is not None:
            text = self.value.strip()
            self.errors[reference] = CellError(text if text in ERROR_LITERALS else text or "#VALUE!")


    def _cached(self) -> bool:
        """Whether the formula has a result: an inline string, or a ``<v>`` that holds one. An empty
        ``<v></v>`` is an empty text result only in a text cell (openpyxl writes one under every formula)."""
        if self.has_cached:
            return True
        if self.value is None:
            return False
        return bool(self.value.strip()) or self.kind in _TEXT_KINDS


_TEXT_KINDS = ("str", "s", "inlineStr")


def error_cells(part: bytes) -> dict[str, CellError]:
    """Formula cells whose cached value is an error: calamine hands these over as empty."""
    return _CellScan(errors=True).run(part).errors


# A reference in column AA or beyond, or in row 10000 or beyond (rows' own r= included).
# No \b before r: the literal start makes the search fast, and a match inside another
# attribute only costs the exact computation below.
_LARGE_REF = re.compile(rb'r\s*=\s*["\'](?:[A-Z]{2}|[A-Z]?[0-9]{5})')
SMALL_GRID_CELLS = 26 * 9999


class _Box:
    """The rows x columns box around some cells."""

    __slots__ = ("top", "bottom", "left", "right")

    def __init__(self):
        self.top = self.left = float("inf")
        self.bottom = self.right = 0

    def add(self, row: int, col: int) -> None:
        self.top, self.bottom = min(self.top, row), max(self.bottom, row)
        self.left, self.right = min(self.left, col), max(self.right, col)

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1 if self.bottom else 0

    @property
    def width(self) -> int:
        return self.right - self.left + 1 if self.right else 0


def check_grids(parts: dict[str, bytes], limits: Limits, loaded: set[str] | None = None
                ) -> tuple[dict[str, tuple[int, int] | None], dict[str, int]]:
    """Refuse a worksheet whose used grid (the box around all its cells) is huge.

    calamine (like any reader) builds a dense rows x columns grid; two cells far
    apart in a 5 KB file would otherwise cost gigabytes. Cells with a value or
    formula count; styled empty cells (which Gnumeric writes across whole sheets)
    are skipped by every reader and only count when all cells fit anyway. Cells
    and rows without ``r`` count at their implied positions.
    Returns where each sheet's cells are (``cells_region``) and how many cells
    each sheet's used grid declares (for the whole workbook's bound).

    ``loaded``: the parts whose cells calamine will read (None: all). calamine
    reads an xlsx sheet only when asked, so the other sheets are never scanned:
    they count the box found by two pattern passes (``_quick_box``), else their
    ``<c`` tags. The loaded sheets' ``<c`` tags are counted first: more cells
    with content than any reader should build is refused before any scan.
    """
    regions, declared, filled_cells = {}, {}, 0
    for name, part in parts.items():
        if not name.endswith(".xml") or b"sheetData" not in part:
            continue
        region = regions[name] = cells_region(part)
        bounds = region or (0, len(part))
        tags = part.count(b"<c", *bounds)       # cells, or more (<col>): an upper bound of the cells present
        if loaded is not None and name not in loaded:   # its furthest cell, when the patterns can tell
            box = _quick_box(part[bounds[0]:bounds[1]] if region else part) \
                if _LARGE_REF.search(part, *bounds) else None
            declared[name] = box.height * box.width if box is not None else tags
            continue
        filled_cells += tags
        check_filled(filled_cells, limits)     # before any scan: a million real cells take seconds to scan
        if limits.max_cells >= SMALL_GRID_CELLS and not _LARGE_REF.search(part, *bounds) \
                and _all_placed(part, bounds, tags):
            declared[name] = tags
            continue   # every reference within A1:Z9999, so the box is small whatever it is
        every = _quick_box(part[bounds[0]:bounds[1]] if region else part)
        if every is None:
            scanned = _CellScan(errors=False).run(part)
            every, filled = scanned.every, scanned.filled
        else:
            filled = None
        if every.height * every.width <= limits.max_cells:
            declared[name] = every.height * every.width
            continue
        if filled is None:
            filled = _CellScan(errors=False).run(part).filled
        if filled.height * filled.width > limits.max_cells:
            raise Refused("file-bomb", detail=grid_detail(filled.height, filled.width))
        declared[name] = filled.height * filled.width
    return regions, declared


_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')


def _quick_box(cells: bytes) -> "_Box | None":
    """The box around every cell, found with two C-speed pattern passes; None unless every cell is
    written ``<c r="A1"…`` (no prefix, ``r`` first, double quotes), as Excel and most writers do.

    An expat scan costs ~14 µs a cell: a sheet of a million real cells would take 14 s.
    """
    tags = cells.count(b"<c")        # however the tag goes on: any other spelling means expat reads it
    if tags != cells.count(b'<c r="') or b":c" in cells:
        return None
    box = _Box()
    if tags == 0:
        return box
    columns = _CELL_COLUMN.findall(cells)
    if len(columns) != tags:
        return None                      # some reference is no plain A1 reference: let expat read it
    columns = set(columns)
    rows = _CELL_ROW.findall(cells)
    if len(rows) != tags:
        return None
    rows = [int(row) for row in set(rows)]
    numbers = [a1.column_number(letters.decode("ascii")) for letters in columns]
    box.add(min(rows), min(numbers))
    box.add(max(rows), max(numbers))
    return box


def _all_placed(part: bytes, bounds: tuple[int, int], cell_tags: int) -> bool:
    """Whether every cell and row of ``part[bounds[0]:bounds[1]]`` seems to carry its ``r``
    (counted at memory speed, in place: no copy of the cells). ``cell_tags``: the ``<c`` tags there.

    A cell without one sits after the previous cell: a million ``<c/>`` in a
    row reach far beyond column Z with no reference to see.
    """
    tags = cell_tags + part.count(b"<row", *bounds)     # however the tag goes on (space, line break, >)
    references = part.count(b'r="', *bounds)
    if tags <= references:
        return True
    return tags <= references + part.count(b"r='", *bounds)


# The one shape Excel, LibreOffice and openpyxl write a formula cell in: ``<c r="C11" …><f …>…</f>
# <v>24</v></c>`` (or ``<f …/>`` for a shared formula, ``<v></v>``/none for no result). A table form's
# computed totals are such cells in every return; matching them here is several times cheaper than
# the expat walk, which stays the answer for anything else (prefixes, spaces, inline strings).
_FORMULA_CELL = re.compile(rb'<c\b([^>]*)>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(?:<v>([^<]*)</v>|<v\s*/>)?</c>')
_CELL_REFERENCE = re.compile(rb'\br="([A-Z]{1,3}[0-9]+)"')
_CELL_KIND = re.compile(rb'\bt="([A-Za-z]+)"')
_FORMULA_TAG = re.compile(rb"<f[\s>/]")                # not <formula1> of a data validation


def _uncached_and_empty(part: bytes, bounds: tuple[int, int], cells: dict[str, object]) -> list[str]:
    """The formula cells without a cached value that calamine left empty."""
    return [address for address in uncached_formulas(part, bounds) if address not in cells]


def has_formula(part: bytes, bounds: tuple[int, int]) -> bool:
    """Whether the sheet holds any formula (prefixed markup ``<x:f>`` included)."""
    return part.find(b"<f", *bounds) >= 0 or part.find(b":f", *bounds) >= 0


def uncached_formulas(part: bytes, bounds: tuple[int, int]) -> set[str]:
    """``formula_cells_without_value``, through the plain shape when every formula has it."""
    if part.find(b":f", *bounds) < 0:
        found, matched = set(), 0
        for match in _FORMULA_CELL.finditer(part, *bounds):
            matched += 1
            reference = _CELL_REFERENCE.search(match.group(1))
            if reference is None:
                break
            value, kind = match.group(2), _CELL_KIND.search(match.group(1))
            if not (value is not None and (value.strip() or (kind and kind.group(1) in (b"str", b"s", b"inlineStr")))):
                found.add(reference.group(1).decode("ascii"))
        else:
            if matched == len(_FORMULA_TAG.findall(part, *bounds)):
                return found
    return formula_cells_without_value(part)


def formula_cells_without_value(part: bytes) -> set[str]:
    """The cells holding a formula but no cached value (``<c><f>…</f></c>``, no ``<v>``)."""
    return _CellScan(errors=False, formulas=True).run(part).formulas
