"""What the caller supplies to issue a certificate, and how it becomes a record.

``IssueRequest`` is plain data so this package does not depend on the attempts
engine: whoever marks an attempt as passed fills it in.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cpd.certificates.design import Design
from cpd.certificates.record import (
    AWARDED_FOR_PARTICIPATION,
    FORMAT_ONLINE,
    FORMAT_WORKSHOP,
    AwardBasis,
    CertificateRecordV2,
    SignatoryV2,
    new_certificate_id,
)


class IssueRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    attempt_id: str = Field(min_length=1, max_length=36)
    learner_name: str = Field(min_length=1, max_length=200)
    registration_number: str | None = Field(default=None, max_length=64)
    module_title: str = Field(min_length=1, max_length=300)
    module_id: str = Field(min_length=1, max_length=80)
    module_version: str = Field(min_length=1, max_length=40)
    content_hash: str = Field(min_length=1, max_length=128)
    learning_objectives: list[str] = Field(default_factory=list)
    cpd_hours: float = Field(gt=0)  # the hours claimed (the module's maximum when the learner was not asked)
    # Required for an assessment award; left out (None) for a participation award, which states neither.
    score_percent: float | None = Field(default=None, ge=0, le=100)
    pass_mark_percent: float | None = Field(default=None, ge=0, le=100)
    recertification_months: int = Field(ge=1, le=240)
    completed_at: datetime
    # Same values as ``Attempt.delivery_format``.
    delivery_format: Literal["online", "workshop"] = "online"
    venue: str | None = Field(default=None, max_length=200)
    # Added with record version 2; optional so every caller that fills in the fields above keeps working.
    maximum_hours: float | None = Field(default=None, gt=0)  # the activity's designated maximum; None: cpd_hours
    active_seconds: float | None = Field(default=None, ge=0)  # time recorded; None where none is (a workshop)
    profession: str | None = Field(default=None, max_length=120)
    edition_date: date | None = None  # the date of the edition (the module's last review date)
    # The basis of the award (record version 2): "assessment" unless a caller says otherwise, so every
    # caller written before it existed keeps issuing what it issued (a passed assessment).
    awarded_for: AwardBasis = "assessment"

    @model_validator(mode="after")
    def _check(self) -> IssueRequest:
        if self.completed_at.tzinfo is None:
            raise ValueError("completed_at must be timezone-aware")
        if self.awarded_for == AWARDED_FOR_PARTICIPATION:
            if self.delivery_format != "workshop":
                raise ValueError("a certificate of participation is awarded only for a live workshop")
            if self.score_percent is not None or self.pass_mark_percent is not None:
                raise ValueError("a certificate of participation states no score or pass mark")
        elif self.score_percent is None or self.pass_mark_percent is None:
            raise ValueError("an assessment award needs the score and the pass mark")
        elif self.score_percent < self.pass_mark_percent:
            raise ValueError("the score is below the pass mark: no certificate")
        if self.delivery_format == "workshop" and not (self.venue and self.venue.strip()):
            raise ValueError("a workshop needs a venue")
        if self.maximum_hours is not None and self.cpd_hours > self.maximum_hours:
            raise ValueError("the hours claimed are more than the activity's maximum")
        return self


def add_months(d: date, months: int) -> date:
    """Calendar months, clamped: 31 January + 1 month = 28/29 February."""
    month_index = d.month - 1 + months
    year, month = d.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def verification_url(public_url: str, certificate_id: str) -> str:
    return f"{public_url.rstrip('/')}/?verify={certificate_id}"


def build_record(
    request: IssueRequest,
    *,
    design: Design,
    public_url: str,
    issued_at: datetime,
    certificate_id: str | None = None,
) -> CertificateRecordV2:
    """A record of the newest version from the request, the design's provider details and the clock."""
    cert_id = certificate_id or new_certificate_id()
    completion = request.completed_at.date()
    workshop = request.delivery_format == "workshop"
    signatory = design.signatory
    return CertificateRecordV2(
        id=cert_id,
        version=1,
        supersedes=None,
        learner_name=request.learner_name.strip(),
        learner_profession=(request.profession or "").strip() or None,
        registration_number=(request.registration_number or "").strip() or None,
        activity_title=request.module_title,
        module_id=request.module_id,
        module_version=request.module_version,
        edition_date=request.edition_date,
        content_hash=request.content_hash,
        format=FORMAT_WORKSHOP if workshop else FORMAT_ONLINE,
        venue=request.venue.strip() if workshop and request.venue else None,
        completion_date=completion,
        hours_claimed=request.cpd_hours,
        maximum_hours=request.maximum_hours if request.maximum_hours is not None else request.cpd_hours,
        # Whole minutes, rounded down: the certificate never states more time than was recorded.
        time_recorded_minutes=None if request.active_seconds is None else int(request.active_seconds // 60),
        awarded_for=request.awarded_for,
        score_percent=request.score_percent,
        pass_mark_percent=request.pass_mark_percent,
        learning_objectives=list(request.learning_objectives),
        valid_until=add_months(completion, request.recertification_months),
        provider=design.provider,
        provider_contact=design.provider_contact.strip() or None,
        accreditation_statement=design.accreditation_for(request.awarded_for),
        signatory=SignatoryV2(name=signatory.name, qualifications=signatory.qualifications, role=signatory.role),
        verification_url=verification_url(public_url, cert_id),
        issued_at=issued_at,
    )
