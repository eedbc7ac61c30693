"""Schema migrations: the store's revision, checked on every open, upgraded by ``scorecard upgrade``.

The migrations are Alembic revisions in ``store/migrations/versions`` (``0001`` is the
baseline: the schema of the last release before migrations, written out table by table
and frozen). Alembic keeps the store's revision in its ``alembic_version`` table.

Readings, with their reasons:

- A brand-new (empty) store is created at the head directly: ``metadata.create_all`` and
  then the head revision stamped, in one transaction, which is Alembic's own recipe for a
  new database. Replaying every revision instead would give the same tables (a test builds
  a store both ways and compares them, on SQLite and PostgreSQL) but costs each of the many
  throwaway stores the tests and doctests open; ``store/schema.py`` stays the one
  description of the current schema that the code reads.
- Every other open of a store (``serve``, ``load``, ``kpis``, ``recompute``, ``loads``,
  ``rejects``, the dashboard) accepts only a store at the head. An older store (a revision
  behind, or one made by the release before migrations) is refused with a message to run
  ``scorecard upgrade``; a newer one (a revision this program does not know) is refused
  with the release that last upgraded it, recorded in ``scorecard_meta``. Nothing is ever
  upgraded without being asked: an upgrade can take a while, and a partnership may want a
  backup first.
- A store made by the release before migrations has no ``alembic_version`` but has
  ``scorecard_meta.schema_version = '1'`` (that release's only record of its schema). It is
  recognised, stamped at the baseline ``0001`` and upgraded from there, in place, in one
  transaction: every row is kept. Revision ``0002`` sets ``schema_version`` to ``'2'`` so
  that the release before migrations refuses an upgraded store ("newer than this program").
- Creating and upgrading hold the write lock (SQLite ``BEGIN IMMEDIATE``; a PostgreSQL
  advisory lock), so two programs opening a new store at once create it once.

Example::

    >>> from sqlalchemy import create_engine
    >>> engine = create_engine("sqlite://")
    >>> with engine.connect() as conn:
    ...     schema_state(conn).empty
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata as package_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, Engine, inspect, select, text

from store.engine import StoreError, writing
from store.schema import is_results_part, meta, metadata
from store.times import UTCDateTime

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
# scorecard_meta keys: the release before migrations wrote "schema_version" = "1"; revision
# 0002 sets it to "2" (see the module docstring). "schema_release" is the scorecard release
# that last created or upgraded the store, named when a newer store is refused.
LEGACY_KEY = "schema_version"
LEGACY_GUARD = "2"
RELEASE_KEY = "schema_release"
_PG_LOCK = 0x5C0AECA2D  # pg_advisory_xact_lock key for creating / upgrading the schema


class StoreOutdatedError(StoreError):
    """The store's schema is older than this program's: ``scorecard upgrade`` brings it up."""


class StoreTooNewError(StoreError):
    """The store's schema was made by a newer release than this program."""


@dataclass(frozen=True)
class SchemaState:
    """What a database holds: its Alembic revision, and whether it is empty or pre-migrations."""

    revision: str | None
    empty: bool
    legacy_version: str | None
    release: str | None


def release() -> str:
    """This program's release (the installed package's version)."""
    try:
        return package_metadata.version("partnership-scorecard")
    except package_metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown"


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR))


_REVISION_LINE = re.compile(r'^(down_revision|revision)\s*=\s*(?:"([^"]*)"|None)', re.MULTILINE)


@lru_cache(maxsize=1)
def quick_head() -> str | None:
    """The head revision read from the revision files' ``revision``/``down_revision`` lines,
    without importing Alembic (about 0.3 s idle), or None when that is not one clear head.

    Every command opens the store and most find it at the head; this keeps that check
    cheap. Anything else (an upgrade, a refusal's message) asks Alembic itself, and a test
    checks that the two agree.

    >>> quick_head() == head_revision()
    True
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((key, value) for key, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    """The revision this program's schema is at (the last migration)."""
    head = _script().get_current_head()
    if head is None:  # pragma: no cover - the baseline always exists
        raise StoreError(f"no migrations found in {MIGRATIONS_DIR}: the installation is incomplete")
    return head


