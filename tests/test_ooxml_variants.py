"""Every OOXML a writer may legitimately produce reads the same: quotes, prefixes, attribute order, whitespace.

A real return (from the template writer, with a few mistakes planted so that the
report has findings, a cell in error and a sheet whose protection was removed)
is rewritten part by part, each part re-serialised from its parsed tree in a
variant that means the same XML: single quotes, every element under a namespace
prefix, other prefixes, attributes in another order, whitespace and line breaks
inside tags, a ``standalone`` declaration, no declaration. The report (values,
findings with their cells and severities, status) and what was read (cells,
visibility, protection) must be those of the original.
"""
from __future__ import annotations

import io
import re
import resource
import zipfile
import xml.etree.ElementTree as ET

import pytest

from builders import REFERENCE_VALUES, make_return
from cchc_sheets import layout
from cchc_sheets.reading import read_workbook
from cchc_sheets.validation import validate_workbook

PARTS = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
         "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml")
XML_NS = "http://www.w3.org/XML/1998/namespace"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# --------------------------------------------------------------------------- a serialiser with choices


def serialise(part: bytes, *, quote: str = '"', prefix: str = "", renamed: dict[str, str] | None = None,
              order=lambda items: items, space: str = " ", declaration: str = "") -> bytes:
    """The same XML written another way.

    ``prefix``: the root's namespace gets this prefix on every element ('' keeps it the
    default namespace); ``renamed``: other prefixes, by namespace URI; ``order``: the
    attribute order; ``space``: what separates a tag's name and attributes; ``declaration``:
    the XML declaration written first (or none).
    """
    root = ET.fromstring(part)
    prefixes = {uri: name for name, uri in _declared(part)}
    main = root.tag[1:].partition("}")[0]
    prefixes[main] = prefix
    prefixes.update(renamed or {})
    prefixes[XML_NS] = "xml"
    out = [declaration]

    def name_of(tag: str) -> str:
        if tag[:1] != "{":
            return tag
        uri, _, local = tag[1:].partition("}")
        return f"{prefixes[uri]}:{local}" if prefixes[uri] else local

    def value(text: str) -> str:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = text.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")
        return text.replace(quote, "&quot;" if quote == '"' else "&apos;")

    def write(element: ET.Element, top: bool) -> None:
        items = [(name_of(key), val) for key, val in element.attrib.items()]
        if top:
            items += [(f"xmlns:{p}" if p else "xmlns", uri) for uri, p in prefixes.items() if uri != XML_NS]
        attributes = "".join(f"{space}{key}{'=' if space == ' ' else space + '=' + space}{quote}{value(val)}{quote}"
                             for key, val in order(items))
        tag = name_of(element.tag)
        body = (element.text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if len(element) or body:
            out.append(f"<{tag}{attributes}{space if space != ' ' else ''}>{body}")
            for child in element:
                write(child, False)
                out.append((child.tail or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
            out.append(f"</{tag}{space if space != ' ' else ''}>")
        else:
            out.append(f"<{tag}{attributes}{space}/>")

    write(root, True)
    return "".join(out).encode("utf-8")


def _declared(part: bytes) -> list[tuple[str, str]]:
    """Every (prefix, namespace URI) the part declares, wherever it declares it."""
    return [found for _, found in ET.iterparse(io.BytesIO(part), events=("start-ns",))]


VARIANTS = {
    "single quotes": dict(quote="'"),
    "every element prefixed": dict(prefix="x"),
    "other prefixes": dict(prefix="s", renamed={RELATIONSHIPS_NS: "rel"}),
    "attributes reversed": dict(order=lambda items: items[::-1]),
    "attributes sorted": dict(order=sorted),
    "line breaks inside tags": dict(space="\n\t "),
    "standalone declaration": dict(declaration='<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'),
    "single-quoted declaration": dict(declaration="<?xml version='1.0' encoding='utf-8'?>\n"),
    "no declaration": dict(),
    "all at once": dict(quote="'", prefix="x", renamed={RELATIONSHIPS_NS: "rel"}, order=lambda items: items[::-1],
                        space="\n  ", declaration="<?xml version='1.0' standalone='yes'?>"),
}


# --------------------------------------------------------------------------- the return and its rewrites


@pytest.fixture(scope="module")
def original(tmp_path_factory, form, period):
    """A return with findings of every kind the parts carry: values, a cell in error, protection removed."""
    from cchc_sheets.units import Unit

    unit = Unit(code="T01", name="Xã Thử Nghiệm Một", parent="UBND tỉnh Thử Nghiệm")
    folder = tmp_path_factory.mktemp("variants")
    data = make_return(folder, form, unit, period, REFERENCE_VALUES).read_bytes()
    data = _rewritten(data, {
        "xl/worksheets/sheet1.xml": lambda part: _replace_once(
            part, rb'<c r="D9" s="7" t="n"><v>12</v></c>', b'<c r="D9" s="7" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
        "xl/worksheets/sheet2.xml": lambda part: _replace_once(part, b' sheet="1"', b' sheet="0"'),
    })
    path = folder / "original.xlsx"
    path.write_bytes(data)
    return path


def _replace_once(part: bytes, old: bytes, new: bytes) -> bytes:
    assert part.count(old) == 1, old
    return part.replace(old, new)


def _rewritten(data: bytes, changes: dict) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in changes:
                content = changes[info.filename](content)
            target.writestr(info.filename, content)
    return out.getvalue()


def _read(path, form):
    raw = read_workbook(path)
    report = validate_workbook(raw, form)
    sheets = [(s.name, s.visibility, s.protected, s.cells) for s in raw.sheets]
    findings = [(f.code, f.severity, f.sheet, f.cell, f.indicator, f.value, f.params) for f in report.findings]
    said = (report.form, report.form_version, report.unit_code, report.unit_name, report.period, report.values,
            report.notes, report.answers, report.reporter, report.file_format, report.generated_at)
    return raw.problem, raw.structure_protected, sheets, said, findings, report.status


def test_the_original_has_something_to_lose(original, form):
    problem, structure, sheets, _, findings, status = _read(original, form)
    assert problem is None and structure is True
    codes = {code for code, *_ in findings}
    assert {"protection-removed", "not-a-number", "number-with-remark"} <= codes, codes
    assert [(name, protected) for name, _, protected, _ in sheets] == \
        [(layout.MAIN_SHEET, True), (layout.ANSWERS_SHEET, False), (layout.META_SHEET, True)]
    assert str(sheets[0][3]["D9"]) == "#DIV/0!"
    assert status == "invalid"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("part", PARTS + ("every part",))
def test_a_part_written_another_way_reads_the_same(original, form, tmp_path, part, variant):
    options = VARIANTS[variant]
    names = PARTS if part == "every part" else (part,)
    data = _rewritten(original.read_bytes(), {name: lambda content: serialise(content, **options) for name in names})
    rewritten = tmp_path / "variant.xlsx"
    rewritten.write_bytes(data)
    assert _read(rewritten, form) == _read(original, form)


def test_the_variants_really_differ_from_the_original(original):
    """The serialiser does what it says (else the test above would prove nothing)."""
    sheet = zipfile.ZipFile(original).read("xl/worksheets/sheet1.xml")
    assert b"<x:sheetProtection " in serialise(sheet, prefix="x")
    assert b"sheet='1'" in serialise(sheet, quote="'")
    assert re.search(rb"<sheetProtection\n\t [a-zA-Z]", serialise(sheet, space="\n\t "))
    workbook = zipfile.ZipFile(original).read("xl/workbook.xml")
    assert b"rel:id=" in serialise(workbook, renamed={RELATIONSHIPS_NS: "rel"})
    assert serialise(workbook) != workbook


def test_single_quoted_sheet_protection_is_not_protection_removed(original, form, tmp_path):
    """The bug of issue 13: valid XML that some writers emit, read as if the protection were gone."""
    def single_quoted(part: bytes) -> bytes:
        return re.sub(rb"<sheetProtection\b[^>]*>", lambda tag: tag.group(0).replace(b'"', b"'"), part)

    data = _rewritten(original.read_bytes(), {name: single_quoted for name in PARTS if "worksheets" in name})
    path = tmp_path / "single.xlsx"
    path.write_bytes(data)
    assert b"sheet='1'" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    _, _, sheets, _, findings, _ = _read(path, form)
    removed = [(sheet, cell) for code, _, sheet, cell, *_ in findings if code == "protection-removed"]
    assert removed == [(layout.ANSWERS_SHEET, None)]            # the one sheet really unprotected, as before
    assert _read(path, form) == _read(original, form)


def _assert_grid_refused(tmp_path, change) -> None:
    """The two-cell grid bomb (A1 and CV1048576), its sheet changed by ``change``, is refused before calamine."""
    from hostile import small_xlsx_bytes

    data = _rewritten(small_xlsx_bytes({"A1": 1, "CV1048576": 2}), {"xl/worksheets/sheet1.xml": change})
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    raw = read_workbook(path)
    assert raw.problem is not None and raw.problem.code == "file-bomb"
    assert raw.problem.params["detail"].code == "detail-grid-too-large"
    # calamine refuses such a grid too, but only once it has allocated it
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 150


@pytest.mark.parametrize("variant", ["single quotes", "every element prefixed", "line breaks inside tags"])
def test_a_grid_bomb_written_another_way_is_still_refused(tmp_path, variant):
    """However the sheet's XML is written, the grid check still sees both cells."""
    _assert_grid_refused(tmp_path, lambda part: serialise(part, **VARIANTS[variant]))


def test_a_comment_among_the_cells_does_not_hide_far_cells(tmp_path):
    """A ``</sheetData>`` inside a comment does not end the cells for the grid check."""
    def commented(part: bytes) -> bytes:
        far = part.index(b'<row r="1048576"')
        return part[:far] + b"<!-- </sheetData> -->" + part[far:]

    _assert_grid_refused(tmp_path, commented)


def test_entity_declarations_are_refused_in_utf16_too(tmp_path):
    """A sheet re-encoded in UTF-16 (which expat reads) cannot smuggle a DTD past the byte check."""
    from hostile import make_entity_bomb

    def utf16(part: bytes) -> bytes:
        return part.decode("utf-8").replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>') \
            .encode("utf-16")

    data = _rewritten(make_entity_bomb(tmp_path).read_bytes(), {"xl/worksheets/sheet1.xml": utf16})
    path = tmp_path / "bomb16.xlsx"
    path.write_bytes(data)
    raw = read_workbook(path)
    assert raw.problem is not None and raw.problem.code == "file-bomb"
    assert raw.problem.params["detail"].code == "detail-xml-entities"
