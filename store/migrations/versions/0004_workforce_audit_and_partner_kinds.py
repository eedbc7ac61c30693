"""The workforce, vacancies, caseloads, audits and partner_measures kind tables (issue 10).

Revision 0004, after 0003.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audits",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("audit_id", sa.String(length=200), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("audit_date", sa.Date(), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=False),
        sa.Column("multi_agency", sa.Boolean(), nullable=True),
        sa.Column("auditor_agency", sa.String(length=32), nullable=True),
        sa.Column("theme", sa.Text(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "audit_id", name="pk_audits"),
    )
    op.create_table(
        "caseloads",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("worker_key", sa.String(length=64), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "month", "worker_key", name="pk_caseloads"),
    )
    op.create_table(
        "partner_measures",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("measure_id", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "measure_id", "period_start", name="pk_partner_measures"),
    )
    op.create_table(
        "vacancies",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("vacant_fte", sa.Float(), nullable=False),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "month", "team", name="pk_vacancies"),
    )
    op.create_table(
        "workforce",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("spell_id", sa.String(length=200), nullable=False),
        sa.Column("worker_key", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("agency", sa.Boolean(), nullable=False),
        sa.Column("fte", sa.Float(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("leaving", sa.Boolean(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "spell_id", name="pk_workforce"),
    )


def downgrade() -> None:
    op.drop_table("workforce")
    op.drop_table("vacancies")
    op.drop_table("partner_measures")
    op.drop_table("caseloads")
    op.drop_table("audits")
