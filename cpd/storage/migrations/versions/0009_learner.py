"""active time per answer, hours claimed at the evaluation, the feedback left open

Revision ID: 0009_learner
Revises: 0008_onboarding
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_learner"
down_revision = "0008_onboarding"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch_op:
        batch_op.add_column(sa.Column("feedback_pending", sa.String(length=120), nullable=True))
    with op.batch_alter_table("responses") as batch_op:
        batch_op.add_column(sa.Column("active_seconds", sa.Float(), nullable=True))
    with op.batch_alter_table("evaluations") as batch_op:
        batch_op.add_column(sa.Column("hours_claimed", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch_op:
        batch_op.drop_column("hours_claimed")
    with op.batch_alter_table("responses") as batch_op:
        batch_op.drop_column("active_seconds")
    with op.batch_alter_table("attempts") as batch_op:
        batch_op.drop_column("feedback_pending")
