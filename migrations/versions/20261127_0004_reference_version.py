"""reference version: a token replaced whenever units, fields, their links or routing rules change

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 18:00:00

Processes keep a snapshot of the reference data per token instead of reading it on every request
(portal/org/refdata.py). The row is created here with a first token.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('reference_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'token': secrets.token_hex(16)}])


def downgrade():
    op.drop_table('reference_version')
