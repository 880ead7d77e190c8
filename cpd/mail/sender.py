"""Build a message and hand it to the SMTP server (``smtplib``; the standard library is the well-kept choice).

A message carries a Message-ID the caller chooses: the outbox derives it from
the effect's de-duplication key, so a message sent twice (a worker died after
sending, before recording it) reaches the receiver with the same Message-ID
and an ``X-CPD-Dedupe-Key`` header, and can be recognised as one.
"""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from cpd.mail.config import SmtpConfig
from cpd.mail.templates import RenderedMail

DEDUPE_HEADER = "X-CPD-Dedupe-Key"


class MailError(RuntimeError):
    """The server could not be reached or refused the message; worth retrying later."""


class MailRejected(MailError):
    """The message itself was refused for good (a bad address); retrying will not help."""


def compose(
    mail: RenderedMail,
    *,
    to: str,
    sender: str,
    message_id: str | None = None,
    dedupe_key: str | None = None,
) -> EmailMessage:
    """A multipart/alternative message (plain text first, then HTML). Bad addresses raise ValueError."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = plain_address(to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id or make_msgid(domain=_domain(sender))
    if dedupe_key is not None:
        msg[DEDUPE_HEADER] = dedupe_key
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


def send(message: EmailMessage, config: SmtpConfig) -> None:
    """Deliver one message; MailRejected when the server refuses it for good, MailError for anything transient."""
    context = ssl.create_default_context(cafile=config.cafile)
    try:
        smtp: smtplib.SMTP
        if config.tls == "implicit":
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            if config.tls == "starttls":
                smtp.starttls(context=context)
            if config.username is not None and config.password is not None:
                smtp.login(config.username, config.password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = {code for code, _ in exc.recipients.values()}
        if all(500 <= code < 600 for code in codes):
            raise MailRejected(f"the server refused the recipient ({', '.join(map(str, sorted(codes)))})") from None
        raise MailError(f"the server deferred the recipient ({', '.join(map(str, sorted(codes)))})") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"the SMTP server refused the user name or password ({exc.smtp_code})") from None
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        if 500 <= exc.smtp_code < 600:
            raise MailRejected(f"the server refused the message for good ({exc.smtp_code})") from None
        raise MailError(f"the server deferred the message ({exc.smtp_code})") from None
    except (smtplib.SMTPException, OSError) as exc:  # refused connection, timeout, TLS failure, 4xx
        raise MailError(f"could not send through {config.describe()}: {type(exc).__name__}: {exc}") from None


def plain_address(to: str) -> str:
    """One bare address (no display name, no list), normalised; ValueError otherwise."""
    if not isinstance(to, str) or any(ch in to for ch in "\r\n,;<>\"") or to.count("@") != 1:
        raise ValueError("the recipient must be one plain e-mail address")
    local, domain = to.strip().rsplit("@", 1)
    if not local or not domain or any(ch.isspace() for ch in to.strip()):
        raise ValueError("the recipient must be one plain e-mail address")
    try:
        return str(Address(addr_spec=f"{local}@{domain}"))
    except Exception as exc:  # noqa: BLE001 - the email package raises several kinds
        raise ValueError("the recipient must be one plain e-mail address") from exc


def _domain(sender: str) -> str:
    from email.utils import parseaddr

    addr = parseaddr(sender)[1]
    return addr.rsplit("@", 1)[-1] if "@" in addr else "localhost"
