"""resume links move onto the one token service; "find my attempts and certificates" requests are throttled

Resume links: attempts' resume hashes become tokens of purpose "resume".

Every attempt's ``resume_token_hash`` is copied into ``tokens`` (subject = the
attempt id, expiry = the attempt's ``expires_at``), so a link already handed
out keeps working; then the two columns go. Only hashes move: no link is
known to the database before or after. An attempt without an expiry (rows from
before expiries were kept) gets the resume policy's 90 days from the upgrade.

``learner_link_requests`` counts e-mailed sign-in link requests per address
and per client (hashed keys), so the throttle holds across replicas.

Revision ID: 0011_resume_tokens
Revises: 0010_interop
"""
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0011_resume_tokens"
down_revision = "0010_interop"
branch_labels = None
depends_on = None

RESUME_TTL = timedelta(days=90)  # cpd.tokens.POLICIES[RESUME], frozen here as of this migration
BATCH = 1000

attempts = sa.table(
    "attempts",
    sa.column("id", sa.String),
    sa.column("resume_token_hash", sa.String),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("expires_at", sa.DateTime(timezone=True)),
)
tokens = sa.table(
    "tokens",
    sa.column("id", sa.String),
    sa.column("token_hash", sa.String),
    sa.column("purpose", sa.String),
    sa.column("subject_id", sa.String),
    sa.column("organisation_id", sa.String),
    sa.column("data_json", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("expires_at", sa.DateTime(timezone=True)),
    sa.column("max_uses", sa.Integer),
    sa.column("uses", sa.Integer),
    sa.column("last_used_at", sa.DateTime(timezone=True)),
    sa.column("revoked_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    rows = conn.execute(sa.select(attempts.c.id, attempts.c.resume_token_hash, attempts.c.started_at,
                                  attempts.c.expires_at).order_by(attempts.c.id)).all()
    batch = []
    for attempt_id, token_hash, started_at, expires_at in rows:
        batch.append({"id": str(uuid.uuid4()), "token_hash": token_hash, "purpose": "resume", "subject_id": attempt_id,
                      "organisation_id": None, "data_json": "{}", "created_at": started_at,
                      "expires_at": expires_at or now + RESUME_TTL, "max_uses": None, "uses": 0,
                      "last_used_at": None, "revoked_at": None})
        if len(batch) >= BATCH:
            conn.execute(tokens.insert(), batch)
            batch = []
    if batch:
        conn.execute(tokens.insert(), batch)
    with op.batch_alter_table("attempts") as batch_op:
        batch_op.drop_column("resume_token_hash")
        batch_op.drop_column("expires_at")
    op.create_table(
        "learner_link_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_learner_link_requests_key_at", "learner_link_requests", ["key", "requested_at"])


def downgrade() -> None:
    """Back to columns: each attempt gets the hash of its newest live resume token (others stop working)."""
    op.drop_index("ix_learner_link_requests_key_at", table_name="learner_link_requests")
    op.drop_table("learner_link_requests")
    with op.batch_alter_table("attempts") as batch_op:
        batch_op.add_column(sa.Column("resume_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    newest = {}
    for subject, token_hash, expires_at in conn.execute(
        sa.select(tokens.c.subject_id, tokens.c.token_hash, tokens.c.expires_at)
        .where(tokens.c.purpose == "resume", tokens.c.revoked_at.is_(None)).order_by(tokens.c.created_at)
    ):
        newest[subject] = (token_hash, expires_at)
    for (attempt_id,) in conn.execute(sa.select(attempts.c.id)).all():
        token_hash, expires_at = newest.get(attempt_id, (secrets.token_hex(32), None))
        conn.execute(attempts.update().where(attempts.c.id == attempt_id)
                     .values(resume_token_hash=token_hash, expires_at=expires_at))
    conn.execute(tokens.delete().where(tokens.c.purpose == "resume"))
    with op.batch_alter_table("attempts") as batch_op:
        batch_op.alter_column("resume_token_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_attempts_resume_token_hash", ["resume_token_hash"])
