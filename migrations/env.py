"""Alembic environment: the app's engine and the metadata of every model."""

from __future__ import annotations

from alembic import context
from flask import current_app

import portal.models  # noqa: F401 - registers every table on Base.metadata
from portal.db import Base, get_db

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Leave the full-text search structures (created by explicit DDL) out of autogenerate."""
    from portal.backoffice.search import is_search_object

    return not is_search_object(name)


def run_migrations_offline() -> None:
    context.configure(url=get_db(current_app).url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True, include_object=include_object)
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
                      compare_type=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
