"""The data part: the codec's consolidation document in a Custom XML part, and reading it back.

``read_consolidated`` returns the Consolidation ``consolidate`` made, field for field (``codec``).
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from .. import codec
from ..forked import ForkedBytes
from ..messages import CchcError, phrase
from ..model import Consolidation
from ..xlsx_stream import Sheet
from .cells import META_SHEET

META_KIND = "cchc-merge"
META_FORMAT = 3            # 3: the codec's document in a custom XML part (1, 2 of 0.1: positional records)
DATA_NAMESPACE = "urn:cchc-sheets:merge"
DATA_ITEM_ID = "{6F1C3E52-7A0B-4C8E-9D4B-3C2A1B0E5F70}"
DATA_ITEMS_PER_PART = 100   # inputs or units per <part>: ~200 kB of JSON each (500 cost 4 MB more peak memory at N = 1,000)
MAX_DATA_BYTES = 1 << 30    # the data part of a national merge is a few MB; refuse anything absurd


# =========================================================================== writing
# What rebuilds the Consolidation is the codec's consolidation document (``codec``), as
# JSON in a Custom XML Data part: no cells, so 10,000 units cost a few MB instead of a
# 195,000-row sheet. The hidden sheet _cchc_merge only marks the workbook as ours.


def write_marker_sheet(sheet: Sheet, consolidation: Consolidation) -> None:
    c = consolidation
    rows = [("meta", "kind", META_KIND), ("meta", "format", META_FORMAT), ("meta", "form_id", c.form.id),
            ("meta", "form_version", c.form.version), ("meta", "period", c.period.code),
            ("meta", "data", f"customXml (JSON, codec format {codec.FORMAT})")]
    for number, record in enumerate(rows, start=1):
        sheet.write_row(number, [(column, value, 0) for column, value in enumerate(record, start=1)])


def data_part_chunks(consolidation: Consolidation) -> Iterator[str]:
    """The custom XML item: ``<cchcMerge>`` around the codec's JSON document, cut into ``<part>``s.

    The JSON text is the concatenation of the parts. One text node would do for XML, but
    LibreOffice's parser refuses text nodes over 10 MB ("huge text node"), and a national
    merge has about 17 MB of JSON.
    """
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cchcMerge xmlns="{DATA_NAMESPACE}">'
    for piece in codec.consolidation_json_pieces(consolidation, DATA_ITEMS_PER_PART):
        yield f"<part>{escape(piece)}</part>"
    yield "</cchcMerge>"


SPARE_PROCESS_FROM = 300   # inputs: below this the data part takes a few tens of ms, no child process


def forked_data_part(consolidation: Consolidation) -> ForkedBytes:
    """``data_part_chunks`` as UTF-8 bytes, made by a child process (``forked``) while this one
    writes the sheets: the JSON of a big merge (0.4 s at N = 3,300) costs it no time then.
    Where no child is made or it failed, the same bytes (or ``codec.CodecError``) come from here."""
    return ForkedBytes(lambda: data_part_chunks(consolidation),
                       worth=len(consolidation.inputs) >= SPARE_PROCESS_FROM)


# =========================================================================== reading back


def read_consolidated(path: str | Path, form=None) -> Consolidation:
    """The Consolidation ``consolidate`` made, from a workbook ``write_merged_workbook`` wrote.

    ``form``: a Form, a pack id or path, or None for the pack named in the workbook.
    Only workbooks whose data part is a codec document of this version's format are read.
    """
    path = Path(path)
    document = _data_document(path)
    found = document.get("format")
    if found != codec.FORMAT:  # written by another version
        raise CchcError("merged-workbook-invalid", path=path, reason=phrase(
            "detail-data-format", found="?" if found is None else found, expected=codec.FORMAT))
    form = _resolve_form(form, codec.consolidation_form_id(document), path)
    try:
        return codec.consolidation_from_json(document, form)
    except codec.CodecError as exc:
        raise CchcError("merged-workbook-invalid", path=path, reason=phrase("detail-data-damaged", error=exc)) from exc


def is_consolidated_workbook(path: str | Path) -> bool:
    """A cheap peek (workbook.xml only): does the package have our hidden ``_cchc_merge`` sheet?"""
    try:
        with zipfile.ZipFile(path) as package:
            info = package.getinfo("xl/workbook.xml")
            if info.file_size > 4 << 20:  # a workbook part that large is not ours
                return False
            text = package.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return False
    return re.search(rf"""<(?:\w+:)?sheet\b[^>]*\bname=["']{META_SHEET}["']""", text) is not None


def _data_document(path: Path) -> dict:
    """The JSON document of our custom XML item (not yet checked against the codec)."""
    try:
        with zipfile.ZipFile(path) as package:
            for info in package.infolist():
                if re.fullmatch(r"customXml/item\d+\.xml", info.filename) and _is_data_item(package, info):
                    return _parse_data_item(package, info, path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise CchcError("merged-workbook-invalid", path=path, reason=exc) from exc
    raise CchcError("merged-workbook-invalid", path=path, reason=phrase("detail-no-data-part"))


def _is_data_item(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    with package.open(info) as handle:
        return DATA_NAMESPACE.encode() in handle.read(400)


def _parse_data_item(package: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> dict:
    from defusedxml import ElementTree

    if info.file_size > MAX_DATA_BYTES:
        raise CchcError("merged-workbook-invalid", path=path, reason=phrase("detail-data-too-large", size=info.file_size))
    try:
        root = ElementTree.fromstring(package.read(info))
        if root.tag != f"{{{DATA_NAMESPACE}}}cchcMerge":
            raise ValueError(root.tag)
        document = codec.loads("".join(part.text or "" for part in root))
        if type(document) is not dict:
            raise ValueError("not a JSON object")
    except Exception as exc:  # noqa: BLE001 - damaged or foreign data: say so, never guess
        raise CchcError("merged-workbook-invalid", path=path, reason=phrase("detail-data-damaged", error=exc)) from exc
    return document


def _resolve_form(form, form_id, path):
    from ..forms import Form, load_form

    if not isinstance(form_id, str):
        raise CchcError("merged-workbook-invalid", path=path, reason=phrase("detail-data-damaged", error="form"))
    loaded = form if isinstance(form, Form) else load_form(form or form_id)
    if loaded.id != form_id:
        raise CchcError("merged-workbook-other-form", path=path, found=form_id, expected=loaded.id)
    return loaded
