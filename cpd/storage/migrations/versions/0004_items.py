"""certainty marks over any item type; one retry per failed attempt

- ``responses.cbm_marks`` becomes a float: certainty-based marking now applies to
  partly right answers too (RIGHT[c] x fraction).
- ``attempts.retry_of`` (unique): a failed attempt retried from two tabs or two
  replicas at once makes one new attempt.

Revision ID: 0004_items
Revises: 0003_platform
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_items"
down_revision = "0003_platform"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch_op:
        batch_op.alter_column("cbm_marks", existing_type=sa.Integer(), type_=sa.Float(), existing_nullable=True)
    with op.batch_alter_table("attempts") as batch_op:
        batch_op.add_column(sa.Column("retry_of", sa.String(36), nullable=True))
        batch_op.create_unique_constraint("uq_attempt_retry_of", ["retry_of"])


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch_op:
        batch_op.drop_constraint("uq_attempt_retry_of", type_="unique")
        batch_op.drop_column("retry_of")
    with op.batch_alter_table("responses") as batch_op:
        batch_op.alter_column("cbm_marks", existing_type=sa.Float(), type_=sa.Integer(), existing_nullable=True)
