"""cchc send and cchc collect over real TLS: aiosmtpd with STARTTLS and with implicit TLS,
a private Dovecot that requires TLS (STARTTLS on the plain port, an imaps port).

The servers' certificate comes from a CA made for this test session (``test_ca``). The
client trusts it only through ``SSL_CERT_FILE`` — the standard OpenSSL variable that
``ssl.create_default_context()`` reads — exactly what an officer whose province runs its
own CA would set. Without it the certificate is untrusted and the command stops with the
catalogue's message naming the server (exit 2), before any password is sent.
"""
from __future__ import annotations

import hashlib
import os
import ssl
import subprocess
import sys
import time

import pytest

from mailservers import (  # noqa: F401  (fixtures)
    imap_tls_server, smtp_server, smtp_ssl_server, smtp_ssl_server_misnamed, smtp_starttls_server, test_ca)
from test_mail_collect import assert_collected, read_received, returns
from test_mail_send import UNITS, attachment, log_rows, make_mailing, manifest_rows, parse, send_args

UNTRUSTED_VI = "Không tin được chứng chỉ bảo mật (TLS) của máy chủ thư"


@pytest.fixture
def trusted(monkeypatch, test_ca):
    """The officer's setting for a province CA: SSL_CERT_FILE names the CA's PEM file."""
    monkeypatch.setenv("SSL_CERT_FILE", str(test_ca.ca_file))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture
