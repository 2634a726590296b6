"""Bytes made by a forked child process while this one goes on: the second core of a serial step.

A merge's data part, and the second half of ``validate --json``'s text, are pure functions
of objects this process already holds; a child made by ``os.fork`` shares them without
copying or pickling, writes its bytes to a temporary file and exits, and this process reads
them back when it needs them. Where a fork is not safe or not worth it (no ``fork`` on
Windows, other threads running, whose locks the child would copy, ``worth`` false) or the
child failed, the bytes are made here instead: the same bytes, and any error raised here as
it would be without a child.

Owner and lifetime: the caller, for one output; the child is waited for once (by
``blocks``, or when the object is dropped unread).
"""
from __future__ import annotations

import os
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator

READ_BLOCK = 1 << 20


class ForkedBytes:
    """``make()``'s pieces (``str`` or ``bytes``) as UTF-8 bytes, made in a child process when ``worth``."""

    def __init__(self, make: Callable[[], Iterable[str | bytes]], worth: bool = True):
        self.make = make
        self._child: _Child | None = None
        if worth and hasattr(os, "fork") and threading.active_count() == 1:
            spool = tempfile.TemporaryFile()
            pid = os.fork()
            if pid == 0:
                _write_in_child(make, spool)
            self._child = _Child(pid, spool)
            weakref.finalize(self, self._child.wait)   # never read (an error before ``blocks``)

    def blocks(self) -> Iterator[bytes]:
        """The bytes, in blocks: the child's when it wrote them all, else made here."""
        child = self._child
        if child is not None:
            with child.spool:              # closed whichever way this goes
                if child.wait():
                    child.spool.seek(0)
                    while block := child.spool.read(READ_BLOCK):
                        yield block
                    return
        for piece in self.make():
            yield _encoded(piece)


def _encoded(piece: str | bytes) -> bytes:
    return piece.encode("utf-8") if isinstance(piece, str) else piece


def _write_in_child(make: Callable[[], Iterable[str | bytes]], spool) -> None:
    """The child's whole life: the bytes into ``spool``, then exit (0 when they are all there)."""
    code = 1
    try:
        for piece in make():
            spool.write(_encoded(piece))
        spool.flush()
        code = 0
    finally:
        os._exit(code)   # never back into the parent's code, its atexit handlers or buffers


class _Child:
    """The child process, waited for once (its pid may be reused after)."""

    def __init__(self, pid: int, spool):
        self.pid, self.spool = pid, spool
        self.succeeded: bool | None = None

    def wait(self) -> bool:
        """Whether the child wrote all its bytes."""
        if self.succeeded is None:
            _, status = os.waitpid(self.pid, 0)
            self.succeeded = os.waitstatus_to_exitcode(status) == 0
        return self.succeeded
