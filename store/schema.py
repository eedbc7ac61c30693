"""The store's tables (SQLAlchemy Core), built from the extract declarations.

One table per extract kind, named after the kind. Each holds the kind's columns
as typed values, except that ``child_id`` is stored only as ``child_key``, the
keyed pseudonym; a ``load_id`` and ``source_row`` say which load and which row of
the file the record came from. A record is identified by ``la_code`` and its id.

Example::

    >>> sorted(c.name for c in kind_table("cp_reviews").columns)[:4]
    ['child_key', 'date_of_birth', 'ethnicity', 'la_code']
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    DDL,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeEngine

from store.extracts import EXTRACTS
from store.extracts import Column as ExtractColumn
from store.times import UTCDateTime

metadata = MetaData()

# ``loads.status`` of a load whose effect was removed (``loaders.retract``); its row stays.
RETRACTED = "retracted"

# The key under which the last recompute's inputs fingerprint is kept in ``meta``
# (``metrics.recompute_plan``). A retraction deletes it (``loaders.retract``), so that
# the next recompute, whoever runs it, is a full one.
RECOMPUTE_FINGERPRINT_KEY = "recompute_fingerprint"

meta = Table(
    "scorecard_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

loads = Table(
    "loads",
    metadata,
    Column("load_id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", Text, nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("format", String(16), nullable=False),
    Column("la_default", String(16), nullable=True),
    Column("partner", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("message", Text, nullable=True),
    Column("warnings", Text, nullable=True),
    Column("loaded_by", Text, nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Index("ix_loads_hash", "file_hash"),
)

# Rows read / loaded / rejected per load, kind and LA (a file may hold several LAs,
# and an Annex A workbook several kinds).
load_counts = Table(
    "load_counts",
    metadata,
    Column("load_id", Integer, ForeignKey("loads.load_id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("la_code", String(16), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    PrimaryKeyConstraint("load_id", "kind", "la_code"),
)

rejects = Table(
    "rejects",
    metadata,
    Column("reject_id", Integer, primary_key=True, autoincrement=True),
    Column("load_id", Integer, ForeignKey("loads.load_id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("la_code", String(16), nullable=True),
    # 1-based data row (header excluded); null for a whole-file rejection.
    Column("row_number", Integer, nullable=True),
    Column("sheet", Text, nullable=True),
    # Where a row number is not enough: an XML element path, for example.
    Column("location", Text, nullable=True),
    Column("column_name", Text, nullable=True),
    Column("value", Text, nullable=True),
    Column("reason", Text, nullable=False),
    # The reason's stable machine code (docs/loading-formats.md); null on rows stored
    # before codes existed.
    Column("reason_code", String(32), nullable=True),
    Index("ix_rejects_load", "load_id"),
)


def _sql_type(col: ExtractColumn) -> TypeEngine[Any]:
    types: dict[str, TypeEngine[Any]] = {
        "id": String(200),
        "child": String(64),
        "worker": String(64),
        "month": Date(),
        "text": Text(),
        "date": Date(),
        "bool": Boolean(),
        "code": String(32),
        "codes": Text(),
        "int": Integer(),
        "number": Float(),
        "la": String(16),
    }
    return types[col.type]


def stored_name(col: ExtractColumn) -> str:
    """The stored name of a column: identifiers of people are stored only as pseudonyms."""
    return {"child": "child_key", "worker": "worker_key"}.get(col.type, col.name)


def stored_columns(kind_name: str) -> list[str]:
    """The column names of a kind's table, in order (``child_id`` becomes ``child_key``,
    ``worker_id`` becomes ``worker_key``)."""
    kind = EXTRACTS[kind_name]
    names = ["la_code"]
    for col in kind.all_columns:
        if col.name == "la_code":
            continue
        names.append(stored_name(col))
    if kind_name != "population":
        names += ["load_id", "source_row"]
    else:
        names += ["load_id"]
    return names


def _build_kind_table(kind_name: str) -> Table:
    kind = EXTRACTS[kind_name]
    cols: list[SchemaItem] = [Column("la_code", String(16), nullable=False)]
    for col in kind.all_columns:
        if col.name == "la_code":
            continue
        name = stored_name(col)
        nullable = not (col.required or col.name in kind.id_columns)
        cols.append(Column(name, _sql_type(col), nullable=nullable))
    cols.append(Column("load_id", Integer, nullable=False))
    if kind_name != "population":
        cols.append(Column("source_row", Integer, nullable=True))
    pk = ("la_code", *(stored_name(kind.column(c)) for c in kind.id_columns if c != "la_code"))
    # The primary key, and ``load_id``: a monthly refresh finds the rows its loads wrote
    # through it (``metrics.recompute_new_rows``) instead of scanning the LA's rows. Every
    # other read scans an LA's rows (the recompute reads them whole; a records list reads
    # a date window, scanning is fastest), and each further index would slow every load
    # (``load_id`` grows with each load, so its entries append: docs/performance.md).
    args: list[SchemaItem] = [
        PrimaryKeyConstraint(*pk, name=f"pk_{kind_name}"),
        Index(f"ix_{kind_name}_load", "load_id"),
    ]
    return Table(kind_name, metadata, *cols, *args)


KIND_TABLES: dict[str, Table] = {name: _build_kind_table(name) for name in EXTRACTS}


def kind_table(kind_name: str) -> Table:
    """The table that holds the records of one extract kind."""
    return KIND_TABLES[kind_name]


def _build_versions_table(kind_name: str) -> Table:
    """Prior versions of a kind's records: the kind's columns plus the load that superseded them.

    A record replaced by a later load is copied here first, so nothing is lost and the
    later load can be retracted (loaders/retract.py). ``load_id`` is the load that wrote
    the old version; ``superseded_by`` the load that replaced it.
    """
    source = KIND_TABLES[kind_name]
    cols: list[SchemaItem] = [Column(c.name, c.type, nullable=c.nullable) for c in source.columns]
    cols.append(Column("superseded_by", Integer, nullable=False))
    pk = [c.name for c in source.primary_key.columns]
    args: list[SchemaItem] = [
        PrimaryKeyConstraint(*pk, "superseded_by", name=f"pk_{kind_name}_versions"),
        Index(f"ix_{kind_name}_versions_by", "superseded_by"),
        Index(f"ix_{kind_name}_versions_load", "load_id"),
    ]
    return Table(f"{kind_name}_versions", metadata, *cols, *args)


VERSION_TABLES: dict[str, Table] = {name: _build_versions_table(name) for name in EXTRACTS}


# --- Indicator results (written by metrics, read by the dashboard) -------------------


def key_text(length: int | None = None) -> TypeEngine[Any]:
    """A results key column's type: text compared byte by byte on PostgreSQL too
    (``COLLATE "C"``), as SQLite compares all text. Under a language's collation each
    comparison in the primary key's B-tree goes through ICU or the C library: a ``COPY``
    of one LA's 232,596 results into a fresh table with the store's indexes took 1.88 s
    under ``en-GB-x-icu`` and 1.45 s under ``C.UTF-8`` against 1.38 s with ``"C"``
    (docs/performance.md, eleventh session). The pages' queries that order by these
    columns (``metrics.results``: groups by name) then order alike on both stores.
    Revision 0011 sets it on a store made before."""
    plain: TypeEngine[Any] = Text() if length is None else String(length)
    compared: TypeEngine[Any] = Text(collation="C") if length is None else String(length, collation="C")
    return plain.with_variant(compared, "postgresql")


# One row per LA, indicator, grain, period, breakdown and group. Percentages are
# 0-100, unrounded. ``value`` is null when there is no value; ``note`` says why.
#
# The key leads with what the pages ask for (an LA's grain and period, a breakdown),
# then the indicator and group, so it serves every page's query and no other index is
# kept: a full recompute built ``ix_kpi_results_view`` (LA, grain, period, breakdown)
# after its copies, alone, while the workers waited (SQLite 0.25 s of a 2.1-2.3 s 2-LA
# recompute, PostgreSQL 0.48 s, the 8-LA region 2.25-2.4 s), and wrote it again at the
# commit. A series of one indicator names its periods (``metrics.results.series``).
# Revision 0012 (docs/performance.md, thirteenth session).
#
# On SQLite the table has no rowid (revision 0014): its rows sit in the key's B-tree
# alone, not in a rowid B-tree plus the key's index, so a full recompute writes each
# result once, and a page's query finds its rows in the key without a second lookup.
# The 2-LA store's full recompute: 1.69-1.82 s against 1.76-2.09 s; the file 28 %
# smaller (docs/performance.md, fourteenth session).
kpi_results = Table(
    "kpi_results",
    metadata,
    Column("la_code", key_text(16), nullable=False),
    Column("kpi_id", key_text(64), nullable=False),
    Column("grain", key_text(8), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("breakdown", key_text(16), nullable=False),
    Column("group_name", key_text(), nullable=False),
    Column("numerator", Float, nullable=True),
    Column("denominator", Float, nullable=True),
    Column("value", Float, nullable=True),
    Column("note", Text, nullable=True),
    Column("target", Float, nullable=True),
    # green / amber / red / none
    Column("status", String(8), nullable=False),
    # improving / worsening / no_change (by polarity); up / down / no_change (polarity "-");
    # null when there is no previous value to compare with.
    Column("direction", String(16), nullable=True),
    # Monthly series only: improvement / concern / neutral / common_cause; null without limits.
    Column("spc", String(16), nullable=True),
    # How much of the period the LA's data covers (metrics/coverage.py): full / partial /
    # lookback_incomplete / none; only "full" has status, direction and SPC.
    Column("coverage", String(24), nullable=False, server_default="full"),
    Column("months_covered", Integer, nullable=True),
    PrimaryKeyConstraint("la_code", "grain", "period_end", "breakdown", "kpi_id", "group_name"),
    # On PostgreSQL one partition per LA, made by a full recompute, side by side
    # (store.refill), and a default one for an LA's rows before its first full
    # recompute. Revision 0013.
    postgresql_partition_by="LIST (la_code)",
    sqlite_with_rowid=False,
)
# The names of kpi_results' partitions and of a refill's tables all start with this.
RESULTS_PARTS = "kpi_results__"
RESULTS_DEFAULT = f"{RESULTS_PARTS}default"


def is_results_part(name: str) -> bool:
    """Whether a table is a partition of ``kpi_results`` or a refill's table (PostgreSQL):
    not a table of the schema, though the database lists it.

    >>> is_results_part("kpi_results__default"), is_results_part("kpi_results")
    (True, False)
    """
    return name.startswith(RESULTS_PARTS)


# One row per monthly series (LA, indicator, breakdown, group): the XmR limits and the
# icons of the latest point, following NHS "Making Data Count".
kpi_spc = Table(
    "kpi_spc",
    metadata,
    Column("la_code", key_text(16), nullable=False),
    Column("kpi_id", key_text(64), nullable=False),
    Column("breakdown", key_text(16), nullable=False),
    Column("group_name", key_text(), nullable=False),
    Column("points", Integer, nullable=False),
    Column("mean", Float, nullable=True),
    Column("lower_limit", Float, nullable=True),
    Column("upper_limit", Float, nullable=True),
    Column("latest_period_end", Date, nullable=True),
    # common_cause / improvement_high / improvement_low / concern_high / concern_low /
    # neutral_high / neutral_low; null when there are too few points for limits.
    Column("variation", String(24), nullable=True),
    # pass / fail / hit_and_miss; null without a target or limits.
    Column("assurance", String(16), nullable=True),
    # True when most months' denominators are under 10: no icons, "too few each month".
    Column("too_few", Boolean, nullable=False, server_default="0"),
    PrimaryKeyConstraint("la_code", "kpi_id", "breakdown", "group_name"),
)

# Each LA's reporting window: the months its extracts cover. It starts at the LA's first
# contact (else first referral, else its earliest event): plans and episodes already open
# when the extracts begin carry earlier start dates, and months before the window would
# show partial numbers. Results outside the window are kept (kpis.md defines them), but
# SPC limits use only the months inside it and the pages default to it.
la_windows = Table(
    "la_windows",
    metadata,
    Column("la_code", String(16), primary_key=True),
    Column("window_start", Date, nullable=False),
    Column("window_end", Date, nullable=False),
    Column("basis", String(32), nullable=False),
)

# Early help outcome-score change (metrics/outcome_scores.py): a supplementary measure,
# not an indicator. Per LA, grain and period: episodes closed, those with both scores, the
# mean scores at start and closure, the mean change and how many improved.
eh_outcome_scores = Table(
    "eh_outcome_scores",
    metadata,
    Column("la_code", String(16), nullable=False),
    Column("grain", String(8), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("closed", Integer, nullable=False),
    Column("episodes", Integer, nullable=False),
    Column("mean_start", Float, nullable=True),
    Column("mean_end", Float, nullable=True),
    Column("mean_change", Float, nullable=True),
    Column("improved", Integer, nullable=False),
    PrimaryKeyConstraint("la_code", "grain", "period_end"),
)

# One row per recompute: when, and the latest load it reflects (caches key on it).
kpi_runs = Table(
    "kpi_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("latest_load_id", Integer, nullable=True),
    Column("results", Integer, nullable=False),
)


# What an incremental recompute needs to know without reading every table again
# (metrics/recompute_plan.py). Per LA, kind and date column (each event kind's main date,
# and early help's end_date): the earliest and latest date, the earliest and latest inside
# the bank-holiday calendar, and how many dates lie outside it and the earliest of those;
# and the LA's rows of the kind.
# Refreshed for the (LA, kind) pairs a load touched; the periods every LA shares and each
# LA's reporting window follow from it.
recompute_spans = Table(
    "recompute_spans",
    metadata,
    Column("la_code", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("column_name", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("first_date", Date, nullable=True),
    Column("last_date", Date, nullable=True),
    Column("first_inside", Date, nullable=True),
    Column("last_inside", Date, nullable=True),
    Column("outside", Integer, nullable=False),
    Column("first_outside", Date, nullable=True),
    PrimaryKeyConstraint("la_code", "kind", "column_name"),
)

# The loads whose rows the stored results include; any other load is pending and marks
# its LAs and kinds for the next incremental recompute (robust to loads committing out of
# id order, as they can on PostgreSQL).
recomputed_loads = Table(
    "recomputed_loads",
    metadata,
    Column("load_id", Integer, primary_key=True, autoincrement=False),
    Column("run_id", Integer, nullable=False),
)


# --- Dashboard state ----------------------------------------------------------------

# Commentary on an indicator for a period. An edit adds a new row that supersedes the
# previous one, so the history is kept; the current text is the row nothing supersedes.
comments = Table(
    "comments",
    metadata,
    Column("comment_id", Integer, primary_key=True, autoincrement=True),
    Column("la_code", String(16), nullable=False),
    Column("kpi_id", String(64), nullable=False),
    Column("grain", String(8), nullable=False),
    Column("period_end", Date, nullable=False),
    Column("body", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("supersedes", Integer, ForeignKey("comments.comment_id"), nullable=True),
    Index("ix_comments_view", "la_code", "kpi_id", "grain", "period_end"),
)

# Every record-level view (the list of records behind a number) is logged.
record_views = Table(
    "record_views",
    metadata,
    Column("view_id", Integer, primary_key=True, autoincrement=True),
    Column("viewed_at", UTCDateTime, nullable=False),
    Column("viewer", String(200), nullable=True),
    Column("action", String(16), nullable=False),  # view / download
    Column("la_code", String(16), nullable=False),
    Column("kpi_id", String(64), nullable=False),
    Column("grain", String(8), nullable=False),
    Column("period_end", Date, nullable=False),
    Column("breakdown", String(16), nullable=False),
    Column("group_name", Text, nullable=False),
    Column("rows", Integer, nullable=False),
)


# --- Accounts, sessions and the audit log (scorecard/accounts.py, scorecard/audit.py) ---

# A person who may sign in. ``password_hash`` is an Argon2id hash (argon2-cffi), or null
# for an account that signs in only through single sign-on or the first-run link.
users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False, unique=True),
    Column("password_hash", Text, nullable=True),
    Column("role", String(16), nullable=False),  # board / partner / manager / analyst / admin
    Column("agency", String(200), nullable=True),  # a partner's agency
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_sign_in", UTCDateTime, nullable=True),
)

# The LAs a user is granted ("*": every LA in the store).
user_las = Table(
    "user_las",
    metadata,
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("la_code", String(16), nullable=False),
    PrimaryKeyConstraint("user_id", "la_code"),
)

# A signed-in browser. The cookie holds a random id; the store keeps only its SHA-256,
# so a session ends (sign-out, 30 idle minutes, account disabled) on the server.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("address", String(64), nullable=True),
)

# One-time sign-in links (the first run's link for the first administrator); SHA-256 only.
signin_tokens = Table(
    "signin_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)

# Every password sign-in attempt, for the rate limits per account and per address.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("attempt_id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("username", String(200), nullable=False),
    Column("address", String(64), nullable=True),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_login_attempts_user", "username", "at"),
    Index("ix_login_attempts_address", "address", "at"),
)

# The append-only audit log: who did what, when, from where. Triggers (below) refuse
# UPDATE and DELETE on both SQLite and PostgreSQL.
audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("username", String(200), nullable=True),
    Column("action", String(40), nullable=False),
    Column("la_code", String(16), nullable=True),
    Column("detail", Text, nullable=True),
    Column("address", String(64), nullable=True),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_user", "username", "at"),
)

_APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER audit_log_no_{op} BEFORE {OP} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
)
_APPEND_ONLY_POSTGRES = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)


def _ddl(statement: str, dialect: str) -> DDL:
    ddl: DDL = DDL(statement)  # type: ignore[no-untyped-call]  # SQLAlchemy leaves DDL() untyped
    return ddl.execute_if(dialect=dialect)


def _append_only_ddl() -> list[DDL]:
    sqlite = [_ddl(_APPEND_ONLY_SQLITE.format(op=op.lower(), OP=op), "sqlite") for op in ("UPDATE", "DELETE")]
    return sqlite + [_ddl(statement, "postgresql") for statement in _APPEND_ONLY_POSTGRES]


for _statement in _append_only_ddl():
    event.listen(audit_log, "after_create", _statement)
event.listen(
    kpi_results,
    "after_create",
    _ddl(f"CREATE TABLE {RESULTS_DEFAULT} PARTITION OF kpi_results DEFAULT", "postgresql"),
)

# Clinic actions (scorecard/actions.py): what a meeting agreed to do about an indicator.
# The action row holds what never changes (its indicator and scope, who raised it and
# when); every edit of its text, owner, due date or status adds a version, so the
# history is kept as commentary's is. The current state is the latest version.
clinic_actions = Table(
    "clinic_actions",
    metadata,
    Column("action_id", Integer, primary_key=True, autoincrement=True),
    Column("kpi_id", String(64), nullable=False),
    # Optional scope: an LA, a period (grain and period end), a team or an agency.
    Column("la_code", String(16), nullable=True),
    Column("grain", String(8), nullable=True),
    Column("period_end", Date, nullable=True),
    Column("team", Text, nullable=True),
    Column("agency", Text, nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_clinic_actions_kpi", "kpi_id", "la_code"),
)

clinic_action_versions = Table(
    "clinic_action_versions",
    metadata,
    Column("version_id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", Integer, ForeignKey("clinic_actions.action_id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("owner", String(200), nullable=False),
    Column("due_date", Date, nullable=False),
    # open / done / dropped
    Column("status", String(8), nullable=False),
    # What changed and why ("Audit done; re-referrals were duplicates").
    Column("note", Text, nullable=True),
    Column("author", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_clinic_action_versions_action", "action_id"),
)

# Targets set in the app or with `scorecard targets set` (scorecard/target_changes.py):
# they override the targets file (metrics/targets.py) per indicator, for every LA
# (la_code "*") or one LA. One row per indicator and scope, replaced by the next
# change; the audit log keeps every change with its old and new values.
target_overrides = Table(
    "target_overrides",
    metadata,
    Column("kpi_id", String(64), primary_key=True),
    Column("la_code", String(16), primary_key=True),
    Column("target", Float, nullable=False),
    Column("tolerance", Float, nullable=True),
    Column("set_by", String(200), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
)
