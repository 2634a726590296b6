"""The e-mail round trip: send each unit its template (``send``), collect the returns (``collect``).

Standard library only (smtplib, imaplib, email, mailbox): nothing to install on an
officer's PC beyond the toolkit itself.
"""
from __future__ import annotations

import ssl

from ..messages import CchcError
from ..suffixes import RETURN_SUFFIXES as SPREADSHEET_SUFFIXES   # one list with the folder walk: suffixes.py

SEND_LOG = "send-log.csv"
SEND_LOG_COLUMNS = ("code", "email", "sha256", "message_id", "sent_at", "status", "detail")

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def is_loopback(host: str) -> bool:
    """Plain-text logins are allowed only here (test servers on this machine)."""
    return host.strip("[]").lower() in LOOPBACK_HOSTS or host.startswith("127.")


# OpenSSL's X509_V_ERR_* codes an officer meets, each explained in the catalogue.
_VERIFY_REASONS = {
    2: "tls-reason-unknown-issuer", 20: "tls-reason-unknown-issuer", 21: "tls-reason-unknown-issuer",
    18: "tls-reason-self-signed", 19: "tls-reason-self-signed",
    9: "tls-reason-not-yet-valid", 10: "tls-reason-expired",
    62: "tls-reason-wrong-name", 64: "tls-reason-wrong-name",
}


def untrusted_certificate(server: str, exc: ssl.SSLCertVerificationError) -> CchcError:
    """The fatal error for a server whose certificate does not verify (unknown CA, wrong name,
    expired): names the server and says how to trust a province's own CA (SSL_CERT_FILE)."""
    return CchcError("mail-tls-untrusted", server=server, reason=certificate_reason(exc))


def certificate_reason(exc: ssl.SSLCertVerificationError):
    """Why the certificate failed: a phrase for the common cases, OpenSSL's own words for rarer ones."""
    from ..messages import phrase

    code = _VERIFY_REASONS.get(getattr(exc, "verify_code", None))
    detail = (getattr(exc, "verify_message", "") or getattr(exc, "reason", "") or str(exc)).rstrip(". ")
    return phrase(code, openssl=detail) if code else detail
