"""Case services. Each takes the session, adds and flushes; the caller commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseEvent, CaseStatus, Submission
from portal.org.models import OrgUnit


class NoReceivingUnit(RuntimeError):
    """The organisation has no unit that can receive submissions."""


def receiving_unit_id(session: Session, submission: Submission) -> int:
    """The unit whose intake officers do xử lý đơn for a new submission.

    The unit the citizen named, else the root of the organisation (the city's reception).
    The organisation feature refines this with its competence and conflict rules.
    """
    if submission.unit_id is not None:
        return submission.unit_id
    root = session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None), OrgUnit.valid_to.is_(None))
                          .order_by(OrgUnit.id).limit(1))
    if root is None:
        raise NoReceivingUnit("no active root unit")
    return root


def register_submission(session: Session, submission: Submission) -> Case:
    """Open the case of a newly received submission (status ``received``) with its first event."""
    case = Case(reference=submission.tracking_code, submission_id=submission.id,
                unit_id=receiving_unit_id(session, submission), field_id=submission.field_id,
                status=CaseStatus.RECEIVED, is_group=submission.group_size >= 5)
    session.add(case)
    session.flush()
    session.add(CaseEvent(case_id=case.id, action="received", to_status=CaseStatus.RECEIVED.value, is_public=True))
    session.flush()
    return case
