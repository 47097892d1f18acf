"""cases.identity_verified_at: a named denouncer's identity checked before thụ lý (Luật Tố cáo
Art. 24(1))

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 12:30:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_verified_at', portal.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('identity_verified_at')
