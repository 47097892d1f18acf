"""redacted evidence: a copy of each denunciation file for staff who may not know the denouncer

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 05:00:00

``redacted_*``: the copy with the identity blacked out, uploaded by the handler or the head;
``cleared``: their word that the working copy names nobody (portal/cases/evidence.py).
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redacted_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('redacted_mime', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('redacted_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('cleared', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_attachments_redacted_key'), ['redacted_key'])


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_attachments_redacted_key'), type_='unique')
        batch_op.drop_column('cleared')
        batch_op.drop_column('redacted_sha256')
        batch_op.drop_column('redacted_mime')
        batch_op.drop_column('redacted_key')
