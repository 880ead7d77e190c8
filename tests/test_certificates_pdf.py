"""The rendered PDF: every script prints, user text is data not markup, one page.

Arabic and pypdf: typst writes Arabic glyph runs in visual order inside
``/ReversedChars`` and ``/ActualText`` marked content, and Noto Sans Arabic
draws some dots as separate glyphs. pypdf ignores both, so its extracted Arabic
is neither in logical order nor one glyph per letter (e.g. "عبد" comes out as
"دبعب"). We therefore compare, for Arabic, the *set* of Arabic letters on the
page with the set of letters in the name (both directions of inclusion, the
name being the only Arabic text on the page), and check the exact name in the
signed attachment. All other scripts must extract exactly.
"""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader
from test_certificates_support import (  # noqa: F401
    NOW,
    PUBLIC_URL,
    REPO,
    design,
    make_request,
    needs_cjk,
    pdf_bundle,
    pdf_text,
    private_key,
)

from cpd.certificates.bundle import sign_record
from cpd.certificates.pdf import RenderError, render_certificate_pdf
from cpd.certificates.qr import qr_svg
from cpd.certificates.request import build_record


def _render(design, private_key, name, **overrides):
    record = build_record(make_request(name, **overrides), design=design, public_url=PUBLIC_URL, issued_at=NOW)
    return record, render_certificate_pdf(sign_record(record, private_key), design)


def _arabic_letters(text: str) -> set[str]:
    return {c for c in unicodedata.normalize("NFKC", text) if "ARABIC" in unicodedata.name(c, "")}


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ångström-Müller",
        "Σωκράτης Παπαδόπουλος",
        "Анна Каренина",
        pytest.param("王小明", marks=needs_cjk),
    ],
)
def test_name_prints_exactly(design, private_key, name):
    record, pdf = _render(design, private_key, name)
    assert name in pdf_text(pdf)
    assert pdf_bundle(pdf)["record"]["learner_name"] == name


@pytest.mark.parametrize("name", ["محمد عبد الله", "فاطمة الزهراء"])
def test_arabic_name_prints(design, private_key, name):
    record, pdf = _render(design, private_key, name)
    text = pdf_text(pdf)
    assert _arabic_letters(text) == _arabic_letters(name)
    assert pdf_bundle(pdf)["record"]["learner_name"] == name


@pytest.mark.parametrize(
    "name",
    ['#set page(fill: red)', "*x* _y_ `z`", "<script>alert(1)</script>", '"); #panic("boom', "$x^2$ @ref \\ #"],
)
def test_markup_in_names_prints_literally(design, private_key, name):
    _, pdf = _render(design, private_key, name)
    assert name in pdf_text(pdf)


def test_page_layout_and_metadata(design, private_key):
    record, pdf = _render(design, private_key, "Zoë Ångström-Müller", delivery_format="workshop", venue="Leeds")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    assert f"certificate-id:{record.id}" in reader.metadata["/Keywords"]
    assert record.id in reader.metadata["/Title"] or "Zoë" in reader.metadata["/Title"]
    assert list(reader.attachments) == ["certificate.json"]
    text = pdf_text(pdf)
    for expected in [
        "GMC 7654321", "Reality Check: the safety of exosome products", "Live workshop, Leeds",
        "5 March 2026", "2.5", "86.7% (pass mark 80%)", "5 March 2028", design.provider,
        design.signatory.name, record.id, record.verification_url,
        "Recognise unsupported claims and regulatory red flags.",
    ]:
        assert expected in text, expected
    # PDF/A-3 identification in XMP metadata, and tagged (PDF/UA) structure.
    assert re.search(rb"pdfaid:part[>=\"']+3", pdf)
    assert b"/StructTreeRoot" in pdf and b"pdfuaid" in pdf
    assert b"QR code linking to the verification page" in pdf  # image alt text


def test_same_inputs_same_bytes(design, private_key):
    record = build_record(make_request(), design=design, public_url=PUBLIC_URL, issued_at=NOW, certificate_id="B" * 22)
    signed = sign_record(record, private_key)
    assert render_certificate_pdf(signed, design) == render_certificate_pdf(signed, design)


def test_overflow_is_an_error_not_a_second_page(design, private_key):
    with pytest.raises(RenderError, match="pages") as err:
        _render(design, private_key, "Anna", learning_objectives=["A long objective " * 25] * 20)
    # The message says what did not fit, tallest part first.
    assert re.search(r"needs \d pages: the content is [\d.]+ cm tall but the page has room for [\d.]+ cm "
                     r"\(the 20 learning objectives [\d.]+ cm, ", str(err.value)), str(err.value)


# --- the real module at the limits of the learner form ------------------------

LONGEST_NAME = (
    "Maximiliana Alexandrina Wolfeschlegelsteinhausenbergerdorff-Ångström "
    "de la Fuente-Papadopoulou Nakamura-Ó Súilleabháin J"
)
LONGEST_REGISTRATION = "GMC 1234567 / NMC 12A3456B / GDC 98765X1"
LONGEST_VENUE = (
    "Royal College of Physicians of Edinburgh, Queen Mother Conference Centre, Seminar Room 3 (second floor), "
    "9 Queen Street, Edinburgh EH2 1JQ, Scotland, United Kingdom; entrance via Hill Street side door"
)


@pytest.fixture(scope="module")
def real_module():
    from cpd.content.loader import load_module

    return load_module([REPO / "modules", REPO / "questions"], "exosome-safety").module


def _flat(text: str) -> str:
    """Extracted text with line wraps undone (a long name may take two lines)."""
    return re.sub(r"\s+", " ", re.sub(r"-\n", "-", text))


@pytest.mark.parametrize(
    "name, registration, venue",
    [
        ("Zoë Ångström", "GMC 1234567", None),
        ("Zoë Ångström", LONGEST_REGISTRATION, LONGEST_VENUE),
        (LONGEST_NAME[:70], None, None),
        (LONGEST_NAME[:90], "GMC 1234567", None),
        (LONGEST_NAME, LONGEST_REGISTRATION, LONGEST_VENUE),
    ],
)
def test_real_module_fits_one_page_at_the_form_limits(design, private_key, real_module, name, registration, venue):
    assert len(LONGEST_NAME) == 120 and len(LONGEST_REGISTRATION) == 40 and len(LONGEST_VENUE) == 200
    assert len(real_module.objectives) >= 7
    workshop = dict(delivery_format="workshop", venue=venue) if venue else {}
    record, pdf = _render(
        design, private_key, name, registration_number=registration,
        module_title=real_module.title, learning_objectives=[o.text for o in real_module.objectives], **workshop,
    )
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = pdf_text(pdf)
    flat = _flat(text)
    assert name in flat
    if registration:
        assert f"Professional registration number: {registration}" in text
    if venue:
        assert f"Live workshop, {venue}" in flat
    assert real_module.title in text
    for objective in real_module.objectives:
        assert objective.text in flat
    assert pdf_bundle(pdf)["record"]["learner_name"] == name


def test_qr_svg():
    svg = qr_svg(f"{PUBLIC_URL}/?verify=abc")
    assert svg.startswith("<svg") and "<path" in svg
