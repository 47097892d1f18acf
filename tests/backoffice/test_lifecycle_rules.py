"""Rules inside transitions: complexity from the criteria count, withdrawal of a denunciation that
continues, reopening as a linked case, splitting and merging, deadline effects, requirements."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.audit.services import verify
from portal.cases.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    NotAllowed,
    RequirementError,
    StaleCase,
    TransitionInput,
    apply_transition,
    available,
)
from portal.cases.models import Attachment, Case, CaseKind, CaseStatus, SubmissionKind
from portal.cases.services import CaseError, audit_original_download, pseudonym, reveal_identity
from portal.deadlines.services import seed_rules, start_stage
from tests.factories import make_case, make_submission, make_unit, make_user


@pytest.fixture
def people(db_session):
    root = make_unit(db_session)
    unit = make_unit(db_session, parent=root)
    return {"root": root, "unit": unit, "head": make_user(db_session, roles=[(Role.HEAD, unit)]),
            "officer": make_user(db_session, roles=[(Role.INTAKE_OFFICER, unit)]),
            "deputy": make_user(db_session, roles=[(Role.DEPUTY, unit)]),
            "handler": make_user(db_session, roles=[(Role.HANDLER, unit)])}


@pytest.mark.parametrize(("criteria", "complex_", "especially"), [((), False, False), (("C2",), True, False),
                                                                  (("C1", "C4"), False, True)])
def test_criteria_count_decides_complexity(db_session, people, criteria, complex_, especially):
    case = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.INVESTIGATING)
    apply_transition(db_session, people["head"], case, "flag", TransitionInput(criteria=criteria, is_remote=True),
                     version=case.version)
    assert (case.is_complex, case.is_especially_complex, case.is_remote) == (complex_, especially, True)
    assert case.complexity_criteria == sorted(criteria)


def test_denunciation_may_continue_after_withdrawal_a_complaint_may_not(db_session, people):
    """Luật Khiếu nại Art. 10: a complaint withdrawn in full is terminated, never concluded; Luật Tố
    cáo Art. 33(3): a denunciation withdrawn under threat (or showing a violation) is still resolved,
    so it is not terminated as withdrawn."""
    from portal.cases.lifecycle import WITHDRAWN_MESSAGE, held_back

    head = people["head"]
    denunciation = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION,
                             status=CaseStatus.INVESTIGATING)
    apply_transition(db_session, head, denunciation, "withdraw",
                     TransitionInput(withdrawal="full", continues=True, text="Có dấu hiệu bị ép buộc rút đơn"),
                     version=None)
    assert denunciation.withdrawal == "full" and denunciation.continues_after_withdrawal
    assert denunciation.status == CaseStatus.INVESTIGATING
    with pytest.raises(RequirementError, match="Chỉ đình chỉ vì rút đơn"):
        apply_transition(db_session, head, denunciation, "terminate", TransitionInput(
            reason_code="TERM-WITHDRAWN", decision_number="4/QĐ", decision_date=dt.date(2026, 11, 2)), version=None)
    assert "resolve" not in {t.name for t, _why in held_back(db_session, head, denunciation)}

    partly = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING)
    apply_transition(db_session, head, partly, "withdraw", TransitionInput(withdrawal="partial", text="Rút ý 2"),
                     version=None)
    with pytest.raises(RequirementError, match="Chỉ đình chỉ vì rút đơn"):
        apply_transition(db_session, head, partly, "terminate", TransitionInput(
            reason_code="TERM-WITHDRAWN", decision_number="4/QĐ", decision_date=dt.date(2026, 11, 2)), version=None)
    assert partly.status == CaseStatus.INVESTIGATING
    complaint = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING)
    apply_transition(db_session, people["head"], complaint, "withdraw",
                     TransitionInput(withdrawal="full", continues=True, text="Rút toàn bộ"), version=None)
    assert complaint.continues_after_withdrawal is False
    assert "resolve" not in {t.name for t in available(db_session, head, complaint)}
    assert ("resolve", WITHDRAWN_MESSAGE) in [(t.name, why) for t, why in held_back(db_session, head, complaint)]
    with pytest.raises(IllegalTransition, match="rút toàn bộ"):
        apply_transition(db_session, head, complaint, "resolve", TransitionInput(
            text="Kết luận", decision_number="6/QĐ", decision_date=dt.date(2026, 11, 2), document_key="k"),
            version=None)
    apply_transition(db_session, people["head"], complaint, "terminate", TransitionInput(
        reason_code="TERM-WITHDRAWN", decision_number="5/QĐ", decision_date=dt.date(2026, 11, 2)), version=None)
    assert complaint.status == CaseStatus.TERMINATED


def _reopened(db_session, people, kind: CaseKind, text: str) -> tuple[Case, Case]:  # type: ignore[no-untyped-def]
    """A closed case of ``kind`` at a ward under the people's unit, and the case its reopening made."""
    ward = make_unit(db_session, parent=people["unit"])
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, ward)])
    case = make_case(db_session, unit=ward, kind=kind, status=CaseStatus.CLOSED)
    event = apply_transition(db_session, officer, case, "reopen", TransitionInput(text=text), version=None)
    return case, db_session.get(Case, event.data["new_case_id"])


def test_reopen_creates_a_linked_new_case_at_the_direct_superior(db_session, people):
    """LEGAL.md §5.1 (Luật Khiếu nại Art. 7): the second complaint goes to the direct superior of the
    first-time resolver; Art. 11(7): no third round after a second-time decision."""
    case, second = _reopened(db_session, people, CaseKind.COMPLAINT, "Không đồng ý với quyết định lần đầu")
    assert second.previous_case_id == case.id and second.status == CaseStatus.IN_REVIEW
    assert second.submission_id == case.submission_id and case.status == CaseStatus.CLOSED
    assert second.unit_id == people["unit"].id  # the ward's superior
    second.status = CaseStatus.CLOSED
    head = make_user(db_session, roles=[(Role.INTAKE_OFFICER, people["unit"])])
    assert "reopen" not in {t.name for t in available(db_session, head, second)}
    with pytest.raises(IllegalTransition, match="không có lần khiếu nại thứ ba"):
        apply_transition(db_session, people["officer"], second, "reopen", TransitionInput(text="Lần ba"),
                         version=None)


