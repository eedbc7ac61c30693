"""Alembic's environment: run by store.migrate on the connection it passes (there is no alembic.ini).

The connection is already inside the write transaction that store.migrate holds, so the
revisions and the stamp commit together or not at all.
"""

from __future__ import annotations

from alembic import context

from store.migrate import compare_type, include_name, render_item
from store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "the store's migrations run through 'scorecard upgrade' (store.migrate), not the alembic command"
    )


context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite alters a table by copying it; batch mode does that
    compare_type=compare_type,
    include_name=include_name,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
