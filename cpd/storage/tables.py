"""The database schema: every piece of learner state lives here, never in a page.

Columns hold plain JSON text rather than database-specific types so the same
schema runs on SQLite (embedded default) and PostgreSQL (replicas).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    profession: Mapped[str] = mapped_column(String(120))
    registration_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Attempt(Base):
    __tablename__ = "attempts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    # sha256 of the resume token: a leaked database does not leak resume links.
    resume_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    module_id: Mapped[str] = mapped_column(String(80))
    module_version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    attempt_number: Mapped[int] = mapped_column(Integer, default=1)
    shuffle_seed: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[str] = mapped_column(String(20))  # pretest | cases | evaluation | done
    delivery_format: Mapped[str] = mapped_column(String(20), default="online")  # online | workshop
    venue: Mapped[str | None] = mapped_column(String(200), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    points: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_points: Mapped[float | None] = mapped_column(Float, nullable=True)
    percent: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class Response(Base):
    """One submitted answer; the unique key makes a submitted answer final."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "phase", "item_id", name="uq_response_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    phase: Mapped[str] = mapped_column(String(20))  # pretest | cases
    item_id: Mapped[str] = mapped_column(String(120))
    answer_json: Mapped[str] = mapped_column(Text)
    certainty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cbm_marks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Evaluation(Base):
    __tablename__ = "evaluations"

    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    relevance: Mapped[int] = mapped_column(Integer)
    balance: Mapped[int] = mapped_column(Integer)
    intended_change: Mapped[str] = mapped_column(Text)
    reflection: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Certificate(Base):
    """An issued certificate, frozen: the PDF bytes are stored, never regenerated."""

    __tablename__ = "certificates"
    # Two replicas issuing for one attempt at once: the second insert fails instead of minting twice.
    __table_args__ = (UniqueConstraint("attempt_id", "version", name="uq_certificate_attempt_version"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    superseded_by_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    record_json: Mapped[str] = mapped_column(Text)  # canonical JSON that was signed
    signature: Mapped[str] = mapped_column(String(200))  # base64url Ed25519 signature
    key_id: Mapped[str] = mapped_column(String(100))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    badge_json: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Its bit in the W3C Bitstring Status List (None for certificates issued before the list existed).
    status_list_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status_list_index: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SigningKey(Base):
    """Every public key that ever signed a certificate: a rotation retires one, never deletes it.

    The private half is never stored here (it stays in CPD_SIGNING_KEY_FILE or the
    secret CPD_SIGNING_KEY_PEM); the public halves are what verifiers need for years.
    """

    __tablename__ = "signing_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # keys.key_id
    public_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StatusListEntry(Base):
    """One allocated bit of a Bitstring Status List; the primary key makes each index unique across replicas."""

    __tablename__ = "status_list_entries"

    list_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    allocated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ContentSnapshot(Base):
    """The exact content an attempt is scored against, kept by hash.

    An attempt in progress when the content is edited goes on with the version it
    started on, so a later edit never changes a past (or running) score.
    """

    __tablename__ = "content_snapshots"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    module_id: Mapped[str] = mapped_column(String(80))
    module_version: Mapped[str] = mapped_column(String(40))
    content_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
