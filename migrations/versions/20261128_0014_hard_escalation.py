"""deadlines.escalated_hard_at: an intake still open past the hard limit from receipt (XLD-02)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 11:00:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_hard_at', portal.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_column('escalated_hard_at')