def test_a_re_denunciation_is_reviewed_at_the_superior_within_twenty_days(db_session, people):
    """Luật Tố cáo Art. 37(2) (TC-09): the superior reviews the earlier file within 20 days of receiving
    the tố cáo tiếp, instead of the 7 working days of a first denunciation's handling (TC-01), which the
    superior cannot lengthen either."""
    from portal.deadlines.clock import local_today

    seed_rules(db_session)
    _first_round, again = _reopened(db_session, people, CaseKind.DENUNCIATION,
                                    "Tố cáo tiếp: việc giải quyết chưa đúng")
    intake = next(d for d in again.deadlines if d.stage == "intake")
    assert (intake.rule_code, intake.starts_on) == ("TC-09", local_today())
    assert 20 <= (intake.due_on - local_today()).days <= 23  # 20 days, a last day off moved to a working day
    assert again.due_on == intake.due_on
    assert "lengthen_intake" not in {t.name for t in available(db_session, people["head"], again)}
    with pytest.raises(IllegalTransition, match="Tố cáo tiếp được cấp trên xem xét trong 20 ngày"):
        apply_transition(db_session, people["head"], again, "lengthen_intake",
                         TransitionInput(text="Xác minh ở nhiều nơi"), version=None)
    first = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.RECEIVED)
    assert start_stage(db_session, first, "intake", local_today()).rule_code == "TC-01"


def test_split_needs_two_parts_and_merge_needs_a_visible_open_target(db_session, people):
    case = make_case(db_session, unit=people["unit"], status=CaseStatus.IN_REVIEW)
    with pytest.raises(RequirementError):
        apply_transition(db_session, people["officer"], case, "split", TransitionInput(parts=("một",)),
                         version=None)
    assert case.status == CaseStatus.IN_REVIEW
    elsewhere = make_case(db_session, unit=make_unit(db_session), status=CaseStatus.IN_REVIEW)
    with pytest.raises(RequirementError):  # a case the officer may not see does not exist for them
        apply_transition(db_session, people["officer"], case, "merge",
                         TransitionInput(target_case_reference=elsewhere.reference), version=None)
    db_session.refresh(case)
    assert case.status == CaseStatus.IN_REVIEW and case.merged_into_id is None


def test_version_and_state_are_checked_before_anything_changes(db_session, people):
    case = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.PROPOSED)
    with pytest.raises(StaleCase):
        apply_transition(db_session, people["head"], case, "accept", TransitionInput(
            decision_number="1", decision_date=dt.date(2026, 11, 1)), version=case.version + 1)
    with pytest.raises(IllegalTransition) as refused:
        apply_transition(db_session, people["head"], case, "resolve", TransitionInput(), version=case.version)
    assert "Ban hành quyết định" in refused.value.message
    assert case.status == CaseStatus.PROPOSED and not case.events


def test_acceptance_starts_the_resolution_clock_and_suspension_pauses_it(db_session, people):
    seed_rules(db_session)
    case = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.RECEIVED)
    apply_transition(db_session, people["officer"], case, "take", TransitionInput(), version=None)
    assert {d.stage for d in case.deadlines} == {"intake", "acceptance"}
    apply_transition(db_session, people["officer"], case, "propose", TransitionInput(text="Đủ điều kiện"),
                     version=None)
    apply_transition(db_session, people["head"], case, "accept", TransitionInput(
        decision_number="3/QĐ", decision_date=dt.date.today()), version=None)
    stages = {d.stage: d for d in case.deadlines}
    assert stages["intake"].met_at and stages["acceptance"].met_at and stages["resolution"].met_at is None
    apply_transition(db_session, people["head"], case, "suspend", TransitionInput(
        reason_code="SUSP-FORCE", decision_number="4/QĐ", decision_date=dt.date.today()), version=None)
    assert stages["resolution"].paused_since == dt.date.today()


def test_information_never_gets_acceptance_or_public_events(db_session, people):
    submission = make_submission(db_session, unit_id=people["unit"].id)  # anonymous
    case = make_case(db_session, unit=people["unit"], submission=submission, kind=None, status=CaseStatus.RECEIVED)
    event = apply_transition(db_session, people["officer"], case, "to_information", TransitionInput(), version=None)
    assert case.kind == CaseKind.DENUNCIATION_INFO and not event.is_public
    for name in ("propose", "accept", "not_accept", "guide"):
        assert not TRANSITIONS[name].applies_to_information


def test_reveal_and_original_download_are_audited_with_a_reason(db_session, people, app):
    submission = make_submission(db_session, unit_id=people["unit"].id, identity={"full_name": "Bí Danh"})
    case = make_case(db_session, unit=people["unit"], submission=submission, handler_id=people["handler"].id)
    with app.test_request_context():
        assert "Bí Danh" not in pseudonym(submission) and pseudonym(submission).startswith("Người gửi #")
        with pytest.raises(CaseError):
            reveal_identity(db_session, people["handler"], case, "  ")
        assert reveal_identity(db_session, people["handler"], case, "Xác minh").full_name == "Bí Danh"
        attachment = Attachment(submission_id=submission.id, original_name="a.pdf", mime_type="application/pdf",
                                size=1, sha256="a" * 64, storage_key="ab" * 10)
        db_session.add(attachment)
        db_session.flush()
        audit_original_download(db_session, people["handler"], case, attachment, "Giám định chữ ký")
    actions = [e.action for e in db_session.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id))]
    assert actions == ["identity.reveal", "attachment.original_download"]
    assert verify(db_session).broken_at is None


def test_a_concurrent_update_loses_the_race_and_writes_nothing(db_session, people):
    """Two officers at once: the second flush sees another version (optimistic lock) and nothing is kept."""
    from sqlalchemy import text
    from sqlalchemy.orm.exc import StaleDataError

    case = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.PROPOSED)
    db_session.execute(text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": case.id})
    with pytest.raises(StaleDataError):
        apply_transition(db_session, people["head"], case, "accept", TransitionInput(
            decision_number="9/QĐ", decision_date=dt.date(2026, 11, 2)), version=None)
    db_session.expire_all()
    fresh = db_session.get(Case, case.id)
    assert fresh.status == CaseStatus.PROPOSED and not fresh.events


def test_the_same_denunciation_sent_again_is_not_forwarded_twice(db_session, people):
    other = make_unit(db_session)
    text = "Ông X nhận hối lộ khi cấp phép xây dựng."
    first = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.IN_REVIEW,
                      submission=make_submission(db_session, unit_id=people["unit"].id, content=text))
    apply_transition(db_session, people["officer"], first, "forward", TransitionInput(
        target_unit_id=other.id, text="Chuyển đơn"), version=None)
    again = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.IN_REVIEW,
                      submission=make_submission(db_session, unit_id=people["unit"].id, content=f"  {text.upper()} "))
    with pytest.raises(IllegalTransition):
        apply_transition(db_session, people["officer"], again, "forward", TransitionInput(
            target_unit_id=other.id, text="Chuyển đơn"), version=None)
    assert again.status == CaseStatus.IN_REVIEW
    # A complaint with that text is not a denunciation: the rule does not apply.
    complaint = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.IN_REVIEW,
                          submission=make_submission(db_session, unit_id=people["unit"].id, content=text))
    apply_transition(db_session, people["officer"], complaint, "forward", TransitionInput(
        target_unit_id=other.id, text="Chuyển đơn"), version=None)
    assert complaint.status == CaseStatus.FORWARDED


