"""redacted search text: the content search no longer indexes the reporter's own identifiers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 04:30:00

``submissions.search_text`` was the folded title and content as typed, so a search for a person's
name found the cases they sent whenever they had written it into their text. It is now built with
the reporter's identifiers left out (portal/cases/redaction.py); this recomputes it for every named
submission, in batches (on SQLite the FTS triggers re-index each updated row). Downgrading keeps the
redacted text: putting identifiers back into an index is not a step anyone needs to undo.
"""
import sqlalchemy as sa
from alembic import op

from portal.cases.redaction import Redactor, search_text

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    bind = op.get_bind()
    rows_query = sa.text(
        "SELECT s.id, s.title, s.content, s.search_text, r.full_name, r.address, r.id_number, r.phone, r.email "
        "FROM submissions s JOIN reporter_identities r ON r.submission_id = s.id "
        "WHERE s.id > :after ORDER BY s.id LIMIT :batch")
    update = sa.text("UPDATE submissions SET search_text = :text WHERE id = :id")
    after = 0
    while rows := bind.execute(rows_query, {"after": after, "batch": BATCH}).all():
        changed = []
        for row in rows:
            text = search_text(row.title, row.content, Redactor.for_identity(row))
            if text != row.search_text:
                changed.append({"id": row.id, "text": text})
        if changed:
            bind.execute(update, changed)
        after = rows[-1].id


def downgrade() -> None:
    pass
