"""The certificate record: the facts a CPD body asks a certificate to show.

The record, not the PDF, is what gets signed. ``canonical_json`` fixes one exact
byte form (RFC 8785, the JSON Canonicalization Scheme) so that a verifier in any
language can rebuild the signed bytes from the JSON it received.

THE VERSIONING RULE (issue 9, part 8). A certificate is valid for years; the
code that checks it changes every month. So:

* A record version is frozen once a certificate of it has been issued. Its
  ``record_type`` string, its model class and the canonical form of its fields
  never change again: not a field name, not a type, not a default, not a rule
  that would refuse a value it once accepted.
* Any later change to what a certificate states or how it is signed (a workshop
  format, how hours are claimed, a new proof format, a new field) adds a new
  version: a new ``record_type`` (``.../certificate-record/2``), a new model
  class beside the old one, and an entry in ``RECORD_VERSIONS``. New
  certificates use the newest; ``parse_record`` reads every version ever issued.
* Every earlier version keeps verifying: ``tests/fixtures/certificates`` holds
  files signed by the code of their day (never regenerated) and
  ``tests/test_certificates_versions.py`` proves they still verify, so a change
  that breaks an issued certificate fails the suite.
* The Open Badge is derived from the record and carries its own proof; its proof
  forms are versioned the same way in ``openbadge.py`` (``PROOF_FORMS``): the
  verifier keeps accepting every form it ever issued and names which one it saw.

Record versions issued so far:

* ``reality-check-cpd/certificate-record/1`` (``CertificateRecord``): one ``cpd_hours`` figure (the hours
  the learner claimed, or the module's hours before claiming existed), provider, accreditation, signatory.
* ``reality-check-cpd/certificate-record/2`` (``CertificateRecordV2``, issued from December 2026): what a
  society or employer asked the certificate to state (issue 18): the hours claimed beside the module's
  designated maximum and the active time recorded, the learner's profession, the provider's address or
  contact, a signatory with their qualifications, and the edition's date (printed instead of developer
  identifiers; the content hash stays in the signed record), and the basis of the award
  (``awarded_for``): "assessment" (the score reached the pass mark, online or in an assessed live workshop)
  or "participation" (took part in an attendance-based live workshop; no score or pass mark is stated).
  The basis was added before any version-2 certificate was issued; the version-2 fixture was re-signed
  then, once (see ``tests/fixtures/certificates/README.md``).
"""

from __future__ import annotations

import base64
import re
import secrets
import unicodedata
from datetime import UTC, date, datetime
from typing import Any, Final, Literal, TypeAlias

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cpd.text import BIDI_CONTROLS

RECORD_TYPE_V1: Final = "reality-check-cpd/certificate-record/1"
RECORD_TYPE_V2: Final = "reality-check-cpd/certificate-record/2"
RECORD_TYPE: Final = RECORD_TYPE_V2  # the version new certificates are issued in
FORMAT_ONLINE: Final = "online self-paced"
FORMAT_WORKSHOP: Final = "live workshop"
DeliveryFormat = Literal["online self-paced", "live workshop"]
# What the certificate is awarded for: passing an assessment, or taking part in an attendance-based workshop.
AWARDED_FOR_ASSESSMENT: Final = "assessment"
AWARDED_FOR_PARTICIPATION: Final = "participation"
AwardBasis = Literal["assessment", "participation"]

# Ids are issued as 128 random bits in lower-case base32 (26 characters): easy to read out
# over the phone, safe in URLs, and never starting with '-' (which a CLI would take for an option).
# The pattern still accepts the URL-safe alphabet so any id ever issued stays checkable.
CERTIFICATE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_certificate_id() -> str:
    """An unguessable id: knowing one certificate's id reveals no other."""
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def reject_control_characters(value: str) -> str:
    # Control characters have no place on a certificate and would let a name
    # rewrite a terminal (ANSI escapes) or hide text (bidi overrides). The bidi
    # list is cpd.text's, so learner forms and records refuse the same characters.
    for ch in value:
        if unicodedata.category(ch) == "Cc" or ord(ch) in BIDI_CONTROLS:
            raise ValueError(f"contains the control character U+{ord(ch):04X}")
    return value


class Signatory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=200)

    @field_validator("name", "role")
    @classmethod
    def _no_controls(cls, v: str) -> str:
        return reject_control_characters(v)


