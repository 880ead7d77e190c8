"""The verification page, driven with Streamlit's AppTest."""

from __future__ import annotations

import io

import pytest
from cryptography.hazmat.primitives import serialization
from streamlit.testing.v1 import AppTest
from test_certificates_support import NOW, PUBLIC_URL, design, make_request, private_key, session_factory  # noqa: F401

from cpd.certificates.bundle import sign_record
from cpd.certificates.keys import configured_public_key
from cpd.certificates.pdf import render_certificate_pdf
from cpd.certificates.request import build_record
from cpd.certificates.service import issue_certificate, revoke
from cpd.settings import Settings

NASTY = "**Bold** <img src=x onerror=alert(1)> [link](https://evil.example) #set page(fill: red)"


def _page(session_factory, settings):
    from cpd.certificates.keys import configured_public_key
    from cpd.ui.verify_view import render_verify_page

    render_verify_page(session_factory, configured_public_key(settings))


@pytest.fixture
def pem(private_key):
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _app(session_factory, tmp_path, pem):
    settings = Settings(data_dir=tmp_path, public_url=PUBLIC_URL, signing_key_pem=pem)
    return AppTest.from_function(_page, args=(session_factory, settings), default_timeout=20)


def _upload(at, data: bytes, name: str = "certificate.pdf"):
    at.file_uploader[0].set_value((name, data, "application/pdf"))
    return at.run()


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
        revoke(s, cert_id, "Reason with *markdown* [a link](https://evil.example) & `code`", now=NOW)
        s.commit()
    at = _app(session_factory, tmp_path, pem)
    at.query_params["verify"] = cert_id
    at.run()
    assert at.error and "Revoked" in at.error[0].value
    texts = [t.value for t in at.text]
    assert "withdrawn by Reality Check CPD on 5 March 2026" in at.error[0].value
    assert "Reason: Reason with *markdown* [a link](https://evil.example) & `code`" in texts
    assert "evil.example" not in _all_markdown(at)

    at = _app(session_factory, tmp_path, pem)
    at.query_params["verify"] = "NoSuchCertificate00000"
    at.run()
    assert at.error and "Unknown" in at.error[0].value


def _issued_pdf(session_factory, design, private_key) -> bytes:
    with session_factory() as s:
        row = issue_certificate(s, make_request(), design=design, private_key=private_key,
                                public_url=PUBLIC_URL, now=NOW)
        s.commit()
        return bytes(row.pdf)


def _resaved(pdf: bytes) -> bytes:
    """The same signed attachment in a rewritten file, as a PDF editor would save it."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Producer": "Some PDF editor"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_uploaded_pdf_identical_to_the_issued_one(session_factory, design, private_key, pem, tmp_path):
    pdf = _issued_pdf(session_factory, design, private_key)
    at = _upload(_app(session_factory, tmp_path, pem).run(), pdf)
    assert not at.exception
    successes = [e.value for e in at.success]
    assert any("exactly the one we issued" in v for v in successes), successes
    assert any(v.startswith("Valid: issued by Reality Check CPD") for v in successes)
    assert not at.warning
    assert not any("unaltered" in v for v in successes)  # the signature alone never claims that


def test_uploaded_pdf_that_differs_is_flagged(session_factory, design, private_key, pem, tmp_path):
    changed = _resaved(_issued_pdf(session_factory, design, private_key))
    at = _upload(_app(session_factory, tmp_path, pem).run(), changed)
    assert not at.exception
    assert not at.success  # nothing green, and never "valid", for a file that is not the one issued
    warnings = [w.value for w in at.warning]
    assert any("not the PDF we issued byte for byte" in w for w in warnings), warnings
    assert all("valid" not in w.lower() for w in warnings)
    assert any(i.value.startswith("Offline check: the signed record is genuine; the page matches it") for i in at.info)


def test_uploaded_pdf_not_in_the_database(session_factory, design, private_key, pem, tmp_path):
    record = build_record(make_request("Sample Person"), design=design, public_url=PUBLIC_URL, issued_at=NOW)
    pdf = render_certificate_pdf(sign_record(record, private_key), design)  # signed, never stored
    at = _upload(_app(session_factory, tmp_path, pem).run(), pdf)
    assert not at.exception
    infos = [i.value for i in at.info]
    assert any("the page matches it as far as text can show" in i for i in infos), infos
    assert any("Not in our records" in w.value for w in at.warning)
    assert "Name: Sample Person" in [t.value for t in at.text]


def test_broken_upload_is_invalid(session_factory, design, private_key, pem, tmp_path):
    pdf = _issued_pdf(session_factory, design, private_key)
    at = _upload(_app(session_factory, tmp_path, pem).run(), pdf[: len(pdf) // 2])
    assert not at.exception
    assert at.error and at.error[0].value.startswith("Not genuine")


def test_no_key_configured_never_creates_one(session_factory, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", public_url=PUBLIC_URL)
    assert configured_public_key(settings) is None
    at = AppTest.from_function(_page, args=(session_factory, settings), default_timeout=20).run()
    assert not at.exception
    assert any("No issuer key is configured" in e.value for e in at.error)
    assert not at.file_uploader and not at.code
    assert not (tmp_path / "data" / "signing-key.pem").exists()


def test_the_apps_verify_page_uses_the_secret_key_and_never_creates_one(tmp_path, monkeypatch, pem):
    import streamlit as st

    from cpd.settings import get_settings

    def page():
        from cpd.ui import verify

        verify.page()

    monkeypatch.setenv("CPD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CPD_SIGNING_KEY_PEM", raising=False)
    for pem_value in (None, pem):
        if pem_value:
            monkeypatch.setenv("CPD_SIGNING_KEY_PEM", pem_value)
        st.cache_resource.clear()
        get_settings.cache_clear()
        at = AppTest.from_function(page, default_timeout=20).run()
        assert not at.exception
        if pem_value:
            assert "BEGIN PUBLIC KEY" in at.code[0].value
        else:
            assert any("No issuer key is configured" in e.value for e in at.error)
    assert not (tmp_path / "data" / "signing-key.pem").exists()
    st.cache_resource.clear()
    get_settings.cache_clear()

