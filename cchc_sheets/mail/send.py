"""Send every unit its template over SMTP, or write the messages as .eml drafts.

Sending is resumable: ``send-log.csv`` beside the manifest records every attempt
(code, email, template sha256, message id, time, status). A unit whose template and
address already went out is not sent again, so after a failure the next run sends
only the rest. A unit without an e-mail address is listed and logged, never skipped
silently.
"""
from __future__ import annotations

import csv
import io
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..fileio import ensure_directory, sha256_bytes, write_bytes_atomic, write_text_atomic
from ..messages import CchcError, phrase
from ..model import Finding, make_finding
from . import SEND_LOG_COLUMNS, is_loopback, untrusted_certificate
from .compose import Letter, ManifestEntry, build_message, has_valid_email, message_bytes

STATUS_SENT = "sent"
STATUS_ALREADY_SENT = "already-sent"
STATUS_NO_EMAIL = "no-email"
STATUS_FAILED = "failed"
STATUS_DRAFTED = "drafted"
SECURITY_CHOICES = ("auto", "starttls", "ssl")


@dataclass
class SendResult:
    code: str
    email: str
    status: str
    sha256: str = ""
    message_id: str = ""
    path: Path | None = None  # the .eml of a dry run
    finding: Finding | None = None


@dataclass
class SendReport:
    results: list[SendResult] = field(default_factory=list)
    log_path: Path | None = None

    def with_status(self, status: str) -> list[SendResult]:
        return [r for r in self.results if r.status == status]

    @property
    def findings(self) -> list[Finding]:
        return [r.finding for r in self.results if r.finding]

    @property
    def complete(self) -> bool:
        """Every unit has its template: sent now, earlier, or written as a draft."""
        done = (STATUS_SENT, STATUS_ALREADY_SENT, STATUS_DRAFTED)
        return all(r.status in done for r in self.results)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int | None = None
    user: str = ""
    password: str = ""
    security: str = "auto"  # auto: STARTTLS when the server offers it
    timeout: float = 30.0

    @property
    def effective_port(self) -> int:
        return self.port or (465 if self.security == "ssl" else 587)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.effective_port}"


# --------------------------------------------------------------------------- log


class SendLog:
    """Every attempt, oldest first; rewritten atomically after each one."""

    def __init__(self, path: Path):
        self.path = path
        self.rows: list[dict] = _read_log(path)

    def already_sent(self, entry: ManifestEntry, sha256: str) -> dict | None:
        for row in reversed(self.rows):
            if row.get("code") == entry.code and row.get("status") == STATUS_SENT:
                same = row.get("sha256") == sha256 and row.get("email", "").lower() == entry.email.lower()
                return row if same else None
        return None

    def record(self, result: SendResult, detail: str = "") -> None:
        stamp = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
        self.rows.append({"code": result.code, "email": result.email, "sha256": result.sha256,
                          "message_id": result.message_id, "sent_at": stamp,
                          "status": result.status, "detail": detail})
        self.save()

    def save(self) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=SEND_LOG_COLUMNS, lineterminator="\r\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(self.rows)
        write_text_atomic(self.path, "\ufeff" + buffer.getvalue())


def _read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CchcError("mail-send-log-unreadable", path=path, reason=exc) from exc


# --------------------------------------------------------------------------- preparing


def _prepare(entry: ManifestEntry) -> tuple[bytes | None, SendResult | None]:
    """The attachment bytes, or a failed result when the unit cannot be mailed."""
    if not has_valid_email(entry):
        finding = make_finding("mail-no-email", unit=entry.code, name=entry.name, email=entry.email or "—")
        return None, SendResult(entry.code, entry.email, STATUS_NO_EMAIL, finding=finding)
    try:
        data = entry.file.read_bytes()
    except OSError as exc:
        finding = make_finding("mail-attachment-missing", unit=entry.code, path=entry.file, reason=exc.strerror or exc)
        return None, SendResult(entry.code, entry.email, STATUS_FAILED, finding=finding)
    digest = sha256_bytes(data)
    if entry.sha256 and digest != entry.sha256:
        finding = make_finding("mail-attachment-changed", unit=entry.code, path=entry.file)
        return None, SendResult(entry.code, entry.email, STATUS_FAILED, sha256=digest, finding=finding)
    return data, None


# --------------------------------------------------------------------------- dry run


