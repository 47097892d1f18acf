"""audit verifications: signed records of walks of the audit chain

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 15:20:00

The audit page verified the whole chain on every load (time grows with the log). Each walk is
now recorded and signed; the page and the worker walk only the entries added since the latest
intact walk, and a full walk runs daily (portal/audit/services.py).
"""
import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_verifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('to_entry_id', sa.BigInteger(), nullable=False),
    sa.Column('to_hash', sa.String(length=64), nullable=False),
    sa.Column('checked', sa.BigInteger(), nullable=False),
    sa.Column('broken_at', sa.BigInteger(), nullable=True),
    sa.Column('problem', sa.String(length=64), nullable=True),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_verifications'))
    )


def downgrade():
    op.drop_table('audit_verifications')
