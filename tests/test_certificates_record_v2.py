"""Record version 2 on the printed page, in the badge and on the verify page.

The page is read back with pypdf (third-party): the new fields must appear for names in five scripts, the
learning objectives must be printed at 8.5 pt or more (pypdf's text visitor gives each run's size), and a
design's signature image must be printed when it has one.
"""

from __future__ import annotations

import io
import math
import struct
import unicodedata
import zlib
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError
from pypdf import PdfReader
from test_certificates_support import (  # noqa: F401
    DEFAULT_DESIGN,
    NOW,
    PUBLIC_URL,
    design,
    make_request,
    needs_cjk,
    pdf_bundle,
    pdf_text,
    private_key,
    session_factory,
)

from cpd.certificates.bundle import sign_record
from cpd.certificates.design import DesignError, load_design
from cpd.certificates.openbadge import build_badge
from cpd.certificates.pdf import render_certificate_pdf
from cpd.certificates.request import build_record

V2 = dict(cpd_hours=1.25, maximum_hours=1.5, active_seconds=87 * 60 + 59, edition_date=date(2026, 12, 2))


def _render(design, key, name, **overrides):
    record = build_record(make_request(name, **{**V2, **overrides}), design=design, public_url=PUBLIC_URL,
                          issued_at=NOW)
    return record, render_certificate_pdf(sign_record(record, key), design)


def _arabic_letters(text: str) -> set[str]:
    return {c for c in unicodedata.normalize("NFKC", text) if "ARABIC" in unicodedata.name(c, "")}


@pytest.mark.parametrize(
    "name, profession",
    [
        ("Zoë Ångström-Müller", "Nurse / nurse prescriber"),
        ("Σωκράτης Παπαδόπουλος", "Dentist"),
        ("Анна Каренина", "Pharmacist"),
        ("فاطمة الزهراء", "Dermatologist"),
        pytest.param("王小明", "Physician", marks=needs_cjk),
    ],
)
def test_the_new_fields_print_for_names_in_five_scripts(design, private_key, name, profession):
    record, pdf = _render(design, private_key, name, profession=profession)
    text = " ".join(pdf_text(pdf).split())  # lines joined: the signatory's line may wrap
    if _arabic_letters(name):  # pypdf reads Arabic glyph runs out of order (see test_certificates_pdf.py)
        assert _arabic_letters(name) <= _arabic_letters(text)
    else:
        assert name in text
    for expected in [
        f"Profession: {profession}", "Professional registration number: GMC 7654321",
        "CPD hours claimed", "1.25 of a maximum 1.5",
        "Time recorded", "1 h 27 min",  # 87 min 59 s recorded: never rounded up
        "Edition 1.2.0 of 2 December 2026",
        "[PLACEHOLDER: provider's postal address, e-mail or",
        "[PLACEHOLDER: signatory's name], [PLACEHOLDER: qualifications]", "[PLACEHOLDER: role]",
    ]:
        assert expected in text, expected
    assert record.content_hash[:12] not in text and "exosome-safety" not in text  # no developer identifiers
    signed = pdf_bundle(pdf)["record"]
    assert signed["record_type"] == "reality-check-cpd/certificate-record/2" and signed["learner_name"] == name
    assert (signed["hours_claimed"], signed["maximum_hours"], signed["time_recorded_minutes"]) == (1.25, 1.5, 87)
    assert signed["learner_profession"] == profession and signed["content_hash"] == record.content_hash


