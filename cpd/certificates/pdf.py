"""Render one certificate as an A4 landscape PDF/A-3a + PDF/UA-1 page with typst.

PDF/A-3 (not 2) because PDF/A-2 forbids attachments that are not themselves
PDF/A, and the signed ``certificate.json`` attachment is what makes the PDF
verifiable offline; typst 0.15 refuses a-2b with "document contains an attached
file". "a" conformance and UA-1 add tagging and alt text for screen readers.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import date
from typing import Any

import typst

from cpd.certificates.bundle import SignedRecord, bundle_bytes
from cpd.certificates.design import SIGNATURE_IMAGE_TYPES, Design
from cpd.certificates.fonts import FontSet, ensure_printable, font_set_for
from cpd.certificates.qr import qr_svg
from cpd.certificates.record import (
    AWARDED_FOR_PARTICIPATION,
    FORMAT_WORKSHOP,
    AnyRecord,
    CertificateRecordV2,
    award_basis,
)
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


def format_minutes(minutes: int) -> str:
    """'1 h 27 min', '45 min', '2 h': how long, the way a person writes it."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def hours_line(record: AnyRecord) -> str:
    """'1.25 of a maximum 1.5': the hours claimed, beside the maximum when the record states one."""
    if isinstance(record, CertificateRecordV2):
        return f"{format_number(record.hours_claimed)} of a maximum {format_number(record.maximum_hours)}"
    return format_number(record.cpd_hours)


PARTICIPATION_LINE = "Participation in a live workshop (not assessed)"


def score_line(record: AnyRecord) -> str:
    """'85.7% (pass mark 75%)': the score against the pass mark, for a certificate awarded for assessment."""
    if record.score_percent is None or record.pass_mark_percent is None:
        return PARTICIPATION_LINE
    return f"{format_number(record.score_percent)}% (pass mark {format_number(record.pass_mark_percent)}%)"


def time_recorded_line(record: AnyRecord) -> str | None:
    """The active time recorded, or None when the record does not state one (v1, a live workshop)."""
    if isinstance(record, CertificateRecordV2) and record.time_recorded_minutes is not None:
        return format_minutes(record.time_recorded_minutes)
    return None


def edition_line(record: AnyRecord) -> str:
    """'Edition 2.0.0 of 2 December 2026': what a reader can quote instead of a module id and content hash."""
    if isinstance(record, CertificateRecordV2) and record.edition_date is not None:
        return f"Edition {record.module_version} of {format_date(record.edition_date)}"
    return f"Edition {record.module_version}"


def signatory_line(record: AnyRecord) -> str:
    """'Dr A. Person, MB ChB, FRCP': the name with the qualifications the record states."""
    qualifications = record.signatory.qualifications if isinstance(record, CertificateRecordV2) else None
    return f"{record.signatory.name}, {qualifications}" if qualifications else record.signatory.name


def profession_of(record: AnyRecord) -> str | None:
    return record.learner_profession if isinstance(record, CertificateRecordV2) else None


def provider_contact_of(record: AnyRecord, design: Design) -> str:
    """The contact the record states; a v1 record stated none, so its page shows the design's (as before)."""
    if isinstance(record, CertificateRecordV2):
        return record.provider_contact or ""
    return design.provider_contact


def signature_svg(design: Design) -> str | None:
    """The design's signature image as SVG text (a PNG or JPEG is embedded in one), or None without one.

    Typst's inputs are strings; wrapping a raster image in an SVG keeps one path for every image type.
    """
    path = design.signature_file()
    if path is None:
        return None
    data = path.read_bytes()
    mime = SIGNATURE_IMAGE_TYPES[path.suffix.lower()]
    if mime == "image/svg+xml":
        return data.decode("utf-8")
    # A 3:1 box (a signature's usual shape); the image is scaled into it keeping its own proportions.
    href = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            'width="600" height="200" viewBox="0 0 600 200">'
            f'<image width="600" height="200" preserveAspectRatio="xMidYMax meet" xlink:href="{href}"/></svg>')


def printed_fields(record: AnyRecord) -> dict[str, str]:
    """Every record text that appears on the page, by what the error should call it."""
    fields = {
        "learner name": record.learner_name,
        "registration number": record.registration_number or "",
        "activity title": record.activity_title,
        "venue": record.venue or "",
        "provider": record.provider,
        "accreditation statement": record.accreditation_statement,
        "signatory name": signatory_line(record),
        "signatory role": record.signatory.role,
        "module": edition_line(record),
        "profession": profession_of(record) or "",
    }
    for i, objective in enumerate(record.learning_objectives, 1):
        fields[f"learning objective {i}"] = objective
    return fields


def _page_data(record: AnyRecord, design: Design, fonts: FontSet) -> dict[str, object]:
    fmt = record.format.capitalize()
    venue = record.venue if record.format == FORMAT_WORKSHOP and record.venue else None
    if venue:
        fmt = f"{fmt}, {venue}"
    details = [
        ["Completed", format_date(record.completion_date)],
        ["Valid until", format_date(record.valid_until)],
        ["CPD hours claimed" if isinstance(record, CertificateRecordV2) else "CPD hours", hours_line(record)],
        ["Time recorded", time_recorded_line(record) or "not recorded"]
        if isinstance(record, CertificateRecordV2) and record.format != FORMAT_WORKSHOP else None,
        # The basis of the award: the score against the pass mark, or (participation) no score at all.
        ["Awarded for", PARTICIPATION_LINE] if award_basis(record) == AWARDED_FOR_PARTICIPATION
        else ["Score / pass mark", score_line(record)],
        # The edition a reader can quote; the module id and content hash stay in the signed record attached.
        ["Module", edition_line(record)],
    ]
    wording = design.wording.for_basis(award_basis(record))
    return {
        "doc_title": f"{wording['title']}: {record.learner_name}",
        "keywords": [f"certificate-id:{record.id}", f"version:{record.version}", record.module_id],
        "fonts": list(fonts.families),
        "lang": design.language,
        "colours": design.colours.model_dump(),
        "wording": wording,
        "provider": record.provider,
        "provider_contact": provider_contact_of(record, design),
        "accreditation": record.accreditation_statement,
        "signatory": {"name": signatory_line(record), "role": record.signatory.role},
        "has_signature": design.signature_file() is not None,
        "name": record.learner_name,
        "profession": profession_of(record),
        "registration": record.registration_number,
        "activity": record.activity_title,
        "format_line": fmt,
        "venue_line": venue,
        "details": [pair for pair in details if pair is not None],
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
    ensure_printable({**printed_fields(record), "provider contact": provider_contact_of(record, design)}, fonts)
    inputs = {
        "data": json.dumps(_page_data(record, design, fonts), ensure_ascii=False),
        "bundle": bundle_bytes(signed).decode("utf-8"),
        "qr": qr_svg(record.verification_url),
        "signature": signature_svg(design) or "",
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
