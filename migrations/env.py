"""Alembic environment: the app's engine and the metadata of every model."""

from __future__ import annotations

from contextlib import contextmanager

from alembic import context
from flask import current_app
from sqlalchemy.engine import make_url

import portal.models  # noqa: F401 - registers every table on Base.metadata
from portal.backoffice.search import autogenerate_filter
from portal.db import Base, get_db

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    url = get_db(current_app).url
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True,
                      compare_type=True, include_object=autogenerate_filter(make_url(url).get_backend_name()))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # tests hand in their own connection
        _run(connection)
        return
    with get_db(current_app).engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True, include_object=autogenerate_filter(connection.dialect.name))
    with _sqlite_foreign_keys_off(connection), context.begin_transaction():
        context.run_migrations()


@contextmanager
def _sqlite_foreign_keys_off(connection):  # type: ignore[no-untyped-def]
    """SQLite alters a table in batch mode by copying it to a new table, dropping the old one and renaming
    the copy. With foreign keys enforced, dropping the old table deletes its rows first, and with them,
    through ON DELETE CASCADE, every row that refers to them (a column dropped from ``cases`` would take
    every case event and deadline along). So foreign keys are off while migrating (the pragma only
    works outside a transaction), checked once the migration is committed, and on again afterwards."""
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:10]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
