"""An index on ``load_id`` of every kind's table, for the monthly refresh.

Revision 0010, after 0009. A monthly refresh widens the stored date spans by the rows
its loads wrote (``metrics.recompute_new_rows``); without this index each kind's pass
scanned the LA's whole table (its primary key starts with ``la_code``), with it the
pass reads the month's rows only. ``load_id`` grows with each load, so the loader's
inserts append to the index (docs/performance.md, "The large LA's month, fourth session").
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The kinds of store/extracts.py at this revision (a migration does not import the code
# it migrates: a later kind comes with its own revision).
KINDS = (
    "assessments",
    "audits",
    "caseloads",
    "cin_plans",
    "contacts",
    "cp_plans",
    "cp_reviews",
    "cp_visits",
    "early_help",
    "partner_measures",
    "population",
    "referrals",
    "s47",
    "vacancies",
    "workforce",
)


def upgrade() -> None:
    for kind in KINDS:
        op.create_index(f"ix_{kind}_load", kind, ["load_id"], unique=False)


def downgrade() -> None:
    for kind in KINDS:
        op.drop_index(f"ix_{kind}_load", table_name=kind)
