"""The resume link reaches the learner by e-mail (a real SMTP server), and it opens their attempt."""

from __future__ import annotations

import re
from datetime import timedelta

from cpd import attempts
from cpd.outbox import run_until_idle
from cpd.outbox.mail import mail_handler
from cpd.outbox.worker import WorkerOptions
from cpd.settings import Settings

BASE = "https://cpd.example.org"
LEARNER = {"name": "Zoë Ångström & Ng", "email": "zoe@example.org", "profession": "Physician",
           "registration_number": ""}


def deliver(store, smtp_server):
    handlers = {"mail": mail_handler(Settings(smtp_url=smtp_server.url, mail_from="CPD <cpd@example.org>"))}
    options = WorkerOptions(batch_size=20, lease=timedelta(seconds=60), max_tries=5, retry_base=timedelta(seconds=10))
    return run_until_idle(store, handlers, options)


def link_in(mail) -> str:
    text = mail.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https://cpd\.example\.org/\?t=[\w-]+", text).group(0)


def test_the_resume_link_is_emailed_and_resumes_the_attempt(store, mini, smtp_server):
    token, state = attempts.start_attempt(store, mini, LEARNER, pretest=False, public_url=BASE)
    assert deliver(store, smtp_server).delivered == 1
    (mail,) = smtp_server.wait_for(1)
    assert mail["To"] == "zoe@example.org" and mail["Subject"] == "Your link back to Mini module for tests"
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Zoë Ångström &amp; Ng" in html  # the learner's name escaped in HTML
    link = link_in(mail)
    assert link == attempts.resume_url(BASE, token)
    assert attempts.resume(store, link.split("?t=", 1)[1]).attempt_id == state.attempt_id


def test_no_public_url_no_mail(store, mini, smtp_server):
    attempts.start_attempt(store, mini, LEARNER, pretest=False)
    assert deliver(store, smtp_server).claimed == 0
