"""The one place the reader's speed memos live.

Every copy of a template shares most of its package: theme, styles, workbook.xml
and its relationships, the content types, the header and foot of each sheet.
Reading 10,000 returns, what those bytes inflate or parse to is worked out once
and looked up by the bytes themselves (the same bytes always give the same
answer, so a memo can never serve a stale result). Each memo is bounded:
entries above ``max_bytes`` are not kept, and a full memo is emptied, so memory
stays flat whatever the batch.

Owner and lifetime: ``read_workbook`` takes a ``ReaderMemo``; without one it uses
``PROCESS_MEMO``, the single memo of the process (each reading worker of a pool
is its own process, hence has its own). Nothing else in the reader keeps state
between files.
"""
from __future__ import annotations

MEMO_ENTRIES = 64
MEMO_ENTRY_BYTES = 64 * 1024


class BoundedMemo:
    """A dict from bytes-derived keys to results, at most ``entries`` of them."""

    __slots__ = ("entries", "max_bytes", "values")

    def __init__(self, entries: int = MEMO_ENTRIES, max_bytes: int = MEMO_ENTRY_BYTES):
        self.entries, self.max_bytes, self.values = entries, max_bytes, {}

    def get(self, key):
        return self.values.get(key)

    def keep(self, key, value, size: int):
        """Remember ``value`` when what it costs to hold (``size`` bytes) is small; returns ``value``."""
        if size <= self.max_bytes:
            if len(self.values) >= self.entries:
                self.values.clear()
            self.values[key] = value
        return value

    def clear(self) -> None:
        self.values.clear()


class ReaderMemo:
    """What reading one return learned that the next copy of the same template reuses."""

    def __init__(self, entries: int = MEMO_ENTRIES, max_bytes: int = MEMO_ENTRY_BYTES):
        # (compressed bytes, method, declared size, CRC) -> inflated bytes of a shared part
        self.inflated = BoundedMemo(entries, max_bytes)
        # (compressed bytes, method) -> whether the part starts with no room for a DTD
        self.plain_starts = BoundedMemo(entries, max_bytes)
        # [Content_Types].xml bytes -> the content types it declares
        self.content_types = BoundedMemo(entries, max_bytes)
        # (workbook.xml, its rels) -> what they say (sheet parts, structure lock)
        self.indexes = BoundedMemo(entries, max_bytes)
        # a sheet's bytes around its cells -> whether the sheet is protected
        self.sheet_protection = BoundedMemo(entries, max_bytes)

    def clear(self) -> None:
        for memo in vars(self).values():
            memo.clear()


PROCESS_MEMO = ReaderMemo()
