"""Reminders and escalations of open deadlines: the daily (or every-minute) sweep.

Set-based and streamed: candidate ids are read in keyset batches, each batch is *claimed* with one
atomic statement (so concurrent sweeps never both notify), then the recipients of the whole batch
are loaded with a handful of queries. Each batch commits (worker code). Every notice is recorded on
the case (a non-public :class:`CaseEvent`) and on the deadline, and queued with a dedupe key.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from portal.accounts.models import Role, RoleAssignment, User
from portal.cases.models import Case, CaseConflict, CaseEvent, Deadline
from portal.db import now_utc
from portal.deadlines import policy
from portal.deadlines.board import CLOSED_STATUSES
from portal.deadlines.services import load_calendar
from portal.notifications.services import queue_email
from portal.org.models import OrgUnit
from portal.settings import Settings

BATCH = 500
REMIND, ESCALATE, PARENT = "reminder", "escalation", "escalation_parent"


@dataclass
class SweepReport:
    reminded: int = 0
    escalated: int = 0
    escalated_parent: int = 0
    emails: int = 0


@dataclass(frozen=True)
class Item:
    deadline_id: int
    case_id: int
    reference: str
    unit_id: int
    handler_id: int | None
    stage: str
    rule_code: str
    due_on: dt.date


def claim(session: Session, column: InstrumentedAttribute[Any], ids: list[int], now: dt.datetime) -> list[int]:
    """Stamp ``column`` on the rows of ``ids`` where it is still empty; return the ids this caller got.

    PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` then update (a concurrent sweep skips the rows
    instead of waiting). Other databases: one ``UPDATE ... WHERE column IS NULL RETURNING`` (SQLite
    serialises writers, so the second sweep finds the column already set).
    """
    if not ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        got = list(session.scalars(select(Deadline.id).where(Deadline.id.in_(ids), column.is_(None))
                                   .with_for_update(skip_locked=True)))
        if got:
            session.execute(update(Deadline).where(Deadline.id.in_(got)).values({column.key: now})
                            .execution_options(synchronize_session=False))
        return got
    result = session.execute(update(Deadline).where(Deadline.id.in_(ids), column.is_(None))
                             .values({column.key: now}).returning(Deadline.id)
                             .execution_options(synchronize_session=False))
    return list(result.scalars())


# A case closed without its deadline being met (withdrawn, merged, ...) is never chased.
_case_is_open = exists().where(Case.id == Deadline.case_id, Case.closed_at.is_(None),
                               Case.status.not_in([s.value for s in CLOSED_STATUSES]))


def _candidates(session: Session, condition: ColumnElement[bool]) -> Iterator[list[int]]:
    """Ids of open, running deadlines matching ``condition``, in batches (keyset on id)."""
    last = 0
    while True:
        ids = list(session.scalars(
            select(Deadline.id).where(condition, Deadline.met_at.is_(None), Deadline.paused_since.is_(None),
                                      Deadline.id > last, _case_is_open)
            .order_by(Deadline.id).limit(BATCH)))
        if not ids:
            return
        last = ids[-1]
        yield ids


def _items(session: Session, ids: list[int]) -> list[Item]:
    rows = session.execute(
        select(Deadline.id, Case.id, Case.reference, Case.unit_id, Case.handler_id, Deadline.stage,
               Deadline.rule_code, Deadline.due_on)
        .join(Case, Case.id == Deadline.case_id).where(Deadline.id.in_(ids)).order_by(Deadline.id)).all()
    return [Item(*row) for row in rows]


def _role_holders(session: Session, role: Role, unit_ids: set[int]) -> dict[int, list[int]]:
    """unit id -> ids of users holding ``role`` directly on it."""
    holders: dict[int, list[int]] = defaultdict(list)
    if unit_ids:
        for unit_id, user_id in session.execute(
                select(RoleAssignment.unit_id, RoleAssignment.user_id)
                .where(RoleAssignment.role == role, RoleAssignment.unit_id.in_(unit_ids))
                .order_by(RoleAssignment.user_id)):
            holders[unit_id].append(user_id)
    return holders


def _recipients(session: Session, level: str, items: list[Item]) -> dict[int, list[int]]:
    """deadline id -> user ids to notify, without anyone in conflict with the case."""
    units = {i.unit_id for i in items}
    wanted: dict[int, list[int]] = {}
    if level == REMIND:
        officers = _role_holders(session, Role.INTAKE_OFFICER, {i.unit_id for i in items if not i.handler_id})
        for i in items:
            wanted[i.deadline_id] = [i.handler_id] if i.handler_id else officers.get(i.unit_id, [])
    elif level == ESCALATE:
        heads = _role_holders(session, Role.HEAD, units)
        for i in items:
            wanted[i.deadline_id] = heads.get(i.unit_id, [])
    else:
        parents = dict(session.execute(select(OrgUnit.id, OrgUnit.parent_id).where(OrgUnit.id.in_(units))).all())
        heads = _role_holders(session, Role.HEAD, {p for p in parents.values() if p})
        for i in items:
            parent = parents.get(i.unit_id)
            wanted[i.deadline_id] = heads.get(parent, []) if parent else []
    conflicts = set(session.execute(select(CaseConflict.case_id, CaseConflict.user_id)
                                    .where(CaseConflict.case_id.in_({i.case_id for i in items}))).all())
    case_of = {i.deadline_id: i.case_id for i in items}
    return {d: [u for u in users if (case_of[d], u) not in conflicts] for d, users in wanted.items()}


def _notify(session: Session, settings: Settings, level: str, items: list[Item], today: dt.date) -> int:
    recipients = _recipients(session, level, items)
    user_ids = {u for users in recipients.values() for u in users}
    users = {u.id: u for u in session.scalars(
        select(User).where(User.id.in_(user_ids), User.is_active_account.is_(True), User.deleted_at.is_(None)))}
    template = "deadline_reminder" if level == REMIND else "deadline_escalation"
    action = "deadline_reminder" if level == REMIND else "deadline_escalation"
    sent = 0
    for item in items:
        notified = [users[u] for u in recipients[item.deadline_id] if u in users]
        session.add(CaseEvent(case_id=item.case_id, action=action, is_public=False,
                              note=f"{item.rule_code} {item.due_on.isoformat()}",
                              data={"level": level, "deadline_id": item.deadline_id, "stage": item.stage,
                                    "due_on": item.due_on.isoformat(), "recipients": [u.id for u in notified]}))
        for user in notified:
            message = queue_email(
                session, user.email, template, locale=user.locale or "vi",
                dedupe_key=f"deadline:{item.deadline_id}:{level}:{user.id}",
                reference=item.reference, link=f"{settings.base_url.rstrip('/')}/staff/cases/{item.reference}",
                due_on=item.due_on, stage=item.stage, level=level, days_overdue=(today - item.due_on).days)
            sent += message is not None
    return sent


def _pass(session: Session, settings: Settings, level: str, condition: ColumnElement[bool],
          column: InstrumentedAttribute[Any], today: dt.date, now: dt.datetime) -> tuple[int, int]:
    done = emails = 0
    for ids in _candidates(session, condition):
        # End the read first: the claim then opens a fresh transaction, so on SQLite it waits for the
        # write lock (busy timeout) instead of failing when another sweep committed meanwhile.
        session.commit()
        got = claim(session, column, ids, now)
        if got:
            emails += _notify(session, settings, level, _items(session, got), today)
            done += len(got)
        session.commit()
    return done, emails


def sweep(session: Session, settings: Settings, today: dt.date, *, now: dt.datetime | None = None) -> SweepReport:
    """Remind handlers before the due date, escalate overdue deadlines to the head of the unit,
    then to the head of the parent unit. Idempotent; ``today`` is the local date."""
    now = now or now_utc()
    calendar = load_calendar(session)
    remind_until = policy.add_working_days(today, settings.reminder_working_days, calendar)
    parent_before = today - dt.timedelta(days=settings.escalation_parent_days)
    report = SweepReport()
    report.reminded, emails1 = _pass(
        session, settings, REMIND,
        (Deadline.reminded_at.is_(None)) & (Deadline.due_on >= today) & (Deadline.due_on <= remind_until),
        Deadline.reminded_at, today, now)
    report.escalated, emails2 = _pass(
        session, settings, ESCALATE, (Deadline.escalated_at.is_(None)) & (Deadline.due_on < today),
        Deadline.escalated_at, today, now)
    report.escalated_parent, emails3 = _pass(
        session, settings, PARENT,
        (Deadline.escalated_at.is_not(None)) & (Deadline.escalated_parent_at.is_(None))
        & (Deadline.due_on < parent_before),
        Deadline.escalated_parent_at, today, now)
    report.emails = emails1 + emails2 + emails3
    return report
