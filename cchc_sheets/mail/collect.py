"""Collect the returned spreadsheets from a mailbox into a folder, with ``received.csv``.

Sources: a folder of ``.eml`` files, an mbox file, a Maildir, or an IMAP mailbox
(``imaps://user@host[:port]/INBOX``; ``imap://`` upgrades with STARTTLS, plain text only
on loopback). The mailbox is only read: IMAP uses EXAMINE and BODY.PEEK, so nothing is
deleted, moved or marked as read.

Every spreadsheet attachment (also inside ``.zip`` attachments) is saved once under a
safe ASCII name that never overwrites; exact duplicates (same sha256, also against what
the folder already holds) are skipped, so running again is harmless. ``received.csv``
is rewritten atomically after each message, so a crash or a dropped connection leaves
everything collected so far in place and listed.
"""
from __future__ import annotations

import csv
import email
import io
import os
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.header import decode_header, make_header
from email.utils import collapse_rfc2231_value, parsedate_to_datetime
from pathlib import Path

from ..fileio import ascii_slug, ensure_directory, sha256_bytes, sha256_file, write_text_atomic
from ..messages import CchcError, phrase
from ..model import Finding, make_finding
from ..received import COLUMNS as RECEIVED_COLUMNS  # the file merge reads: one definition
from ..received import RECEIVED_FILE as RECEIVED_CSV
from . import SPREADSHEET_SUFFIXES
from .sources import RawMail, open_source

MB = 1024 * 1024
DEFAULT_MAX_ATTACHMENT_MB = 20
ZIP_MAX_ENTRIES = 500
ZIP_MAX_RATIO = 200          # uncompressed / compressed; xlsx inside a zip is already compressed (~1)
ZIP_MAX_TOTAL_FACTOR = 5     # all members together at most 5 x the attachment limit
MAX_NAME_LENGTH = 80
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MIME_SUFFIXES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
}


@dataclass(frozen=True)
class MailInfo:
    """What received.csv records about the message an attachment came in."""

    sender: str
    subject: str
    received: datetime | None
    message_id: str
    origin: str

    @property
    def received_text(self) -> str:
        return self.received.isoformat() if self.received else ""


@dataclass
class CollectReport:
    source: str
    inbox: Path
    messages: int = 0
    saved: list[dict] = field(default_factory=list)       # received.csv rows added by this run
    duplicates: int = 0
    ignored: list[str] = field(default_factory=list)      # non-spreadsheet attachment names
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_problems(self) -> bool:
        return any(f.severity in ("error", "warning") for f in self.findings)


# --------------------------------------------------------------------------- the inbox folder


class Inbox:
    """The output folder and its received.csv; knows every sha256 already there."""

    def __init__(self, folder: str | Path):
        self.folder = ensure_directory(folder)
        self.csv_path = self.folder / RECEIVED_CSV
        self.rows = _read_received(self.csv_path)
        self.known = {row["sha256"] for row in self.rows}
        self.unlisted = self._unlisted_files()

    def _unlisted_files(self) -> dict[str, str]:
        """sha256 -> name of spreadsheets in the folder that received.csv does not list yet."""
        listed = {row["file"] for row in self.rows}
        found = {}
        for path in sorted(self.folder.iterdir()):
            if path.is_file() and path.suffix.lower() in SPREADSHEET_SUFFIXES and path.name not in listed:
                found.setdefault(sha256_file(path), path.name)
        return found

    def add(self, name: str, data: bytes, info: MailInfo) -> dict | None:
        """Save ``data`` unless its sha256 is known; the new received.csv row, or None for a duplicate."""
        digest = sha256_bytes(data)
        if digest in self.known:
            return None
        # Same bytes already in the folder (e.g. an earlier run stopped before listing it): list, don't copy.
        file_name = self.unlisted.pop(digest, None) or write_new_file(self.folder, safe_name(name), data).name
        row = {"file": file_name, "sha256": digest, "sender": info.sender, "subject": info.subject,
               "received": info.received_text, "message_id": info.message_id}
        self.rows.append(row)
        self.known.add(digest)
        return row

    def save(self) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=RECEIVED_COLUMNS, lineterminator="\r\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(self.rows)
        write_text_atomic(self.csv_path, "\ufeff" + buffer.getvalue())  # BOM: Excel shows Vietnamese right