def untrusted(monkeypatch):
    """No SSL_CERT_FILE: only the system's CAs, which never signed the test certificate."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture
def mailing(tmp_path):
    return make_mailing(tmp_path / "templates")


def assert_tls(version) -> None:
    assert version in ("TLSv1.2", "TLSv1.3"), version


def assert_every_unit_received_its_template(server, manifest) -> None:
    expected = manifest_rows(manifest)
    assert len(server.envelopes) == len(UNITS)
    for envelope in server.envelopes:
        message = parse(envelope.content)
        row = expected.pop(message["X-CCHC-Unit"])
        assert envelope.rcpt_tos == [row["email"]] and envelope.mail_from == "phongnoivu@huongson.example"
        assert hashlib.sha256(attachment(message).get_content()).hexdigest() == row["sha256"]
    assert expected == {}
    assert [r["status"] for r in log_rows(manifest)] == ["sent"] * len(UNITS)


# --------------------------------------------------------------------------- SMTP


@pytest.mark.parametrize("security", [[], ["--starttls"]], ids=["auto", "starttls"])
def test_send_over_starttls_logs_in_only_after_tls(run_cli, mailing, smtp_starttls_server, trusted, monkeypatch,
                                                   security):
    server = smtp_starttls_server
    monkeypatch.setenv("CCHC_SMTP_PASSWORD", server.password)
    assert_sent_over_tls(run_cli, mailing, server, security)


def test_the_starttls_server_really_refuses_auth_in_clear_text(smtp_starttls_server):
    """Control for the test above: without STARTTLS this server offers no AUTH at all."""
    import smtplib

    with smtplib.SMTP(smtp_starttls_server.host, smtp_starttls_server.port, timeout=5) as client:
        client.ehlo()
        assert client.has_extn("starttls") and not client.has_extn("auth")
        with pytest.raises(smtplib.SMTPNotSupportedError):
            client.login(smtp_starttls_server.user, smtp_starttls_server.password)


def test_starttls_required_but_not_offered_is_refused_before_the_password(run_cli, mailing, smtp_server, monkeypatch):
    """--starttls against a server without it (the clear-text test server): stop, send nothing."""
    monkeypatch.setenv("CCHC_SMTP_PASSWORD", smtp_server.password)
    result = run_cli(*send_args(mailing, smtp_server), "--smtp-user", smtp_server.user, "--starttls")
    assert result.exit_code == 2
    assert f"{smtp_server.host}:{smtp_server.port} không hỗ trợ mã hóa (STARTTLS)" in result.output
    assert smtp_server.logins == [] and smtp_server.envelopes == []


def test_send_over_implicit_tls(run_cli, mailing, smtp_ssl_server, trusted, monkeypatch):
    server = smtp_ssl_server
    monkeypatch.setenv("CCHC_SMTP_PASSWORD", server.password)
    assert_sent_over_tls(run_cli, mailing, server, ["--ssl"])


def assert_sent_over_tls(run_cli, mailing, server, security: list[str]) -> None:
    """Every unit got its template, and the server saw TLS on the login and on every message."""
    result = run_cli(*send_args(mailing, server), "--smtp-user", server.user, *security)
    assert result.exit_code == 0, result.output
    assert_every_unit_received_its_template(server, mailing)
    assert server.logins == [server.user]
    assert_tls(server.login_tls[0])
    for version in server.tls_versions:
        assert_tls(version)


def test_send_by_host_name_checks_the_name_in_the_certificate(run_cli, mailing, smtp_ssl_server, trusted):
    server = smtp_ssl_server
    result = run_cli("send", "--manifest", mailing, "--smtp-host", "localhost", "--smtp-port", server.port, "--ssl",
                     "--from", "phongnoivu@huongson.example")
    assert result.exit_code == 0, result.output
    assert len(server.envelopes) == len(UNITS)


@pytest.mark.parametrize("kind", ["starttls", "ssl"])
def test_send_with_an_untrusted_certificate_stops_before_the_password(run_cli, mailing, smtp_starttls_server,
                                                                      smtp_ssl_server, untrusted, monkeypatch, kind):
    server = smtp_starttls_server if kind == "starttls" else smtp_ssl_server
    monkeypatch.setenv("CCHC_SMTP_PASSWORD", server.password)
    extra = ["--ssl"] if kind == "ssl" else []
    result = run_cli(*send_args(mailing, server), "--smtp-user", server.user, *extra)
    assert result.exit_code == 2
    assert f"{UNTRUSTED_VI} {server.host}:{server.port}" in result.output
    assert "chứng chỉ do một tổ chức mà máy này không tin cậy cấp" in result.output
    assert "SSL_CERT_FILE" in result.output and "Traceback" not in result.output
    assert server.logins == [] and server.envelopes == []
    assert not (mailing.parent / "send-log.csv").exists()


def test_a_certificate_for_another_name_is_refused_even_from_a_trusted_ca(run_cli, mailing, smtp_ssl_server_misnamed,
                                                                        trusted):
    server = smtp_ssl_server_misnamed  # 127.0.0.3: the certificate names localhost, 127.0.0.1, 127.0.0.2
    result = run_cli(*send_args(mailing, server), "--ssl")
    assert result.exit_code == 2
    assert f"{UNTRUSTED_VI} 127.0.0.3:{server.port}" in result.output and "mismatch" in result.output
    assert "chứng chỉ cấp cho tên máy chủ khác, không phải tên đã nhập" in result.output
    assert server.envelopes == []


def test_untrusted_certificate_from_the_real_command_line(mailing, smtp_ssl_server, tmp_path):
    """The installed entry point: exit status 2, the Vietnamese message on stderr, no traceback."""
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    env.update(CCHC_LANG="vi", CCHC_CACHE_DIR=str(tmp_path / "cache"), PYTHONIOENCODING="utf-8")
    command = [sys.executable, "-c", "from cchc_sheets.cli import main; main()",
               "send", "--manifest", str(mailing), "--smtp-host", smtp_ssl_server.host,
               "--smtp-port", str(smtp_ssl_server.port), "--ssl", "--from", "phongnoivu@huongson.example"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"{UNTRUSTED_VI} {smtp_ssl_server.host}:{smtp_ssl_server.port}" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert smtp_ssl_server.envelopes == []


# --------------------------------------------------------------------------- IMAP (Dovecot)


@pytest.fixture(scope="module")
def tls_mailbox(imap_tls_server):
    """The same mailbox export the plain IMAP tests read, in the TLS-only Dovecot."""
    imap_tls_server.reset()
    for raw, internaldate in returns():
        imap_tls_server.append(raw, f'"{internaldate}"')
    return imap_tls_server


def tls_logins(server) -> list[str]:
    return [line for line in server.log_lines("Login: user=<officer>") if ", TLS," in line]


def wait_for_tls_logins(server, count: int) -> list[str]:
    """Dovecot writes its log through a separate process: give the line a moment to land."""
    deadline = time.monotonic() + 5
    while len(found := tls_logins(server)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


@pytest.mark.imap
@pytest.mark.parametrize("scheme", ["imap", "imaps"])
def test_collect_over_tls_reads_the_same_files(run_cli, tmp_path, tls_mailbox, trusted, monkeypatch, scheme):
    monkeypatch.setenv("CCHC_IMAP_PASSWORD", tls_mailbox.password)
    url = tls_mailbox.url() if scheme == "imap" else tls_mailbox.imaps_url()
    before = len(tls_logins(tls_mailbox))
    inbox = tmp_path / "INBOX"
    result = run_cli("collect", url, "--out", inbox)
    assert result.exit_code == 0, result.output
    rows = assert_collected(inbox)
    # Dovecot here refuses a login before TLS ([PRIVACYREQUIRED]); its log shows this one was over TLS.
    assert len(wait_for_tls_logins(tls_mailbox, before + 1)) >= before + 1
    assert all(", TLS," in line for line in tls_mailbox.log_lines("Login: user=<officer>"))
    again = run_cli("collect", url, "--out", inbox)
    assert again.exit_code == 0 and read_received(inbox) == rows


@pytest.mark.imap
def test_the_tls_dovecot_really_refuses_a_clear_text_login(imap_tls_server):
    """Control for the test above: the plain port announces LOGINDISABLED and refuses LOGIN."""
    import imaplib

    client = imaplib.IMAP4(imap_tls_server.host, imap_tls_server.port, timeout=5)
    try:
        assert "STARTTLS" in client.capabilities and "LOGINDISABLED" in client.capabilities
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED|Plaintext"):
            client.login(imap_tls_server.user, imap_tls_server.password)
    finally:
        client.shutdown()


@pytest.mark.imap
@pytest.mark.parametrize("scheme", ["imap", "imaps"])
def test_collect_with_an_untrusted_certificate_is_a_clear_error(run_cli, tmp_path, imap_tls_server, untrusted,
                                                                 monkeypatch, scheme):
    monkeypatch.setenv("CCHC_IMAP_PASSWORD", imap_tls_server.password)
    url = imap_tls_server.url() if scheme == "imap" else imap_tls_server.imaps_url()
    port = imap_tls_server.port if scheme == "imap" else imap_tls_server.imaps_port
    before = len(imap_tls_server.log_lines("Login: user=<officer>"))
    inbox = tmp_path / "INBOX"
    result = run_cli("collect", url, "--out", inbox)
    assert result.exit_code == 2
    assert f"{UNTRUSTED_VI} {scheme}://officer@{imap_tls_server.host}:{port}/INBOX" in result.output
    assert "SSL_CERT_FILE" in result.output and "Traceback" not in result.output
    assert not inbox.exists()
    assert len(imap_tls_server.log_lines("Login: user=<officer>")) == before


@pytest.mark.parametrize("code, message, expected", [
    (10, "certificate has expired", "tls-reason-expired"),
    (18, "self-signed certificate", "tls-reason-self-signed"),
    (9, "certificate is not yet valid", "tls-reason-not-yet-valid"),
    (23, "certificate revoked", None),          # rarer: OpenSSL's own words
])
def test_certificate_failures_are_explained(code, message, expected):
    from cchc_sheets.mail import certificate_reason

    failure = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    failure.verify_code, failure.verify_message = code, message
    reason = certificate_reason(failure)
    if expected is None:
        assert reason == message
    else:
        assert (reason.code, reason.params) == (expected, {"openssl": message})
