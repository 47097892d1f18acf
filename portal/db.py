"""Database layer: the typed declarative base, engine set-up and the per-request session.

Only views and CLI commands commit; services add and flush.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    cast,
    column,
    create_engine,
    event,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from werkzeug.local import LocalProxy

F = TypeVar("F", bound=Callable[..., Any])

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now_utc() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite has no time zones; PostgreSQL stores ``timestamptz``. Naive datetimes are refused so
    that local times never sneak in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# Repeated column shapes, declared once.
intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
bigintpk = Annotated[int, mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)]
str32 = Annotated[str, 32]
str64 = Annotated[str, 64]
str255 = Annotated[str, 255]
created_at = Annotated[dt.datetime, mapped_column(UTCDateTime, default=now_utc, nullable=False)]


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime,
        str32: String(32),
        str64: String(64),
        str255: String(255),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Take transaction control away from pysqlite (it defers BEGIN and breaks SAVEPOINTs);
    # the "begin" listener below issues BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
    # another writer committed in between (the busy timeout cannot help). Requests that change
    # state therefore take the write lock up front; reads stay deferred and never block.
    # A view marked :func:`reads_only`, or the reading phase of a view (:func:`reading`), reads only.
    immediate = (has_request_context() and request.method not in {"GET", "HEAD", "OPTIONS"}
                 and not g.get(_READING, False) and not _view_reads_only())
    dbapi_connection = conn.connection.dbapi_connection
    if immediate:
        _begin_immediate(dbapi_connection)
    else:
        dbapi_connection.execute("BEGIN")  # straight to the driver: a statement of its own costs ~40 µs


WRITE_LOCK_TIMEOUT = 30.0


def _begin_immediate(dbapi_connection: Any) -> None:
    """``BEGIN IMMEDIATE``, waiting for the write lock with short sleeps.

    SQLite's own busy handler sleeps 1, 2, 5, 10... ms between attempts, far longer than a
    typical write transaction here holds the lock (well under a millisecond): two processes
    writing at once spent most of their time asleep. Polling from 50 µs upwards, capped at 2 ms,
    lets the next writer in almost as soon as the lock is free; the overall wait is still bounded
    by the same 30 s as the busy timeout.
    """
    deadline = time.monotonic() + WRITE_LOCK_TIMEOUT
    delay = 0.00005
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _BUSY_CODES  # primary code
                if not busy or time.monotonic() >= deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.002)
    finally:
        with contextlib.suppress(sqlite3.Error):  # never hide the error that got us here
            dbapi_connection.execute(f"PRAGMA busy_timeout={int(WRITE_LOCK_TIMEOUT * 1000)}")


_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


_READING = "_portal_reading"
_READS_ONLY = "_portal_reads_only"


def _view_reads_only() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, _READS_ONLY, False))


def reads_only(view: F) -> F:
    """Mark a view whose POST never writes to the database (e.g. a lookup): on SQLite its
    transactions are deferred, so concurrent requests do not queue for the write lock.
    Place it directly under the route decorator."""
    setattr(view, _READS_ONLY, True)
    return view


@contextmanager
def reading(session: Session) -> Iterator[None]:
    """The reading phase of a state-changing request (building and validating a form): on SQLite
    its queries run in a deferred transaction, ended (committed, nothing having been written)
    when the phase ends, so the write lock is taken only by the writes that follow. Nothing may be
    added to the session inside it. Elsewhere (PostgreSQL) it changes nothing."""
    outer = g.get(_READING, False)
    began = not session.in_transaction()  # a transaction already open (and its writes) is left alone
    setattr(g, _READING, True)
    try:
        yield
    finally:
        setattr(g, _READING, outer)
    if not outer and began and session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("the reading phase changed the session")
        session.commit()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs.

    ``hide_parameters``: a database error must never copy citizens' text or identities into a log.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True,
                               **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=4, hide_parameters=True, **kwargs)


class Database:
    """Holds the engine and the session factory of one app."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)


