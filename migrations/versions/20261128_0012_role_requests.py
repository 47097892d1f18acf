"""role requests: every role given through the web waits for a second administrator's approval

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 10:00:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ROLES = ('INTAKE_OFFICER', 'HANDLER', 'DEPUTY', 'HEAD', 'INSPECTOR', 'ADMIN')  # enum names, as SQLAlchemy stores them


def upgrade():
    op.create_table(
        'role_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.Enum(*ROLES, name='role', native_enum=False, length=32), nullable=False),
        sa.Column('replace_head', sa.Boolean(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('state', sa.Enum('PENDING', 'APPROVED', 'REFUSED', 'CANCELLED', name='requeststate',
                                   native_enum=False, length=16), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_role_requests_decided_by_id_users')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_role_requests_requested_by_id_users')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_role_requests_unit_id_org_units')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_requests_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_role_requests')),
    )
    with op.batch_alter_table('role_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_requests_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_requests_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_requests_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_role_requests_pending', ['user_id', 'unit_id', 'role'], unique=True,
                              sqlite_where=sa.text("state = 'PENDING'"),
                              postgresql_where=sa.text("state = 'PENDING'"))


def downgrade():
    op.drop_table('role_requests')
