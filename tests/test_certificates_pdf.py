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

from cpd.certificates.bundle import sign_record
from cpd.certificates.pdf import RenderError, render_certificate_pdf
from cpd.certificates.qr import qr_svg
from cpd.certificates.request import build_record
from test_certificates_support import (  # noqa: F401
    NOW, PUBLIC_URL, design, make_request, needs_cjk, pdf_bundle, pdf_text, private_key,
)


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
    with pytest.raises(RenderError, match="pages"):
        _render(design, private_key, "Anna", learning_objectives=["A long objective " * 25] * 20)


def test_qr_svg():
    svg = qr_svg(f"{PUBLIC_URL}/?verify=abc")
    assert svg.startswith("<svg") and "<path" in svg
