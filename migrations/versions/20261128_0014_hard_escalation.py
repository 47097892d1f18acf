"""deadlines.escalated_hard_at: an intake still open past the hard limit from receipt (XLD-02), and
the partial index the sweep reads those intakes through

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

UNREPORTED = "met_at IS NULL AND stage = 'intake' AND escalated_hard_at IS NULL"


def upgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_hard_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_deadlines_intake_unreported', ['starts_on'], unique=False,
                              sqlite_where=sa.text(UNREPORTED), postgresql_where=sa.text(UNREPORTED))


def downgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_intake_unreported')
        batch_op.drop_column('escalated_hard_at')