def _known(revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return _script().get_revision(revision) is not None
    except CommandError:
        return False


def render_item(kind: str, item: Any, _autogen_context: Any) -> str | Literal[False]:
    """Autogenerate hook: a new revision spells the store's time type out as plain SQLAlchemy."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(
    context: Any, _inspected: Any, _column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Autogenerate hook: SQLite has no time zone type, so its DATETIME holds UTC times as
    well; a column's collation is compared too (Alembic compares none), on the type the
    store's dialect uses (``store.schema.key_text``)."""
    if context.dialect.name == "sqlite" and isinstance(metadata_type, UTCDateTime):
        return type(inspected_type).__name__.upper() not in ("DATETIME", "TIMESTAMP")
    variants = getattr(metadata_type, "_variant_mapping", {})
    wanted = getattr(variants.get(context.dialect.name, metadata_type), "collation", None)
    if wanted != getattr(inspected_type, "collation", None):
        return True
    return None


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """Autogenerate hook: ``kpi_results``' partitions and a refill's tables on PostgreSQL
    are tables of the database but not of the schema (``store.schema.is_results_part``)."""
    return not (type_ == "table" and name is not None and is_results_part(name))


def alembic_config(conn: Connection | None = None) -> Config:
    """Alembic's configuration, built in code (there is no alembic.ini); ``conn`` is used by env.py."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def schema_state(conn: Connection) -> SchemaState:
    """The state of the database behind ``conn`` (read only)."""
    names = set(inspect(conn).get_table_names())
    revision = None
    if "alembic_version" in names:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    ours = names & set(metadata.tables)
    legacy = release_made = None
    if meta.name in names:
        values = {key: value for key, value in conn.execute(select(meta.c.key, meta.c.value))}
        legacy, release_made = values.get(LEGACY_KEY), values.get(RELEASE_KEY)
    return SchemaState(
        revision=revision, empty=not ours and revision is None, legacy_version=legacy, release=release_made
    )


def check_store(engine: Engine, where: str) -> None:
    """Create a new store at the head; refuse one older or newer than this program.

    ``where`` names the store in messages (its URL without the password).
    """
    with engine.connect() as conn:
        state = schema_state(conn)
    if state.revision is not None and state.revision == quick_head():
        return
    if state.revision == head_revision():
        return
    if state.empty:
        with _schema_lock(engine) as conn:
            if schema_state(conn).empty:
                _create_at_head(conn)
        check_store(engine, where)
        return
    raise _refusal(state, where)


def _refusal(state: SchemaState, where: str) -> StoreError:
    upgrade = (
        "back it up, run 'scorecard upgrade' on it (same --db or SCORECARD_DATABASE_URL), then try again"
    )
    if state.revision is None:
        if state.legacy_version == "1":
            return StoreOutdatedError(
                f"the database {where} was made by a release of the scorecard before schema "
                f"migrations (schema version 1): {upgrade}"
            )
        return StoreError(
            f"the database {where} has scorecard tables but no schema revision: it was not made by "
            "the scorecard, or was damaged; use an empty database or restore a backup"
        )
    if not _known(state.revision):
        made_by = f"scorecard {state.release}" if state.release else "a newer scorecard"
        return StoreTooNewError(
            f"the database {where} is at schema revision {state.revision}, made by {made_by}, newer "
            f"than this program (scorecard {release()}, revision {head_revision()}): use {made_by} "
            "or later with this database"
        )
    return StoreOutdatedError(
        f"the database {where} is at schema revision {state.revision}, older than this program's "
        f"{head_revision()}: {upgrade}"
    )


@dataclass(frozen=True)
class Upgrade:
    """What ``upgrade_store`` did: the revision found (None: a new or pre-migrations store)."""

    where: str
    found: str | None
    head: str
    created: bool = False

    def __str__(self) -> str:
        if self.created:
            return f"created a new store at schema revision {self.head}: {self.where}"
        if self.found == self.head:
            return f"{self.where} is already at schema revision {self.head}: nothing to do"
        before = self.found or "schema version 1 (the release before migrations)"
        return f"upgraded {self.where} from {before} to schema revision {self.head}"


def upgrade_store(engine: Engine, where: str) -> Upgrade:
    """Bring the store to the head revision in place, or create it there if it is empty.

    ``where`` names the store in messages. Everything happens in one transaction: on any
    error nothing has changed.
    """
    from alembic import command

    with _schema_lock(engine) as conn:
        state = schema_state(conn)
        if state.empty:
            _create_at_head(conn)
            return Upgrade(where, None, head_revision(), created=True)
        if state.revision is not None and not _known(state.revision):
            raise _refusal(state, where)
        cfg = alembic_config(conn)
        if state.revision is None:
            if state.legacy_version != "1":
                raise _refusal(state, where)
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, head_revision())
        _record_release(conn)
    return Upgrade(where, state.revision, head_revision())


def _create_at_head(conn: Connection) -> None:
    from alembic.migration import MigrationContext

    metadata.create_all(conn)
    conn.execute(meta.insert().values(key=LEGACY_KEY, value=LEGACY_GUARD))
    # Stamped directly (not through env.py): a new store is the tests' commonest set-up.
    MigrationContext.configure(conn).stamp(_script(), head_revision())
    _record_release(conn)


def _record_release(conn: Connection) -> None:
    conn.execute(meta.delete().where(meta.c.key == RELEASE_KEY))
    conn.execute(meta.insert().values(key=RELEASE_KEY, value=release()))


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[Connection]:
    """A write transaction that holds the schema lock until it commits."""
    with writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        yield conn


def new_revision(message: str) -> Path:
    """Write the next revision: what ``store/schema.py`` has that the revisions do not build.

    For developers (``python -m store.migrate revision "add audit table"``): the revisions
    are replayed into a scratch SQLite database, compared with the metadata, and the
    differences written as ``versions/NNNN_<message>.py``.
    """
    import tempfile

    from alembic import command
    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        with engine.begin() as conn:
            cfg = alembic_config(conn)
            command.upgrade(cfg, head_revision())
            number = f"{int(head_revision()) + 1:04d}"
            written = command.revision(cfg, message=message, autogenerate=True, rev_id=number)
        engine.dispose()
    if written is None or isinstance(written, list):  # pragma: no cover - one head, one script
        raise StoreError("alembic wrote no single revision: check store/migrations for several heads")
    return Path(written.path)


def rebuild_sqlite_table(bind: Connection, name: str, definition: str, order_by: list[str]) -> None:
    """Make the SQLite table ``name`` again under ``definition`` (a ``CREATE TABLE``
    statement for it, as ``sqlite_master`` holds one), its rows copied in ``order_by``
    order, for what SQLite cannot alter in place (a table's key, its rowid). Inside the
    caller's transaction: a failure leaves the table as it was."""
    fresh = f"{name}__rebuilt"
    body = definition.split("(", 1)[1]
    columns = ", ".join(str(row[1]) for row in bind.execute(text(f"PRAGMA table_info({name})")))
    bind.execute(text(f"DROP TABLE IF EXISTS {fresh}"))
    bind.execute(text(f"CREATE TABLE {fresh} ({body}"))
    ordered = ", ".join(order_by)
    bind.execute(text(f"INSERT INTO {fresh} ({columns}) SELECT {columns} FROM {name} ORDER BY {ordered}"))
    bind.execute(text(f"DROP TABLE {name}"))
    bind.execute(text(f"ALTER TABLE {fresh} RENAME TO {name}"))


def sqlite_definition(bind: Connection, name: str) -> str:
    """The ``CREATE TABLE`` statement SQLite keeps for the table ``name``."""
    query = text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t")
    return str(bind.execute(query, {"t": name}).scalar_one())


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m store.migrate revision "what the revision does"')
    print(f"wrote {new_revision(sys.argv[2])}: read it, then run tests/test_store_migrations.py")
