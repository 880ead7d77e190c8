"""signing key table, status list entries, each certificate's status list index

Revision ID: 0006_credentials
Revises: 0005_accounts
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_credentials"
down_revision = "0005_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.String(length=16), primary_key=True),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "status_list_entries",
        sa.Column("list_id", sa.Integer(), primary_key=True),
        sa.Column("idx", sa.Integer(), primary_key=True),
        sa.Column("certificate_id", sa.String(length=64), nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(sa.Column("status_list_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status_list_index", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_column("status_list_index")
        batch_op.drop_column("status_list_id")
    op.drop_table("status_list_entries")
    op.drop_table("signing_keys")
