"""The accountability board: per unit and per head, open cases, due soon, overdue, on-time rate and
average handling time over a period. Scoped to the viewer (heads: their subtree; inspectors: their
scope) and never showing a case to someone in conflict with it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy import case as sa_case
from sqlalchemy.orm import Session

from portal.accounts.models import Role, RoleAssignment, User
from portal.accounts.permissions import units_where
from portal.cases.access import visible_cases_clause
from portal.cases.models import DECIDED_STATUSES, SIDE_STAGES, Case, CaseStatus, Deadline
from portal.deadlines import policy
from portal.deadlines.calendar import WorkingCalendar
from portal.deadlines.clock import LOCAL_TZ, local_date
from portal.org.models import OrgUnit

BOARD_ROLES = frozenset({Role.HEAD, Role.INSPECTOR})
CLOSED_STATUSES = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.TERMINATED, CaseStatus.NOT_ACCEPTED,
                             CaseStatus.GUIDED, CaseStatus.FORWARDED, CaseStatus.MERGED, CaseStatus.ARCHIVED,
                             CaseStatus.SPLIT})
FILTERS = ("open", "due_soon", "overdue")


class MetRates:
    """The rates of the deadlines met during a period (on ``met``, ``met_on_time``, ``handling_days``)."""

    met: int
    met_on_time: int
    handling_days: int

    @property
    def on_time_rate(self) -> float | None:
        return self.met_on_time / self.met if self.met else None

    @property
    def average_days(self) -> float | None:
        return self.handling_days / self.met if self.met else None

    def rate_cells(self) -> list[str]:
        """The on-time rate and the average days as CSV cells (empty when nothing was met)."""
        return ["" if self.on_time_rate is None else f"{self.on_time_rate:.4f}",
                "" if self.average_days is None else f"{self.average_days:.2f}"]


@dataclass
class Figures(MetRates):
    """One row of the board."""

    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    met: int = 0  # deadlines met during the period
    met_on_time: int = 0
    handling_days: int = 0  # sum over the deadlines met during the period

    def add(self, other: Figures) -> None:
        for name in ("open", "due_soon", "overdue", "met", "met_on_time", "handling_days"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class UnitRow:
    unit_id: int
    code: str
    name: str
    name_en: str = ""
    figures: Figures = field(default_factory=Figures)


@dataclass
class HeadRow:
    user_id: int
    name: str
    units: list[UnitRow] = field(default_factory=list)
    figures: Figures = field(default_factory=Figures)


@dataclass
class Board:
    units: list[UnitRow]
    heads: list[HeadRow]
    total: Figures


def scope_units(session: Session, user: User) -> set[int]:
    """Units whose figures ``user`` may see: subtrees where they are head or inspector."""
    return units_where(user, BOARD_ROLES, session)


def open_clause() -> ColumnElement[bool]:
    """Cases the board counts as open: still being handled, or decided with a duty of the office
    still on its clock (a late sending is overdue like any late duty)."""
    return and_(Case.closed_at.is_(None), Case.status.not_in(list(CLOSED_STATUSES))
                | (Case.status.in_(DECIDED_STATUSES) & Case.due_on.is_not(None)))


def scoped_cases(session: Session, user: User) -> ColumnElement[bool]:
    """Cases in the viewer's board scope that they may see (no conflict of interest)."""
    return and_(Case.unit_id.in_(scope_units(session, user)), visible_cases_clause(session, user))


def soon_until(today: dt.date, working_days: int, calendar: WorkingCalendar) -> dt.date:
    return policy.add_working_days(today, working_days, calendar)


