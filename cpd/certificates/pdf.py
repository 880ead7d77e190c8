"""Render one certificate as an A4 landscape PDF/A-3a + PDF/UA-1 page with typst.

PDF/A-3 (not 2) because PDF/A-2 forbids attachments that are not themselves
PDF/A, and the signed ``certificate.json`` attachment is what makes the PDF
verifiable offline; typst 0.15 refuses a-2b with "document contains an attached
file". "a" conformance and UA-1 add tagging and alt text for screen readers.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import typst

from cpd.certificates.bundle import SignedRecord, bundle_bytes
from cpd.certificates.design import Design
from cpd.certificates.fonts import FontSet, ensure_printable, font_set_for
from cpd.certificates.qr import qr_svg
from cpd.certificates.record import FORMAT_WORKSHOP, CertificateRecord
from cpd.certificates.typst_template import TEMPLATE

PDF_STANDARDS: Any = ["a-3a", "ua-1"]  # typst.compile takes a list of its standard names
_TEMPLATE_BYTES = TEMPLATE.encode("utf-8")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


class RenderError(RuntimeError):
    """The certificate could not be laid out as one page."""


def format_date(d: date) -> str:
    """'5 March 2027': unambiguous in every country, unlike 05/03/2027."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def format_number(x: float) -> str:
    return f"{x:g}"


def printed_fields(record: CertificateRecord) -> dict[str, str]:
    """Every record text that appears on the page, by what the error should call it."""
    fields = {
        "learner name": record.learner_name,
        "registration number": record.registration_number or "",
        "activity title": record.activity_title,
        "venue": record.venue or "",
        "provider": record.provider,
        "accreditation statement": record.accreditation_statement,
        "signatory name": record.signatory.name,
        "signatory role": record.signatory.role,
        "module": f"Edition {record.module_version}",
    }
    for i, objective in enumerate(record.learning_objectives, 1):
        fields[f"learning objective {i}"] = objective
    return fields


def _page_data(record: CertificateRecord, design: Design, fonts: FontSet) -> dict[str, object]:
    fmt = record.format.capitalize()
    venue = record.venue if record.format == FORMAT_WORKSHOP and record.venue else None
    if venue:
        fmt = f"{fmt}, {venue}"
    return {
        "doc_title": f"{design.wording.title}: {record.learner_name}",
        "keywords": [f"certificate-id:{record.id}", f"version:{record.version}", record.module_id],
        "fonts": list(fonts.families),
        "lang": design.language,
        "colours": design.colours.model_dump(),
        "wording": design.wording.model_dump(),
        "provider": record.provider,
        "provider_contact": design.provider_contact,
        "accreditation": record.accreditation_statement,
        "signatory": record.signatory.model_dump(),
        "name": record.learner_name,
        "registration": record.registration_number,
        "activity": record.activity_title,
        "format_line": fmt,
        "venue_line": venue,
        "completion": format_date(record.completion_date),
        "hours": format_number(record.cpd_hours),
        "score_line": f"{format_number(record.score_percent)}% (pass mark {format_number(record.pass_mark_percent)}%)",
        "valid_until": format_date(record.valid_until),
        # The edition a reader can quote; the module id and content hash stay in the signed record attached.
        "module_line": f"Edition {record.module_version}",
        "objectives": list(record.learning_objectives),
        "certificate_id": record.id,
        "version_line": f"version {record.version}"
        + (f", replaces {record.supersedes}" if record.supersedes else ""),
        "issued": format_date(record.issued_at.date()),
        "verify_url": record.verification_url,
        "qr_alt": f"QR code linking to the verification page {record.verification_url}",
    }


_PAGE_RE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def render_certificate_pdf(signed: SignedRecord, design: Design, fonts: FontSet | None = None) -> bytes:
    """The PDF bytes of one certificate, with the signed record attached.

    Raises ``MissingGlyphsError`` before rendering if any printed text has a
    character no font covers, and ``RenderError`` if the content overflows one page.
    """
    fonts = fonts or font_set_for(design)
    record = signed.record
    ensure_printable({**printed_fields(record), "provider contact": design.provider_contact}, fonts)
    inputs = {
        "data": json.dumps(_page_data(record, design, fonts), ensure_ascii=False),
        "bundle": bundle_bytes(signed).decode("utf-8"),
        "qr": qr_svg(record.verification_url),
    }
    pdf = typst.compile(
        _TEMPLATE_BYTES,
        font_paths=fonts.typst_fonts,
        sys_inputs=inputs,
        pdf_standards=PDF_STANDARDS,
        timestamp=record.issued_at,
    )
    pages = len(_PAGE_RE.findall(pdf))
    if pages != 1:
        raise RenderError(f"certificate {record.id} needs {pages} pages: {_overflow_report(inputs, fonts)}")
    return pdf


def _overflow_report(inputs: dict[str, str], fonts: FontSet) -> str:
    """Which parts of the page are how tall, from the template's ``<part>`` metadata (pt)."""
    try:
        found = json.loads(
            typst.query(
                _TEMPLATE_BYTES, "<part>", field="value", font_paths=fonts.typst_fonts,
                sys_inputs={**inputs, "measure": "1"},
            )
        )
        heights = {str(p["part"]): float(p["height"]) for p in found}
        room = heights.pop("page")
    except Exception as exc:  # the report is a courtesy; never hide the RenderError behind it
        return f"the content is taller than one A4 page (could not measure the parts: {type(exc).__name__})"
    used = sum(heights.values())
    tallest = sorted(heights.items(), key=lambda kv: -kv[1])
    parts = ", ".join(f"{name} {height / 72 * 2.54:.1f} cm" for name, height in tallest)
    return (
        f"the content is {used / 72 * 2.54:.1f} cm tall but the page has room for {room / 72 * 2.54:.1f} cm "
        f"({parts}); shorten the longest of these (objectives in the module, the accreditation statement "
        f"in the design)"
    )
