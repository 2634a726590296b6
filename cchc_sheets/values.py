"""Turn what commune officers type into numbers and notes.

The reference report shows what arrives in a "Số lượng" cell: ``12``, ``0``,
``02`` (leading zero), ``6(lồng ghép)`` and ``600 (Lượt người)`` (a count plus a
remark), and free text ``Hội nghị; mạng xã hội; TT miệng…`` where a count was
expected. Numbers typed as text follow Vietnamese conventions: ``.`` groups
thousands (``1.200`` is one thousand two hundred) and ``,`` is the decimal mark
(``12,5``).

Parsing never raises: each cell gives a :class:`CellResult` with the number or
text read and a list of :class:`Issue` (a catalogue code plus the fields its
template uses). The validator turns issues into findings with sheet and cell.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from . import forms
from .messages import phrase
from .vnformat import format_number


class CellError(str):
    """A spreadsheet error value such as '#DIV/0!' (formula result)."""


@dataclass
class Issue:
    code: str     # a code from messages.CATALOGUE
    params: dict  # fills the code's template (label, value, number, remark, ...)


@dataclass
class CellResult:
    number: int | float | None = None   # parsed number (whole numbers as int: 3.0 -> 3)
    text: str | None = None             # NFC, stripped text (text cells, notes, answers)
    remark: str | None = None           # words split off a number, to move to the note
    issues: list[Issue] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [issue.code for issue in self.issues]


# Error literals Excel and LibreOffice show for a failed formula; also recognised
# when a reader hands them over as plain text.
ERROR_LITERALS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
})
_LIBREOFFICE_ERROR = re.compile(r"^Err:\d{3}$")

MAX_NUMBER_DIGITS = 30    # far beyond any count a commune reports; Python refuses int() of 4,300+ digits
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
_MINUS_SIGNS = "-\u2212\u2013"
_INTEGER = re.compile(r"^\d+$")
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")                 # 1.200 / 1.200.000
_SPACE_THOUSANDS = re.compile(r"^\d{1,3}( \d{3})+$")                # 1 200
_DECIMAL_COMMA = re.compile(r"^(\d{1,3}(\.\d{3})+|\d+),\d+$")       # 12,5 / 1.200,5
_DECIMAL_POINT = re.compile(r"^\d*\.\d+$")                          # 12.5 / .5 (not 3-digit groups)
# A number then words: "6(lồng ghép)", "600 (Lượt người)", "12 người".
_NUMBER_THEN_WORDS = re.compile(r"^([+\-\u2212]?\d[\d., ]*?)\s*([(\[].*|[^\d\s.,(\[].*)$", re.S)


# --------------------------------------------------------------------------- numbers


def parse_indicator_value(raw: object, indicator: forms.Indicator) -> CellResult:
    """Read one "Số lượng" cell for ``indicator``; never raises."""
    if raw.__class__ is int or raw.__class__ is float:    # most cells (bool is neither)
        return _checked_number(raw, indicator, shown=None)
    if isinstance(raw, CellError):
        return _issue_only("formula-error", value=str(raw), label=indicator.label)
    if raw is None or (isinstance(raw, str) and not _clean(raw)):
        return _missing(indicator)
    if isinstance(raw, bool):
        return _issue_only("boolean-in-number-cell", value="TRUE" if raw else "FALSE", label=indicator.label)
    if isinstance(raw, (datetime, date, time, timedelta)):
        return _issue_only("date-in-number-cell", value=_date_text(raw), label=indicator.label)
    if isinstance(raw, (int, float)):
        return _checked_number(raw, indicator, shown=None)   # formatted only when an issue quotes it
    return _parse_number_text(_clean(str(raw)), indicator)


def _missing(indicator: forms.Indicator) -> CellResult:
    if indicator.required:
        return _issue_only("required-missing", label=indicator.label, value="")
    return CellResult()


def _parse_number_text(text: str, indicator: forms.Indicator) -> CellResult:
    if text in ERROR_LITERALS or _LIBREOFFICE_ERROR.match(text):
        return _issue_only("formula-error", value=text, label=indicator.label)
    digits = sum(ch.isdigit() for ch in text) if len(text) > MAX_NUMBER_DIGITS else 0
    if digits > MAX_NUMBER_DIGITS:
        return _issue_only("number-too-long", value=_excerpt(text, 30), digits=digits, limit=MAX_NUMBER_DIGITS,
                           label=indicator.label)
    number = number_from_text(text)
    if number is not None:
        result = _checked_number(number, indicator, shown=text)
        result.issues.insert(0, Issue("number-as-text", {"value": text, "number": _number_text(number),
                                                         "label": indicator.label}))
        return result
    split = split_number_and_remark(text)
    if split is not None:
        number, remark = split
        result = _checked_number(number, indicator, shown=text)
        result.remark = remark
        result.issues.insert(0, Issue("number-with-remark", {
            "value": text, "number": _number_text(number), "remark": remark, "label": indicator.label}))
        return result
    return _issue_only("not-a-number", value=text, label=indicator.label)


def number_from_text(text: str) -> int | float | None:
    """A number typed as text, Vietnamese style; None when the text is not just a number."""
    text = _SPACES.sub(" ", text).strip()
    sign = 1
    if text and text[0] in _MINUS_SIGNS + "+":
        sign = -1 if text[0] != "+" else 1
        text = text[1:].lstrip()
    if _INTEGER.match(text):
        return sign * int(text)                                   # "02" -> 2
    if _DOT_THOUSANDS.match(text):
        return sign * int(text.replace(".", ""))                  # "1.200" -> 1200
    if _SPACE_THOUSANDS.match(text):
        return sign * int(text.replace(" ", ""))
    if _DECIMAL_COMMA.match(text):
        return _whole_if_integral(sign * float(text.replace(".", "").replace(",", ".")))
    if _DECIMAL_POINT.match(text):
        return _whole_if_integral(sign * float(text))             # "12.5" from an English keyboard
    return None


def split_number_and_remark(text: str) -> tuple[int | float, str] | None:
    """``6(lồng ghép)`` -> (6, 'lồng ghép'); None when the words carry more numbers (ambiguous)."""
    match = _NUMBER_THEN_WORDS.match(text)
    if not match:
        return None
    number = number_from_text(match.group(1))
    remark = match.group(2).strip()
    if remark[:1] in "([" and remark[-1:] in ")]":
        remark = remark[1:-1].strip()
    remark = remark.strip(" ;,:-–")
    if number is None or not remark or any(ch.isdigit() for ch in remark):
        return None
    if not any(ch.isalpha() for ch in remark):
        return None
    return number, remark


def _checked_number(number: int | float, indicator: forms.Indicator, shown: str | None) -> CellResult:
    """Kind and range checks; the number is kept (even when wrong) so reports can show it.

    ``shown`` is the text typed; None for a numeric cell (its display text is only
    worked out when an issue needs it: most cells have none).
    """
    if isinstance(number, float) and not math.isfinite(number):
        what = phrase("detail-nan" if math.isnan(number) else "detail-infinity")
        return _issue_only("number-not-finite", value=shown if shown is not None else str(number), what=what,
                           label=indicator.label)
    number = _whole_if_integral(number)
    result = CellResult(number=number)
    if _in_range(number, indicator):
        return result
    text = _number_text(number)
    params = {"label": indicator.label, "value": shown if shown is not None else text, "number": text}
    if indicator.kind == "count" and isinstance(number, float):
        result.issues.append(Issue("not-a-whole-number", dict(params)))
    if number < 0 and (indicator.kind == "count" or (indicator.min is not None and indicator.min >= 0)):
        result.issues.append(Issue("negative-number", dict(params)))
    elif indicator.min is not None and number < indicator.min:
        result.issues.append(Issue("below-minimum", {**params, "minimum": _number_text(indicator.min)}))
    if indicator.max is not None and number > indicator.max:
        result.issues.append(Issue("above-maximum", {**params, "maximum": _number_text(indicator.max)}))
    return result


def _in_range(number: int | float, indicator: forms.Indicator) -> bool:
    """True when none of the checks in ``_checked_number`` can fire (the common case)."""
    if indicator.kind == "count" and isinstance(number, float):
        return False
    if number < 0 and (indicator.kind == "count" or (indicator.min is not None and indicator.min >= 0)):
        return False
    if indicator.min is not None and number < indicator.min:
        return False
    return indicator.max is None or number <= indicator.max


def _whole_if_integral(number: int | float) -> int | float:
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _number_text(number: int | float) -> str:
    """Vietnamese display: 1.200 and 12,5."""
    return format_number(_whole_if_integral(number), decimals=6)


def _date_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if (value.hour or value.minute) else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _issue_only(code: str, **params: object) -> CellResult:
    return CellResult(issues=[Issue(code, dict(params))])


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip(" \t\r\n\u00a0\u202f\u200b\ufeff")


# --------------------------------------------------------------------------- text


def parse_text_value(raw: object, max_length: int | None) -> CellResult:
    """Read a note, an answer or a reporter field: NFC text, trimmed; never raises."""
    if isinstance(raw, CellError):
        return _issue_only("formula-error", value=str(raw))
    text = _as_text(raw)
    if not text:
        return CellResult()
    result = CellResult(text=text)
    if max_length is not None and len(text) > max_length:
        result.issues.append(Issue("text-too-long", {"length": len(text), "limit": max_length,
                                                     "value": _excerpt(text)}))
    if looks_like_legacy_encoding(text):
        result.issues.append(Issue("legacy-encoding", {"value": _excerpt(text)}))
    return result


def _as_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, (int, float)):
        return _number_text(raw)
    if isinstance(raw, (datetime, date, time, timedelta)):
        return _date_text(raw)
    text = unicodedata.normalize("NFC", str(raw)).replace("\r\n", "\n").replace("\r", "\n")
    return _clean(text.replace("\u00a0", " "))


def _excerpt(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- legacy encodings
# TCVN3 (ABC, .VnTime fonts) and VNI text shown through a Unicode font turns
# Vietnamese letters into Latin-1 symbols and letters Vietnamese never uses:
# "Céng hßa x· héi chñ nghÜa ViÖt Nam" (TCVN3), "Coäng hoøa xaõ hoäi" (VNI).
# Unicode Vietnamese uses only a few Latin-1 letters (à á â ã è é ê ì í ò ó ô õ ù ú ý).
_VIETNAMESE_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_LEGACY_MARKERS = (
    {chr(c) for c in range(0xA1, 0x100)} - _VIETNAMESE_LATIN1 - set("»°±×÷€£¥©½¼¾")
) | set("ƒŠŒŽšœžŸˆ‰†‡")
_UNICODE_VIETNAMESE = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]")
# TCVN3 puts some lower-case letters on Latin-1 capitals: "NguyÔn" is "Nguyễn". A capital
# with an accent right after a lower-case letter is not how anyone writes Unicode Vietnamese.
_LEGACY_CAPITAL = re.compile("[a-z][\u00c0-\u00dd]")


def looks_like_legacy_encoding(text: str) -> bool:
    """Heuristic: many words carry letters Vietnamese Unicode never uses, and none of its own.

    Real Unicode Vietnamese almost always has ă/đ/ơ/ư or a precomposed letter from
    U+1EA0..U+1EF9; a German or French name adds one odd letter, not a pattern.
    """
    if _UNICODE_VIETNAMESE.search(text):
        return False
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    if not words:
        return False
    marked = [w for w in words if any(ch in _LEGACY_MARKERS for ch in w) or _LEGACY_CAPITAL.search(w)]
    return len(marked) >= 2 and len(marked) * 4 >= len(words)


# --------------------------------------------------------------------------- other kinds of cell
# Forms other than the bundled one hold percents, yes/no answers, choices from a list and dates.

_YES = frozenset({"có", "co", "x", "yes", "y", "true", "đã", "da", "rồi", "roi"})
_NO = frozenset({"không", "khong", "ko", "k", "no", "n", "false", "chưa", "chua"})
_PERCENT_SIGN = re.compile(r"\s*%\s*$")
_DATE_TEXT = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_cell(raw: object, indicator: forms.Indicator, choices: tuple = ()) -> CellResult:
    """One value cell of any kind; ``choices`` the cell's list (kind ``choice``). Never raises.

    Numbers land in ``number`` (yes/no as 1 and 0, percents as fractions: 95,5% is 0.955);
    choices (their value), dates (ISO ``2020-06-05``) and texts in ``text``.
    """
    kind = indicator.kind
    if kind in ("count", "number"):
        return parse_indicator_value(raw, indicator)
    if isinstance(raw, CellError):
        return _issue_only("formula-error", value=str(raw), label=indicator.label)
    if raw is None or (isinstance(raw, str) and not _clean(raw)):
        return _missing(indicator)
    if kind == "percent":
        return _parse_percent(raw, indicator)
    if kind == "yesno":
        return _parse_yes_no(raw, indicator)
    if kind == "choice":
        return _parse_choice(raw, indicator, choices)
    if kind == "date":
        return _parse_date(raw, indicator)
    return parse_text_value(raw, None)


def _parse_percent(raw: object, indicator: forms.Indicator) -> CellResult:
    """``95,5%``, ``95,5`` and ``0,955`` are all 95,5 %: a number above 1 is read as percent points."""
    if isinstance(raw, bool) or isinstance(raw, (datetime, date, time, timedelta)):
        return _issue_only("not-a-number", value=_as_text(raw), label=indicator.label)
    shown = None
    if isinstance(raw, (int, float)):
        number = raw
    else:
        shown = _clean(str(raw))
        number = number_from_text(_PERCENT_SIGN.sub("", shown))
        if number is None:
            return _issue_only("not-a-number", value=shown, label=indicator.label)
        if _PERCENT_SIGN.search(shown):
            number = number / 100
            shown = None if number is None else shown
    if isinstance(number, float) and not math.isfinite(number):
        return _issue_only("number-not-finite", value=str(number), label=indicator.label,
                           what=phrase("detail-nan" if math.isnan(number) else "detail-infinity"))
    if number > 1:
        number = number / 100
    result = CellResult(number=number)
    text = format_percent(number)
    if indicator.min is not None and number < indicator.min:
        result.issues.append(Issue("below-minimum", {"label": indicator.label, "value": text, "number": text,
                                                     "minimum": format_percent(indicator.min)}))
    if indicator.max is not None and number > indicator.max:
        result.issues.append(Issue("above-maximum", {"label": indicator.label, "value": text, "number": text,
                                                     "maximum": format_percent(indicator.max)}))
    return result


def format_percent(fraction: float) -> str:
    """0.955 -> '95,5%' (Vietnamese decimal comma)."""
    return format_number(round(fraction * 100, 2), decimals=2) + "%"


def _parse_yes_no(raw: object, indicator: forms.Indicator) -> CellResult:
    if isinstance(raw, bool):
        return CellResult(number=int(raw), text=forms.YES_NO[0 if raw else 1])
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return CellResult(number=int(raw), text=forms.YES_NO[0 if raw else 1])
    text = _clean(_as_text(raw)).casefold().strip(" .")
    if text in _YES:
        return CellResult(number=1, text=forms.YES_NO[0])
    if text in _NO:
        return CellResult(number=0, text=forms.YES_NO[1])
    return _issue_only("not-yes-no", value=_as_text(raw), label=indicator.label)


def _parse_choice(raw: object, indicator: forms.Indicator, choices: tuple) -> CellResult:
    """A choice by its value or its label, up to case, accents kept (``Khá`` is not ``Kha``)."""
    text = _as_text(raw)
    wanted = " ".join(text.split()).casefold()
    for choice in choices:
        if wanted in (choice.value.casefold(), " ".join(choice.label.split()).casefold()):
            return CellResult(text=choice.value)
    shown = ", ".join(choice.label for choice in choices)
    return _issue_only("not-a-choice", value=text, label=indicator.label, choices=shown)


def _parse_date(raw: object, indicator: forms.Indicator) -> CellResult:
    """A real date, or ``5/6/2020`` / ``05-06-2020`` (day first, as in Vietnam) / ``2020-06-05``."""
    day = None
    if isinstance(raw, datetime):
        day = raw.date()
    elif isinstance(raw, date):
        day = raw
    elif isinstance(raw, str):
        text = _clean(raw)
        match = _DATE_TEXT.match(text)
        iso = _ISO_DATE.match(text)
        try:
            if match:
                day = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            elif iso:
                day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            day = None
    if day is None:
        return _issue_only("not-a-date", value=_as_text(raw), label=indicator.label)
    return CellResult(text=day.isoformat())
