"""Issuing, correcting, revoking and looking up certificates; the CLI on top."""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from test_certificates_support import (  # noqa: F401
    NOW,
    PUBLIC_URL,
    design,
    make_request,
    other_key,
    pdf_bundle,
    pdf_text,
    private_key,
    session_factory,
)

from cpd.certificates import cli
from cpd.certificates.fonts import MissingGlyphsError
from cpd.certificates.keys import key_id, public_key_pem
from cpd.certificates.record import canonical_bytes
from cpd.certificates.service import (
    CertificateStateError,
    current_certificate_for_attempt,
    issue_certificate,
    lookup,
    reissue_corrected,
    revoke,
)
from cpd.certificates.signing import verify
from cpd.certificates.verify import verify_file
from cpd.settings import Settings
from cpd.storage.tables import Certificate
from cpd.text import InvalidText, terminal_safe

LATER = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _issue(session, design, private_key, **kw):
    return issue_certificate(session, make_request(**kw), design=design, private_key=private_key,
                             public_url=PUBLIC_URL, now=NOW)


def test_issue_stores_signed_frozen_certificate(session_factory, design, private_key):
    with session_factory() as s:
        row = _issue(s, design, private_key)
        s.commit()
        cert_id, pdf = row.id, row.pdf
    with session_factory() as s:
        row = s.get(Certificate, cert_id)
        assert row.version == 1 and row.supersedes_id is None and row.attempt_id == "attempt-1"
        assert row.pdf_sha256 == hashlib.sha256(row.pdf).hexdigest() and row.pdf == pdf
        assert verify(private_key.public_key(), row.record_json.encode(), row.signature)
        assert row.key_id == key_id(private_key)
        assert pdf_bundle(row.pdf)["record"]["id"] == cert_id
        assert json.loads(row.badge_json)["proof"][0]["cryptosuite"] == "eddsa-jcs-2022"
        assert verify_file(row.pdf, private_key.public_key()).valid
        result = lookup(s, cert_id)
        assert result.status == "valid" and result.record.learner_name == "Zoë Ångström-Müller"


def test_issue_is_idempotent_per_attempt(session_factory, design, private_key):
    with session_factory() as s:
        first = _issue(s, design, private_key)
        again = _issue(s, design, private_key, name="Someone Else")
        assert again.id == first.id
        other = _issue(s, design, private_key, attempt_id="attempt-2")
        assert other.id != first.id
        assert s.query(Certificate).count() == 2


def test_unprintable_name_stores_nothing(session_factory, design, private_key):
    with session_factory() as s:
        with pytest.raises(MissingGlyphsError):
            _issue(s, design, private_key, name="Anna \U00010000")
        assert s.query(Certificate).count() == 0


def test_reissue_supersedes_and_keeps_old_bytes(session_factory, design, private_key):
    with session_factory() as s:
        old = _issue(s, design, private_key, name="Zoe Angstrom")
        s.commit()
        old_id, old_pdf, old_sha = old.id, bytes(old.pdf), old.pdf_sha256
    changed = design.model_copy(update={"provider": "A Different Society"})
    with session_factory() as s:
        new = reissue_corrected(s, old_id, design=changed, private_key=private_key, public_url=PUBLIC_URL,
                                new_name="Zoë Ångström-Müller", new_registration_number=None, now=LATER)
        s.commit()
        new_id = new.id
    with session_factory() as s:
        old, new = s.get(Certificate, old_id), s.get(Certificate, new_id)
        assert bytes(old.pdf) == old_pdf and old.pdf_sha256 == old_sha
        assert old.superseded_by_id == new_id and new.supersedes_id == old_id and new.version == 2
        record = lookup(s, new_id).record
        assert record.learner_name == "Zoë Ångström-Müller" and record.registration_number is None
        assert record.supersedes == old_id and record.provider == "Reality Check CPD"  # facts kept
        assert record.completion_date == NOW.date() and record.issued_at == LATER
        assert "Zoë Ångström-Müller" in pdf_text(new.pdf)
        status = lookup(s, old_id)
        assert status.status == "superseded" and status.superseded_by == new_id
        assert status.record.learner_name == "Zoe Angstrom"
        assert current_certificate_for_attempt(s, "attempt-1").id == new_id
        with pytest.raises(CertificateStateError, match="already replaced"):
            reissue_corrected(s, old_id, design=design, private_key=private_key, public_url=PUBLIC_URL, new_name="X")


