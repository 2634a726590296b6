"""Real mail servers on loopback for the mail tests: aiosmtpd (SMTP) and a private Dovecot (IMAP).

Import the fixtures into a test module with ``from mailservers import smtp_server, imap_server``.
Dovecot runs as a throwaway instance with its own config, started once per test session
(no failed-login delay or per-IP penalty, so the wrong-password test does not slow the next);
it is skipped when dovecot is not installed, except under CI=true where it must be.

The TLS variants (``smtp_starttls_server``, ``smtp_ssl_server``, ``imap_tls_server``) use a
throw-away CA made once per session (``test_ca``); clients trust it only through the
standard ``SSL_CERT_FILE`` variable, exactly as an officer with a province CA would.
"""
from __future__ import annotations

import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

IMAP_USER, IMAP_PASSWORD = "officer", "secret"
# The TLS Dovecot listens on 127.0.0.2 while clients connect from 127.0.0.1: Dovecot then does
# not count the connection as local ("secured"), so it refuses a login before TLS as it would
# for a client across the network.
TLS_IMAP_HOST = "127.0.0.2"

PLAIN_SETTINGS = """\
ssl = no
disable_plaintext_auth = no"""

TLS_SETTINGS = """\
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes"""

DOVECOT_CONF = """\
protocols = imap
listen = {listen}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
{ssl_settings}
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
    port = {imaps_port}{imaps_extra}
  }}
}}
"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- a throw-away CA


@dataclass(frozen=True)
class ThrowawayCA:
    """A CA and one server certificate for localhost, 127.0.0.1 and 127.0.0.2 (PEM files)."""

    ca_file: Path      # what SSL_CERT_FILE points at to trust the servers
    cert_file: Path    # the server's certificate
    key_file: Path     # the server's private key

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _pem(obj) -> bytes:
    from cryptography.hazmat.primitives import serialization

    if hasattr(obj, "private_bytes"):
        return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    return obj.public_bytes(serialization.Encoding.PEM)


def _certificate(subject: str, key, issuer_name, issuer_key, *, ca: bool, issuer_ski=None):
    """One X.509 certificate valid from yesterday to tomorrow, with the extensions strict verifiers want."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name or name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                                            crl_sign=ca, encipher_only=False, decipher_only=False), critical=True))
    if not ca:
        builder = (builder
                   .add_extension(x509.SubjectAlternativeName([
                       x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                       x509.IPAddress(ipaddress.ip_address(TLS_IMAP_HOST))]), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
                                  critical=False))
    return builder.sign(issuer_key or key, hashes.SHA256())


def make_ca(directory: Path, label: str = "CCHC test CA") -> ThrowawayCA:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate(label, ca_key, None, None, ca=True)
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    server_cert = _certificate("localhost", server_key, ca_cert.subject, ca_key, ca=False, issuer_ski=ski)
    directory.mkdir(parents=True, exist_ok=True)
    paths = ThrowawayCA(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths.ca_file.write_bytes(_pem(ca_cert))
    paths.cert_file.write_bytes(_pem(server_cert))
    paths.key_file.write_bytes(_pem(server_key))
    paths.key_file.chmod(0o600)
    return paths


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory) -> ThrowawayCA:
    """A CA made for this test session; nothing outside the session trusts it."""
    return make_ca(tmp_path_factory.mktemp("test-ca"))


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
    tls_versions: list = field(default_factory=list)  # per received message: "TLSv1.3", ... or None (clear text)
    login_tls: list = field(default_factory=list)     # per successful login: TLS version or None

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            self.user.encode(), self.password.encode())
        if ok:
            self.logins.append(self.user)
            self.login_tls.append(tls_version(server))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def tls_version(server) -> str | None:
    """The TLS version of the aiosmtpd session's connection, seen by the server (None: clear text)."""
    ssl_object = server.transport.get_extra_info("ssl_object") if server.transport else None
    return ssl_object.version() if ssl_object else None


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
        self.server.tls_versions.append(tls_version(server))
        return "250 Message accepted"


def _running_smtp(host: str = "127.0.0.1", **controller_options):
    """Start an aiosmtpd Controller on a free loopback port; yields the SmtpServer, stops it after."""
    from aiosmtpd.controller import Controller

    server = SmtpServer(host, free_port(host))
    # smtplib retries LOGIN with an initial response after a failed PLAIN, which aiosmtpd
    # answers by waiting: offer PLAIN only.
    controller = Controller(_KeepingHandler(server), hostname=server.host, port=server.port,
                            authenticator=server.authenticate, auth_exclude_mechanism=["LOGIN"],
                            **controller_options)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    """An aiosmtpd server on 127.0.0.1 and a free port; ``.envelopes`` holds what it received."""
    yield from _running_smtp(auth_require_tls=False)


