"""Demo: publish the figures of the demo cases, so the public statistics page has something to show."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.deadlines.clock import local_today
from portal.stats.services import publish


def seed(session: Session) -> list[str]:
    today = local_today()
    row = publish(session, today, today)
    return [f"statistics published as of {row.as_of.isoformat()}"]