def test_revoke_shows_in_lookup(session_factory, design, private_key):
    with session_factory() as s:
        cert_id = _issue(s, design, private_key).id
        revoke(s, cert_id, "Issued in error: attempt was invalidated", now=LATER)
        s.commit()
    with session_factory() as s:
        status = lookup(s, cert_id)
        assert status.status == "revoked"
        assert status.revoked_at == LATER and status.revoked_reason == "Issued in error: attempt was invalidated"
        revoke(s, cert_id, "second reason", now=NOW)
        assert lookup(s, cert_id).revoked_reason == "Issued in error: attempt was invalidated"
        with pytest.raises(CertificateStateError, match="revoked"):
            reissue_corrected(s, cert_id, design=design, private_key=private_key, public_url=PUBLIC_URL, new_name="X")
        with pytest.raises(ValueError):
            revoke(s, cert_id, "   ")
        with pytest.raises(CertificateStateError):
            revoke(s, "A" * 22, "no such certificate")


@pytest.mark.parametrize("cert_id", ["A" * 22, "short", "'; DROP TABLE certificates; --", "x" * 500, ""])
def test_lookup_unknown(session_factory, cert_id):
    with session_factory() as s:
        assert lookup(s, cert_id).status == "unknown"


# --- CLI ---------------------------------------------------------------------


def _parser():
    parser = argparse.ArgumentParser(prog="cpd")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser


