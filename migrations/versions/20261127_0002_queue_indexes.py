"""queue indexes: city-wide (key, id) indexes that carry what the visibility clause reads; FTS5 prefix indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 15:00:00

A staff member whose scope holds most of the city's units reads a queue in one walk of a
city-wide (due date or arrival, id) index (portal/backoffice/queries.py, ``Scope.walk``). The
walk tests status, unit and handler for every entry it passes, so these columns are carried in
the index and no entry costs a table lookup. They replace the narrower (key, id) indexes.

SQLite: the search table gets prefix indexes for words of one to three letters
(portal/backoffice/search.py); an FTS5 table cannot be altered, so it is made again and rebuilt.
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_FTS_TABLE = ("CREATE VIRTUAL TABLE submissions_fts USING fts5(search_text, content='submissions', "
              "content_rowid='id', tokenize='unicode61 remove_diacritics 2'{prefix})")
SQLITE_TRIGGERS = (
    "CREATE TRIGGER submissions_fts_ai AFTER INSERT ON submissions BEGIN "
    "INSERT INTO submissions_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER submissions_fts_ad AFTER DELETE ON submissions BEGIN "
    "INSERT INTO submissions_fts(submissions_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER submissions_fts_au AFTER UPDATE OF search_text ON submissions BEGIN "
    "INSERT INTO submissions_fts(submissions_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO submissions_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
SQLITE_DROP = ("DROP TRIGGER IF EXISTS submissions_fts_ai", "DROP TRIGGER IF EXISTS submissions_fts_ad",
               "DROP TRIGGER IF EXISTS submissions_fts_au", "DROP TABLE IF EXISTS submissions_fts")


def _remake_search_table(prefix: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in (*SQLITE_DROP, _FTS_TABLE.format(prefix=prefix), *SQLITE_TRIGGERS,
                      "INSERT INTO submissions_fts(submissions_fts) VALUES ('rebuild')"):
        op.execute(statement)


def upgrade() -> None:
    op.create_index('ix_cases_due_scope', 'cases', ['due_on', 'id', 'status', 'unit_id', 'handler_id'])
    op.create_index('ix_cases_created_scope', 'cases', ['created_at', 'id', 'status', 'unit_id', 'handler_id'])
    op.drop_index('ix_cases_due_id', table_name='cases')
    op.drop_index('ix_cases_created_id', table_name='cases')
    _remake_search_table(", prefix='1 2 3'")


def downgrade() -> None:
    _remake_search_table("")
    op.create_index('ix_cases_created_id', 'cases', ['created_at', 'id'])
    op.create_index('ix_cases_due_id', 'cases', ['due_on', 'id'])
    op.drop_index('ix_cases_created_scope', table_name='cases')
    op.drop_index('ix_cases_due_scope', table_name='cases')
