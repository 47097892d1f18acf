"""Reminders and escalations of open deadlines: the daily (or every-minute) sweep.

Set-based and streamed: candidate ids are read in keyset batches, each batch is *claimed* with one
atomic statement (so concurrent sweeps never both notify), and everything the batch writes goes in
a few statements: one ``INSERT`` of the case events, one of new emails. Each batch commits (worker
code); memory stays bounded by the batch size and the number of recipients.

Every notice is recorded on the case (a non-public :class:`CaseEvent` naming its recipients) and on
the deadline (the claimed ``reminded_at`` / ``escalated_at`` / ``escalated_parent_at`` /
``escalated_hard_at`` stamp).

Emails are digests: each recipient gets ONE email per sweep listing how many cases reached each
level and the most overdue of them (a head with 20,000 overdue cases does not want 20,000 emails).
The digest is queued with the first batch that concerns the recipient and *held* (not sendable)
while the sweep runs; later batches revise it in their own transaction, and the end of the sweep
releases it. So every committed claim is always in a queued email, even if the sweep dies (the hold
then simply runs out), and each notice of a case is in exactly one digest because its claim is
taken once (a case overdue and past the hard limit is listed under both levels).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NamedTuple

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, literal_column, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from portal.accounts.models import Role, RoleAssignment, User
from portal.cases.models import (
    AFTER_DECISION_STAGES,
    DECIDED_STATUSES,
    SIDE_STAGES,
    Case,
    CaseConflict,
    CaseEvent,
    Deadline,
)
from portal.db import among, insert_many, now_utc
from portal.deadlines import policy
from portal.deadlines.board import CLOSED_STATUSES
from portal.deadlines.calendar import WorkingCalendar
from portal.deadlines.clock import local_today
from portal.deadlines.services import RuleRow, load_calendar, rules_of
from portal.i18n import format_day
from portal.notifications.services import RenderedEmail, queue_rendered, release_held, render_email, revise_held
from portal.org import refdata
from portal.settings import Settings

BATCH = 3000
DIGEST_LIST = 20  # cases listed per level in a digest (the most overdue first); the rest are counted
HOLD = dt.timedelta(minutes=10)  # a digest being written is not sent before this (renewed per batch)
REMIND, ESCALATE, PARENT, HARD = "reminder", "escalation", "escalation_parent", "escalation_hard"
LEVELS = (REMIND, ESCALATE, PARENT, HARD)
# What a case's history says of each notice the sweep recorded on it.
LEVEL_LABELS = {
    REMIND: _l("Nhắc hạn cho cán bộ"),
    ESCALATE: _l("Báo quá hạn cho người đứng đầu đơn vị"),
    PARENT: _l("Báo quá hạn cho người đứng đầu cấp trên"),
    HARD: _l("Cảnh báo: đơn quá thời hạn tối đa mà chưa được xử lý (XLD-02), đã báo người đứng đầu đơn vị và cấp trên"),
}
# The hard limit on xử lý đơn counted from receipt, whatever the kind (its length is data: the rule's
# version in force on the day the đơn was received).
HARD_RULE = "XLD-02"


@dataclass
class SweepReport:
    reminded: int = 0
    escalated: int = 0
    escalated_parent: int = 0
    escalated_hard: int = 0
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
    starts_on: dt.date


@dataclass(frozen=True)
class Listed:
    """One case line of a digest."""

    due_on: dt.date
    reference: str
    days_overdue: int
    link: str


@dataclass
class Section:
    """What one digest says about one level: how many cases, and the most overdue of them."""

    level: str
    count: int = 0
    items: list[Listed] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.items)

    def merged(self, other: Section) -> Section:
        items = heapq.nsmallest(DIGEST_LIST, chain(self.items, other.items), key=lambda i: (i.due_on, i.reference))
        return Section(self.level, self.count + other.count, items)


@dataclass
class Digest:
    """One recipient's email of this sweep. ``new``: what the current batch adds (not yet written)."""

    user_id: int
    email: str
    locale: str
    sections: dict[str, Section] = field(default_factory=dict)
    new: dict[str, Section] = field(default_factory=dict)
    part: int = 1
    message_id: int | None = None
    held_until: dt.datetime | None = None

    def add(self, level: str, listed: list[Listed]) -> None:
        """Notices of the current batch (written by :func:`_write_digests`)."""
        self.new[level] = self.new.get(level, Section(level)).merged(Section(level, len(listed), listed))


