"""The database schema: every piece of learner state lives here, never in a page.

Columns hold plain JSON text rather than database-specific types so the same
schema runs on SQLite (embedded default) and PostgreSQL (replicas).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
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
    # Set only by a redeemed one-time link sent to ``email`` (cpd.accounts.learner_links), never by typing it.
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The first verified learner with the same address: this row's history is shown with theirs.
    linked_to_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("retry_of", name="uq_attempt_retry_of"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    # The resume link is a token of purpose "resume" whose subject is this attempt (cpd.tokens).
    module_id: Mapped[str] = mapped_column(String(80))
    module_version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    attempt_number: Mapped[int] = mapped_column(Integer, default=1)
    shuffle_seed: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[str] = mapped_column(String(20))  # pretest | cases | evaluation | done
    delivery_format: Mapped[str] = mapped_column(String(20), default="online")  # online | workshop
    venue: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The failed attempt this one retries; unique, so two tabs retrying at once make one new attempt.
    retry_of: Mapped[str | None] = mapped_column(String(36), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The item whose feedback is open (answered, Continue not pressed yet): a resumed attempt shows it again.
    feedback_pending: Mapped[str | None] = mapped_column(String(120), nullable=True)
    points: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_points: Mapped[float | None] = mapped_column(Float, nullable=True)
    percent: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class Response(Base):
    """One answer per item and phase; the behaviour decides whether it may still be replaced in place."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "phase", "item_id", name="uq_response_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    phase: Mapped[str] = mapped_column(String(20))  # pretest | cases
    item_id: Mapped[str] = mapped_column(String(120))
    answer_json: Mapped[str] = mapped_column(Text)
    certainty: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cbm_marks: Mapped[float | None] = mapped_column(Float, nullable=True)  # RIGHT[c] x fraction: 2 x 2/3 for a partly right matrix
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Seconds since the learner's previous step, at most three times the item's estimated time (a tab left
    # open overnight is not active time); None for answers stored before it was recorded.
    active_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)


