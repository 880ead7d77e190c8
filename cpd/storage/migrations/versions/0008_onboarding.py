"""clinic onboarding: staff roster, assignments (one chain of cycles per person and module), role rules

Revision ID: 0008_onboarding
Revises: 0007_workshops
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_onboarding"
down_revision = "0007_workshops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_members",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("organisation_id", sa.String(length=36), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("job_role", sa.String(length=80), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("registration_number", sa.String(length=64), nullable=True),
        sa.Column("learner_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("organisation_id", "email", name="uq_staff_org_email"),
    )
    op.create_index("ix_staff_members_organisation_id", "staff_members", ["organisation_id"])
    op.create_table(
        "assignments",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("organisation_id", sa.String(length=36), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("staff_id", sa.String(length=36), sa.ForeignKey("staff_members.id"), nullable=False),
        sa.Column("module_id", sa.String(length=80), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("renews_id", sa.String(length=36), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("renew_days_before", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.String(length=36), nullable=True),
        sa.Column("link_token_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.UniqueConstraint("staff_id", "module_id", "cycle", name="uq_assignment_cycle"),
        sa.UniqueConstraint("renews_id", name="uq_assignment_renews"),
    )
    op.create_index("ix_assignments_organisation_id", "assignments", ["organisation_id"])
    op.create_index("ix_assignments_staff_id", "assignments", ["staff_id"])
    op.create_table(
        "assignment_rules",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("organisation_id", sa.String(length=36), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("module_id", sa.String(length=80), nullable=False),
        sa.Column("job_role", sa.String(length=80), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("within_days", sa.Integer(), nullable=True),
        sa.Column("renew_days_before", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.UniqueConstraint("organisation_id", "module_id", "job_role", name="uq_assignment_rule"),
    )
    op.create_index("ix_assignment_rules_organisation_id", "assignment_rules", ["organisation_id"])


def downgrade() -> None:
    op.drop_index("ix_assignment_rules_organisation_id", table_name="assignment_rules")
    op.drop_table("assignment_rules")
    op.drop_index("ix_assignments_staff_id", table_name="assignments")
    op.drop_index("ix_assignments_organisation_id", table_name="assignments")
    op.drop_table("assignments")
    op.drop_index("ix_staff_members_organisation_id", table_name="staff_members")
    op.drop_table("staff_members")