@dataclass
class Directory:
    """Who may be notified: role holders and parent units (small tables, read once per sweep) and
    the active staff accounts met so far (id -> (email, locale), None when inactive or deleted)."""

    heads: dict[int, list[int]]
    officers: dict[int, list[int]]
    parents: dict[int, int | None]  # the tree as it is (scope)
    superiors: dict[int, int | None]  # the nearest unit above still in force (escalation)
    case_units: dict[int, set[int]] = field(default_factory=dict)  # user -> units where they hold a case role
    users: dict[int, tuple[str, str] | None] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, today: dt.date | None = None) -> Directory:
        from portal.cases.access import CASE_ROLES

        holders: dict[Role, dict[int, list[int]]] = {Role.HEAD: defaultdict(list),
                                                     Role.INTAKE_OFFICER: defaultdict(list)}
        case_units: dict[int, set[int]] = defaultdict(set)
        for role, unit_id, user_id in session.execute(
                select(RoleAssignment.role, RoleAssignment.unit_id, RoleAssignment.user_id)
                .where(RoleAssignment.role.in_(list(CASE_ROLES))).order_by(RoleAssignment.user_id)):
            case_units[user_id].add(unit_id)
            if role in holders:
                holders[role][unit_id].append(user_id)
        snap = refdata.snapshot(session)
        day = today or local_today()
        parents = {unit.id: unit.parent_id for unit in snap.units}
        superiors = {unit.id: snap.superior(unit.id, day) for unit in snap.units}  # abolished levels skipped
        return cls(holders[Role.HEAD], holders[Role.INTAKE_OFFICER], parents, superiors, case_units)

    def works_over(self, user_id: int, unit_id: int) -> bool:
        """Does ``user_id`` hold a case role on ``unit_id`` or one of its ancestors (may they open
        its cases)?"""
        units = self.case_units.get(user_id, set())
        seen: set[int] = set()
        current: int | None = unit_id
        while current is not None and current not in seen:
            if current in units:
                return True
            seen.add(current)
            current = self.parents.get(current)
        return False

    def active(self, session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str] | None]:
        missing = {i for i in ids if i not in self.users}
        if missing:
            self.users.update(dict.fromkeys(missing))
            for user_id, email, locale in session.execute(
                    select(User.id, User.email, User.locale)
                    .where(User.id.in_(missing), User.is_active_account.is_(True), User.deleted_at.is_(None))):
                self.users[user_id] = (email, locale or "vi")
        return self.users


@dataclass
class Run:
    """One sweep's state."""

    settings: Settings
    today: dt.date
    now: dt.datetime
    directory: Directory
    token: str
    digests: dict[int, Digest] = field(default_factory=dict)
    phrases: dict[tuple[str, dt.date, int], tuple[str, str]] = field(default_factory=dict)
    emails: int = 0

    def case_link(self, reference: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}/staff/cases/{reference}"


def claim(session: Session, column: InstrumentedAttribute[Any], ids: list[int], now: dt.datetime) -> list[int]:
    """Stamp ``column`` on the rows of ``ids`` where it is still empty; return the ids this caller got.

    One ``UPDATE ... RETURNING``. On PostgreSQL it updates the rows it could lock at once
    (``FOR UPDATE SKIP LOCKED``): a concurrent sweep skips rows instead of waiting for them, and a row
    it claimed meanwhile is read again and left (its column is no longer empty). SQLite serialises
    writers, so the second sweep finds the column already set.
    """
    if not ids:
        return []
    wanted = among(session, Deadline.id, ids) & column.is_(None)
    if session.get_bind().dialect.name == "postgresql":
        wanted = Deadline.id.in_(select(Deadline.id).where(wanted).with_for_update(skip_locked=True))
    result = session.execute(update(Deadline).where(wanted).values({column.key: now}).returning(Deadline.id)
                             .execution_options(synchronize_session=False))
    return list(result.scalars())


