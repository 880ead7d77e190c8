"""The mail sender: one URL configures SMTP (with TLS and credentials); templates in text and HTML; a real server receives."""

from __future__ import annotations

import dataclasses

import pytest
from smtp_server import LocalSmtp

from cpd.mail import MailConfigError, compose, parse_smtp_url, render, send
from cpd.mail.sender import DEDUPE_HEADER, MailError, MailRejected
from cpd.mail.templates import TemplateMissing

SENDER = "Reality Check CPD <no-reply@cpd.example.org>"
INVITE = {"name": "Zoë <script>alert(1)</script>", "organisation": "Clinic & Co", "role": "manager",
          "link": "https://cpd.example.org/invite?t=abc&x=1", "expires": "on 9 December 2026"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.internal", ("mail.internal", 25, "none", None, None)),
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, "none", None, None)),
        ("smtp://me%40x.org:p%40ss%3Aword@smtp.example.org?starttls=1", ("smtp.example.org", 587, "starttls", "me@x.org", "p@ss:word")),
        ("smtps://u:s3cr3t-pw@smtp.example.org", ("smtp.example.org", 465, "implicit", "u", "s3cr3t-pw")),
        ("smtp://u:l0cal-pw@localhost:1025", ("localhost", 1025, "none", "u", "l0cal-pw")),
    ],
)
def test_the_smtp_url_says_host_port_tls_and_credentials(url, expected):
    c = parse_smtp_url(url)
    assert (c.host, c.port, c.tls, c.username, c.password) == expected
    if c.password:
        assert c.password not in c.describe() and c.password not in repr(c)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host", "smtp:// or smtps://"),
        ("smtp://", "no host"),
        ("smtp://u:secret@smtp.example.org", "without TLS"),
        ("smtps://u:p@h?starttls=1", "TLS from the start"),
        ("smtp://h?tls=1", "unknown option"),
        ("smtp://h?timeout=soon", "timeout"),
        ("smtp://u@h?starttls=1", "both a user and a password"),
        ("smtp://h:notaport", "not a valid URL"),
    ],
)
def test_a_wrong_smtp_url_is_refused_with_a_reason_and_no_password(url, message):
    with pytest.raises(MailConfigError, match=message) as err:
        parse_smtp_url(url)
    assert "secret" not in str(err.value)


@pytest.mark.parametrize("name", ["invite", "password_reset", "sign_in_link", "resume_link", "learner_access", "test"])
def test_every_template_renders_in_text_and_html(name):
    context = {**INVITE, "purpose": "confirm your e-mail address", "public_url": "https://cpd.example.org",
               "module": "Reality check & Co"}
    mail = render(name, context)
    assert mail.subject and "\n" not in mail.subject
    assert "<html" in mail.html and "<html" not in mail.text
    if name != "test":
        assert context["link"] in mail.text
        assert "https://cpd.example.org/invite?t=abc&amp;x=1" in mail.html


def test_user_data_is_escaped_in_html_and_a_missing_value_is_an_error():
    mail = render("invite", INVITE)
    assert "<script>" not in mail.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "Clinic &amp; Co" in mail.html and "Clinic & Co" in mail.subject
    with pytest.raises(Exception, match="link"):
        render("invite", {k: v for k, v in INVITE.items() if k != "link"})
    with pytest.raises(TemplateMissing, match="nothing"):
        render("nothing", {})


def test_a_message_arrives_as_text_and_html_with_its_ids(smtp_server):
    mail = render("invite", INVITE)
    msg = compose(mail, to="zoë@example.org".replace("ë", "e"), sender=SENDER,
                  message_id="<effect-1@cpd.example.org>", dedupe_key="invite:42")
    send(msg, parse_smtp_url(smtp_server.url))
    (got,) = smtp_server.wait_for(1)
    assert got["To"] == "zoe@example.org" and got["From"] == SENDER
    assert got["Subject"] == "Clinic & Co invites you to Reality Check CPD"
    assert got["Message-ID"] == "<effect-1@cpd.example.org>" and got[DEDUPE_HEADER] == "invite:42"
    assert got.get_content_type() == "multipart/alternative"
    text = got.get_body(preferencelist=("plain",)).get_content()
    html = got.get_body(preferencelist=("html",)).get_content()
    assert "Zoë <script>" in text and INVITE["link"] in text
    assert "Zoë &lt;script&gt;" in html


@pytest.mark.parametrize("to", ["a@b.org\r\nBcc: victim@x.org", "a@b.org, c@d.org", "Zoë <a@b.org>", "nobody", ""])
def test_a_recipient_must_be_one_plain_address(to):
    with pytest.raises(ValueError, match="one plain e-mail address"):
        compose(render("test", {"public_url": "x"}), to=to, sender=SENDER)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # implicit TLS: aiosmtpd cannot tell
@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_tls_and_credentials(tmp_path, tls):
    server = LocalSmtp(tmp_path, tls=tls, users={"mailer": "correct horse"}).start()
    try:
        msg = compose(render("test", {"public_url": "https://cpd.example.org"}), to="a@example.org", sender=SENDER)
        config = parse_smtp_url(server.url.replace("correct horse", "correct%20horse"))
        assert (config.tls, config.password) == (tls, "correct horse")
        send(msg, config)
        assert len(server.wait_for(1)) == 1
        with pytest.raises(MailError, match="user name or password"):
            send(msg, dataclasses.replace(config, password="wrong"))
        with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):  # a server the system does not trust
            send(msg, dataclasses.replace(config, cafile=None))
        assert len(server.messages()) == 1
    finally:
        server.stop()


def test_a_server_that_is_down_is_an_error_to_retry_and_works_once_back(smtp_server):
    config = parse_smtp_url(smtp_server.url)
    msg = compose(render("test", {"public_url": "x"}), to="a@example.org", sender=SENDER)
    smtp_server.stop()
    with pytest.raises(MailError) as err:
        send(msg, config)
    assert not isinstance(err.value, MailRejected)
    smtp_server.start()
    send(msg, config)
    assert len(smtp_server.wait_for(1)) == 1


def test_a_refused_recipient_is_refused_for_good(smtp_server):
    smtp_server.refuse.add("gone@example.org")
    msg = compose(render("test", {"public_url": "x"}), to="gone@example.org", sender=SENDER)
    with pytest.raises(MailRejected, match="550"):
        send(msg, parse_smtp_url(smtp_server.url))


def _cli(*args, **env_extra):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("CPD_")}
    return subprocess.run([sys.executable, "-m", "cpd", *args], capture_output=True, text=True, timeout=60,
                          env={**env, **env_extra}, cwd=Path(__file__).resolve().parent.parent)


def test_the_mail_test_command_sends_now_or_says_what_is_wrong(smtp_server):
    ok = _cli("mail", "test", "ops@example.org", CPD_SMTP_URL=smtp_server.url, CPD_MAIL_FROM=SENDER)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("sent a test message to ops@example.org through smtp://127.0.0.1:")
    (got,) = smtp_server.wait_for(1)
    assert got["Subject"] == "Reality Check CPD: test message" and got["From"] == SENDER
    assert _cli("mail", "test", "ops@example.org").stderr.strip() == "error: CPD_SMTP_URL is not set"
    bad = _cli("mail", "test", "ops@example.org", CPD_SMTP_URL="smtp://u:hunter22@mail.example.org")
    assert bad.returncode == 2 and "without TLS" in bad.stderr and "hunter22" not in bad.stderr
    smtp_server.stop()
    down = _cli("mail", "test", "ops@example.org", CPD_SMTP_URL=smtp_server.url)
    assert down.returncode == 1 and "ConnectionRefusedError" in down.stderr
