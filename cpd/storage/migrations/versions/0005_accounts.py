"""accounts: organisations, accounts and roles, sign-in throttle, learner e-mail proof and name history

Revision ID: 0005_accounts
Revises: 0004_items
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_accounts"
down_revision = "0004_items"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=True),
        sa.Column("scope", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "email", name="uq_account_scope_email"),
    )
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_email"), ["email"], unique=False)
    op.create_table(
        "account_roles",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("account_id", "role"),
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sign_in_failures") as batch_op:
        batch_op.create_index("ix_sign_in_failures_account_client", ["account_key", "client_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_in_failures_client_key"), ["client_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_in_failures_failed_at"), ["failed_at"], unique=False)
    op.create_table(
        "learner_name_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("learner_id", sa.String(length=36), nullable=False),
        sa.Column("old_name", sa.String(length=200), nullable=False),
        sa.Column("new_name", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.Column("certificate_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("learner_name_changes") as batch_op:
        batch_op.create_index(batch_op.f("ix_learner_name_changes_learner_id"), ["learner_id"], unique=False)
    with op.batch_alter_table("learners") as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("linked_to_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_learners_linked_to_id"), ["linked_to_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learners") as batch_op:
        batch_op.drop_index(batch_op.f("ix_learners_linked_to_id"))
        batch_op.drop_column("linked_to_id")
        batch_op.drop_column("email_verified_at")
    op.drop_table("learner_name_changes")
    op.drop_table("sign_in_failures")
    op.drop_table("account_roles")
    op.drop_table("accounts")
    op.drop_table("organisations")
