"""Administration by accounts and roles: what each signed-in person sees and may do; values shown escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import LEARNER, RIGHT, finish
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from cpd import admin
from cpd.accounts import directory, signin
from cpd.certificates.design import load_default_design
from cpd.completion import certificate_for
from cpd.settings import get_settings
from cpd.storage.db import open_store
from cpd.storage.tables import Account
from cpd.text import InvalidText
from cpd.ui import staff

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"


def passed_certificate(store, mini, name="Zoë *Ångström*"):
    state = finish(store, mini, RIGHT, learner={**LEARNER, "name": name})
    return certificate_for(store, mini, state, design=load_default_design(ROOT / "certificates"),
                           private_key=Ed25519PrivateKey.generate(), public_url="https://cpd.example.org")


def test_revocation_needs_a_plain_text_reason(store, mini):
    cert = passed_certificate(store, mini)
    with pytest.raises(InvalidText, match="HTML or script"):
        admin.revoke_certificate(store, cert.id, "<img src=x onerror=alert(1)>")
    with pytest.raises(InvalidText, match="fill this in"):
        admin.revoke_certificate(store, cert.id, "  ")
    assert admin.recent_certificates(store)[0].status == "valid"
    admin.revoke_certificate(store, cert.id, "Issued in error")
    listed = admin.recent_certificates(store)
    assert [(c.id, c.status, c.learner_name) for c in listed] == [(cert.id, "revoked", "Zoë *Ångström*")]


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    fixture = ROOT / "tests" / "fixtures" / "content"
    monkeypatch.setenv("CPD_MODULES_DIR", str(fixture / "modules"))
    monkeypatch.setenv("CPD_QUESTIONS_DIR", str(fixture / "questions"))
    monkeypatch.setenv("CPD_MODULE_ID", "mini")
    monkeypatch.setenv("CPD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CPD_DATABASE_URL", raising=False)
    monkeypatch.delenv("CPD_ADMIN_PASSWORD_HASH", raising=False)
    st.cache_resource.clear()
    get_settings.cache_clear()
    yield open_store(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
    st.cache_resource.clear()
    get_settings.cache_clear()


def signed_in(monkeypatch, store, email, **account) -> str:
    """A real session, as the sign-in route would have set it; AppTest cannot send cookies, so the reader is pointed at it."""
    directory.create_account(store, email, password=PASSWORD, **account)
    token = signin.authenticate(store, email, PASSWORD, client="test").session_token
    monkeypatch.setattr(staff, "cookie_token", lambda: token)
    return token


def _admin_script():
    from cpd.ui import admin as admin_page

    admin_page.page()


def open_admin() -> AppTest:
    return AppTest.from_function(_admin_script, default_timeout=30).run()


def table(at: AppTest, column: str):
    """The first table on the page with this column (accounts: "E-mail"; audit log: "Action")."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def test_without_a_session_the_page_only_offers_to_sign_in(app_env, monkeypatch):
    monkeypatch.setattr(staff, "cookie_token", lambda: "made-up-token-" + "x" * 30)
    at = open_admin()
    assert "Sign in with your staff account" in at.info[0].value
    assert not at.text_input and subheaders(at) == []


def test_an_administrator_revokes_and_the_verify_page_shows_it_escaped(app_env, mini, monkeypatch):
    cert = passed_certificate(app_env, mini, name="Zoë *bold* [x](http://evil)")
    signed_in(monkeypatch, app_env, "root@example.org", role="admin")
    at = open_admin()
    assert subheaders(at) == ["Revoke a certificate", "Correct a name", "Recently issued", "Re-send a learner's link",
                              "Organisations", "Accounts", "Audit log", "Learners' data"]
    log = table(at, "Action")
    assert ("sign_in.success", "root@example.org") in set(zip(log["Action"], log["By"], strict=True))
    at.text_input(key="revoke-id").input(cert.id)
    at.text_area(key="revoke-reason").input("<script>alert(1)</script>")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Not revoked:"]
    assert any("HTML or script" in t.value for t in at.text)
    at.text_area(key="revoke-reason").input("Issued to the wrong person")
    at.button[0].click().run()
    assert [s.value for s in at.success] == ["Revoked."]

    def verify_script():
        from cpd.ui import verify

        verify.page()

    v = AppTest.from_function(verify_script, default_timeout=30)
    v.query_params["verify"] = cert.id
    v.run()
    assert any(e.value.startswith("Revoked") for e in v.error)
    texts = [t.value for t in v.text]
    assert "Reason: Issued to the wrong person" in texts
    assert any("Zoë *bold* [x](http://evil)" in t for t in texts)  # shown as text, not Markdown
    assert not any("http://evil" in m.value for m in v.markdown)


