"""OpenDocument spreadsheets (.ods): encryption (the manifest), and from content.xml the
protection, every table's used grid and the formulas without a cached value.

calamine reads the cells. Every part of an .ods is inflated and checked by
``container.Members`` (sizes, entity declarations) before anything here parses it. content.xml
is scanned once (``scan_content``), before calamine runs: a cell repeated
across columns (``table:number-columns-repeated``) in a row repeated down
(``table:number-rows-repeated``) is a few bytes that any reader expands into
rows x columns cells, so each table's grid is counted here, repeats
multiplied, and a huge one refused (``file-bomb``) before calamine allocates it.
"""
from __future__ import annotations

from .. import a1
from . import xmlparts
from .container import Members, ZipPackage
from .ooxml import grid_detail
from .raw import Limits, RawWorkbook, Refused, check_filled, fold_name

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = f"{TABLE_NS}}}table"                # as expat names it: namespace}local
_SPREADSHEET = f"{OFFICE_NS}}}spreadsheet"


class OdsPackage(ZipPackage):
    def __init__(self, members: Members, content: "_Content"):
        super().__init__("ods", members)
        self.content = content
        self.declared = content.cells

    def annotate(self, book: RawWorkbook) -> None:
        book.structure_protected = self.content.structure
        for sheet in book.sheets:
            folded = fold_name(sheet.name)
            sheet.protected = self.content.protected.get(folded)
            if sheet.loaded:
                sheet.formulas_without_value = {
                    address for address in self.content.formulas.get(folded, ()) if address not in sheet.cells}


def inspect_ods(members: Members, limits: Limits = Limits()) -> OdsPackage:
    members.inflate_inspected()
    if _encrypted(members.parts.get("META-INF/manifest.xml", b"")):
        raise Refused("file-password-protected")
    return OdsPackage(members, scan_content(members.parts.get("content.xml", b""), limits))


def _encrypted(manifest: bytes) -> bool:
    """Whether any file entry of the manifest carries ``<manifest:encryption-data>``."""
    if b"encryption-data" not in manifest:
        return False
    tree = xmlparts.root(manifest)
    if tree is None:
        return True                          # it names encryption and cannot be read: take it at its word
    return any(xmlparts.local(element.tag) == "encryption-data" for element in tree.iter())


_TABLE_ROW, _TABLE_CELL = f"{TABLE_NS}}}table-row", f"{TABLE_NS}}}table-cell"
_COVERED_CELL = f"{TABLE_NS}}}covered-table-cell"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_CELL_TEXT = (f"{_TEXT_NS}}}p", f"{_TEXT_NS}}}h")
_CACHED = ("value", "date-value", "time-value", "boolean-value", "string-value")
MAX_REPEAT = 1 << 31                 # beyond any grid (1,048,576 rows x 16,384 columns)


class _Content:
    """What the scan of content.xml found (see ``scan_content``)."""

    def __init__(self):
        self.structure = False
        self.protected: dict[str, bool] = {}          # folded table name -> protected
        self.cells: dict[str, int] = {}               # folded table name -> rows x columns of its used grid
        self.formulas: dict[str, set[str]] = {}       # folded table name -> cells with a formula, no cached value


def scan_content(content: bytes, limits: Limits) -> _Content:
    """One expat scan of content.xml; refuses a table whose used grid exceeds ``limits.max_cells``.

    The used grid of a table is the box around its cells with content (a value
    type, a formula or text), repeats expanded: empty cells repeated to the
    sheet's edge (what LibreOffice writes) cost no reader anything.
    """
    found = _Content()
    filled = [0]
    state = {"table": None, "depth": 0, "row": 0, "rows": 1, "col": 0, "cols": 1, "content": False,
             "formula": False, "cached": False, "box": None}

    def finish_table() -> None:
        box = state["box"]
        found.cells[state["table"]] = 0 if box is None else (box[1] - box[0] + 1) * (box[3] - box[2] + 1)

    def start(tag: str, attributes: dict) -> None:
        if tag == _TABLE:
            state["depth"] += 1
            if state["depth"] > 1:
                return                              # a table inside a shape: not a sheet
            name = fold_name(xmlparts.attribute(attributes, "name") or "")
            found.protected[name] = xmlparts.true(xmlparts.attribute(attributes, "protected"))
            state.update(table=name, row=0, box=None)
        elif state["depth"] != 1:
            if tag == _SPREADSHEET:
                found.structure = xmlparts.true(xmlparts.attribute(attributes, "structure-protected"))
        elif tag == _TABLE_ROW:
            state.update(rows=_repeat(attributes, "number-rows-repeated"), col=0)
        elif tag in (_TABLE_CELL, _COVERED_CELL):
            formula = xmlparts.attribute(attributes, "formula") is not None
            cached = any(xmlparts.attribute(attributes, key) is not None for key in _CACHED)
            state.update(cols=_repeat(attributes, "number-columns-repeated"), formula=formula, cached=cached,
                         content=formula or xmlparts.attribute(attributes, "value-type") is not None)
        elif tag in _CELL_TEXT:
            state["content"] = state["cached"] = True

    def end(tag: str) -> None:
        if tag == _TABLE:
            if state["depth"] == 1:
                finish_table()
            state["depth"] -= 1
        elif state["depth"] != 1:
            return
        elif tag == _TABLE_ROW:
            state["row"] += state["rows"]
        elif tag in (_TABLE_CELL, _COVERED_CELL):
            first, last = state["col"] + 1, state["col"] + state["cols"]
            state["col"] = last
            if not state["content"]:
                return
            top, bottom = state["row"] + 1, state["row"] + state["rows"]
            filled[0] += state["rows"] * state["cols"]
            box = state["box"]
            box = state["box"] = (top, bottom, first, last) if box is None else (
                min(box[0], top), max(box[1], bottom), min(box[2], first), max(box[3], last))
            if (box[1] - box[0] + 1) * (box[3] - box[2] + 1) > limits.max_cells:
                raise Refused("file-bomb", detail=grid_detail(box[1] - box[0] + 1, box[3] - box[2] + 1))
            if state["formula"] and not state["cached"] and last <= 16384:
                found.formulas.setdefault(state["table"], set()).add(a1.column_letter(first) + str(top))

    try:
        xmlparts.scan(xmlparts.chunks(content), start, end)
    except xmlparts.ParseError:
        pass                                 # calamine reads (or refuses) the cells; what was seen so far stands
    check_filled(filled[0], limits)          # calamine builds every table of an .ods, filled cell by cell
    return found


def _repeat(attributes: dict, name: str) -> int:
    text = xmlparts.attribute(attributes, name)
    if text is None:
        return 1
    text = text.strip()
    return min(max(int(text), 1), MAX_REPEAT) if text.isdigit() else 1
