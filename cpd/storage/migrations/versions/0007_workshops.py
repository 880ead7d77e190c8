"""workshops: the room's state, participants (seats), join-code failures per client

Revision ID: 0007_workshops
Revises: 0006_credentials
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_workshops"
down_revision = "0006_credentials"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("organisation_id", sa.String(length=36), nullable=True, index=True),
        sa.Column("facilitator_id", sa.String(length=36), nullable=False, index=True),
        sa.Column("module_id", sa.String(length=80), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.String(length=10), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("cpd_hours", sa.Float(), nullable=False),
        sa.Column("assessed", sa.Boolean(), nullable=False),
        sa.Column("pacing", sa.String(length=20), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("join_code", sa.String(length=12), nullable=False, unique=True),
        sa.Column("projector_key_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("stage_id", sa.String(length=120), nullable=True),
        sa.Column("open_item", sa.String(length=120), nullable=True),
        sa.Column("item_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_json", sa.Text(), nullable=False),
        sa.Column("revealed_json", sa.Text(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("activity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "workshop_participants",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("workshop_id", sa.String(length=36), sa.ForeignKey("workshops.id"), nullable=False, index=True),
        sa.Column("learner_id", sa.String(length=36), sa.ForeignKey("learners.id"), nullable=False),
        sa.Column("attempt_id", sa.String(length=36), sa.ForeignKey("attempts.id"), nullable=False, unique=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("shown_name", sa.String(length=220), nullable=False),
        sa.Column("personal_number_hash", sa.String(length=64), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workshop_id", "shown_name", name="uq_workshop_shown_name"),
    )
    op.create_table(
        "workshop_join_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_key", sa.String(length=64), nullable=False, index=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("workshop_join_failures")
    op.drop_table("workshop_participants")
    op.drop_table("workshops")
