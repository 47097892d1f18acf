"""Content search over submissions: one function, one implementation per database dialect.

Both dialects index ``Submission.search_text`` (the accent-folded, lower-case copy of the title and
content, :func:`portal.cases.text.fold`) and answer the same question the same way: the query is
folded, split into words of letters and digits, and a submission matches when **every** query word
(``mode="all"``) or **any** of them (``mode="any"``) is the beginning of a word of its text.

- SQLite: an FTS5 external-content table ``submissions_fts`` kept in step by triggers, with prefix
  indexes for words of one to three letters (most Vietnamese syllables are that short, and without
  them a prefix query merges the entries of every word it matches before yielding a single row).
- PostgreSQL: a GIN index over ``to_tsvector('simple', ...)`` of the text with every character that
  is not a letter or digit replaced by a space (so both tokenise identically), queried with
  prefix terms (``dat:* & dai:*``).

:func:`install_search` creates the structures; it runs after ``metadata.create_all`` (the test
schema) and its DDL (:func:`search_ddl`) goes into the migration.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, TextClause, event, func, literal_column, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.cases.models import Submission
from portal.cases.text import fold
from portal.db import Base

Mode = Literal["all", "any"]

MAX_WORDS = 12
_WORD = re.compile(r"[a-z0-9]+")

# The PostgreSQL expression; the query must repeat it exactly for the planner to use the index.
PG_VECTOR = "to_tsvector('simple'::regconfig, regexp_replace(submissions.search_text, '[^a-z0-9]+', ' ', 'g'))"

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS submissions_fts USING fts5("
    "search_text, content='submissions', content_rowid='id', tokenize='unicode61 remove_diacritics 2', "
    "prefix='1 2 3')",
    "CREATE TRIGGER IF NOT EXISTS submissions_fts_ai AFTER INSERT ON submissions BEGIN "
    "INSERT INTO submissions_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS submissions_fts_ad AFTER DELETE ON submissions BEGIN "
    "INSERT INTO submissions_fts(submissions_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS submissions_fts_au AFTER UPDATE OF search_text ON submissions BEGIN "
    "INSERT INTO submissions_fts(submissions_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO submissions_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    # Index rows that existed before the table (an upgrade of a populated database).
    "INSERT INTO submissions_fts(submissions_fts) VALUES ('rebuild')",
)
POSTGRESQL_DDL = (f"CREATE INDEX IF NOT EXISTS ix_submissions_search_text ON submissions USING gin ({PG_VECTOR})",)
SQLITE_DROP = ("DROP TRIGGER IF EXISTS submissions_fts_ai", "DROP TRIGGER IF EXISTS submissions_fts_ad",
               "DROP TRIGGER IF EXISTS submissions_fts_au", "DROP TABLE IF EXISTS submissions_fts")
POSTGRESQL_DROP = ("DROP INDEX IF EXISTS ix_submissions_search_text",)


def is_search_object(name: str | None) -> bool:
    """Tables, triggers and indexes of the search structures (made by DDL, not by the models)."""
    return bool(name) and (name.startswith("submissions_fts") or name == "ix_submissions_search_text")


def autogenerate_filter(dialect: str) -> Any:
    """``include_object`` for Alembic on ``dialect``: leaves out the search structures and the
    schema items a model declares for another database only (``.ddl_if(dialect=...)``)."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if is_search_object(name):
            return False
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect is None or only.dialect == dialect

    return include


def search_ddl(dialect: str) -> tuple[str, ...]:
    """The statements that create the search structures for ``dialect`` (also for the migration)."""
    return POSTGRESQL_DDL if dialect == "postgresql" else SQLITE_DDL


def install_search(connection: Connection) -> None:
    """Create the full-text structures on ``connection`` (idempotent)."""
    for statement in search_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


def uninstall_search(connection: Connection) -> None:
    """Drop the full-text structures (the FTS5 table would otherwise outlive ``drop_all``)."""
    for statement in POSTGRESQL_DROP if connection.dialect.name == "postgresql" else SQLITE_DROP:
        connection.exec_driver_sql(statement)


@event.listens_for(Base.metadata, "after_create")
def _after_create(target: Any, connection: Connection, **kw: Any) -> None:
    if Submission.__table__ in (kw.get("tables") or target.sorted_tables):
        install_search(connection)


@event.listens_for(Base.metadata, "before_drop")
def _before_drop(target: Any, connection: Connection, **kw: Any) -> None:
    uninstall_search(connection)


def query_words(query: str) -> list[str]:
    """The words of a search query as both indexes see them: folded, letters and digits only."""
    words: list[str] = []
    for word in _WORD.findall(fold(query)):
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def matching_submissions(session: Session, query: str, *,
                         mode: Mode = "all") -> ColumnElement[bool] | TextClause | None:
    """A condition on ``Submission`` selecting the submissions whose text matches ``query``.

    ``None`` when the query has no searchable word. Combine it with the caller's own filters
    (visibility, ordering, limit) so that the database does the work in one statement.
    """
    words = query_words(query)
    if not words:
        return None
    if session.get_bind().dialect.name == "postgresql":
        tsquery = (" & " if mode == "all" else " | ").join(f"{word}:*" for word in words)
        return text(f"{PG_VECTOR} @@ to_tsquery('simple'::regconfig, :search_query)").bindparams(
            search_query=tsquery)
    ids = select(literal_column("rowid")).select_from(text("submissions_fts")).where(_fts_match(words, mode))
    return Submission.id.in_(ids)


def _fts_match(words: list[str], mode: Mode) -> TextClause:
    joiner = " AND " if mode == "all" else " OR "
    return text("submissions_fts MATCH :fts_query").bindparams(
        fts_query=joiner.join(f'"{word}"*' for word in words))


def newest_matches(session: Session, query: str, before: int | None = None) -> Select[tuple[int]] | None:
    """SQLite: the ids of the submissions matching every word of ``query``, newest (highest id)
    first, below ``before``. FTS5 yields them in rowid order without sorting, so the caller can
    read them a few at a time and stop as soon as it has what it needs. ``None`` without words."""
    words = query_words(query)
    if not words:
        return None
    rowid = literal_column("rowid")
    stmt = select(rowid).select_from(text("submissions_fts")).where(_fts_match(words, "all"))
    if before is not None:
        stmt = stmt.where(rowid < before)
    return stmt.order_by(rowid.desc())




def contains_every_word(query: str) -> list[ColumnElement[bool]]:
    """PostgreSQL: a cheap test that every submission matching ``query`` passes (each word occurs
    somewhere in the text), to narrow rows read without the index before :func:`matching_submissions`
    (which computes each row's vector) decides."""
    return [func.strpos(Submission.search_text, word) > 0 for word in query_words(query)]