def test_an_unsigned_denunciation_or_complaint_is_never_accepted(db_session):
    """LEGAL.md §3 (Luật Tố cáo Art. 25): an unsigned denunciation is information, handled outside the
    procedure: it cannot be classified as a denunciation, and no unsigned complaint or denunciation
    can be proposed or accepted (no thụ lý, no acceptance notice)."""
    import pytest

    from portal.accounts.models import Role
    from portal.cases.lifecycle import (
        IllegalTransition,
        RequirementError,
        TransitionInput,
        apply_transition,
        available,
    )
    from portal.cases.models import CaseKind, CaseStatus, SubmissionKind
    from tests.factories import make_case, make_submission, make_unit, make_user

    unit = make_unit(db_session)
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, unit)])
    head = make_user(db_session, roles=[(Role.HEAD, unit)])
    anonymous = make_submission(db_session, kind=SubmissionKind.DENUNCIATION)
    case = make_case(db_session, unit=unit, submission=anonymous, kind=None, status=CaseStatus.IN_REVIEW)
    with pytest.raises(RequirementError, match="không ghi tên"):
        apply_transition(db_session, officer, case, "classify", TransitionInput(kind=CaseKind.DENUNCIATION),
                         version=case.version)
    # one classified so before this rule, or a complaint typed in from an unsigned letter
    for kind, status, user, name in ((CaseKind.DENUNCIATION, CaseStatus.IN_REVIEW, officer, "propose"),
                                     (CaseKind.COMPLAINT, CaseStatus.PROPOSED, head, "accept")):
        old = make_case(db_session, unit=unit, submission=make_submission(db_session), kind=kind, status=status)
        assert name not in {t.name for t in available(db_session, user, old)}
        with pytest.raises(IllegalTransition, match="không ghi tên"):
            apply_transition(db_session, user, old, name, TransitionInput(text="Đủ điều kiện", decision_number="1",
                                                                        decision_date=None), version=old.version)
        assert old.status == status
    apply_transition(db_session, officer, case, "to_information", TransitionInput(), version=case.version)
    assert case.status == CaseStatus.INFORMATION and case.kind == CaseKind.DENUNCIATION_INFO
    named = make_case(db_session, unit=unit, kind=CaseKind.DENUNCIATION, status=CaseStatus.IN_REVIEW,
                      submission=make_submission(db_session, kind=SubmissionKind.DENUNCIATION,
                                                 identity={"phone": "0901234567"}))
    assert "propose" in {t.name for t in available(db_session, officer, named)}


def test_termination_and_resumption_each_have_their_written_notice(db_session, people, app):
    """LEGAL.md §1.5: a decision to terminate (đình chỉ) or to resume is sent in writing, like a suspension."""
    from portal.cases import notices

    seed_rules(db_session)
    head = people["head"]
    day = dt.date(2026, 11, 2)
    case = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING)
    apply_transition(db_session, head, case, "suspend", TransitionInput(
        reason_code="SUSP-AWAIT", decision_number="5/QĐ-TĐC", decision_date=day), version=case.version)
    resumed = apply_transition(db_session, head, case, "resume", TransitionInput(
        decision_number="6/QĐ-TTGQ", decision_date=day), version=case.version)
    apply_transition(db_session, head, case, "withdraw", TransitionInput(withdrawal="full", text="Đơn rút ngày 2/11"),
                     version=case.version)
    ended = apply_transition(db_session, head, case, "terminate", TransitionInput(
        reason_code="TERM-WITHDRAWN", decision_number="7/QĐ-ĐC", decision_date=day), version=case.version)
    with app.test_request_context():
        resumption = notices.render_notice(db_session, case, resumed)
        termination = notices.render_notice(db_session, case, ended)
    assert resumption.code == "resumption" and "6/QĐ-TTGQ" in resumption.body and case.reference in resumption.body
    assert termination.code == "termination" and "7/QĐ-ĐC" in termination.body
    assert "Người gửi rút toàn bộ nội dung" in termination.body
    assert resumed.is_public and ended.is_public


