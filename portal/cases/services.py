"""Case services. Each takes the session, adds and flushes; the caller commits."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.audit.services import record
from portal.cases.lifecycle import TransitionError, TransitionInput, apply_transition  # noqa: F401 (re-exported)
from portal.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Message,
    MessageKind,
    ReporterIdentity,
    Submission,
)
from portal.cases.text import clean_text
from portal.org.models import OrgUnit


class NoReceivingUnit(RuntimeError):
    """The organisation has no unit that can receive submissions."""


def receiving_unit_id(session: Session, submission: Submission) -> int:
    """The unit whose intake officers do xử lý đơn for a new submission.

    The unit the organisation's competence rules propose (``portal.org.routing``: first complaint to
    the issuing unit, second to its superior, denunciation to the accused's managing unit or, for an
    accused head or deputy, its superior, petitions by field and area), only among units active
    today, and never the unit whose head or deputy is denounced; else the root of the organisation
    (the city's reception).
    """
    from portal.org.services import propose_for_submission

    proposal = propose_for_submission(session, submission)
    if proposal is not None:
        return proposal.unit_id
    root = session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None), OrgUnit.valid_to.is_(None))
                          .order_by(OrgUnit.id).limit(1))
    if root is None:
        raise NoReceivingUnit("no active root unit")
    return root


def register_submission(session: Session, submission: Submission, unit_id: int | None = None) -> Case:
    """Open the case of a newly received submission (status ``received``) with its first event.

    The submission may still be pending: it, its case and the event are written by one flush.
    ``unit_id`` is the receiving unit when the caller has already asked :func:`receiving_unit_id`.
    """
    if unit_id is None:
        with session.no_autoflush:  # the routing queries must not write the submission half-way
            unit_id = receiving_unit_id(session, submission)
    case = Case(reference=submission.tracking_code, submission=submission, unit_id=unit_id,
                field_id=submission.field_id, status=CaseStatus.RECEIVED, is_group=submission.group_size >= 5)
    case.events.append(CaseEvent(action="received", to_status=CaseStatus.RECEIVED.value, is_public=True))
    session.add(case)
    # The xử lý đơn clock runs from receipt, whether or not anyone has taken the đơn yet: a đơn
    # left untouched is reminded and escalated like any other (classification restarts it under
    # the decided kind's rule, from the same day). Computed before anything is written, so the case
    # is inserted with its due date and the deadline in the same flush.
    from portal.db import now_utc
    from portal.deadlines.clock import local_date
    from portal.deadlines.services import start_stage

    if submission.received_at is None:
        submission.received_at = now_utc()
    with session.no_autoflush:
        start_stage(session, case, "intake", local_date(submission.received_at))
    session.flush()
    return case


class CaseError(ValueError):
    """A refused case operation other than a transition (message for the user)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


# --- identity protection (DESIGN.md §5, LEGAL.md §4) ---------------------------------------------

def pseudonym(submission: Submission) -> str:
    """A stable pseudonym for the sender, shown instead of the identity: "Người gửi #1a2b3c"."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"reporter-pseudonym", hashlib.sha256).digest()
    digest = hmac.new(key, str(submission.id).encode(), hashlib.sha256).hexdigest()[:6]
    return str(_l("Người gửi #{code}")).format(code=digest)


def reveal_identity(session: Session, user: User, case: Case, reason: str) -> ReporterIdentity | None:
    """The reporter identity of ``case``, for this request only, after an audit entry with the reason.

    The caller must have checked ``Action.IDENTITY_REVEAL``; the result must not be stored or cached.
    """
    reason = clean_text(reason)
    if len(reason) < 5:
        raise CaseError(_l("Hãy nhập lý do xem thông tin người gửi (ít nhất 5 ký tự)."))
    identity = case.submission.identity
    record(session, "identity.reveal", actor_id=user.id, object_type=_REVEALED_TYPE, object_id=case.submission_id,
           case_id=case.id, reason=reason)
    return identity


_REVEALED_TYPE = "submission"


def has_revealed(session: Session, user: User, case: Case) -> bool:
    """Whether ``user`` has looked at the sender of ``case``'s đơn through :func:`reveal_identity`."""
    from portal.audit.models import AuditEntry

    return session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "identity.reveal", AuditEntry.actor_id == user.id,
        AuditEntry.object_type == _REVEALED_TYPE, AuditEntry.object_id == str(case.submission_id)).limit(1)) is not None


def audit_original_download(session: Session, user: User, case: Case, attachment: Attachment, reason: str) -> None:
    """Record the download of a sealed original (reason required) before it is served."""
    reason = clean_text(reason)
    if len(reason) < 5:
        raise CaseError(_l("Hãy nhập lý do tải bản gốc (ít nhất 5 ký tự)."))
    record(session, "attachment.original_download", actor_id=user.id, object_type="attachment",
           object_id=attachment.id, case_id=case.id, reason=reason, sha256=attachment.sha256)


# --- messages ------------------------------------------------------------------------------------

MESSAGE_MAX = 5000


def post_message(session: Session, user: User, case: Case, body: str, *, to_reporter: bool) -> Message:
    """A message to the reporter (shown on the tracking page, emailed when they asked) or an internal note."""
    body = clean_text(body)
    if not body:
        raise CaseError(_l("Hãy nhập nội dung tin nhắn."))
    if len(body) > MESSAGE_MAX:
        raise CaseError(_l("Tin nhắn quá dài (tối đa 5000 ký tự)."))
    if to_reporter and case.kind == CaseKind.DENUNCIATION_INFO:
        raise CaseError(_l("Thông tin tố cáo nặc danh không có thông báo cho người gửi."))
    message = Message(submission_id=case.submission_id, case_id=case.id, author_id=user.id, body=body,
                      kind=MessageKind.TO_REPORTER if to_reporter else MessageKind.INTERNAL)
    session.add(message)
    session.flush()
    if to_reporter:
        try:
            from portal.tracking.services import notify_reporter
        except ImportError:
            pass
        else:
            notify_reporter(session, case.submission, dedupe_key=f"message-{message.id}")
    return message


# --- related cases -------------------------------------------------------------------------------

def related_cases(session: Session, case: Case, user: User) -> dict[str, list[Case]]:
    """Cases linked to ``case``: split parts, merged into/from, forwarded from/to, previous/next; only
    those ``user`` may open (``can_view_case``), so nothing is said about the others."""
    from portal.cases.access import can_view_case

    def many(*where: Any) -> list[Case]:
        return [c for c in session.scalars(select(Case).where(*where).order_by(Case.id))
                if can_view_case(session, user, c)]

    def one(case_id: int | None) -> list[Case]:
        found = session.get(Case, case_id) if case_id else None
        return [found] if found and can_view_case(session, user, found) else []

    return {
        "parent": one(case.parent_id),
        "parts": many(Case.parent_id == case.id),
        "merged_into": one(case.merged_into_id),
        "merged_from": many(Case.merged_into_id == case.id),
        "forwarded_from": one(case.forwarded_from_id),
        "forwarded_to": many(Case.forwarded_from_id == case.id),
        "previous": one(case.previous_case_id),
        "next": many(Case.previous_case_id == case.id),
    }
