"""published statistics: the figures the public statistics page shows, one snapshot per day

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 07:00:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'published_statistics',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('published_at', portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_published_statistics')),
        sa.UniqueConstraint('as_of', name=op.f('uq_published_statistics_as_of')),
    )


def downgrade():
    op.drop_table('published_statistics')
