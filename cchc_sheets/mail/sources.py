"""Where returns are read from: a folder of .eml files, an mbox file, a Maildir, an IMAP mailbox.

Every source yields ``RawMail`` (the message bytes, where it came from, the server's
arrival time if any) or a ``Finding`` for a message it had to leave out. Sources only
read: the IMAP mailbox is opened with EXAMINE and fetched with BODY.PEEK.
"""
from __future__ import annotations

import contextlib
import imaplib
import mailbox
import re
import socket
import ssl
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..messages import CchcError, phrase
from ..model import make_finding
from . import is_loopback, untrusted_certificate

IMAP_BATCH = 25
IMAP_TIMEOUT = 60
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FETCH_META = re.compile(rb"UID (\d+)|INTERNALDATE \"([^\"]+)\"|RFC822\.SIZE (\d+)")


@dataclass(frozen=True)
class RawMail:
    raw: bytes
    origin: str                      # e.g. "hop-thu/thu-1.eml", "mbox #3", "IMAP UID 17"
    internaldate: datetime | None = None


@dataclass(frozen=True)
class ImapLocation:
    secure: bool                     # imaps:// (TLS from the start)
    user: str
    host: str
    port: int
    mailbox: str

    @property
    def where(self) -> str:
        return f"{'imaps' if self.secure else 'imap'}://{self.user}@{self.host}:{self.port}/{self.mailbox}"


def is_imap_url(source: str) -> bool:
    return bool(re.match(r"^imaps?://", source.strip(), re.I))


