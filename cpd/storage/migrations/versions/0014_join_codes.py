"""workshop join codes move onto the one token service (issue 9): looked up by hash, revoked at finish

Every workshop's ``join_code`` becomes a token of purpose "join_code" (subject =
the workshop, token_hash = the SHA-256 of the normalised code), so a room open
during the upgrade keeps its code and phones keep joining with it. A finished
workshop's code becomes a revoked token: it still says "this workshop has
finished" rather than "no such code", and is never handed out again. The code
stays on the row as ``shown_code`` for the console and the projector only (no
index, no unique key: nothing looks a workshop up by it; ``cpd.workshops.codes``
says why keeping it is safe), and ``join_code`` with its unique key goes.

Downgrade puts ``join_code`` back from ``shown_code`` and deletes the join-code tokens.

Revision ID: 0014_join_codes
Revises: 0013_onboarding_renewal
"""
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0014_join_codes"
down_revision = "0013_onboarding_renewal"
branch_labels = None
depends_on = None

JOIN_CODE_TTL = timedelta(days=365)  # cpd.tokens.POLICIES[JOIN_CODE], frozen here as of this migration
BATCH = 1000

workshops = sa.table(
    "workshops",
    sa.column("id", sa.String),
    sa.column("organisation_id", sa.String),
    sa.column("join_code", sa.String),
    sa.column("shown_code", sa.String),
    sa.column("status", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("finished_at", sa.DateTime(timezone=True)),
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
    with op.batch_alter_table("workshops") as batch_op:
        batch_op.add_column(sa.Column("shown_code", sa.String(length=12), nullable=True))
    conn = op.get_bind()
    conn.execute(workshops.update().values(shown_code=workshops.c.join_code))
    now = datetime.now(UTC)
    rows = conn.execute(sa.select(workshops.c.id, workshops.c.organisation_id, workshops.c.join_code,
                                  workshops.c.status, workshops.c.created_at, workshops.c.finished_at)
                        .order_by(workshops.c.id)).all()
    batch = []
    for workshop_id, organisation_id, code, status, created_at, finished_at in rows:
        batch.append({"id": str(uuid.uuid4()), "token_hash": hashlib.sha256(code.encode("utf-8")).hexdigest(),
                      "purpose": "join_code", "subject_id": workshop_id, "organisation_id": organisation_id,
                      "data_json": "{}", "created_at": created_at, "expires_at": now + JOIN_CODE_TTL,
                      "max_uses": None, "uses": 0, "last_used_at": None,
                      "revoked_at": None if status == "open" else (finished_at or now)})
        if len(batch) >= BATCH:
            conn.execute(tokens.insert(), batch)
            batch = []
    if batch:
        conn.execute(tokens.insert(), batch)
    with op.batch_alter_table("workshops") as batch_op:
        batch_op.alter_column("shown_code", existing_type=sa.String(length=12), nullable=False)
        batch_op.drop_column("join_code")


def downgrade() -> None:
    with op.batch_alter_table("workshops") as batch_op:
        batch_op.add_column(sa.Column("join_code", sa.String(length=12), nullable=True))
    conn = op.get_bind()
    conn.execute(workshops.update().values(join_code=workshops.c.shown_code))
    conn.execute(tokens.delete().where(tokens.c.purpose == "join_code"))
    with op.batch_alter_table("workshops") as batch_op:
        batch_op.alter_column("join_code", existing_type=sa.String(length=12), nullable=False)
        batch_op.create_unique_constraint("uq_workshops_join_code", ["join_code"])
        batch_op.drop_column("shown_code")