def _sizes(pdf: bytes) -> list[tuple[float, str]]:
    """(size in pt, text) of every text run on the page, as pypdf's visitor reports it."""
    runs: list[tuple[float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
            runs.append((round(font_size * scale, 2), text.strip()))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return runs


def test_learning_objectives_are_printed_at_a_readable_size(design, private_key):
    objectives = ["Explain why microneedling turns a topical product into a dermal exposure.",
                  "Recognise the contamination routes and the controls that address them."]
    _, pdf = _render(design, private_key, "Anna", learning_objectives=objectives)
    runs = _sizes(pdf)
    for objective in objectives:
        sizes = [size for size, text in runs if len(text) > 3 and text in objective]
        assert sizes, objective
        assert min(sizes) >= 8.5, (objective, sizes)


def _png(width: int = 60, height: int = 20) -> bytes:
    """A small grey PNG written by hand (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _design_with(tmp_path: Path, signature_line: str):
    text = DEFAULT_DESIGN.read_text(encoding="utf-8").replace(
        "  signature_image: placeholder-signature.svg\n", signature_line)
    path = tmp_path / "clinic.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _images(pdf: bytes) -> int:
    """Image XObjects in the file (typst writes them uncompressed in the object dictionaries)."""
    return pdf.count(b"/Subtype/Image")


def test_a_designs_signature_image_is_printed_and_no_image_without_one(tmp_path, private_key):
    (tmp_path / "sig.png").write_bytes(_png())
    with_image = load_design(_design_with(tmp_path, "  signature_image: sig.png\n"))
    without = load_design(_design_with(tmp_path, ""))
    _, pdf = _render(with_image, private_key, "Anna")
    _, plain = _render(without, private_key, "Anna")
    assert _images(pdf) == 1 and _images(plain) == 0  # the QR code is vector paths, not an image
    assert b"Signature of [PLACEHOLDER: signatory" in pdf  # alt text for screen readers (PDF/UA)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_the_sample_design_marks_its_signature_image_as_a_placeholder(design):
    image = design.signature_file()
    assert image is not None and "[PLACEHOLDER: signature]" in image.read_text(encoding="utf-8")
    for value in (design.signatory.name, design.signatory.qualifications, design.signatory.role,
                  design.provider_contact):
        assert value and value.startswith("[PLACEHOLDER:"), value


@pytest.mark.parametrize(
    "line, message",
    [("  signature_image: missing.png\n", "signatory.signature_image': file"),
     ("  signature_image: sig.gif\n", "signature image is one of")],
)
def test_a_bad_signature_image_names_the_field(tmp_path, line, message):
    with pytest.raises(DesignError, match=message):
        load_design(_design_with(tmp_path, line))


def test_hours_claimed_cannot_exceed_the_maximum(design):
    with pytest.raises(ValidationError, match="more than the activity's maximum"):
        make_request(cpd_hours=1.75, maximum_hours=1.5)
    record = build_record(make_request(**V2), design=design, public_url=PUBLIC_URL, issued_at=NOW)
    with pytest.raises(ValidationError, match="more than the activity's maximum"):
        type(record).model_validate({**record.model_dump(), "hours_claimed": 2})


def test_a_workshop_certificate_states_no_recorded_time(design, private_key):
    record, pdf = _render(design, private_key, "Anna", delivery_format="workshop", venue="Leeds", active_seconds=None)
    assert record.time_recorded_minutes is None
    text = " ".join(pdf_text(pdf).split())
    assert "Time recorded" not in text and "Live workshop, Leeds" in text and "1.25 of a maximum 1.5" in text
    badge = build_badge(record, private_key, PUBLIC_URL)
    assert "no active time recorded (live workshop)" in badge["credentialSubject"]["narrative"]


def test_the_verify_page_shows_the_signed_facts(session_factory, design, private_key):
    from streamlit.testing.v1 import AppTest

    from cpd.certificates.service import issue_certificate

    with session_factory() as s:
        row = issue_certificate(s, make_request(profession="Dentist", **V2), design=design, private_key=private_key,
                                public_url=PUBLIC_URL, now=NOW)
        s.commit()
    at = AppTest.from_function(_verify_page, args=(session_factory, private_key.public_key()), default_timeout=20)
    at.query_params["verify"] = row.id
    at.run()
    assert not at.exception
    texts = [t.value for t in at.text]
    for expected in [
        "Profession: Dentist",  # the signed record's, not the learner table's ("nurse")
        "CPD hours claimed: 1.25 of a maximum 1.5", "Time recorded: 1 h 27 min",
        "Provider contact: [PLACEHOLDER: provider's postal address, e-mail or telephone]",
        "Signed by: [PLACEHOLDER: signatory's name], [PLACEHOLDER: qualifications], [PLACEHOLDER: role]",
        "Edition: 1.2.0 of 2 December 2026",
    ]:
        assert expected in texts, (expected, texts)


def _verify_page(factory, key):
    from cpd.ui.verify_view import render_verify_page

    render_verify_page(factory, key)


# --- the basis of the award: assessment (score against the pass mark) or participation (live workshop) ---

PARTICIPATION = dict(awarded_for="participation", delivery_format="workshop", venue="Royal Hall, Leeds",
                     score_percent=None, pass_mark_percent=None, active_seconds=None)


def test_a_participation_certificate_says_so_and_shows_no_score_or_pass_mark(design, private_key):
    record, pdf = _render(design, private_key, "Dee Silent", **PARTICIPATION)
    assert (record.awarded_for, record.score_percent, record.pass_mark_percent) == ("participation", None, None)
    text = " ".join(pdf_text(pdf).split())  # where a line wraps depends on the layout, not on what it says
    assert "Certificate of participation" in text and "took part in the live CPD workshop" in text
    assert "Participation in a live workshop (not assessed)" in text and "Live workshop, Royal Hall, Leeds" in text
    assert "participation, not an assessment" in text  # the design's statement for participation
    lowered = text.lower()
    assert "pass mark" not in lowered and "score" not in lowered and "%" not in text
    assert "Certificate of CPD Completion" not in text
    assert PdfReader(io.BytesIO(pdf)).metadata.title == "Certificate of participation: Dee Silent"


def test_an_assessed_certificate_shows_the_score_against_the_pass_mark(design, private_key):
    record, pdf = _render(design, private_key, "Ana Ruiz", delivery_format="workshop", venue="Leeds",
                          active_seconds=None)
    assert record.awarded_for == "assessment"  # IssueRequest's default: what every earlier caller issued
    text = " ".join(pdf_text(pdf).split())
    assert "Certificate of CPD Completion" in text and "Score / pass mark" in text and "86.7% (pass mark 80%)" in text
    assert "participation" not in text.lower()


@pytest.mark.parametrize("change, message", [
    ({"awarded_for": "participation", "score_percent": None, "pass_mark_percent": None},
     "only for a live workshop"),  # a self-paced attempt cannot be certified for participation
    ({"format": "live workshop", "venue": "Leeds", "awarded_for": "participation"}, "states no score or pass mark"),
    ({"score_percent": 79.9}, "at or above the pass mark"),
    ({"score_percent": None}, "states the score and the pass mark"),
    ({"awarded_for": "attendance"}, "awarded_for"),
])
def test_the_record_refuses_a_basis_it_cannot_stand_behind(design, change, message):
    record = build_record(make_request(**V2), design=design, public_url=PUBLIC_URL, issued_at=NOW)
    assert record.format == "online self-paced"
    with pytest.raises(ValidationError, match=message):
        type(record).model_validate({**record.model_dump(), **change})
    data = record.model_dump()
    del data["awarded_for"]
    with pytest.raises(ValidationError, match="awarded_for"):  # required: no record leaves its basis unsaid
        type(record).model_validate(data)


def test_issuing_refuses_participation_for_a_self_paced_attempt():
    with pytest.raises(ValidationError, match="only for a live workshop"):
        make_request(awarded_for="participation", score_percent=None, pass_mark_percent=None)
    with pytest.raises(ValidationError, match="states no score or pass mark"):
        make_request(awarded_for="participation", delivery_format="workshop", venue="Leeds")
    with pytest.raises(ValidationError, match="needs the score and the pass mark"):
        make_request(pass_mark_percent=None)


def test_badge_and_verify_page_state_the_basis(session_factory, design, private_key):
    from streamlit.testing.v1 import AppTest

    from cpd.certificates.page_text import compare_text
    from cpd.certificates.service import issue_certificate

    seat, seat_pdf = _render(design, private_key, "Dee Silent", **PARTICIPATION)
    badge = build_badge(seat, private_key, PUBLIC_URL)
    subject = badge["credentialSubject"]
    assert subject["narrative"].startswith("Awarded for participation in a live workshop (not assessed).")
    assert "no assessment and no pass mark" in subject["achievement"]["criteria"]["narrative"]
    assert subject["achievement"]["id"].endswith("/participation")
    assessed = build_record(make_request("Dee Silent", **{**V2, "delivery_format": "workshop",
                                                          "venue": "Royal Hall, Leeds", "active_seconds": None}),
                            design=design, public_url=PUBLIC_URL, issued_at=NOW, certificate_id=seat.id)
    assessed_pdf = render_certificate_pdf(sign_record(assessed, private_key), design)
    assessed_badge = build_badge(assessed, private_key, PUBLIC_URL)["credentialSubject"]
    assert assessed_badge["narrative"].startswith("Awarded for assessment: scored at or above the pass mark of 80%.")
    # Offline check: a participation record attached to a page printed as a scored certificate is caught.
    assert [d.field for d in compare_text(seat, pdf_text(assessed_pdf)).differences] == ["basis of award"]
    assert compare_text(seat, pdf_text(seat_pdf)).matches

    with session_factory() as s:
        row = issue_certificate(s, make_request(attempt_id="seat-1", **{**V2, **PARTICIPATION}), design=design,
                                private_key=private_key, public_url=PUBLIC_URL, now=NOW)
        s.commit()
    at = AppTest.from_function(_verify_page, args=(session_factory, private_key.public_key()), default_timeout=20)
    at.query_params["verify"] = row.id
    at.run()
    assert not at.exception
    texts = [t.value for t in at.text]
    assert "Awarded for: participation in a live workshop (not assessed)" in texts
    assert not any("pass mark" in t for t in texts)