# A case closed without its deadline being met (withdrawn, merged, ...) is never chased; a resolved
# or terminated case is, for sending its decision and publishing a conclusion
# (:data:`AFTER_DECISION_STAGES`).
_DECIDED = [s.value for s in DECIDED_STATUSES]
_case_is_open = exists().where(Case.id == Deadline.case_id, Case.closed_at.is_(None),
                               Case.status.not_in([s.value for s in CLOSED_STATUSES])
                               | (Deadline.stage.in_(sorted(AFTER_DECISION_STAGES)) & Case.status.in_(_DECIDED)))


def _candidates(session: Session, condition: ColumnElement[bool], index: str | None = None) -> Iterator[list[int]]:
    """Ids of open, running deadlines matching ``condition``, in batches (keyset on id); ``index``:
    the index SQLite must read them through (it would otherwise walk every open deadline)."""
    last = 0
    while True:
        stmt = (select(Deadline.id).where(condition, Deadline.met_at.is_(None), Deadline.paused_since.is_(None),
                                          Deadline.id > last, _case_is_open)
                .order_by(Deadline.id).limit(BATCH))
        if index is not None:
            stmt = stmt.with_hint(Deadline, f"INDEXED BY {index}", "sqlite")
        ids = list(session.scalars(stmt))
        if not ids:
            return
        last = ids[-1]
        yield ids


def _items(session: Session, ids: list[int]) -> list[Item]:
    rows = session.execute(
        select(Deadline.id, Case.id, Case.reference, Case.unit_id, Case.handler_id, Deadline.stage,
               Deadline.rule_code, Deadline.due_on, Deadline.starts_on)
        .join(Case, Case.id == Deadline.case_id).where(among(session, Deadline.id, ids)).order_by(Deadline.id)).all()
    return [Item(*row) for row in rows]


def _wanted(directory: Directory, level: str, item: Item) -> list[int]:
    """Who ``level`` goes to for ``item``, before conflicts and inactive accounts are removed."""
    if level == REMIND:
        # a handler moved to another unit no longer sees the case: its intake officers are told instead
        if item.handler_id and directory.works_over(item.handler_id, item.unit_id):
            return [item.handler_id]
        if item.stage in SIDE_STAGES:  # only the heads (and the handler they assign) tell the accused, or
            return directory.heads.get(item.unit_id, [])  # record the sending or publication: not intake officers
        return directory.officers.get(item.unit_id, [])
    if level == ESCALATE:
        return directory.heads.get(item.unit_id, [])
    superior = directory.superiors.get(item.unit_id)
    above = directory.heads.get(superior, []) if superior else []
    if level == HARD:  # both heads: the unit's, accountable, and the superior who disciplines
        return list(dict.fromkeys([*directory.heads.get(item.unit_id, []), *above]))
    return above


def _record(session: Session, run: Run, level: str, items: list[Item]) -> list[Digest]:
    """Write the batch's case events (one statement) and add its notices to the digests; returns the
    digests this batch touched."""
    conflicts = set(session.execute(select(CaseConflict.case_id, CaseConflict.user_id)
                                    .where(among(session, CaseConflict.case_id, {i.case_id for i in items}))).all())
    wanted = {i.deadline_id: [u for u in _wanted(run.directory, level, i) if (i.case_id, u) not in conflicts]
              for i in items}
    users = run.directory.active(session, {u for ids in wanted.values() for u in ids})
    action = "deadline_reminder" if level == REMIND else "deadline_escalation"
    events: list[dict[str, Any]] = []
    notices: dict[int, list[Listed]] = defaultdict(list)
    for item in items:
        notified = [u for u in wanted[item.deadline_id] if users.get(u)]
        due = item.due_on.isoformat()
        events.append({"case_id": item.case_id, "note": f"{item.rule_code} {due}",
                       "data": {"level": level, "deadline_id": item.deadline_id, "stage": item.stage,
                                "due_on": due, "recipients": notified}})
        if notified:
            listed = Listed(item.due_on, item.reference, (run.today - item.due_on).days, run.case_link(item.reference))
            for user_id in notified:
                notices[user_id].append(listed)
    insert_many(session, CaseEvent.__table__, events, at=run.now, action=action, is_public=False)
    touched = []
    for user_id, listed in notices.items():
        digest = run.digests.get(user_id)
        if digest is None:
            email, locale = users[user_id]  # type: ignore[misc]
            digest = run.digests[user_id] = Digest(user_id, email, locale)
        digest.add(level, listed)
        touched.append(digest)
    return touched