def test_an_administrator_adds_an_organisation_and_invites_its_manager(app_env, monkeypatch):
    signed_in(monkeypatch, app_env, "root@example.org", role="admin")
    at = open_admin()
    at.text_input(key="org-name").input("Clinic <b>A</b>")
    at.button(key="FormSubmitter:add-org-Add organisation").click().run()
    assert any("HTML or script" in t.value for t in at.text)
    at.text_input(key="org-name").input("Clinic Ångström")
    at.button(key="FormSubmitter:add-org-Add organisation").click().run()
    assert "Organisation added." in [s.value for s in at.success]
    at.text_input(key="invite-email").input("boss@clinic.example")
    at.selectbox(key="invite-org").select("clinic-angstrom")
    at.selectbox(key="invite-role").select("manager")
    at.button(key="FormSubmitter:invite-Send invitation").click().run()
    assert "Invitation queued for sending." in [s.value for s in at.success]
    rows = table(at, "E-mail")
    assert ("boss@clinic.example", "clinic-angstrom", "manager", "invited") in set(
        zip(rows["E-mail"], rows["Organisation"], rows["Roles"], rows["Status"], strict=True))


def test_a_manager_sees_and_manages_only_their_organisation(app_env, monkeypatch):
    for slug in ("a", "b"):
        directory.create_organisation(app_env, f"Clinic {slug.upper()}", slug=slug)
    directory.create_account(app_env, "author@b.example", role="author", org_slug="b")
    directory.create_account(app_env, "author@a.example", role="author", org_slug="a")
    signed_in(monkeypatch, app_env, "boss@a.example", role="manager", org_slug="a")
    at = open_admin()
    assert subheaders(at) == ["Accounts", "Audit log"]  # no certificates of other organisations, no organisations list
    assert set(table(at, "E-mail")["E-mail"]) == {"boss@a.example", "author@a.example"}
    assert at.selectbox(key="invite-org").options == ["a"]
    assert "admin" not in at.selectbox(key="invite-role").options
    at.selectbox(key="roles-role").select("facilitator")
    at.button(key="FormSubmitter:roles-Apply").click().run()
    assert "Done." in [s.value for s in at.success]
    assert "author, facilitator" in set(table(at, "E-mail")["Roles"])
    log = table(at, "Action")  # their organisation's chain: the role change, by them, about the author
    assert ("account.role_grant", "boss@a.example", "account=author@a.example") in set(
        zip(log["Action"], log["By"], log["About"], strict=True))
    assert not any("author@b.example" in v for v in log["About"])
    from cpd.accounts.directory import organisation_by_slug

    with app_env() as s:
        other_org = organisation_by_slug(s, "b").id
        manager = directory.principal(s, s.scalars(select(Account.id).where(Account.email == "boss@a.example")).one())
    with pytest.raises(PermissionError):
        admin.audit_rows(app_env, manager, other_org)
    with pytest.raises(PermissionError):
        admin.audit_rows(app_env, manager, None)  # the deployment's log


def test_a_facilitator_has_nothing_to_administer_yet(app_env, monkeypatch):
    directory.create_organisation(app_env, "Clinic A", slug="a")
    signed_in(monkeypatch, app_env, "f@a.example", role="facilitator", org_slug="a")
    at = open_admin()
    assert subheaders(at) == [] and "Nothing to administer" in at.caption[0].value


def test_a_signed_out_session_is_noticed_on_the_next_run(app_env, monkeypatch):
    token = signed_in(monkeypatch, app_env, "root@example.org", role="admin")
    at = open_admin()
    assert "Revoke a certificate" in subheaders(at)
    signin.sign_out(app_env, token)  # e.g. from another tab
    at.run()
    assert subheaders(at) == [] and "Sign in" in at.info[0].value
