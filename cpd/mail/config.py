"""``CPD_SMTP_URL``: where mail goes, in one setting.

    smtp://host:25                          plain SMTP (a relay on the same host or network)
    smtp://user:pass@host:587?starttls=1    STARTTLS, then AUTH (the usual submission port)
    smtps://user:pass@host:465              TLS from the first byte (implicit TLS)

User and password are URL-encoded (``%40`` for ``@``). Further options in the
query: ``timeout`` (seconds, default 30) and ``cafile`` (a PEM bundle to trust
instead of the system's, for a private mail relay). Credentials are refused
over a connection without TLS unless the server is on this machine, so a
password never crosses a network in clear.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class MailConfigError(ValueError):
    """``CPD_SMTP_URL`` cannot be used as written; the message says which part is wrong (never the password)."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: str  # "none" | "starttls" | "implicit"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    cafile: str | None = None

    def describe(self) -> str:
        """Where mail goes, safe to print (no password)."""
        who = f"{self.username}@" if self.username else ""
        return f"{'smtps' if self.tls == 'implicit' else 'smtp'}://{who}{self.host}:{self.port} (TLS: {self.tls})"


def parse_smtp_url(url: str) -> SmtpConfig:
    try:
        parts = urlsplit(url.strip())
        port_given = parts.port
    except ValueError as exc:
        raise MailConfigError(f"CPD_SMTP_URL is not a valid URL: {exc}") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError("CPD_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise MailConfigError("CPD_SMTP_URL names no host")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"starttls", "timeout", "cafile"}
    if unknown:
        raise MailConfigError(f"CPD_SMTP_URL has unknown option(s): {', '.join(sorted(unknown))}")
    starttls = _flag(query.get("starttls", "0"), "starttls")
    if parts.scheme == "smtps":
        if starttls:
            raise MailConfigError("smtps:// is TLS from the start; drop ?starttls=1 (or use smtp://...?starttls=1)")
        tls = "implicit"
    else:
        tls = "starttls" if starttls else "none"
    try:
        timeout = float(query.get("timeout", "30"))
    except ValueError:
        raise MailConfigError("CPD_SMTP_URL: timeout must be a number of seconds") from None
    if timeout <= 0:
        raise MailConfigError("CPD_SMTP_URL: timeout must be more than 0 seconds")
    port = port_given or {"implicit": 465, "starttls": 587, "none": 25}[tls]
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if (username is None) != (password is None):
        raise MailConfigError("CPD_SMTP_URL: give both a user and a password, or neither")
    if username and tls == "none" and not _is_local(parts.hostname):
        raise MailConfigError(
            "CPD_SMTP_URL sends a password without TLS; use smtps:// or add ?starttls=1"
        )
    return SmtpConfig(host=parts.hostname, port=port, tls=tls, username=username, password=password,
                      timeout=timeout, cafile=query.get("cafile"))


def _flag(value: str, name: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise MailConfigError(f"CPD_SMTP_URL: {name} must be 1 or 0")


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
