"""who asked for each role (an administrator made by one may not approve that one's requests), the
head a replacement was asked against, and one head per unit held by the database

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 10:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('role_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_role_assignments_requested_by_id_users'), 'users',
                                    ['requested_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('uq_role_assignments_one_head', ['unit_id'], unique=True,
                              sqlite_where=sa.text("role = 'HEAD'"), postgresql_where=sa.text("role = 'HEAD'"))
    with op.batch_alter_table('role_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_role_requests_replaces_id_users'), 'users', ['replaces_id'], ['id'])


def downgrade():
    with op.batch_alter_table('role_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_role_requests_replaces_id_users'), type_='foreignkey')
        batch_op.drop_column('replaces_id')
    with op.batch_alter_table('role_assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_role_assignments_one_head')
        batch_op.drop_constraint(batch_op.f('fk_role_assignments_requested_by_id_users'), type_='foreignkey')
        batch_op.drop_column('requested_by_id')
