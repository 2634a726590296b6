"""The package's fixed vocabulary and its small parts: relationships, shared strings, the chart."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..a1 import column_letter
from ..text import xml_text

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
CUSTOM_XML_REL = f"{REL_NS}/customXml"
A4 = 9
EMU_PER_CM = 360000


# --------------------------------------------------------------------------- print set-up, chart


@dataclass
class PageSetup:
    """A4, one page wide, as many pages tall as needed, centred; margins in mm."""

    landscape: bool = False
    title_rows: tuple[int, int] | None = None     # repeated on every printed page
    pages_wide: int = 1                           # a very wide table prints across several pages
    title_columns: tuple[str, str] | None = None  # repeated on every page across ('A', 'C')
    margins_mm: tuple[float, float, float, float] = (20, 15, 20, 20)   # left, right, top, bottom


@dataclass
class BarChart:
    """A clustered horizontal bar chart over ranges of another sheet of the workbook."""

    title: str
    sheet: str                      # where the data is
    category_column: int
    first_row: int
    last_row: int
    series: list[tuple[str, int]]   # (name, value column)
    x_title: str = ""
    y_title: str = ""
    anchor: tuple[int, int] = (4, 1)            # top-left cell (row, column)
    size_cm: tuple[float, float] = (15, 7.5)    # width, height


# --------------------------------------------------------------------------- shared strings


# What makes a shared string need more than <si><t>text</t></si>: XML's special characters,
# characters XML cannot carry (searched for in the texts of a batch joined by NUL, itself one
# of them, so it is counted), or white space at either end (kept with xml:space).
_NEEDS_CARE = re.compile("[&<>\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def string_items(texts: list[str]) -> str:
    """``<si>`` elements for ``texts``: one scan of the whole batch when none needs care (the usual).

    The ends are looked at text by text: a pattern for white space next to the NULs costs
    seven times the scan for characters.
    """
    joined = "\x00".join(texts)
    if (joined.count("\x00") == len(texts) - 1 and not _NEEDS_CARE.search(joined)
            and not any(text[:1].isspace() or text[-1:].isspace() for text in texts)):
        return "<si><t>" + joined.replace("\x00", "</t></si><si><t>") + "</t></si>"
    return "".join(_string_item(text) for text in texts)


def _string_item(text: str) -> str:
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<si><t{space}>{xml_text(text)}</t></si>"


# --------------------------------------------------------------------------- small parts


def relationships(rels: list[tuple[str, str, str]]) -> str:
    return (f'{XML_DECLARATION}<Relationships xmlns="{PKG_REL_NS}">'
            + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{x}"/>' for i, t, x in rels) + "</Relationships>")


def drawing(chart: BarChart) -> str:
    row, column = chart.anchor
    width, height = (round(v * EMU_PER_CM) for v in chart.size_cm)
    return (f'{XML_DECLARATION}<xdr:wsDr xmlns:xdr="{DRAWING_NS}" xmlns:a="{A_NS}">'
            f"<xdr:oneCellAnchor><xdr:from><xdr:col>{column - 1}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{row - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f'<xdr:ext cx="{width}" cy="{height}"/><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
            '<xdr:cNvPr id="1" name="Chart 1"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
            '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
            f'<a:graphicData uri="{CHART_NS}"><c:chart xmlns:c="{CHART_NS}" xmlns:r="{REL_NS}" r:id="rId1"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>")


def _rich_title(text: str) -> str:
    return (f"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{xml_text(text)}</a:t></a:r></a:p></c:rich></c:tx>"
            '<c:overlay val="0"/></c:title>')


def _range(chart: BarChart, column: int) -> str:
    sheet = "'" + chart.sheet.replace("'", "''") + "'"
    letter = column_letter(column)
    return xml_text(f"{sheet}!${letter}${chart.first_row}:${letter}${chart.last_row}")


def chart_xml(chart: BarChart) -> str:
    series = "".join(
        f'<c:ser><c:idx val="{n}"/><c:order val="{n}"/><c:tx><c:v>{xml_text(name)}</c:v></c:tx>'
        f"<c:cat><c:strRef><c:f>{_range(chart, chart.category_column)}</c:f></c:strRef></c:cat>"
        f"<c:val><c:numRef><c:f>{_range(chart, column)}</c:f></c:numRef></c:val></c:ser>"
        for n, (name, column) in enumerate(chart.series))
    axis_common = '<c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
    return (f'{XML_DECLARATION}<c:chartSpace xmlns:c="{CHART_NS}" xmlns:a="{A_NS}" xmlns:r="{REL_NS}">'
            f"<c:chart>{_rich_title(chart.title)}<c:autoTitleDeleted val=\"0\"/><c:plotArea><c:layout/>"
            f'<c:barChart><c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/>{series}'
            '<c:gapWidth val="150"/><c:axId val="10"/><c:axId val="100"/></c:barChart>'
            f'<c:catAx><c:axId val="10"/>{axis_common}<c:axPos val="l"/>{_rich_title(chart.x_title)}'
            '<c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="out"/><c:minorTickMark val="none"/>'
            '<c:tickLblPos val="nextTo"/><c:crossAx val="100"/><c:crosses val="autoZero"/><c:auto val="1"/>'
            '<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
            f'<c:valAx><c:axId val="100"/>{axis_common}<c:axPos val="b"/><c:majorGridlines/>'
            f'{_rich_title(chart.y_title)}<c:numFmt formatCode="General" sourceLinked="1"/>'
            '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            '<c:crossAx val="10"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>'
            '</c:plotArea><c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend>'
            '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>')