class CertificateRecord(BaseModel):
    """Record version 1 (frozen): everything printed on, and signed for, one certificate version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_type: Literal["reality-check-cpd/certificate-record/1"] = RECORD_TYPE_V1
    id: str = Field(pattern=CERTIFICATE_ID_RE.pattern)
    version: int = Field(ge=1)
    supersedes: str | None = Field(default=None, pattern=CERTIFICATE_ID_RE.pattern)
    learner_name: str = Field(min_length=1, max_length=200)
    registration_number: str | None = Field(default=None, max_length=64)
    activity_title: str = Field(min_length=1, max_length=300)
    module_id: str = Field(min_length=1, max_length=80)
    module_version: str = Field(min_length=1, max_length=40)
    content_hash: str = Field(min_length=1, max_length=128)
    format: DeliveryFormat
    venue: str | None = Field(default=None, max_length=200)
    completion_date: date
    cpd_hours: float = Field(gt=0, le=1000)
    score_percent: float = Field(ge=0, le=100)
    pass_mark_percent: float = Field(ge=0, le=100)
    learning_objectives: list[str] = Field(default_factory=list, max_length=20)
    valid_until: date
    provider: str = Field(min_length=1, max_length=200)
    accreditation_statement: str = Field(min_length=1, max_length=1000)
    signatory: Signatory
    verification_url: str = Field(min_length=1, max_length=500)
    issued_at: datetime

    @field_validator(
        "learner_name", "registration_number", "activity_title", "module_id", "module_version",
        "content_hash", "venue", "provider", "accreditation_statement", "verification_url",
    )
    @classmethod
    def _no_controls(cls, v: str | None) -> str | None:
        return None if v is None else reject_control_characters(v)

    @field_validator("learning_objectives")
    @classmethod
    def _objectives_clean(cls, v: list[str]) -> list[str]:
        for item in v:
            reject_control_characters(item)
            if not item.strip() or len(item) > 500:
                raise ValueError("each objective must be 1-500 characters")
        return v

    @field_validator("issued_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        # One timezone and whole seconds so the JSON form is stable ("...Z").
        if v.tzinfo is None:
            raise ValueError("issued_at must be timezone-aware")
        return v.astimezone(UTC).replace(microsecond=0)

    @model_validator(mode="after")
    def _consistent(self) -> CertificateRecord:
        if self.format == FORMAT_WORKSHOP and not self.venue:
            raise ValueError("a live workshop certificate must name its venue")
        if self.valid_until < self.completion_date:
            raise ValueError("valid_until is before completion_date")
        if (self.version == 1) != (self.supersedes is None):
            raise ValueError("version 1 supersedes nothing; later versions must name what they supersede")
        return self


class SignatoryV2(BaseModel):
    """Who vouches for the certificate: a named person, their qualifications and their role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    qualifications: str | None = Field(default=None, max_length=200)  # e.g. "MB ChB, FRCS"
    role: str = Field(min_length=1, max_length=200)

    @field_validator("name", "qualifications", "role")
    @classmethod
    def _no_controls(cls, v: str | None) -> str | None:
        return None if v is None else reject_control_characters(v)


class CertificateRecordV2(BaseModel):
    """Record version 2: what a CPD body asks a certificate to state about participation and who vouches.

    Hours: ``hours_claimed`` is what the learner claimed at the evaluation (AMA-style "credit commensurate
    with the extent of participation"), never more than ``maximum_hours``, the activity's designated
    maximum; ``time_recorded_minutes`` is the active time the platform recorded (None where it records
    none, e.g. a live workshop). ``edition_date`` is the date of the edition printed instead of the module
    id and content hash, which stay here for anyone checking the exact content.

    Basis: ``awarded_for`` says what the certificate is for, so an accreditor never has to infer it from a
    score. "assessment": ``score_percent`` reached ``pass_mark_percent`` (both stated). "participation":
    the learner took part in an attendance-based live workshop; only a live workshop awards it (attendance
    is what the facilitator's room records; a self-paced module has nothing but its assessment to go on),
    and such a record states no score and no pass mark (a "pass mark 0 %" misleads).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_type: Literal["reality-check-cpd/certificate-record/2"] = RECORD_TYPE_V2
    id: str = Field(pattern=CERTIFICATE_ID_RE.pattern)
    version: int = Field(ge=1)
    supersedes: str | None = Field(default=None, pattern=CERTIFICATE_ID_RE.pattern)
    learner_name: str = Field(min_length=1, max_length=200)
    learner_profession: str | None = Field(default=None, max_length=120)
    registration_number: str | None = Field(default=None, max_length=64)
    activity_title: str = Field(min_length=1, max_length=300)
    module_id: str = Field(min_length=1, max_length=80)
    module_version: str = Field(min_length=1, max_length=40)
    edition_date: date | None = None
    content_hash: str = Field(min_length=1, max_length=128)
    format: DeliveryFormat
    venue: str | None = Field(default=None, max_length=200)
    completion_date: date
    hours_claimed: float = Field(gt=0, le=1000)
    maximum_hours: float = Field(gt=0, le=1000)
    time_recorded_minutes: int | None = Field(default=None, ge=0, le=1_000_000)
    awarded_for: AwardBasis  # required: no default, so no record leaves its basis to a reader's guess
    score_percent: float | None = Field(ge=0, le=100)  # None exactly when awarded for participation
    pass_mark_percent: float | None = Field(ge=0, le=100)
    learning_objectives: list[str] = Field(default_factory=list, max_length=20)
    valid_until: date
    provider: str = Field(min_length=1, max_length=200)
    provider_contact: str | None = Field(default=None, max_length=400)
    accreditation_statement: str = Field(min_length=1, max_length=1000)
    signatory: SignatoryV2
    verification_url: str = Field(min_length=1, max_length=500)
    issued_at: datetime

    @field_validator(
        "learner_name", "learner_profession", "registration_number", "activity_title", "module_id",
        "module_version", "content_hash", "venue", "provider", "provider_contact", "accreditation_statement",
        "verification_url",
    )
    @classmethod
    def _no_controls(cls, v: str | None) -> str | None:
        return None if v is None else reject_control_characters(v)

    @field_validator("learning_objectives")
    @classmethod
    def _objectives_clean(cls, v: list[str]) -> list[str]:
        for item in v:
            reject_control_characters(item)
            if not item.strip() or len(item) > 500:
                raise ValueError("each objective must be 1-500 characters")
        return v

    @field_validator("issued_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("issued_at must be timezone-aware")
        return v.astimezone(UTC).replace(microsecond=0)

    @model_validator(mode="after")
    def _consistent(self) -> CertificateRecordV2:
        if self.format == FORMAT_WORKSHOP and not self.venue:
            raise ValueError("a live workshop certificate must name its venue")
        if self.valid_until < self.completion_date:
            raise ValueError("valid_until is before completion_date")
        if (self.version == 1) != (self.supersedes is None):
            raise ValueError("version 1 supersedes nothing; later versions must name what they supersede")
        if self.hours_claimed > self.maximum_hours:
            raise ValueError("the hours claimed are more than the activity's maximum")
        if self.awarded_for == AWARDED_FOR_PARTICIPATION:
            if self.format != FORMAT_WORKSHOP:
                raise ValueError("a certificate of participation is awarded only for a live workshop")
            if self.score_percent is not None or self.pass_mark_percent is not None:
                raise ValueError("a certificate of participation states no score or pass mark")
        else:
            if self.score_percent is None or self.pass_mark_percent is None:
                raise ValueError("a certificate awarded for assessment states the score and the pass mark")
            if self.score_percent < self.pass_mark_percent:
                raise ValueError("a certificate awarded for assessment needs a score at or above the pass mark")
        return self

    @property
    def for_participation(self) -> bool:
        return self.awarded_for == AWARDED_FOR_PARTICIPATION

    @property
    def cpd_hours(self) -> float:
        """The hours claimed, under version 1's name: code reading either version gets the credit claimed."""
        return self.hours_claimed


