"""Staff queues: which queues each role sees, their filters, counts and keyset pagination.

Every query is scoped with :func:`portal.cases.access.visible_cases_clause`, so a list shows exactly
the cases the user may open (scope and conflict of interest). Pages are fetched by keyset (the
last row's sort key), never by OFFSET, so a deep page costs the same as the first one; the
composite indexes on ``cases`` (see ``Case.__table_args__``) serve each ordering. On SQLite a wide
scope walks a city-wide index and a narrow one reads one index range per unit (see :class:`Scope`);
"more" is known by reading one row past the page, never by counting.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, Subquery, and_, bindparam, func, or_, select, union_all
from sqlalchemy.orm import Session, load_only

from portal.accounts.models import Role, User
from portal.accounts.permissions import units_where
from portal.cases.access import CASE_ROLES, visible_cases_clause
from portal.cases.evidence import awaiting_preparation
from portal.cases.lifecycle import KIND_LABELS, STATUS_LABELS  # noqa: F401 - re-exported for the queue views
from portal.cases.models import DECIDED_STATUSES, Case, CaseConflict, CaseKind, CaseStatus, Deadline
from portal.db import now_utc
from portal.org.models import Field, OrgUnit

PAGE_SIZE = 25
COUNT_CAP = 1000  # counts above this show as "1000+": an exact count of a million rows is not worth its cost
DUE_SOON_DAYS = 7

# Statuses in which a case is still being worked on (its deadline still runs).
OPEN_STATUSES = (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.PROPOSED, CaseStatus.ACCEPTED,
                 CaseStatus.INVESTIGATING, CaseStatus.SUSPENDED, CaseStatus.INFORMATION, CaseStatus.INSPECTION)

# The due-soon and overdue queues also hold decided cases with a duty still on its clock
# (:data:`portal.cases.models.DECIDED_STATUSES`), so a late sending is seen where any late duty is.
DUE_STATUSES = OPEN_STATUSES + DECIDED_STATUSES

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
    # Read unit by unit (see ``Scope``); off for a short list found through its own index (a person's
    # open cases), which is then read whole and sorted in Python.
    per_unit: bool = True
    # The statuses the queue can hold (a status filter outside them gives an empty page at once,
    # instead of an index walk that never meets a row).
    statuses: frozenset[CaseStatus] = frozenset(CaseStatus)

    def excludes(self, filters: Filters) -> bool:
        """The filters contradict the queue: nothing can match."""
        return filters.status is not None and filters.status not in self.statuses


def _new(user: User, today: dt.date) -> ColumnElement[bool]:
    return Case.status.in_((CaseStatus.RECEIVED, CaseStatus.IN_REVIEW))


def _mine(user: User, today: dt.date) -> ColumnElement[bool]:
    # lower() (statuses are stored lower-case) keeps the planner on handler_id: a status index scan
    # over every open case in the city would be far longer than one person's cases. A decided case
    # stays while its sending or publication waits: the assigned handler may record it.
    status = func.lower(Case.status)
    return and_(Case.handler_id == user.id, status.in_([s.value for s in DUE_STATUSES]),
                or_(status.in_([s.value for s in OPEN_STATUSES]), Case.due_on.is_not(None)))


def _unit(user: User, today: dt.date) -> ColumnElement[bool]:
    return Case.status.in_(OPEN_STATUSES)


def _due_soon(user: User, today: dt.date) -> ColumnElement[bool]:
    return and_(Case.status.in_(DUE_STATUSES), Case.due_on >= today,
                Case.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS))


def _overdue(user: User, today: dt.date) -> ColumnElement[bool]:
    return and_(Case.status.in_(DUE_STATUSES), Case.due_on < today)


def _information(user: User, today: dt.date) -> ColumnElement[bool]:
    # The lifecycle moves anonymous denunciations to ``information`` (kind TTTC) and on to ``inspection``.
    return Case.status.in_((CaseStatus.INFORMATION, CaseStatus.INSPECTION))


def _proposed(user: User, today: dt.date) -> ColumnElement[bool]:
    return Case.status == CaseStatus.PROPOSED


LEADERS = frozenset({Role.HEAD, Role.DEPUTY})
QUEUES: tuple[Queue, ...] = (
    Queue("new", _l("Đơn mới chờ xử lý"), _l("Đơn mới tiếp nhận hoặc đang xử lý đơn tại đơn vị của tôi."),
          frozenset({Role.INTAKE_OFFICER}) | LEADERS, _new, "oldest",
          statuses=frozenset({CaseStatus.RECEIVED, CaseStatus.IN_REVIEW})),
    Queue("proposed", _l("Đề xuất thụ lý"), _l("Đơn được đề xuất thụ lý, chờ người đứng đầu quyết định."),
          LEADERS, _proposed, "oldest", statuses=frozenset({CaseStatus.PROPOSED})),
    Queue("mine", _l("Được giao cho tôi"),
          _l("Vụ việc đang giải quyết mà tôi là người xử lý, kể cả quyết định đã ban hành còn chờ gửi, công khai."),
          frozenset({Role.INTAKE_OFFICER, Role.HANDLER}) | LEADERS, _mine, per_unit=False,
          statuses=frozenset(DUE_STATUSES)),
    Queue("due_soon", _l("Sắp đến hạn"),
          _l("Vụ việc có thời hạn trong 7 ngày tới, kể cả việc gửi, công khai quyết định đã ban hành."),
          frozenset({Role.INTAKE_OFFICER, Role.HANDLER, Role.INSPECTOR}) | LEADERS, _due_soon,
          statuses=frozenset(DUE_STATUSES)),
    Queue("overdue", _l("Quá hạn"),
          _l("Vụ việc đã quá hạn, kể cả việc gửi, công khai quyết định đã ban hành chưa được ghi nhận."),
          frozenset({Role.INTAKE_OFFICER, Role.HANDLER, Role.INSPECTOR}) | LEADERS, _overdue,
          statuses=frozenset(DUE_STATUSES)),
    Queue("information", _l("Thông tin có nội dung tố cáo"),
          _l("Tố cáo nặc danh hoặc không xác định được người tố cáo: không thụ lý, kiểm tra nếu cụ thể, có chứng cứ."),
          frozenset({Role.INTAKE_OFFICER, Role.INSPECTOR}) | LEADERS, _information, "oldest",
          statuses=frozenset({CaseStatus.INFORMATION, CaseStatus.INSPECTION})),
    Queue("unit", _l("Vụ việc của đơn vị"), _l("Mọi vụ việc đang giải quyết trong phạm vi của tôi."),
          frozenset({Role.INSPECTOR}) | LEADERS, _unit, statuses=frozenset(OPEN_STATUSES)),
)
QUEUES_BY_KEY = {queue.key: queue for queue in QUEUES}


def queues_for(user: User) -> list[Queue]:
    """The queues ``user``'s roles call for, in display order."""
    held = {assignment.role for assignment in user.roles} if user.is_staff else set()
    return [queue for queue in QUEUES if queue.roles & held]


