"""Renewal lead time becomes a module setting (issue 12): drop the per-assignment and per-rule copies

When a passed assignment renews is now the module's ``renew_days_before_expiry`` (modules/*.yaml, default 60),
read by the reminders-and-renewals pass. Existing assignments, rules and renewal chains keep every other column;
a renewal already opened stays as it is, and the unique keys that allow one renewal per cycle are untouched.
Downgrade puts the columns back filled with the old default, 60.

Revision ID: 0013_onboarding_renewal
Revises: 0012_workshop_results
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_onboarding_renewal"
down_revision = "0012_workshop_results"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("assignments", "assignment_rules"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("renew_days_before")


def downgrade() -> None:
    for table in ("assignments", "assignment_rules"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("renew_days_before", sa.Integer(), nullable=False, server_default="60"))
