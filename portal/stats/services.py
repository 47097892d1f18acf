"""The figures the portal publishes: per unit and city-wide, over the twelve calendar months before
the month of publication.

Counts only, never a case or a person, and never broken down by kind per unit (a ward that received
one denunciation this year is not something to publish). Published once a month, on whole months:
two snapshots a day apart would tell, by their difference, which unit received what kind of đơn that
day. Computed by the worker into a snapshot (:class:`PublishedStatistics`), so the public page reads
one row however many cases there are and however many visitors come.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import case as sa_case
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseEvent, CaseStatus, Submission, SubmissionKind
from portal.deadlines.board import Figures, MetRates, add_met_figures, local_bounds, open_figures
from portal.deadlines.clock import local_today
from portal.org.models import OrgUnit
from portal.stats.models import PublishedStatistics

# Outcomes, in the order the page lists them: the statuses that end a case's handling at its unit
# (closing a resolved or terminated case is filing, not another outcome; a split case lives on in
# its parts). Counted from the case events that reached them during the period.
OUTCOMES = (CaseStatus.RESOLVED, CaseStatus.TERMINATED, CaseStatus.NOT_ACCEPTED, CaseStatus.GUIDED,
            CaseStatus.FORWARDED, CaseStatus.MERGED, CaseStatus.ARCHIVED)


@dataclass
class UnitFigures(MetRates):
    """One unit's published row (also the city total)."""

    received: int = 0  # cases opened at the unit during the period (forwarded to it included)
    closed: int = 0  # cases whose handling at the unit ended during the period (an outcome reached)
    open: int = 0  # as of publication
    overdue: int = 0  # open, past their nearest deadline, as of publication
    met: int = 0  # statutory deadlines met during the period
    met_on_time: int = 0
    handling_days: int = 0

    def add(self, other: UnitFigures) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def any(self) -> bool:
        return any(asdict(self).values())


def month_of(day: dt.date) -> dt.date:
    """The first day of ``day``'s month: the publication day of its snapshot."""
    return day.replace(day=1)


def period_for(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve whole calendar months before the month of ``as_of``."""
    first = month_of(as_of)
    return first.replace(year=first.year - 1), first - dt.timedelta(days=1)


def _counts_by_unit(session: Session, low: dt.datetime, high: dt.datetime) -> Counter[int]:
    """Cases opened at each unit in [low, high) (a case split is counted as its parts)."""
    rows = session.execute(select(Case.unit_id, func.count()).where(
        Case.created_at >= low, Case.created_at < high, Case.status != CaseStatus.SPLIT).group_by(Case.unit_id))
    return Counter(dict(rows.all()))


def _ended(session: Session, low: dt.datetime, high: dt.datetime) -> tuple[Counter[int], dict[str, int]]:
    """Per unit, the cases whose handling there ended in [low, high); city-wide, how (by outcome)."""
    # an event that left the status as it was (the decision's sending, a reopening) ends nothing
    reached = (CaseEvent.to_status.in_([o.value for o in OUTCOMES]), CaseEvent.at >= low, CaseEvent.at < high,
               CaseEvent.from_status.is_distinct_from(CaseEvent.to_status))
    per_unit = session.execute(select(Case.unit_id, func.count(func.distinct(CaseEvent.case_id)))
                               .join(Case, Case.id == CaseEvent.case_id).where(*reached).group_by(Case.unit_id))
    outcomes = session.execute(select(CaseEvent.to_status, func.count(func.distinct(CaseEvent.case_id)))
                               .where(*reached).group_by(CaseEvent.to_status))
    return Counter(dict(per_unit.all())), dict(outcomes.all())


def compute(session: Session, as_of: dt.date, today: dt.date | None = None
            ) -> tuple[tuple[dt.date, dt.date], dict[str, Any]]:
    """The period and the figures to publish for the month of ``as_of``; open and overdue cases are
    counted on ``today`` (the day it is published, default the first of that month)."""
    period = period_for(as_of)
    low, high = local_bounds(*period)
    received = _counts_by_unit(session, low, high)
    ended, outcomes = _ended(session, low, high)
    on = today or month_of(as_of)
    board = open_figures(session, true(), today=on, soon=on)
    add_met_figures(session, true(), period, board)
    per_unit: dict[int, UnitFigures] = {}
    for unit_id in set(received) | set(ended) | set(board):
        f: Figures = board.get(unit_id) or Figures()
        per_unit[unit_id] = UnitFigures(received[unit_id], ended[unit_id], f.open, f.overdue, f.met, f.met_on_time,
                                        f.handling_days)
    units = session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.name_en)
                            .where(OrgUnit.id.in_(list(per_unit))).order_by(OrgUnit.code)).all()
    total = UnitFigures()
    unit_rows = []
    for unit_id, code, name, name_en in units:
        figures = per_unit[unit_id]
        if figures.any():
            total.add(figures)
            unit_rows.append({"code": code, "name": name, "name_en": name_en or "", **asdict(figures)})
    kinds = {kind: (n, int(anonymous or 0)) for kind, n, anonymous in session.execute(
        select(Submission.kind, func.count(), func.sum(sa_case((Submission.is_anonymous, 1), else_=0)))
        .where(Submission.received_at >= low, Submission.received_at < high).group_by(Submission.kind))}
    return period, {
        "units": unit_rows,
        "total": asdict(total),
        "kinds": [{"kind": kind.value, "received": kinds.get(kind, (0, 0))[0], "anonymous": kinds.get(kind, (0, 0))[1]}
                  for kind in SubmissionKind],
        "outcomes": [{"status": status.value, "count": outcomes.get(status.value, 0)} for status in OUTCOMES],
    }


def publish(session: Session, as_of: dt.date, today: dt.date | None = None) -> PublishedStatistics:
    """Compute and store the snapshot of the month of ``as_of``, replacing one already there (flushes)."""
    month = month_of(as_of)
    period, figures = compute(session, month, today)
    row = session.scalar(select(PublishedStatistics).where(PublishedStatistics.as_of == month))
    if row is None:
        row = PublishedStatistics(as_of=month)
        session.add(row)
    row.period_start, row.period_end, row.figures = period[0], period[1], figures
    session.flush()
    return row


def latest(session: Session) -> PublishedStatistics | None:
    """The newest snapshot, if any has been published."""
    return session.scalar(select(PublishedStatistics).order_by(PublishedStatistics.as_of.desc()).limit(1))


def publish_job(session: Session, today: dt.date | None = None) -> dict[str, Any]:
    """The worker's step: publish this month's snapshot once (later ticks write nothing). Flushes;
    the job commits."""
    today = today or local_today()
    newest = latest(session)
    if newest is not None and newest.as_of >= month_of(today):
        return {"published": False}
    row = publish(session, today, today)
    return {"published": True, "as_of": row.as_of.isoformat(), "units": len(row.figures["units"])}
