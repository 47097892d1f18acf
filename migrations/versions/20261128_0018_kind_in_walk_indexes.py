"""The city-wide queue walks test the kind filter in their index: ``kind`` is added to
ix_cases_due_scope and ix_cases_created_scope, so a kind filter no longer reads a table row for
every index entry it passes over (at a million cases those rows are spread over the whole file).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 19:00:00
"""
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

SCOPE = ['status', 'unit_id', 'handler_id']


def _remake(kind: list[str]) -> None:
    for name, key in (('ix_cases_due_scope', 'due_on'), ('ix_cases_created_scope', 'created_at')):
        op.drop_index(name, table_name='cases')
        op.create_index(name, 'cases', [key, 'id', *SCOPE, *kind])


def upgrade() -> None:
    _remake(['kind'])


def downgrade() -> None:
    _remake([])
