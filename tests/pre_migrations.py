"""A store as the release before migrations (commit 139bba1) made it, from frozen files.

``tests/fixtures/pre_migrations_<dialect>.sql`` is that release's DDL and
``pre_migrations_rows.json`` a few rows of every table (see
``tests/fixtures/make_pre_migrations_store.py`` for how they were made). The
``pre_migrations_kpis.*`` and ``pre_migrations_loads.txt`` files are what that release's
``scorecard kpis`` and ``scorecard loads`` printed for this store (``TZ=Europe/London``).
Nothing here imports the scorecard: the store is built with plain SQLAlchemy.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Engine, MetaData, create_engine, insert, text

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROWS = FIXTURES / "pre_migrations_rows.json"


def raw_engine(url: str) -> Engine:
    """An engine without the scorecard's hooks or checks (psycopg 3 for PostgreSQL)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return create_engine(url)


def _value(value: Any, sql_type: Any) -> Any:
    if value is None:
        return None
    if isinstance(sql_type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(sql_type, Date):
        return date.fromisoformat(value)
    if isinstance(sql_type, Boolean):
        return bool(value)
    return value


def build(url: str) -> dict[str, int]:
    """Create the old release's store at ``url`` (empty database) and return its row counts."""
    engine = raw_engine(url)
    ddl = (FIXTURES / f"pre_migrations_{engine.dialect.name}.sql").read_text()
    data = json.loads(ROWS.read_text())
    with engine.begin() as conn:
        for statement in ddl.split(";\n"):
            if statement.strip():
                conn.execute(text(statement))
        tables = MetaData()
        tables.reflect(conn)
        for name, content in data.items():
            table = tables.tables[name]
            rows = [
                {c: _value(v, table.c[c].type) for c, v in zip(content["columns"], row, strict=True)}
                for row in content["rows"]
            ]
            if rows:
                conn.execute(insert(table), rows)
        if engine.dialect.name == "postgresql":  # the ids were given: move the sequences on
            for name, table in tables.tables.items():
                for column in table.primary_key.columns:
                    default = column.server_default
                    if default is not None and "nextval" in str(getattr(default, "arg", "")):
                        conn.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{name}', '{column.name}'), "
                                f"COALESCE((SELECT MAX({column.name}) FROM {name}), 0) + 1, false)"
                            )
                        )
    engine.dispose()
    return {name: len(content["rows"]) for name, content in data.items()}


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (reflected, so as the database holds it), sorted, by table."""
    engine = raw_engine(url)
    tables = MetaData()
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        tables.reflect(conn)
        for name, table in tables.tables.items():
            if name.startswith("kpi_results__"):  # a partition's rows are its parent's (PostgreSQL)
                continue
            rows = [tuple(r) for r in conn.execute(table.select())]
            out[name] = sorted(rows, key=repr)
    engine.dispose()
    return out
