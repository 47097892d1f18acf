"""Shared fixtures: app, client, db_session, factories, SMTP sink, live server and browser.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` is set
(``make test`` runs both). Each test runs inside an outer transaction that is rolled back; the
app's own commits only release savepoints. Browser tests use a live server on a second app
against the same database and wipe the tables after each test.
"""

from __future__ import annotations

import contextvars
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

import portal.models  # noqa: F401 - every table on Base.metadata
from portal import create_app
from portal.db import Base, get_db
from portal.extensions import limiter
from portal.files.storage import LocalStorage, set_storage

pytest_plugins = ["tests.fixtures.mail", "tests.fixtures.browser", "tests.fixtures.clamd"]

SECRET = secrets.token_hex(32)


def _database_url(tmp: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="portal-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context (and so its own ``g`` and
    database session), as in production, even when the test itself holds an app context."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return contextvars.Context().run(FlaskClient.open, self, *args, **kwargs)


class IsolatedRunner(FlaskCliRunner):
    """A CLI runner whose commands get their own app context, as when run from a shell."""

    def invoke(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return contextvars.Context().run(FlaskCliRunner.invoke, self, *args, **kwargs)


def make_test_app(workdir: Path, **overrides: object) -> Flask:
    settings = {
        "env": "testing",
        "secret_key": SECRET,
        "database_url": _database_url(workdir),
        "instance_path": str(workdir / "instance"),
        "upload_dir": str(workdir / "uploads"),
        "ratelimit_storage_uri": "memory://",
        "base_url": "http://127.0.0.1:5000",
        **overrides,
    }
    flask_app = create_app(settings)
    flask_app.test_client_class = IsolatedClient
    flask_app.test_cli_runner_class = IsolatedRunner
    return flask_app


@pytest.fixture(scope="session")
def app(workdir: Path, smtp_server) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """The app under test, with a fresh schema built once per session."""
    app = make_test_app(workdir, mail_port=smtp_server[0].port)
    engine = get_db(app).engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        Base.metadata.create_all(conn)
    yield app
    engine.dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session whose work, including the app's commits, is rolled back after the test."""
    database = get_db(app)
    connection = database.engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
    original = database.sessionmaker
    database.sessionmaker = factory
    session = factory()
    app.config["WTF_CSRF_ENABLED"] = False
    limiter.reset()
    try:
        with app.app_context():
            yield session
    finally:
        database.sessionmaker = original
        session.close()
        if outer.is_active:
            outer.rollback()
        connection.close()
        app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def client(app: Flask, db_session: Session) -> FlaskClient:
    """A test client (CSRF off; see ``csrf_client`` for the CSRF-enforcing variant)."""
    return app.test_client()


@pytest.fixture
def csrf_client(app: Flask, db_session: Session) -> Iterator[FlaskClient]:
    """A test client with CSRF protection enforced, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db_session: Session):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def fresh_app(workdir: Path, app: Flask) -> Flask:
    """A new app on the test database, for tests that add their own routes (the session app
    cannot take new routes once it has served a request). Its commits are real."""
    new = make_test_app(workdir)
    new.config["WTF_CSRF_ENABLED"] = False
    return new


@pytest.fixture
def storage(app: Flask, tmp_path: Path) -> Iterator[LocalStorage]:
    """Evidence storage in a fresh directory, so tests can see exactly which files exist."""
    backend = LocalStorage(tmp_path / "uploads")
    set_storage(app, backend)
    yield backend
    set_storage(app, None)
