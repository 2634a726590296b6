"""``cchc validate --json``: the batch as the standard indented JSON, written in pieces.

The format is ``json.dumps(batch.to_dict(), ensure_ascii=False, indent=2,
default=str)`` (documented in the README); this module writes the same text
faster and without holding it whole (10,000 reports).
"""
from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring
from typing import Callable

JSON_CHUNK_FILES = 256    # reports per write: fewer calls into click, still little text held at a time


def batch_json_chunks(batch):
    """``json.dumps(batch.to_dict(), ensure_ascii=False, indent=2, default=str)`` plus a newline, in pieces.

    The same text, but memory no longer grows with the number of files: only
    JSON_CHUNK_FILES reports' dicts and text exist at a time.
    """
    if not batch.files:
        yield json_text({"files": [], "summary": batch.summary}) + "\n"
        return
    yield '{\n  "files": [\n'
    last, pieces = len(batch.files) - 1, []
    for n, report in enumerate(batch.files):
        pieces.append("    " + json_text(report.to_dict(), 2) + (",\n" if n < last else "\n"))
        if len(pieces) == JSON_CHUNK_FILES:
            yield "".join(pieces)
            pieces = []
    yield "".join(pieces) + f'  ],\n  "summary": {json_text(batch.summary, 1)}\n}}\n'


# --------------------------------------------------------------------------- indented JSON, fast
# json.dumps with indent runs the pure-Python encoder (~30 µs for one report);
# without indent it runs the C one. Members holding no non-empty container come
# out of the C encoder already indented when its item separator ends with the
# next line's indentation, so each run of such members is one C call and only
# the nested containers are joined here.

_INDENT = "  "
_CONTAINERS = (dict, list, tuple)
_flat_encoders: dict[int, Callable[[object], str]] = {}


def json_text(value, level: int = 0) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2, default=str)``, written ``level`` levels deep."""
    if not isinstance(value, _CONTAINERS) or not value:
        return _flat_encoder(level)(value)
    is_dict = isinstance(value, dict)
    if not _holds_containers(value.values() if is_dict else value):
        text = _flat_encoder(level + 1)(value)
        return f"{text[0]}\n{_INDENT * (level + 1)}{text[1:-1]}\n{_INDENT * level}{text[-1]}"
    parts, run = [], []
    for item in (value.items() if is_dict else value):
        member = item[1] if is_dict else item
        if not (member and isinstance(member, _CONTAINERS)):
            run.append(item)
            continue
        if is_dict and type(item[0]) is not str:  # json's own key conversion, for the whole dict
            return json.dumps(value, ensure_ascii=False, indent=2, default=str).replace("\n", "\n" + _INDENT * level)
        if run:
            parts.append(_flat_run(run, is_dict, level + 1))
            run = []
        text = json_text(member, level + 1)
        parts.append(f"{encode_basestring(item[0])}: {text}" if is_dict else text)
    if run:
        parts.append(_flat_run(run, is_dict, level + 1))
    opening, closing = "{}" if is_dict else "[]"
    inner = "\n" + _INDENT * (level + 1)
    return f"{opening}{inner}{(',' + inner).join(parts)}\n{_INDENT * level}{closing}"


def _holds_containers(members) -> bool:
    """Whether any member is a dict, list or tuple (asked of the few distinct types, not of every member)."""
    return any(issubclass(kind, _CONTAINERS) for kind in set(map(type, members)))


def _flat_run(run: list, is_dict: bool, level: int) -> str:
    """Consecutive members without nested containers, one per line, as one C encoder call."""
    return _flat_encoder(level)(dict(run) if is_dict else run)[1:-1]


def _flat_encoder(level: int) -> Callable[[object], str]:
    """Compact JSON with each item of a flat container on its own line ``level`` levels deep."""
    encoder = _flat_encoders.get(level)
    if encoder is None:
        separator = ",\n" + _INDENT * level
        if c_make_encoder is None:  # no C accelerator (not CPython)
            encoder = json.JSONEncoder(ensure_ascii=False, default=str, separators=(separator, ": ")).encode
        else:  # the C encoder itself: JSONEncoder.encode would build a new one for every call
            chunks = c_make_encoder(None, str, encode_basestring, None, ": ", separator, False, False, True)
            encoder = lambda value: "".join(chunks(value, 0))  # noqa: E731
        _flat_encoders[level] = encoder
    return encoder