def today_local() -> dt.date:
    """Today in Vietnam (deadlines are calendar dates there)."""
    return (now_utc() + dt.timedelta(hours=7)).date()


def count_queue(session: Session, user: User, queue: Queue, today: dt.date, cap: int = COUNT_CAP,
                scope: Scope | None = None) -> int:
    """How many cases the queue holds, counted up to ``cap`` (``cap + 1`` means "more than cap")."""
    return count_queues(session, user, [queue], today, cap, scope)[0]


def count_queues(session: Session, user: User, queues: Sequence[Queue], today: dt.date, cap: int = COUNT_CAP,
                 scope: Scope | None = None) -> list[int]:
    """The counts of :func:`count_queue` for several queues, in one statement (one round trip and
    one plan for the staff home page, instead of one per queue)."""
    if not queues:
        return []
    scope = scope or scope_of(session, user)
    counts = [select(func.count()).select_from(_capped_ids(session, user, queue, today, cap, scope)).scalar_subquery()
              for queue in queues]
    return [n or 0 for n in session.execute(select(*counts)).one()]


def _capped_ids(session: Session, user: User, queue: Queue, today: dt.date, cap: int, scope: Scope) -> Subquery:
    """Up to ``cap + 1`` ids of the queue's cases: a count needs no order, so the units are one IN
    list (SQLite probes the (unit_id, status, ...) indexes once per unit and stops at the cap)."""
    condition = queue.clause(user, today)
    if queue.per_unit and _split(session, scope):
        return select(Case.id).where(scope.in_units(), condition).limit(cap + 1).subquery()
    return select(Case.id).where(scope.clause, condition).limit(cap + 1).subquery()


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
_MATCH_CURSOR = re.compile(r"^(\d{1,12})\.(\d{1,12})$")
MATCH_SORT = "match"  # search results: newest submission first, then its cases by id, descending
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Cursor:
    """The sort key of the last row of a page: (due date, arrival time or submission, id)."""

    id: int
    due_on: dt.date | None = None
    created_at: dt.datetime | None = None
    submission_id: int | None = None

    def encode(self, sort: str) -> str:
        if sort == MATCH_SORT:
            return f"{self.submission_id}.{self.id}"
        if sort == "due":
            return f"{self.due_on:%Y%m%d}.{self.id}" if self.due_on else f"-.{self.id}"
        assert self.created_at is not None
        micros = (self.created_at - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.id}"


