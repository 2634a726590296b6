"""Small file helpers shared by every writer: atomic writes, hashes, ASCII slugs."""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Callable, Iterator

from .messages import CchcError, os_reason, phrase


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success.

    A crash or exception leaves no half-written file under the final name.
    """
    target = Path(target)
    ensure_directory(target.parent)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise CchcError("output-unwritable", path=target, reason=os_reason(exc)) from exc
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        os.chmod(temporary_path, 0o644)
        os.replace(temporary_path, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary_path.unlink()


def write_bytes_atomic(target: str | os.PathLike, data: bytes) -> None:
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)


def write_text_atomic(target: str | os.PathLike, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def write_with(target: str | os.PathLike, writer: Callable[[Path], None]) -> None:
    """Call ``writer(temp_path)`` and move the result into place atomically."""
    with atomic_path(target) as temporary:
        writer(temporary)


def ensure_directory(directory: str | os.PathLike) -> Path:
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CchcError("output-unwritable", path=directory, reason=os_reason(exc)) from exc
    if not os.access(directory, os.W_OK):
        raise CchcError("output-unwritable", path=directory, reason=phrase("detail-not-writable"))
    return directory


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ascii_slug(text: str, max_length: int = 40) -> str:
    """'Xã An Hòa Thịnh' -> 'xa-an-hoa-thinh' (đ -> d), safe in any mail client."""
    text = unicodedata.normalize("NFC", text).replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "x"
