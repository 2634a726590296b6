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
import unicodedata

from ._message import Message, _m  # noqa: F401 - the entry type, for users of the catalogue
from .commands import COMMANDS
from .findings import FINDINGS

LANGUAGES = ("vi", "en")

CATALOGUE: dict[str, Message] = {**FINDINGS, **COMMANDS}
assert len(CATALOGUE) == len(FINDINGS) + len(COMMANDS), "a code is in both catalogue parts"


# Operating-system errors people meet, in Vietnamese (others keep the system's own text).
_OS_REASONS_VI = {
    errno.ENOENT: "không tồn tại",
    errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục",
    errno.EISDIR: "đây là thư mục, không phải tệp",
    errno.EACCES: "không có quyền truy cập",
    errno.EPERM: "không được phép",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
}


def os_reason(exc: BaseException) -> str:
    """Why an OS call failed, for a message: Vietnamese for the common cases, else the system's text."""
    code = getattr(exc, "errno", None)
    if current_lang() != "en" and code in _OS_REASONS_VI:
        return _OS_REASONS_VI[code]
    return getattr(exc, "strerror", None) or str(exc)


def current_lang() -> str:
    """Language for messages: CCHC_LANG (set by ``--lang``), Vietnamese by default."""
    lang = os.environ.get("CCHC_LANG", "vi").strip().lower()[:2]
    return lang if lang in LANGUAGES else "vi"


def severity(message_code: str) -> str:
    return CATALOGUE[message_code].severity


def render(message_code: str, lang: str | None = None, /, **params: object) -> str:
    """The message for ``message_code`` in ``lang`` (default: current), NFC-normalised.

    Positional-only so that a field may itself be called ``code``.
    """
    message = CATALOGUE[message_code]
    template = message.en if (lang or current_lang()) == "en" else message.vi
    return unicodedata.normalize("NFC", template.format(**params))


class CchcError(Exception):
    """A problem that stops a command; carries a catalogue code and its fields."""

    def __init__(self, message_code: str, /, **params: object):
        super().__init__(message_code)
        self.code = message_code
        self.params = params

    def message(self, lang: str | None = None) -> str:
        return render(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.message()