@pytest.fixture
def smtp_starttls_server(test_ca):
    """Port-587 style: STARTTLS offered; AUTH only after it (aiosmtpd refuses it in clear text)."""
    yield from _running_smtp(tls_context=test_ca.server_context(), auth_require_tls=True)


@pytest.fixture
def smtp_ssl_server(test_ca):
    """Port-465 style: TLS from the first byte. (aiosmtpd's auth_require_tls only knows STARTTLS,
    so AUTH is allowed here; every byte, AUTH included, is inside TLS anyway.)"""
    yield from _running_smtp(ssl_context=test_ca.server_context(), auth_require_tls=False)


@pytest.fixture
def smtp_ssl_server_misnamed(test_ca):
    """Like ``smtp_ssl_server`` but on 127.0.0.3, a name the certificate does not carry."""
    yield from _running_smtp("127.0.0.3", ssl_context=test_ca.server_context(), auth_require_tls=False)


# --------------------------------------------------------------------------- IMAP


@dataclass
class ImapServer:
    host: str
    port: int
    user: str = IMAP_USER
    password: str = IMAP_PASSWORD
    imaps_port: int = 0            # TLS from the start (only the TLS instance has one)
    log_file: Path | None = None

    def url(self, mailbox: str = "INBOX") -> str:
        return f"imap://{self.user}@{self.host}:{self.port}/{mailbox}"

    def imaps_url(self, mailbox: str = "INBOX", host: str | None = None) -> str:
        return f"imaps://{self.user}@{host or self.host}:{self.imaps_port}/{mailbox}"

    def connect(self) -> imaplib.IMAP4:
        """A test-side client: over TLS (trusting nothing) when the server has it, so it logs in either way."""
        if self.imaps_port:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            client = imaplib.IMAP4_SSL(self.host, self.imaps_port, ssl_context=context)
        else:
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

    def log_lines(self, needle: str) -> list[str]:
        text = self.log_file.read_text(errors="replace") if self.log_file and self.log_file.exists() else ""
        return [line for line in text.splitlines() if needle in line]


def _dovecot_binary() -> str:
    binary = shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dovecot is required under CI=true but is not installed")
        pytest.skip("dovecot is not installed")
    return binary


def _write_dovecot_files(directory: Path, **settings) -> Path:
    for sub in ("run", "state", "mail"):
        (directory / sub).mkdir()
    (directory / "users").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
    shutil.chown(directory / "mail", "dovecot", "dovecot")
    directory.chmod(0o755)
    conf = directory / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(dir=directory, **settings))
    return conf


def _wait_for_port(host: str, port: int, process: subprocess.Popen, log: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    detail = log.read_text(errors="replace") if log.exists() else "(no log)"
    process.kill()
    pytest.fail(f"dovecot did not start on {host}:{port}:\n{detail}")


def _running_dovecot(host: str, tls: ThrowawayCA | None):
    """A private Dovecot in the foreground (its own config, run and mail folders); killed by pid after."""
    binary = _dovecot_binary()
    directory = Path(tempfile.mkdtemp(prefix="cchc-dovecot-"))
    port, imaps_port = free_port(host), (free_port(host) if tls else 0)
    ssl_settings = TLS_SETTINGS.format(cert=tls.cert_file, key=tls.key_file) if tls else PLAIN_SETTINGS
    conf = _write_dovecot_files(directory, listen=host, port=port, imaps_port=imaps_port,
                                ssl_settings=ssl_settings, imaps_extra="\n    ssl = yes" if tls else "")
    process = subprocess.Popen([binary, "-c", str(conf), "-F"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for wanted in (port, imaps_port) if tls else (port,):
            _wait_for_port(host, wanted, process, directory / "dovecot.log")
        yield ImapServer(host, port, imaps_port=imaps_port, log_file=directory / "dovecot.log")
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def imap_server():
    """A private Dovecot on 127.0.0.1 and a free port (plain login, loopback only), once per session."""
    yield from _running_dovecot("127.0.0.1", None)


@pytest.fixture(scope="session")
def imap_tls_server(test_ca):
    """A private Dovecot with TLS required: STARTTLS on ``port``, implicit TLS on ``imaps_port``;
    a login before TLS is refused. Its certificate comes from ``test_ca``."""
    yield from _running_dovecot(TLS_IMAP_HOST, test_ca)


def mail_with_return(path, sender, day):
    """A commune's mail as it lands in the office's mailbox: the return attached, its own Message-ID."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "vp@example.org", "Bao cao"
    message["Date"], message["Message-ID"] = f"{day} 09:00:00 +0700", f"<{path.stem}@xa.example.org>"
    message.set_content("Gửi báo cáo.")
    message.add_attachment(path.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=path.name)
    return message.as_bytes()
