"""LTI 1.3 platforms, tool keys, login states, users and launches (issue 16); xAPI needs no table (the outbox carries it)

Revision ID: 0010_interop
Revises: 0009_learner
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_interop"
down_revision = "0009_learner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("organisation_id", sa.String(length=36), sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("auth_url", sa.String(length=1000), nullable=False),
        sa.Column("token_url", sa.String(length=1000), nullable=False),
        sa.Column("jwks_url", sa.String(length=1000), nullable=False),
        sa.Column("deployment_ids_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platform_issuer_client"),
    )
    op.create_table(
        "lti_tool_keys",
        sa.Column("id", sa.String(length=16), primary_key=True),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "lti_login_states",
        sa.Column("state_hash", sa.String(length=64), primary_key=True),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("platform_id", sa.String(length=36), sa.ForeignKey("lti_platforms.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "lti_users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("platform_id", sa.String(length=36), sa.ForeignKey("lti_platforms.id"), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("learner_id", sa.String(length=36), sa.ForeignKey("learners.id"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("platform_id", "subject", name="uq_lti_user_platform_subject"),
    )
    op.create_table(
        "lti_launches",
        sa.Column("attempt_id", sa.String(length=36), sa.ForeignKey("attempts.id"), primary_key=True),
        sa.Column("platform_id", sa.String(length=36), sa.ForeignKey("lti_platforms.id"), nullable=False, index=True),
        sa.Column("lti_user_id", sa.Integer(), sa.ForeignKey("lti_users.id"), nullable=False, index=True),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("resource_link_id", sa.String(length=255), nullable=False),
        sa.Column("lineitem_url", sa.String(length=1000), nullable=True),
        sa.Column("ags_scopes_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("lti_launches")
    op.drop_table("lti_users")
    op.drop_table("lti_login_states")
    op.drop_table("lti_tool_keys")
    op.drop_table("lti_platforms")
