"""Write a Draft as a Word document in the Decree 30/2020/NĐ-CP (Appendix I) layout, with python-docx.

A4; margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman everywhere
(ascii, hAnsi, east-asian and complex-script attributes, so Word never substitutes a
font for Vietnamese letters), black; the two-column heading; body 14 pt justified with a
1,27 cm first-line indent; page numbers centred in the top margin from page 2.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor, Twips

from ..fileio import write_with
from .render import HEADING_1, HEADING_2, AppendixTable, Draft

FONT = "Times New Roman"
BODY_SIZE = 14
BLACK = RGBColor(0, 0, 0)
TEXT_WIDTH_CM = 16.5                 # 210 mm - 30 mm - 15 mm
HEADING_COLUMNS_CM = (6.7, 9.8)      # issuer | national title: the title at 12 pt needs 8,2 cm
SIGNATURE_COLUMNS_CM = (8.0, 8.5)
APPENDIX_COLUMNS_CM = (1.2, 7.3, 2.6, 2.4, 3.0)
LANDSCAPE_TEXT_WIDTH_CM = 25.2      # 297 mm - 30 mm - 15 mm
WIDE_TABLE_COLUMNS = 7               # more columns than this: the appendix goes on a landscape page
CELL_MARGIN_CM = 0.19                # Word's default left/right cell margin
# "Độc lập - Tự do - Hạnh phúc", bold 13 pt: 158,6 pt = 5,6 cm (summed from the advance widths
# of Liberation Serif Bold, metric-compatible with Times New Roman; accented letters are as wide
# as their base letters). The rule under it is that long.
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MOTTO_WIDTH_CM = 5.6
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


# --------------------------------------------------------------------------- fonts and runs


def _font_xml(rpr, size: float | None = None) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    if size:
        for tag in ("w:szCs",):
            element = rpr.find(qn(tag))
            if element is None:
                element = OxmlElement(tag)
                rpr.append(element)
            element.set(qn("w:val"), str(int(size * 2)))


def add_run(paragraph, text: str, size: float = BODY_SIZE, bold: bool = False, italic: bool = False):
    run = paragraph.add_run(text)
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.color.rgb = BLACK
    _font_xml(run._element.get_or_add_rPr(), size)
    return run


def _style_defaults(document) -> None:
    """Normal style in Times New Roman 14 pt, black, Vietnamese language tag."""
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_SIZE)
    style.font.color.rgb = BLACK
    rpr = style.element.get_or_add_rPr()
    _font_xml(rpr, BODY_SIZE)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    language.set(qn("w:eastAsia"), "vi-VN")
    rpr.append(language)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(0)


def paragraph(container, text: str = "", size: float = BODY_SIZE, bold=False, italic=False,
              align=WD_ALIGN_PARAGRAPH.CENTER, after: float = 0, before: float = 0):
    """A paragraph with one run; ``container`` is the document, a cell or a header."""
    para = container.add_paragraph()
    para.alignment = align
    para.paragraph_format.space_after = Pt(after)
    para.paragraph_format.space_before = Pt(before)
    if text:
        add_run(para, text, size, bold, italic)
    return para


def bottom_rule(para, width_cm: float, available_cm: float) -> None:
    """A solid line under ``para`` of ``width_cm``, centred: a bottom border with equal indents."""
    indent = max(0.0, (available_cm - width_cm) / 2)
    para.paragraph_format.left_indent = Cm(indent)
    para.paragraph_format.right_indent = Cm(indent)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    para._p.get_or_add_pPr().append(borders)


# --------------------------------------------------------------------------- tables


def _table_borders(table, kind: str) -> None:
    """'none' for the heading and signature tables, 'single' for the appendix."""
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), kind)
        if kind != "none":
            element.set(qn("w:sz"), "4")
            element.set(qn("w:color"), "000000")
        borders.append(element)
    properties.append(borders)


def layout_table(document, rows: int, widths_cm: tuple[float, ...], borders: str = "none"):
    table = document.add_table(rows=rows, cols=len(widths_cm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _table_borders(table, borders)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
    return table


def _first_paragraph(cell, text: str, size: float, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.CENTER):
    """Cells start with one empty paragraph: fill it instead of leaving a blank line."""
    para = cell.paragraphs[0]
    para.alignment = align
    if text:
        add_run(para, text, size, bold, italic)
    return para


# --------------------------------------------------------------------------- parts of the page


def page_setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    # Word stores twips: 1134 twips = 20,0 mm, 1701 = 30,0 mm, 851 = 15,0 mm (Mm() would round below)
    section.top_margin, section.bottom_margin = Twips(1134), Twips(1134)
    section.left_margin, section.right_margin = Twips(1701), Twips(851)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False  # an empty header: no number on page 1
    page_number_header(section.header)


def page_number_header(header) -> None:
    """A PAGE field centred in the top margin (a complex field: Word and LibreOffice both update it)."""
    para = header.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        run = add_run(para, "", BODY_SIZE)
        if kind:
            field_char = OxmlElement("w:fldChar")
            field_char.set(qn("w:fldCharType"), kind)
            run._r.append(field_char)
        elif text == " PAGE ":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
        else:
            run.text = text


def heading_block(document, draft: Draft) -> None:
    """Issuer | national title and motto; number | place and date (a borderless 2×2 table)."""
    table = layout_table(document, 2, HEADING_COLUMNS_CM)
    left, right = table.cell(0, 0), table.cell(0, 1)
    for n, line in enumerate(draft.issuer_lines):
        last = n == len(draft.issuer_lines) - 1   # the parent line is normal, the issuing body bold
        if n == 0:
            _first_paragraph(left, line, 13, bold=last)
        else:
            paragraph(left, line, 13, bold=last)
    bottom_rule(paragraph(left, "", 4), 2.0, HEADING_COLUMNS_CM[0] - 2 * CELL_MARGIN_CM)
    _first_paragraph(right, NATIONAL_TITLE, 12, bold=True)
    paragraph(right, MOTTO, 13, bold=True)
    # The rule is its own tiny paragraph, not the motto's border, so the motto never wraps
    # inside it when a viewer substitutes a wider font.
    rule = paragraph(right, "", 2)
    rule.paragraph_format.line_spacing = Pt(3)
    bottom_rule(rule, MOTTO_WIDTH_CM, HEADING_COLUMNS_CM[1] - 2 * CELL_MARGIN_CM)
    number = _first_paragraph(table.cell(1, 0), draft.number, 13)
    number.paragraph_format.space_before = Pt(6)
    place = _first_paragraph(table.cell(1, 1), draft.place_date, 14, italic=True)
    place.paragraph_format.space_before = Pt(6)


def title_block(document, draft: Draft) -> None:
    paragraph(document, draft.title, 14, bold=True, before=18)
    paragraph(document, draft.subject, 14, bold=True)
    bottom_rule(paragraph(document, "", 4, after=12), 3.0, TEXT_WIDTH_CM)


def body_paragraph(document, text: str, bold: bool = False):
    para = paragraph(document, text, BODY_SIZE, bold=bold, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=6)
    para.paragraph_format.first_line_indent = Cm(1.27)
    para.paragraph_format.line_spacing = 1.15
    return para


def body(document, draft: Draft) -> None:
    for block in draft.blocks:
        body_paragraph(document, block.text, bold=block.kind in (HEADING_1, HEADING_2))


def signature_block(document, draft: Draft) -> None:
    """'Nơi nhận:' with the recipients on the left, the signature on the right."""
    paragraph(document, "", 6)   # breathing space between the closing sentence and the block
    table = layout_table(document, 1, SIGNATURE_COLUMNS_CM)
    left, right = table.cell(0, 0), table.cell(0, 1)
    _first_paragraph(left, "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for recipient in draft.recipients:
        paragraph(left, recipient, 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    for n, line in enumerate(draft.signature):
        if n == 0:
            _first_paragraph(right, line, 14, bold=True)
        else:
            paragraph(right, line, 14, bold=True)
    for _ in range(4):
        paragraph(right, "", 14)
    paragraph(right, draft.signer, 14, bold=True)


def appendix(document, draft: Draft) -> None:
    if draft.tables:
        return tables_appendix(document, draft)
    breaker = document.add_paragraph()
    add_run(breaker, "").add_break(WD_BREAK.PAGE)
    paragraph(document, draft.appendix_title, 14, bold=True)
    paragraph(document, draft.appendix_subtitle, 14, bold=True)
    paragraph(document, draft.appendix_caption, 14, italic=True, after=12)
    table = layout_table(document, 1 + len(draft.rows), APPENDIX_COLUMNS_CM, borders="single")
    for cell, text in zip(table.rows[0].cells, draft.columns):
        _first_paragraph(cell, text, 13, bold=True)
    for row, values in zip(table.rows[1:], draft.rows):
        for n, (cell, text) in enumerate(zip(row.cells, values)):
            align = WD_ALIGN_PARAGRAPH.LEFT if n in (1, 4) else WD_ALIGN_PARAGRAPH.CENTER
            _first_paragraph(cell, text, 13, align=align)


def appendix_section(document, wide: bool):
    """The appendix on a page of its own; landscape when a table is too wide for portrait."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.different_first_page_header_footer = False   # the number shows on the appendix's first page
    if wide:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    return LANDSCAPE_TEXT_WIDTH_CM if wide else TEXT_WIDTH_CM