def test_the_accused_is_told_the_content_of_an_accepted_denunciation_never_the_denouncer(db_session, people, app):
    """Luật Tố cáo Art. 29(3) (TC-03): within 5 working days of the acceptance, the content goes to
    the accused; the notice carries no identifier of the denouncer, whatever the officer typed. The
    sender's status page keeps the resolution deadline."""
    from portal.cases import notices
    from portal.tracking.services import reporter_view

    seed_rules(db_session)
    head, handler = people["head"], people["handler"]
    submission = make_submission(db_session, kind=SubmissionKind.DENUNCIATION, accused_name="Ông Trần Văn B",
                                 identity={"full_name": "Lê Thị Tố Giác", "phone": "0901234567",
                                           "representatives": ["Phạm Đại Diện"]})
    # as in production, the đơn's first case is referenced by its tracking code
    case = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.PROPOSED,
                     submission=submission, handler_id=handler.id, reference=submission.tracking_code)
    accepted_on = dt.date(2026, 11, 2)  # a Monday
    reveal_identity(db_session, head, case, "Đối chiếu nhân thân")
    apply_transition(db_session, head, case, "verify_identity", TransitionInput(reason_code="ID-DOC"), version=None)
    apply_transition(db_session, head, case, "accept", TransitionInput(decision_number="12/QĐ-TL",
                                                                       decision_date=accepted_on), version=None)
    stages = {d.stage: d for d in case.deadlines if d.met_at is None}
    assert stages["notify"].rule_code == "TC-03" and stages["notify"].due_on == dt.date(2026, 11, 9)  # 5 WD
    assert case.due_on == dt.date(2026, 11, 9)  # the office's nearest duty
    view = reporter_view(db_session, submission)
    assert (view.due_stage, view.due_on) == ("resolution", stages["resolution"].due_on)  # not the accused's

    apply_transition(db_session, head, case, "assign", TransitionInput(handler_id=handler.id), version=None)
    assert case.status == CaseStatus.INVESTIGATING
    assert "resolve" not in {t.name for t in available(db_session, head, case)}  # the accused is heard first
    with pytest.raises(IllegalTransition, match="chưa được thông báo"):
        apply_transition(db_session, head, case, "resolve", TransitionInput(text="Kết luận", decision_number="1",
                                                                            decision_date=accepted_on), version=None)
    event = apply_transition(db_session, handler, case, "notify_accused", TransitionInput(
        text="Ông B bị tố cáo nhận tiền của hộ kinh doanh; bà Lê Thị Tố Giác, số 0901234567, và ông Phạm Đại Diện "
             "là người biết rõ."), version=None)
    assert stages["notify"].met_at is not None and case.due_on == stages["resolution"].due_on
    assert not event.is_public  # the sender's page does not list what went to the accused
    with app.test_request_context():
        notice = notices.render_notice(db_session, case, event)
    assert notice.code == "accused_notice"
    assert "Ông Trần Văn B" in notice.body and "12/QĐ-TL" in notice.body and "nhận tiền" in notice.body
    for secret in ("Lê Thị Tố Giác", "0901234567", "Phạm Đại Diện", submission.tracking_code):
        assert secret not in notice.body
    # nor can an administrator's template bring the tracking code, the reference or the receipt day back
    for leak in ("{{ tracking_code }}", "{{ reference }}", "{{ received_on }}"):
        with pytest.raises(notices.NoticeError):
            notices.check_template(f"<p>{leak}</p>", "accused_notice")
    notices.check_template("<p>{{ reference }}</p>", "acceptance")  # the sender's own notices may
    assert "resolve" in {t.name for t in available(db_session, head, case)}

    # a case terminated before the accused was told stops that clock too
    other = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.PROPOSED,
                      submission=make_submission(db_session, kind=SubmissionKind.DENUNCIATION,
                                                 identity={"full_name": "Người Khác"}))
    reveal_identity(db_session, head, other, "Đối chiếu nhân thân")
    apply_transition(db_session, head, other, "verify_identity", TransitionInput(reason_code="ID-VNEID"), version=None)
    apply_transition(db_session, head, other, "accept", TransitionInput(decision_number="14/QĐ-TL",
                                                                        decision_date=accepted_on), version=None)
    apply_transition(db_session, head, other, "terminate", TransitionInput(
        reason_code="TERM-DIED", decision_number="15/QĐ-ĐC", decision_date=accepted_on), version=None)
    running = [d for d in other.deadlines if d.met_at is None]
    assert [d.rule_code for d in running] == ["TC-05"]  # only the termination decision's sending is left
    assert other.due_on == running[0].due_on

    complaint = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.PROPOSED)
    apply_transition(db_session, head, complaint, "accept", TransitionInput(decision_number="13/QĐ-TL",
                                                                            decision_date=accepted_on), version=None)
    assert "notify" not in {d.stage for d in complaint.deadlines}
    assert "notify_accused" not in {t.name for t in available(db_session, head, complaint)}


def test_a_named_denouncer_is_identified_before_thu_ly_by_the_head_who_may_see_them(db_session, people):
    """Luật Tố cáo Art. 24(1): the identity check is part of xử lý đơn. Only the unit's head (who may
    reveal the identity) records it, after looking at it (their audited reveal), by a method from a
    list (no free text to carry an ID number); thụ lý waits for it. Each unit that handles the đơn
    checks for itself; the parts of a split đơn keep the check."""
    from portal.cases.lifecycle import (
        IDENTITY_FIRST_MESSAGE,
        VERIFY_AFTER_REVEAL_MESSAGE,
        held_back,
        needs_identity_check,
    )

    head, deputy, officer = people["head"], people["deputy"], people["officer"]
    above = make_user(db_session, roles=[(Role.HEAD, people["root"])])
    submission = make_submission(db_session, kind=SubmissionKind.DENUNCIATION, identity={"full_name": "Lê Văn Tố"})
    case = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.IN_REVIEW,
                     submission=submission)
    decision = TransitionInput(decision_number="21/QĐ-TL", decision_date=dt.date(2026, 11, 2))
    method = TransitionInput(reason_code="ID-PLACE")

    apply_transition(db_session, officer, case, "propose", TransitionInput(text="Đủ điều kiện"), version=None)
    assert "accept" not in {t.name for t in available(db_session, head, case)}
    assert [(t.name, str(why)) for t, why in held_back(db_session, head, case)] == [
        ("accept", str(IDENTITY_FIRST_MESSAGE))]
    with pytest.raises(IllegalTransition, match="Chưa xác minh nhân thân"):
        apply_transition(db_session, head, case, "accept", decision, version=None)
    assert case.status == CaseStatus.PROPOSED and case.identity_verified_at is None

    # the deputy and the intake officer see a pseudonym, and a head above is not the unit's head
    for user in (deputy, officer, above):
        assert "verify_identity" not in {t.name for t in available(db_session, user, case)}
        with pytest.raises(NotAllowed):
            apply_transition(db_session, user, case, "verify_identity", method, version=None)
    with pytest.raises(RequirementError):  # a method from the list, nothing else
        apply_transition(db_session, head, case, "verify_identity", TransitionInput(reason_code="F-LANG"),
                         version=None)
    with pytest.raises(RequirementError) as unseen:  # nobody vouches for an identity they did not look at
        apply_transition(db_session, head, case, "verify_identity", method, version=None)
    assert unseen.value.lazy_message is VERIFY_AFTER_REVEAL_MESSAGE and case.identity_verified_at is None
    reveal_identity(db_session, head, case, "Đối chiếu nhân thân")

    event = apply_transition(db_session, head, case, "verify_identity", method, version=None)
    assert (event.reason_code, event.is_public, case.status) == ("ID-PLACE", False, CaseStatus.PROPOSED)
    assert case.identity_verified_at is not None
    assert "verify_identity" not in {t.name for t in available(db_session, head, case)}  # once
    with pytest.raises(IllegalTransition, match="đã được xác minh"):
        apply_transition(db_session, head, case, "verify_identity", method, version=None)
    assert held_back(db_session, head, case) == []
    apply_transition(db_session, head, case, "accept", decision, version=None)
    assert case.status == CaseStatus.ACCEPTED

    # split during xử lý đơn, the parts keep the check; forwarded, the competent unit checks again
    whole = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.IN_REVIEW,
                      submission=submission, identity_verified_at=case.identity_verified_at)
    apply_transition(db_session, officer, whole, "split", TransitionInput(parts=("Nội dung một", "Nội dung hai")),
                     version=None)
    parts = db_session.scalars(select(Case).where(Case.parent_id == whole.id)).all()
    assert len(parts) == 2 and all(p.identity_verified_at == case.identity_verified_at for p in parts)
    other_unit = make_unit(db_session, parent=people["root"])
    sent = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.IN_REVIEW,
                     submission=submission, identity_verified_at=case.identity_verified_at)
    apply_transition(db_session, officer, sent, "forward", TransitionInput(target_unit_id=other_unit.id,
                                                                          text="Chuyển đơn"), version=None)
    received = db_session.scalar(select(Case).where(Case.forwarded_from_id == sent.id))
    assert received.identity_verified_at is None and needs_identity_check(received)

    unsigned = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.IN_REVIEW)
    with pytest.raises(IllegalTransition, match="không ghi tên"):
        apply_transition(db_session, head, unsigned, "verify_identity", method, version=None)
    complaint = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.PROPOSED)
    assert "verify_identity" not in {t.name for t in available(db_session, head, complaint)}
    apply_transition(db_session, head, complaint, "accept", decision, version=None)


