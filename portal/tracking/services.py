"""Tracking services: find a submission by code and secret, the reporter's view of it, replies,
added evidence, withdrawal requests and email notices to signed-in reporters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.cases.models import (
    SIDE_STAGES,
    Attachment,
    Case,
    CaseEvent,
    CaseStatus,
    Message,
    MessageKind,
    Submission,
    SubmissionKind,
    SubmissionNote,
)
from portal.cases.text import clean_text
from portal.files.storage import Storage
from portal.intake.codes import normalize_code, secret_matches
from portal.intake.services import FileInput, attachment_rows, discard_files, store_files

WITHDRAWAL = "withdrawal"
EVIDENCE = "evidence"
MAX_REPLY = 5000


class TrackingError(RuntimeError):
    """A tracking action was refused."""


class AlreadyWithdrawn(TrackingError):
    """A withdrawal request was already recorded."""


class EmptyMessage(TrackingError):
    """Nothing to send."""


_submissions = Submission.__table__
# One column by the unique (indexed) tracking code, as a plain Core statement: no ORM objects.
_SECRET_HASH_OF_CODE = select(_submissions.c.secret_hash).where(_submissions.c.tracking_code == bindparam("code"))


def open_with_secret(session: Session, code: str | None, secret: str | None, *, secret_key: str) -> str | None:
    """The (normalized) tracking code when ``secret`` opens it; None otherwise, one answer for an
    unknown code and a wrong secret.

    The keyed hash of the secret is always computed and compared in constant time, against a
    dummy hash when the code is unknown, so both failures take the same work.
    """
    normalized = normalize_code(code)
    stored = None
    if normalized is not None:
        stored = session.connection().execute(_SECRET_HASH_OF_CODE, {"code": normalized}).scalar()
    ok = secret_matches(secret_key, secret, stored)
    return normalized if (ok and stored is not None) else None


def primary_case(submission: Submission) -> Case | None:
    cases = [c for c in submission.cases if c.status != CaseStatus.SPLIT] or list(submission.cases)
    return cases[0] if cases else None


DECIDED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
DOCUMENT_FETCHED = "document_fetched"  # staff-only event: the sender downloaded the signed document


@dataclass
class SharedDocument:
    """A signed decision or conclusion the head gave the sender, with the event that issued it."""

    case: Case
    resolution: CaseEvent | None


def shared_documents(session: Session, submission: Submission) -> list[SharedDocument]:
    """The signed documents of ``submission``'s cases (one per part of a split đơn) that the sender may
    download: resolved or closed, with a document, shared by the head."""
    cases = [c for c in submission.cases
             if c.status in DECIDED and c.resolution_document_key and c.resolution_document_shared]
    if not cases:
        return []
    resolutions = {e.case_id: e for e in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id.in_([c.id for c in cases]), CaseEvent.action == "resolve")
        .order_by(CaseEvent.id))}  # the latest resolution of each case
    return [SharedDocument(case=c, resolution=resolutions.get(c.id)) for c in sorted(cases, key=lambda c: c.id)]


def shared_document(session: Session, submission: Submission, case_id: int) -> Case | None:
    """The case ``case_id`` of ``submission`` if the sender may download its signed document."""
    return next((d.case for d in shared_documents(session, submission) if d.case.id == case_id), None)


def document_fetched(session: Session, case: Case) -> bool:
    """Whether the sender has downloaded the case's signed document already."""
    return session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.action == DOCUMENT_FETCHED).limit(1)) is not None


def record_document_fetch(session: Session, case: Case) -> bool:
    """Note, once, that the sender downloaded the signed document (the office's sign that it reached
    them). Returns whether this was the first time."""
    if document_fetched(session, case):
        return False
    session.add(CaseEvent(case_id=case.id, action=DOCUMENT_FETCHED))
    session.flush()
    return True


@dataclass
class ReporterView:
    """What the reporter may see about their đơn."""

    submission: Submission
    case: Case | None
    events: list[CaseEvent]
    messages: list[Message]
    attachments: list[Attachment]
    withdrawal: SubmissionNote | None
    documents: list[SharedDocument]

    @property
    def status(self) -> CaseStatus:
        return self.case.status if self.case is not None else CaseStatus.RECEIVED

    def _shown(self) -> tuple[dt.date | None, str | None]:
        """The due date the sender is told, and its stage: the case's (its earliest open deadline),
        leaving out the office's side duties (:data:`SIDE_STAGES`: telling the accused, sending and
        publishing the decision)."""
        if self.case is None or self.case.due_on is None:
            return None, None
        open_ = [d for d in self.case.deadlines if d.met_at is None]
        shown = [d for d in open_ if d.stage not in SIDE_STAGES]
        if len(shown) == len(open_):
            return self.case.due_on, next((d.stage for d in open_ if d.due_on == self.case.due_on), None)
        if not shown:
            return None, None
        earliest = min(shown, key=lambda d: d.due_on)
        return earliest.due_on, earliest.stage

    @property
    def due_on(self) -> dt.date | None:
        return self._shown()[0]

    @property
    def due_stage(self) -> str | None:
        """The stage whose deadline ``due_on`` is: "intake" while the đơn is being classified (xử lý
        đơn), "resolution" once accepted, ..."""
        return self._shown()[1]


