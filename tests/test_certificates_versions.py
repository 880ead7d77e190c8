"""Every certificate already issued keeps verifying (the versioning rule in cpd/certificates/record.py).

The fixtures were signed by the code of their day and are never regenerated;
if a change to the record, the canonical form or the proof breaks them, this fails.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_certificates_support import design, w3c_test_key  # noqa: F401

from cpd.certificates.bundle import SignedRecord
from cpd.certificates.openbadge import PROOF_DRAFT, PROOF_FORMS
from cpd.certificates.pdf import render_certificate_pdf
from cpd.certificates.record import RECORD_TYPE, RECORD_VERSIONS, UnknownRecordVersion, parse_record
from cpd.certificates.verify import Status, verify_file

FIXTURES = Path(__file__).parent / "fixtures" / "certificates"
WITHIN_VALIDITY = datetime(2027, 1, 1, tzinfo=UTC)


def test_record_v1_bundle_still_verifies():
    result = verify_file(FIXTURES / "record-v1.certificate.json", w3c_test_key().public_key(), now=WITHIN_VALIDITY)
    assert result.status is Status.VALID, result.reason
    assert result.record.record_type == "reality-check-cpd/certificate-record/1"
    assert result.record.learner_name == "Zoë Ångström-Müller" and result.record.cpd_hours == 2.5


def test_draft_form_badge_still_verifies_and_is_labelled():
    result = verify_file(FIXTURES / "record-v1.badge.json", w3c_test_key().public_key(), now=WITHIN_VALIDITY)
    assert result.status is Status.VALID, result.reason
    assert result.proof_form == PROOF_DRAFT
    assert "earlier draft form" in result.summary() and "still genuine" in PROOF_FORMS[PROOF_DRAFT]


def test_draft_form_badge_changed_fails():
    badge = json.loads((FIXTURES / "record-v1.badge.json").read_text())
    badge["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    result = verify_file(json.dumps(badge).encode(), w3c_test_key().public_key(), now=WITHIN_VALIDITY)
    assert result.status is Status.INVALID and "does not match" in result.reason


def test_a_v1_pdf_rendered_today_carries_the_same_bundle_and_verifies(design):
    bundle = json.loads((FIXTURES / "record-v1.certificate.json").read_text())
    signed = SignedRecord(parse_record(bundle["record"]), bundle["signature"], bundle["key_id"])
    pdf = render_certificate_pdf(signed, design)
    result = verify_file(pdf, w3c_test_key().public_key(), now=WITHIN_VALIDITY)
    assert result.status is Status.VALID, result.reason


def test_every_version_is_registered_and_unknown_versions_are_named():
    assert RECORD_TYPE in RECORD_VERSIONS
    bundle = json.loads((FIXTURES / "record-v1.certificate.json").read_text())
    future = {**bundle["record"], "record_type": "reality-check-cpd/certificate-record/99"}
    with pytest.raises(UnknownRecordVersion, match="certificate-record/99"):
        parse_record(future)


def test_badges_issued_in_the_draft_form_are_re_signed_without_touching_record_or_pdf(store, design):
    import hashlib

    from test_certificates_standards import _schema_errors
    from test_certificates_support import PUBLIC_URL, add_attempt

    from cpd.certificates.openbadge import PROOF_RECOMMENDATION, check_proof, keyring
    from cpd.certificates.record import canonical_json
    from cpd.certificates.service import lookup, upgrade_badges
    from cpd.storage.tables import Certificate

    key = w3c_test_key()
    bundle = json.loads((FIXTURES / "record-v1.certificate.json").read_text())
    record = parse_record(bundle["record"])
    pdf = render_certificate_pdf(SignedRecord(record, bundle["signature"], bundle["key_id"]), design)
    old_badge = (FIXTURES / "record-v1.badge.json").read_text()
    with store() as s:
        add_attempt(s, "attempt-v1")
        s.add(Certificate(id=record.id, attempt_id="attempt-v1", version=1, record_json=canonical_json(record).decode(),
                          signature=bundle["signature"], key_id=bundle["key_id"], pdf=pdf,
                          pdf_sha256=hashlib.sha256(pdf).hexdigest(), badge_json=old_badge, issued_at=record.issued_at))
        s.commit()
    with store() as s:
        assert upgrade_badges(s, key, PUBLIC_URL) == [record.id]
        s.commit()
    with store() as s:
        row = s.get(Certificate, record.id)
        badge = json.loads(row.badge_json)
        assert bytes(row.pdf) == pdf and row.signature == bundle["signature"]  # frozen
        assert row.status_list_index is not None
        assert lookup(s, record.id.upper()).status == "valid"
        assert upgrade_badges(s, key, PUBLIC_URL) == []  # once only
    assert check_proof(badge, keyring(key)).form == PROOF_RECOMMENDATION
    assert badge["credentialStatus"]["statusListIndex"] == str(row.status_list_index)
    assert _schema_errors(badge) == []
    assert verify_file(old_badge.encode(), key.public_key(), now=WITHIN_VALIDITY).valid  # the old copy still verifies