# Any record version ever issued (what parsing a stored or received record gives).
AnyRecord: TypeAlias = CertificateRecord | CertificateRecordV2


def award_basis(record: AnyRecord) -> AwardBasis | None:
    """What the certificate was awarded for, or None where the record does not say (version 1)."""
    return record.awarded_for if isinstance(record, CertificateRecordV2) else None


def canonical_bytes(data: Any) -> bytes:
    """The exact bytes that are signed, for any JSON value: RFC 8785 (JCS).

    JCS sorts object keys by their UTF-16 code units, writes no whitespace,
    encodes strings as UTF-8 with only the mandatory escapes, and writes numbers
    the way ECMAScript does: ``100.0`` is ``100``, ``2.5`` is ``2.5``, ``1e21``
    is ``1e+21``. The maintained ``rfc8785`` package does it (tested against the
    W3C eddsa-jcs-2022 vectors); NaN, infinity and integers beyond 2**53 are
    refused, as JCS requires. Verifiers rebuild these bytes from the parsed JSON,
    so whitespace or key order in a received file does not matter, but any
    change of a value does.
    """
    try:
        return rfc8785.dumps(data)
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise ValueError(f"cannot be written as canonical JSON: {exc}") from exc


def record_to_data(record: AnyRecord) -> dict[str, Any]:
    """The record as plain JSON data (dates ISO 8601, issued_at UTC with ``Z``)."""
    return record.model_dump(mode="json")


def canonical_json(record: AnyRecord) -> bytes:
    """The signed form of a record; see ``canonical_bytes`` for the exact rules."""
    return canonical_bytes(record_to_data(record))


# Every record version ever issued, by its ``record_type``; see the rule at the top.
RECORD_VERSIONS: Final[dict[str, type[CertificateRecord] | type[CertificateRecordV2]]] = {
    RECORD_TYPE_V1: CertificateRecord,
    RECORD_TYPE_V2: CertificateRecordV2,
}


class UnknownRecordVersion(ValueError):
    """A record signed by us but of a version this code does not know (newer code issued it)."""


def parse_record(data: Any) -> AnyRecord:
    """The record of whichever version ``data`` is; raises ``UnknownRecordVersion`` or pydantic's ValidationError."""
    record_type = data.get("record_type", RECORD_TYPE_V1) if isinstance(data, dict) else None
    model = RECORD_VERSIONS.get(record_type) if isinstance(record_type, str) else None
    if model is None:
        raise UnknownRecordVersion(f"record version {str(record_type)[:80]!r} is not known to this verifier")
    return model.model_validate(data)
