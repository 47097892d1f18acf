"""Staff queues: which queues each role sees, their filters, counts and keyset pagination.

Every query is scoped with :func:`portal.cases.access.visible_cases_clause`, so a list shows exactly
the cases the user may open (scope and conflict of interest). Pages are fetched by keyset (the
last row's sort key), never by OFFSET, so a deep page costs the same as the first one; the
composite indexes on ``cases`` (see ``Case.__table_args__``) serve each ordering.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, load_only

from portal.accounts.models import Role, User
from portal.cases.access import visible_cases_clause
from portal.cases.models import Case, CaseKind, CaseStatus
from portal.db import now_utc
from portal.org.models import Field, OrgUnit

PAGE_SIZE = 25
COUNT_CAP = 1000  # counts above this show as "1000+": an exact count of a million rows is not worth its cost
DUE_SOON_DAYS = 7

# Statuses in which a case is still being worked on (its deadline still runs).
OPEN_STATUSES = (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.PROPOSED, CaseStatus.ACCEPTED,
                 CaseStatus.INVESTIGATING, CaseStatus.SUSPENDED, CaseStatus.INFORMATION, CaseStatus.INSPECTION)

KIND_LABELS: dict[CaseKind, Any] = {
    CaseKind.COMPLAINT: _l("Khiếu nại"),
    CaseKind.DENUNCIATION: _l("Tố cáo"),
    CaseKind.PETITION: _l("Kiến nghị, phản ánh"),
    CaseKind.DENUNCIATION_INFO: _l("Thông tin có nội dung tố cáo"),
}
STATUS_LABELS: dict[CaseStatus, Any] = {
    CaseStatus.RECEIVED: _l("Mới tiếp nhận"),
    CaseStatus.IN_REVIEW: _l("Đang xử lý đơn"),
    CaseStatus.PROPOSED: _l("Đề xuất thụ lý"),
    CaseStatus.ACCEPTED: _l("Đã thụ lý"),
    CaseStatus.INVESTIGATING: _l("Đang xác minh"),
    CaseStatus.SUSPENDED: _l("Tạm đình chỉ"),
    CaseStatus.RESOLVED: _l("Đã giải quyết"),
    CaseStatus.CLOSED: _l("Đã kết thúc"),
    CaseStatus.TERMINATED: _l("Đình chỉ"),
    CaseStatus.NOT_ACCEPTED: _l("Không thụ lý"),
    CaseStatus.GUIDED: _l("Đã hướng dẫn"),
    CaseStatus.FORWARDED: _l("Đã chuyển đơn"),
    CaseStatus.MERGED: _l("Đã gộp (trùng)"),
    CaseStatus.ARCHIVED: _l("Lưu đơn"),
    CaseStatus.SPLIT: _l("Đã tách"),
    CaseStatus.INFORMATION: _l("Thông tin tố cáo"),
    CaseStatus.INSPECTION: _l("Đang kiểm tra"),
}
FLAG_LABELS: dict[str, Any] = {
    "complex": _l("Phức tạp"),
    "especially_complex": _l("Đặc biệt phức tạp"),
    "remote": _l("Vùng sâu, vùng xa"),
    "group": _l("Đông người"),
}
FLAG_COLUMNS = {"complex": Case.is_complex, "especially_complex": Case.is_especially_complex,
                "remote": Case.is_remote, "group": Case.is_group}


# --- queues ------------------------------------------------------------------------------------

QueueClause = Callable[[User, dt.date], ColumnElement[bool]]


@dataclass(frozen=True)
class Queue:
    """A named list of cases: who sees it, which cases are in it, how it is ordered by default."""

    key: str
    label: Any
    description: Any
    roles: frozenset[Role]
    clause: QueueClause
    default_sort: str = "due"


def _new(user: User, today: dt.date) -> ColumnElement[bool]:
    return Case.status.in_((CaseStatus.RECEIVED, CaseStatus.IN_REVIEW))


def _mine(user: User, today: dt.date) -> ColumnElement[bool]:
    return Case.handler_id == user.id


def _unit(user: User, today: dt.date) -> ColumnElement[bool]:
    return Case.status.in_(OPEN_STATUSES)


def _due_soon(user: User, today: dt.date) -> ColumnElement[bool]:
    return and_(Case.status.in_(OPEN_STATUSES), Case.due_on >= today,
                Case.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS))


def _overdue(user: User, today: dt.date) -> ColumnElement[bool]:
    return and_(Case.status.in_(OPEN_STATUSES), Case.due_on < today)


def _information(user: User, today: dt.date) -> ColumnElement[bool]:
    return or_(Case.status.in_((CaseStatus.INFORMATION, CaseStatus.INSPECTION)),
               and_(Case.kind == CaseKind.DENUNCIATION_INFO, Case.status.in_(OPEN_STATUSES)))


def _proposed(user: User, today: dt.date) -> ColumnElement[bool]:
    return Case.status == CaseStatus.PROPOSED


LEADERS = frozenset({Role.HEAD, Role.DEPUTY})
QUEUES: tuple[Queue, ...] = (
    Queue("new", _l("Đơn mới chờ xử lý"), _l("Đơn mới tiếp nhận hoặc đang xử lý đơn tại đơn vị của tôi."),
          frozenset({Role.INTAKE_OFFICER}) | LEADERS, _new, "oldest"),
    Queue("proposed", _l("Đề xuất thụ lý"), _l("Đơn được đề xuất thụ lý, chờ người đứng đầu quyết định."),
          LEADERS, _proposed, "oldest"),
    Queue("mine", _l("Được giao cho tôi"), _l("Vụ việc tôi là người xử lý."),
          frozenset({Role.INTAKE_OFFICER, Role.HANDLER}) | LEADERS, _mine),
    Queue("due_soon", _l("Sắp đến hạn"), _l("Vụ việc đang giải quyết có hạn trong 7 ngày tới."),
          frozenset({Role.INTAKE_OFFICER, Role.HANDLER, Role.INSPECTOR}) | LEADERS, _due_soon),
    Queue("overdue", _l("Quá hạn"), _l("Vụ việc đang giải quyết đã quá hạn."),
          frozenset({Role.INTAKE_OFFICER, Role.HANDLER, Role.INSPECTOR}) | LEADERS, _overdue),
    Queue("information", _l("Thông tin có nội dung tố cáo"),
          _l("Tố cáo nặc danh hoặc không xác định được người tố cáo: không thụ lý, kiểm tra nếu cụ thể, có chứng cứ."),
          frozenset({Role.INTAKE_OFFICER, Role.INSPECTOR}) | LEADERS, _information),
    Queue("unit", _l("Vụ việc của đơn vị"), _l("Mọi vụ việc đang giải quyết trong phạm vi của tôi."),
          frozenset({Role.INSPECTOR}) | LEADERS, _unit),
)
QUEUES_BY_KEY = {queue.key: queue for queue in QUEUES}


def queues_for(user: User) -> list[Queue]:
    """The queues ``user``'s roles call for, in display order."""
    held = {assignment.role for assignment in user.roles} if user.is_staff else set()
    return [queue for queue in QUEUES if queue.roles & held]