def column_widths(table: AppendixTable, available_cm: float) -> tuple[float, ...]:
    """TT narrow, the row label wide, notes medium, the figures sharing the rest."""
    fixed = {0: 1.0, 1: 4.6}
    note = len(table.columns) - 1 if table.columns[-1] and (len(table.columns) - 1) in table.left_columns else None
    if note is not None:
        fixed[note] = 2.4
    rest = (available_cm - sum(fixed.values())) / max(1, len(table.columns) - len(fixed))
    return tuple(fixed.get(n, rest) for n in range(len(table.columns)))


def merged_header(grid, table: AppendixTable, size: float) -> None:
    """Header cells merged per level as in the form (python-docx merges the spanned rectangle)."""
    for cell in table.header:
        target = grid.cell(cell.row, cell.column)
        if cell.rows > 1 or cell.columns > 1:
            target = target.merge(grid.cell(cell.row + cell.rows - 1, cell.column + cell.columns - 1))
        _first_paragraph(target, cell.text, size, bold=True)
    for row in grid.rows[:table.header_depth]:
        repeat = OxmlElement("w:tblHeader")      # the header repeats on every printed page
        row._tr.get_or_add_trPr().append(repeat)


def appendix_table(document, table: AppendixTable, available_cm: float) -> None:
    size = 11 if len(table.columns) > WIDE_TABLE_COLUMNS else 13
    if table.title:
        paragraph(document, table.title, 13, bold=True, before=6, after=6)
    grid = layout_table(document, table.header_depth + len(table.rows), column_widths(table, available_cm),
                        borders="single")
    merged_header(grid, table, size)
    for n, (row, values) in enumerate(zip(grid.rows[table.header_depth:], table.rows)):
        for column, (cell, text) in enumerate(zip(row.cells, values)):
            align = WD_ALIGN_PARAGRAPH.LEFT if column in table.left_columns else WD_ALIGN_PARAGRAPH.CENTER
            _first_paragraph(cell, text, size, bold=n in table.bold_rows, align=align)


