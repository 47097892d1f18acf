"""Demo data: the deadline rules (the same function as ``flask deadlines seed-rules``) and clocks for
demo cases that have none yet, so that the board has figures."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseStatus, Deadline
from portal.deadlines.clock import local_date
from portal.deadlines.services import seed_rules, start_stage

RUNNING = {CaseStatus.ACCEPTED, CaseStatus.INVESTIGATING}


def seed(session: Session) -> list[str]:
    """Idempotent: rules missing by code and date are added; cases with deadlines are left alone."""
    added = seed_rules(session)
    started = 0
    # cases received before the rules existed (the intake demo runs first): their clocks from receipt
    without = session.scalars(select(Case).where(~Case.deadlines.any(Deadline.id.is_not(None)),
                                                 Case.closed_at.is_(None)).limit(500))
    for case in without:
        received = local_date(case.created_at)
        stage = "resolution" if case.status in RUNNING else "intake"
        if start_stage(session, case, stage, received) is not None:
            started += 1
    return [f"deadline rules added: {added}", f"demo cases with a running deadline: {started}"]
