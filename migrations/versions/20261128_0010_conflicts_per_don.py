"""conflicts per đơn: the accused and the conflicts of interest recorded on one case hold on every
case that shows the same đơn (the cases of its submission, and those merged with them)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 08:00:00

The case page shows the whole đơn from each of its cases, so a conflict recorded on one split part,
or on a forwarded copy, left the other cases open to the accused (portal/org/conflicts.py,
``same_don``). Rows are copied along submission and merge links until nothing is added. The
downgrade keeps them: a conflict of interest is never removed by a schema change.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Pairs of cases showing the same đơn: same submission, or one merged into the other.
LINKED = """
    SELECT a.id AS src, b.id AS dst FROM cases a JOIN cases b ON b.submission_id = a.submission_id AND b.id <> a.id
    UNION SELECT a.id, b.id FROM cases a JOIN cases b ON b.merged_into_id = a.id
    UNION SELECT b.id, a.id FROM cases a JOIN cases b ON b.merged_into_id = a.id
"""
ACCUSED = f"""
    INSERT INTO case_accused_persons (case_id, user_id, marked_at)
    SELECT l.dst, p.user_id, MIN(p.marked_at) FROM ({LINKED}) l JOIN case_accused_persons p ON p.case_id = l.src
    WHERE NOT EXISTS (SELECT 1 FROM case_accused_persons x WHERE x.case_id = l.dst AND x.user_id = p.user_id)
    GROUP BY l.dst, p.user_id
"""
CONFLICTS = f"""
    INSERT INTO case_conflicts (case_id, user_id, reason)
    SELECT l.dst, c.user_id, MIN(c.reason) FROM ({LINKED}) l JOIN case_conflicts c ON c.case_id = l.src
    WHERE NOT EXISTS (SELECT 1 FROM case_conflicts x WHERE x.case_id = l.dst AND x.user_id = c.user_id)
    GROUP BY l.dst, c.user_id
"""


def upgrade():
    bind = op.get_bind()
    for statement in (ACCUSED, CONFLICTS):
        while bind.execute(sa.text(statement)).rowcount:
            pass


def downgrade():
    pass
