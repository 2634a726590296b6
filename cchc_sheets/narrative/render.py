"""Turn the facts into a Draft: the form pack's jinja2 templates give the words, this module the parts.

The templates write a tiny line markup (``# `` section heading, ``## `` sub-heading,
any other line a paragraph), so the Word and Markdown writers share one parsed
document and an office can reword a sentence without touching code.

A pack without a ``narrative/`` folder gets the generic Decree 30 draft shipped in
``cchc_sheets/narrative/generic/`` (one section per table stating its total row, the
communes' answers by question section); a pack with one may leave files out, and
those come from the generic folder too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..fileio import ascii_slug
from ..forms import Form
from ..messages import CchcError
from ..model import Consolidation
from ..text import fold_text, nfc
from ..vnformat import format_date_long, format_number, format_percent
from .context import LEVEL_COMMUNE, build_context

HEADING_1 = "heading1"
HEADING_2 = "heading2"
PARAGRAPH = "paragraph"
TEMPLATE_DIR = "narrative"
GENERIC_TEMPLATES = Path(__file__).resolve().parent / "generic"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV")


@dataclass
class Block:
    kind: str
    text: str


@dataclass(frozen=True)
class HeaderCell:
    """One cell of an appendix table's header: at ``row``/``column``, spanning ``rows`` × ``columns``."""

    text: str
    row: int
    column: int
    rows: int = 1
    columns: int = 1


@dataclass
class AppendixTable:
    """One table of the appendix: its (multi-level) header, flattened header texts, and body rows."""

    title: str
    header: list[HeaderCell]
    header_depth: int
    columns: tuple[str, ...]              # one text per column, the header levels joined by ' / '
    rows: list[tuple[str, ...]]
    left_columns: frozenset[int]          # aligned left (row labels, notes); the rest centred
    bold_rows: frozenset[int] = frozenset()   # the total row


@dataclass
class DraftOptions:
    """What the officer may set on the command line; None means 'derive from the data'."""

    issuer: str | None = None       # one line, or two separated by '|' or a newline
    place: str | None = None
    date: date | None = None
    number: str | None = None       # '15' or '15/BC-UBND'


@dataclass
class Draft:
    issuer_lines: list[str]              # capitals; the last line is the issuing body (bold)
    number: str                          # 'Số: …/BC-UBND'
    place_date: str                      # 'Hương Sơn, ngày 05 tháng 6 năm 2020'
    title: str
    subject: str
    blocks: list[Block]
    recipients: list[str]
    signature: list[str]
    signer: str
    appendix_title: str
    appendix_subtitle: str
    appendix_caption: str
    columns: tuple[str, ...]
    rows: list[tuple[str, str, str, str, str]]
    context: dict = field(default_factory=dict, repr=False)
    tables: list[AppendixTable] = field(default_factory=list)   # any form's appendix; empty: ``columns``/``rows``

    def texts(self) -> list[str]:
        """Every visible text, in document order (tests and plain-text checks)."""
        parts = [*self.issuer_lines, self.number, self.place_date, self.title, self.subject]
        parts += [b.text for b in self.blocks] + self.recipients + self.signature + [self.signer]
        parts += [self.appendix_title, self.appendix_subtitle, self.appendix_caption, *self.columns]
        parts += [cell for row in self.rows for cell in row]
        for table in self.tables:
            parts += [table.title, *(cell.text for cell in table.header)]
            parts += [cell for row in table.rows for cell in row]
        return parts


# --------------------------------------------------------------------------- templates


def _sentence(text: object) -> str:
    """End a sentence with '.' unless it already ends with one of . ! ? …"""
    text = str(text).rstrip()
    return text if not text or text[-1] in ".!?…" else text + "."


def _capfirst(text: object) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def _lowerfirst(text: object) -> str:
    """'Kết quả giải quyết …' -> 'kết quả giải quyết …' (a subject inside a sentence)."""
    text = str(text)
    return text[:1].lower() + text[1:]