def local_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants of local midnight at ``start`` and the midnight after ``end``."""
    low = dt.datetime.combine(start, dt.time(), LOCAL_TZ).astimezone(dt.UTC)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), LOCAL_TZ).astimezone(dt.UTC)
    return low, high


def compute(session: Session, user: User, *, today: dt.date, period: tuple[dt.date, dt.date],
            soon: dt.date) -> Board:
    """The board for ``user``: open/due soon/overdue as of ``today``; on-time rate and average
    handling time (days from the start of the clock to the day it was met) over ``period``."""
    units = scope_units(session, user)
    if not units:
        return Board([], [], Figures())
    visible = scoped_cases(session, user)
    per_unit = open_figures(session, visible, today=today, soon=soon)
    add_met_figures(session, visible, period, per_unit)
    info = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(units)))}
    unit_rows = sorted((UnitRow(uid, info[uid].code, info[uid].name, info[uid].name_en, per_unit.get(uid, Figures()))
                        for uid in units if uid in info), key=lambda r: r.code)
    total = Figures()
    for row in unit_rows:
        total.add(row.figures)
    return Board(unit_rows, _head_rows(session, unit_rows), total)


def open_figures(session: Session, clause: ColumnElement[bool], *, today: dt.date,
                 soon: dt.date) -> defaultdict[int, Figures]:
    """Per unit, the open cases matching ``clause``: how many, due by ``soon``, overdue on ``today``."""
    per_unit: defaultdict[int, Figures] = defaultdict(Figures)
    counts = select(
        Case.unit_id, func.count(),
        func.sum(sa_case((and_(Case.due_on >= today, Case.due_on <= soon), 1), else_=0)),
        func.sum(sa_case((Case.due_on < today, 1), else_=0)),
    ).where(clause, open_clause()).group_by(Case.unit_id)
    for unit_id, n_open, n_soon, n_overdue in session.execute(counts):
        figures = per_unit[unit_id]
        figures.open, figures.due_soon, figures.overdue = n_open, int(n_soon or 0), int(n_overdue or 0)
    return per_unit


def add_met_figures(session: Session, clause: ColumnElement[bool], period: tuple[dt.date, dt.date],
                    per_unit: defaultdict[int, Figures]) -> None:
    """Add to ``per_unit`` the deadlines of cases matching ``clause`` met during ``period`` (local
    days): how many, how many on or before their due day, and the days each took (streamed)."""
    low, high = local_bounds(*period)
    met_rows = session.execute(
        select(Case.unit_id, Deadline.starts_on, Deadline.due_on, Deadline.met_at)
        .join(Case, Case.id == Deadline.case_id)
        # met figures: the clocks of the case's handling (telling the accused, a few days, would lower
        # the average); open and overdue counts follow Case.due_on, where every running clock counts
        .where(clause, Deadline.met_at >= low, Deadline.met_at < high, Deadline.stage.not_in(list(SIDE_STAGES)))
        .execution_options(yield_per=2000))
    for unit_id, starts_on, due_on, met_at in met_rows:
        met_day = local_date(met_at)
        figures = per_unit[unit_id]
        figures.met += 1
        figures.met_on_time += met_day <= due_on
        figures.handling_days += max((met_day - starts_on).days, 0)


def _head_rows(session: Session, unit_rows: list[UnitRow]) -> list[HeadRow]:
    """Each head's row: the figures of the units they head directly."""
    by_unit = {r.unit_id: r for r in unit_rows}
    heads: dict[int, HeadRow] = {}
    for unit_id, user_id, name in session.execute(
            select(RoleAssignment.unit_id, User.id, User.full_name).join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.role == Role.HEAD, RoleAssignment.unit_id.in_(list(by_unit)))
            .order_by(User.full_name, User.id)):
        row = heads.setdefault(user_id, HeadRow(user_id, name))
        row.units.append(by_unit[unit_id])
        row.figures.add(by_unit[unit_id].figures)
    return list(heads.values())


def drill_down(session: Session, user: User, unit_id: int, which: str, *, today: dt.date, soon: dt.date,
               limit: int = 200) -> list[Case]:
    """The cases behind one figure of one unit (open, due soon or overdue), earliest due first."""
    clause = and_(scoped_cases(session, user), Case.unit_id == unit_id, open_clause())
    if which == "due_soon":
        clause = and_(clause, Case.due_on >= today, Case.due_on <= soon)
    elif which == "overdue":
        clause = and_(clause, Case.due_on < today)
    return list(session.scalars(select(Case).where(clause)
                                .order_by(Case.due_on.is_(None), Case.due_on, Case.id).limit(limit)))

