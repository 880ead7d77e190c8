"""Offline verification: any change to the record, JSON or badge must fail."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from test_certificates_support import (  # noqa: F401
    NOW,
    PUBLIC_URL,
    design,
    make_request,
    other_key,
    pdf_bundle,
    private_key,
    replace_attachment,
)

from cpd.certificates.bundle import bundle_bytes, sign_record
from cpd.certificates.did import did_web
from cpd.certificates.openbadge import StatusEntry, build_badge
from cpd.certificates.pdf import render_certificate_pdf
from cpd.certificates.record import CertificateRecordV2, canonical_bytes
from cpd.certificates.request import build_record
from cpd.certificates.verify import Status, verify_file

RECORD_FIELDS = sorted(CertificateRecordV2.model_fields)  # the version issued today


def _tamper(value):
    """A different value of a plausible type, so only the signature can catch it."""
    if isinstance(value, bool) or value is None:
        return "x"
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, list):
        return value + ["Extra objective"]
    if isinstance(value, dict):
        return {**value, "name": value.get("name", "") + "x"}
    if isinstance(value, str):
        try:
            return (date.fromisoformat(value).replace(year=2099)).isoformat()
        except ValueError:
            return value + "x" if value else "x"
    raise AssertionError(type(value))


@pytest.fixture(scope="module")
def signed(design, private_key):
    record = build_record(make_request(), design=design, public_url=PUBLIC_URL, issued_at=NOW)
    return sign_record(record, private_key)


@pytest.fixture(scope="module")
def pdf(signed, design):
    return render_certificate_pdf(signed, design)


def test_genuine_files_verify(signed, pdf, private_key):
    pub = private_key.public_key()
    for data, kind in [(pdf, "pdf"), (bundle_bytes(signed), "bundle")]:
        result = verify_file(data, pub)
        assert result.status is Status.VALID, result.reason
        assert result.kind == kind and result.record == signed.record
    badge = build_badge(signed.record, private_key, PUBLIC_URL)
    result = verify_file(json.dumps(badge).encode(), pub)
    assert result.valid and result.kind == "badge" and result.certificate_id == signed.record.id


def test_verify_from_path(tmp_path, pdf, private_key):
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    assert verify_file(path, private_key.public_key()).valid
    assert not verify_file(tmp_path / "missing.pdf", private_key.public_key()).valid


@pytest.mark.parametrize("field", RECORD_FIELDS)
def test_changing_any_field_of_the_json_fails(signed, private_key, field):
    bundle = json.loads(bundle_bytes(signed))
    bundle["record"][field] = _tamper(bundle["record"][field])
    result = verify_file(json.dumps(bundle, ensure_ascii=False).encode(), private_key.public_key())
    assert result.status is Status.INVALID and "signature" in result.reason


@pytest.mark.parametrize("field", RECORD_FIELDS)
def test_changing_any_field_of_the_embedded_record_fails(signed, pdf, private_key, field):
    bundle = pdf_bundle(pdf)
    bundle["record"][field] = _tamper(bundle["record"][field])
    forged = replace_attachment(pdf, json.dumps(bundle, ensure_ascii=False).encode())
    result = verify_file(forged, private_key.public_key())
    assert result.kind == "pdf" and result.status is Status.INVALID


def test_untouched_reembedding_still_verifies(pdf, private_key):
    # Control for the test above: the rewrite itself does not break verification.
    again = replace_attachment(pdf, json.dumps(pdf_bundle(pdf)).encode())
    assert verify_file(again, private_key.public_key()).valid


def test_added_field_or_changed_signature_fails(signed, private_key):
    pub = private_key.public_key()
    bundle = json.loads(bundle_bytes(signed))
    extra = copy.deepcopy(bundle)
    extra["record"]["note"] = "added"
    assert not verify_file(json.dumps(extra).encode(), pub).valid
    sig = copy.deepcopy(bundle)
    sig["signature"] = ("A" if sig["signature"][0] != "A" else "B") + sig["signature"][1:]
    assert not verify_file(json.dumps(sig).encode(), pub).valid


def test_other_key_fails(signed, design, private_key, other_key):
    forged = sign_record(signed.record, other_key)
    result = verify_file(bundle_bytes(forged), private_key.public_key())
    assert not result.valid and "different key" in result.reason
    # Claiming our key id does not help.
    bundle = json.loads(bundle_bytes(forged))
    bundle["key_id"] = signed.key_id
    result = verify_file(json.dumps(bundle).encode(), private_key.public_key())
    assert not result.valid and "signature" in result.reason
    pdf = render_certificate_pdf(forged, design)
    assert not verify_file(pdf, private_key.public_key()).valid


BADGE_PATHS = [
    ("name",),
    ("validUntil",),
    ("validFrom",),
    ("issuer", "name"),
    ("credentialSubject", "identifier", 0, "identityHash"),
    ("credentialSubject", "achievement", "creditsAvailable"),
    ("credentialSubject", "achievement", "criteria", "narrative"),
    ("credentialStatus", "id"),
    ("credentialStatus", "statusListIndex"),
    ("proof", 0, "created"),
    ("proof", 0, "verificationMethod"),
]


@pytest.mark.parametrize("path", BADGE_PATHS, ids=lambda p: ".".join(map(str, p)))
def test_changing_the_badge_fails(signed, private_key, path):
    badge = build_badge(signed.record, private_key, PUBLIC_URL, StatusEntry(f"{PUBLIC_URL}/credentials/status/1", 17))
    node = badge
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = _tamper(node[path[-1]])
    assert not verify_file(canonical_bytes(badge), private_key.public_key()).valid


def test_badge_shape_and_other_key(signed, private_key, other_key):
    badge = build_badge(signed.record, private_key, PUBLIC_URL)
    assert badge["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["issuer"]["id"] == "did:web:cpd.example.org" == did_web(PUBLIC_URL)
    assert badge["issuer"]["url"] == PUBLIC_URL and badge["issuer"]["name"] == signed.record.provider
    assert badge["credentialSubject"]["type"] == ["AchievementSubject"]
    assert badge["credentialSubject"]["achievement"]["creditsAvailable"] == 2.5
    [proof] = badge["proof"]  # an array, as the OB 3.0 schema requires
    assert proof["cryptosuite"] == "eddsa-jcs-2022" and proof["proofValue"].startswith("z")
    assert proof["@context"] == badge["@context"]  # the Recommendation's Create Proof, step 2
    assert proof["verificationMethod"] == f"did:web:cpd.example.org#{signed.key_id}"
    forged = build_badge(signed.record, other_key, PUBLIC_URL)
    assert not verify_file(canonical_bytes(forged), private_key.public_key()).valid


@pytest.mark.parametrize("data", [b"", b"garbage", b"%PDF-1.7 broken", b"[1,2]", b'{"record": 1}', "é".encode("latin-1")])
def test_garbage_is_invalid_not_an_exception(private_key, data):
    assert verify_file(data, private_key.public_key()).status is Status.INVALID


def _mutations(pdf: bytes):
    """Structurally broken variants of a real certificate PDF (deterministic)."""
    import random
    import re

    rng = random.Random(20260305)
    n = len(pdf)
    for i in range(1, 24):
        yield f"truncated at {i}/24", pdf[: n * i // 24]
    yield "truncated before %%EOF", pdf[: pdf.rfind(b"%%EOF")]
    for off in sorted(rng.sample(range(n), 150)) + list(range(n - 300, n, 7)):
        flipped = bytearray(pdf)
        flipped[off] ^= 1 << rng.randrange(8)
        yield f"bit flipped at {off}", bytes(flipped)
    objects = list(re.finditer(rb"\n\d+ 0 obj\n.*?endobj", pdf, re.S))
    for m in objects[:: max(1, len(objects) // 25)]:
        yield f"object duplicated in place at {m.start()}", pdf[: m.end()] + m.group(0) + pdf[m.end():]
        yield f"object duplicated at the end from {m.start()}", pdf + m.group(0) + b"\n%%EOF\n"
    # The attachment's own objects: the name tree, the file specification and its stream.
    start = pdf.find(b"/Filespec")
    catalog = pdf.find(b"/Type/Catalog")
    for region in (slice(max(0, start - 40), start + 120), slice(catalog, catalog + 400)):
        for m in re.finditer(rb"(\d+) 0 R", pdf[region]):
            at = region.start + m.start(1)
            for other in (b"0", b"1", b"9999"):
                yield f"reference at {at} -> {other!r}", pdf[:at] + other + pdf[at + len(m.group(1)):]
    for m in re.finditer(rb"\n(\d+) 0 obj\n<</Length (\d+)", pdf):
        # A stream whose /Length points at itself: pypdf raises LimitReachedError.
        yield f"self-referencing /Length in object {int(m.group(1))}", pdf[: m.start(2)] + m.group(1) + b" 0 R" + pdf[m.end(2):]


def test_broken_pdfs_are_invalid_never_an_exception(signed, pdf, private_key):
    pub = private_key.public_key()
    # Damage that hides the attachment leaves nothing to check: UNCHECKABLE, never VALID.
    seen = {Status.VALID: 0, Status.INVALID: 0, Status.UNCHECKABLE: 0}
    for label, data in _mutations(pdf):
        result = verify_file(data, pub)  # must not raise, whatever the bytes
        assert result.status in seen, label
        seen[result.status] += 1
        if result.valid:
            # Damage outside the signed attachment leaves the record authentic, and only that record.
            assert result.record == signed.record, label
        else:
            assert result.reason, label
    assert seen[Status.INVALID] > 50 and seen[Status.VALID] > 10, seen


@pytest.mark.parametrize("data", [b"[" * 200_000, b'{"record":' * 100_000])
def test_deeply_nested_json_is_invalid(private_key, data):
    assert verify_file(data, private_key.public_key()).status is Status.INVALID
