"""Alembic environment: the app's engine and the metadata of every model."""

from __future__ import annotations

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
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
