"""What anyone may see about a certificate: the public page and ``GET /api/certificates/<id>`` share this.

An employer needs to know whether the person in front of them completed the
activity: name, profession, activity, date, hours, provider and status, in
plain words, and what the certificate was awarded for (passing the assessment, or participation in
an attendance-based live workshop). The score is the learner's business and is not shown; a
professional registration number is shown only in part (enough to compare with
the card in front of you, not enough to harvest).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from cpd.certificates.pdf import (
    edition_line,
    format_date,
    format_number,
    hours_line,
    profession_of,
    signatory_line,
    time_recorded_line,
)
from cpd.certificates.record import AWARDED_FOR_PARTICIPATION, AnyRecord, CertificateRecordV2, award_basis
from cpd.certificates.service import LookupResult

STATUS_WORDS = {
    "valid": "Valid: issued by {provider}, current and not withdrawn.",
    "expired": "Expired on {valid_until}: the activity was completed, but the certificate is past its valid-until date.",
    "revoked": "Revoked: withdrawn by {provider} on {revoked_on}. Reason: {reason}",
    "superseded": "Replaced by a corrected certificate ({superseded_by}); this one no longer stands.",
    "unknown": "Unknown: we have no certificate with this ID.",
}


def partial_registration(number: str | None) -> str | None:
    """Every digit but the last three hidden: 'GMC 7654321' -> 'GMC ••••321'."""
    if not number:
        return None
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    hide = set(digits[:-3]) if len(digits) > 3 else set(digits[:-1])
    return "".join("•" if i in hide else ch for i, ch in enumerate(number))


def basis_line(record: AnyRecord) -> str | None:
    """What the certificate was awarded for, in words (the score itself stays the learner's business)."""
    basis = award_basis(record)
    if basis == AWARDED_FOR_PARTICIPATION:
        return "participation in a live workshop (not assessed)"
    if basis is None:
        return None
    return f"passing the assessment (pass mark {format_number(record.pass_mark_percent or 0)}%)"


def effective_status(result: LookupResult, today: date | None = None) -> str:
    """The lookup status, with "expired" for a current certificate past its valid-until day."""
    today = today or datetime.now(UTC).date()
    if result.status == "valid" and result.record is not None and result.record.valid_until < today:
        return "expired"
    return result.status


def public_view(result: LookupResult, today: date | None = None) -> dict[str, Any]:
    """Plain data for the page and the API (JSON-ready: strings, numbers, None)."""
    status = effective_status(result, today)
    view: dict[str, Any] = {"certificate_id": result.certificate_id, "status": status}
    record = result.record
    if record is None:
        view["status_text"] = STATUS_WORDS["unknown"]
        return view
    v2 = record if isinstance(record, CertificateRecordV2) else None
    view.update(
        name=record.learner_name,
        # The signed record's profession (version 2) wins over the learner's current profile.
        profession=profession_of(record) or result.profession,
        activity=record.activity_title,
        format=record.format,
        awarded_for=award_basis(record),  # None: a version-1 record, which does not say
        basis_line=basis_line(record),
        venue=record.venue,
        completion_date=record.completion_date.isoformat(),
        cpd_hours=record.cpd_hours,  # the hours claimed, in every record version
        hours_line=hours_line(record),
        maximum_hours=v2.maximum_hours if v2 is not None else None,
        time_recorded_minutes=v2.time_recorded_minutes if v2 is not None else None,
        time_recorded=time_recorded_line(record),
        edition=edition_line(record).removeprefix("Edition "),
        provider=record.provider,
        provider_contact=v2.provider_contact if v2 is not None else None,
        signed_by=f"{signatory_line(record)}, {record.signatory.role}",
        registration_number_partial=partial_registration(record.registration_number),
        issued_at=record.issued_at.isoformat().replace("+00:00", "Z"),
        valid_from=record.issued_at.isoformat().replace("+00:00", "Z"),
        valid_until=record.valid_until.isoformat(),
        version=record.version,
        supersedes=record.supersedes,
        superseded_by=result.superseded_by,
        revoked_at=result.revoked_at.isoformat().replace("+00:00", "Z") if result.revoked_at else None,
        revoked_reason=result.revoked_reason,
        pdf_sha256=result.pdf_sha256,
        verification_url=record.verification_url,
    )
    view["status_text"] = STATUS_WORDS[status].format(
        provider=record.provider,
        valid_until=format_date(record.valid_until),
        revoked_on=format_date(result.revoked_at.date()) if result.revoked_at else "an unknown date",
        reason=result.revoked_reason or "(none given)",
        superseded_by=result.superseded_by,
    )
    return view


def plain_lines(view: dict[str, Any]) -> list[tuple[str, str]]:
    """The lines an employer reads first, in order (label, value)."""
    if view.get("name") is None:
        return []
    completed = format_date(date.fromisoformat(view["completion_date"]))
    lines = [
        ("Name", view["name"]),
        ("Profession", view.get("profession") or "not stated"),
        ("Activity", view["activity"]),
        ("Completed on", completed),
        *([("Awarded for", view["basis_line"])] if view.get("basis_line") else []),
        ("CPD hours claimed" if view.get("maximum_hours") is not None else "CPD hours",
         view.get("hours_line") or format_number(view["cpd_hours"])),
    ]
    if view.get("time_recorded"):
        lines.append(("Time recorded", view["time_recorded"]))
    lines.append(("Provider", view["provider"]))
    if view.get("provider_contact"):
        lines.append(("Provider contact", view["provider_contact"]))
    lines.append(("Signed by", view["signed_by"]))
    lines.append(("Edition", view["edition"]))
    if view.get("venue"):
        lines.insert(3, ("Venue", view["venue"]))
    return lines