def init_app(app: Flask, url: str) -> Database:
    """Attach a :class:`Database` to ``app`` and close the request session at teardown."""
    database = Database(url)
    app.extensions["portal.db"] = database
    app.teardown_appcontext(_close_session)
    return database


def get_db(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["portal.db"]


def get_session() -> Session:
    """The session of the current app context (created on first use)."""
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back anything not committed


session: Session = LocalProxy(get_session)  # type: ignore[assignment]


def among(session: Session, column: ColumnElement[int], ids: Collection[int]) -> ColumnElement[bool]:
    """``column IN ids`` for thousands of ids, sent as ONE parameter: ``= ANY(array)`` on PostgreSQL,
    ``IN (SELECT value FROM json_each(?))`` on SQLite.

    A plain ``IN`` list is expanded into one placeholder per id at every execution, and both SQLAlchemy
    and psycopg then process a statement thousands of placeholders long (about a third of the CPU of
    a sweep over a million cases); with one parameter the statement is compiled once and cached.
    """
    values = list(ids)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, json.dumps(values), type_=String)).table_valued("value")
    return column.in_(select(listed.c.value))


def insert_many(session: Session, table: Table, rows: list[dict[str, Any]], **constants: Any) -> None:
    """INSERT ``rows`` (dicts with the same keys), each with ``constants`` too.

    On PostgreSQL ONE statement reading the rows from one JSON parameter (``INSERT ... SELECT ... FROM
    json_to_recordset(...)``): psycopg's ``executemany`` has the server run one INSERT per row, and
    text arrays (``unnest``) cost psycopg a regular-expression escape per value, both several times
    slower for thousands of rows. Elsewhere the driver's ``executemany`` (SQLite's runs one prepared
    statement in a C loop). Values pass through their column type first (as any bound value does);
    a column left out gets its default, on PostgreSQL a Python callable default once per statement.
    Refused on every database, so the two behave alike: rows with different keys, and None in a JSON
    column (``ValueError``); on PostgreSQL a value JSON cannot carry, dates and times aside (``TypeError``).
    """
    if not rows:
        return
    keys = list(rows[0])
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError(f"insert_many into {table.name}: every row must have the same keys")
    documents = [key for key in keys if isinstance(table.c[key].type, JSON)]
    if any(row[key] is None for row in rows for key in documents):  # PostgreSQL would read SQL NULL back
        raise ValueError(f"insert_many into {table.name}: None in a JSON column")
    fixed = {key: literal(value, table.c[key].type) for key, value in constants.items()}
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        session.execute(insert(table).values(fixed), rows)
        return
    processors = {key: table.c[key].type.bind_processor(dialect) for key in keys if key not in documents}
    document = [{key: processors[key](value) if processors.get(key) else value for key, value in row.items()}
                for row in rows]
    text = json.dumps(document, default=_iso, allow_nan=False)
    source = (func.json_to_recordset(cast(bindparam(None, text, type_=String), JSON))
              .table_valued(*(column(key, table.c[key].type) for key in keys)).render_derived("given", with_types=True))
    session.execute(insert(table).from_select([*keys, *fixed], select(*source.c, *fixed.values())))


def _iso(value: Any) -> str:
    """Dates and times as ISO text (PostgreSQL reads them back); anything else JSON cannot hold is an error."""
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written by insert_many")


@compiles(Table, "sqlite")
def _sqlite_table(table: Table, compiler: SQLCompiler, **kw: Any) -> str:
    """Render ``Select.with_hint(Model, "INDEXED BY ...", "sqlite")`` (SQLAlchemy drops from-hints on
    SQLite). Without table statistics SQLite would rather read an equality index (status, kind,
    field, met_at IS NULL) and sort or filter every match than walk the index that fits the query."""
    text = compiler.visit_table(table, **kw)
    hints = kw.get("fromhints")
    if kw.get("asfrom") and hints and table in hints:
        text += " " + hints[table]
    return text
