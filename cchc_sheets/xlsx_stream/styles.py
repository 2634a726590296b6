"""Cell styles: distinct ``Style`` values and the styles.xml that declares them."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from xml.sax.saxutils import quoteattr

from .parts import MAIN_NS, XML_DECLARATION


@dataclass(frozen=True)
class Style:
    font_name: str = "Calibri"
    size: float = 11
    bold: bool = False
    italic: bool = False
    color: str | None = None            # ARGB, e.g. "FF808080"
    number_format: str | None = None
    wrap: bool = False
    horizontal: str | None = None
    vertical: str | None = None
    fill: str | None = None             # ARGB of a solid fill
    border: bool = False                # thin on all four sides
    quote: bool = False                 # Excel's quotePrefix: show as typed, never evaluate


class StyleSheet:
    """Distinct ``Style`` values -> cellXfs index, and the styles.xml that declares them."""

    def __init__(self, default: Style):
        self.styles: dict[Style, int] = {default: 0}
        self._quoted: dict[int, int] = {}

    def index(self, style: Style) -> int:
        found = self.styles.get(style)
        if found is None:
            found = self.styles[style] = len(self.styles)
        return found

    def quoted(self, index: int) -> int:
        """The same style with the quote prefix (for text that looks like a formula)."""
        found = self._quoted.get(index)
        if found is None:
            style = next(s for s, n in self.styles.items() if n == index)
            found = self._quoted[index] = self.index(replace(style, quote=True))
        return found

    def xml(self) -> str:
        styles = list(self.styles)
        formats = _unique(s.number_format for s in styles if s.number_format and s.number_format != "General")
        format_ids = {f: 164 + n for n, f in enumerate(formats)}
        fonts = _unique((s.font_name, s.size, s.bold, s.italic, s.color) for s in styles)
        fills = _unique(s.fill for s in styles if s.fill)
        xfs = "".join(_xf(s, format_ids, fonts, fills) for s in styles)
        return (f'{XML_DECLARATION}<styleSheet xmlns="{MAIN_NS}">'
                f'<numFmts count="{len(formats)}">'
                + "".join(f'<numFmt numFmtId="{format_ids[f]}" formatCode={quoteattr(f)}/>' for f in formats)
                + f'</numFmts><fonts count="{len(fonts)}">' + "".join(_font(*f) for f in fonts)
                + f'</fonts><fills count="{len(fills) + 2}"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill>'
                + "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="{f}"/><bgColor indexed="64"/>'
                          '</patternFill></fill>' for f in fills)
                + '</fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
                '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
                '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom>'
                '<diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(styles)}">{xfs}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                '<dxfs count="0"/><tableStyles count="0"/></styleSheet>')


def _unique(items: Iterable) -> list:
    return list(dict.fromkeys(items))


def _font(name: str, size: float, bold: bool, italic: bool, color: str | None) -> str:
    return ("<font>" + ("<b/>" if bold else "") + ("<i/>" if italic else "")
            + f'<sz val="{size:g}"/>' + (f'<color rgb="{color}"/>' if color else "")
            + f'<name val={quoteattr(name)}/><family val="1"/></font>')


def _xf(s: Style, format_ids: dict, fonts: list, fills: list) -> str:
    number = format_ids.get(s.number_format, 0)
    font = fonts.index((s.font_name, s.size, s.bold, s.italic, s.color))
    fill = fills.index(s.fill) + 2 if s.fill else 0
    attributes = (f'numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="{int(s.border)}" xfId="0"'
                  f' applyFont="1"' + (' applyNumberFormat="1"' if number else "")
                  + (' applyFill="1"' if fill else "") + (' applyBorder="1"' if s.border else "")
                  + (' quotePrefix="1"' if s.quote else ""))
    alignment = (((f' horizontal="{s.horizontal}"' if s.horizontal else "")
                  + (f' vertical="{s.vertical}"' if s.vertical else "") + (' wrapText="1"' if s.wrap else "")))
    if not alignment:
        return f"<xf {attributes}/>"
    return f'<xf {attributes} applyAlignment="1"><alignment{alignment}/></xf>'
