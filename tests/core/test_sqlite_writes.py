"""SQLite write transactions: the write lock is waited for in short steps, and the wait is bounded.

These use their own SQLite file whatever database the suite runs on (the behaviour is SQLite's).
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from portal import db as portal_db
from portal.db import make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"))
    yield engine
    engine.dispose()


def _hold_write_lock(path: str, seconds: float, started: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO items (name) VALUES ('holder')")
    started.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


def _write_in_request(app, engine) -> None:
    # Outside a request a transaction is deferred; a POST takes the write lock up front.
    with app.test_request_context("/", method="POST"), engine.begin() as conn:
        conn.execute(text("INSERT INTO items (name) VALUES ('waiter')"))


def test_a_writer_waits_for_the_lock_and_gets_in_soon_after_it_is_released(app, engine):
    path = engine.url.database
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 0.3, started))
    holder.start()
    started.wait(5)
    began = time.monotonic()
    _write_in_request(app, engine)
    waited = time.monotonic() - began
    holder.join()
    assert 0.25 <= waited < 0.3 + 0.2
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM items ORDER BY id")).scalars().all() == ["holder", "waiter"]
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000  # restored for other statements


def test_the_wait_for_the_write_lock_is_bounded(app, engine, monkeypatch):
    monkeypatch.setattr(portal_db, "WRITE_LOCK_TIMEOUT", 0.2)
    path = engine.url.database
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 1.0, started))
    holder.start()
    started.wait(5)
    began = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _write_in_request(app, engine)
    assert time.monotonic() - began < 0.6
    holder.join()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM items")).scalars().all() == ["holder"]  # nothing half-written
