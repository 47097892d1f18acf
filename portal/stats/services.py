"""The figures the portal publishes: per unit and city-wide, over the twelve months to yesterday.

Counts only, never a case or a person, and never broken down by kind per unit (a ward that received
one denunciation this year is not something to publish). Computed once a day by the worker into a
snapshot (:class:`PublishedStatistics`), so the public page reads one row however many cases there
are and however many visitors come.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import case as sa_case
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseStatus, Submission, SubmissionKind
from portal.deadlines.board import Figures, add_met_figures, local_bounds, open_figures
from portal.deadlines.clock import local_today
from portal.org.models import OrgUnit
from portal.stats.models import PublishedStatistics

# Outcomes, in the order the page lists them (statuses that end a case's handling at a unit).
OUTCOMES = (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.TERMINATED, CaseStatus.NOT_ACCEPTED,
            CaseStatus.GUIDED, CaseStatus.FORWARDED, CaseStatus.MERGED, CaseStatus.ARCHIVED)


@dataclass
class UnitFigures:
    """One unit's published row (also the city total)."""

    received: int = 0  # cases opened at the unit during the period (forwarded to it included)
    closed: int = 0  # cases whose handling at the unit ended during the period
    open: int = 0  # as of publication
    overdue: int = 0  # open, past their nearest deadline, as of publication
    met: int = 0  # statutory deadlines met during the period
    met_on_time: int = 0
    handling_days: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.met_on_time / self.met if self.met else None

    @property
    def average_days(self) -> float | None:
        return self.handling_days / self.met if self.met else None

    def add(self, other: UnitFigures) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def any(self) -> bool:
        return any(asdict(self).values())


def period_for(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve months of whole days before ``as_of``: from the same day a year earlier (1 March
    for 29 February) to yesterday."""
    try:
        start = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        start = dt.date(as_of.year - 1, 3, 1)
    return start, as_of - dt.timedelta(days=1)


def _counts_by_unit(session: Session, column: Any, low: dt.datetime, high: dt.datetime) -> Counter[int]:
    rows = session.execute(select(Case.unit_id, func.count()).where(column >= low, column < high,
                                                                    Case.status != CaseStatus.SPLIT)
                           .group_by(Case.unit_id))
    return Counter(dict(rows.all()))


def compute(session: Session, as_of: dt.date) -> tuple[tuple[dt.date, dt.date], dict[str, Any]]:
    """The period and the figures to publish on ``as_of`` (open and overdue counted on that day).

    A case split into parts is counted as its parts.
    """
    period = period_for(as_of)
    low, high = local_bounds(*period)
    received = _counts_by_unit(session, Case.created_at, low, high)
    closed = _counts_by_unit(session, Case.closed_at, low, high)
    board = open_figures(session, true(), today=as_of, soon=as_of)
    add_met_figures(session, true(), period, board)
    per_unit: dict[int, UnitFigures] = {}
    for unit_id in set(received) | set(closed) | set(board):
        f: Figures = board.get(unit_id) or Figures()
        per_unit[unit_id] = UnitFigures(received[unit_id], closed[unit_id], f.open, f.overdue, f.met, f.met_on_time,
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
    outcomes = dict(session.execute(select(Case.status, func.count())
                                    .where(Case.closed_at >= low, Case.closed_at < high,
                                           Case.status.in_(OUTCOMES)).group_by(Case.status)).all())
    return period, {
        "units": unit_rows,
        "total": asdict(total),
        "kinds": [{"kind": kind.value, "received": kinds.get(kind, (0, 0))[0], "anonymous": kinds.get(kind, (0, 0))[1]}
                  for kind in SubmissionKind],
        "outcomes": [{"status": status.value, "count": outcomes.get(status, 0)} for status in OUTCOMES],
    }


def publish(session: Session, as_of: dt.date) -> PublishedStatistics:
    """Compute and store the snapshot for ``as_of``, replacing one already there (flushes)."""
    period, figures = compute(session, as_of)
    row = session.scalar(select(PublishedStatistics).where(PublishedStatistics.as_of == as_of))
    if row is None:
        row = PublishedStatistics(as_of=as_of)
        session.add(row)
    row.period_start, row.period_end, row.figures = period[0], period[1], figures
    session.flush()
    return row


def latest(session: Session) -> PublishedStatistics | None:
    """The newest snapshot, if any has been published."""
    return session.scalar(select(PublishedStatistics).order_by(PublishedStatistics.as_of.desc()).limit(1))


def publish_job(session: Session, today: dt.date | None = None) -> dict[str, Any]:
    """The worker's step: publish today's snapshot once (a tick after it has been published writes
    nothing). Commits."""
    today = today or local_today()
    newest = latest(session)
    if newest is not None and newest.as_of >= today:
        return {"published": False}
    row = publish(session, today)
    session.commit()
    return {"published": True, "as_of": row.as_of.isoformat(), "units": len(row.figures["units"])}
