"""One mail sender: SMTP configured by one URL, messages from templates in plain text and HTML.

Pages never send mail themselves: they enqueue it in the outbox
(``cpd.outbox.mail.enqueue_mail``) with the change that causes it, and the
worker sends it through ``cpd.mail.sender.send``.
"""

from cpd.mail.config import MailConfigError, SmtpConfig, parse_smtp_url
from cpd.mail.sender import MailError, compose, send
from cpd.mail.templates import RenderedMail, TemplateMissing, render

__all__ = [
    "MailConfigError",
    "MailError",
    "RenderedMail",
    "SmtpConfig",
    "TemplateMissing",
    "compose",
    "parse_smtp_url",
    "render",
    "send",
]