def test_the_page_says_why_an_action_waits(db_session, people):
    """held_back lists what the user could do but for the law, with why: the conclusion before the
    accused was told (TC-03), thụ lý of an unsigned denunciation; never an action already done once."""
    from portal.cases.lifecycle import ACCUSED_FIRST_MESSAGE, UNSIGNED_MESSAGE, held_back

    seed_rules(db_session)
    head = people["head"]
    told = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.INVESTIGATING)
    start_stage(db_session, told, "notify", dt.date(2026, 11, 2))
    assert [(t.name, why) for t, why in held_back(db_session, head, told)] == [("resolve", ACCUSED_FIRST_MESSAGE)]
    assert held_back(db_session, people["officer"], told) == []  # not theirs to do anyway
    unsigned = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.PROPOSED)
    assert [(t.name, why) for t, why in held_back(db_session, head, unsigned)] == [("accept", UNSIGNED_MESSAGE)]


def test_a_denouncer_who_cannot_be_identified_leaves_the_procedure_as_information(db_session, people):
    """Luật Tố cáo Art. 25: found at the head's check (the đơn already proposed: returned to xử lý đơn
    first, the intake officer may not take a proposal from the head), a denouncer who cannot be
    identified makes the đơn information: no thụ lý, the intake clocks stop, nothing is public."""
    seed_rules(db_session)
    submission = make_submission(db_session, kind=SubmissionKind.DENUNCIATION, identity={"full_name": "Tên Giả"})
    case = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.PROPOSED,
                     submission=submission)
    start_stage(db_session, case, "intake", dt.date(2026, 11, 2))
    with pytest.raises(IllegalTransition):
        apply_transition(db_session, people["officer"], case, "to_information", TransitionInput(), version=None)
    apply_transition(db_session, people["head"], case, "return_to_review", TransitionInput(
        text="Không xác định được người tố cáo"), version=None)
    event = apply_transition(db_session, people["head"], case, "to_information", TransitionInput(), version=None)
    assert (case.status, case.kind, event.is_public) == (CaseStatus.INFORMATION, CaseKind.DENUNCIATION_INFO, False)
    assert all(d.met_at is not None for d in case.deadlines) and case.due_on is None
    assert not {"accept", "verify_identity"} & {t.name for t in available(db_session, people["head"], case)}


def test_conditions_found_unmet_at_classification_bar_thu_ly_until_classified_again(db_session, people):
    """Luật Khiếu nại Art. 11 ("must not be accepted"), Luật Tố cáo Art. 29(1) ("all must hold"): a
    condition recorded as unmet stops the proposal and the acceptance; the way out is a refusal with
    its reason, or a new classification once the sender has supplied what was missing."""
    from portal.cases.lifecycle import held_back

    officer, head = people["officer"], people["head"]
    case = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.IN_REVIEW)
    apply_transition(db_session, officer, case, "classify", TransitionInput(kind=CaseKind.COMPLAINT,
                                                                          eligibility=("KN-11-9",)), version=None)
    assert "propose" not in {t.name for t in available(db_session, officer, case)}
    assert [t.name for t, _why in held_back(db_session, officer, case)] == ["propose"]
    with pytest.raises(IllegalTransition, match="KN-11-9"):
        apply_transition(db_session, officer, case, "propose", TransitionInput(text="Đủ điều kiện"), version=None)
    case.status = CaseStatus.PROPOSED  # proposed before the condition was recorded
    with pytest.raises(IllegalTransition, match="chưa đáp ứng điều kiện"):
        apply_transition(db_session, head, case, "accept", TransitionInput(
            decision_number="3/QĐ", decision_date=dt.date(2026, 11, 2)), version=None)
    apply_transition(db_session, head, case, "not_accept", TransitionInput(
        reason_code="KN-11-9", text="Tòa án đã thụ lý vụ án hành chính cùng nội dung."), version=None)
    assert case.status == CaseStatus.NOT_ACCEPTED

    supplied = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.IN_REVIEW)
    apply_transition(db_session, officer, supplied, "classify", TransitionInput(
        kind=CaseKind.COMPLAINT, eligibility=("F-IDENT",)), version=None)
    apply_transition(db_session, officer, supplied, "classify", TransitionInput(kind=CaseKind.COMPLAINT),
                     version=None)  # the sender signed and dated it since
    apply_transition(db_session, officer, supplied, "propose", TransitionInput(text="Đủ điều kiện"), version=None)
    assert supplied.status == CaseStatus.PROPOSED


def test_a_written_denunciation_outside_competence_is_forwarded_not_guided(db_session, people):
    """Luật Tố cáo Art. 24(2): the body forwards it; pointing the denouncer elsewhere is for someone
    who came in person (Luật Tiếp công dân Art. 26). A copy already forwarded once, a part of one, or
    one sent in by another body is not forwarded again (TT 05/2021 Art. 14), so it may be guided."""
    from portal.cases.lifecycle import held_back
    from portal.cases.models import Channel

    officer = people["officer"]
    denunciation = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION,
                             status=CaseStatus.IN_REVIEW)
    assert "guide" not in {t.name for t in available(db_session, officer, denunciation)}
    assert "guide" not in {t.name for t, _why in held_back(db_session, officer, denunciation)}  # not noise
    with pytest.raises(IllegalTransition, match="Chuyển đơn"):
        apply_transition(db_session, officer, denunciation, "guide", TransitionInput(text="Gửi nơi khác"),
                         version=None)
    forwarded = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.IN_REVIEW,
                          forwarded_from_id=denunciation.id)
    part = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.IN_REVIEW,
                     parent_id=forwarded.id)
    apply_transition(db_session, officer, forwarded, "guide", TransitionInput(text="Gửi nơi khác"), version=None)
    assert forwarded.status == CaseStatus.GUIDED
    apply_transition(db_session, officer, part, "guide", TransitionInput(text="Gửi nơi khác"), version=None)
    for channel in (Channel.RECEPTION, Channel.FORWARDED):  # came in person; sent in by another body
        brought = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.IN_REVIEW,
                            submission=make_submission(db_session, kind=SubmissionKind.DENUNCIATION, identity={},
                                                       channel=channel))
        apply_transition(db_session, officer, brought, "guide", TransitionInput(text="Gửi nơi khác"), version=None)
        assert brought.status == CaseStatus.GUIDED
    petition = make_case(db_session, unit=people["unit"], status=CaseStatus.IN_REVIEW)
    apply_transition(db_session, officer, petition, "guide", TransitionInput(text="Gửi nơi khác"), version=None)


