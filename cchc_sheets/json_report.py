"""``cchc validate --json``: the batch as the standard indented JSON, written in pieces.

The format is ``json.dumps(batch.to_dict(lang), ensure_ascii=False, indent=2,
default=str)`` (documented in the README); this module writes the same text
without holding it whole (10,000 reports): one report at a time, indented
to its place in the ``files`` list, mostly by the standard library's C encoder.
"""
from __future__ import annotations

import codecs
import json

from .forked import ForkedBytes
from .text import json_safe

JSON_CHUNK_FILES = 256    # reports per write: fewer calls into click, still little text held at a time
SPLIT_FROM_FILES = 600    # reports: from here the second half is written by a child process meanwhile


def batch_json_chunks(batch, lang: str = "vi"):
    """``json.dumps(batch.to_dict(lang), ensure_ascii=False, indent=2, default=str)`` plus a newline, in pieces.

    The same text, but memory no longer grows with the number of files: only
    JSON_CHUNK_FILES reports' dicts and text exist at a time. ``lang`` is the
    language of each finding's ``message``.
    """
    files = batch.files
    if not files:
        yield json_text({"files": [], "summary": batch.summary}) + "\n"
        return
    # The second half of a large batch is written by a child process (``forked``) meanwhile:
    # the reports are ready, and this last step otherwise runs on one core alone.
    half = len(files) // 2 if len(files) >= SPLIT_FROM_FILES else len(files)
    second = ForkedBytes(lambda: _report_chunks(files, half, len(files), lang), worth=half < len(files))
    yield '{\n  "files": [\n'
    yield from _report_chunks(files, 0, half, lang)
    decoder = codecs.getincrementaldecoder("utf-8")()
    for block in second.blocks():
        yield decoder.decode(block)
    yield decoder.decode(b"", final=True) + f'  ],\n  "summary": {json_text(batch.summary, 1)}\n}}\n'


def _report_chunks(files: list, start: int, stop: int, lang: str):
    """The text of ``files[start:stop]``, each report indented in the ``files`` list and followed by
    its comma (the batch's last report by none), JSON_CHUNK_FILES reports a piece."""
    last, pieces, writer = len(files) - 1, [], IndentedJson()
    for n in range(start, stop):
        pieces.append("    " + writer.text(files[n].to_dict(lang), 2) + (",\n" if n < last else "\n"))
        if len(pieces) == JSON_CHUNK_FILES:
            yield json_safe("".join(pieces))
            pieces = []
    if pieces:
        yield json_safe("".join(pieces))


def json_text(value, level: int = 0) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2, default=str)``, written ``level`` levels deep."""
    return json_safe(IndentedJson().text(value, level))


class IndentedJson:
    """The standard indented JSON, written mostly by the C encoder.

    ``json.dumps`` with ``indent`` runs the pure-Python encoder (about 0.2 ms a report:
    2 s of one process at 10,000 returns); without it, the C one. A container holding
    no non-empty container comes out of the C encoder already indented when its item
    separator ends with the next line's indentation, so each run of such members is
    one C call and only the nested containers are joined here. One encoder a depth,
    kept by this object (one per output).
    """

    INDENT = "  "
    CONTAINERS = (dict, list, tuple)

    def __init__(self):
        self._flat: dict[int, json.JSONEncoder] = {}

    def text(self, value, level: int = 0) -> str:
        if not isinstance(value, self.CONTAINERS) or not value:
            return self._encoder(level).encode(value)
        is_dict = isinstance(value, dict)
        members = value.values() if is_dict else value
        indent = self.INDENT
        if not any(issubclass(kind, self.CONTAINERS) for kind in set(map(type, members))):
            text = self._encoder(level + 1).encode(value)
            return f"{text[0]}\n{indent * (level + 1)}{text[1:-1]}\n{indent * level}{text[-1]}"
        parts, run = [], []
        for item in (value.items() if is_dict else value):
            member = item[1] if is_dict else item
            if not (member and isinstance(member, self.CONTAINERS)):
                run.append(item)
                continue
            if is_dict and type(item[0]) is not str:   # json's own key conversion, for the whole dict
                return json.dumps(value, ensure_ascii=False, indent=2, default=str).replace("\n", "\n" + indent * level)
            if run:
                parts.append(self._run(run, is_dict, level + 1))
                run = []
            text = self.text(member, level + 1)
            # the key as json.dumps(key, ensure_ascii=False) writes it, without a new encoder per key
            parts.append(f"{self._encoder(0).encode(item[0])}: {text}" if is_dict else text)
        if run:
            parts.append(self._run(run, is_dict, level + 1))
        opening, closing = "{}" if is_dict else "[]"
        inner = "\n" + indent * (level + 1)
        return f"{opening}{inner}{(',' + inner).join(parts)}\n{indent * level}{closing}"

    def _run(self, run: list, is_dict: bool, level: int) -> str:
        """Consecutive members without nested containers, one per line, as one C encoder call."""
        return self._encoder(level).encode(dict(run) if is_dict else run)[1:-1]

    def _encoder(self, level: int) -> json.JSONEncoder:
        encoder = self._flat.get(level)
        if encoder is None:
            encoder = self._flat[level] = json.JSONEncoder(
                ensure_ascii=False, default=str, separators=(",\n" + self.INDENT * level, ": "))
        return encoder
