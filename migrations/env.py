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
    with get_db(current_app).engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    applied: list[object] = []
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True, include_object=autogenerate_filter(connection.dialect.name),
                      on_version_apply=lambda **kw: applied.append(kw["step"]))
    with _sqlite_foreign_keys_off(connection, applied), context.begin_transaction():
        context.run_migrations()


@contextmanager
def _sqlite_foreign_keys_off(connection, applied: list[object]):  # type: ignore[no-untyped-def]
    """SQLite alters a table in batch mode by copying it to a new table, dropping the old one and renaming
    the copy. With foreign keys enforced, dropping the old table deletes its rows first, and with them,
    through ON DELETE CASCADE, every row that refers to them (a column dropped from ``cases`` would take
    every case event and deadline along). So foreign keys are off while migrating: the pragma only works
    outside a transaction, on a fresh connection. Once steps have run, the keys are checked (the portal
    always runs with them on, so a broken one can only come from a migration), and they are switched on
    again whatever happened."""
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        raise RuntimeError("SQLite migrations need a connection outside a transaction")
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        if connection.in_transaction():  # with nothing to run, the version read leaves one open
            connection.commit()
        broken = raw.execute("PRAGMA foreign_key_check").fetchall() if applied else []
    finally:
        if connection.in_transaction():
            connection.rollback()
        raw.execute("PRAGMA foreign_keys=ON")
    if raw.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
        raise RuntimeError("foreign keys could not be switched on again after the migration")
    if broken:
        raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:10]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
