"""Real mail servers on loopback for the mail tests: aiosmtpd (SMTP) and a private Dovecot (IMAP).

Import the fixtures into a test module with ``from mailservers import smtp_server, imap_server``.
Dovecot runs as a throwaway instance with its own config, started once per test session
(no failed-login delay or per-IP penalty, so the wrong-password test does not slow the next);
it is skipped when dovecot is not installed, except under CI=true where it must be.
"""
from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

IMAP_USER, IMAP_PASSWORD = "officer", "secret"

DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{dir}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={dir}/mail/%u
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- SMTP


@dataclass
class SmtpServer:
    host: str
    port: int
    envelopes: list = field(default_factory=list)
    refuse: set = field(default_factory=set)  # recipients answered with 550
    user: str = "officer"                     # AUTH is offered (without TLS, loopback only) but optional
    password: str = "secret"
    logins: list = field(default_factory=list)

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            self.user.encode(), self.password.encode())
        if ok:
            self.logins.append(self.user)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


class _KeepingHandler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.server.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    """An aiosmtpd server on 127.0.0.1 and a free port; ``.envelopes`` holds what it received."""
    from aiosmtpd.controller import Controller

    server = SmtpServer("127.0.0.1", free_port())
    controller = Controller(_KeepingHandler(server), hostname=server.host, port=server.port,
                            authenticator=server.authenticate, auth_require_tls=False,
                            # smtplib retries LOGIN with an initial response after a failed PLAIN,
                            # which aiosmtpd answers by waiting: offer PLAIN only.
                            auth_exclude_mechanism=["LOGIN"])
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


# --------------------------------------------------------------------------- IMAP


@dataclass
class ImapServer:
    host: str
    port: int
    user: str = IMAP_USER
    password: str = IMAP_PASSWORD

    def url(self, mailbox: str = "INBOX") -> str:
        return f"imap://{self.user}@{self.host}:{self.port}/{mailbox}"

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port)
        client.login(self.user, self.password)
        return client

    def reset(self, mailbox: str = "INBOX") -> None:
        """Empty the mailbox so each test starts from a known state."""
        client = self.connect()
        try:
            client.select(mailbox)
            client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
            client.expunge()
        except imaplib.IMAP4.error:
            pass
        finally:
            client.logout()

    def append(self, raw: bytes, internaldate: str | None = None, mailbox: str = "INBOX") -> None:
        client = self.connect()
        try:
            status, detail = client.append(mailbox, None, internaldate, raw)
            assert status == "OK", detail
        finally:
            client.logout()


def _dovecot_missing(binary: str | None) -> None:
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dovecot is required under CI=true but is not installed")
        pytest.skip("dovecot is not installed")


def _write_dovecot_files(directory: Path, port: int) -> Path:
    for sub in ("run", "state", "mail"):
        (directory / sub).mkdir()
    (directory / "users").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
    shutil.chown(directory / "mail", "dovecot", "dovecot")
    directory.chmod(0o755)
    conf = directory / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(dir=directory, port=port))
    return conf


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    detail = log.read_text(errors="replace") if log.exists() else "(no log)"
    process.kill()
    pytest.fail(f"dovecot did not start on port {port}:\n{detail}")


@pytest.fixture(scope="session")
def imap_server():
    """A private Dovecot on 127.0.0.1 and a free port (plain login, loopback only), once per session."""
    binary = shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)
    _dovecot_missing(binary)
    directory = Path(tempfile.mkdtemp(prefix="cchc-dovecot-"))
    port = free_port()
    conf = _write_dovecot_files(directory, port)
    process = subprocess.Popen([binary, "-c", str(conf), "-F"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process, directory / "dovecot.log")
        yield ImapServer("127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)