class Evaluation(Base):
    __tablename__ = "evaluations"

    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    relevance: Mapped[int] = mapped_column(Integer)
    balance: Mapped[int] = mapped_column(Integer)
    intended_change: Mapped[str] = mapped_column(Text)
    reflection: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # CPD hours the learner claims, in 0.25 steps up to the module's maximum; None before it was asked.
    hours_claimed: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Did the learner notice commercial bias (True = yes)? None before it was asked (evaluations before 0012).
    commercial_bias: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Comments on the activity, for the provider and the accreditor (unlike ``reflection``, which is the learner's own).
    comments: Mapped[str | None] = mapped_column(Text, nullable=True)


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


class Token(Base):
    """Every link and code the product hands out (``cpd.tokens``): only the SHA-256 of the secret is kept.

    ``subject_id`` is what the token opens (an attempt, an account, an invitation);
    ``max_uses`` is 1 for single-use links, NULL for tokens that live until they
    expire or are revoked (sessions, resume links, device tokens).
    """

    __tablename__ = "tokens"
    __table_args__ = (Index("ix_tokens_subject_purpose", "subject_id", "purpose"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEntry(Base):
    """One link of a hash chain (``cpd.audit``): one chain per organisation, one for the deployment.

    ``chain`` is the organisation id, or ``-`` for deployment-wide actions (a
    NULL could not take part in the unique key that stops a chain forking).
    Hashed content holds ids only, never names or e-mail addresses.
    """

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_audit_chain_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(80))
    targets_json: Mapped[str] = mapped_column(Text, default="{}")
    details_json: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest link of each chain, so cutting rows off the end is noticed too."""

    __tablename__ = "audit_heads"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class OutboxEffect(Base):
    """A side effect (an e-mail, a statement) written with the change that causes it (``cpd.outbox``).

    A worker claims due rows under a lease, runs them outside the claim
    transaction and marks them done; a worker that dies leaves the lease to
    expire and another takes the row over (delivery at least once, with
    ``dedupe_key`` passed to the receiver).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("kind", "dedupe_key", name="uq_outbox_kind_dedupe"),
        Index("ix_outbox_due", "status", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(60))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    payload_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | done | dead
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Organisation(Base):
    """A society, clinic or training provider; its people and data are kept from every other organisation."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


DEPLOYMENT_SCOPE = "-"  # the scope of deployment-wide accounts (administrators)


class Account(Base):
    """A person who signs in: a deployment administrator, or a member of one organisation.

    ``scope`` is the organisation's id, or ``-`` for deployment accounts (a NULL
    could not take part in the unique key): an e-mail is unique within a scope,
    so the same person may hold separate accounts in two organisations.
    """

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("scope", "email", name="uq_account_scope_email"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), nullable=True, index=True)
    scope: Mapped[str] = mapped_column(String(36))
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)  # None until an invitee sets one
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AccountRole(Base):
    """``admin`` (deployment accounts only) or ``manager``/``facilitator``/``author``/``learner`` in the account's organisation."""

    __tablename__ = "account_roles"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInFailure(Base):
    """One wrong password, kept for the throttle window: per account and per client, shared by every replica.

    Both keys are SHA-256 digests (of the typed e-mail and of the client address),
    so the table holds no address in clear.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_account_client", "account_key", "client_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_key: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LearnerLinkRequest(Base):
    """One "find my attempts and certificates" request, kept for the throttle window (``cpd.accounts.learner_access``).

    ``key`` is the SHA-256 of ``email:<address>`` or ``client:<address>``: every
    replica counts the same requests, and the table holds no address in clear.
    """

    __tablename__ = "learner_link_requests"
    __table_args__ = (Index("ix_learner_link_requests_key_at", "key", "requested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LearnerNameChange(Base):
    """Every correction of a learner's name, oldest first: what it was, what it became, when and by whom."""

    __tablename__ = "learner_name_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    old_name: Mapped[str] = mapped_column(String(200))
    new_name: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # an account id
    certificate_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the corrected certificate


class StaffMember(Base):
    """A person on an organisation's training roster (``cpd.onboarding``); the e-mail is unique per organisation.

    ``job_role`` is the clinic's own word for the job (nurse, receptionist), not a
    sign-in role; ``learner_id`` is set when the person first opens their personal link.
    """

    __tablename__ = "staff_members"
    __table_args__ = (UniqueConstraint("organisation_id", "email", name="uq_staff_org_email"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    job_role: Mapped[str] = mapped_column(String(80))
    start_date: Mapped[date] = mapped_column(Date)
    registration_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    learner_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Assignment(Base):
    """One cycle of a module assigned to one person; a renewal is the next cycle of the same chain.

    The unique (staff, module, cycle) and unique ``renews_id`` keys make a second
    renewal of the same certificate impossible, whichever process tries it.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("staff_id", "module_id", "cycle", name="uq_assignment_cycle"),
        UniqueConstraint("renews_id", name="uq_assignment_renews"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_members.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(80))
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    renews_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    due_date: Mapped[date] = mapped_column(Date)
    attempt_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    link_token_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class AssignmentRule(Base):
    """A module assigned to a role: everyone who has or later gets that role is assigned, due by the rule."""

    __tablename__ = "assignment_rules"
    __table_args__ = (UniqueConstraint("organisation_id", "module_id", "job_role", name="uq_assignment_rule"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(80))
    job_role: Mapped[str] = mapped_column(String(80))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    within_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)

class Workshop(Base):
    """A live workshop (``cpd.workshops``): its settings and the room's state, so every process shows the same room.

    ``version`` moves on every change phones must redraw for (an item opened, closed,
    revealed, a pause); ``activity`` moves on joins only.
    The join code is a ``cpd.tokens`` token (purpose ``join_code``, subject the workshop):
    joining looks it up by its hash, and it is revoked when the workshop finishes.
    ``shown_code`` is the same code for the console and the projector to show again
    after a reload; it is never used to find a workshop (``cpd.workshops.codes`` says why
    keeping it is safe).
    """

    __tablename__ = "workshops"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    facilitator_id: Mapped[str] = mapped_column(String(36), index=True)
    module_id: Mapped[str] = mapped_column(String(80))
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[str] = mapped_column(String(10))  # ISO date
    venue: Mapped[str] = mapped_column(String(200))
    cpd_hours: Mapped[float] = mapped_column(Float)
    assessed: Mapped[bool] = mapped_column(Boolean)
    pacing: Mapped[str] = mapped_column(String(20))  # facilitator | self
    anonymous: Mapped[bool] = mapped_column(Boolean)
    shown_code: Mapped[str] = mapped_column(String(12))  # display only; joining goes through the hashed token
    projector_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12))  # open | finished
    stage_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    open_item: Mapped[str | None] = mapped_column(String(120), nullable=True)
    item_opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_json: Mapped[str] = mapped_column(Text, default="[]")
    revealed_json: Mapped[str] = mapped_column(Text, default="[]")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    activity: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WorkshopParticipant(Base):
    """One seat in a workshop: the learner, their attempt (delivery format ``workshop``) and the name shown."""

    __tablename__ = "workshop_participants"
    __table_args__ = (UniqueConstraint("workshop_id", "shown_name", name="uq_workshop_shown_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), index=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"))
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    shown_name: Mapped[str] = mapped_column(String(220))  # the name, with " (2)" etc. when it is taken already
    personal_number_hash: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorkshopFile(Base):
    """A file kept with a workshop for its accreditation file (the attendance register as PDF and CSV, the
    evaluation summary): the bytes as last made, so what was filed can be downloaded again unchanged."""

    __tablename__ = "workshop_files"

    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)  # register.pdf | register.csv | evaluation.csv
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorkshopCertificateRun(Base):
    """The facilitator asked for everyone's certificates: one outbox effect per entitled participant was queued."""

    __tablename__ = "workshop_certificate_runs"

    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), primary_key=True)
    requested_by: Mapped[str] = mapped_column(String(36))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    entitled: Mapped[int] = mapped_column(Integer)


class WorkshopJoinFailure(Base):
    """A wrong or closed join code (or a wrong personal number), per client digest: slows guessing across replicas."""

    __tablename__ = "workshop_join_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LtiPlatform(Base):
    """An LMS registered by an organisation (issue 16): launches from it create learners in that organisation."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_lti_platform_issuer_client"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    auth_url: Mapped[str] = mapped_column(String(1000))
    token_url: Mapped[str] = mapped_column(String(1000))
    jwks_url: Mapped[str] = mapped_column(String(1000))
    deployment_ids_json: Mapped[str] = mapped_column(Text, default="[]")  # JSON list: a launch names one of them
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LtiToolKey(Base):
    """Every public key the LTI tool has signed with (its JWKS); retired keys stay a while for platforms' caches."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # the JWK "kid"
    public_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LtiLoginState(Base):
    """One OIDC login in flight: its state (hashed) and nonce, used once by the launch that follows."""

    __tablename__ = "lti_login_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(100))
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LtiUser(Base):
    """A platform's user (its ``sub``) and the learner they are here, in the platform's organisation."""

    __tablename__ = "lti_users"
    __table_args__ = (UniqueConstraint("platform_id", "subject", name="uq_lti_user_platform_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id"))
    subject: Mapped[str] = mapped_column(String(255))
    learner_id: Mapped[str] = mapped_column(ForeignKey("learners.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LtiLaunch(Base):
    """The LMS context of an attempt opened by a launch: where its score goes back (Assignment and Grade Services)."""

    __tablename__ = "lti_launches"

    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    lti_user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    lineitem_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    ags_scopes_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
