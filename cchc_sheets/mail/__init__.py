"""The e-mail round trip: send each unit its template (``send``), collect the returns (``collect``).

Standard library only (smtplib, imaplib, email, mailbox): nothing to install on an
officer's PC beyond the toolkit itself.
"""
from __future__ import annotations

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
RECEIVED_CSV = "received.csv"
RECEIVED_COLUMNS = ("file", "sha256", "sender", "subject", "received", "message_id")
SEND_LOG = "send-log.csv"
SEND_LOG_COLUMNS = ("code", "email", "sha256", "message_id", "sent_at", "status", "detail")

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def is_loopback(host: str) -> bool:
    """Plain-text logins are allowed only here (test servers on this machine)."""
    return host.strip("[]").lower() in LOOPBACK_HOSTS or host.startswith("127.")
