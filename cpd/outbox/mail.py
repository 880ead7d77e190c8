"""Mail through the outbox: ``enqueue_mail`` renders now (in the caller's transaction), the worker sends later.

Rendering at enqueue time means a template error fails the request that
caused it, not a worker an hour later. The Message-ID is derived from the
effect's de-duplication key, so a message delivered twice (a worker died
after the server accepted it, before recording that) carries the same
Message-ID both times.
"""

from __future__ import annotations

import hashlib
from email.utils import parseaddr
from typing import Any

from sqlalchemy.orm import Session

from cpd.mail import MailConfigError, compose, parse_smtp_url, render, send
from cpd.mail.sender import MailRejected, plain_address
from cpd.outbox.handlers import Effect, Handler, PermanentFailure, register
from cpd.outbox.store import enqueue
from cpd.settings import Settings

KIND = "mail"


def enqueue_mail(session: Session, dedupe_key: str, *, to: str, template: str, context: dict[str, Any]) -> int:
    """Queue one templated message to ``to``; the same ``dedupe_key`` again queues nothing more."""
    mail = render(template, context)
    plain_address(to)  # a bad address fails the caller now, not the worker later
    return enqueue(session, KIND, dedupe_key, {"to": to, "subject": mail.subject, "text": mail.text, "html": mail.html,
                                               "template": template})


def message_id(dedupe_key: str, sender: str) -> str:
    """The same effect always gets the same Message-ID."""
    digest = hashlib.sha256(f"{KIND}\0{dedupe_key}".encode()).hexdigest()[:40]
    address = parseaddr(sender)[1]
    domain = address.rsplit("@", 1)[-1] if "@" in address else "localhost"
    return f"<{digest}.cpd@{domain}>"


def mail_handler(settings: Settings) -> Handler:
    def deliver(effect: Effect) -> None:
        if settings.smtp_url is None:
            raise RuntimeError("CPD_SMTP_URL is not set; mail waits in the outbox until it is")
        try:
            config = parse_smtp_url(settings.smtp_url.get_secret_value())
        except MailConfigError as exc:
            raise RuntimeError(str(exc)) from None  # fixable by configuration: retry later
        from cpd.mail.templates import RenderedMail

        p = effect.payload
        try:
            msg = compose(RenderedMail(p["subject"], p["text"], p["html"]), to=p["to"], sender=settings.mail_from,
                          message_id=message_id(effect.dedupe_key, settings.mail_from), dedupe_key=effect.dedupe_key)
        except (KeyError, ValueError) as exc:
            raise PermanentFailure(f"the queued message cannot be sent: {exc}") from None
        try:
            send(msg, config)
        except MailRejected as exc:
            raise PermanentFailure(str(exc)) from None

    return deliver


register(KIND, mail_handler)
