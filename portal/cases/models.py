"""Submissions, reporter identities, attachments, cases, case events, messages, deadlines.

A submission is exactly what the citizen sent and is never edited; corrections are
:class:`SubmissionNote` rows. Staff work on :class:`Case` rows created from it at classification.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Enum, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, bigintpk, created_at, intpk, str64, str255


def _enum(cls: type[enum.Enum], length: int = 32) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class SubmissionKind(enum.StrEnum):
    """The kind the citizen chose (staff decide the real one by content)."""

    COMPLAINT = "complaint"  # khiếu nại
    DENUNCIATION = "denunciation"  # tố cáo
    PETITION = "petition"  # kiến nghị
    FEEDBACK = "feedback"  # phản ánh


class Channel(enum.StrEnum):
    WEB = "web"
    RECEPTION = "reception"  # tiếp công dân
    MAIL = "mail"
    HOTLINE = "hotline"
    FORWARDED = "forwarded"  # forwarded by another body


class Submission(Base):
    """A đơn as received. Immutable once stored."""

    __tablename__ = "submissions"

    id: Mapped[intpk]
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    secret_hash: Mapped[str64]  # HMAC-SHA256 of the tracking secret; the secret itself is never stored
    kind: Mapped[SubmissionKind] = mapped_column(_enum(SubmissionKind), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel), default=Channel.WEB)
    received_at: Mapped[created_at]
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="vi")
    notify_by_email: Mapped[bool] = mapped_column(default=False)
    # Idempotency: one form rendering can create at most one submission.
    form_nonce: Mapped[str | None] = mapped_column(String(64), unique=True)

    # What and where
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)  # unit concerned
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id"), index=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str255] = mapped_column(default="")
    content: Mapped[str] = mapped_column(Text)
    request_text: Mapped[str] = mapped_column(Text, default="")  # what the citizen asks for
    sent_elsewhere: Mapped[bool] = mapped_column(default=False)
    sent_elsewhere_detail: Mapped[str] = mapped_column(Text, default="")
    # Complaint: the decision or act complained about
    decision_number: Mapped[str | None] = mapped_column(String(100), index=True)
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    decision_issuer: Mapped[str | None] = mapped_column(String(255))
    learned_on: Mapped[dt.date | None] = mapped_column(Date)
    is_second_complaint: Mapped[bool] = mapped_column(default=False)
    # Denunciation: who is accused
    accused_name: Mapped[str | None] = mapped_column(String(255), index=True)
    accused_position: Mapped[str | None] = mapped_column(String(255))
    accused_unit_text: Mapped[str | None] = mapped_column(String(255))
    accused_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    # Group submission (5 or more people); its representatives are part of the identity (ReporterIdentity)
    group_size: Mapped[int] = mapped_column(default=1)
    # Complaint filed after the 90-day limit: the citizen's reason for the delay (LEGAL.md KN-01).
    late_reason: Mapped[str] = mapped_column(Text, default="")
    # Accent-folded lower-case copy of title+content for diacritic-insensitive search.
    search_text: Mapped[str] = mapped_column(Text, default="")

    identity: Mapped[ReporterIdentity | None] = relationship(back_populates="submission", uselist=False,
                                                             cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="submission", cascade="all, delete-orphan",
                                                         order_by="Attachment.id")
    notes: Mapped[list[SubmissionNote]] = relationship(back_populates="submission", cascade="all, delete-orphan",
                                                       order_by="SubmissionNote.id")
    cases: Mapped[list[Case]] = relationship(back_populates="submission", order_by="Case.id",
                                             foreign_keys="Case.submission_id")


class ReporterIdentity(Base):
    """Who sent a named submission. Kept apart from the content; shown masked unless revealed."""

    __tablename__ = "reporter_identities"

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), unique=True)
    full_name: Mapped[str255]
    address: Mapped[str] = mapped_column(Text, default="")
    id_number: Mapped[str | None] = mapped_column(String(32), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(255))
    waived_confidentiality: Mapped[bool] = mapped_column(default=False)
    protection_requested: Mapped[bool] = mapped_column(default=False)
    # A group đơn's representatives (names), whom the others appointed: senders too, protected alike.
    representatives: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default=text("'[]'"))

    submission: Mapped[Submission] = relationship(back_populates="identity")


class Attachment(Base):
    """An evidence file: the sealed original plus, for images and PDFs, a metadata-stripped copy."""

    __tablename__ = "attachments"

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    uploaded_at: Mapped[created_at]
    uploaded_by_reporter: Mapped[bool] = mapped_column(default=True)
    original_name: Mapped[str255]
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    sha256: Mapped[str64]
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)  # sealed original
    working_key: Mapped[str | None] = mapped_column(String(100), unique=True)  # stripped copy
    working_sha256: Mapped[str | None] = mapped_column(String(64))
    # For staff who may not know a denouncer (portal/cases/evidence.py): a copy with the identity
    # blacked out, uploaded by one who may, or their word that the working copy names nobody.
    redacted_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    redacted_mime: Mapped[str | None] = mapped_column(String(100))
    redacted_sha256: Mapped[str | None] = mapped_column(String(64))
    cleared: Mapped[bool] = mapped_column(default=False, server_default=false())

    submission: Mapped[Submission] = relationship(back_populates="attachments")


class SubmissionNote(Base):
    """An addition or correction to a submission, by the reporter or entered by staff."""

    __tablename__ = "submission_notes"

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    at: Mapped[created_at]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    by_reporter: Mapped[bool] = mapped_column(default=True)
    kind: Mapped[str] = mapped_column(String(16), default="note")  # note | evidence | withdrawal
    text: Mapped[str] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="notes")


class CaseKind(enum.StrEnum):
    """The kind staff decide by content."""

    COMPLAINT = "KN"  # khiếu nại
    DENUNCIATION = "TC"  # tố cáo
    PETITION = "KNPA"  # kiến nghị, phản ánh
    DENUNCIATION_INFO = "TTTC"  # thông tin có nội dung tố cáo (anonymous / unidentifiable)


class CaseStatus(enum.StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"  # xử lý đơn
    PROPOSED = "proposed"  # acceptance proposed to the head
    ACCEPTED = "accepted"  # thụ lý
    INVESTIGATING = "investigating"
    SUSPENDED = "suspended"  # tạm đình chỉ
    RESOLVED = "resolved"
    CLOSED = "closed"
    TERMINATED = "terminated"  # đình chỉ
    NOT_ACCEPTED = "not_accepted"
    GUIDED = "guided"  # hướng dẫn
    FORWARDED = "forwarded"  # chuyển đơn
    MERGED = "merged"
    ARCHIVED = "archived"  # lưu đơn
    SPLIT = "split"  # divided into child cases
    INFORMATION = "information"  # anonymous denunciation information queue
    INSPECTION = "inspection"  # information that is specific and evidenced, under inspection


class Case(Base):
    """A vụ việc: what the agency handles."""

    __tablename__ = "cases"

    id: Mapped[intpk]
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)  # split from
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    previous_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))  # 2nd complaint / re-denunciation
    forwarded_from_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[CaseKind | None] = mapped_column(_enum(CaseKind, 8), index=True)
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), default=CaseStatus.RECEIVED, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)  # unit handling it
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    is_complex: Mapped[bool] = mapped_column(default=False)
    is_especially_complex: Mapped[bool] = mapped_column(default=False)
    is_remote: Mapped[bool] = mapped_column(default=False)
    is_group: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)  # nearest open deadline (denormalised)
    created_at: Mapped[created_at]
    updated_at: Mapped[created_at]
    closed_at: Mapped[dt.datetime | None]
    # Luật Tố cáo Art. 24(1): a named denouncer's identity is checked during xử lý đơn, before thụ lý,
    # by the head of the unit handling it (the "verify_identity" transition). Per case: a unit the
    # đơn is forwarded or taken to again checks for itself; the parts of a split đơn keep the check.
    identity_verified_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    # Queues and keyset pagination (portal.backoffice.queries): per unit in due-date or arrival order
    # (status carried in the index so that the queue's status test needs no table lookup), per unit
    # and status (counts), and across units by due date or arrival, carrying what the visibility
    # clause and the queue's status test read (a wide scope walks these without table lookups).
    __table_args__ = (
        Index("ix_cases_unit_due", "unit_id", "due_on", "id", "status"),
        Index("ix_cases_unit_created", "unit_id", "created_at", "id", "status"),
        Index("ix_cases_unit_status_due", "unit_id", "status", "due_on", "id"),
        # the walks of a city-wide queue (portal.backoffice.queries.WALK_INDEXES) test every column of
        # the scope and the kind filter in the index, reading the table for the rows shown only
        Index("ix_cases_due_scope", "due_on", "id", "status", "unit_id", "handler_id", "kind"),
        Index("ix_cases_created_scope", "created_at", "id", "status", "unit_id", "handler_id", "kind"),
        # PostgreSQL only: the staff home's capped counts (status first, what the visibility clause
        # reads carried along) stop after COUNT_CAP entries whatever the size of the table. SQLite
        # counts per unit through ix_cases_unit_status_due, and a covering status index would draw
        # its planner away from the ordered walks of the queue pages.
        Index("ix_cases_status_scope", "status", "unit_id", "handler_id", "id").ddl_if(dialect="postgresql"),
    )
    # xử lý đơn: eligibility reason codes found (portal.cases.lifecycle.REASON_CODES); empty = eligible
    eligibility: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # the complexity criteria ticked (portal.cases.lifecycle.COMPLEXITY_CRITERIA)
    complexity_criteria: Mapped[list[Any]] = mapped_column(JSON, default=list)
    withdrawal: Mapped[str | None] = mapped_column(String(16))  # None | partial | full
    continues_after_withdrawal: Mapped[bool] = mapped_column(default=False)  # denunciation only
    resolution_text: Mapped[str] = mapped_column(Text, default="")
    resolution_document_key: Mapped[str | None] = mapped_column(String(100))
    # the sender may download that signed document from the tracking page (the head's choice)
    resolution_document_shared: Mapped[bool] = mapped_column(default=False, server_default=false())

    __mapper_args__ = {"version_id_col": version}

    submission: Mapped[Submission] = relationship(back_populates="cases", foreign_keys=[submission_id])
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id",
                                                   cascade="all, delete-orphan")
    deadlines: Mapped[list[Deadline]] = relationship(back_populates="case", order_by="Deadline.id",
                                                     cascade="all, delete-orphan")


class CaseEvent(Base):
    """Append-only history of a case; every state change writes one in the same transaction."""

    __tablename__ = "case_events"

    __table_args__ = (
        # the outcomes reached during a period (portal/stats)
        Index("ix_case_events_to_status_at", "to_status", "at"),
    )

    id: Mapped[bigintpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[created_at]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str64]
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    decision_number: Mapped[str | None] = mapped_column(String(100))
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    is_public: Mapped[bool] = mapped_column(default=False)  # shown on the reporter's tracking page
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class MessageKind(enum.StrEnum):
    TO_REPORTER = "to_reporter"
    FROM_REPORTER = "from_reporter"
    INTERNAL = "internal"  # staff only


class Message(Base):
    """A message between staff and the reporter, or an internal note. Plain text."""

    __tablename__ = "messages"

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    at: Mapped[created_at]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind, 16))
    body: Mapped[str] = mapped_column(Text)


# Duties beside the case's handling, each on its own clock: telling the accused the content of an
# accepted denunciation (TC-03, Luật Tố cáo Art. 29(3)); sending a suspension, termination or
# resumption decision (KN-09, TC-05; NĐ 155/2026 Art. 28b, Luật Tố cáo Art. 34); once resolved,
# sending the decision or conclusion to those the law names (KN-04, KN-10, TC-06; Luật Khiếu nại
# Art. 32, 40, Luật Tố cáo Art. 35(3)) and publishing a denunciation's conclusion (TC-07, Luật Tố cáo
# Art. 40). The sender is not shown their due dates, and the accountability figures of the handling
# leave them out.
NOTIFY_STAGE = "notify"
INTERIM_STAGE = "send_interim"
SEND_STAGE = "send"
PUBLISH_STAGE = "publish"
# Chased after the decision that ends the handling (the case resolved or terminated): the sending
# and publication that follow it, and the sending of a termination decision. Only these clocks run on
# a decided case, so its ``due_on`` is set exactly while one of them waits.
AFTER_DECISION_STAGES = frozenset({INTERIM_STAGE, SEND_STAGE, PUBLISH_STAGE})
DECIDED_STATUSES = (CaseStatus.RESOLVED, CaseStatus.TERMINATED)
SIDE_STAGES = frozenset({NOTIFY_STAGE, *AFTER_DECISION_STAGES})


class Deadline(Base):
    """One statutory deadline of a case stage."""

    __tablename__ = "deadlines"
    __table_args__ = (
        # The sweep's hard-limit pass (XLD-02) reads the open intakes not yet reported, by receipt day.
        Index("ix_deadlines_intake_unreported", "starts_on",
              sqlite_where=text("met_at IS NULL AND stage = 'intake' AND escalated_hard_at IS NULL"),
              postgresql_where=text("met_at IS NULL AND stage = 'intake' AND escalated_hard_at IS NULL")),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    rule_code: Mapped[str] = mapped_column(String(16))  # e.g. KN-03
    rule_version_id: Mapped[int | None] = mapped_column(Integer)  # the rule row in force when the clock started
    starts_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    extension_days: Mapped[int] = mapped_column(default=0)
    extensions_count: Mapped[int] = mapped_column(default=0)
    paused_days: Mapped[int] = mapped_column(default=0)
    paused_since: Mapped[dt.date | None] = mapped_column(Date)
    met_at: Mapped[dt.datetime | None] = mapped_column(index=True)  # the statistics read a period's
    reminded_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]
    escalated_parent_at: Mapped[dt.datetime | None]
    # An intake (xử lý đơn) still open past the hard limit from receipt (XLD-02, 45 days: NĐ 154/2026
    # Art. 41(3)(b), a disciplinary matter for the managers): told to both heads once.
    escalated_hard_at: Mapped[dt.datetime | None]
    unit: Mapped[str] = mapped_column(String(3), default="CAL")  # CAL | WD, copied from the rule version
    legal_basis: Mapped[str] = mapped_column(String(255), default="")  # copied from the rule version

    case: Mapped[Case] = relationship(back_populates="deadlines")


class CaseConflict(Base):
    """A staff member who must never receive, see or be escalated a case (conflict of interest):
    a person accused in it, or someone the accused directs. Written by ``portal.org.conflicts``."""

    __tablename__ = "case_conflicts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    reason: Mapped[str] = mapped_column(String(32))  # accused | accused_is_their_head | ...


class NoticeTemplate(Base):
    """An editable notice text (Vietnamese), rendered in a sandbox with identity-free variables only.

    Seeded from ``portal.cases.notices.DEFAULTS``; ``code`` is the notice code used by the lifecycle table.
    """

    __tablename__ = "notice_templates"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str255]
    body: Mapped[str] = mapped_column(Text)  # a sandboxed Jinja template; the result goes through sanitize_html
    updated_at: Mapped[created_at]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
