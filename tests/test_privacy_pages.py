"""The data-rights pages: an administrator finds a learner by e-mail, downloads their data and erases them;
a learner downloads their own data from the results page."""

from __future__ import annotations

import json

import pytest
from mini_answers import LEARNER, RIGHT, finish
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from test_admin import app_env, open_admin, passed_certificate, signed_in, subheaders  # noqa: F401

from cpd import audit
from cpd.privacy import export_json
from cpd.storage.tables import Account, Attempt, AuditEntry, Certificate, Learner


def test_an_administrator_finds_a_learner_by_e_mail_and_erases_them_after_typing_erase(app_env, mini, monkeypatch):
    cert = passed_certificate(app_env, mini, name="Zoë Ångström")
    with app_env() as s:
        learner_id = s.scalar(select(Attempt.learner_id).where(Attempt.id == cert.attempt_id))
    signed_in(monkeypatch, app_env, "root@example.org", role="admin")
    at = open_admin()
    assert "Learners' data" in subheaders(at)
    at.text_input(key="privacy-email").input("nobody@example.org").run()
    assert "No learner record" in at.info[0].value
    at.text_input(key="privacy-email").input(LEARNER["email"].upper()).run()
    assert at.selectbox(key="privacy-learner").value == learner_id
    assert "Zoë Ångström" in at.selectbox(key="privacy-learner").format_func(learner_id)
    at.button(key="FormSubmitter:privacy-erase-Erase learner").click().run()
    assert "type ERASE to confirm" in at.error[0].value
    with app_env() as s:
        assert s.get(Learner, learner_id).name == "Zoë Ångström"
    at.text_input(key="privacy-confirm").input("ERASE")
    at.button(key="FormSubmitter:privacy-erase-Erase learner").click().run()
    assert "Erased" in at.success[0].value and "1 certificate(s) keep their signed record" in at.success[0].value
    with app_env() as s:
        assert s.get(Learner, learner_id).name == "[erased]" and s.get(Certificate, cert.id) is not None
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "learner.erase")).one()
        admin = s.scalars(select(Account).where(Account.email == "root@example.org")).one()
        assert entry.actor_id == admin.id
        assert all(r.ok for r in audit.verify(s, all_chains=True))


def test_a_manager_does_not_see_the_learners_data_section(app_env, monkeypatch):
    from cpd.accounts import directory

    directory.create_organisation(app_env, "Clinic A", slug="a")
    signed_in(monkeypatch, app_env, "boss@a.example", role="manager", org_slug="a")
    at = open_admin()
    assert "Learners' data" not in subheaders(at)
    assert "privacy-email" not in [t.key for t in at.text_input]


def _results_script():
    from cpd.ui.learn import page

    page()


def test_a_learner_downloads_their_own_data_from_the_results_page(app_env, mini):
    state = finish(app_env, mini, RIGHT)
    with app_env() as s:
        learner_id = s.get(Attempt, state.attempt_id).learner_id
    at = AppTest.from_function(_results_script, default_timeout=30)
    from cpd.ui import session as ui_session

    at.session_state[ui_session.STATE] = state
    at.session_state[ui_session.TOKEN] = "not-needed-the-state-is-in-the-session"
    at.run()
    buttons = [b for b in at.get("download_button") if "Download your data" in b.proto.label]
    assert buttons, [b.proto.label for b in at.get("download_button")]
    data = json.loads(export_json(app_env, learner_id))
    assert data["learner_records"][0]["email"] == LEARNER["email"] and data["attempts"][0]["id"] == state.attempt_id


def _privacy_script():
    from cpd.ui.privacy import page

    page()


def test_the_privacy_notice_states_the_find_my_attempts_link_lifetimes_and_the_request_log(app_env):  # noqa: F811
    at = AppTest.from_function(_privacy_script, default_timeout=30).run()
    assert not at.exception
    kept = next(m.value for m in at.markdown if "find my attempts" in m.value and "one-way hash" in m.value)
    assert "work for **30 minutes**, once" in kept
    assert "stays open for at most **4 hours**, and closes after **1 hour** without use" in kept
    assert ("the e-mail address typed and your network (IP) address, each stored only as a one-way hash (never in "
            "clear), with the time") in kept
    assert "At most 3 requests per e-mail address and 10 per network address are accepted in any 1 hour" in kept
    assert "A request is kept for **1 hour**; after that it is deleted within the next hour." in kept
    assert any("[Find my attempts and certificates](my-attempts)" in m.value for m in at.markdown)


def test_what_the_privacy_notice_says_about_link_requests_is_what_the_engine_does(store, mini):
    """The notice's figures, read back from its text, hold: the throttle, the hashing and the deletion after the window."""
    import re
    from datetime import UTC, datetime, timedelta

    from cpd.accounts import learner_access
    from cpd.storage.tables import LearnerLinkRequest
    from cpd.ui.privacy import find_my_attempts_text

    said = find_my_attempts_text()
    per_address = int(re.search(r"At most (\d+) requests per e-mail address", said).group(1))
    kept_hours = int(re.search(r"A request is kept for \*\*(\d+) hours?\*\*", said).group(1))
    finish(store, mini, RIGHT)
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    for i in range(per_address):
        learner_access.request_link(store, LEARNER["email"], client=f"198.51.100.{i}", public_url="https://x.example",
                                    now=now)
    with pytest.raises(learner_access.Throttled):
        learner_access.request_link(store, LEARNER["email"], client="198.51.100.99", public_url="https://x.example",
                                    now=now + timedelta(hours=kept_hours) - timedelta(seconds=1))
    with store() as s:
        keys = s.scalars(select(LearnerLinkRequest.key)).all()
    assert len(keys) == 2 * per_address and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    assert not any(LEARNER["email"] in k or "198.51.100" in k for k in keys)
    learner_access.request_link(store, "someone.else@example.org", client="203.0.113.7", public_url="https://x.example",
                                now=now + timedelta(hours=kept_hours, seconds=1))
    with store() as s:
        assert len(s.scalars(select(LearnerLinkRequest.key)).all()) == 2  # only the new request's two hashes
