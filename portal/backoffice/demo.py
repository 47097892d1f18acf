"""Demo: walk a few demo cases through the lifecycle table so the back office shows several states.

Runs after the intake demo (FEATURES order). Idempotent: does nothing once any case has been taken
into handling. Acts only as demo staff who really hold the roles the table requires.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, RoleAssignment, User
from portal.accounts.permissions import unit_and_ancestors
from portal.cases.lifecycle import TransitionError, TransitionInput, apply_transition, kind_for_submission
from portal.cases.models import Case, CaseEvent, CaseKind, CaseStatus, SubmissionKind
from portal.cases.services import reveal_identity
from portal.deadlines.clock import local_today


def _staff(session: Session, case: Case, role: Role) -> User | None:
    chain = unit_and_ancestors(session, case.unit_id)
    for unit_id in chain:  # the nearest holder of the role
        user = session.scalar(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(
            RoleAssignment.unit_id == unit_id, RoleAssignment.role == role, User.is_staff.is_(True)).limit(1))
        if user is not None:
            return user
    return None


def _walk(session: Session, case: Case, plan: str) -> bool:
    officer, head = _staff(session, case, Role.INTAKE_OFFICER), _staff(session, case, Role.HEAD)
    handler = _staff(session, case, Role.HANDLER)
    if officer is None or head is None:
        return False
    today = local_today()
    decision = {"decision_number": "01/QĐ-DEMO", "decision_date": today}
    if case.submission.is_anonymous and case.submission.kind == SubmissionKind.DENUNCIATION:
        # an unsigned denunciation is information, not a case under the procedure (LEGAL.md §3)
        apply_transition(session, officer, case, "to_information", TransitionInput(), version=None)
        return True
    kind = kind_for_submission(case.submission.kind)
    apply_transition(session, officer, case, "take", TransitionInput(), version=None)
    apply_transition(session, officer, case, "classify", TransitionInput(kind=kind), version=None)
    if plan == "refuse":
        # a reason the demo đơn's own facts do not contradict (it was sent within the time limit)
        code, text = (("KN-11-9", "Tòa án nhân dân đã thụ lý vụ án hành chính về cùng nội dung.")
                      if kind == CaseKind.COMPLAINT else ("F-CONTENT", "Đơn không đủ điều kiện thụ lý theo quy định."))
        apply_transition(session, officer, case, "not_accept", TransitionInput(reason_code=code, text=text),
                         version=None)
        return True
    if plan == "guide":
        apply_transition(session, officer, case, "guide", TransitionInput(
            text="Đề nghị ông/bà gửi đơn đến Ủy ban nhân dân phường nơi cư trú."), version=None)
        return True
    apply_transition(session, officer, case, "propose", TransitionInput(text="Đủ điều kiện thụ lý."), version=None)
    if plan == "proposed":
        return True
    if kind == CaseKind.DENUNCIATION:  # the head checks who denounces before thụ lý (Luật Tố cáo Art. 24(1))
        reveal_identity(session, head, case, "Đối chiếu nhân thân người tố cáo (dữ liệu mẫu)")
        apply_transition(session, head, case, "verify_identity", TransitionInput(reason_code="ID-DOC"), version=None)
    apply_transition(session, head, case, "accept", TransitionInput(**decision), version=None)
    if handler is not None:
        apply_transition(session, head, case, "assign", TransitionInput(handler_id=handler.id), version=None)
    return True


PLANS = ("investigating", "refuse", "proposed", "guide")


def seed(session: Session) -> list[str]:
    if session.scalar(select(CaseEvent.id).where(CaseEvent.action == "take").limit(1)) is not None:
        return []
    cases = list(session.scalars(select(Case).where(Case.status == CaseStatus.RECEIVED).order_by(Case.id).limit(8)))
    walked = 0
    plans = iter(PLANS)
    for case in cases:
        plan = "information" if case.submission.is_anonymous else next(plans, None)
        if plan is None:
            continue
        try:
            with session.begin_nested():
                walked += _walk(session, case, plan)
        except TransitionError:
            continue
    return [f"backoffice: {walked} demo cases handled"] if walked else []