class Line(NamedTuple):
    """A case line as the digest template shows it."""

    reference: str
    link: str
    due: str
    overdue: str


def _lines(run: Run, section: Section, locale: str) -> list[Line]:
    """The case lines of ``section`` with their dates and delays already in ``locale`` (each phrase is
    formatted once per sweep: a digest is revised after every batch, so its lines are rendered often)."""
    phrases = run.phrases
    missing = {(locale, i.due_on, i.days_overdue) for i in section.items} - phrases.keys()
    if missing:
        with force_locale(locale):
            for key in missing:
                _locale, due_on, days = key
                phrases[key] = (format_day(due_on, "medium"),
                                _("quá hạn %(days)s ngày", days=days) if days > 0 else "")
    return [Line(i.reference, i.link, *phrases[(locale, i.due_on, i.days_overdue)]) for i in section.items]


def _render(run: Run, sections: dict[str, Section], locale: str) -> RenderedEmail:
    ordered = [sections[level] for level in LEVELS if level in sections]
    soon = sum(s.count for s in ordered if s.level == REMIND)
    total = sum(s.count for s in ordered)
    base = run.settings.base_url.rstrip("/")
    views = [{"level": s.level, "count": s.count, "more": s.more, "items": _lines(run, s, locale)} for s in ordered]
    return render_email("deadline_digest", locale=locale, sections=views, total=total, soon=soon,
                        overdue=total - soon, single=views[0]["items"][0] if total == 1 else None,
                        overview_link=f"{base}/staff/board" if total > soon else f"{base}/staff/")


def _write_digests(session: Session, run: Run, touched: list[Digest]) -> None:
    """Revise the held digests of the ``touched`` recipients, or queue them (held until the sweep ends).

    A digest the sender already took (its hold ran out: a very slow sweep) is left as it was sent, and
    the recipient gets another part with what came after it.
    """
    hold = now_utc() + HOLD
    updated = {d.user_id: {**d.sections, **{level: d.sections.get(level, Section(level)).merged(section)
                                            for level, section in d.new.items()}} for d in touched}
    revised = revise_held(session, [(d.message_id, d.held_until, _render(run, updated[d.user_id], d.locale))
                                    for d in touched if d.message_id is not None and d.held_until is not None],
                          hold_until=hold)
    fresh: list[tuple[str, Digest, RenderedEmail]] = []
    for digest in touched:
        if digest.message_id in revised:
            digest.held_until = hold
            digest.sections = updated[digest.user_id]
        else:
            if digest.message_id is not None:  # taken by the sender: a new part, with the new notices only
                digest.part += 1
                updated[digest.user_id] = {level: Section(level).merged(s) for level, s in digest.new.items()}
            digest.sections = updated[digest.user_id]
            fresh.append((f"deadlines:{run.token}:{digest.user_id}:{digest.part}", digest,
                          _render(run, digest.sections, digest.locale)))
        digest.new = {}
    queued = queue_rendered(session, [(digest.email, key, email) for key, digest, email in fresh], hold_until=hold)
    for key, digest, _email in fresh:
        if key in queued:
            digest.message_id, digest.held_until = queued[key], hold
    run.emails += len(queued)


def _pass(session: Session, run: Run, level: str, condition: ColumnElement[bool],
          column: InstrumentedAttribute[Any], shown: Callable[[Item], Item] | None = None,
          index: str | None = None) -> int:
    """Claim and notify, batch by batch, the deadlines matching ``condition``; ``shown``: the item
    as its digest line shows it (e.g. with the limit it passed as its due date)."""
    done = 0
    for ids in _candidates(session, condition, index):
        # End the read first: the claim then opens a fresh transaction, so on SQLite it waits for the
        # write lock (busy timeout) instead of failing when another sweep committed meanwhile.
        session.commit()
        got = claim(session, column, ids, run.now)
        if got:
            items = _items(session, got)
            touched = _record(session, run, level, [shown(i) for i in items] if shown else items)
            _write_digests(session, run, touched)
            done += len(got)
        session.commit()
    return done