def _read_received(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        reader = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig")))
        rows = [{k: (row.get(k) or "") for k in RECEIVED_COLUMNS} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CchcError("mail-received-csv-unreadable", path=path, reason=exc) from exc
    return [row for row in rows if row["sha256"]]


def safe_name(original: str) -> str:
    """An ASCII file name with no folders: '../../Báo cáo Xã Sơn Hồng.XLSX' -> 'bao-cao-xa-son-hong.xlsx'."""
    base = unicodedata.normalize("NFC", original).replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix.lower()}" if f".{suffix.lower()}" in SPREADSHEET_SUFFIXES else ".xlsx"
    slug = ascii_slug(stem, max_length=MAX_NAME_LENGTH)
    if slug in WINDOWS_RESERVED:
        slug = f"file-{slug}"
    return slug + suffix


def write_new_file(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` under ``name`` or ``name-2``, ``name-3``...: complete or absent, never overwriting."""
    stem, suffix = os.path.splitext(name)
    handle, temporary = tempfile.mkstemp(prefix=".collect.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        for number in range(1, 10_000):
            target = folder / (name if number == 1 else f"{stem}-{number}{suffix}")
            if _claim(temporary, target):
                return target
        raise CchcError("output-unwritable", path=folder / name, reason=phrase("detail-too-many-same-name"))
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _claim(temporary: str, target: Path) -> bool:
    """Give the finished temporary file the name ``target`` only if nothing has it yet."""
    try:
        os.link(temporary, target)
        return True
    except FileExistsError:
        return False
    except OSError:  # file systems without hard links: check, then rename
        if target.exists():
            return False
        os.replace(temporary, target)
        return True


# --------------------------------------------------------------------------- one message


def collect(source: str, out: str | Path, *, since: date | None = None, password: str | None = None,
            max_attachment_mb: float = DEFAULT_MAX_ATTACHMENT_MB) -> CollectReport:
    """Read every message of ``source`` and save its spreadsheet attachments into ``out``."""
    limit = int(max_attachment_mb * MB)
    with open_source(source, password=password, since=since, max_message_bytes=limit * 3 + MB) as mails:
        inbox = Inbox(out)  # only once the source is open: a refused login leaves no trace
        report = CollectReport(source=source, inbox=inbox.folder)
        try:
            _collect_all(mails, inbox, report, since, limit)
        except CchcError as exc:  # e.g. the connection dropped: what was saved stays, and is listed
            raise CchcError("mail-collect-interrupted", source=source, reason=exc.message(),
                            saved=len(report.saved), inbox=inbox.folder) from exc
    if not inbox.csv_path.exists():
        inbox.save()
    return report


def _collect_all(mails, inbox: Inbox, report: CollectReport, since: date | None, limit: int) -> None:
    for mail in mails:
        if isinstance(mail, Finding):
            report.findings.append(mail)
            continue
        report.messages += 1
        if collect_message(mail, inbox, report, since=since, limit=limit):
            inbox.save()


def collect_message(mail: RawMail, inbox: Inbox, report: CollectReport, *, since: date | None, limit: int) -> bool:
    """Save the spreadsheets of one message; True when received.csv gained rows."""
    try:
        message = email.message_from_bytes(mail.raw)
        info = mail_info(message, mail)
    except Exception as exc:  # the email package is lenient; anything left is a broken message
        report.findings.append(make_finding("mail-message-unreadable", origin=mail.origin, reason=exc))
        return False
    if since and info.received and info.received.date() < since:
        return False
    added = 0
    for name, data in spreadsheet_attachments(message, info, report, limit):
        row = inbox.add(name, data, info)
        if row is None:
            report.duplicates += 1
        else:
            report.saved.append(row)
            added += 1
    return added > 0


def mail_info(message, mail: RawMail) -> MailInfo:
    received = _date_header(message.get("Date")) or mail.internaldate
    return MailInfo(sender=header_text(message.get("From")), subject=header_text(message.get("Subject")),
                    received=received, message_id=header_text(message.get("Message-ID")), origin=mail.origin)


def header_text(value) -> str:
    """A header as readable NFC text: RFC 2047 words decoded, raw UTF-8 accepted, on one line."""
    if value is None:
        return ""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # raw 8-bit bytes kept as surrogates by the parser
        text = text.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    try:
        text = str(make_header(decode_header(text)))
    except (LookupError, UnicodeError, ValueError, AssertionError):
        pass
    return " ".join(unicodedata.normalize("NFC", text).split())


def _date_header(value) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)  # "-0000": time given in UTC


# --------------------------------------------------------------------------- attachments


def spreadsheet_attachments(message, info: MailInfo, report: CollectReport, limit: int):
    """(name, bytes) of every spreadsheet, unpacking .zip; problems and other files go to the report."""
    for part in message.walk():
        if part.is_multipart():
            continue
        name = attachment_name(part)
        suffix = _suffix(name) or MIME_SUFFIXES.get(part.get_content_type(), "")
        if not name and not (suffix and part.get_content_maintype() == "application"):
            continue  # the message text itself
        name = name or f"attachment{suffix}"
        if suffix not in SPREADSHEET_SUFFIXES + (".zip",):
            report.ignored.append(name)
            continue
        data = _payload(part, name, info, report, limit)
        if data is None:
            continue
        if suffix == ".zip":
            yield from zip_spreadsheets(data, name, info, report, limit)
        else:
            yield name, data


def attachment_name(part) -> str:
    """The attachment's file name as the sender meant it: RFC 2231 first, then RFC 2047 in quotes."""
    for header, key in (("content-disposition", "filename"), ("content-type", "name")):
        params = part.get_params(header=header, failobj=[]) or []
        values = [value for param, value in params if param.lower() == key]
        encoded = [v for v in values if isinstance(v, tuple)]  # filename*= (RFC 2231) wins
        for value in encoded + [v for v in values if not isinstance(v, tuple)]:
            text = _param_text(value)
            if text:
                return text
    return ""


def _param_text(value) -> str:
    if isinstance(value, tuple):
        try:
            text = collapse_rfc2231_value(value, errors="replace")
        except LookupError:  # unknown charset name
            text = collapse_rfc2231_value((None, None, value[2]), errors="replace")
    else:
        text = email.utils.unquote(value)
    return header_text(text)  # Outlook style: "=?utf-8?B?...?=" inside the quotes


def _suffix(name: str) -> str:
    return os.path.splitext(name.strip().rstrip("."))[1].lower()


def _payload(part, name: str, info: MailInfo, report: CollectReport, limit: int) -> bytes | None:
    encoded = part.get_payload()
    estimated = len(encoded) * 3 // 4 if isinstance(encoded, str) else 0
    if estimated > limit:
        report.findings.append(_too_large(name, estimated, limit, info))
        return None
    data = part.get_payload(decode=True) or b""
    if len(data) > limit:
        report.findings.append(_too_large(name, len(data), limit, info))
        return None
    if not data:
        report.findings.append(make_finding("mail-attachment-empty", name=name, origin=_where(info)))
        return None
    return data


def _too_large(name: str, size: int, limit: int, info: MailInfo) -> Finding:
    return make_finding("mail-attachment-too-large", name=name, origin=_where(info),
                        size=f"{size / MB:.1f}".replace(".", ","), limit=f"{limit / MB:g}".replace(".", ","))


def _where(info: MailInfo) -> str:
    return f"{info.origin} – {info.sender or '?'} – “{info.subject}”"


# --------------------------------------------------------------------------- .zip attachments


def zip_spreadsheets(data: bytes, zip_name: str, info: MailInfo, report: CollectReport, limit: int):
    """The spreadsheets inside a .zip, each checked against size and ratio limits before it is read."""
    def unsafe(detail) -> None:
        report.findings.append(make_finding("mail-zip-unsafe", name=zip_name, origin=_where(info), detail=detail))

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        return unsafe(phrase("detail-zip-cannot-open", error=exc))
    if len(members) > ZIP_MAX_ENTRIES:
        return unsafe(phrase("detail-zip-too-many-files", count=len(members), limit=ZIP_MAX_ENTRIES))
    total = 0
    for member in members:
        name = _member_name(member)
        if _suffix(name) not in SPREADSHEET_SUFFIXES:
            report.ignored.append(f"{zip_name}/{name}")
            continue
        problem = _member_problem(member, limit)
        total += member.file_size
        if not problem and total > limit * ZIP_MAX_TOTAL_FACTOR:
            problem = phrase("detail-zip-total-size", limit=limit * ZIP_MAX_TOTAL_FACTOR // MB)
        content = None if problem else _read_member(archive, member, limit)
        if not isinstance(content, bytes) or problem:
            unsafe(phrase("detail-zip-member", name=name, problem=problem or content))
            continue
        yield name, content


def _member_name(member: zipfile.ZipInfo) -> str:
    """The member's own name (never its folders); UTF-8 names written without the UTF-8 flag recovered."""
    name = member.filename
    if not member.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _member_problem(member: zipfile.ZipInfo, limit: int):
    """Why a member is not read (a phrase, or a size comparison), or None."""
    if member.flag_bits & 0x1:
        return phrase("detail-zip-encrypted")
    if member.file_size > limit:
        return f"{member.file_size / MB:.1f} MB > {limit / MB:g} MB"
    if member.file_size > MB and member.file_size > ZIP_MAX_RATIO * max(member.compress_size, 1):
        return phrase("detail-zip-ratio", limit=ZIP_MAX_RATIO)
    return None


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int):
    """The member's bytes, reading at most limit + 1 (declared sizes can lie); else what went wrong."""
    try:
        with archive.open(member) as handle:
            content = handle.read(limit + 1)
    except Exception as exc:  # BadZipFile, zlib.error, NotImplementedError (method), EOFError: a corrupt member
        return phrase("detail-zip-member-unreadable", error=exc)
    if len(content) > limit:
        return f"> {limit / MB:g} MB"
    return content