_MAX_ID = 2**31 - 1  # ids are INTEGER columns: a larger one is no cursor we wrote (and PostgreSQL refuses it)


def _id(value: str, digits: str) -> int:
    number = int(digits)
    if number > _MAX_ID:
        raise BadCursor(value)
    return number


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
        return Cursor(id=_id(value, match[2]), due_on=due)
    if sort == MATCH_SORT:
        match = _MATCH_CURSOR.match(value)
        if not match:
            raise BadCursor(value)
        return Cursor(id=_id(value, match[2]), submission_id=_id(value, match[1]))
    match = _TIME_CURSOR.match(value)
    if not match:
        raise BadCursor(value)
    try:
        created = _EPOCH + dt.timedelta(microseconds=int(match[1]))
    except OverflowError as exc:
        raise BadCursor(value) from exc
    return Cursor(id=_id(value, match[2]), created_at=created)


@dataclass(frozen=True)
class Row:
    """What a queue row shows (never anything about the reporter)."""

    case: Case
    unit_name: str
    field_name: str | None
    days_left: int | None
    files_waiting: bool = False  # a denunciation file waits for its redacted copy (portal/cases/evidence.py)
    due_stage: str | None = None  # the stage whose clock gives ``case.due_on`` (handling, sending, ...)


@dataclass
class Page:
    rows: list[Row] = field(default_factory=list)
    next_cursor: str | None = None


# Only what a row shows (the JSON and text columns of a case are not worth loading for a list).
ROW_COLUMNS = (Case.id, Case.reference, Case.submission_id, Case.kind, Case.status, Case.unit_id, Case.field_id,
               Case.due_on, Case.created_at, Case.is_complex, Case.is_especially_complex, Case.is_remote, Case.is_group,
               Case.version)


def _base(where: Sequence[ColumnElement[bool] | Any], locale: str) -> Select[Any]:
    unit_name = OrgUnit.name_en if locale == "en" else OrgUnit.name
    field_name = Field.name_en if locale == "en" else Field.name
    return (select(Case, unit_name, field_name).options(load_only(*ROW_COLUMNS))
            .join(OrgUnit, OrgUnit.id == Case.unit_id).outerjoin(Field, Field.id == Case.field_id).where(*where))


# --- scope partitioning ----------------------------------------------------------------------------

MAX_BRANCHES = 300  # SQLite allows 500 terms in a compound SELECT
# A scope holding at least this share of the units is read in one walk of a city-wide index (see
# ``Scope.walk``): about 1 / share index entries are read per row shown.
WALK_SHARE = 1 / 3
# The city-wide indexes a walk reads, by sort key (the undated cases of the due-date order are
# ``due_on IS NULL`` ordered by id, the same index). They carry every column the scope tests.
WALK_INDEXES = {"due_on": "ix_cases_due_scope", "id": "ix_cases_due_scope", "created_at": "ix_cases_created_scope"}


