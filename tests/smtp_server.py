"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), which a test can stop, restart and read back.

Messages are parsed with the standard ``email`` package as they arrive.
Optional: TLS (``tls="starttls"`` or ``"implicit"``, with a self-signed
certificate the client trusts through ``cafile``), required credentials,
recipients refused for good, and a delay per message (a slow receiver, so a
worker can be stopped half-way through a batch).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Handler:
    def __init__(self, server: LocalSmtp) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802
        if address in self.server.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        if self.server.delay and not self.server.keep_before_reply:
            await asyncio.sleep(self.server.delay)
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        with self.server.lock:
            self.server.received.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.server.delay and self.server.keep_before_reply:  # kept, but the sender does not hear so yet
            await asyncio.sleep(self.server.delay)
        return "250 Message accepted for delivery"


class LocalSmtp:
    def __init__(self, folder: Path, *, tls: str = "none", users: dict[str, str] | None = None,
                 delay: float = 0.0) -> None:
        self.port = free_port()
        self.tls, self.users, self.delay = tls, users or {}, delay
        self.refuse: set[str] = set()
        # With a delay: keep each message first, then wait before the 250 reply. A sender that dies in
        # that gap never learns the message arrived and sends it again (the case de-duplication is for).
        self.keep_before_reply = False
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self.cafile: Path | None = None
        self._context: ssl.SSLContext | None = None
        if tls != "none":
            cert, key = self_signed_certificate(folder)
            self.cafile = cert
            self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._context.load_cert_chain(cert, key)
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        creds = ""
        if self.users:
            user, password = next(iter(self.users.items()))
            creds = f"{user}:{password}@"
        query = []
        if self.tls == "starttls":
            query.append("starttls=1")
        if self.cafile:
            query.append(f"cafile={self.cafile}")
        query.append("timeout=5")
        return f"{scheme}://{creds}127.0.0.1:{self.port}?{'&'.join(query)}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> LocalSmtp:
        if self._controller is not None:
            return self
        kwargs: dict = {}
        if self.tls == "implicit":
            kwargs["ssl_context"] = self._context
        elif self.tls == "starttls":
            kwargs.update(tls_context=self._context, require_starttls=True)
        if self.users:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
            if self.tls == "implicit":  # aiosmtpd sees only STARTTLS as TLS; here the whole connection is
                kwargs["auth_require_tls"] = False
        deadline = time.monotonic() + 10
        while True:  # the port may linger for a moment after a stop
            controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)
            try:
                controller.start()
                break
            except (OSError, RuntimeError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        ok = isinstance(auth_data, LoginPassword) and self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.received)

    def by_message_id(self) -> dict[str, list[EmailMessage]]:
        """What a de-duplicating receiver keeps: one entry per Message-ID."""
        seen: dict[str, list[EmailMessage]] = {}
        for m in self.messages():
            seen.setdefault(str(m["Message-ID"]), []).append(m)
        return seen

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages())} message(s) arrived within {timeout} s, expected {count}")
            time.sleep(0.02)
        return self.messages()

    def wait_for_message(self, to: str, *, subject: str | None = None, containing: str | None = None,
                         timeout: float = 30.0) -> EmailMessage:
        """The newest message to ``to`` (with this subject, and this text in its plain body), once it has arrived."""
        def matches(m: EmailMessage) -> bool:
            if m["To"] != to or (subject is not None and m["Subject"] != subject):
                return False
            return containing is None or containing in m.get_body(preferencelist=("plain",)).get_content()

        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages() if matches(m)]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no message to {to} (subject {subject!r}, containing {containing!r}) within "
                                     f"{timeout} s; received: {[(m['To'], m['Subject']) for m in self.messages()]}")
            time.sleep(0.05)
