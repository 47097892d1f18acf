"""queue indexes: city-wide (key, id) indexes that carry what the visibility clause reads

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 15:00:00

A staff member whose scope holds most of the city's units reads a queue in one walk of a
city-wide (due date or arrival, id) index (portal/backoffice/queries.py, ``Scope.walk``). The
walk tests status, unit and handler for every entry it passes, so these columns are carried in
the index and no entry costs a table lookup. They replace the narrower (key, id) indexes.
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cases_due_scope', 'cases', ['due_on', 'id', 'status', 'unit_id', 'handler_id'])
    op.create_index('ix_cases_created_scope', 'cases', ['created_at', 'id', 'status', 'unit_id', 'handler_id'])
    op.drop_index('ix_cases_due_id', table_name='cases')
    op.drop_index('ix_cases_created_id', table_name='cases')


def downgrade() -> None:
    op.create_index('ix_cases_created_id', 'cases', ['created_at', 'id'])
    op.create_index('ix_cases_due_id', 'cases', ['due_on', 'id'])
    op.drop_index('ix_cases_created_scope', table_name='cases')
    op.drop_index('ix_cases_due_scope', table_name='cases')