@dataclass(frozen=True)
class Scope:
    """The cases a user may see (``clause``, authoritative) and how SQLite reads them in order.

    A wide scope (``walk``) is read in one walk of a city-wide (key, id) index, testing each entry
    against ``clause``. A narrow one is partitioned into branches that each name one unit, so that
    every branch is read in order from a (unit_id, key) index and the branches are merged.
    """

    clause: ColumnElement[bool]
    units: tuple[int, ...]
    user_id: int
    walk: bool = False

    def branches(self) -> list[ColumnElement[bool]]:
        # ``units`` are exactly the units of ``visible_cases_clause``; a case in them is visible unless
        # the user has a conflict of interest (tested against a list computed once per statement).
        conflicts = select(CaseConflict.case_id).where(CaseConflict.user_id == self.user_id)
        return [and_(Case.unit_id == unit, Case.id.not_in(conflicts)) for unit in self.units]

    def in_units(self) -> ColumnElement[bool]:
        """Every visible case in the units (the union of :meth:`branches`)."""
        conflicts = select(CaseConflict.case_id).where(CaseConflict.user_id == self.user_id)
        return and_(Case.unit_id.in_(self.units), Case.id.not_in(conflicts))

    def narrowed(self, unit_id: int | None) -> Scope:
        """The scope for reading cases of one unit only (a unit filter): that unit's branch, if the
        unit is in scope. The caller still filters on the unit."""
        if unit_id is None:
            return self
        return Scope(self.clause, tuple(u for u in self.units if u == unit_id), self.user_id)


def scope_of(session: Session, user: User, units: set[int] | None = None) -> Scope:
    """The user's visibility, computed once per request (``units``: ``units_where(user, CASE_ROLES)``
    when the caller has it already)."""
    if units is None:
        units = units_where(user, CASE_ROLES, session) if user.is_staff else set()
    walk = False
    if units and session.get_bind().dialect.name == "sqlite":
        total = session.scalar(select(func.count()).select_from(OrgUnit)) or 1
        walk = len(units) >= WALK_SHARE * total
    return Scope(visible_cases_clause(session, user, units), tuple(sorted(units)), user.id, walk)


def _split(session: Session, scope: Scope | None) -> bool:
    # SQLite cannot merge ordered index ranges of an IN list: with one branch per unit, each branch
    # is an ordered range scan that stops at the page size, and the union is merged. PostgreSQL's
    # planner weighs LIMIT against selectivity itself and gets the single statement.
    return (scope is not None and 0 < len(scope.units) <= MAX_BRANCHES
            and session.get_bind().dialect.name == "sqlite")


OrderSpec = tuple[ColumnElement[Any], bool]  # (key column, descending)


def _ordered_ids(session: Session, conditions: Sequence[Any], key: ColumnElement[Any], descending: bool,
                 limit: int, scope: Scope | None) -> list[int]:
    """Ids of the first ``limit`` cases matching ``conditions`` (and the scope) ordered by (key, id)."""
    def order(k: Any, i: Any) -> list[Any]:
        return [k.desc(), i.desc()] if descending else [k, i]

    if scope is not None and scope.walk:
        stmt = (select(Case.id).where(*conditions, scope.clause).order_by(*order(key, Case.id)).limit(limit)
                .with_hint(Case, f"INDEXED BY {WALK_INDEXES[key.key]}", "sqlite"))
        return list(session.scalars(stmt))
    if not _split(session, scope):
        where = [*conditions, scope.clause] if scope is not None else list(conditions)
        return list(session.scalars(select(Case.id).where(*where).order_by(*order(key, Case.id)).limit(limit)))
    assert scope is not None
    parts = []
    for branch in scope.branches():
        sub = (select(Case.id.label("id"), key.label("k")).where(branch, *conditions)
               .order_by(*order(key, Case.id)).limit(limit).subquery())
        parts.append(select(sub.c.id, sub.c.k))
    merged = union_all(*parts).subquery()
    return list(session.scalars(select(merged.c.id).order_by(*order(merged.c.k, merged.c.id)).limit(limit)))