def reporter_view(session: Session, submission: Submission) -> ReporterView:
    case_ids = [c.id for c in submission.cases]
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids),
                                                          CaseEvent.is_public.is_(True))
                                  .order_by(CaseEvent.at, CaseEvent.id))) if case_ids else []
    messages = list(session.scalars(
        select(Message).where(Message.submission_id == submission.id,
                              Message.kind.in_([MessageKind.TO_REPORTER, MessageKind.FROM_REPORTER]))
        .order_by(Message.at, Message.id)))
    withdrawal = next((n for n in submission.notes if n.kind == WITHDRAWAL), None)
    return ReporterView(submission=submission, case=primary_case(submission), events=events, messages=messages,
                        attachments=list(submission.attachments), withdrawal=withdrawal,
                        documents=shared_documents(session, submission))


def add_reply(session: Session, submission: Submission, body: str) -> Message:
    """A message from the reporter to the staff handling the case."""
    text = clean_text(body)[:MAX_REPLY]
    if not text:
        raise EmptyMessage("empty reply")
    case = primary_case(submission)
    message = Message(submission_id=submission.id, case_id=case.id if case else None, kind=MessageKind.FROM_REPORTER,
                      body=text)
    session.add(message)
    session.flush()
    return message


def add_evidence(session: Session, storage: Storage, submission: Submission, files: list[FileInput],
                 note: str = "") -> list[Attachment]:
    """Further evidence from the reporter: files plus a note naming them, stored atomically.

    The caller commits; if that fails it removes ``[a.storage_key, a.working_key]`` of the result.
    """
    if not files:
        raise EmptyMessage("no files")
    stored = store_files(storage, files)
    keys = [k for s in stored for k in s.keys]
    try:
        before = session.scalar(select(func.count()).where(Attachment.submission_id == submission.id)) or 0
        rows = attachment_rows(stored)
        for row in rows:
            row.submission_id = submission.id
            session.add(row)
        # Staff read this note: the files by number, as the case page lists them, never by the names
        # they were sent with (a name can identify the sender). Stored text, so in the office's language.
        names = ", ".join(f"Tệp {before + i}" for i in range(1, len(stored) + 1))
        text = clean_text(note)
        session.add(SubmissionNote(submission_id=submission.id, by_reporter=True, kind=EVIDENCE,
                                   text=(text + "\n\n" if text else "") + names))
        session.flush()
    except BaseException:
        discard_files(storage, keys)
        raise
    session.refresh(submission)
    return rows


def withdrawal_effect(kind: SubmissionKind) -> str:
    """What a withdrawal means for this kind, in plain words (LEGAL.md §1.5)."""
    if kind == SubmissionKind.COMPLAINT:
        return str(_l("Khi rút khiếu nại, cơ quan sẽ đình chỉ việc giải quyết. Nội dung đã rút không được xem xét "
                      "lại, trừ khi bạn bị ép buộc hoặc đe dọa phải rút."))
    if kind == SubmissionKind.DENUNCIATION:
        return str(_l("Bạn có thể rút tố cáo trước khi có kết luận. Nếu hành vi bị tố cáo có dấu hiệu vi phạm pháp "
                      "luật, hoặc việc rút đơn do bị đe dọa, mua chuộc, cơ quan vẫn tiếp tục giải quyết. Khi rút "
                      "tố cáo, bạn không còn quyền và nghĩa vụ của người tố cáo."))
    return str(_l("Khi rút đơn, cơ quan sẽ dừng xử lý đơn này."))


def request_withdrawal(session: Session, submission: Submission, reason: str) -> SubmissionNote:
    """Record the reporter's withdrawal request for staff (a note and a message); staff act on it."""
    if any(n.kind == WITHDRAWAL for n in submission.notes):
        raise AlreadyWithdrawn("already requested")
    text = clean_text(reason)[:MAX_REPLY]
    with force_locale("vi"):  # stored text, read by the office: in its language, whatever the reporter's
        no_reason, asked = str(_l("(không nêu lý do)")), str(_l("Tôi đề nghị rút đơn."))
    note = SubmissionNote(submission_id=submission.id, by_reporter=True, kind=WITHDRAWAL, text=text or no_reason)
    session.add(note)
    case = primary_case(submission)
    body = asked + ("\n\n" + text if text else "")
    session.add(Message(submission_id=submission.id, case_id=case.id if case else None,
                        kind=MessageKind.FROM_REPORTER, body=body))
    if case is not None:
        session.add(CaseEvent(case_id=case.id, action="withdrawal_requested", is_public=True,
                              data={"note": "reporter asked to withdraw"}))
    session.flush()
    session.refresh(submission)
    return note


def set_email_notices(session: Session, submission: Submission, enabled: bool) -> None:
    """Opt in or out of change notices (signed-in reporters only)."""
    submission.notify_by_email = bool(enabled and submission.user_id)
    session.flush()


def submissions_of(session: Session, user_id: int) -> list[Submission]:
    return list(session.scalars(select(Submission).where(Submission.user_id == user_id)
                                .order_by(Submission.received_at.desc(), Submission.id.desc())))


def notify_reporter(session: Session, submission: Submission, *, dedupe_key: str) -> bool:
    """Queue a content-free "something changed" email to a signed-in reporter who opted in.

    Called by the back office on reporter-visible events. Anonymous submitters are never emailed.
    Returns whether an email was queued.
    """
    from flask import current_app

    from portal.notifications.services import queue_email

    if submission.is_anonymous or not submission.notify_by_email or submission.user_id is None:
        return False
    user = session.get(User, submission.user_id)
    if user is None or not user.is_active or user.deleted_at is not None or not user.email:
        return False
    base = current_app.config["SETTINGS"].base_url.rstrip("/")
    link = f"{base}/account/submissions"
    queued = queue_email(session, user.email, "case_updated", locale=submission.language or user.locale,
                         dedupe_key=dedupe_key, reference=submission.tracking_code, link=link)
    return queued is not None