class HardLimit(NamedTuple):
    """One version of the hard limit: đơn received in [received_from, received_to] are past it from
    ``latest_received`` (inclusive) back."""

    received_from: dt.date
    received_to: dt.date | None
    latest_received: dt.date
    rule: RuleRow


def hard_limits(session: Session, today: dt.date, calendar: WorkingCalendar) -> list[HardLimit]:
    """Each version of :data:`HARD_RULE`, with the last receipt day whose limit ended before
    ``today`` (counted as every calendar-day period: from the next day, a last day off moving to the
    next working day)."""
    limits = []
    for rule in rules_of(session, HARD_RULE):
        received = today - dt.timedelta(days=rule.duration + 1)  # the latest that can be past it
        while policy.due_date(received, rule.duration, rule.unit.value, calendar) >= today:
            received -= dt.timedelta(days=1)
        limits.append(HardLimit(rule.valid_from, rule.valid_to, received, rule))
    return limits


def _hard_condition(limits: list[HardLimit]) -> ColumnElement[bool]:
    received = [(Deadline.starts_on >= limit.received_from)
                & (Deadline.starts_on <= min(limit.latest_received, limit.received_to or limit.latest_received))
                for limit in limits]
    # the stage written out, as the partial index ix_deadlines_intake_unreported says it (SQLite uses a
    # partial index only for a query that repeats its condition, a bound parameter does not)
    return Deadline.escalated_hard_at.is_(None) & (Deadline.stage == literal_column("'intake'")) & or_(*received)


def _hard_due(limits: list[HardLimit], calendar: WorkingCalendar, item: Item) -> Item:
    """``item`` with the day its hard limit ended as its due date (what its digest line shows)."""
    for limit in limits:
        if limit.received_from <= item.starts_on and (limit.received_to is None or item.starts_on <= limit.received_to):
            due = policy.due_date(item.starts_on, limit.rule.duration, limit.rule.unit.value, calendar)
            return dataclasses.replace(item, due_on=due, rule_code=HARD_RULE)
    return item


def sweep(session: Session, settings: Settings, today: dt.date, *, now: dt.datetime | None = None) -> SweepReport:
    """Remind handlers before the due date, escalate overdue deadlines to the head of the unit,
    then to the head of the parent unit, and an intake still open past the hard limit from receipt
    (:data:`HARD_RULE`) to both; one digest email per recipient. Idempotent; ``today`` is the local
    date."""
    now = now or now_utc()
    calendar = load_calendar(session)
    remind_until = policy.add_working_days(today, settings.reminder_working_days, calendar)
    parent_before = today - dt.timedelta(days=settings.escalation_parent_days)
    run = Run(settings, today, now, Directory.load(session, today), f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}")
    report = SweepReport()
    report.reminded = _pass(
        session, run, REMIND,
        (Deadline.reminded_at.is_(None)) & (Deadline.due_on >= today) & (Deadline.due_on <= remind_until),
        Deadline.reminded_at)
    report.escalated = _pass(
        session, run, ESCALATE, (Deadline.escalated_at.is_(None)) & (Deadline.due_on < today), Deadline.escalated_at)
    report.escalated_parent = _pass(
        session, run, PARENT,
        (Deadline.escalated_at.is_not(None)) & (Deadline.escalated_parent_at.is_(None))
        & (Deadline.due_on < parent_before),
        Deadline.escalated_parent_at)
    limits = hard_limits(session, today, calendar)
    if limits:
        report.escalated_hard = _pass(session, run, HARD, _hard_condition(limits), Deadline.escalated_hard_at,
                                      shown=lambda item: _hard_due(limits, calendar, item),
                                      index="ix_deadlines_intake_unreported")
    # The passes end on a read (the candidates query that found no more): end it, so that on SQLite
    # the release below starts a transaction with its write and waits for the lock, instead of failing
    # ("database is locked") when another sweep committed since that read.
    session.commit()
    release_held(session, [(d.message_id, d.held_until) for d in run.digests.values()
                           if d.message_id is not None and d.held_until is not None])
    session.commit()
    report.emails = run.emails
    return report