def _short_ids(session: Session, conditions: Sequence[Any], sort: str, after: Cursor | None,
               limit: int, index: str | None = None) -> list[int]:
    """A short list (one person's open cases, the cases of a rare filter value) read whole, without
    ORDER BY so that the planner reads it through its own index (``index`` on SQLite when given),
    then ordered and cut after the keyset here."""
    stmt = select(Case.id, Case.due_on, Case.created_at).where(*conditions)
    if index is not None:
        stmt = stmt.with_hint(Case, f"INDEXED BY {index}", "sqlite")
    rows = session.execute(stmt).all()
    far = dt.date.max

    def key(row: Any) -> tuple[Any, ...]:
        if sort == "due":
            return (row.due_on is None, row.due_on or far, row.id)
        return (row.created_at, row.id)

    ordered = sorted(rows, key=key, reverse=sort == "newest")
    if after is not None:
        mark = key(after) if sort != "due" else (after.due_on is None, after.due_on or far, after.id)
        ordered = [r for r in ordered if (key(r) < mark if sort == "newest" else key(r) > mark)]
    return [row.id for row in ordered[:limit]]


def _page_ids(session: Session, conditions: Sequence[Any], sort: str, after: Cursor | None, limit: int,
              scope: Scope | None, short: bool = False, index: str | None = None) -> list[int]:
    if short:
        return _short_ids(session, conditions, sort, after, limit, index)
    if sort != "due":
        column, newest = Case.created_at, sort == "newest"
        keyset: list[Any] = []
        if after is not None and newest:
            keyset = [column <= after.created_at, or_(column < after.created_at, Case.id < after.id)]
        elif after is not None:
            keyset = [column >= after.created_at, or_(column > after.created_at, Case.id > after.id)]
        return _ordered_ids(session, [*conditions, *keyset], column, newest, limit, scope)
    # Cases without a due date come last: dated ones by (due_on, id), then undated ones by id.
    ids: list[int] = []
    if after is None or after.due_on is not None:
        keyset = [Case.due_on.is_not(None)]
        if after is not None:
            keyset += [Case.due_on >= after.due_on, or_(Case.due_on > after.due_on, Case.id > after.id)]
        ids = _ordered_ids(session, [*conditions, *keyset], Case.due_on, False, limit, scope)
    if len(ids) < limit:
        keyset = [Case.due_on.is_(None)]
        if after is not None and after.due_on is None:
            keyset.append(Case.id > after.id)
        ids += _ordered_ids(session, [*conditions, *keyset], Case.id, False, limit - len(ids), scope)
    return ids


def fetch_page(session: Session, where: Sequence[ColumnElement[bool] | Any], *, sort: str,
               after: Cursor | None, today: dt.date, locale: str = "vi", size: int = PAGE_SIZE,
               scope: Scope | None = None, short: bool = False, index: str | None = None) -> Page:
    """One page of cases matching ``where`` (and ``scope``), ordered by ``sort``, after ``after``.

    The ids of the page are found first (an index range scan per branch, no OFFSET), then the
    rows are loaded with their unit and field names in one query.
    """
    return _page_of(session, _page_ids(session, where, sort, after, size + 1, scope, short, index), sort=sort,
                    today=today, locale=locale, size=size)


# A filter value few cases have (a field hardly used, a rare status) would make the ordered read of a
# queue (the walk, or each unit's branch) go through its whole index range to fill one page: about a
# second at a million cases. On SQLite such a value is first counted, up to RARE_CAP, in its own
# index (index entries only, no row is read); below the cap its cases are read whole through that
# index, tested against the queue and the scope, and ordered in Python. PostgreSQL's planner weighs
# the value's frequency itself.
RARE_CAP = 1000
RARE_INDEXES = (("field_id", "ix_cases_field_id"), ("status", "ix_cases_status"), ("kind", "ix_cases_kind"))


