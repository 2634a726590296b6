"""The one place for how text is normalised, compared and escaped.

Vietnamese text arrives NFC or NFD, with stray spaces and line breaks; labels and
names are compared after NFC and whitespace folding (DOMAIN.md). XML text written by
the toolkit drops the characters XML 1.0 cannot hold.
"""
from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def nfc(text: object) -> str:
    """``text`` as NFC (None is the empty string)."""
    return unicodedata.normalize("NFC", str(text if text is not None else ""))


def fold_text(text: object) -> str:
    """NFC, whitespace folded, case kept: how labels are compared."""
    return " ".join(nfc(text).split())


def fold_name(text: object) -> str:
    """NFC, whitespace folded, case folded: how names (sheets, units, answers) are compared."""
    return " ".join(nfc(text).casefold().split())


def xml_text(text: str) -> str:
    """``text`` escaped for XML character data; characters XML cannot hold become U+FFFD."""
    return escape(_ILLEGAL_XML.sub("\ufffd", text))
