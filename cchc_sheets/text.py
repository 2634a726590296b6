"""The one place for how text is normalised, compared and escaped.

Vietnamese text arrives NFC or NFD, with stray spaces and line breaks; labels and
names are compared after NFC and whitespace folding (DOMAIN.md). XML text written by
the toolkit drops the characters XML 1.0 cannot hold.
"""
from __future__ import annotations

import re
import unicodedata

# Lone surrogates are how Python carries file-name bytes that are not UTF-8 (PEP 383).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def nfc(text: object) -> str:
    """``text`` as NFC (None is the empty string)."""
    return unicodedata.normalize("NFC", str(text if text is not None else ""))


def fold_text(text: object) -> str:
    """NFC, whitespace folded, case kept: how labels are compared."""
    return " ".join(nfc(text).split())


def fold_name(text: object) -> str:
    """NFC, whitespace folded, case folded: how names (sheets, units, answers) are compared."""
    return " ".join(nfc(text).casefold().split())


def display_path(path: object) -> str:
    """A path for people: bytes that are not UTF-8 (an old Windows zip's names) shown as U+FFFD.

    The path itself is kept as the system gave it (``str`` with surrogate escapes), so
    the file can still be opened; only what is shown or written for people is replaced.
    """
    text = str(path)
    return _SURROGATE.sub("\ufffd", text) if has_surrogates(text) else text


def json_safe(text: str) -> str:
    """JSON text with lone surrogates written as ``\\udcXX`` escapes: valid JSON whose string
    ``json.loads`` gives back exactly (``os.fsencode`` of it is the name's bytes on disk).

    Strict UTF-8 refuses exactly the lone surrogates, and says there are none in a fraction of
    the pattern's time (a validate report is written in chunks of 256 reports through this)."""
    if not has_surrogates(text):
        return text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (a file name the system could not decode)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def xml_text(text: str) -> str:
    """``text`` escaped for XML character data; characters XML cannot hold become U+FFFD."""
    # what xml.sax.saxutils.escape does, without its import of urllib, http and ssl (0.1 s a command)
    return _ILLEGAL_XML.sub("\ufffd", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
