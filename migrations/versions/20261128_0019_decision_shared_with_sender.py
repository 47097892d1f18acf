"""The signed decision or conclusion may be given to the sender on the tracking page:
``cases.resolution_document_shared``, chosen by the head at resolution (or later). Cases resolved
before it existed are not shared until a head says so.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-28 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite too): no copy of the cases table, whatever its size.
    op.add_column('cases', sa.Column('resolution_document_shared', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('resolution_document_shared')
