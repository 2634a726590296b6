"""The workbook: its sheets, styles and shared strings, saved as one deterministic package."""
from __future__ import annotations

import contextlib
import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from xml.sax.saxutils import quoteattr

from ..text import xml_text
from ..xlsx_theme import THEME_XML
from .parts import (
    CUSTOM_XML_REL, MAIN_NS, REL_NS, XML_DECLARATION, chart_xml, drawing, relationships, string_items,
)
from .sheet import QUOTED_STARTS, CellHeads, CellOpens, Sheet
from .styles import Style, StyleSheet

ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class CustomXmlPart:
    """Machine-readable data inside the package: ``chunks`` are the item's XML, text or UTF-8 bytes."""

    chunks: Iterable[str | bytes]
    item_id: str       # a GUID, "{...}", for itemProps


class PartWriter:
    """Streamed members of a ``ZipFile`` written by a thread, in the order given, while this
    thread makes the bytes of the next ones.

    ``write(name, blocks)``: the blocks (bytes) are made here and handed over in batches of
    about ``BATCH`` bytes. ``write_read(name, blocks)``: blocks that cost no Python work to make
    (read from a file) are read by the thread itself, so this one can go on to the next member
    meanwhile. The ``ZipFile`` (and whatever ``write_read`` is given) is the thread's alone until
    the ``with`` block ends; the queue is short, so memory stays flat. The bytes are those the
    members would have written here, and zlib's output does not depend on how its input is
    cut, so the package is the same.
    """

    BATCH = 1 << 20
    BATCHES = 4
    _END = None

    def __init__(self, package: zipfile.ZipFile):
        self.package = package
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.room = threading.Semaphore(self.BATCHES)   # batches of bytes waiting: at most BATCHES
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, name="xlsx-zip", daemon=True)

    def __enter__(self) -> PartWriter:
        self.thread.start()
        return self

    def write(self, name: str, blocks: Iterable[bytes]) -> None:
        self._put(name)   # a name starts the next member
        pending, size = [], 0
        for block in blocks:
            pending.append(block)
            size += len(block)
            if size >= self.BATCH:
                self._put_batch(pending)
                pending, size = [], 0
        if pending:
            self._put_batch(pending)

    def _put_batch(self, blocks: list[bytes]) -> None:
        self.room.acquire()
        self._put(b"".join(blocks))

    def write_read(self, name: str, blocks: Iterable[bytes]) -> None:
        self._put(name)
        self._put(_Blocks(blocks))

    def _put(self, item: str | bytes | _Blocks | None) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(item)

    def __exit__(self, kind, value, traceback) -> None:
        self.queue.put(self._END)
        self.thread.join()
        if self.error is not None and kind is None:
            raise self.error

    def _drain(self) -> None:
        target = None
        try:
            while (item := self.queue.get()) is not self._END:
                if type(item) is str:
                    if target is not None:
                        target.close()
                    target = self.package.open(item, "w")
                elif type(item) is _Blocks:
                    for block in item.blocks:
                        target.write(block)
                else:
                    target.write(item)
                    self.room.release()
            if target is not None:
                target.close()
        except BaseException as exc:  # noqa: BLE001 - raised again in the thread that saves
            self.error = exc
            if target is not None:   # as ``with package.open(...)`` would: the ZipFile can close
                with contextlib.suppress(Exception):
                    target.close()
            self.room.release()   # the other thread may be waiting for room: it sees the error
            while self.queue.get() is not self._END:  # and puts nothing more but the end
                self.room.release()


@dataclass
class _Blocks:
    """Blocks for the writing thread to read itself (see ``PartWriter.write_read``)."""

    blocks: Iterable[bytes]


def _utf8(chunk: str | bytes) -> bytes:
    return chunk if type(chunk) is bytes else chunk.encode("utf-8")