def tables_appendix(document, draft: Draft) -> None:
    """Every table of the form with its totals, each under its title when the form has several."""
    available = appendix_section(document, any(len(t.columns) > WIDE_TABLE_COLUMNS for t in draft.tables))
    paragraph(document, draft.appendix_title, 14, bold=True)
    paragraph(document, draft.appendix_subtitle, 14, bold=True)
    paragraph(document, draft.appendix_caption, 14, italic=True, after=12)
    for table in draft.tables:
        appendix_table(document, table, available)


# --------------------------------------------------------------------------- the document


def build_document(draft: Draft):
    document = Document()
    _style_defaults(document)
    page_setup(document)
    document.core_properties.title = draft.subject
    document.core_properties.language = "vi-VN"
    # python-docx's blank template starts with one empty paragraph: the heading table goes before it.
    heading_block(document, draft)
    title_block(document, draft)
    body(document, draft)
    signature_block(document, draft)
    appendix(document, draft)
    _drop_leading_empty_paragraph(document)
    return document


def _drop_leading_empty_paragraph(document) -> None:
    body_element = document.element.body
    first = body_element[0]
    if first.tag == qn("w:p") and not "".join(first.itertext()).strip():
        body_element.remove(first)


def write_docx(draft: Draft, path: str | Path) -> None:
    """Write atomically: a half-written .docx never appears under the final name."""
    document = build_document(draft)
    write_with(path, lambda temporary: document.save(str(temporary)))