def rare_filter_index(session: Session, filters: Filters) -> str | None:
    """The index of a filter value that fewer than ``RARE_CAP`` cases have (SQLite only), if any."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    for name, index in RARE_INDEXES:
        value = getattr(filters, name)
        if value is None:
            continue
        probe = (select(Case.id).where(getattr(Case, name) == value).limit(RARE_CAP)
                 .with_hint(Case, f"INDEXED BY {index}", "sqlite").subquery())
        if (session.scalar(select(func.count()).select_from(probe)) or 0) < RARE_CAP:
            return index
    return None


# The running clocks of a page's cases, to name the duty each row's due date belongs to. Through the
# case index on SQLite: its planner counts each NULL ``met_at`` as a value of its own, takes ``met_at IS
# NULL`` for a couple of rows and would otherwise walk every running clock of the city.
_OPEN_CLOCKS = (select(Deadline.case_id, Deadline.stage, Deadline.due_on)
                .where(Deadline.case_id.in_(bindparam("ids", expanding=True)), Deadline.met_at.is_(None))
                .order_by(Deadline.case_id, Deadline.due_on, Deadline.starts_on, Deadline.id)
                .with_hint(Deadline, "INDEXED BY ix_deadlines_case_id", "sqlite"))


def due_stages(session: Session, cases: Iterable[Case]) -> dict[int, str]:
    """For each of ``cases`` with a due date, the stage of the running clock that sets it (the earliest
    started, when two fall due the same day)."""
    due = {c.id: c.due_on for c in cases if c.due_on is not None}
    if not due:
        return {}
    stages: dict[int, str] = {}
    for case_id, stage, due_on in session.execute(_OPEN_CLOCKS, {"ids": list(due)}):
        if due_on == due[case_id]:
            stages.setdefault(case_id, stage)
    return stages


def _page_of(session: Session, ids: list[int], *, sort: str, today: dt.date, locale: str, size: int) -> Page:
    """The page showing the first ``size`` of ``ids`` (in that order), with a "next" key when
    there are more."""
    loaded = {case.id: (case, unit, fld) for case, unit, fld in
              session.execute(_base([Case.id.in_(ids[:size])], locale)).all()} if ids else {}
    waiting = awaiting_preparation(session, loaded)
    stages = due_stages(session, (case for case, _unit, _fld in loaded.values()))
    page = Page(rows=[Row(case, unit, fld, (case.due_on - today).days if case.due_on else None, case.id in waiting,
                          stages.get(case.id))
                      for case, unit, fld in (loaded[i] for i in ids[:size] if i in loaded)])
    if len(ids) > size and page.rows:
        last = page.rows[-1].case
        page.next_cursor = Cursor(last.id, last.due_on, last.created_at, last.submission_id).encode(sort)
    return page


def queue_page(session: Session, user: User, queue: Queue, filters: Filters, *, sort: str,
               after: Cursor | None, today: dt.date, locale: str = "vi", size: int = PAGE_SIZE,
               scope: Scope | None = None, short: bool = False) -> Page:
    """One page of a queue for ``user`` with ``filters`` applied."""
    if queue.excludes(filters):
        return Page()
    where = [queue.clause(user, today), *filters.clauses()]
    scope = scope or scope_of(session, user)
    if filters.unit_id is not None:
        scope = scope.narrowed(filters.unit_id)
    if not queue.per_unit:
        # SQLite reads the person's cases through handler_id and sorts them here; PostgreSQL's
        # planner picks its own way for the ordered statement.
        short = session.get_bind().dialect.name == "sqlite"
        return fetch_page(session, [*where, scope.clause], sort=sort, after=after, today=today, locale=locale,
                          size=size, short=short)
    rare = rare_filter_index(session, filters)
    if rare is not None:
        return fetch_page(session, [*where, scope.clause], sort=sort, after=after, today=today, locale=locale,
                          size=size, short=True, index=rare)
    return fetch_page(session, where, sort=sort, after=after, today=today, locale=locale, size=size, scope=scope)


# Search candidates are read from the full-text index this many at a time at first, then more.
SEARCH_BATCH = 100
SEARCH_BATCH_MAX = 5000
# PostgreSQL: up to this many matches are collected from the GIN index and read like SQLite's; more
# mean the words are common, and the ordered statement meets matches at once.
SEARCH_GIN_CAP = 5000
SEARCH_RECENT = 2000  # PostgreSQL: how many of the newest submission ids are tested first, without the index


def search_page(session: Session, user: User, words: str, *, after: Cursor | None, today: dt.date,
                locale: str = "vi", size: int = PAGE_SIZE, visible: ColumnElement[bool] | None = None) -> Page:
    """Visible cases whose submission text contains every word of ``words``: newest submission
    first (highest id), then its cases by id, both descending; ``after`` is a ``MATCH_SORT`` key.
    ``visible``: the user's :func:`visible_cases_clause` when the caller has it already."""
    from portal.backoffice.search import contains_every_word, matching_submissions, newest_matches
    from portal.cases.models import Submission

    visible = visible_cases_clause(session, user) if visible is None else visible
    keyset: list[Any] = []
    if after is not None:
        keyset = [Case.submission_id <= after.submission_id,
                  or_(Case.submission_id < after.submission_id, Case.id < after.id)]

    def page(ids: list[int]) -> Page:
        return _page_of(session, ids, sort=MATCH_SORT, today=today, locale=locale, size=size)

    if session.get_bind().dialect.name == "sqlite":
        # The FTS index yields the matches newest first without sorting: read them a batch at a time.
        matches = newest_matches(session, words, None if after is None else after.submission_id + 1)
        if matches is None:
            return Page()
        result = session.execute(matches).scalars()
        try:
            return page(_visible_cases_of(session, result.fetchmany, visible, keyset, size))
        finally:
            result.close()
    condition = matching_submissions(session, words)
    if condition is None:
        return Page()
    # PostgreSQL cannot read a GIN index in id order. The newest submissions are read first without
    # it (common words are met there at once): those containing every word somewhere (cheap), and
    # the text's vector is computed only for the visible cases of the batch being read. A page not
    # filled there goes on below them, where a few matches are collected from the index whole and
    # many are met by the planner's ordered walk.
    top = after.submission_id + 1 if after is not None else (session.scalar(select(func.max(Submission.id))) or 0) + 1
    low = max(top - SEARCH_RECENT, 0)
    recent = session.scalars(select(Submission.id).where(Submission.id >= low, Submission.id < top,
                                                         *contains_every_word(words))
                             .order_by(Submission.id.desc()))
    found = _visible_cases_of(session, recent.fetchmany, visible, keyset, size, confirm=condition)
    if len(found) > size or low == 0:
        return page(found)
    keyset = [*keyset, Case.submission_id < low]
    few = list(session.scalars(select(Submission.id).where(condition, Submission.id < low)
                               .limit(SEARCH_GIN_CAP + 1)))
    if len(few) <= SEARCH_GIN_CAP:
        newest = iter(sorted(few, reverse=True))
        rest = _visible_cases_of(session, lambda n: list(itertools.islice(newest, n)), visible, keyset,
                                 size - len(found))
    else:
        rest = list(session.scalars(
            select(Case.id).where(visible, Case.submission_id.in_(select(Submission.id).where(condition)), *keyset)
            .order_by(Case.submission_id.desc(), Case.id.desc()).limit(size + 1 - len(found))))
    return page(found + rest)


