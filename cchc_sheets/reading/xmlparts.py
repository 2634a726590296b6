"""Package XML read with a real parser (expat), never matched with patterns.

Elements and attributes are matched by local name (and namespace URI where it
matters), never by prefix, so ``<x:sheet>`` under ``xmlns:x="…/main"`` reads
like ``<sheet>``; quotes, attribute order and whitespace inside tags are the
parser's business. Entity declarations are refused (entity expansion attacks):
a part that declares one is never parsed, and the parsers here stop at an
ENTITY declaration themselves. ``container.Members`` refuses such parts with a
finding before any of this runs. A DOCTYPE alone is harmless (LibreOffice
writes one in every Basic macro module): no entity to expand, and nothing here
fetches an external DTD (expat does not, without an external-entity handler).

Small parts (workbook.xml, relationships, content types, the manifest) become
trees (``root``); sheets and content.xml are scanned (``scan``): expat calls
back for each element and nothing is kept, so a 100 MB part never becomes a
100 MB tree, and a scan may stop as soon as it found what it looks for.
"""
from __future__ import annotations

import pyexpat
import xml.etree.ElementTree as ET
from typing import Callable, Iterable, Mapping

ParseError = ET.ParseError
CHUNK_BYTES = 64 * 1024


class Stop(Exception):
    """Raised by a ``scan`` handler that has seen enough."""


# The declaration as it is written in every encoding expat reads: ASCII-compatible ones and UTF-16.
_DECLARATIONS = tuple("<!ENTITY".encode(encoding) for encoding in ("ascii", "utf-16-le", "utf-16-be"))


def has_entities(data: bytes) -> bool:
    """Whether the XML declares an entity (general or parameter), in any encoding expat reads."""
    # b"!" is found at memory speed; the declarations are searched only when it is there.
    return b"!" in data and any(declaration in data for declaration in _DECLARATIONS)


def root(data: bytes) -> ET.Element | None:
    """The whole part as a tree (for small parts), or None when it is not well-formed or declares entities."""
    if has_entities(data):
        return None
    try:
        return ET.fromstring(data)
    except ParseError:
        return None


def local(name: str) -> str:
    """'{http://…/main}sheet' (ElementTree) or 'http://…/main}sheet' (expat) -> 'sheet'."""
    return name[name.rfind("}") + 1:]


def attribute(attributes: Mapping[str, str], name: str) -> str | None:
    """The attribute whose local name is ``name``, in no namespace or any (``r:id`` -> 'id')."""
    value = attributes.get(name)
    if value is None:
        for key, found in attributes.items():
            if "}" in key and local(key) == name:
                return found
    return value


def true(value: str | None) -> bool:
    """An xsd:boolean (or ODF's 'true'/'false')."""
    return (value or "").strip().lower() in ("1", "true")


def _refuse(*_args) -> None:
    raise ParseError("an entity declaration (not parsed)")


def scan(pieces: Iterable[bytes], start: Callable[[str, dict], None],
         end: Callable[[str], None] | None = None, text: Callable[[str], None] | None = None) -> None:
    """Parse one document fed in ``pieces``, calling ``start(name, attributes)``, ``end(name)``, ``text(data)``.

    Names are 'namespace}local' (or 'local' outside any namespace). Raises
    ParseError for XML that is not well-formed or declares entities; a handler
    may raise ``Stop`` to end the scan early (it reaches the caller).
    """
    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.EntityDeclHandler = _refuse
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.buffer_text = True
        parser.CharacterDataHandler = text
    try:
        for piece in pieces:
            if has_entities(piece):
                _refuse()
            parser.Parse(piece, False)
        parser.Parse(b"", True)
    except pyexpat.ExpatError as exc:
        raise ParseError(str(exc)) from None


def chunks(data: bytes, start: int = 0, size: int = CHUNK_BYTES) -> list[bytes]:
    """``data[start:]`` in pieces of ``size`` bytes, for ``scan``."""
    return [data[i:i + size] for i in range(start, len(data), size)]


def first_start(pieces: Iterable[bytes], name: str) -> dict | None:
    """The attributes of the first element called ``name`` (local name), feeding only until it starts.

    None when the document has none. Raises ParseError for XML that is not
    well-formed before that point, or that declares entities.
    """
    found: list[dict] = []

    def start(tag: str, attributes: dict) -> None:
        if local(tag) == name:
            found.append(attributes)
            raise Stop

    try:
        scan(pieces, start)
    except Stop:
        return found[0]
    return None
