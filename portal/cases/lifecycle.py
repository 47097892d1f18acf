"""THE case lifecycle table and the one function that applies any transition.

Every state change of a case is a :class:`Transition` in :data:`TRANSITIONS`: where it may start, where
it leads, who may make it (roles over the case's unit, or the assigned handler), what it requires,
which deadline stages it starts, completes, extends, pauses or resumes, what the reporter is told,
and whether it applies to anonymous denunciation information. Views, the case page, the permission
rules (``portal.accounts.permissions``), the demo and the tests all read this table; nothing else
decides what may happen to a case.

:func:`apply_transition` checks permission, the optimistic version and the requirements, then
changes the case, writes exactly one :class:`CaseEvent` and runs the deadline effects, inside one
savepoint: an error leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from portal.accounts.models import Role, RoleAssignment, User
from portal.accounts.permissions import roles_over
from portal.cases.models import (
    INTERIM_STAGE,
    NOTIFY_STAGE,
    PUBLISH_STAGE,
    SEND_STAGE,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Channel,
    SubmissionKind,
)
from portal.cases.text import clean_text
from portal.db import now_utc
from portal.deadlines.clock import LOCAL_TZ, local_date, local_today
from portal.i18n import format_day
from portal.org import refdata
from portal.org.models import OrgUnit

logger = logging.getLogger(__name__)

S = CaseStatus
HEADS = frozenset({Role.HEAD, Role.DEPUTY})
INTAKE = frozenset({Role.INTAKE_OFFICER, Role.DEPUTY, Role.HEAD})
ASSIGNED_HANDLER = "assigned_handler"  # pseudo-role: the case's handler, whatever their roles


# --------------------------------------------------------------------------------------------------
# Reason codes (LEGAL.md §1.3, §1.4, §1.5) and complexity criteria (LEGAL.md §2.4): data, not code.
# --------------------------------------------------------------------------------------------------

class ReasonGroup(enum.StrEnum):
    ELIGIBILITY = "eligibility"  # why a đơn cannot be handled or accepted (refusal, archive)
    ARCHIVE = "archive"  # lưu đơn
    TERMINATION = "termination"  # đình chỉ
    SUSPENSION = "suspension"  # tạm đình chỉ
    IDENTITY = "identity"  # how a denouncer's identity was checked


@dataclass(frozen=True)
class ReasonCode:
    code: str
    label: Any  # lazy string
    group: ReasonGroup
    kinds: frozenset[CaseKind] | None = None  # None: any kind


_E, _A, _T, _P = ReasonGroup.ELIGIBILITY, ReasonGroup.ARCHIVE, ReasonGroup.TERMINATION, ReasonGroup.SUSPENSION
_I = ReasonGroup.IDENTITY
_KN, _TC = frozenset({CaseKind.COMPLAINT}), frozenset({CaseKind.DENUNCIATION})

REASON_CODES: dict[str, ReasonCode] = {r.code: r for r in (
    # Any đơn (TT 07/2014 Art. 6(2))
    ReasonCode("F-LANG", _l("Đơn không viết bằng tiếng Việt"), _E),
    ReasonCode("F-IDENT", _l("Đơn thiếu ngày, họ tên, địa chỉ hoặc chữ ký, điểm chỉ"), _E),
    ReasonCode("F-CONTENT", _l("Nội dung đơn không đáp ứng yêu cầu của loại đơn"), _E),
    ReasonCode("F-HANDLED", _l("Đơn đã được giải quyết, người gửi không có quyền khiếu nại, tố cáo tiếp"), _E),
    ReasonCode("F-MULTI", _l("Đơn gửi nhiều nơi, trong đó đã gửi đến cơ quan có thẩm quyền"), _E),
    ReasonCode("F-GUIDED", _l("Đã được hướng dẫn một lần về cùng nội dung"), _E),
    # Complaints that must not be accepted (Luật Khiếu nại Art. 11)
    ReasonCode("KN-11-1", _l("Khiếu nại về hành vi chỉ đạo nội bộ, văn bản quy phạm hoặc bí mật nhà nước"), _E, _KN),
    ReasonCode("KN-11-2", _l("Quyết định, hành vi không liên quan trực tiếp đến quyền lợi của người khiếu nại"),
               _E, _KN),
    ReasonCode("KN-11-3", _l("Người khiếu nại không có năng lực hành vi dân sự đầy đủ, không có người đại diện"),
               _E, _KN),
    ReasonCode("KN-11-4", _l("Người đại diện không hợp pháp"), _E, _KN),
    ReasonCode("KN-11-5", _l("Đơn khiếu nại không có chữ ký hoặc điểm chỉ"), _E, _KN),
    ReasonCode("KN-11-6", _l("Hết thời hiệu khiếu nại mà không có lý do chính đáng"), _E, _KN),
    ReasonCode("KN-11-7", _l("Đã có quyết định giải quyết khiếu nại lần hai"), _E, _KN),
    ReasonCode("KN-11-8", _l("Quá 30 ngày kể từ thông báo đình chỉ mà không tiếp tục khiếu nại"), _E, _KN),
    ReasonCode("KN-11-9", _l("Tòa án đã thụ lý hoặc đã giải quyết"), _E, _KN),
    ReasonCode("KN-GROUP", _l("Khiếu nại đông người thiếu chữ ký hoặc văn bản cử người đại diện"), _E, _KN),
    # Denunciations: conditions to accept (Luật Tố cáo Art. 29(1))
    ReasonCode("TC-29-A", _l("Đơn tố cáo không đáp ứng yêu cầu về hình thức"), _E, _TC),
    ReasonCode("TC-29-B", _l("Người tố cáo không có năng lực hành vi dân sự đầy đủ"), _E, _TC),
    ReasonCode("TC-29-C", _l("Nội dung tố cáo không thuộc thẩm quyền giải quyết"), _E, _TC),
    ReasonCode("TC-29-D", _l("Nội dung không đủ căn cứ để xác định người vi phạm, hành vi vi phạm"), _E, _TC),
    ReasonCode("TC-KN", _l("Tố cáo người giải quyết khiếu nại đúng pháp luật mà không có bằng chứng"), _E, _TC),
    # Archiving (lưu đơn)
    ReasonCode("AR-INELIGIBLE", _l("Đơn không đủ điều kiện xử lý"), _A),
    ReasonCode("AR-TIMEBARRED", _l("Hết thời hiệu"), _A),
    ReasonCode("AR-DECIDED", _l("Vụ việc đã giải quyết có hiệu lực, không có tình tiết mới"), _A),
    ReasonCode("AR-ILLEGIBLE", _l("Đơn không đọc được"), _A),
    ReasonCode("AR-ANONYMOUS", _l("Thông tin nặc danh không rõ người vi phạm hoặc không có bằng chứng"), _A),
    ReasonCode("AR-ELSEWHERE", _l("Đơn đã gửi đến cơ quan có thẩm quyền khác"), _A),
    ReasonCode("AR-WITHDRAWN", _l("Người gửi rút đơn trước khi thụ lý"), _A),
    # Termination (đình chỉ)
    ReasonCode("TERM-WITHDRAWN", _l("Người gửi rút toàn bộ nội dung"), _T),
    ReasonCode("TERM-DIED", _l("Cá nhân chết mà không có người thừa kế quyền, nghĩa vụ"), _T),
    ReasonCode("TERM-DISSOLVED", _l("Tổ chức giải thể, phá sản mà không có tổ chức kế thừa"), _T),
    # Suspension (tạm đình chỉ)
    ReasonCode("SUSP-FORCE", _l("Sự kiện bất khả kháng hoặc trở ngại khách quan"), _P),
    ReasonCode("SUSP-AWAIT", _l("Cần chờ kết quả giải quyết của cơ quan khác về vấn đề liên quan"), _P),
    # How a named denouncer's identity was checked (Luật Tố cáo Art. 24(1); NĐ 154/2026 Art. 12(1)):
    # a choice, never free text, so the case history cannot carry an identity number by mistake.
    ReasonCode("ID-DOC", _l("Đối chiếu giấy tờ tùy thân (căn cước, hộ chiếu) người tố cáo xuất trình"), _I, _TC),
    ReasonCode("ID-VNEID", _l("Đối chiếu tài khoản định danh điện tử (VNeID) hoặc Cơ sở dữ liệu quốc gia về dân cư"),
               _I, _TC),
    ReasonCode("ID-PLACE", _l("Xác minh tại nơi cư trú hoặc nơi công tác của người tố cáo"), _I, _TC),
    ReasonCode("ID-AGENCY", _l("Cơ quan, tổ chức có thẩm quyền xác nhận"), _I, _TC),
)}


# What a reason code answers, where it is not "why" (forms and the case history label it so).
REASON_HEADINGS: dict[ReasonGroup, Any] = {ReasonGroup.IDENTITY: _l("Cách xác minh nhân thân")}


def reason_codes(group: ReasonGroup, kind: CaseKind | None = None) -> list[ReasonCode]:
    """The reason codes of ``group`` that apply to a case of ``kind``."""
    return [r for r in REASON_CODES.values() if r.group == group and (r.kinds is None or kind in r.kinds)]


COMPLEXITY_CRITERIA: dict[str, Any] = {
    "C1": _l("Một nội dung phải xác minh ở hai nơi trở lên"),
    "C2": _l("Có hai nội dung trở lên phải xác minh"),
    "C3": _l("Nhiều người tố cáo, hoặc nội dung liên quan đến quyền lợi của nhiều người"),
    "C4": _l("Có yếu tố nước ngoài"),
    "C5": _l("Liên quan đến trách nhiệm quản lý của nhiều cơ quan"),
    "C6": _l("Các cơ quan liên quan có ý kiến khác nhau"),
    "C7": _l("Chứng cứ mâu thuẫn, cần thời gian giám định"),
}

KIND_LABELS: dict[CaseKind, Any] = {
    CaseKind.COMPLAINT: _l("Khiếu nại"),
    CaseKind.DENUNCIATION: _l("Tố cáo"),
    CaseKind.PETITION: _l("Kiến nghị, phản ánh"),
    CaseKind.DENUNCIATION_INFO: _l("Thông tin có nội dung tố cáo"),
}

STATUS_LABELS: dict[CaseStatus, Any] = {
    S.RECEIVED: _l("Mới tiếp nhận"), S.IN_REVIEW: _l("Đang xử lý đơn"), S.PROPOSED: _l("Đề xuất thụ lý"),
    S.ACCEPTED: _l("Đã thụ lý"), S.INVESTIGATING: _l("Đang xác minh"), S.SUSPENDED: _l("Tạm đình chỉ"),
    S.RESOLVED: _l("Đã giải quyết"), S.CLOSED: _l("Đã kết thúc"), S.TERMINATED: _l("Đình chỉ"),
    S.NOT_ACCEPTED: _l("Không thụ lý"), S.GUIDED: _l("Đã hướng dẫn"), S.FORWARDED: _l("Đã chuyển đơn"),
    S.MERGED: _l("Đã gộp (trùng lặp)"), S.ARCHIVED: _l("Lưu đơn"), S.SPLIT: _l("Đã tách"),
    S.INFORMATION: _l("Thông tin tố cáo (nặc danh)"), S.INSPECTION: _l("Đang kiểm tra"),
}


def kind_for_submission(kind: SubmissionKind) -> CaseKind:
    """The case kind suggested by the citizen's label (staff decide by content)."""
    return {SubmissionKind.COMPLAINT: CaseKind.COMPLAINT, SubmissionKind.DENUNCIATION: CaseKind.DENUNCIATION}.get(
        kind, CaseKind.PETITION)