def test_no_second_round_in_the_unit_that_decided_at_the_top(db_session, people):
    """Luật Khiếu nại Art. 7, Luật Tố cáo Art. 37: the next round belongs to the direct superior. At
    the top of the organisation there is none here: the page says to guide the sender instead."""
    from portal.cases.lifecycle import NO_SUPERIOR_MESSAGE, held_back

    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, people["root"])])
    case = make_case(db_session, unit=people["root"], kind=CaseKind.COMPLAINT, status=CaseStatus.CLOSED)
    assert [(t.name, why) for t, why in held_back(db_session, officer, case)] == [("reopen", NO_SUPERIOR_MESSAGE)]
    with pytest.raises(IllegalTransition, match="không có cấp trên trực tiếp"):
        apply_transition(db_session, officer, case, "reopen", TransitionInput(text="Không đồng ý"), version=None)
    assert db_session.scalar(select(Case.id).where(Case.previous_case_id == case.id)) is None


def test_a_decision_is_sent_within_its_limit_before_the_file_is_closed(db_session, people):
    """Luật Khiếu nại Art. 32 (KN-04: the first-time decision sent within 3 working days of its date)
    and Luật Tố cáo Art. 35(3) (TC-06: the conclusion within 5): the clock starts with the decision,
    the handler or a head records the sending, once, and the file is not closed before."""
    from portal.cases.lifecycle import (
        DECISION_SENT_MESSAGE,
        PUBLISH_FIRST_MESSAGE,
        SEND_AND_PUBLISH_FIRST_MESSAGE,
        SEND_FIRST_MESSAGE,
        held_back,
    )
    from portal.tracking.services import reporter_view

    seed_rules(db_session)
    head, handler = people["head"], people["handler"]
    decided = dt.date(2026, 11, 4)  # a Wednesday
    resolved = {}
    for kind in (CaseKind.COMPLAINT, CaseKind.DENUNCIATION):
        case = make_case(db_session, unit=people["unit"], kind=kind, status=CaseStatus.INVESTIGATING,
                         handler_id=handler.id)
        start_stage(db_session, case, "resolution", dt.date(2026, 10, 20))
        apply_transition(db_session, head, case, "resolve", TransitionInput(
            text="Giữ nguyên quyết định.", decision_number="50/QĐ", decision_date=decided,
            document_key="decision-test-key"), version=None)
        resolved[kind] = case
    sending = {kind: [d for d in case.deadlines if d.stage == "send"] for kind, case in resolved.items()}
    assert [(d.rule_code, d.starts_on, d.due_on, d.met_at) for d in sending[CaseKind.COMPLAINT]] == [
        ("KN-04", decided, dt.date(2026, 11, 9), None)]  # Thu, Fri, Mon
    assert [(d.rule_code, d.due_on) for d in sending[CaseKind.DENUNCIATION]] == [("TC-06", dt.date(2026, 11, 11))]
    # and a denunciation's conclusion is made public within 7 (TC-07, Luật Tố cáo Art. 40)
    published = {kind: [(d.rule_code, d.due_on) for d in case.deadlines if d.stage == "publish"]
                 for kind, case in resolved.items()}
    assert published == {CaseKind.COMPLAINT: [], CaseKind.DENUNCIATION: [("TC-07", dt.date(2026, 11, 13))]}
    assert reporter_view(db_session, resolved[CaseKind.DENUNCIATION].submission).due_on is None  # office duties

    complaint = resolved[CaseKind.COMPLAINT]
    assert complaint.due_on == dt.date(2026, 11, 9)  # the office's duty left on the file
    assert reporter_view(db_session, complaint.submission).due_on is None  # the sender is not shown it
    assert "close" not in {t.name for t in available(db_session, head, complaint)}
    assert ("close", SEND_FIRST_MESSAGE) in [(t.name, why) for t, why in held_back(db_session, head, complaint)]
    with pytest.raises(IllegalTransition, match="Chưa ghi nhận việc gửi"):
        apply_transition(db_session, head, complaint, "close", TransitionInput(), version=None)

    event = apply_transition(db_session, handler, complaint, "send_decision", TransitionInput(
        text="Gửi bưu điện ngày 6/11 cho người khiếu nại và người bị khiếu nại."), version=None)
    assert complaint.status == CaseStatus.RESOLVED and not event.is_public
    assert sending[CaseKind.COMPLAINT][0].met_at is not None and complaint.due_on is None
    with pytest.raises(IllegalTransition, match="đã được ghi nhận"):
        apply_transition(db_session, head, complaint, "send_decision", TransitionInput(text="Lần nữa"), version=None)
    assert DECISION_SENT_MESSAGE not in [why for _t, why in held_back(db_session, head, complaint)]  # done, quiet
    apply_transition(db_session, head, complaint, "close", TransitionInput(), version=None)
    assert complaint.status == CaseStatus.CLOSED

    # a second-time decision: 7 working days (KN-10, Luật Khiếu nại Art. 40)
    first = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.RESOLVED)
    root_head = make_user(db_session, roles=[(Role.HEAD, people["root"])])
    second = make_case(db_session, unit=people["root"], kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING,
                       previous_case_id=first.id)
    apply_transition(db_session, root_head, second, "resolve", TransitionInput(
        text="Kết luận lần hai", decision_number="60/QĐ", decision_date=decided, document_key="decision-test-key"),
        version=None)
    assert [(d.rule_code, d.due_on) for d in second.deadlines if d.stage == "send"] == [
        ("KN-10", dt.date(2026, 11, 13))]

    # a case resolved with no clock (before the clock existed, or with no rule in force that day): the
    # sending is still recorded once, and still before closing
    earlier = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.RESOLVED,
                        handler_id=handler.id)
    assert earlier.deadlines == []
    assert ("close", SEND_AND_PUBLISH_FIRST_MESSAGE) in [(t.name, why) for t, why in held_back(db_session, head,
                                                                                                earlier)]
    event = apply_transition(db_session, head, earlier, "send_decision", TransitionInput(text="Đã gửi ngày 1/10"),
                             version=None)
    assert not event.is_public  # what went to whom names the other parties
    with pytest.raises(IllegalTransition, match="đã được ghi nhận"):
        apply_transition(db_session, head, earlier, "send_decision", TransitionInput(text="Lần nữa"), version=None)
    # a denunciation's file also waits for the conclusion's publication
    assert ("close", PUBLISH_FIRST_MESSAGE) in [(t.name, why) for t, why in held_back(db_session, head, earlier)]
    published = apply_transition(db_session, handler, earlier, "publish_conclusion", TransitionInput(
        text="Niêm yết tại trụ sở ngày 2/10"), version=None)
    assert not published.is_public
    with pytest.raises(IllegalTransition, match="công khai kết luận đã được ghi nhận"):
        apply_transition(db_session, head, earlier, "publish_conclusion", TransitionInput(text="Lần nữa"),
                         version=None)
    apply_transition(db_session, head, earlier, "close", TransitionInput(), version=None)
    assert earlier.status == CaseStatus.CLOSED

    # a petition's outcome is not a decision sent under these articles
    petition = make_case(db_session, unit=people["unit"], kind=CaseKind.PETITION, status=CaseStatus.RESOLVED)
    assert {"send_decision", "publish_conclusion"}.isdisjoint({t.name for t in available(db_session, head, petition)})
    assert "close" in {t.name for t in available(db_session, head, petition)}