def _visible_cases_of(session: Session, fetch: Callable[[int], Sequence[int]], visible: ColumnElement[bool],
                      keyset: list[Any], size: int, confirm: Any = None) -> list[int]:
    """Ids of the first ``size + 1`` visible cases of the submissions that ``fetch(n)`` yields,
    newest first, ``n`` at a time (a few at first, then more): a page costs its own rows and
    those passed over, not every match. ``confirm``: a condition on the submission that the
    candidates must also meet (tested only for the visible cases of those read)."""
    from portal.cases.models import Submission

    found: list[tuple[int, int]] = []
    batch = SEARCH_BATCH
    while len(found) <= size:
        submissions = list(fetch(batch))
        if not submissions:
            break
        stmt = (select(Case.submission_id, Case.id).where(Case.submission_id.in_(submissions), visible, *keyset)
                .with_hint(Case, "INDEXED BY ix_cases_submission_id", "sqlite"))
        if confirm is not None:
            stmt = stmt.join(Submission, Submission.id == Case.submission_id).where(confirm)
        rows = session.execute(stmt).all()
        found += sorted((tuple(row) for row in rows), reverse=True)
        batch = min(batch * 4, SEARCH_BATCH_MAX)
    return [case_id for _submission, case_id in found[:size + 1]]