def parse_imap_url(source: str) -> ImapLocation:
    parts = urlsplit(source.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or not parts.username or port == -1:
        raise CchcError("mail-imap-url-invalid", source=source)
    secure = parts.scheme.lower() == "imaps"
    return ImapLocation(secure, unquote(parts.username), parts.hostname, port or (993 if secure else 143),
                        unquote(parts.path.lstrip("/")) or "INBOX")


@contextlib.contextmanager
def open_source(source: str, *, password: str | None = None, since: date | None = None,
                max_message_bytes: int = 64 << 20):
    """A context whose value iterates over the source's messages; the connection is closed after."""
    if is_imap_url(source):
        location = parse_imap_url(source)
        client = connect_imap(location, password or "")
        try:
            yield imap_messages(client, location, since, max_message_bytes)
        finally:
            _logout(client)
        return
    path = Path(source)
    if not path.exists():
        raise CchcError("input-not-found", path=path)
    yield _file_source(path, max_message_bytes)


def _file_source(path: Path, max_bytes: int):
    if path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
        return maildir_messages(path, max_bytes)
    if path.is_dir():
        return eml_messages(path, max_bytes)
    if path.suffix.lower() == ".eml":
        return eml_messages(path, max_bytes)
    if _looks_like_mbox(path):
        return mbox_messages(path, max_bytes)
    raise CchcError("mail-source-unknown", source=path)


def _looks_like_mbox(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(5) in (b"From ", b"")
    except OSError as exc:
        raise CchcError("input-not-found", path=path) from exc


# --------------------------------------------------------------------------- files


def eml_messages(path: Path, max_bytes: int):
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix.lower() == ".eml" and p.is_file())
    for file in files:
        origin = str(file.relative_to(path)) if path.is_dir() else file.name
        yield _read_file(file, origin, max_bytes, _file_time(file))


def _file_time(file: Path) -> datetime | None:
    """When the file was saved: the arrival time of last resort, for mail without a Date header."""
    try:
        return datetime.fromtimestamp(file.stat().st_mtime, timezone.utc).astimezone()
    except OSError:
        return None


def _read_file(file: Path, origin: str, max_bytes: int, internaldate: datetime | None = None):
    try:
        size = file.stat().st_size
        if size > max_bytes:
            return _too_big(origin, size, max_bytes)
        return RawMail(file.read_bytes(), origin, internaldate)
    except OSError as exc:
        return make_finding("mail-message-unreadable", origin=origin, reason=exc.strerror or exc)


def mbox_messages(path: Path, max_bytes: int):
    box = mailbox.mbox(path, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            origin = f"{path.name} #{number}"
            try:
                raw = box.get_bytes(key)
                delivered = _from_line_time(box.get_message(key).get_from())
            except (OSError, KeyError, ValueError) as exc:
                yield make_finding("mail-message-unreadable", origin=origin, reason=exc)
                continue
            yield _too_big(origin, len(raw), max_bytes) if len(raw) > max_bytes else RawMail(raw, origin, delivered)
    finally:
        box.close()


def _from_line_time(from_line: str) -> datetime | None:
    """'MAILER-DAEMON Tue Jun 16 01:30:00 2020' -> that time, in UTC as mbox writers use."""
    try:
        return datetime.strptime(" ".join(from_line.split()[-5:]), "%a %b %d %H:%M:%S %Y").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def maildir_messages(path: Path, max_bytes: int):
    """Files in new/ and cur/ read in place: unlike mailbox.Maildir's helpers, nothing is moved."""
    for sub in ("new", "cur"):
        for file in sorted((path / sub).iterdir()):
            if file.is_file() and not file.name.startswith("."):
                yield _read_file(file, f"{path.name}/{sub}/{file.name}", max_bytes, _file_time(file))


def _too_big(origin: str, size: int, max_bytes: int):
    return make_finding("mail-message-too-large", origin=origin, size=f"{size / (1 << 20):.1f}".replace(".", ","),
                        limit=f"{max_bytes / (1 << 20):.0f}")


# --------------------------------------------------------------------------- IMAP


def connect_imap(location: ImapLocation, password: str) -> imaplib.IMAP4:
    """Connect, secure (TLS or STARTTLS; clear text only on loopback), log in, EXAMINE the mailbox."""
    context = ssl.create_default_context()
    try:
        if location.secure:
            client = imaplib.IMAP4_SSL(location.host, location.port, ssl_context=context, timeout=IMAP_TIMEOUT)
        else:
            client = imaplib.IMAP4(location.host, location.port, timeout=IMAP_TIMEOUT)
    except ssl.SSLCertVerificationError as exc:
        raise untrusted_certificate(location.where, exc) from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise CchcError("mail-imap-connect-failed", source=location.where, reason=_reason(exc)) from exc
    try:
        _starttls(client, location, context)
        _login(client, location, password)
        _examine(client, location)
    except BaseException:
        _logout(client)
        raise
    return client


def _starttls(client: imaplib.IMAP4, location: ImapLocation, context: ssl.SSLContext) -> None:
    if location.secure:
        return
    if "STARTTLS" in client.capabilities:
        try:
            client.starttls(ssl_context=context)
        except ssl.SSLCertVerificationError as exc:
            with contextlib.suppress(OSError):
                client.shutdown()  # mid-handshake: LOGOUT in clear text would only wait for a reply
            raise untrusted_certificate(location.where, exc) from exc
        except (OSError, imaplib.IMAP4.error) as exc:
            raise CchcError("mail-imap-connect-failed", source=location.where, reason=_reason(exc)) from exc
    elif not is_loopback(location.host):
        raise CchcError("mail-imap-no-tls", source=location.where)


def _login(client: imaplib.IMAP4, location: ImapLocation, password: str) -> None:
    try:
        client.login(location.user, password)
    except imaplib.IMAP4.error as exc:
        raise CchcError("mail-imap-login-failed", source=location.where, user=location.user, reason=_reason(exc)) from exc
    except OSError as exc:
        raise CchcError("mail-imap-connect-failed", source=location.where, reason=_reason(exc)) from exc


def _examine(client: imaplib.IMAP4, location: ImapLocation) -> None:
    """Open read-only (EXAMINE): the server will not change flags or expunge anything."""
    try:
        status, detail = client.select(_quote(location.mailbox), readonly=True)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise CchcError("mail-imap-disconnected", source=location.where, reason=_reason(exc)) from exc
    if status != "OK":
        raise CchcError("mail-imap-mailbox-not-found", source=location.where, mailbox=location.mailbox,
                        reason=_reason(detail))


def imap_messages(client: imaplib.IMAP4, location: ImapLocation, since: date | None, max_bytes: int):
    """Each message, oldest first, fetched with BODY.PEEK (never marked as read)."""
    sizes = _imap_sizes(client, location, since)
    uids = list(sizes)
    for start in range(0, len(uids), IMAP_BATCH):
        wanted = [u for u in uids[start:start + IMAP_BATCH] if sizes[u] <= max_bytes]
        for uid in uids[start:start + IMAP_BATCH]:
            if sizes[uid] > max_bytes:
                yield _too_big(f"IMAP UID {uid}", sizes[uid], max_bytes)
        if wanted:
            yield from _imap_fetch(client, location, wanted)


def _imap_sizes(client, location: ImapLocation, since: date | None) -> dict[str, int]:
    # A day's margin: SINCE compares the server's arrival date, the Date header decides later.
    criteria = ["SINCE", _imap_date(since - timedelta(days=1))] if since else ["ALL"]
    status, data = _imap_call(client, location, "SEARCH", None, *criteria)
    uids = [u.decode() for u in (data[0] or b"").split()] if status == "OK" else []
    sizes: dict[str, int] = {}
    for start in range(0, len(uids), 500):
        status, data = _imap_call(client, location, "FETCH", ",".join(uids[start:start + 500]), "(UID RFC822.SIZE)")
        for item in data or []:
            meta = _fetch_meta(item[0] if isinstance(item, tuple) else item)
            if "uid" in meta:
                sizes[meta["uid"]] = int(meta.get("size", 0))
    return dict(sorted(sizes.items(), key=lambda kv: int(kv[0])))


def _imap_fetch(client, location: ImapLocation, uids: list[str]):
    status, data = _imap_call(client, location, "FETCH", ",".join(uids), "(UID INTERNALDATE BODY.PEEK[])")
    for item in data or []:
        if isinstance(item, tuple):
            meta = _fetch_meta(item[0])
            yield RawMail(item[1], f"IMAP UID {meta.get('uid', '?')}", _internaldate(meta.get("date")))


def _imap_call(client, location: ImapLocation, command: str, *args):
    try:
        return client.uid(command, *args)
    except (OSError, imaplib.IMAP4.abort, imaplib.IMAP4.error, EOFError) as exc:
        raise CchcError("mail-imap-disconnected", source=location.where, reason=_reason(exc)) from exc


def _fetch_meta(line: bytes) -> dict[str, str]:
    meta = {}
    for uid, when, size in _FETCH_META.findall(line or b""):
        if uid:
            meta["uid"] = uid.decode()
        if when:
            meta["date"] = when.decode()
        if size:
            meta["size"] = size.decode()
    return meta


def _internaldate(text: str | None) -> datetime | None:
    """'18-Jun-2020 09:15:00 +0700' -> aware datetime (month names in English whatever the locale)."""
    match = re.match(r"\s*(\d{1,2})-(\w{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})", text or "")
    if not match or match.group(2).title() not in _MONTHS:
        return None
    day, month, year = int(match.group(1)), _MONTHS.index(match.group(2).title()) + 1, int(match.group(3))
    offset = timedelta(hours=int(match.group(8)), minutes=int(match.group(9))) * (1 if match.group(7) == "+" else -1)
    return datetime(year, month, day, int(match.group(4)), int(match.group(5)), int(match.group(6)),
                    tzinfo=timezone(offset))


def _imap_date(day: date) -> str:
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def _quote(mailbox_name: str) -> str:
    return '"' + mailbox_name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _reason(exc) -> str:
    if isinstance(exc, list):
        exc = b" ".join(x for x in exc if isinstance(x, bytes))
    if isinstance(exc, bytes):
        return exc.decode("utf-8", "replace")
    if isinstance(exc, socket.timeout):
        return phrase("detail-timed-out")
    text = str(getattr(exc, "strerror", None) or exc)
    return text.removeprefix("b'").removesuffix("'") or type(exc).__name__


def _logout(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(Exception):
        client.logout()
