"""Cell values as the checks read them: blanks, texts typed as numbers or dates, plain values for reports."""
from __future__ import annotations

import re
from datetime import date, datetime

from ..values import CellResult, parse_text_value

UNIT_CODE_IN_HEADING = re.compile(r"\(mã\s*([^)]+?)\s*\)")


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def unit_code_in(heading: str) -> str | None:
    match = UNIT_CODE_IN_HEADING.search(heading)
    return match.group(1) if match else None


_NO_TEXT = CellResult()   # what parse_text_value gives for an empty cell


def parse_text(value: object, max_length: int | None) -> CellResult:
    """A note, answer or reporter cell; an empty one (most notes) has nothing to parse."""
    return _NO_TEXT if value is None else parse_text_value(as_text(value), max_length)


def as_text(value: object) -> object:
    """Dates typed in text cells read as dd/mm/yyyy; phone numbers typed as numbers keep their digits."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if not (value.hour or value.minute) else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def plain(value: object) -> object:
    """A value safe to put in JSON and a findings workbook."""
    if isinstance(value, str):
        return str(value)  # CellError and other str subclasses become plain text
    if value is None or isinstance(value, (bool, int, float, datetime, date)):
        return value
    return str(value)
