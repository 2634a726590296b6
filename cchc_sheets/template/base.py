"""One workbook drawn per batch, stamped per unit.

``build_base`` draws the workbook once with openpyxl, with placeholder tokens
where the unit's name and code and the generation time go. ``stamp`` copies
that zip and swaps the tokens for one unit's values in the few members that
hold them (the shared-string table), reusing every other member unchanged.
Drawing costs milliseconds; stamping costs tens of microseconds.
"""
from __future__ import annotations

import io
import re
import zipfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from xml.sax.saxutils import escape

from openpyxl.writer.excel import ExcelWriter

from .. import __version__, layout
from ..forms import Form
from ..messages import CchcError
from ..periods import Period
from ..units import Unit
from .sheets import SheetTexts, build_workbook
from .zipstamp import ZipStamper

TOOL = f"cchc-sheets {__version__}"
# Unlikely in any real text; ASCII so openpyxl writes them verbatim into the XML.
UNIT_NAME_TOKEN = "@@CCHC-UNIT-NAME-7f3a9c@@"
UNIT_CODE_TOKEN = "@@CCHC-UNIT-CODE-7f3a9c@@"
GENERATED_AT_TOKEN = "@@CCHC-GENERATED-AT-7f3a9c@@"
TOKENS = (UNIT_NAME_TOKEN, UNIT_CODE_TOKEN, GENERATED_AT_TOKEN)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class TemplateBase:
    """A drawn template for one (form, period, deadline, parent, password), ready to stamp."""

    form: Form
    period: Period
    deadline: date
    parent_name: str
    data: bytes
    stamper: ZipStamper = field(repr=False)
    stamped_members: tuple[str, ...]


def deadline_text(deadline: date) -> str:
    return f"{deadline.day:02d}/{deadline.month:02d}/{deadline.year}"


def sheet_texts(form: Form, period: Period, deadline: date, parent_name: str,
                unit_name: str, unit_code: str, generated_at: str) -> SheetTexts:
    """The heading lines and identity values of one workbook, in ``layout`` terms."""
    heading = layout.heading_texts(unit_name, unit_code, period.label, deadline_text(deadline), parent_name)
    meta = {
        "form_id": form.id, "form_version": str(form.version), "unit_code": unit_code,
        "unit_name": unit_name, "parent_name": parent_name, "period": period.code,
        "period_label": period.label, "deadline": deadline.isoformat(), "generated_at": generated_at,
        "layout_fingerprint": layout.Layout(form).fingerprint, "tool": TOOL,
    }
    return SheetTexts(heading=heading, meta=meta, period_label=period.label)


def build_base(form: Form, period: Period, *, deadline: date | None = None, parent_name: str = "",
               password: str, created: datetime | None = None) -> TemplateBase:
    """Draw the template once. ``created`` (default now) dates the file, so a batch is reproducible."""
    if not password:
        raise CchcError("password-empty")
    deadline = deadline or period.default_deadline
    created = (created or datetime.now()).astimezone()
    texts = sheet_texts(form, period, deadline, parent_name, UNIT_NAME_TOKEN, UNIT_CODE_TOKEN, GENERATED_AT_TOKEN)
    workbook = build_workbook(form, texts, password)
    workbook.properties.created = workbook.properties.modified = \
        created.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
    buffer = io.BytesIO()
    # openpyxl's save() stamps "modified" with the clock; the writer keeps ours, so a batch written
    # by several processes (or twice) is byte for byte the same
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    data = buffer.getvalue()
    stamper = ZipStamper(data, [token.encode("ascii") for token in TOKENS], created.timetuple()[:6])
    return TemplateBase(form, period, deadline, parent_name, data, stamper, tuple(stamper.templated_members))


def xml_text(value: object) -> bytes:
    """Text safe inside an XML element: NFC, XML-forbidden control characters dropped, escaped."""
    text = _XML_INVALID.sub("", unicodedata.normalize("NFC", str(value)))
    return escape(text).encode("utf-8")


def stamp(base: TemplateBase, unit: Unit, generated_at: datetime | str) -> bytes:
    """The base workbook personalised for ``unit``: a complete, valid .xlsx as bytes."""
    when = generated_at.isoformat(timespec="seconds") if isinstance(generated_at, datetime) else str(generated_at)
    return base.stamper.render({
        UNIT_NAME_TOKEN.encode("ascii"): xml_text(unit.name),
        UNIT_CODE_TOKEN.encode("ascii"): xml_text(unit.code),
        GENERATED_AT_TOKEN.encode("ascii"): xml_text(when),
    })