def _names(names: list[str], noun: str = "đơn vị", limit: int = 10) -> str:
    """'Xã A, Xã B' — or the first ``limit`` names and 'và 12 xã khác' when a province lists many."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} và {len(names) - limit} {noun} khác"


def _roman(number: int) -> str:
    return ROMAN[number - 1] if 0 < number <= len(ROMAN) else str(number)


def template_environment(form: Form):
    """The pack's narrative/ templates, falling back to the generic ones for missing files."""
    import jinja2

    folders = [form.pack_file(TEMPLATE_DIR), GENERIC_TEMPLATES]
    loader = jinja2.FileSystemLoader([str(f) for f in folders if Path(f).is_dir()], encoding="utf-8")
    environment = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=False,
                                     trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters["sentence"] = _sentence
    environment.filters["capfirst"] = _capfirst
    environment.filters["names"] = _names
    environment.filters["lowerfirst"] = _lowerfirst
    environment.filters["roman"] = _roman
    environment.filters["number"] = format_number
    environment.filters["percent"] = lambda ratio: format_percent(ratio) if ratio is not None else ""
    return environment


def render_lines(environment, name: str, context: dict) -> list[str]:
    """Render one template to its non-empty, NFC, whitespace-folded lines."""
    import jinja2

    try:
        text = environment.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise CchcError("draft-template-error", template=_error_place(exc, name), reason=exc) from exc
    lines = (fold_text(line) for line in text.splitlines())
    return [line for line in lines if line]


def _error_place(exc, name: str) -> str:
    """'closing.j2, dòng 1': the template and line where jinja2 failed, not just the one rendered."""
    import traceback

    if getattr(exc, "lineno", None) and getattr(exc, "name", None):
        return f"{exc.name}, dòng {exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if frames:
        return f"{Path(frames[-1].filename).name}, dòng {frames[-1].lineno}"
    return name


def parse_blocks(lines: list[str]) -> list[Block]:
    blocks = []
    for line in lines:
        if line.startswith("## "):
            blocks.append(Block(HEADING_2, line[3:].strip()))
        elif line.startswith("# "):
            blocks.append(Block(HEADING_1, line[2:].strip()))
        else:
            blocks.append(Block(PARAGRAPH, line))
    return blocks


# --------------------------------------------------------------------------- heading parts


def issuer_lines(option: str | None, context: dict) -> list[str]:
    """Issuer in capitals: from --issuer ('A|B' or two lines), else 'UBND XÃ …' / the parent's name."""
    if option:
        lines = [line.strip() for line in option.replace("|", "\n").splitlines() if line.strip()]
    elif context["is_commune"]:
        lines = [context["reporter"].replace("Ủy ban nhân dân", "UBND", 1)]
    else:
        lines = [context["parent_name"] or "…"]
    return [nfc(line).upper() for line in lines]


def issuer_kind(office: str) -> str:
    office = office.upper()
    if office.startswith(("UBND", "ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN")):
        return "ubnd"
    if office.startswith("PHÒNG"):
        return "phong"
    if office.startswith("SỞ"):
        return "so"
    return "other"


def _initials(words: list[str]) -> str:
    return "".join(ascii_slug(word)[:1].upper() for word in words if ascii_slug(word) != "x")


def number_line(option: str | None, office: str) -> str:
    """'Số: …/BC-UBND'; a bare --number gets the report symbol appended."""
    symbol = "BC-UBND" if issuer_kind(office) == "ubnd" else "BC-" + _initials(office.split())
    number = (option or "").strip()
    if "/" in number:
        return f"Số: {number}"
    return f"Số: {number or '…'}/{symbol}"


def office_abbreviation(office: str) -> str:
    """'PHÒNG NỘI VỤ' -> 'NV' for 'Lưu: VT, NV.'; none for a People's Committee."""
    if issuer_kind(office) == "ubnd":
        return ""
    return _initials(office.split()[1:])


# --------------------------------------------------------------------------- the draft


