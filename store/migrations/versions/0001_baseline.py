"""Baseline: the schema of the last release before migrations (commit 139bba1), frozen.

Every table as that release's ``store/schema.py`` created it (``metadata.create_all``),
written out here so that later changes to ``store/schema.py`` do not change it. A store
made by that release is stamped at this revision and upgraded from it
(``store/migrate.py``). Times are naive ``DateTime`` here: revision 0002 makes them UTC.

Revision 0001, the first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("assessment_id", sa.String(length=200), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("referral_id", sa.String(length=200), nullable=True),
        sa.Column("authorisation_date", sa.Date(), nullable=True),
        sa.Column("child_seen", sa.Boolean(), nullable=True),
        sa.Column("outcome_in_need", sa.Boolean(), nullable=True),
        sa.Column("factors", sa.Text(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "assessment_id", name="pk_assessments"),
    )
    op.create_table(
        "cin_plans",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("cin_plan_id", sa.String(length=200), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "cin_plan_id", name="pk_cin_plans"),
    )
    op.create_table(
        "comments",
        sa.Column("comment_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("kpi_id", sa.String(length=64), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["supersedes"],
            ["comments.comment_id"],
        ),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    op.create_index(
        "ix_comments_view", "comments", ["la_code", "kpi_id", "grain", "period_end"], unique=False
    )
    op.create_table(
        "contacts",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("contact_id", sa.String(length=200), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("contact_date", sa.Date(), nullable=False),
        sa.Column("contact_source", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "contact_id", name="pk_contacts"),
    )
    op.create_table(
        "cp_plans",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("plan_id", sa.String(length=200), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("initial_category", sa.String(length=32), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("latest_category", sa.String(length=32), nullable=True),
        sa.Column("previous_plans", sa.Integer(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "plan_id", name="pk_cp_plans"),
    )
    op.create_table(
        "cp_reviews",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("review_id", sa.String(length=200), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.String(length=200), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "review_id", name="pk_cp_reviews"),
    )
    op.create_table(
        "cp_visits",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("visit_id", sa.String(length=200), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("child_seen", sa.Boolean(), nullable=True),
        sa.Column("seen_alone", sa.Boolean(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "visit_id", name="pk_cp_visits"),
    )
    op.create_table(
        "early_help",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("episode_id", sa.String(length=200), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("lead_agency", sa.String(length=32), nullable=False),
        sa.Column("assessment_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("closure_reason", sa.String(length=32), nullable=True),
        sa.Column("outcome_score_start", sa.Float(), nullable=True),
        sa.Column("outcome_score_end", sa.Float(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "episode_id", name="pk_early_help"),
    )
    op.create_table(
        "eh_outcome_scores",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("episodes", sa.Integer(), nullable=False),
        sa.Column("mean_start", sa.Float(), nullable=True),
        sa.Column("mean_end", sa.Float(), nullable=True),
        sa.Column("mean_change", sa.Float(), nullable=True),
        sa.Column("improved", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("la_code", "grain", "period_end"),
    )
    op.create_table(
        "kpi_results",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("kpi_id", sa.String(length=64), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("breakdown", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.Text(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=True),
        sa.Column("spc", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "kpi_id", "grain", "period_end", "breakdown", "group_name"),
    )
    op.create_index(
        "ix_kpi_results_view", "kpi_results", ["la_code", "grain", "period_end", "breakdown"], unique=False
    )
    op.create_table(
        "kpi_runs",
        sa.Column("run_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("latest_load_id", sa.Integer(), nullable=True),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.create_table(
        "kpi_spc",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("kpi_id", sa.String(length=64), nullable=False),
        sa.Column("breakdown", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("lower_limit", sa.Float(), nullable=True),
        sa.Column("upper_limit", sa.Float(), nullable=True),
        sa.Column("latest_period_end", sa.Date(), nullable=True),
        sa.Column("variation", sa.String(length=24), nullable=True),
        sa.Column("assurance", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "kpi_id", "breakdown", "group_name"),
    )
    op.create_table(
        "la_windows",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("la_code"),
    )
    op.create_table(
        "loads",
        sa.Column("load_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("la_default", sa.String(length=16), nullable=True),
        sa.Column("partner", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("warnings", sa.Text(), nullable=True),
        sa.Column("loaded_by", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("load_id"),
    )
    op.create_index("ix_loads_hash", "loads", ["file_hash"], unique=False)
    op.create_table(
        "population",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("population_0_17", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("la_code", "year", name="pk_population"),
    )
    op.create_table(
        "record_views",
        sa.Column("view_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("viewed_at", sa.DateTime(), nullable=False),
        sa.Column("viewer", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("kpi_id", sa.String(length=64), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("breakdown", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("view_id"),
    )
    op.create_table(
        "referrals",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("referral_id", sa.String(length=200), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("referral_date", sa.Date(), nullable=False),
        sa.Column("referral_source", sa.String(length=32), nullable=False),
        sa.Column("referral_nfa", sa.Boolean(), nullable=False),
        sa.Column("contact_id", sa.String(length=200), nullable=True),
        sa.Column("primary_need", sa.String(length=32), nullable=True),
        sa.Column("closure_date", sa.Date(), nullable=True),
        sa.Column("closure_reason", sa.String(length=32), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "referral_id", name="pk_referrals"),
    )
    op.create_table(
        "s47",
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("s47_id", sa.String(length=200), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("strategy_date", sa.Date(), nullable=False),
        sa.Column("referral_id", sa.String(length=200), nullable=True),
        sa.Column("icpc_not_required", sa.Boolean(), nullable=True),
        sa.Column("icpc_date", sa.Date(), nullable=True),
        sa.Column("icpc_outcome_plan", sa.Boolean(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("recorded_date", sa.Date(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("la_code", "s47_id", name="pk_s47"),
    )
    op.create_table(
        "scorecard_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "load_counts",
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("la_code", sa.String(length=16), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["loads.load_id"],
        ),
        sa.PrimaryKeyConstraint("load_id", "kind", "la_code"),
    )
    op.create_table(
        "rejects",
        sa.Column("reject_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("la_code", sa.String(length=16), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("sheet", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("column_name", sa.Text(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["loads.load_id"],
        ),
        sa.PrimaryKeyConstraint("reject_id"),
    )
    op.create_index("ix_rejects_load", "rejects", ["load_id"], unique=False)


def downgrade() -> None:
    op.drop_table("rejects")
    op.drop_table("load_counts")
    op.drop_table("scorecard_meta")
    op.drop_table("s47")
    op.drop_table("referrals")
    op.drop_table("record_views")
    op.drop_table("population")
    op.drop_table("loads")
    op.drop_table("la_windows")
    op.drop_table("kpi_spc")
    op.drop_table("kpi_runs")
    op.drop_table("kpi_results")
    op.drop_table("eh_outcome_scores")
    op.drop_table("early_help")
    op.drop_table("cp_visits")
    op.drop_table("cp_reviews")
    op.drop_table("cp_plans")
    op.drop_table("contacts")
    op.drop_table("comments")
    op.drop_table("cin_plans")
    op.drop_table("assessments")
