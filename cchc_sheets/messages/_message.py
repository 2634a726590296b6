"""One catalogue entry: a severity and the Vietnamese and English templates."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    severity: str
    vi: str
    en: str


def _m(severity: str, vi: str, en: str) -> Message:
    return Message(severity, unicodedata.normalize("NFC", vi), en)
