"""The data-rights pages: an administrator finds a learner by e-mail, downloads their data and erases them;
a learner downloads their own data from the results page."""

from __future__ import annotations

import json

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