# --------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------

class Req(enum.StrEnum):
    """What a transition requires from the form."""

    KIND = "kind"  # the kind decided by content
    REASON = "reason_code"
    TEXT = "text"  # reason, guidance, decision or conclusion text
    DECISION = "decision"  # decision number and date
    DAYS = "days"  # extension length
    DOCUMENT = "document"  # the signed document
    TARGET_UNIT = "target_unit"
    TARGET_CASE = "target_case"
    HANDLER = "handler"
    PARTS = "parts"  # split: one line per content part
    CRITERIA = "criteria"  # complexity criteria and remote area (may be none)
    WITHDRAWAL = "withdrawal"  # partial or full, and whether a denunciation continues
    DONE_ON = "done_on"  # the day a step recorded after the fact was done (sent, published, told)


class Effect(enum.StrEnum):
    START = "start"
    COMPLETE = "complete"
    EXTEND = "extend"
    PAUSE = "pause"
    RESUME = "resume"
    LENGTHEN = "lengthen"  # the longer limit the rule allows, once (TC-01)
    REFRESH = "refresh"  # flags changed: recompute due dates


INTAKE_STAGE, ACCEPTANCE_STAGE, RESOLUTION_STAGE = "intake", "acceptance", "resolution"
ALL_KINDS = frozenset(CaseKind)
NAMED_KINDS = frozenset({CaseKind.COMPLAINT, CaseKind.DENUNCIATION, CaseKind.PETITION})
INFO_KIND = frozenset({CaseKind.DENUNCIATION_INFO})
SENT_KINDS = frozenset({CaseKind.COMPLAINT, CaseKind.DENUNCIATION})  # a decision the law says who must receive


@dataclass(frozen=True)
class TransitionInput:
    """What the staff member entered (already cleaned by the form). Unused fields are ignored."""

    reason_code: str | None = None
    text: str = ""
    decision_number: str | None = None
    decision_date: dt.date | None = None
    days: int | None = None
    kind: CaseKind | None = None
    eligibility: tuple[str, ...] = ()
    document_key: str | None = None  # already stored by the view through the files storage
    document_name: str | None = None
    share_document: bool = False  # the sender may download the signed document (tracking page)
    target_unit_id: int | None = None
    target_case_reference: str | None = None
    handler_id: int | None = None
    parts: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()
    is_remote: bool = False
    withdrawal: str | None = None  # partial | full
    continues: bool = False
    done_on: dt.date | None = None  # Req.DONE_ON; None: today


@dataclass(frozen=True)
class Transition:
    """One row of the lifecycle table."""

    name: str
    label: Any
    sources: frozenset[CaseStatus]
    target: CaseStatus | None  # None: the status does not change (a decision recorded on the case)
    roles: frozenset[Role]  # relative to the case's unit scope (a role on the unit or an ancestor)
    handler: bool = False  # the assigned handler may make it too
    identity: bool = False  # only the head of the case's own unit, who may see the sender's identity
    requires: frozenset[Req] = frozenset()
    kinds: frozenset[CaseKind] = NAMED_KINDS  # case kinds it applies to (None kind: see needs_kind)
    needs_kind: bool = True  # False: also for a case whose kind is not decided yet
    deadlines: tuple[tuple[Effect, str], ...] = ()
    public: Any = None  # what the reporter is told on the tracking page (None: nothing)
    notice: str | None = None  # notice template code (portal.cases.notices)
    reason_group: ReasonGroup | None = None
    effect: Callable[[Session, User, Case, TransitionInput, CaseEvent], None] | None = field(default=None,
                                                                                          compare=False)

    @property
    def applies_to_information(self) -> bool:
        """Whether it applies to anonymous denunciation information (no thụ lý, no notices)."""
        return CaseKind.DENUNCIATION_INFO in self.kinds

    def label_text(self) -> str:
        return str(self.label)


class TransitionError(Exception):
    """Base of refused transitions; ``status`` is the HTTP status the view answers with."""

    status = 409

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.lazy_message = message

    @property
    def message(self) -> str:
        """The message in the request's language (Vietnamese outside a request)."""
        if has_request_context():
            return str(self.lazy_message)
        with force_locale("vi"):
            return str(self.lazy_message)

    def __str__(self) -> str:
        return self.message


class NotAllowed(TransitionError):
    """The user may not make this transition on this case (role or scope)."""

    status = 403


class IllegalTransition(TransitionError):
    """The transition does not start from the case's current status (or kind)."""

    status = 409


class StaleCase(TransitionError):
    """The case changed since the form was rendered."""

    status = 409


class RequirementError(TransitionError):
    """Something the transition requires is missing or invalid."""

    status = 422


STALE_MESSAGE = _l("Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại trang và thực hiện lại.")


# --- transition-specific effects (run inside apply_transition, after validation) -----------------