def test_suspension_termination_and_resumption_decisions_are_sent_within_their_limit(db_session, people):
    """NĐ 155/2026 Art. 28b (KN-09: a complaint's suspension, termination or resumption decision sent
    within 3 working days, the resumption restarting the clock) and Luật Tố cáo Art. 34 (TC-05: a
    denunciation's suspension or termination decision within 5): each decision starts a clock from its
    date, the handler or a head records the sending, and a terminated file is not closed before."""
    from portal.cases.lifecycle import INTERIM_FIRST_MESSAGES, NO_INTERIM_MESSAGE, SEND_FIRST_MESSAGE, held_back
    from portal.tracking.services import reporter_view

    seed_rules(db_session)
    head, handler = people["head"], people["handler"]

    def interim(case: Case) -> list[tuple[str, dt.date, dt.date, bool]]:
        return sorted((d.rule_code, d.starts_on, d.due_on, d.met_at is not None)
                      for d in case.deadlines if d.stage == "send_interim")

    def decide(case: Case, name: str, day: dt.date, **fields: str) -> None:
        apply_transition(db_session, head, case, name, TransitionInput(
            decision_number=f"{day.day}/QĐ", decision_date=day, **fields), version=None)

    complaint = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT,
                          status=CaseStatus.INVESTIGATING, handler_id=handler.id)
    start_stage(db_session, complaint, "resolution", dt.date(2026, 10, 20))
    decide(complaint, "suspend", dt.date(2026, 11, 4), reason_code="SUSP-FORCE")  # a Wednesday
    resolution = next(d for d in complaint.deadlines if d.stage == "resolution")
    assert resolution.paused_since == dt.date(2026, 11, 4)
    assert interim(complaint) == [("KN-09", dt.date(2026, 11, 4), dt.date(2026, 11, 9), False)]  # Thu, Fri, Mon
    assert [d.paused_since for d in complaint.deadlines if d.stage == "send_interim"] == [None]  # it runs
    assert complaint.due_on == dt.date(2026, 11, 9)  # the office's duty on the file
    shown = reporter_view(db_session, complaint.submission).due_on  # the sender is shown the resolution's
    assert shown == resolution.due_on == dt.date(2026, 11, 19)
    assert "send_interim" in {t.name for t in available(db_session, handler, complaint)}
    event = apply_transition(db_session, handler, complaint, "send_interim", TransitionInput(
        text="Quyết định 4/QĐ gửi bưu điện ngày 5/11 cho người khiếu nại."), version=None)
    assert not event.is_public and complaint.status == CaseStatus.SUSPENDED  # staff only; the status stays
    assert interim(complaint) == [("KN-09", dt.date(2026, 11, 4), dt.date(2026, 11, 9), True)]
    # nothing waits now: the action is neither offered nor listed as waiting, and a direct request is refused
    assert "send_interim" not in {t.name for t in available(db_session, head, complaint)}
    assert "send_interim" not in {t.name for t, _why in held_back(db_session, head, complaint)}
    with pytest.raises(IllegalTransition) as refused:
        apply_transition(db_session, head, complaint, "send_interim", TransitionInput(text="Lần nữa"), version=None)
    assert refused.value.message == NO_INTERIM_MESSAGE

    decide(complaint, "resume", dt.date(2026, 11, 16))  # a Monday: the resumption decision is sent too
    assert interim(complaint) == [("KN-09", dt.date(2026, 11, 4), dt.date(2026, 11, 9), True),
                                  ("KN-09", dt.date(2026, 11, 16), dt.date(2026, 11, 19), False)]
    assert resolution.paused_since is None
    # terminated before the resumption's sending was recorded: each decision keeps its own clock
    decide(complaint, "terminate", dt.date(2026, 11, 18), reason_code="TERM-DIED")
    assert interim(complaint) == [("KN-09", dt.date(2026, 11, 4), dt.date(2026, 11, 9), True),
                                  ("KN-09", dt.date(2026, 11, 16), dt.date(2026, 11, 19), False),
                                  ("KN-09", dt.date(2026, 11, 18), dt.date(2026, 11, 23), False)]
    assert resolution.met_at is not None and complaint.due_on == dt.date(2026, 11, 19)
    waiting = INTERIM_FIRST_MESSAGES[CaseKind.COMPLAINT]
    assert ("close", waiting) in [(t.name, why) for t, why in held_back(db_session, head, complaint)]
    with pytest.raises(IllegalTransition, match="Chưa ghi nhận việc gửi quyết định tạm đình chỉ"):
        apply_transition(db_session, head, complaint, "close", TransitionInput(), version=None)
    # each record is one decision sent, the earliest first
    apply_transition(db_session, head, complaint, "send_interim", TransitionInput(text="9/QĐ gửi ngày 17/11"),
                     version=None)
    assert interim(complaint)[1][3] and not interim(complaint)[2][3]
    assert complaint.due_on == dt.date(2026, 11, 23) and "close" not in {t.name for t in available(
        db_session, head, complaint)}
    apply_transition(db_session, head, complaint, "send_interim", TransitionInput(text="18/QĐ gửi ngày 19/11"),
                     version=None)
    assert complaint.due_on is None
    apply_transition(db_session, head, complaint, "close", TransitionInput(), version=None)
    assert complaint.status == CaseStatus.CLOSED

    # a denunciation: 5 working days for a suspension or termination; its resumption starts no clock and
    # leaves the suspension's running
    denunciation = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION,
                             status=CaseStatus.INVESTIGATING, handler_id=handler.id)
    decide(denunciation, "suspend", dt.date(2026, 11, 4), reason_code="SUSP-AWAIT")
    assert interim(denunciation) == [("TC-05", dt.date(2026, 11, 4), dt.date(2026, 11, 11), False)]
    decide(denunciation, "resume", dt.date(2026, 11, 6))
    assert interim(denunciation) == [("TC-05", dt.date(2026, 11, 4), dt.date(2026, 11, 11), False)]
    assert "send_interim" in {t.name for t in available(db_session, handler, denunciation)}  # while investigating
    apply_transition(db_session, handler, denunciation, "send_interim", TransitionInput(text="Đã gửi"),
                     version=None)
    decide(denunciation, "terminate", dt.date(2026, 11, 9), reason_code="TERM-DIED")
    assert interim(denunciation)[-1] == ("TC-05", dt.date(2026, 11, 9), dt.date(2026, 11, 16), False)
    # a decision resumed after the resolution is issued: the file waits for its sending as well
    resolved = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.SUSPENDED,
                         handler_id=handler.id)
    decide(resolved, "resume", dt.date(2026, 11, 16))
    apply_transition(db_session, head, resolved, "resolve", TransitionInput(
        text="Giữ nguyên", decision_number="9/QĐ", decision_date=dt.date(2026, 11, 17),
        document_key="decision-test-key"), version=None)
    why = {t.name: why for t, why in held_back(db_session, head, resolved)}["close"]  # every step left
    assert str(why) == f"{INTERIM_FIRST_MESSAGES[CaseKind.COMPLAINT]} {SEND_FIRST_MESSAGE}"
    apply_transition(db_session, head, resolved, "send_decision", TransitionInput(text="Đã gửi"), version=None)
    assert "close" not in {t.name for t in available(db_session, head, resolved)}
    apply_transition(db_session, handler, resolved, "send_interim", TransitionInput(text="Đã gửi"), version=None)
    assert "close" in {t.name for t in available(db_session, head, resolved)}

    # terminated before the clock existed (or under no rule in force): nothing to record, the file closes
    earlier = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.TERMINATED)
    assert "close" in {t.name for t in available(db_session, head, earlier)}
    # a petition's suspension starts no clock under these articles
    petition = make_case(db_session, unit=people["unit"], kind=CaseKind.PETITION, status=CaseStatus.INVESTIGATING)
    decide(petition, "suspend", dt.date(2026, 11, 4), reason_code="SUSP-FORCE")
    assert interim(petition) == [] and "send_interim" not in {t.name for t in available(db_session, head, petition)}


