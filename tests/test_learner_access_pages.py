"""Find my attempts and certificates, on the page: the e-mail form, the mailed link (real SMTP), the list, the admin re-send."""

from __future__ import annotations

import re
from datetime import timedelta

from streamlit.testing.v1 import AppTest
from test_admin import app_env  # noqa: F401 - fixture
from test_pages import (  # the page helpers (tests/ is on sys.path)
    CASE_ITEMS,
    RIGHT,
    answer_item,
    cases_to_results,
    click,
    current_item,
    data_dir,  # noqa: F401 - fixture
    evaluate,
    open_app,
    open_store_of,
    start,
)

from cpd.accounts.learner_access import SENT, THROTTLED
from cpd.outbox import run_until_idle
from cpd.outbox.mail import mail_handler
from cpd.outbox.worker import WorkerOptions
from cpd.settings import Settings, get_settings
from cpd.ui.learn import READ_ONLY
from cpd.ui.my_attempts import NOT_VALID

EMAIL = "zoe@example.org"  # test_pages.LEARNER's address


def _script() -> None:
    """The two pages as main.py wires them: the list, and the Learn page it switches to."""
    import streamlit as st

    from cpd.ui import learn, my_attempts

    learn_page = st.Page(learn.page, title="Learn", url_path="learn")
    st.navigation([st.Page(lambda: my_attempts.page(learn_page), title="Find", url_path="my-attempts", default=True),
                   learn_page]).run()


def open_find(**params: str) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def ask(at: AppTest, email: str) -> AppTest:
    at.text_input[0].set_value(email)
    return click(at, "Send me a link")


def deliver(data_dir, smtp_server) -> int:
    handlers = {"mail": mail_handler(Settings(smtp_url=smtp_server.url, mail_from="CPD <cpd@example.org>"))}
    options = WorkerOptions(batch_size=20, lease=timedelta(seconds=60), max_tries=5, retry_base=timedelta(seconds=10))
    return run_until_idle(open_store_of(data_dir), handlers, options).delivered


def test_the_form_answers_the_same_for_a_known_and_an_unknown_address(data_dir):
    at = start(open_app(), pretest=False)
    known = ask(open_find(), EMAIL)
    unknown = ask(open_find(), "nobody@example.org")
    assert [s.value for s in known.success] == [s.value for s in unknown.success] == [SENT]
    assert not known.error and not unknown.error
    bad = ask(open_find(), "not an address")
    assert [e.value for e in bad.error] == ["E-mail: enter the address you used when you started the module "
                                            "(name@example.org)"]
    for _ in range(2):
        ask(open_find(), EMAIL)
    assert [w.value for w in ask(open_find(), EMAIL).warning] == [THROTTLED]
    assert at.session_state["attempt"] is not None


def test_a_forged_link_says_so_and_offers_the_form(data_dir):
    at = open_find(access="A" * 43)
    assert [e.value for e in at.error] == [NOT_VALID]
    assert "Send me a link" in [b.label for b in at.button]


def test_the_mailed_link_opens_the_list_and_an_unfinished_attempt_continues(data_dir, smtp_server, monkeypatch):
    monkeypatch.setenv("CPD_PUBLIC_URL", "https://cpd.example.org")
    get_settings.cache_clear()
    at = start(open_app(), pretest=False)
    at = answer_item(at, "q-source", RIGHT["q-source"])
    at = click(at, "Continue")

    ask(open_find(), EMAIL)
    assert deliver(data_dir, smtp_server) >= 2  # the resume link from the start, then this one
    mail = next(m for m in smtp_server.messages() if m["Subject"] == "Your Reality Check CPD attempts and certificates")
    assert mail["To"] == EMAIL
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https://cpd\.example\.org/my-attempts\?access=([\w-]+)", text)
    assert link, text

    page = open_find(access=link.group(1))  # opening it uses nothing up: a mail scanner may fetch it
    assert page.button[0].label == "Show my attempts and certificates"
    page = click(page, "Show my attempts and certificates")
    assert "access" not in page.query_params and page.query_params["view"]
    assert [t.value for t in page.text][0] == f"For {EMAIL}"
    assert any("In progress" in c.value for c in page.caption)
    used = open_find(access=link.group(1))
    assert [e.value for e in used.error] == ["This link was already used (it works once). Ask for a new one below."]

    page = click(page, "Continue this attempt")
    assert current_item(page) == ("cases", "q-checks")  # on the Learn page, where the learner left off
    assert page.query_params["t"]


def test_a_finished_attempt_from_the_list_opens_read_only(data_dir, monkeypatch):
    at = evaluate(cases_to_results(start(open_app(), pretest=False), RIGHT))
    assert len(at.session_state["attempt"].answered("cases")) == len(CASE_ITEMS)
    from cpd.accounts import learner_access

    store = open_store_of(data_dir)
    learner_access.request_link(store, EMAIL, client="test", public_url="https://cpd.example.org")
    with store() as s:
        from sqlalchemy import select

        from cpd.storage.tables import OutboxEffect

        text = s.scalars(select(OutboxEffect.payload_json).order_by(OutboxEffect.id.desc())).first()
    token = re.search(r"access=([\w-]+)", text).group(1)
    page = click(open_find(access=token), "Show my attempts and certificates")
    assert any(c.value.startswith("Finished: passed") for c in page.caption)
    assert "Download the certificate (PDF)" in [b.label for b in page.get("download_button")]
    page = click(page, "See the results")
    assert READ_ONLY in [i.value for i in page.info]
    assert current_item(page) is None and "Submit evaluation" not in [b.label for b in page.button]


def test_an_administrator_finds_a_learner_by_email_and_resends_their_link(app_env, mini, monkeypatch):  # noqa: F811
    from mini_answers import LEARNER, finish
    from mini_answers import RIGHT as ENGINE_RIGHT
    from sqlalchemy import select
    from test_admin import open_admin, signed_in

    from cpd.storage.tables import AuditEntry, OutboxEffect

    finish(app_env, mini, ENGINE_RIGHT)
    signed_in(monkeypatch, app_env, "root@example.org", role="admin")
    at = open_admin()
    assert "Re-send a learner's link" in [h.value for h in at.subheader]
    at.text_input(key="learner-email").set_value(LEARNER["email"].upper())
    at = click(at, "Find the learner")
    assert at.dataframe[0].value["Name"].tolist() == [LEARNER["name"]]
    at = click(at, "Re-send the link")
    assert "Link queued for sending to the learner's address." in [s.value for s in at.success]
    with app_env() as s:
        assert s.scalars(select(OutboxEffect.dedupe_key).order_by(OutboxEffect.id.desc())).first().startswith(
            "learner_access:")
        assert s.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() == "learner.access_link_resent"
    at.text_input(key="learner-email").set_value("nobody@example.org")
    at = click(at, "Find the learner")
    assert [w.value for w in at.warning] == ["No learner has this e-mail address."]