def _run(argv, capsys, **defaults):
    parser = _parser()
    parser.set_defaults(**defaults)
    args = parser.parse_args(argv)
    code = args.func(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def key_files(tmp_path, private_key):
    private = tmp_path / "signing-key.pem"
    private.write_bytes(private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    public = tmp_path / "public.pem"
    public.write_text(public_key_pem(private_key))
    return private, public


def test_cli_sample_then_verify(tmp_path, key_files, capsys):
    settings = Settings(data_dir=tmp_path, signing_key_file=key_files[0], public_url=PUBLIC_URL)
    code, out, _ = _run(["certificate", "sample", "--name", "Анна Каренина", "--out", str(tmp_path / "out")],
                        capsys, settings=settings)
    assert code == 0 and "python -m cpd verify" in out and "--offline" in out
    pdf = next((tmp_path / "out").glob("*.pdf"))
    assert "Анна Каренина" in pdf_text(pdf.read_bytes())
    for path in [pdf, *(tmp_path / "out").glob("*.json")]:
        code, out, _ = _run(["verify", str(path), "--public-key", str(key_files[1])], capsys)
        assert code == 0, out
        assert out.startswith("GENUINE: ")
    code, out, _ = _run(["verify", str(pdf)], capsys, settings=settings)
    assert code == 0 and "Анна Каренина" in out
    code, out, _ = _run(["certificate", "sample", "--name", "A \U00013000", "--out", str(tmp_path / "o2")],
                        capsys, settings=settings)
    assert code == 2
    code, out, _ = _run(["certificate", "sample", "--name", "Dee", "--participation", "--out", str(tmp_path / "o3")],
                        capsys, settings=settings)
    assert code == 0, out
    text = pdf_text(next((tmp_path / "o3").glob("*.pdf")).read_bytes())
    assert "Certificate of participation" in text and "pass mark" not in text.lower()


def test_cli_verify_checks_database_status(tmp_path, session_factory, design, private_key, other_key, key_files, capsys):
    with session_factory() as s:
        row = _issue(s, design, private_key)
        s.commit()
        cert_id = row.id
        (tmp_path / "c.pdf").write_bytes(row.pdf)
        (tmp_path / "badge.json").write_bytes(canonical_bytes(json.loads(row.badge_json)))
    pub = str(key_files[1])
    code, out, _ = _run(["verify", str(tmp_path / "c.pdf"), "--public-key", pub], capsys, session_factory=session_factory)
    assert code == 0 and "status: VALID and current" in out and "exactly the PDF issued" in out
    code, out, _ = _run(["verify", str(tmp_path / "badge.json"), "--public-key", pub], capsys,
                        session_factory=session_factory)
    assert code == 0

    code, out, _ = _run(["certificate", "revoke", cert_id, "--reason", "Fraud \x1b[31mred"], capsys,
                        session_factory=session_factory)
    assert code == 1  # control characters in the reason are refused
    code, out, _ = _run(["certificate", "revoke", cert_id, "--reason", "Attempt invalidated"], capsys,
                        session_factory=session_factory)
    assert code == 0 and "revoked" in out
    with session_factory() as session:  # a revocation from the shell is in the deployment's audit chain too
        from cpd import audit
        assert [e.action for e in audit.recent(session, None)][:1] == ["certificate.revoke"]
        assert all(report.ok for report in audit.verify(session))
    code, out, _ = _run(["verify", str(tmp_path / "c.pdf"), "--public-key", pub], capsys, session_factory=session_factory)
    assert code == 1 and "REVOKED" in out and "Attempt invalidated" in out
    code, out, _ = _run(["verify", str(tmp_path / "c.pdf"), "--public-key", pub, "--offline"], capsys,
                        session_factory=session_factory)
    assert code == 0

    other_pub = tmp_path / "other.pem"
    other_pub.write_text(public_key_pem(other_key))
    code, out, _ = _run(["verify", str(tmp_path / "c.pdf"), "--public-key", str(other_pub)], capsys)
    assert code == 1 and out.startswith("NOT GENUINE: ") and "valid" not in out.lower()
    code, _, err = _run(["certificate", "revoke", cert_id, "--reason", "x"], capsys)
    assert code == 2 and "database" in err


def test_terminal_safe_strips_terminal_controls():
    assert terminal_safe("a\x1b[2J\x1b]0;title\x07b\u202ec\x00") == "abc?"
    assert terminal_safe("王小明 محمد") == "王小明 محمد"


def _pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def test_cli_uses_the_configured_pem_and_never_creates_a_key_to_verify(tmp_path, session_factory, private_key, capsys):
    key_file = tmp_path / "data" / "signing-key.pem"
    with_pem = Settings(data_dir=tmp_path / "data", public_url=PUBLIC_URL, signing_key_pem=_pem(private_key))
    code, out, err = _run(["certificate", "sample", "--name", "Anna", "--out", str(tmp_path / "out")], capsys,
                          settings=with_pem)
    assert code == 0, err
    assert not key_file.exists()  # the PEM wins over the key file
    pdf = next((tmp_path / "out").glob("*.pdf"))
    assert pdf_bundle(pdf.read_bytes())["key_id"] == key_id(private_key)
    code, out, _ = _run(["verify", str(pdf), "--offline"], capsys, settings=with_pem)
    assert code == 0 and "the page matches it as far as text can show" in out

    no_key = Settings(data_dir=tmp_path / "data", public_url=PUBLIC_URL)
    code, out, err = _run(["verify", str(pdf)], capsys, settings=no_key, session_factory=session_factory)
    assert code == 2 and "no issuer key is configured" in err and "--public-key" in err
    assert not key_file.exists()


def test_cli_verify_unknown_certificate_and_changed_pdf(tmp_path, session_factory, design, private_key, key_files,
                                                        capsys):
    from test_certificates_ui import _resaved

    pub = str(key_files[1])
    code, out, _ = _run(["certificate", "sample", "--name", "Anna", "--out", str(tmp_path / "out")], capsys,
                        settings=Settings(data_dir=tmp_path, signing_key_file=key_files[0], public_url=PUBLIC_URL))
    sample = next((tmp_path / "out").glob("*.pdf"))
    code, out, _ = _run(["verify", str(sample), "--public-key", pub], capsys, session_factory=session_factory)
    assert code == 1 and "UNKNOWN to this server's records" in out
    assert "not compared with the issued PDF" in out
    code, out, _ = _run(["verify", str(sample), "--public-key", pub, "--offline"], capsys,
                        session_factory=session_factory)
    assert code == 0 and "UNKNOWN" not in out

    with session_factory() as s:
        row = _issue(s, design, private_key)
        s.commit()
        issued = bytes(row.pdf)
    (tmp_path / "issued.pdf").write_bytes(issued)
    (tmp_path / "resaved.pdf").write_bytes(_resaved(issued))
    code, out, _ = _run(["verify", str(tmp_path / "issued.pdf"), "--public-key", pub], capsys,
                        session_factory=session_factory)
    assert code == 0 and "exactly the PDF issued" in out and "status: VALID and current" in out
    code, out, _ = _run(["verify", str(tmp_path / "resaved.pdf"), "--public-key", pub], capsys,
                        session_factory=session_factory)
    assert code == 1 and out.startswith("GENUINE: the signed record is genuine; the page matches it as far as text")
    assert "NOT byte for byte the PDF issued" in out and "only the signed record above is authentic" in out
    assert "VALID" not in out


@pytest.mark.parametrize(
    "reason, message",
    [
        ("<img src=x onerror=alert(1)>", "HTML or script"),
        ("javascript:alert(1)", "HTML or script"),
        ("Fraud \x1b[31mred", "control characters"),
        ("Fraud \u202egnp.exe", "direction-override"),
        ("   ", "fill this in"),
        ("x" * 1001, "at most 1000"),
    ],
)
def test_revoke_reason_is_plain_text(session_factory, design, private_key, reason, message):
    with session_factory() as s:
        cert_id = _issue(s, design, private_key).id
        with pytest.raises(InvalidText, match=message):
            revoke(s, cert_id, reason)
        assert lookup(s, cert_id).status == "valid"
        row = revoke(s, cert_id, "Issued in error.\nThe attempt was invalidated.")  # lines are fine
        assert row.revoked_reason == "Issued in error.\nThe attempt was invalidated."