def today_local() -> dt.date:
    """Today in Vietnam (deadlines are calendar dates there)."""
    return (now_utc() + dt.timedelta(hours=7)).date()


def queue_clause(session: Session, user: User, queue: Queue, today: dt.date,
                 visible: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """The queue's own condition plus the user's visibility (pass ``visible`` to reuse it)."""
    return and_(visible_cases_clause(session, user) if visible is None else visible, queue.clause(user, today))


def count_queue(session: Session, user: User, queue: Queue, today: dt.date, cap: int = COUNT_CAP,
                visible: ColumnElement[bool] | None = None) -> int:
    """How many cases the queue holds, counted up to ``cap`` (``cap + 1`` means "more than cap")."""
    inner = select(Case.id).where(queue_clause(session, user, queue, today, visible)).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


# --- filters -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """Validated filter values (see :mod:`portal.backoffice.forms`)."""

    kind: CaseKind | None = None
    status: CaseStatus | None = None
    unit_id: int | None = None
    field_id: int | None = None
    flags: tuple[str, ...] = ()
    due_from: dt.date | None = None
    due_to: dt.date | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        """SQL conditions for the values that are set."""
        result: list[ColumnElement[bool]] = []
        if self.kind is not None:
            result.append(Case.kind == self.kind)
        if self.status is not None:
            result.append(Case.status == self.status)
        if self.unit_id is not None:
            result.append(Case.unit_id == self.unit_id)
        if self.field_id is not None:
            result.append(Case.field_id == self.field_id)
        result += [FLAG_COLUMNS[flag].is_(True) for flag in self.flags]
        if self.due_from is not None:
            result.append(Case.due_on >= self.due_from)
        if self.due_to is not None:
            result.append(Case.due_on <= self.due_to)
        return result


# --- keyset pagination -------------------------------------------------------------------------

class BadCursor(ValueError):
    """The ``after`` value of a "next page" link is malformed."""


SORTS = ("due", "oldest", "newest")
_DUE_CURSOR = re.compile(r"^(\d{8}|-)\.(\d{1,12})$")
_TIME_CURSOR = re.compile(r"^(\d{1,20})\.(\d{1,12})$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Cursor:
    """The sort key of the last row of a page: (due date or arrival time, id)."""

    id: int
    due_on: dt.date | None = None
    created_at: dt.datetime | None = None

    def encode(self, sort: str) -> str:
        if sort == "due":
            return f"{self.due_on:%Y%m%d}.{self.id}" if self.due_on else f"-.{self.id}"
        assert self.created_at is not None
        micros = (self.created_at - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.id}"


def parse_cursor(value: str, sort: str) -> Cursor:
    """Read an ``after`` value back; anything malformed raises :class:`BadCursor`."""
    if sort == "due":
        match = _DUE_CURSOR.match(value)
        if not match:
            raise BadCursor(value)
        try:
            due = None if match[1] == "-" else dt.datetime.strptime(match[1], "%Y%m%d").date()
        except ValueError as exc:
            raise BadCursor(value) from exc
        return Cursor(id=int(match[2]), due_on=due)
    match = _TIME_CURSOR.match(value)
    if not match:
        raise BadCursor(value)
    try:
        created = _EPOCH + dt.timedelta(microseconds=int(match[1]))
    except OverflowError as exc:
        raise BadCursor(value) from exc
    return Cursor(id=int(match[2]), created_at=created)


@dataclass(frozen=True)
class Row:
    """What a queue row shows (never anything about the reporter)."""

    case: Case
    unit_name: str
    field_name: str | None
    days_left: int | None


@dataclass
class Page:
    rows: list[Row] = field(default_factory=list)
    next_cursor: str | None = None


# Only what a row shows (the JSON and text columns of a case are not worth loading for a list).
ROW_COLUMNS = (Case.id, Case.reference, Case.kind, Case.status, Case.unit_id, Case.field_id, Case.due_on,
               Case.created_at, Case.is_complex, Case.is_especially_complex, Case.is_remote, Case.is_group,
               Case.version)


def _base(where: Sequence[ColumnElement[bool] | Any], locale: str) -> Select[Any]:
    unit_name = OrgUnit.name_en if locale == "en" else OrgUnit.name
    field_name = Field.name_en if locale == "en" else Field.name
    return (select(Case, unit_name, field_name).options(load_only(*ROW_COLUMNS))
            .join(OrgUnit, OrgUnit.id == Case.unit_id).outerjoin(Field, Field.id == Case.field_id).where(*where))


def fetch_page(session: Session, where: Sequence[ColumnElement[bool] | Any], *, sort: str,
               after: Cursor | None, today: dt.date, locale: str = "vi", size: int = PAGE_SIZE) -> Page:
    """One page of cases matching ``where``, ordered by ``sort``, starting after ``after``.

    Sorting by due date puts cases without a due date last. That order is read in two index
    range scans (dated cases by (due_on, id), then undated ones by id) rather than with
    ``NULLS LAST``, which SQLite cannot serve from an index.
    """
    if sort == "due":
        rows = _due_page(session, where, after, locale, size + 1)
    else:
        column = Case.created_at
        stmt = _base(where, locale)
        if sort == "newest":
            if after is not None:
                stmt = stmt.where(column <= after.created_at, or_(column < after.created_at, Case.id < after.id))
            stmt = stmt.order_by(column.desc(), Case.id.desc())
        else:
            if after is not None:
                stmt = stmt.where(column >= after.created_at, or_(column > after.created_at, Case.id > after.id))
            stmt = stmt.order_by(column, Case.id)
        rows = list(session.execute(stmt.limit(size + 1)).all())
    page = Page(rows=[Row(case, unit, fld, (case.due_on - today).days if case.due_on else None)
                      for case, unit, fld in rows[:size]])
    if len(rows) > size:
        last = page.rows[-1].case
        page.next_cursor = Cursor(last.id, last.due_on, last.created_at).encode(sort)
    return page


def _due_page(session: Session, where: Sequence[Any], after: Cursor | None, locale: str, limit: int) -> list[Any]:
    rows: list[Any] = []
    if after is None or after.due_on is not None:
        dated = _base(where, locale).where(Case.due_on.is_not(None))
        if after is not None:
            dated = dated.where(Case.due_on >= after.due_on, or_(Case.due_on > after.due_on, Case.id > after.id))
        rows = list(session.execute(dated.order_by(Case.due_on, Case.id).limit(limit)).all())
    if len(rows) < limit:
        undated = _base(where, locale).where(Case.due_on.is_(None))
        if after is not None and after.due_on is None:
            undated = undated.where(Case.id > after.id)
        rows += session.execute(undated.order_by(Case.id).limit(limit - len(rows))).all()
    return rows


def queue_page(session: Session, user: User, queue: Queue, filters: Filters, *, sort: str,
               after: Cursor | None, today: dt.date, locale: str = "vi", size: int = PAGE_SIZE) -> Page:
    """One page of a queue for ``user`` with ``filters`` applied."""
    where = [queue_clause(session, user, queue, today), *filters.clauses()]
    return fetch_page(session, where, sort=sort, after=after, today=today, locale=locale, size=size)


def search_page(session: Session, user: User, words: str, *, after: Cursor | None, today: dt.date,
                locale: str = "vi", size: int = PAGE_SIZE) -> Page:
    """Visible cases whose submission text contains every word of ``words``, newest first."""
    from portal.backoffice.search import matching_submissions
    from portal.cases.models import Submission

    condition = matching_submissions(session, words)
    if condition is None:
        return Page()
    where = [visible_cases_clause(session, user), Case.submission_id.in_(select(Submission.id).where(condition))]
    return fetch_page(session, where, sort="newest", after=after, today=today, locale=locale, size=size)
