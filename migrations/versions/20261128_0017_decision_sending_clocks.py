"""The sending clocks of a decision: KN-09 (a complaint's suspension, termination or resumption
decision, 3 working days) is NĐ 155/2026 Art. 28b and applies from 1 July 2026; the stored stock
rules get the stage their clock runs for; and a decided case keeps only those clocks running, so its
due date says whether a sending or publication still waits.

Cases terminated before the termination stopped the clock of telling the accused (TC-03) could keep
it, or another clock of their handling, running: such a clock is met when the case was decided, as
the lifecycle does now, and the case's due date is worked out again from what still runs.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 18:00:00
"""
import datetime as dt
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

STAGE_KEYS = {"KN-04": "send", "KN-10": "send", "TC-06": "send", "TC-07": "publish", "KN-09": "send_interim",
              "TC-05": "send_interim"}
AFTER_DECISION = "('send_interim', 'send', 'publish')"
DECIDED = "('resolved', 'terminated')"
ND155, DEFAULT = dt.date(2026, 7, 1), dt.date(2000, 1, 1)  # NĐ 155/2026 in force; a seeded rule's start


def _dates(sql, **values):
    """``sql`` with its date parameters bound as dates (as each database stores them)."""
    return sa.text(sql).bindparams(*(sa.bindparam(name, value, type_=sa.Date) for name, value in values.items()))


def _bump():
    op.get_bind().execute(sa.text("UPDATE reference_version SET token = :token WHERE id = 1"),
                          {"token": secrets.token_hex(16)})


def upgrade():
    bind = op.get_bind()
    for code, key in STAGE_KEYS.items():
        bind.execute(sa.text("UPDATE deadline_rules SET stage_key = :key WHERE code = :code AND stage_key IS NULL"),
                     {"key": key, "code": code})
    # the stock version only (as seeded: version 1, no author, from the default start)
    bind.execute(_dates("UPDATE deadline_rules SET valid_from = :new WHERE code = 'KN-09' AND version = 1 "
                        "AND created_by_id IS NULL AND valid_from = :old", new=ND155, old=DEFAULT))
    # clocks of the handling left running on a decided case: met when it was decided
    op.execute(f"""
        UPDATE deadlines SET met_at = COALESCE(
            (SELECT max(e.at) FROM case_events e WHERE e.case_id = deadlines.case_id
               AND e.action IN ('resolve', 'terminate')),
            (SELECT c.updated_at FROM cases c WHERE c.id = deadlines.case_id))
        WHERE met_at IS NULL AND stage NOT IN {AFTER_DECISION}
          AND case_id IN (SELECT id FROM cases WHERE status IN {DECIDED})""")
    op.execute(f"""
        UPDATE cases SET due_on = (SELECT min(d.due_on) FROM deadlines d
                                   WHERE d.case_id = cases.id AND d.met_at IS NULL)
        WHERE status IN {DECIDED}""")
    _bump()


def downgrade():
    op.get_bind().execute(_dates("UPDATE deadline_rules SET valid_from = :new WHERE code = 'KN-09' AND version = 1 "
                                 "AND created_by_id IS NULL AND valid_from = :old", new=DEFAULT, old=ND155))
    _bump()  # the stage keys (display only) and the clocks met stay as they are
