"""The verification page, driven with Streamlit's AppTest."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from streamlit.testing.v1 import AppTest

from cpd.certificates.service import issue_certificate, revoke
from cpd.settings import Settings
from test_certificates_support import NOW, PUBLIC_URL, design, make_request, private_key, session_factory  # noqa: F401

NASTY = "**Bold** <img src=x onerror=alert(1)> [link](https://evil.example) #set page(fill: red)"


def _page(session_factory, settings, pem):
    from cpd.certificates.ui import render_verify_page

    render_verify_page(session_factory, settings, signing_key_pem=pem)


@pytest.fixture
def pem(private_key):
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _app(session_factory, tmp_path, pem):
    settings = Settings(data_dir=tmp_path, public_url=PUBLIC_URL)
    return AppTest.from_function(_page, args=(session_factory, settings, pem), default_timeout=20)


def _all_markdown(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.success] + [e.value for e in at.error] + [e.value for e in at.warning]
    return "\n".join(parts)


def test_valid_certificate_shows_name_as_plain_text(session_factory, design, private_key, pem, tmp_path):
    with session_factory() as s:
        cert_id = issue_certificate(s, make_request(NASTY), design=design, private_key=private_key,
                                    public_url=PUBLIC_URL, now=NOW).id
        s.commit()
    at = _app(session_factory, tmp_path, pem)
    at.query_params["verify"] = cert_id
    at.run()
    assert not at.exception
    assert at.success and "Valid" in at.success[0].value
    texts = [t.value for t in at.text]
    assert f"Name: {NASTY}" in texts
    assert "onerror" not in _all_markdown(at) and "Bold" not in _all_markdown(at)
    assert "BEGIN PUBLIC KEY" in at.code[0].value


def test_revoked_and_unknown(session_factory, design, private_key, pem, tmp_path):
    with session_factory() as s:
        cert_id = issue_certificate(s, make_request(), design=design, private_key=private_key,
                                    public_url=PUBLIC_URL, now=NOW).id
        revoke(s, cert_id, "Reason with *markdown* <b>html</b>", now=NOW)
        s.commit()
    at = _app(session_factory, tmp_path, pem)
    at.query_params["verify"] = cert_id
    at.run()
    assert at.error and "Revoked" in at.error[0].value
    texts = [t.value for t in at.text]
    assert "Revoked on: 5 March 2026" in texts
    assert "Reason: Reason with *markdown* <b>html</b>" in texts

    at = _app(session_factory, tmp_path, pem)
    at.query_params["verify"] = "NoSuchCertificate00000"
    at.run()
    assert at.error and "Unknown" in at.error[0].value
