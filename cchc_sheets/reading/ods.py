"""OpenDocument spreadsheets (.ods): encryption (the manifest) and protection (content.xml).

calamine reads the cells. Every part of an .ods is inflated and checked by
``container.Members`` (sizes, DTDs) before anything here parses it.
"""
from __future__ import annotations

from . import xmlparts
from .container import Members, ZipPackage
from .raw import RawWorkbook, Refused, fold_name

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = f"{TABLE_NS}}}table"                # as expat names it: namespace}local
_SPREADSHEET = f"{OFFICE_NS}}}spreadsheet"


class OdsPackage(ZipPackage):
    def annotate(self, book: RawWorkbook) -> None:
        structure, protected = _protection(self.parts.get("content.xml", b""))
        book.structure_protected = structure
        for sheet in book.sheets:
            sheet.protected = protected.get(fold_name(sheet.name))


def inspect_ods(members: Members) -> OdsPackage:
    members.inflate_inspected()
    if _encrypted(members.parts.get("META-INF/manifest.xml", b"")):
        raise Refused("file-password-protected")
    return OdsPackage("ods", members)


def _encrypted(manifest: bytes) -> bool:
    """Whether any file entry of the manifest carries ``<manifest:encryption-data>``."""
    if b"encryption-data" not in manifest:
        return False
    tree = xmlparts.root(manifest)
    if tree is None:
        return True                          # it names encryption and cannot be read: take it at its word
    return any(xmlparts.local(element.tag) == "encryption-data" for element in tree.iter())


def _protection(content: bytes) -> tuple[bool, dict[str, bool]]:
    """(structure protected, folded table name -> table protected) from content.xml."""
    found: dict = {"structure": False, "tables": {}}

    def start(tag: str, attributes: dict) -> None:
        if tag == _SPREADSHEET:
            found["structure"] = xmlparts.true(xmlparts.attribute(attributes, "structure-protected"))
        elif tag == _TABLE:
            name = xmlparts.attribute(attributes, "name")
            if name is not None:
                found["tables"][fold_name(name)] = xmlparts.true(xmlparts.attribute(attributes, "protected"))

    try:
        xmlparts.scan(xmlparts.chunks(content), start)
    except xmlparts.ParseError:
        pass                                 # calamine read the cells; what was seen so far stands
    return found["structure"], found["tables"]
