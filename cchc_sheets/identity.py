"""Who sent a return: form, unit and period, from its hidden metadata sheet or its visible heading.

Domain knowledge on top of the reader: the reader hands back cells
(``reading.RawWorkbook``); the template's layout (``layout``) says where a
generated template keeps its metadata and how its heading reads.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from . import layout
from .periods import parse_period, period_from_label
from .reading import RawSheet, RawWorkbook


@dataclass
class Identity:
    form_id: str | None
    form_version: int | None
    unit_code: str | None
    unit_name: str | None
    period: str | None
    deadline: date | None
    generated_at: datetime | None
    fingerprint: str | None
    source: str                     # 'metadata' (hidden sheet) | 'heading' (visible heading)
    sheet: str | None = None        # the sheet the identity was read from
    # Hidden fields present but unusable, or required and missing: (key, value as stored).
    invalid: tuple[tuple[str, object], ...] = ()


def identify(raw: RawWorkbook) -> Identity | None:
    """Form, unit and period from the hidden metadata sheet, else from the visible heading."""
    if raw.problem is not None:
        return None
    meta = raw.sheet(layout.META_SHEET)
    if meta is not None:
        identity = _identity_from_metadata(meta)
        if identity is not None:
            return identity
    for sheet in raw.sheets:
        identity = _identity_from_heading(sheet)
        if identity is not None:
            return identity
    return None


def _identity_from_metadata(meta: RawSheet) -> Identity | None:
    values: dict[str, object] = {}
    for address, key in meta.cells.items():
        if address.startswith("A") and address[1:].isdigit() and isinstance(key, str):
            values[key.strip()] = meta.cells.get("B" + address[1:])
    if not values.get("form_id") and not values.get("unit_code"):
        return None
    period_text = _text(values.get("period"))
    known_period = _known_period(period_text) if period_text is not None else None   # parsed once
    return Identity(
        form_id=_text(values.get("form_id")),
        form_version=_integer(values.get("form_version")),
        unit_code=_text(values.get("unit_code")),
        unit_name=_text(values.get("unit_name")),
        period=None if period_text is None else known_period or period_text,
        deadline=_date(values.get("deadline")),
        generated_at=_datetime(values.get("generated_at")),
        fingerprint=_text(values.get("layout_fingerprint")),
        source="metadata",
        sheet=meta.name,
        invalid=_invalid_fields(values, known_period),
    )


def _invalid_fields(values: dict[str, object], known_period: str | None) -> tuple[tuple[str, object], ...]:
    """The identity fields a template always writes that are missing or do not parse.

    A version of 0 or below is a whole number: an old template, not a malformed one.
    """
    invalid = []
    for key in ("form_id", "unit_code"):
        if _text(values.get(key)) is None:
            invalid.append((key, values.get(key)))
    version = values.get("form_version")
    if isinstance(version, bool) or _integer(version) is None:
        invalid.append(("form_version", version))
    if known_period is None:           # missing, or no period it can be read as (``_known_period``)
        invalid.append(("period", values.get("period")))
    return tuple(invalid)


@functools.lru_cache(maxsize=1024)   # a batch holds a few periods
def _known_period(text: str) -> str | None:
    try:
        return parse_period(text).code
    except Exception:
        found = period_from_label(text)
        return found.code if found else None


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)                  # a numeric code re-saved as a number
    return unicodedata.normalize("NFC", str(value)).strip() or None


def _integer(value: object) -> int | None:
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def _period_code(value: object) -> str | None:
    text = _text(value)
    return None if text is None else _period_code_of(text)


def _period_code_of(text: str) -> str:
    return _known_period(text) or text


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return _date_dmy(text)


@functools.lru_cache(maxsize=256)    # a batch's deadline line repeats
def _date_dmy(text: str) -> date | None:
    match = re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if not match:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def _datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


HEADING_SCAN_ROWS = 20  # a heading pasted lower down in a new workbook is still found
_UNIT_LINE = re.compile(r"^\s*(.+?)\s*\(\s*mã\s*:?\s*([^()]+?)\s*\)\s*$", re.I)


def identify_heading(sheet: RawSheet) -> Identity | None:
    """Unit and period from one sheet's visible heading, or None when it has none."""
    return _identity_from_heading(sheet)


def _identity_from_heading(sheet: RawSheet) -> Identity | None:
    """Parse ``Kỳ báo cáo: …`` and ``Đơn vị báo cáo: <name> (mã <code>)`` near the top.

    The layout's own heading cells are tried first; the top rows are scanned only when
    they do not hold both lines (a heading pasted elsewhere): most returns are templates.
    """
    lines = _preferred_lines(sheet)
    scanned = False
    period_text = _after_prefix(lines, layout.PERIOD_PREFIX)
    unit_text = _after_prefix(lines, layout.UNIT_PREFIX)
    if period_text is None or unit_text is None:
        lines, scanned = _heading_lines(sheet), True
        period_text = _after_prefix(lines, layout.PERIOD_PREFIX)
        unit_text = _after_prefix(lines, layout.UNIT_PREFIX)
    if period_text is None and unit_text is None:
        return None
    found_period = period_from_label(period_text) if period_text else None
    unit_match = _UNIT_LINE.match(unit_text) if unit_text else None
    deadline_text = _after_prefix(lines, layout.DEADLINE_PREFIX)
    if deadline_text is None and not scanned:   # a heading one row lower: its deadline is below the layout's cells
        deadline_text = _after_prefix(_heading_lines(sheet), layout.DEADLINE_PREFIX)
    return Identity(
        form_id=None, form_version=None,
        unit_code=unit_match.group(2) if unit_match else None,
        unit_name=unit_match.group(1) if unit_match else (unit_text or None),
        period=found_period.code if found_period else None,
        deadline=_date_dmy(deadline_text) if deadline_text else None,
        generated_at=None, fingerprint=None, source="heading", sheet=sheet.name,
    )


_PREFERRED_CELLS = (f"A{layout.ROW_PERIOD}", f"A{layout.ROW_UNIT}", f"A{layout.ROW_DEADLINE}")


def _preferred_lines(sheet: RawSheet) -> list[str]:
    """The text of the layout's heading cells, in layout order."""
    cells = sheet.cells
    return [_folded(value) for value in (cells.get(a) for a in _PREFERRED_CELLS) if isinstance(value, str)]


@functools.lru_cache(maxsize=256)    # the period and deadline lines repeat in every return of a batch
def _folded(text: str) -> str:
    return layout.fold_text(text)


def _heading_lines(sheet: RawSheet) -> list[str]:
    """Text cells of the top rows, the layout's own rows first."""
    def row_of(address: str) -> int:
        digits = address.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return int(digits) if digits.isdigit() else 0

    preferred = {f"A{layout.ROW_PERIOD}", f"A{layout.ROW_UNIT}", f"A{layout.ROW_DEADLINE}"}
    texts = [(address not in preferred, row_of(address), layout.fold_text(value))
             for address, value in sheet.cells.items()
             if isinstance(value, str) and 0 < row_of(address) <= HEADING_SCAN_ROWS]
    return [text for _, _, text in sorted(texts)]


def _after_prefix(lines: list[str], prefix: str) -> str | None:
    wanted = _prefix_key(prefix)
    for line in lines:
        head, colon, rest = line.partition(":")
        if colon and head.strip().casefold() == wanted:
            return rest.strip()
    return None


@functools.lru_cache(maxsize=None)   # the layout's few prefixes
def _prefix_key(prefix: str) -> str:
    return layout.fold_text(prefix).rstrip(":").casefold()