def build_draft(consolidation: Consolidation, previous: Consolidation | None = None,
                level: str = "parent", options: DraftOptions | None = None) -> Draft:
    options = options or DraftOptions()
    context = build_context(consolidation, previous, level)
    issuer = issuer_lines(options.issuer, context)
    office = issuer[-1]
    context.update({
        "issuer": {"lines": issuer, "kind": issuer_kind(office)},
        "office_abbreviation": office_abbreviation(office),
        "recipient": consolidation.parent_name if level == LEVEL_COMMUNE else "",
    })
    environment = template_environment(consolidation.form)
    place = options.place or context["place_name"]
    return Draft(
        issuer_lines=issuer, number=number_line(options.number, office),
        place_date=f"{place}, {format_date_long(options.date or date.today())}",
        title="BÁO CÁO", subject=context["subject"],
        blocks=parse_blocks(render_lines(environment, "report.j2", context)),
        recipients=render_lines(environment, "recipients.j2", context),
        signature=render_lines(environment, "signature.j2", context), signer="[Họ và tên]",
        appendix_title=consolidation.form.appendix_title or "PHỤ LỤC",
        appendix_subtitle=consolidation.form.title,
        appendix_caption=" ".join(render_lines(environment, "appendix.j2", context)),
        context=context, **appendix_parts(context, consolidation, level),
    )


def appendix_parts(context: dict, consolidation: Consolidation, level: str) -> dict:
    """The bundled pack's shape keeps its five-column appendix; any other form gets every table."""
    if consolidation.form.simple:
        return {"columns": consolidation.form.columns, "rows": appendix_rows(context, consolidation, level),
                "tables": []}
    return {"columns": (), "rows": [], "tables": [appendix_table(consolidation.form.table(facts["code"]), facts,
                                                                len(context["tables"]) > 1, level)
                                                 for facts in context["tables"]]}


def appendix_rows(context: dict, consolidation: Consolidation, level: str) -> list[tuple]:
    """TT | Chỉ tiêu | Đơn vị tính | Số lượng | Ghi chú, one row per indicator, totals in Số lượng."""
    rows = []
    for facts in context["indicators"]:
        note = "; ".join(n["text"] for n in facts["notes"]) if level == LEVEL_COMMUNE else ""
        rows.append((facts["tt"], facts["label"], facts["unit"], facts["total_text"], note))
    return rows


def header_cells(table) -> list[HeaderCell]:
    """The header as in the form: TT, row header, unit and note span every level; a group spans the
    columns under it; a label that stops short of the deepest level reaches down to it."""
    depth = table.header_depth
    leading = [table.tt_header, table.row_header] + ([table.unit_header] if table.unit_column else [])
    cells = [HeaderCell(text, 0, n, rows=depth) for n, text in enumerate(leading)]
    first = len(leading)
    paths = [c.header_path for c in table.columns]
    for level in range(depth):
        n = 0
        while n < len(paths):
            path = paths[n]
            if len(path) <= level:
                n += 1
                continue
            if level == len(path) - 1:
                cells.append(HeaderCell(path[level], level, first + n, rows=depth - level))
                n += 1
                continue
            span = 1
            while n + span < len(paths) and len(paths[n + span]) > level + 1 \
                    and paths[n + span][:level + 1] == path[:level + 1]:
                span += 1
            cells.append(HeaderCell(path[level], level, first + n, columns=span))
            n += span
    if table.note_column:
        cells.append(HeaderCell(table.note_header, 0, first + len(paths), rows=depth))
    return cells


def _appendix_figure(cell: dict) -> str:
    """A percent under a '(%)' header is written without its sign, as forms do: '70,9'."""
    text = cell["text"]
    if cell["kind"] == "percent" and "%" in cell["column_label"]:
        return text.rstrip("%")
    return text


def appendix_table(table, facts: dict, titled: bool, level: str) -> AppendixTable:
    """Every row of one table with its totals (the commune's own figures for a commune's draft)."""
    columns = [table.tt_header, table.row_header] + ([table.unit_header] if table.unit_column else [])
    left = {1}
    columns += [" / ".join(c.header_path) for c in table.columns]
    if table.note_column:
        left.add(len(columns))
        columns.append(table.note_header)
    rows, bold = [], set()
    for n, row in enumerate(facts["rows"]):
        values = [row["tt"], row["label"]] + ([row["unit"]] if table.unit_column else [])
        values += [_appendix_figure(cell) for cell in row["cell_list"]]
        if table.note_column:
            values.append("; ".join(note["text"] for note in row["notes"]) if level == LEVEL_COMMUNE else "")
        rows.append(tuple(values))
        if row["total"]:
            bold.add(n)
    return AppendixTable(title=table.title if titled else "", header=header_cells(table),
                         header_depth=table.header_depth, columns=tuple(columns), rows=rows,
                         left_columns=frozenset(left), bold_rows=frozenset(bold))
