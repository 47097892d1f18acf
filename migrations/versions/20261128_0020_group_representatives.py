"""A group đơn's representatives are part of its sender's identity: ``reporter_identities.representatives``
(a list of names, kept apart from the content, masked and revealed like the rest of the identity)
replaces ``submissions.representative_name``, which any staff member could read.

Each stored name (several written on one line, "A, B", are split) moves into the đơn's identity, and
the search text is computed again without them (the search index follows it). An anonymous đơn that
named a representative gets an identity row holding only that name: the đơn stays anonymous (nobody is
shown it), and the name is still masked in the content and in notices, as it was.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-28 21:30:00
"""
import re

import sqlalchemy as sa
from alembic import op

from portal.cases.redaction import Redactor, search_text

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    op.add_column('reporter_identities', sa.Column('representatives', sa.JSON(), server_default=sa.text("'[]'"),
                                                   nullable=False))
    bind = op.get_bind()
    identities = sa.table('reporter_identities', sa.column('submission_id', sa.Integer),
                          sa.column('full_name', sa.String), sa.column('address', sa.Text),
                          sa.column('waived_confidentiality', sa.Boolean),
                          sa.column('protection_requested', sa.Boolean), sa.column('representatives', sa.JSON))
    rows_query = sa.text(
        "SELECT s.id, s.title, s.content, s.representative_name, r.submission_id AS has_identity, r.full_name, "
        "r.address, r.id_number, r.phone, r.email FROM submissions s "
        "LEFT JOIN reporter_identities r ON r.submission_id = s.id "
        "WHERE s.representative_name IS NOT NULL AND s.id > :after ORDER BY s.id LIMIT :batch")
    update = (identities.update().where(identities.c.submission_id == sa.bindparam('sid'))
              .values(representatives=sa.bindparam('names', type_=sa.JSON)))
    reindex = sa.text("UPDATE submissions SET search_text = :text WHERE id = :id")
    after = 0
    while rows := bind.execute(rows_query, {"after": after, "batch": BATCH}).all():
        moved, added, texts = [], [], []
        for row in rows:
            names = [n for n in (" ".join(part.split()) for part in re.split(r"[,;\n]", row.representative_name)) if n]
            if not names:
                continue
            if row.has_identity is None:
                added.append({"submission_id": row.id, "full_name": "", "address": "", "waived_confidentiality": False,
                              "protection_requested": False, "representatives": names})
            else:
                moved.append({"sid": row.id, "names": names})
            redactor = Redactor.for_values(full_name=row.full_name, address=row.address, id_number=row.id_number,
                                           phone=row.phone, email=row.email, other_names=names)
            texts.append({"id": row.id, "text": search_text(row.title, row.content, redactor)})
        if moved:
            bind.execute(update, moved)
        if added:
            bind.execute(identities.insert(), added)
        if texts:
            bind.execute(reindex, texts)
        after = rows[-1].id
    # In place, not by a batch copy: on SQLite that copies the table, and the copy loses the search
    # index's triggers on it. SQLite (3.35+) and PostgreSQL both drop a column in place.
    op.execute('ALTER TABLE submissions DROP COLUMN representative_name')


def downgrade() -> None:
    op.add_column('submissions', sa.Column('representative_name', sa.String(length=255), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT submission_id, representatives FROM reporter_identities "
                                "WHERE CAST(representatives AS TEXT) <> '[]'")).all()
    submissions = sa.table('submissions', sa.column('id', sa.Integer), sa.column('representative_name', sa.String))
    joined = [{"sid": sid, "name": ", ".join(names)[:255]} for sid, names in
              ((row.submission_id, _names(row.representatives)) for row in rows) if names]
    if joined:  # one field held them all
        bind.execute(submissions.update().where(submissions.c.id == sa.bindparam('sid'))
                     .values(representative_name=sa.bindparam('name')), joined)
    # the rows the upgrade made for anonymous đơn that had named a representative
    op.execute("DELETE FROM reporter_identities WHERE full_name = '' AND submission_id IN "
               "(SELECT id FROM submissions WHERE is_anonymous)")
    op.execute('ALTER TABLE reporter_identities DROP COLUMN representatives')


def _names(value: object) -> list[str]:
    import json

    names = json.loads(value) if isinstance(value, str) else value
    return [n for n in names or [] if isinstance(n, str) and n.strip()]