class WorkbookWriter:
    """Sheets in the order added; ``save`` writes the package to an open binary file."""

    def __init__(self, default_style: Style | None = None, *, compress_level: int = 1, creator: str = "cchc-sheets"):
        self.styles = StyleSheet(default_style or Style())
        self.sheets: list[Sheet] = []
        self.custom_parts: list[CustomXmlPart] = []
        self.active = 0
        self.compress_level = compress_level
        self.creator = creator
        self._strings: dict[str, int] = {}
        # The fast path of Sheet.write_row: text that needs no quote prefix -> its index as text.
        self._plain_strings: dict[str, str] = {}
        self._cell_opens = CellOpens()
        self._text_heads = CellHeads(' t="s"><v>')
        self._number_heads = CellHeads("><v>")
        self._blank_heads = CellHeads("/>")
        self._heights: dict[float, str] = {}

    def add_sheet(self, name: str, *, hidden: bool = False) -> Sheet:
        sheet = Sheet(self, name, hidden)
        self.sheets.append(sheet)
        return sheet

    def style(self, **properties) -> int:
        return self.styles.index(Style(**{**self._default_properties(), **properties}))

    def _default_properties(self) -> dict:
        default = next(iter(self.styles.styles))
        return {"font_name": default.font_name, "size": default.size}

    def height_text(self, height: float) -> str:
        """A row height as written (few distinct heights, many rows)."""
        text = self._heights.get(height)
        if text is None:
            text = self._heights[height] = f"{height:g}"
        return text

    def new_plain_index(self, text: str) -> str | None:
        """Adds ``text`` to the shared strings; its index as written, None if it needs the quote prefix."""
        self.shared_string(text)
        return self._plain_strings.get(text)

    def shared_string(self, text: str) -> int:
        found = self._strings.get(text)
        if found is None:
            found = self._strings[text] = len(self._strings)
            if not text.startswith(QUOTED_STARTS):
                self._plain_strings[text] = str(found)
        return found

    def add_custom_xml(self, chunks: Iterable[str | bytes], item_id: str) -> None:
        self.custom_parts.append(CustomXmlPart(chunks, item_id))

    def save(self, handle) -> None:
        """The package, deterministic: every member dated ``ZIP_TIME`` (same input, same bytes).

        A fast compression level (level 1 writes 48 MB of XML in 0.2 s against 0.55 s at the
        default 6, for a file 30% larger), set on the ``ZipFile``: the streamed parts, opened by
        name, take its method and level and ``ZipInfo``'s default time, which is ``ZIP_TIME``.
        The streamed parts are compressed in a thread (``PartWriter``) while this one makes the
        next bytes (the data part's JSON above all): zlib lets go of the GIL.
        """
        level = self.compress_level
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
            for name, text in self._small_parts():
                package.writestr(zipfile.ZipInfo(name, ZIP_TIME), text.encode("utf-8"),
                                 compress_type=zipfile.ZIP_DEFLATED, compresslevel=level)
            with PartWriter(package) as parts:
                for number, sheet in enumerate(self.sheets, start=1):
                    parts.write_read(f"xl/worksheets/sheet{number}.xml", sheet.xml_blocks(number))
                parts.write("xl/sharedStrings.xml", self._shared_strings_blocks())
                for number, part in enumerate(self.custom_parts, start=1):
                    parts.write(f"customXml/item{number}.xml", map(_utf8, part.chunks))

    def _shared_strings_blocks(self) -> Iterator[bytes]:
        count = len(self._strings)
        yield (f'{XML_DECLARATION}<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">'
               .encode("utf-8"))
        texts = iter(self._strings)
        while batch := list(islice(texts, 5000)):
            yield string_items(batch).encode("utf-8")
        yield b"</sst>"

    # ----------------------------------------------------------------- the small parts

    def _small_parts(self) -> Iterator[tuple[str, str]]:
        yield "[Content_Types].xml", self._content_types()
        yield "_rels/.rels", relationships([
            ("rId1", f"{REL_NS}/officeDocument", "xl/workbook.xml"),
            ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
             "docProps/core.xml"),
            ("rId3", f"{REL_NS}/extended-properties", "docProps/app.xml")])
        yield "docProps/core.xml", self._core()
        yield "docProps/app.xml", ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns='
                                   '"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                                   "<Application>cchc-sheets</Application></Properties>")
        yield "xl/workbook.xml", self._workbook()
        yield "xl/_rels/workbook.xml.rels", self._workbook_rels()
        yield "xl/styles.xml", self.styles.xml()
        yield "xl/theme/theme1.xml", THEME_XML
        for number, sheet in enumerate(self.sheets, start=1):
            if sheet.chart:
                chart = self._chart_number(sheet)
                yield f"xl/worksheets/_rels/sheet{number}.xml.rels", relationships(
                    [("rId1", f"{REL_NS}/drawing", f"../drawings/drawing{chart}.xml")])
                yield f"xl/drawings/drawing{chart}.xml", drawing(sheet.chart)
                yield f"xl/drawings/_rels/drawing{chart}.xml.rels", relationships(
                    [("rId1", f"{REL_NS}/chart", f"../charts/chart{chart}.xml")])
                yield f"xl/charts/chart{chart}.xml", chart_xml(sheet.chart)
        for number, part in enumerate(self.custom_parts, start=1):
            yield f"customXml/itemProps{number}.xml", (
                f'{XML_DECLARATION}<ds:datastoreItem ds:itemID="{part.item_id}" '
                'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs/>'
                "</ds:datastoreItem>")
            yield f"customXml/_rels/item{number}.xml.rels", relationships([(
                "rId1", f"{REL_NS}/customXmlProps", f"itemProps{number}.xml")])

    def _chart_number(self, sheet: Sheet) -> int:
        return [s for s in self.sheets if s.chart].index(sheet) + 1

    def _content_types(self) -> str:
        sml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        overrides = [("/xl/workbook.xml", f"{sml}.sheet.main+xml"), ("/xl/styles.xml", f"{sml}.styles+xml"),
                     ("/xl/sharedStrings.xml", f"{sml}.sharedStrings+xml"),
                     ("/xl/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml"),
                     ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                     ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml")]
        overrides += [(f"/xl/worksheets/sheet{n}.xml", f"{sml}.worksheet+xml") for n in range(1, len(self.sheets) + 1)]
        for n in range(1, sum(1 for s in self.sheets if s.chart) + 1):
            overrides += [(f"/xl/drawings/drawing{n}.xml", "application/vnd.openxmlformats-officedocument.drawing+xml"),
                          (f"/xl/charts/chart{n}.xml",
                           "application/vnd.openxmlformats-officedocument.drawingml.chart+xml")]
        overrides += [(f"/customXml/itemProps{n}.xml",
                       "application/vnd.openxmlformats-officedocument.customXmlProperties+xml")
                      for n in range(1, len(self.custom_parts) + 1)]
        return (f'{XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides) + "</Types>")

    def _core(self) -> str:
        return (f'{XML_DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                f'xmlns:dcterms="http://purl.org/dc/terms/"><dc:creator>{xml_text(self.creator)}</dc:creator>'
                "</cp:coreProperties>")

    def _workbook(self) -> str:
        sheets = "".join(f'<sheet name={quoteattr(s.name)} sheetId="{n}"' + (' state="hidden"' if s.hidden else "")
                         + f' r:id="rId{n}"/>' for n, s in enumerate(self.sheets, start=1))
        names = "".join(self._defined_names(n, s) for n, s in enumerate(self.sheets))
        return (f'{XML_DECLARATION}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
                f'<bookViews><workbookView activeTab="{self.active}"/></bookViews><sheets>{sheets}</sheets>'
                + (f"<definedNames>{names}</definedNames>" if names else "")
                + '<calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>')

    @staticmethod
    def _defined_names(index: int, sheet: Sheet) -> str:
        quoted = "'" + sheet.name.replace("'", "''") + "'"
        names = []
        if sheet.autofilter:
            absolute = "$" + sheet.autofilter.replace(":", ":$")
            absolute = re.sub(r"([A-Z]+)(\d+)", r"\1$\2", absolute)
            names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                         f"{xml_text(quoted)}!{absolute}</definedName>")
        titles = []
        if sheet.page and sheet.page.title_columns:
            first, last = sheet.page.title_columns
            titles.append(f"{xml_text(quoted)}!${first}:${last}")
        if sheet.page and sheet.page.title_rows:
            first, last = sheet.page.title_rows
            titles.append(f"{xml_text(quoted)}!${first}:${last}")
        if titles:
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                         f"{','.join(titles)}</definedName>")
        return "".join(names)

    def _workbook_rels(self) -> str:
        count = len(self.sheets)
        rels = [(f"rId{n}", f"{REL_NS}/worksheet", f"worksheets/sheet{n}.xml") for n in range(1, count + 1)]
        rels += [(f"rId{count + 1}", f"{REL_NS}/styles", "styles.xml"),
                 (f"rId{count + 2}", f"{REL_NS}/sharedStrings", "sharedStrings.xml"),
                 (f"rId{count + 3}", f"{REL_NS}/theme", "theme/theme1.xml")]
        rels += [(f"rId{count + 3 + n}", CUSTOM_XML_REL, f"../customXml/item{n}.xml")
                 for n in range(1, len(self.custom_parts) + 1)]
        return relationships(rels)