def write_drafts(entries: list[ManifestEntry], letter: Letter, out_dir: str | Path) -> SendReport:
    """Write one ``.eml`` per unit into ``out_dir`` (nothing is sent, the log is not touched)."""
    out_dir = ensure_directory(out_dir)
    report = SendReport()
    for entry in entries:
        data, failed = _prepare(entry)
        if failed:
            report.results.append(failed)
            continue
        message = build_message(letter, entry, data)
        path = out_dir / f"{entry.file.stem}.eml"
        write_bytes_atomic(path, message_bytes(message))
        report.results.append(SendResult(entry.code, entry.email, STATUS_DRAFTED, sha256_bytes(data),
                                         message["Message-ID"], path=path))
    return report


# --------------------------------------------------------------------------- SMTP


def open_smtp(settings: SmtpSettings) -> smtplib.SMTP:
    """Connect, secure (SSL, STARTTLS) and log in; every failure is a CchcError naming the server."""
    try:
        client = _connect(settings)
    except ssl.SSLCertVerificationError as exc:
        raise untrusted_certificate(settings.where, exc) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise CchcError("mail-smtp-connect-failed", server=settings.where, reason=_reason(exc)) from exc
    try:
        _secure(client, settings)
        if settings.user:
            client.login(settings.user, settings.password)
    except ssl.SSLCertVerificationError as exc:  # STARTTLS to a server whose certificate we cannot trust
        client.close()  # no QUIT: the connection is no longer usable, and nothing more is said to it
        raise untrusted_certificate(settings.where, exc) from exc
    except smtplib.SMTPAuthenticationError as exc:
        _quit(client)
        raise CchcError("mail-smtp-login-failed", server=settings.where, user=settings.user, reason=_reason(exc)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        _quit(client)
        raise CchcError("mail-smtp-connect-failed", server=settings.where, reason=_reason(exc)) from exc
    return client


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.effective_port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    client = smtplib.SMTP(settings.host, settings.effective_port, timeout=settings.timeout)
    client.ehlo_or_helo_if_needed()
    return client


def _secure(client: smtplib.SMTP, settings: SmtpSettings) -> None:
    if settings.security == "ssl":
        return
    if client.has_extn("starttls"):
        client.starttls(context=ssl.create_default_context())
        client.ehlo()
    elif settings.security == "starttls" or (settings.user and not is_loopback(settings.host)):
        # Never send a password in clear text over the network.
        raise CchcError("mail-smtp-no-tls", server=settings.where)


def send_all(entries: list[ManifestEntry], letter: Letter, settings: SmtpSettings, log_path: str | Path) -> SendReport:
    """Send what the log does not show as sent; stop (log kept) if the connection is lost."""
    log = SendLog(Path(log_path))
    report = SendReport(log_path=log.path)
    pending = _sort_out(entries, log, report)
    if not pending:
        return report
    client = open_smtp(settings)
    try:
        for entry, data in pending:
            _send_one(client, entry, data, letter, log, report, settings)
    finally:
        _quit(client)
    return report


def _sort_out(entries, log: SendLog, report: SendReport) -> list[tuple[ManifestEntry, bytes]]:
    """Results for units that need no sending now; (entry, bytes) for the rest, in manifest order."""
    pending = []
    for entry in entries:
        data, failed = _prepare(entry)
        if failed:
            report.results.append(failed)
            log.record(failed, detail=failed.finding.message() if failed.finding else "")
        elif (row := log.already_sent(entry, sha256_bytes(data))) is not None:
            report.results.append(SendResult(entry.code, entry.email, STATUS_ALREADY_SENT, row["sha256"], row["message_id"]))
        else:
            pending.append((entry, data))
    return pending


def _send_one(client, entry, data, letter, log: SendLog, report: SendReport, settings: SmtpSettings) -> None:
    message = build_message(letter, entry, data)
    result = SendResult(entry.code, entry.email, STATUS_SENT, sha256_bytes(data), message["Message-ID"])
    try:
        client.sendmail(letter.from_addr, [entry.email], message_bytes(message))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
        result.status = STATUS_FAILED
        result.finding = make_finding("mail-recipient-refused", unit=entry.code, email=entry.email, reason=_reason(exc))
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPSenderRefused, OSError) as exc:
        sent = len(report.with_status(STATUS_SENT))
        raise CchcError("mail-smtp-disconnected", server=settings.where, sent=sent,
                        unit=entry.code, reason=_reason(exc), log=log.path) from exc
    report.results.append(result)
    log.record(result, detail=result.finding.message() if result.finding else "")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(text)}" for code, text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, socket.timeout):
        return phrase("detail-timed-out")
    return str(getattr(exc, "strerror", None) or exc) or type(exc).__name__


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
