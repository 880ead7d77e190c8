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
from cpd.certificates.record import (
    RECORD_TYPE,
    RECORD_TYPE_V1,
    RECORD_TYPE_V2,
    RECORD_VERSIONS,
    CertificateRecord,
    CertificateRecordV2,
    UnknownRecordVersion,
    parse_record,
)
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
    assert RECORD_TYPE in RECORD_VERSIONS and RECORD_TYPE == RECORD_TYPE_V2  # new certificates: the newest
    assert RECORD_VERSIONS[RECORD_TYPE_V1] is CertificateRecord and RECORD_VERSIONS[RECORD_TYPE_V2] is CertificateRecordV2
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


# --- record version 2 (December 2026): hours claimed / maximum / time recorded, profession, contact, signatory ---

V2_WITHIN_VALIDITY = datetime(2027, 6, 1, tzinfo=UTC)


def _v2_bundle() -> dict:
    return json.loads((FIXTURES / "record-v2.certificate.json").read_text())


def test_record_v2_bundle_still_verifies_with_its_facts():
    result = verify_file(FIXTURES / "record-v2.certificate.json", w3c_test_key().public_key(), now=V2_WITHIN_VALIDITY)
    assert result.status is Status.VALID, result.reason
    record = result.record
    assert isinstance(record, CertificateRecordV2) and record.record_type == RECORD_TYPE_V2
    assert (record.hours_claimed, record.maximum_hours, record.time_recorded_minutes) == (1.25, 1.5, 87)
    assert record.cpd_hours == 1.25  # read under v1's name, code gets the hours claimed
    assert record.learner_profession == "Nurse / nurse prescriber"
    assert record.signatory.qualifications == "[PLACEHOLDER: qualifications]"
    assert record.provider_contact and record.edition_date.isoformat() == "2026-12-02"
    assert len(record.content_hash) == 64  # kept in the signed record, not printed


def test_record_v2_changed_fails():
    bundle = _v2_bundle()
    bundle["record"]["hours_claimed"] = 1.5  # still within the maximum: only the signature can tell
    result = verify_file(json.dumps(bundle).encode(), w3c_test_key().public_key(), now=V2_WITHIN_VALIDITY)
    assert result.status is Status.INVALID


def test_record_v2_badge_still_verifies_and_states_the_new_facts():
    from test_certificates_standards import _schema_errors

    from cpd.certificates.openbadge import PROOF_RECOMMENDATION

    badge = json.loads((FIXTURES / "record-v2.badge.json").read_text())
    result = verify_file(FIXTURES / "record-v2.badge.json", w3c_test_key().public_key(), now=V2_WITHIN_VALIDITY)
    assert result.status is Status.VALID, result.reason
    assert result.proof_form == PROOF_RECOMMENDATION
    assert _schema_errors(badge) == []
    subject = badge["credentialSubject"]
    assert subject["creditsEarned"] == 1.25 and subject["achievement"]["creditsAvailable"] == 1.5
    assert subject["role"] == "Nurse / nurse prescriber"
    assert "Claimed 1.25 of a maximum 1.5 CPD hours; active time recorded: 1 h 27 min." in subject["narrative"]
    assert "[PLACEHOLDER: signatory's name], [PLACEHOLDER: qualifications], [PLACEHOLDER: role]" in subject["narrative"]
    assert badge["issuer"]["description"].startswith("Contact: ")


def test_a_v2_pdf_rendered_today_prints_the_new_fields_and_verifies(design):
    from test_certificates_support import pdf_text

    bundle = _v2_bundle()
    signed = SignedRecord(parse_record(bundle["record"]), bundle["signature"], bundle["key_id"])
    pdf = render_certificate_pdf(signed, design)
    result = verify_file(pdf, w3c_test_key().public_key(), now=V2_WITHIN_VALIDITY)
    assert result.status is Status.VALID, result.reason
    text = pdf_text(pdf)
    for expected in ["Σωκράτης Παπαδόπουλος", "Profession: Nurse / nurse prescriber", "CPD hours claimed",
                     "1.25 of a maximum 1.5", "Time recorded", "1 h 27 min", "Edition 2.0.0 of 2 December 2026"]:
        assert expected in text, expected
    assert "c0ffee" not in text and "exosome-safety" not in text  # no developer identifiers on the page


def test_a_v1_certificate_keeps_its_version_when_corrected_and_reads_as_before_on_the_verify_page(store, design):
    import hashlib

    from test_certificates_support import PUBLIC_URL, add_attempt

    from cpd.certificates.public import plain_lines, public_view
    from cpd.certificates.record import canonical_json
    from cpd.certificates.service import lookup, reissue_corrected, stored_record
    from cpd.storage.tables import Certificate

    key = w3c_test_key()
    bundle = json.loads((FIXTURES / "record-v1.certificate.json").read_text())
    record = parse_record(bundle["record"])
    pdf = render_certificate_pdf(SignedRecord(record, bundle["signature"], bundle["key_id"]), design)
    with store() as s:
        add_attempt(s, "attempt-v1")
        s.add(Certificate(id=record.id, attempt_id="attempt-v1", version=1, record_json=canonical_json(record).decode(),
                          signature=bundle["signature"], key_id=bundle["key_id"], pdf=pdf,
                          pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                          badge_json=(FIXTURES / "record-v1.badge.json").read_text(), issued_at=record.issued_at))
        s.commit()
    with store() as s:
        lines = dict(plain_lines(public_view(lookup(s, record.id), today=WITHIN_VALIDITY.date())))
        assert lines["CPD hours"] == "2.5" and "Time recorded" not in lines and "CPD hours claimed" not in lines
        assert lines["Signed by"] == "Reality Check CPD content team, Course provider"
        new = reissue_corrected(s, record.id, design=design, private_key=key, public_url=PUBLIC_URL,
                                new_name="Zoë Ångström")
        s.commit()
        corrected = stored_record(new)
    assert isinstance(corrected, CertificateRecord) and corrected.record_type == RECORD_TYPE_V1
    assert corrected.learner_name == "Zoë Ångström" and corrected.cpd_hours == 2.5 and corrected.supersedes == record.id
