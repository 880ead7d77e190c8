"""After a workshop (issue 11): one evaluation model for every delivery (balance, commercial bias and comments
beside relevance), the workshop's kept files (attendance register, evaluation summary) and its certificate runs

Revision ID: 0012_workshop_results
Revises: 0011_resume_tokens
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_workshop_results"
down_revision = "0011_resume_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("commercial_bias", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("comments", sa.Text(), nullable=True))
    op.create_table(
        "workshop_files",
        sa.Column("workshop_id", sa.String(length=36), sa.ForeignKey("workshops.id"), primary_key=True),
        sa.Column("kind", sa.String(length=40), primary_key=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "workshop_certificate_runs",
        sa.Column("workshop_id", sa.String(length=36), sa.ForeignKey("workshops.id"), primary_key=True),
        sa.Column("requested_by", sa.String(length=36), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entitled", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workshop_certificate_runs")
    op.drop_table("workshop_files")
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("comments")
        batch.drop_column("commercial_bias")