def _classify(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    case.kind = data.kind
    case.eligibility = sorted(set(data.eligibility))
    event.data = {**event.data, "kind": data.kind.value if data.kind else None, "eligibility": case.eligibility}


def _to_information(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    case.kind = CaseKind.DENUNCIATION_INFO


def _assign(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    handler = session.get(User, data.handler_id)
    if handler is None or handler.id not in {u.id for u in eligible_handlers(session, case)}:
        raise RequirementError(_l("Hãy chọn một cán bộ thụ lý thuộc đơn vị của hồ sơ."))
    event.data = {**event.data, "handler_id": handler.id, "previous_handler_id": case.handler_id}
    case.handler_id = handler.id


def _flag(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    criteria = sorted(set(data.criteria))
    case.complexity_criteria = criteria
    case.is_complex = len(criteria) == 1
    case.is_especially_complex = len(criteria) >= 2
    case.is_remote = data.is_remote
    event.data = {**event.data, "criteria": criteria, "is_remote": data.is_remote}


def _withdraw(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    case.withdrawal = data.withdrawal
    case.continues_after_withdrawal = bool(data.continues and case.kind == CaseKind.DENUNCIATION)
    event.data = {**event.data, "withdrawal": data.withdrawal, "continues": case.continues_after_withdrawal}


def _resolve(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    case.resolution_text = data.text
    case.resolution_document_key = data.document_key
    case.resolution_document_shared = bool(data.share_document and data.document_key)
    event.data = {**event.data, "document_key": data.document_key, "document_name": data.document_name,
                  "document_shared": case.resolution_document_shared}


def _share_document(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    case.resolution_document_shared = True


def _close(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    case.closed_at = now_utc()


def _new_case(session: Session, source: Case, *, unit_id: int, status: CaseStatus, suffix: str,
              **links: Any) -> Case:
    """A case made from ``source``'s submission (forward, split, reopen), with its first event."""
    child = Case(reference=_child_reference(session, source.reference, suffix), submission_id=source.submission_id,
                 unit_id=unit_id, field_id=source.field_id, kind=links.pop("kind", source.kind), status=status,
                 is_group=source.is_group, **links)
    session.add(child)
    session.flush()
    from portal.org.conflicts import carry_accused

    carry_accused(session, source, child)  # the accused (and the people they lead) never get the child
    session.add(CaseEvent(case_id=child.id, action="created", to_status=status.value,
                          data={"from_case_id": source.id, "how": suffix}))
    return child


def received_on(case: Case) -> dt.date:
    """The day the case's unit received the đơn, when the xử lý đơn and thụ lý clocks start (LEGAL.md
    table A: "receipt by the competent body"): the day the citizen sent it, or for a case forwarded
    to this unit, or opened again for a second complaint or re-denunciation, the day that happened; a
    part of a split case, its whole's day."""
    if case.forwarded_from_id is not None or case.previous_case_id is not None:
        return local_date(case.created_at)
    if case.parent_id is not None:
        parent = object_session(case).get(Case, case.parent_id)  # type: ignore[union-attr]
        if parent is not None:
            return received_on(parent)
    return local_date(case.submission.received_at)


def is_second_round(case: Case) -> bool:
    """A second complaint: opened again here, sent as one through the portal, or a forwarded or split
    copy of one (Luật Khiếu nại Art. 7, 37)."""
    session = object_session(case)
    seen: set[int] = set()
    current: Case | None = case
    while current is not None and current.id not in seen:
        if current.previous_case_id is not None or current.submission.is_second_complaint:
            return True
        seen.add(current.id)
        source = current.forwarded_from_id or current.parent_id
        current = session.get(Case, source) if source is not None and session is not None else None
    return False


def _deadlines_feature() -> Any | None:
    """``portal.deadlines.services``, or None while that feature is not installed."""
    try:
        from portal.deadlines import services
    except ImportError:
        return None
    return services


def _start_receipt_clocks(session: Session, case: Case) -> None:
    """Start the clocks that run from receipt (a case received by forwarding or opened again)."""
    deadlines = _deadlines_feature()
    if deadlines is None:
        return
    for stage in (INTAKE_STAGE, ACCEPTANCE_STAGE):
        deadlines.start_stage(session, case, stage, received_on(case))


def _child_reference(session: Session, base: str, suffix: str) -> str:
    n = 1
    while True:
        reference = f"{base[:16]}-{suffix}{n}"
        if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            return reference
        n += 1


def denunciation_already_forwarded(session: Session, case: Case) -> bool:
    """A denunciation is forwarded only once (TT 05/2021 Art. 14(1)): true when this case was itself
    forwarded, when a case of the same submission was, or when a denunciation with the same content
    (same accent-folded text, sent again as a new đơn) was forwarded before."""
    from portal.cases.models import Submission
    from portal.cases.text import fold

    if case.forwarded_from_id is not None:
        return True
    if session.scalar(select(Case.id).where(Case.submission_id == case.submission_id,
                                            Case.forwarded_from_id.is_not(None)).limit(1)) is not None:
        return True
    content = " ".join(fold(case.submission.content).split())
    if not content:
        return False
    candidates = session.scalars(
        select(Submission.content).join(Case, Case.submission_id == Submission.id)
        .where(Case.forwarded_from_id.is_not(None), Case.kind == CaseKind.DENUNCIATION,
               Submission.id != case.submission_id).limit(500))
    return any(" ".join(fold(text).split()) == content for text in candidates)


def _forward(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    unit = session.get(OrgUnit, data.target_unit_id) if data.target_unit_id else None
    if unit is None or unit.id == case.unit_id or getattr(unit, "valid_to", None) is not None:
        raise RequirementError(_l("Hãy chọn đơn vị có thẩm quyền nhận đơn (khác đơn vị hiện tại)."))
    if case.kind == CaseKind.DENUNCIATION and denunciation_already_forwarded(session, case):
        raise IllegalTransition(_l("Đơn tố cáo này đã được chuyển một lần; không chuyển tiếp lần nữa."))
    from portal.org.conflicts import accused_leads_unit

    if accused_leads_unit(session, case, unit.id):
        raise RequirementError(_l("Không thể chuyển đơn đến đơn vị do người bị tố cáo đứng đầu hoặc làm cấp phó "
                                  "(hoặc đến đơn vị cấp dưới của họ). Hãy chọn cơ quan cấp trên có thẩm quyền."))
    # The receiving unit gets the case; the identity stays in ReporterIdentity and is masked for its
    # staff until their own handler or head reveals it (portal.cases.services.may_reveal_identity).
    child = _new_case(session, case, unit_id=unit.id, status=S.RECEIVED, suffix="C", forwarded_from_id=case.id)
    _start_receipt_clocks(session, child)  # the competent unit's clocks run from today, its receipt
    deadlines = _deadlines_feature()
    if deadlines is not None:
        deadlines.hold_forward_to_its_limit(session, case)  # then completed by the transition, on time or late
    event.data = {**event.data, "to_unit_id": unit.id, "to_case_id": child.id}


def _merge(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    reference = (data.target_case_reference or "").strip().upper()
    target = session.scalar(select(Case).where(Case.reference == reference)) if reference else None
    from portal.cases.access import can_view_case

    if target is None or target.id == case.id or not can_view_case(session, user, target):
        raise RequirementError(_l("Không tìm thấy hồ sơ cần gộp vào (kiểm tra lại mã hồ sơ)."))
    if target.status in (S.MERGED, S.SPLIT) or target.merged_into_id is not None:
        raise RequirementError(_l("Hồ sơ đích đã bị gộp hoặc tách; hãy chọn hồ sơ đang xử lý."))
    case.merged_into_id = target.id
    session.flush()
    from portal.org.conflicts import share_accused

    share_accused(session, case)  # whoever is accused in either đơn gets neither
    event.data = {**event.data, "into_case_id": target.id}
    session.add(CaseEvent(case_id=target.id, actor_id=user.id, action="merged_from",
                          data={"from_case_id": case.id}))


def _split(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    parts = [p for p in (clean_text(p) for p in data.parts) if p]
    if len(parts) < 2:
        raise RequirementError(_l("Hãy nhập ít nhất hai nội dung, mỗi nội dung một dòng."))
    children = []
    for part in parts:
        child = _new_case(session, case, unit_id=case.unit_id, status=S.IN_REVIEW, suffix="T", parent_id=case.id,
                          kind=None)
        child.summary = part
        child.identity_verified_at = case.identity_verified_at  # the same sender, already checked
        _start_receipt_clocks(session, child)  # each part runs from its whole's receipt (XLD-01, XLD-02)
        children.append(child.id)
    event.data = {**event.data, "children": children}


VERIFY_AFTER_REVEAL_MESSAGE = _l("Hãy xem thông tin người gửi (mục “Người gửi”, có ghi nhật ký) và đối chiếu trước "
                                 "khi ghi nhận đã xác minh nhân thân.")


def _verify_identity(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    """Record the check (the method is the event's reason code) by someone who looked at the identity:
    their audited reveal of this đơn's sender must come first."""
    from portal.cases.services import has_revealed

    if not has_revealed(session, user, case):
        raise RequirementError(VERIFY_AFTER_REVEAL_MESSAGE)
    case.identity_verified_at = now_utc()


def _superior(case: Case) -> int | None:
    """The nearest unit above the case's unit in force today (an abolished level is skipped: the
    district level ended on 1/7/2025); None at the top of the organisation."""
    session = object_session(case)
    return refdata.snapshot(session).superior(case.unit_id, local_today()) if session is not None else None


def _reopen(session: Session, user: User, case: Case, data: TransitionInput, event: CaseEvent) -> None:
    """A second complaint (Luật Khiếu nại Art. 7) or a re-denunciation (Luật Tố cáo Art. 37) goes to
    the direct superior of the unit that decided; after a second-time complaint decision there is no
    third round (Art. 11(7): the court is the way)."""
    superior = _superior(case) or case.unit_id  # none at the top: legal_refusal has refused it already
    from portal.org.conflicts import accused_leads_unit

    if superior != case.unit_id and accused_leads_unit(session, case, superior):
        superior = case.unit_id  # never to a unit the accused leads: the officers route it on by hand
    child = _new_case(session, case, unit_id=superior, status=S.IN_REVIEW, suffix="L", previous_case_id=case.id)
    child.summary = data.text
    _start_receipt_clocks(session, child)  # from today, the receipt of the second complaint
    event.data = {**event.data, "new_case_id": child.id}


T = Transition
# xử lý đơn ends: both the handling clock and the complaint's thụ lý clock stop.
_INTAKE_DONE = ((Effect.COMPLETE, INTAKE_STAGE), (Effect.COMPLETE, ACCEPTANCE_STAGE))
# Both clocks run from receipt (restarting them after classification applies the decided kind's rule).
_INTAKE_START = ((Effect.START, INTAKE_STAGE), (Effect.START, ACCEPTANCE_STAGE))
_ACCEPTED_LIKE = frozenset({S.ACCEPTED, S.INVESTIGATING, S.SUSPENDED})
_INTAKE_OPEN = frozenset({S.RECEIVED, S.IN_REVIEW, S.PROPOSED})  # xử lý đơn not finished
TELLS_FORWARDER = frozenset({"accept", "not_accept"})  # recorded on the forwarding unit's case as well

TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    T("take", _l("Nhận xử lý đơn"), frozenset({S.RECEIVED}), S.IN_REVIEW, INTAKE,
      kinds=ALL_KINDS, needs_kind=False, deadlines=_INTAKE_START),
    T("classify", _l("Phân loại đơn"), frozenset({S.RECEIVED, S.IN_REVIEW}), None, INTAKE,
      requires=frozenset({Req.KIND}), kinds=ALL_KINDS, needs_kind=False, deadlines=_INTAKE_START,
      effect=_classify),
    T("propose", _l("Đề xuất thụ lý"), frozenset({S.IN_REVIEW}), S.PROPOSED, INTAKE,
      requires=frozenset({Req.TEXT})),
    T("return_to_review", _l("Trả lại để xử lý đơn"), frozenset({S.PROPOSED}), S.IN_REVIEW, HEADS,
      requires=frozenset({Req.TEXT})),
    # Luật Tố cáo Art. 24(1): the denouncer's identity is checked during xử lý đơn (TC-01), by the
    # unit's head, who may see it (deputies and intake officers see a pseudonym); thụ lý waits for it.
    T("verify_identity", _l("Xác minh nhân thân người tố cáo"), _INTAKE_OPEN, None,
      frozenset({Role.HEAD}), identity=True, requires=frozenset({Req.REASON}), reason_group=ReasonGroup.IDENTITY,
      kinds=frozenset({CaseKind.DENUNCIATION}), effect=_verify_identity),
    T("lengthen_intake", _l("Kéo dài xử lý ban đầu (kiểm tra ở nhiều nơi, ủy quyền)"),
      _INTAKE_OPEN, None, HEADS, requires=frozenset({Req.TEXT}),
      kinds=frozenset({CaseKind.DENUNCIATION}), deadlines=((Effect.LENGTHEN, INTAKE_STAGE),)),
    T("accept", _l("Quyết định thụ lý"), frozenset({S.PROPOSED}), S.ACCEPTED, HEADS,
      requires=frozenset({Req.DECISION}),
      deadlines=(*_INTAKE_DONE, (Effect.START, RESOLUTION_STAGE), (Effect.START, NOTIFY_STAGE)),
      public=_l("Đơn của bạn đã được thụ lý để giải quyết."), notice="acceptance"),
    T("not_accept", _l("Không thụ lý"), frozenset({S.IN_REVIEW, S.PROPOSED}), S.NOT_ACCEPTED, INTAKE,
      requires=frozenset({Req.REASON, Req.TEXT}), reason_group=ReasonGroup.ELIGIBILITY,
      deadlines=_INTAKE_DONE,
      public=_l("Đơn của bạn không được thụ lý. Lý do đã được thông báo."), notice="refusal"),
    T("guide", _l("Hướng dẫn người gửi"), frozenset({S.IN_REVIEW}), S.GUIDED, INTAKE,
      requires=frozenset({Req.TEXT}), deadlines=_INTAKE_DONE,
      public=_l("Bạn được hướng dẫn gửi đơn đến cơ quan có thẩm quyền."), notice="guidance"),
    T("forward", _l("Chuyển đơn"), frozenset({S.IN_REVIEW}), S.FORWARDED, INTAKE,
      requires=frozenset({Req.TARGET_UNIT, Req.TEXT}), deadlines=_INTAKE_DONE,
      public=_l("Đơn của bạn đã được chuyển đến cơ quan có thẩm quyền."), notice="forwarding", effect=_forward),
    T("merge", _l("Gộp vào hồ sơ trùng"), frozenset({S.RECEIVED, S.IN_REVIEW, S.INFORMATION}), S.MERGED, INTAKE,
      requires=frozenset({Req.TARGET_CASE}), kinds=ALL_KINDS, needs_kind=False,
      deadlines=_INTAKE_DONE,
      public=_l("Đơn của bạn trùng nội dung với một đơn đang được xử lý và đã được gộp."), effect=_merge),
    T("split", _l("Tách đơn nhiều nội dung"), frozenset({S.IN_REVIEW}), S.SPLIT, INTAKE,
      requires=frozenset({Req.PARTS}), kinds=ALL_KINDS, needs_kind=False,
      deadlines=_INTAKE_DONE,
      public=_l("Đơn của bạn có nhiều nội dung và đã được tách để xử lý riêng."), effect=_split),
    T("archive", _l("Lưu đơn"), frozenset({S.RECEIVED, S.IN_REVIEW, S.INFORMATION}), S.ARCHIVED, INTAKE,
      requires=frozenset({Req.REASON}), reason_group=ReasonGroup.ARCHIVE, kinds=ALL_KINDS, needs_kind=False,
      deadlines=_INTAKE_DONE),
    # Luật Tố cáo Art. 25: an unsigned denunciation, or one whose sender cannot be identified (found
    # when the head checks the identity: a proposed đơn is returned to xử lý đơn first), is information.
    T("to_information", _l("Xử lý như thông tin có nội dung tố cáo"), frozenset({S.RECEIVED, S.IN_REVIEW}),
      S.INFORMATION, INTAKE, kinds=ALL_KINDS, needs_kind=False, effect=_to_information,
      deadlines=_INTAKE_DONE),
    T("to_inspection", _l("Kiểm tra thông tin (cụ thể, có bằng chứng)"), frozenset({S.INFORMATION}), S.INSPECTION,
      HEADS, requires=frozenset({Req.TEXT}), kinds=INFO_KIND),
    # Luật Tố cáo Art. 29(3): within 5 working days of the acceptance, the accused is told the content
    # of the denunciation, never who made it (the notice carries no identifier of the denouncer).
    T("notify_accused", _l("Thông báo nội dung tố cáo cho người bị tố cáo"), _ACCEPTED_LIKE, None, HEADS,
      handler=True, requires=frozenset({Req.TEXT, Req.DONE_ON}), kinds=frozenset({CaseKind.DENUNCIATION}),
      deadlines=((Effect.COMPLETE, NOTIFY_STAGE),), notice="accused_notice"),
    T("assign", _l("Giao cán bộ thụ lý"), frozenset({S.ACCEPTED, S.INVESTIGATING}), S.INVESTIGATING, HEADS,
      requires=frozenset({Req.HANDLER}), kinds=NAMED_KINDS | INFO_KIND, effect=_assign),
    T("flag", _l("Đánh dấu phức tạp, vùng sâu vùng xa"), _ACCEPTED_LIKE, None, HEADS, handler=True,
      requires=frozenset({Req.CRITERIA}), deadlines=((Effect.REFRESH, RESOLUTION_STAGE),), effect=_flag),
    T("extend", _l("Gia hạn giải quyết"), frozenset({S.ACCEPTED, S.INVESTIGATING}), None, HEADS,
      requires=frozenset({Req.DECISION, Req.DAYS}), deadlines=((Effect.EXTEND, RESOLUTION_STAGE),),
      public=_l("Thời hạn giải quyết đơn của bạn đã được gia hạn."), notice="extension"),
    T("suspend", _l("Tạm đình chỉ"), frozenset({S.ACCEPTED, S.INVESTIGATING}), S.SUSPENDED, HEADS,
      requires=frozenset({Req.REASON, Req.DECISION}), reason_group=ReasonGroup.SUSPENSION,
      deadlines=((Effect.PAUSE, RESOLUTION_STAGE), (Effect.START, INTERIM_STAGE)),
      public=_l("Việc giải quyết đơn của bạn tạm đình chỉ."), notice="suspension"),
    T("resume", _l("Tiếp tục giải quyết"), frozenset({S.SUSPENDED}), S.INVESTIGATING, HEADS,
      requires=frozenset({Req.DECISION}), deadlines=((Effect.RESUME, RESOLUTION_STAGE), (Effect.START, INTERIM_STAGE)),
      public=_l("Việc giải quyết đơn của bạn được tiếp tục."), notice="resumption"),
    T("withdraw", _l("Ghi nhận rút đơn"), _ACCEPTED_LIKE, None, HEADS, handler=True,
      requires=frozenset({Req.WITHDRAWAL, Req.TEXT}), effect=_withdraw),
    T("terminate", _l("Đình chỉ giải quyết"), _ACCEPTED_LIKE, S.TERMINATED, HEADS,
      requires=frozenset({Req.REASON, Req.DECISION}), reason_group=ReasonGroup.TERMINATION,
      deadlines=((Effect.COMPLETE, RESOLUTION_STAGE), (Effect.COMPLETE, NOTIFY_STAGE), (Effect.START, INTERIM_STAGE)),
      public=_l("Việc giải quyết đơn của bạn đã bị đình chỉ."),
      notice="termination"),  # Luật Khiếu nại Art. 10, Luật Tố cáo Art. 34: the decision is sent in writing
    # NĐ 155/2026 Art. 28b (KN-09: 3 working days, the resumption decision too), Luật Tố cáo Art. 34
    # (TC-05: 5 working days): a suspension or termination decision goes to those concerned; the clock
    # runs from its date and the record is staff only, as the final decision's sending. Offered while
    # such a clock runs; each decision has its own clock, and each record meets the earliest waiting.
    T("send_interim", _l("Ghi nhận đã gửi quyết định tạm đình chỉ, đình chỉ, tiếp tục"),
      frozenset({S.SUSPENDED, S.INVESTIGATING, S.TERMINATED, S.RESOLVED}), None, HEADS, handler=True,
      requires=frozenset({Req.TEXT, Req.DONE_ON}), kinds=SENT_KINDS, deadlines=((Effect.COMPLETE, INTERIM_STAGE),)),
    T("resolve", _l("Ban hành quyết định, kết luận"), frozenset({S.INVESTIGATING}), S.RESOLVED, HEADS,
      requires=frozenset({Req.TEXT, Req.DECISION, Req.DOCUMENT}),
      deadlines=((Effect.COMPLETE, RESOLUTION_STAGE), (Effect.START, SEND_STAGE), (Effect.START, PUBLISH_STAGE)),
      public=_l("Đơn của bạn đã được giải quyết. Kết quả:"), notice="conclusion", effect=_resolve),
    # Luật Khiếu nại Art. 32, 40 (3 working days; 7 for a second-time decision), Luật Tố cáo Art. 35(3)
    # (5 working days): the decision or conclusion goes to those the law names; the clock runs from its
    # date. Staff only: what was sent to whom names the other parties.
    T("send_decision", _l("Ghi nhận đã gửi quyết định, kết luận"), frozenset({S.RESOLVED}), None, HEADS,
      handler=True, requires=frozenset({Req.TEXT, Req.DONE_ON}), kinds=SENT_KINDS,
      deadlines=((Effect.COMPLETE, SEND_STAGE),)),
    # Luật Tố cáo Art. 40 (TC-07, 7 working days from the conclusion): the conclusion is made public
    # (a meeting, a notice at the office, a website), never naming the denouncer, unless a law says
    # otherwise (the record then gives that ground).
    T("publish_conclusion", _l("Ghi nhận đã công khai kết luận nội dung tố cáo"), frozenset({S.RESOLVED}), None,
      HEADS, handler=True, requires=frozenset({Req.TEXT, Req.DONE_ON}), kinds=frozenset({CaseKind.DENUNCIATION}),
      deadlines=((Effect.COMPLETE, PUBLISH_STAGE),)),
    # The signed decision or conclusion on the sender's tracking page, when the head did not give it at
    # resolution (or the case was resolved before the page offered it). Never taken back: once given,
    # the sender may have downloaded it.
    T("share_document", _l("Cho người gửi đơn tải văn bản đã ký"), frozenset({S.RESOLVED, S.CLOSED}), None, HEADS,
      public=_l("Văn bản giải quyết đã có trên trang này; bạn có thể tải về."), effect=_share_document),
    T("inspection_done", _l("Kết thúc kiểm tra thông tin"), frozenset({S.INSPECTION}), S.CLOSED, HEADS,
      requires=frozenset({Req.TEXT}), kinds=INFO_KIND, effect=_close),
    T("close", _l("Kết thúc hồ sơ"), frozenset({S.RESOLVED, S.TERMINATED}), S.CLOSED, HEADS, effect=_close),
    T("reopen", _l("Mở hồ sơ mới (khiếu nại lần hai, tố cáo tiếp)"), frozenset({S.RESOLVED, S.CLOSED}), None,
      INTAKE, requires=frozenset({Req.TEXT}), kinds=frozenset({CaseKind.COMPLAINT, CaseKind.DENUNCIATION}),
      effect=_reopen),
)}


# --------------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------------

def role_allows(session: Session, user: User, case: Case, transition: Transition) -> bool:
    """Role and scope only (not the status): a role in ``transition.roles`` over the case's unit, or
    being the assigned handler when the transition allows it; never across a conflict of interest."""
    from portal.cases.access import can_view_case

    if not getattr(user, "is_staff", False) or not can_view_case(session, user, case):
        return False
    if transition.identity:  # the head of the case's own unit, not of a unit above (portal.cases.access)
        from portal.cases.access import is_responsible_head

        return is_responsible_head(session, user, case)
    if transition.handler and case.handler_id is not None and case.handler_id == user.id:
        return True
    return bool(roles_over(user, case.unit_id, session) & transition.roles)


# A complaint or a denunciation whose sender gave no name cannot be accepted (thụ lý): the Luật Khiếu
# nại needs the complainant's name and address, and the Luật Tố cáo Art. 25 handles an unsigned
# denunciation as information, never under the procedure (LEGAL.md §3).
NAMED_ONLY = frozenset({"propose", "verify_identity", "accept"})
SIGNED_KINDS = frozenset({CaseKind.COMPLAINT, CaseKind.DENUNCIATION})  # need a named sender
UNSIGNED_MESSAGE = _l("Đơn không ghi tên người gửi nên không thể thụ lý như khiếu nại hoặc tố cáo. Đơn tố cáo "
                      "không ghi tên được xử lý như thông tin có nội dung tố cáo (“Xử lý như thông tin có nội "
                      "dung tố cáo”); khiếu nại không ghi tên thì không thụ lý.")


THIRD_ROUND_MESSAGE = _l("Khiếu nại này đã được giải quyết lần hai; không có lần khiếu nại thứ ba. Người khiếu "
                         "nại có thể khởi kiện vụ án hành chính tại Tòa án.")


def unsigned(case: Case, kind: CaseKind | None = None) -> bool:
    """Is ``case`` (classified as ``kind``, default its own) a complaint or denunciation with no sender?"""
    return (kind or case.kind) in SIGNED_KINDS and case.submission.is_anonymous


IDENTITY_FIRST_MESSAGE = _l("Chưa xác minh nhân thân người tố cáo (Luật Tố cáo Điều 24 khoản 1): người đứng "
                            "đầu đơn vị xác minh (“Xác minh nhân thân người tố cáo”) trước khi quyết định thụ lý. Nếu "
                            "không xác định được người tố cáo: “Xử lý như thông tin có nội dung tố cáo”.")
IDENTITY_DONE_MESSAGE = _l("Nhân thân người tố cáo đã được xác minh.")
LENGTHENED_MESSAGE = _l("Thời hạn xử lý ban đầu đã được kéo dài (chỉ một lần).")
RE_DENUNCIATION_MESSAGE = _l("Tố cáo tiếp được cấp trên xem xét trong 20 ngày kể từ ngày nhận (Luật Tố cáo Điều 37 "
                             "khoản 2); thời hạn này không kéo dài.")
NO_DOCUMENT_MESSAGE = _l("Hồ sơ không có văn bản đã ký để cho người gửi đơn tải.")
DOCUMENT_SHARED_MESSAGE = _l("Người gửi đơn đã được cho phép tải văn bản đã ký trên trang theo dõi đơn.")
DECISION_SENT_MESSAGE = _l("Việc gửi quyết định, kết luận đã được ghi nhận.")
PUBLISHED_MESSAGE = _l("Việc công khai kết luận đã được ghi nhận.")
PUBLISH_FIRST_MESSAGE = _l("Chưa ghi nhận việc công khai kết luận nội dung tố cáo (Luật Tố cáo Điều 40): hãy “Ghi "
                           "nhận đã công khai kết luận nội dung tố cáo” trước khi kết thúc hồ sơ.")
SEND_AND_PUBLISH_FIRST_MESSAGE = _l("Chưa ghi nhận việc gửi kết luận nội dung tố cáo (Luật Tố cáo Điều 35 khoản 3) "
                                    "và việc công khai kết luận (Điều 40): hãy “Ghi nhận đã gửi quyết định, kết luận” "
                                    "và “Ghi nhận đã công khai kết luận nội dung tố cáo” trước khi kết thúc hồ sơ.")
SEND_FIRST_MESSAGE = _l("Chưa ghi nhận việc gửi quyết định giải quyết khiếu nại, kết luận nội dung tố cáo cho "
                        "những người nhận theo quy định (Luật Khiếu nại Điều 32, 40; Luật Tố cáo Điều 35 khoản 3): "
                        "hãy “Ghi nhận đã gửi quyết định, kết luận” trước khi kết thúc hồ sơ.")


def recorded(case: Case, *actions: str) -> set[str]:
    """Which of ``actions`` (the decision's sending, the conclusion's publication) have been recorded on
    the case, in one query. Read from the history, not from the clock: a case resolved before the clock
    existed, or under no rule in force, has none."""
    session = object_session(case)
    if session is None:
        return set()
    return set(session.scalars(select(CaseEvent.action).distinct().where(
        CaseEvent.case_id == case.id, CaseEvent.action.in_(actions))))


NO_INTERIM_MESSAGE = _l("Không có quyết định tạm đình chỉ, đình chỉ hoặc tiếp tục giải quyết nào đang chờ gửi.")
INTERIM_FIRST_MESSAGES: dict[CaseKind, Any] = {
    CaseKind.COMPLAINT: _l("Chưa ghi nhận việc gửi quyết định tạm đình chỉ, đình chỉ, tiếp tục giải quyết khiếu nại "
                           "(Nghị định 155/2026 Điều 28b): hãy “Ghi nhận đã gửi quyết định tạm đình chỉ, đình chỉ, "
                           "tiếp tục” trước khi kết thúc hồ sơ."),
    CaseKind.DENUNCIATION: _l("Chưa ghi nhận việc gửi quyết định tạm đình chỉ, đình chỉ giải quyết tố cáo (Luật Tố cáo "
                              "Điều 34): hãy “Ghi nhận đã gửi quyết định tạm đình chỉ, đình chỉ, tiếp tục” trước khi "
                              "kết thúc hồ sơ."),
}


def interim_unsent(case: Case) -> bool:
    """A suspension, termination or resumption decision whose sending is not recorded yet (its clock
    runs; a decision taken before the clock existed, or under no rule in force, has none)."""
    return any(d.stage == INTERIM_STAGE and d.met_at is None for d in case.deadlines)


# refused once done: nothing to wait for
ONCE = frozenset({"verify_identity", "lengthen_intake", "send_decision", "publish_conclusion", "share_document"})
# Not listed as waiting: guiding a written denunciation is never the way (forwarding is), and saying so
# on every denunciation a competent unit handles would be noise; a direct request still gets the reason.
QUIET = ONCE | {"guide", "send_interim"}  # nor the sending of a decision while none waits


def must_forward(case: Case) -> bool:
    """A denunciation outside competence is forwarded rather than guided (Luật Tố cáo Art. 24(2)) when
    it came in writing; one brought in person is guided (Luật Tiếp công dân Art. 26), and one already
    forwarded once, or sent in by another body, is not forwarded again (TT 05/2021 Art. 14)."""
    if case.submission.channel in (Channel.RECEPTION, Channel.FORWARDED):
        return False
    return _forwarded_from(case) is None


def _forwarded_from(case: Case) -> int | None:
    """The case that forwarded this đơn here: the case's own link, or its whole's when it is a part."""
    session = object_session(case)
    seen: set[int] = set()
    current: Case | None = case
    while current is not None and current.id not in seen:
        if current.forwarded_from_id is not None:
            return current.forwarded_from_id
        seen.add(current.id)
        current = session.get(Case, current.parent_id) if session is not None and current.parent_id else None
    return None


def withdrawn_in_full(case: Case) -> bool:
    """All of it withdrawn, and not a denunciation that must be resolved all the same (Art. 33(3))."""
    return case.withdrawal == "full" and not case.continues_after_withdrawal


def needs_identity_check(case: Case) -> bool:
    """A signed denunciation: its sender is identified before thụ lý (Luật Tố cáo Art. 24(1))."""
    return case.kind == CaseKind.DENUNCIATION and not unsigned(case)


def identity_check_shown(case: Case) -> bool:
    """Whether the case page states the check: while xử lý đơn is open, and once made (a case accepted
    before the check existed has no state to show)."""
    return needs_identity_check(case) and (case.identity_verified_at is not None or case.status in _INTAKE_OPEN)


GUIDE_DENUNCIATION_MESSAGE = _l("Đơn tố cáo không thuộc thẩm quyền được chuyển đến cơ quan có thẩm quyền (“Chuyển "
                                "đơn”, Luật Tố cáo Điều 24 khoản 2), không hướng dẫn người tố cáo tự gửi lại.")
NO_SUPERIOR_MESSAGE = _l("Đơn vị đã giải quyết không có cấp trên trực tiếp trong hệ thống, nên không mở hồ sơ "
                         "mới tại đây: hãy hướng dẫn người gửi (khiếu nại tiếp: Bộ trưởng, Thủ trưởng cơ quan ngang "
                         "bộ hoặc khởi kiện tại Tòa án; tố cáo tiếp: cơ quan cấp trên có thẩm quyền).")


def ineligible_message(case: Case) -> Any:
    """Thụ lý refused: the conditions recorded as unmet at classification (Luật Khiếu nại Art. 11,
    Luật Tố cáo Art. 29(1): all must hold)."""
    return _l("Khi phân loại, đơn được ghi nhận chưa đáp ứng điều kiện (%(codes)s) nên không thụ lý được: hãy "
              "“Không thụ lý” và báo lý do cho người gửi, hoặc phân loại lại nếu người gửi đã bổ sung.",
              codes=", ".join(case.eligibility))


WITHDRAWN_MESSAGE = _l("Người gửi đã rút toàn bộ nội dung: ra quyết định đình chỉ (“Đình chỉ giải quyết”, lý do "
                       "TERM-WITHDRAWN), không ban hành kết luận (Luật Khiếu nại Điều 10, Luật Tố cáo Điều 33).")
NOT_WITHDRAWN_MESSAGE = _l("Chỉ đình chỉ vì rút đơn khi đã ghi nhận người gửi rút toàn bộ nội dung (“Ghi nhận rút "
                           "đơn”) và tố cáo không phải tiếp tục giải quyết.")
ACCUSED_FIRST_MESSAGE = _l("Người bị tố cáo chưa được thông báo nội dung tố cáo: hãy thông báo trước khi kết luận.")


def legal_refusal(case: Case, transition: Transition) -> Any | None:
    """Why the law forbids ``transition`` on ``case`` whatever its status (None: it does not)."""
    if transition.name in NAMED_ONLY and unsigned(case):
        return UNSIGNED_MESSAGE
    if transition.name == "verify_identity" and case.identity_verified_at is not None:
        return IDENTITY_DONE_MESSAGE
    if transition.name == "lengthen_intake" and case.previous_case_id is not None:
        return RE_DENUNCIATION_MESSAGE  # its own review period, not the first handling's (TC-09)
    if transition.name == "lengthen_intake" and any(d.stage == INTAKE_STAGE and d.met_at is None
                                                    and d.extensions_count for d in case.deadlines):
        return LENGTHENED_MESSAGE  # Luật Tố cáo Art. 24(1): at most 10 working days in all
    if transition.name in ("propose", "accept") and case.eligibility:
        return ineligible_message(case)
    if transition.name == "guide" and case.kind == CaseKind.DENUNCIATION and must_forward(case):
        return GUIDE_DENUNCIATION_MESSAGE
    if transition.name == "reopen" and _superior(case) is None:
        return NO_SUPERIOR_MESSAGE  # never a second round in the unit that decided the first
    if transition.name == "accept" and needs_identity_check(case) and case.identity_verified_at is None:
        return IDENTITY_FIRST_MESSAGE  # Luật Tố cáo Art. 24(1), 29: thụ lý follows the identity check
    if transition.name == "reopen" and case.kind == CaseKind.COMPLAINT and is_second_round(case):
        return THIRD_ROUND_MESSAGE  # Luật Khiếu nại Art. 11(7): after the second decision, the court
    if transition.name == "resolve" and withdrawn_in_full(case):
        return WITHDRAWN_MESSAGE  # the case ends by termination, not by a conclusion
    if transition.name == "resolve" and any(d.stage == NOTIFY_STAGE and d.met_at is None for d in case.deadlines):
        return ACCUSED_FIRST_MESSAGE  # Luật Tố cáo Art. 29(3), 31: the accused is heard before the conclusion
    if transition.name == "send_decision" and recorded(case, "send_decision"):
        return DECISION_SENT_MESSAGE
    if transition.name == "publish_conclusion" and recorded(case, "publish_conclusion"):
        return PUBLISHED_MESSAGE
    if transition.name == "send_interim" and not interim_unsent(case):
        return NO_INTERIM_MESSAGE
    if transition.name == "share_document" and not case.resolution_document_key:
        return NO_DOCUMENT_MESSAGE
    if transition.name == "share_document" and case.resolution_document_shared:
        return DOCUMENT_SHARED_MESSAGE
    if transition.name == "close":
        return _close_refusal(case)
    return None


def _close_refusal(case: Case) -> Any | None:
    """The file is not closed on a decision nobody was sent, or a conclusion not made public: every
    step left, not only the first (the page lists them all)."""
    steps = []
    if interim_unsent(case) and case.kind in INTERIM_FIRST_MESSAGES:
        steps.append(INTERIM_FIRST_MESSAGES[case.kind])  # a suspension, termination or resumption
    if case.status == CaseStatus.RESOLVED and case.kind in SENT_KINDS:
        done = recorded(case, "send_decision", "publish_conclusion")
        unsent = "send_decision" not in done
        unpublished = case.kind == CaseKind.DENUNCIATION and "publish_conclusion" not in done
        if unsent and unpublished:
            steps.append(SEND_AND_PUBLISH_FIRST_MESSAGE)
        elif unsent:
            steps.append(SEND_FIRST_MESSAGE)
        elif unpublished:
            steps.append(PUBLISH_FIRST_MESSAGE)
    if len(steps) > 1:
        return LazyString(lambda: " ".join(str(step) for step in steps))
    return steps[0] if steps else None


def _applies(case: Case, transition: Transition) -> bool:
    """Whether ``transition`` starts from the case's status and fits its kind (the law aside)."""
    if case.status not in transition.sources:
        return False
    if case.kind is None:
        return not transition.needs_kind
    return case.kind in transition.kinds


def state_allows(case: Case, transition: Transition) -> bool:
    """Whether ``transition`` starts from the case's status, applies to its kind, and the law allows it."""
    return _applies(case, transition) and legal_refusal(case, transition) is None


def may(session: Session, user: User, case: Case, name: str) -> bool:
    """May ``user`` make transition ``name`` on ``case`` now? (what the case page offers)."""
    transition = TRANSITIONS.get(name)
    return transition is not None and state_allows(case, transition) and role_allows(session, user, case, transition)


def available(session: Session, user: User, case: Case) -> list[Transition]:
    """The transitions ``user`` may make on ``case`` now, in table order."""
    return [t for t in TRANSITIONS.values() if state_allows(case, t) and role_allows(session, user, case, t)]


def held_back(session: Session, user: User, case: Case) -> list[tuple[Transition, Any]]:
    """The transitions ``user`` could make on ``case`` now but for the law, with why (the case page
    says so instead of silently leaving the button out)."""
    held = []
    for t in TRANSITIONS.values():
        if t.name in QUIET or not _applies(case, t):
            continue
        refusal = legal_refusal(case, t)
        if refusal is not None and role_allows(session, user, case, t):
            held.append((t, refusal))
    return held


def eligible_handlers(session: Session, case: Case) -> list[User]:
    """Staff who may be assigned: a handler role over the case's unit, and no conflict of interest."""
    from portal.accounts.permissions import unit_and_ancestors
    from portal.cases.access import is_conflicted

    chain = unit_and_ancestors(session, case.unit_id)
    users = session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(
        RoleAssignment.role == Role.HANDLER, RoleAssignment.unit_id.in_(chain), User.is_active_account.is_(True))
        .distinct().order_by(User.full_name, User.id)).all()
    return [u for u in users if not is_conflicted(session, u, case)]


# --------------------------------------------------------------------------------------------------
# Applying a transition
# --------------------------------------------------------------------------------------------------

def validate(session: Session, case: Case, transition: Transition, data: TransitionInput) -> None:
    """Raise :class:`RequirementError` when something ``transition`` requires is missing or invalid."""
    req = transition.requires
    if Req.KIND in req and data.kind is None:
        raise RequirementError(_l("Hãy chọn loại đơn theo nội dung."))
    if Req.KIND in req and data.kind == CaseKind.DENUNCIATION and unsigned(case, data.kind):
        raise RequirementError(UNSIGNED_MESSAGE)
    if Req.KIND in req:
        unknown = set(data.eligibility) - {r.code for r in REASON_CODES.values() if r.group == ReasonGroup.ELIGIBILITY}
        if unknown:
            raise RequirementError(_l("Mã lý do không hợp lệ."))
    if Req.REASON in req:
        codes = {r.code for r in reason_codes(transition.reason_group, case.kind)} if transition.reason_group else set()
        if data.reason_code not in codes:
            raise RequirementError(_l("Hãy chọn lý do trong danh sách."))
    if transition.name == "terminate" and data.reason_code == "TERM-WITHDRAWN" and not withdrawn_in_full(case):
        raise RequirementError(NOT_WITHDRAWN_MESSAGE)
    if Req.TEXT in req and not clean_text(data.text):
        raise RequirementError(_l("Hãy nhập nội dung (lý do, hướng dẫn hoặc kết luận)."))
    if Req.DECISION in req and (not (data.decision_number or "").strip() or data.decision_date is None):
        raise RequirementError(_l("Hãy nhập số và ngày của quyết định."))
    if Req.DECISION in req and data.decision_date and data.decision_date > local_today() + dt.timedelta(days=1):
        raise RequirementError(_l("Ngày quyết định không được ở tương lai."))
    if Req.DONE_ON in req and data.done_on is not None:
        if data.done_on > local_today():
            raise RequirementError(_l("Ngày thực hiện không được ở tương lai."))
        started = done_on_floor(case, transition)
        if started is not None and data.done_on < started:
            raise RequirementError(_l("Ngày thực hiện không được trước ngày bắt đầu tính thời hạn (%(day)s).",
                                      day=LazyString(format_day, started)))
    if Req.DAYS in req and (data.days is None or not 1 <= data.days <= 30):
        raise RequirementError(_l("Mỗi lần gia hạn từ 1 đến 30 ngày."))
    if Req.DOCUMENT in req and not data.document_key:
        raise RequirementError(_l("Hãy tải lên văn bản đã ký."))
    if Req.TARGET_UNIT in req and data.target_unit_id is None:
        raise RequirementError(_l("Hãy chọn đơn vị nhận đơn."))
    if Req.TARGET_CASE in req and not (data.target_case_reference or "").strip():
        raise RequirementError(_l("Hãy nhập mã hồ sơ cần gộp vào."))
    if Req.HANDLER in req and data.handler_id is None:
        raise RequirementError(_l("Hãy chọn cán bộ thụ lý."))
    if Req.CRITERIA in req and set(data.criteria) - set(COMPLEXITY_CRITERIA):
        raise RequirementError(_l("Tiêu chí không hợp lệ."))
    if Req.WITHDRAWAL in req and data.withdrawal not in ("partial", "full"):
        raise RequirementError(_l("Hãy chọn rút một phần hay toàn bộ."))


def apply_transition(session: Session, user: User, case: Case, name: str, data: TransitionInput, *,
                     version: int | None, today: dt.date | None = None) -> CaseEvent:
    """Apply transition ``name`` to ``case`` as ``user``: all of it or nothing.

    Raises :class:`NotAllowed` (403), :class:`IllegalTransition` (409), :class:`StaleCase` (409) or
    :class:`RequirementError` (422) before anything is changed; an error raised later (a deadline
    rule refusing an extension, a lost optimistic-lock race) rolls the savepoint back.
    """
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise IllegalTransition(_l("Thao tác không tồn tại."))
    if not role_allows(session, user, case, transition):
        raise NotAllowed(_l("Bạn không có quyền thực hiện thao tác này trên hồ sơ."))
    if version is not None and version != case.version:
        raise StaleCase(STALE_MESSAGE)
    refusal = legal_refusal(case, transition) if case.status in transition.sources else None
    if refusal is not None:
        raise IllegalTransition(refusal)
    if not state_allows(case, transition):
        raise IllegalTransition(_l("Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s”.",
                                   action=transition.label, status=STATUS_LABELS[case.status]))
    validate(session, case, transition, data)
    today = today or local_today()
    with session.begin_nested():
        return _apply(session, user, case, transition, data, today)


def _apply(session: Session, user: User, case: Case, transition: Transition, data: TransitionInput,
           today: dt.date) -> CaseEvent:
    from_status = case.status
    text = clean_text(data.text)
    event = CaseEvent(case_id=case.id, actor_id=user.id, action=transition.name, from_status=from_status.value,
                      to_status=(transition.target or from_status).value, reason_code=data.reason_code
                      if Req.REASON in transition.requires else None, note=text,
                      decision_number=(data.decision_number or "").strip() or None
                      if Req.DECISION in transition.requires else None,
                      decision_date=data.decision_date if Req.DECISION in transition.requires else None,
                      is_public=transition.public is not None and case.kind != CaseKind.DENUNCIATION_INFO,
                      data={})
    if Req.DAYS in transition.requires:
        event.data = {"days": data.days}
    if Req.DONE_ON in transition.requires:
        event.data = {"done_on": (data.done_on or today).isoformat()}
    if transition.effect is not None:
        transition.effect(session, user, case, data, event)
    if transition.target is not None:
        case.status = transition.target
    case.updated_at = now_utc()
    session.add(event)
    forwarder = _forwarded_from(case) if transition.name in TELLS_FORWARDER else None
    if forwarder is not None:  # Luật Khiếu nại Art. 27, 36: the decision goes to whoever forwarded the đơn too
        session.add(CaseEvent(case_id=forwarder, actor_id=user.id, action="forward_outcome",
                              data={"case_id": case.id, "outcome": transition.name}))
    session.flush()  # bumps case.version; a concurrent update raises StaleDataError here
    run_deadline_effects(session, case, transition, data, today)
    if event.is_public:
        _tell_reporter(session, case, event)
    return event


def done_on_floor(case: Case, transition: Transition) -> dt.date | None:
    """The earliest day a step recorded after the fact can have been done: the start of the clock it
    meets (the earliest open one of its stage, which it meets first); None without a clock."""
    stages = {stage for effect, stage in transition.deadlines if effect == Effect.COMPLETE}
    starts = [d.starts_on for d in case.deadlines if d.stage in stages and d.met_at is None]
    return min(starts) if starts else None


def done_at(transition: Transition, data: TransitionInput, today: dt.date) -> dt.datetime:
    """When a clock met by ``transition`` was met: now, or for a step recorded after the fact the day
    it was done (midday, local time: the day the figures count it on)."""
    if Req.DONE_ON not in transition.requires or data.done_on is None or data.done_on >= today:
        return now_utc()
    return dt.datetime.combine(data.done_on, dt.time(12), LOCAL_TZ).astimezone(dt.UTC)


def run_deadline_effects(session: Session, case: Case, transition: Transition, data: TransitionInput,
                         today: dt.date) -> None:
    """Call the deadlines feature for each effect in the table row (skipped, with a log line, while
    ``portal.deadlines`` is not installed)."""
    if not transition.deadlines:
        return
    deadlines = _deadlines_feature()
    if deadlines is None:
        logger.info("deadlines feature absent; skipped %s for case %s", transition.deadlines, case.id)
        return
    for effect, stage in transition.deadlines:
        if effect == Effect.START:
            start_on = received_on(case) if stage in (INTAKE_STAGE, ACCEPTANCE_STAGE) else (data.decision_date or today)
            deadlines.start_stage(session, case, stage, start_on)
        elif effect == Effect.COMPLETE:
            deadlines.complete_stage(session, case, stage, done_at(transition, data, today))
        elif effect == Effect.EXTEND:
            try:
                deadlines.extend_stage(session, case, stage, data.days or 0, decision_number=data.decision_number,
                                       decision_date=data.decision_date)
            except deadlines.DeadlineError as exc:
                raise RequirementError(exc.message) from exc
        elif effect == Effect.LENGTHEN:
            try:
                deadlines.lengthen_stage(session, case, stage)
            except deadlines.DeadlineError as exc:
                raise RequirementError(exc.message) from exc
        elif effect == Effect.PAUSE:
            deadlines.pause_case(session, case, data.decision_date or today)
        elif effect == Effect.RESUME:
            deadlines.resume_case(session, case, data.decision_date or today)
        elif effect == Effect.REFRESH:
            deadlines.refresh_for_flags(session, case)


def _tell_reporter(session: Session, case: Case, event: CaseEvent) -> None:
    """Email the reporter about a public event (through the tracking feature, when installed)."""
    if case.submission.is_anonymous and case.kind == CaseKind.DENUNCIATION_INFO:
        return
    try:
        from portal.tracking.services import notify_reporter
    except ImportError:
        return
    notify_reporter(session, case.submission, dedupe_key=f"case-event-{event.id}")


def public_text(event: CaseEvent) -> str | None:
    """What the reporter reads for a public event (the tracking page uses this)."""
    transition = TRANSITIONS.get(event.action)
    if transition is None or transition.public is None:
        return None
    return str(transition.public)


def all_transitions() -> Iterable[Transition]:
    return TRANSITIONS.values()
