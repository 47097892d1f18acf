"""Deadline test fixtures: the seeded rules and the real calendar."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from portal.deadlines.calendar import WorkingCalendar
from portal.deadlines.services import seed_rules


@pytest.fixture
def rules(db_session: Session) -> Session:
    """The default rules of LEGAL.md table A, seeded in this test's transaction."""
    seed_rules(db_session)
    return db_session


@pytest.fixture(scope="session")
def cal() -> WorkingCalendar:
    """The calendar without administrator overrides."""
    return WorkingCalendar()
