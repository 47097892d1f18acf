"""count index (PostgreSQL): status first, carrying unit and handler, for the staff home's capped counts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 21:00:00

Each count of the staff home stops after COUNT_CAP cases (portal/backoffice/queries.py). With the
visibility clause an OR of units and handler, PostgreSQL used to read every case of the status from
a bitmap before stopping (about 27,000 index entries for one status at a million cases); this index
lets it walk the status's entries, test unit and handler in the index, and stop at the cap.
SQLite does not get it (see ``Case.__table_args__``). Built CONCURRENTLY, outside the migration's
transaction: submissions keep being received while it is built on a large table.
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index('ix_cases_status_scope', 'cases', ['status', 'unit_id', 'handler_id', 'id'],
                            postgresql_concurrently=True, if_not_exists=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.drop_index('ix_cases_status_scope', table_name='cases', postgresql_concurrently=True,
                          if_exists=True)