def test_a_step_recorded_after_the_fact_is_met_on_the_day_it_was_done(db_session, people, monkeypatch):
    """The sending, the publication, telling the accused: the officer records the day it was done, so a
    sending made on time and recorded late counts as on time; the day is not after today nor before
    the clock started, and the history keeps it."""
    from portal.deadlines.clock import local_date
    from portal.deadlines.services import deadline_view, load_calendar

    seed_rules(db_session)
    head = people["head"]
    decided = dt.date(2026, 11, 4)  # a Wednesday: KN-04 due Mon 9 Nov
    case = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING)
    apply_transition(db_session, head, case, "resolve", TransitionInput(
        text="Giữ nguyên", decision_number="70/QĐ", decision_date=decided, document_key="decision-test-key"),
        version=None, today=dt.date(2026, 11, 4))
    sending = next(d for d in case.deadlines if d.stage == "send")
    later = dt.date(2026, 11, 12)  # the day of the record: after the due day
    monkeypatch.setattr("portal.cases.lifecycle.local_today", lambda: later)
    for day, refused in ((dt.date(2026, 11, 13), "tương lai"), (dt.date(2026, 11, 3), "trước ngày bắt đầu")):
        with pytest.raises(RequirementError, match=refused):
            apply_transition(db_session, head, case, "send_decision", TransitionInput(text="Đã gửi", done_on=day),
                             version=None, today=later)
    assert sending.met_at is None
    event = apply_transition(db_session, head, case, "send_decision", TransitionInput(
        text="Gửi bưu điện ngày 6/11", done_on=dt.date(2026, 11, 6)), version=None, today=later)
    assert event.data == {"done_on": "2026-11-06"}
    assert local_date(sending.met_at) == dt.date(2026, 11, 6)  # sent on time, though recorded late
    view = deadline_view(sending, later, load_calendar(db_session))
    assert view.met and not view.overdue


@pytest.mark.parametrize("share", [True, False])
def test_the_head_chooses_at_resolution_whether_the_sender_gets_the_document(db_session, people, share):
    from portal.cases.lifecycle import DOCUMENT_SHARED_MESSAGE, NO_DOCUMENT_MESSAGE, legal_refusal

    head, share_document = people["head"], TRANSITIONS["share_document"]
    case = make_case(db_session, unit=people["unit"], kind=CaseKind.DENUNCIATION, status=CaseStatus.INVESTIGATING)
    event = apply_transition(db_session, head, case, "resolve", TransitionInput(
        text="Tố cáo đúng", decision_number="9/KL", decision_date=dt.date(2026, 11, 20),
        document_key="decision-test-key", share_document=share), version=None)
    assert case.resolution_document_shared is share and event.data["document_shared"] is share
    assert legal_refusal(case, share_document) == (DOCUMENT_SHARED_MESSAGE if share else None)
    if not share:  # given later, once, and the sender is told on the tracking page
        given = apply_transition(db_session, head, case, "share_document", TransitionInput(), version=None)
        assert case.resolution_document_shared and given.is_public and case.status == CaseStatus.RESOLVED
        with pytest.raises(IllegalTransition, match="đã được cho phép tải"):
            apply_transition(db_session, head, case, "share_document", TransitionInput(), version=None)
    bare = make_case(db_session, unit=people["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.CLOSED)
    assert legal_refusal(bare, share_document) == NO_DOCUMENT_MESSAGE
    assert "share_document" not in {t.name for t in available(db_session, head, bare)}
