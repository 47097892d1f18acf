"""TC-01 (a denunciation's initial handling) may run 10 working days instead of 7 when the checks take
place at several places or are delegated (Luật Tố cáo Art. 24(1)): the stored rule versions get their
3 extension days, and the reference data a new token so running processes read the rules again

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 13:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _bump():
    op.get_bind().execute(sa.text("UPDATE reference_version SET token = :token WHERE id = 1"),
                          {"token": secrets.token_hex(16)})


def upgrade():
    op.execute("UPDATE deadline_rules SET extension_days = 3 WHERE code = 'TC-01' AND extension_days IS NULL "
               "AND extensions_complex = 0 AND extensions_especially_complex = 0 AND duration = 7 AND unit = 'WD'")
    _bump()


def downgrade():
    op.execute("UPDATE deadline_rules SET extension_days = NULL WHERE code = 'TC-01' AND extension_days = 3")
    _bump()
