"""``cchc validate --json``: the batch as the standard indented JSON, written in pieces.

The format is ``json.dumps(batch.to_dict(lang), ensure_ascii=False, indent=2,
default=str)`` (documented in the README); this module writes the same text
without holding it whole (10,000 reports): one report at a time, by the
standard encoder, indented to its place in the ``files`` list.
"""
from __future__ import annotations

import json

from .text import json_safe

JSON_CHUNK_FILES = 256    # reports per write: fewer calls into click, still little text held at a time


def batch_json_chunks(batch, lang: str = "vi"):
    """``json.dumps(batch.to_dict(lang), ensure_ascii=False, indent=2, default=str)`` plus a newline, in pieces.

    The same text, but memory no longer grows with the number of files: only
    JSON_CHUNK_FILES reports' dicts and text exist at a time. ``lang`` is the
    language of each finding's ``message``.
    """
    if not batch.files:
        yield json_text({"files": [], "summary": batch.summary}) + "\n"
        return
    yield '{\n  "files": [\n'
    last, pieces = len(batch.files) - 1, []
    for n, report in enumerate(batch.files):
        pieces.append("    " + json_text(report.to_dict(lang), 2) + (",\n" if n < last else "\n"))
        if len(pieces) == JSON_CHUNK_FILES:
            yield "".join(pieces)
            pieces = []
    yield "".join(pieces) + f'  ],\n  "summary": {json_text(batch.summary, 1)}\n}}\n'


def json_text(value, level: int = 0) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2, default=str)``, written ``level`` levels deep."""
    text = json_safe(json.dumps(value, ensure_ascii=False, indent=2, default=str))
    return text.replace("\n", "\n" + "  " * level) if level else text
