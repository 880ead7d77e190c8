"""Administration: argon2-guarded, revocation shown publicly, every typed value refused or escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import LEARNER, RIGHT, finish
from streamlit.testing.v1 import AppTest

from cpd import admin
from cpd.certificates.design import load_default_design
from cpd.completion import certificate_for
from cpd.settings import get_settings
from cpd.storage.db import open_store
from cpd.text import InvalidText

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"

def test_passwords_are_stored_only_as_argon2_hashes():
    h = admin.hash_password(PASSWORD)
    assert h.startswith("$argon2id$") and PASSWORD not in h
    assert admin.check_password(h, PASSWORD)
    assert not admin.check_password(h, PASSWORD + "!")
    assert not admin.check_password(None, PASSWORD) and not admin.check_password("not-a-hash", PASSWORD)
    with pytest.raises(ValueError, match="12 characters"):
        admin.hash_password("short")


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
    monkeypatch.setenv("CPD_ADMIN_PASSWORD_HASH", admin.hash_password(PASSWORD))
    st.cache_resource.clear()
    get_settings.cache_clear()
    yield open_store(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
    st.cache_resource.clear()
    get_settings.cache_clear()


def open_admin(password: str) -> AppTest:
    at = AppTest.from_function(_admin_script, default_timeout=30).run()
    at.text_input[0].input(password)
    at.button[0].click().run()
    return at


def _admin_script():
    from cpd.ui import admin as admin_page

    admin_page.page()


def test_the_admin_page_refuses_a_wrong_password(app_env):
    at = open_admin("wrong password, long enough")
    assert [e.value for e in at.error] == ["Wrong password."]
    assert not any(s.value == "Revoke a certificate" for s in at.subheader)


def test_an_administrator_revokes_and_the_verify_page_shows_it_escaped(app_env, mini):
    cert = passed_certificate(app_env, mini, name="Zoë *bold* [x](http://evil)")
    at = open_admin(PASSWORD)
    assert [s.value for s in at.subheader][:2] == ["Revoke a certificate", "Correct a name"]
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


def test_admin_is_switched_off_without_a_password_hash(app_env, monkeypatch):
    monkeypatch.delenv("CPD_ADMIN_PASSWORD_HASH")
    get_settings.cache_clear()
    st.cache_resource.clear()
    at = AppTest.from_function(_admin_script, default_timeout=30).run()
    assert "switched off" in at.info[0].value
    assert not at.text_input


def test_sign_in_closes_for_everyone_after_repeated_wrong_passwords():
    throttle = admin.LoginThrottle(limit=3, window=300, lockout=60)
    h = admin.hash_password(PASSWORD)
    for _ in range(3):
        assert admin.sign_in(h, "guess-guess-guess", throttle) == "Wrong password."
    assert "Too many wrong passwords" in admin.sign_in(h, PASSWORD, throttle)  # even the right one waits
    assert throttle.wait_seconds(now=10**9) == 0.0  # the window has passed
    assert admin.sign_in(h, PASSWORD, admin.LoginThrottle()) is None
