"""A group đơn's representatives are part of its sender's identity: ``reporter_identities.representatives``
(a list of names, kept apart from the content, masked and revealed like the rest of the identity)
replaces ``submissions.representative_name``, which any staff member could read.

A named đơn's representative moves into its identity. An anonymous đơn keeps no identity, so a name
typed there is not kept, as the intake now does with every identity field typed in anonymous mode.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-28 21:30:00
"""
import sqlalchemy as sa
from alembic import op

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
                          sa.column('representatives', sa.JSON))
    named = sa.text("SELECT s.id, s.representative_name FROM submissions s "
                    "JOIN reporter_identities r ON r.submission_id = s.id "
                    "WHERE s.representative_name IS NOT NULL AND s.representative_name <> '' AND s.id > :after "
                    "ORDER BY s.id LIMIT :batch")
    update = (identities.update().where(identities.c.submission_id == sa.bindparam('sid'))
              .values(representatives=sa.bindparam('names', type_=sa.JSON)))
    after = 0
    while rows := bind.execute(named, {"after": after, "batch": BATCH}).all():
        bind.execute(update, [{"sid": row.id, "names": [row.representative_name.strip()]} for row in rows])
        after = rows[-1].id
    # Not a batch alteration: on SQLite that copies the table, and the copy loses the search index's
    # triggers on it. SQLite (3.35+) and PostgreSQL both drop a column in place.
    op.execute('ALTER TABLE submissions DROP COLUMN representative_name')


def downgrade() -> None:
    op.add_column('submissions', sa.Column('representative_name', sa.String(length=255), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT submission_id, representatives FROM reporter_identities")).all()
    submissions = sa.table('submissions', sa.column('id', sa.Integer), sa.column('representative_name', sa.String))
    first = [{"sid": sid, "name": names[0][:255]} for sid, names in
             ((row.submission_id, _names(row.representatives)) for row in rows) if names]
    if first:  # only the first representative had a place
        bind.execute(submissions.update().where(submissions.c.id == sa.bindparam('sid'))
                     .values(representative_name=sa.bindparam('name')), first)
    op.execute('ALTER TABLE reporter_identities DROP COLUMN representatives')


def _names(value: object) -> list[str]:
    import json

    names = json.loads(value) if isinstance(value, str) else value
    return [n for n in names or [] if isinstance(n, str) and n.strip()]
