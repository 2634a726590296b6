"""The one catalogue of message codes.

Every message a commune officer or a district/province officer reads comes from
here: a stable kebab-case code, a severity, and a Vietnamese and an English
template (``str.format`` fields). Code elsewhere refers to messages only by code,
so wording can change without touching logic, and tests assert codes, not prose.

Severities:
- ``fatal``: the command cannot go on (bad form pack, bad units file, ...): exit 2.
- ``error``: a returned workbook cannot be counted until the commune fixes it.
- ``warning``: counted, but an officer should look.
- ``info``: a fact worth telling, no action needed.
"""
from __future__ import annotations

import errno
import os
import string
import unicodedata
from dataclasses import dataclass, field as dc_field

from ._message import Message, _m  # noqa: F401 - the entry type, for users of the catalogue
from .commands import COMMANDS
from .details import DETAILS
from .findings import FINDINGS
from .web import WEB

LANGUAGES = ("vi", "en")

CATALOGUE: dict[str, Message] = {**FINDINGS, **COMMANDS, **DETAILS, **WEB}
assert len(CATALOGUE) == len(FINDINGS) + len(COMMANDS) + len(DETAILS) + len(WEB), "a code is in two catalogue parts"


# Operating-system errors people meet (others keep the system's own text, in English).
_OS_REASONS = {
    errno.ENOENT: "os-not-found",
    errno.ENOTDIR: "os-not-a-directory",
    errno.EISDIR: "os-is-a-directory",
    errno.EACCES: "os-access-denied",
    errno.EPERM: "os-not-permitted",
    errno.ENOSPC: "os-disk-full",
    errno.EROFS: "os-read-only",
}


@dataclass(frozen=True, slots=True, eq=False)
class Phrase:
    """Words not yet written: a catalogue code and its fields.

    A fact carries phrases (a finding's reason, a file's disposition); they are
    rendered only where a person reads them, in the language given there. A field
    may itself be a phrase: it is rendered in the same language.
    """

    code: str
    params: dict = dc_field(default_factory=dict)

    def render(self, lang: str = "vi") -> str:
        return render(self.code, lang, **self.params)

    def to_dict(self) -> dict:
        return {"code": self.code, "params": plain_params(self.params)}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phrase) and (self.code, self.params) == (other.code, other.params)

    def __hash__(self) -> int:
        return hash(self.code)

    def __str__(self) -> str:  # a phrase that reaches a document is Vietnamese
        return self.render("vi")


@dataclass(frozen=True, slots=True)
class Texts:
    """Words someone else wrote (a form's author), in Vietnamese and optionally English."""

    vi: str
    en: str = ""

    def render(self, lang: str = "vi") -> str:
        return self.en if lang == "en" and self.en else self.vi

    def to_dict(self) -> dict:
        return {"vi": self.vi, "en": self.en or self.vi}

    def __str__(self) -> str:
        return self.vi


@dataclass(frozen=True, slots=True)
class Listing:
    """Several phrases or texts, one per line, for a field such as form-invalid's ``problems``."""

    items: tuple
    prefix: str = "  - "
    separator: str = "\n"

    def render(self, lang: str = "vi") -> str:
        return self.separator.join(self.prefix + str(_words(item, lang)) for item in self.items)

    def to_dict(self) -> list:
        return [_plain(item) for item in self.items]

    def __str__(self) -> str:
        return self.render("vi")


_WORDS = (Phrase, Texts, Listing)


def _words(value: object, lang: str) -> object:
    return value.render(lang) if isinstance(value, _WORDS) else value


def phrase(message_code: str, /, **params: object) -> Phrase:
    """A phrase for ``message_code`` (positional-only, so a field may be called ``code``)."""
    assert message_code in CATALOGUE, message_code
    return Phrase(message_code, params)


def unit_label(name: str | None, code: str | None) -> Phrase:
    """"Xã An Hòa (mã 18118)": a unit as findings name it."""
    return Phrase("detail-unit-with-code", {"name": name or "", "code": code or ""})


def plain_params(params: dict) -> dict:
    """Message fields as JSON values: phrases as {code, params}, anything else not JSON as text."""
    return {key: _plain(value) for key, value in params.items()}


def _plain(value: object) -> object:
    if isinstance(value, _WORDS):
        return value.to_dict()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def os_reason(exc: BaseException) -> Phrase | str:
    """Why an OS call failed: a phrase for the common cases, else the system's own text."""
    code = _OS_REASONS.get(getattr(exc, "errno", None))
    if code:
        return Phrase(code, {})
    return getattr(exc, "strerror", None) or str(exc)


def language(lang: str | None) -> str:
    """A supported language code from ``lang`` ("en", "EN_us"...): Vietnamese otherwise."""
    lang = (lang or "vi").strip().lower()[:2]
    return lang if lang in LANGUAGES else "vi"


def language_from_environment() -> str:
    """The language CCHC_LANG asks for. Only the command-line face reads this."""
    return language(os.environ.get("CCHC_LANG"))


def severity(message_code: str) -> str:
    return CATALOGUE[message_code].severity


def render(message_code: str, lang: str = "vi", /, **params: object) -> str:
    """The message for ``message_code`` in ``lang`` (Vietnamese unless told), NFC-normalised.

    Fields that are phrases are rendered in the same language. Positional-only so
    that a field may itself be called ``code``.
    """
    message = CATALOGUE[message_code]
    lang = language(lang)
    template = message.en if lang == "en" else message.vi
    if params:
        params = {k: _words(v, lang) for k, v in params.items()}
    numbers = lang == "vi" and ":," in template
    try:
        text = _VIETNAMESE_NUMBERS.format(template, **params) if numbers else template.format(**params)
    except KeyError:
        # A finding recorded by an older version (kept in a ledger) may lack a field its message
        # has gained since: the field shows as MISSING_FIELD rather than the page or command failing.
        lenient = _Lenient(params)
        text = _VIETNAMESE_NUMBERS.vformat(template, (), lenient) if numbers else template.format_map(lenient)
    return unicodedata.normalize("NFC", text)


MISSING_FIELD = "[?]"


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return MISSING_FIELD


class _VietnameseNumbers(string.Formatter):
    """``{n:,}`` groups thousands with dots, as Vietnamese writes 1.048.576."""

    def format_field(self, value: object, format_spec: str) -> str:
        text = format(value, format_spec)
        if "," in format_spec and isinstance(value, (int, float)):
            text = text.translate(_SWAP_SEPARATORS)
        return text


_SWAP_SEPARATORS = str.maketrans({",": ".", ".": ","})
_VIETNAMESE_NUMBERS = _VietnameseNumbers()


class CchcError(Exception):
    """A problem that stops a command; carries a catalogue code and its fields."""

    def __init__(self, message_code: str, /, **params: object):
        super().__init__(message_code)
        self.code = message_code
        self.params = params

    def message(self, lang: str = "vi") -> str:
        return render(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.message()

