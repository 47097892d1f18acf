"""The xử lý đơn clock runs from receipt (LEGAL.md table A: XLD-01, TC-01 start on the day the đơn
is received), not from the day an officer takes it: a đơn nobody touches is reminded and escalated."""

from __future__ import annotations

import datetime as dt

from portal.accounts.models import Role
from portal.cases.lifecycle import TransitionInput, apply_transition
from portal.cases.models import CaseEvent, SubmissionKind
from portal.deadlines.clock import local_date
from portal.deadlines.sweep import sweep
from tests.factories import make_unit, make_user
from tests.intake.helpers import receive


def test_a_received_don_has_its_clock_and_is_escalated_when_nobody_takes_it(app, rules, storage):
    unit = make_unit(rules)
    officer = make_user(rules, roles=[(Role.INTAKE_OFFICER, unit)])
    head = make_user(rules, roles=[(Role.HEAD, unit)])
    case = receive(rules, app, SubmissionKind.PETITION, anonymous=False, unit_id=unit.id).case
    received = local_date(case.submission.received_at)
    (deadline,) = case.deadlines
    assert (deadline.stage, deadline.rule_code, deadline.starts_on) == ("intake", "XLD-01", received)
    assert case.due_on == deadline.due_on
    report = sweep(rules, app.config["SETTINGS"], deadline.due_on + dt.timedelta(days=1))
    assert report.escalated == 1
    events = rules.query(CaseEvent).filter_by(case_id=case.id, action="deadline_escalation").all()
    assert [e.data["recipients"] for e in events] == [[head.id]]
    # taking it later does not move the clock: it still counts from receipt
    apply_transition(rules, officer, case, "take", TransitionInput(), version=case.version)
    assert [(d.stage, d.starts_on, d.due_on) for d in case.deadlines if d.met_at is None] == [
        ("intake", received, deadline.due_on)]


def test_a_second_complaint_sent_as_such_gets_the_second_time_period(rules):
    """LEGAL.md §2.2 (Luật Khiếu nại Art. 37): 45 days for a second complaint, whether it was reopened
    here or sent through the portal marked as a second complaint."""
    from portal.cases.models import CaseKind, CaseStatus
    from portal.deadlines.services import start_stage
    from tests.factories import make_case, make_submission

    unit = make_unit(rules)
    second = make_case(rules, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.ACCEPTED,
                       submission=make_submission(rules, kind=SubmissionKind.COMPLAINT, identity={},
                                                  is_second_complaint=True))
    first = make_case(rules, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.ACCEPTED)
    day = dt.date(2026, 3, 2)
    assert start_stage(rules, second, "resolution", day).rule_code == "KN-06"
    assert start_stage(rules, first, "resolution", day).rule_code == "KN-03"


def test_reclassifying_stops_a_clock_the_new_kind_does_not_have(app, rules, storage):
    """A đơn classified as a complaint starts the thụ lý clock (KN-02); classified again as a petition,
    that clock no longer applies and must not drive reminders and escalation."""
    from portal.cases.models import CaseKind

    unit = make_unit(rules)
    officer = make_user(rules, roles=[(Role.INTAKE_OFFICER, unit)])
    case = receive(rules, app, SubmissionKind.COMPLAINT, anonymous=False, unit_id=unit.id,
                   decision_issuer="UBND phường", learned_on=dt.date.today()).case
    apply_transition(rules, officer, case, "classify", TransitionInput(kind=CaseKind.COMPLAINT), version=case.version)
    assert {d.stage for d in case.deadlines if d.met_at is None} == {"intake", "acceptance"}
    apply_transition(rules, officer, case, "classify", TransitionInput(kind=CaseKind.PETITION), version=case.version)
    assert [(d.stage, d.rule_code) for d in case.deadlines if d.met_at is None] == [("intake", "XLD-01")]
    assert case.due_on == case.deadlines[0].due_on


def test_a_forwarded_don_runs_from_its_receipt_by_the_competent_unit(app, rules, storage):
    """LEGAL.md table A (KN-02, TC-01): the clock counts from receipt by the competent body. A đơn
    received by one unit and forwarded a week later must not arrive already late."""
    from portal.cases.models import Case, CaseKind
    from portal.db import now_utc

    first_unit, competent = make_unit(rules), make_unit(rules)
    officer = make_user(rules, roles=[(Role.INTAKE_OFFICER, first_unit)])
    receiver = make_user(rules, roles=[(Role.INTAKE_OFFICER, competent)])
    case = receive(rules, app, SubmissionKind.COMPLAINT, anonymous=False, unit_id=first_unit.id,
                   decision_issuer="UBND phường", learned_on=dt.date.today()).case
    case.submission.received_at = now_utc() - dt.timedelta(days=7)  # sent a week ago
    rules.flush()
    apply_transition(rules, officer, case, "take", TransitionInput(), version=case.version)
    apply_transition(rules, officer, case, "classify", TransitionInput(kind=CaseKind.COMPLAINT), version=case.version)
    event = apply_transition(rules, officer, case, "forward", TransitionInput(target_unit_id=competent.id,
                                                                              text="Chuyển đúng thẩm quyền"),
                             version=case.version)
    child = rules.get(Case, event.data["to_case_id"])
    today = local_date(now_utc())
    assert {(d.stage, d.starts_on) for d in child.deadlines if d.met_at is None} == {
        ("intake", today), ("acceptance", today)}
    apply_transition(rules, receiver, child, "take", TransitionInput(), version=child.version)
    assert {d.starts_on for d in child.deadlines if d.met_at is None} == {today}  # taking it keeps that day


def test_a_denunciations_initial_handling_may_run_ten_working_days_once(app, rules, storage):
    """LEGAL.md TC-01 (Luật Tố cáo Art. 24(1)): 7 working days from receipt, up to 10 when the checks
    take place at several places or are delegated. The head or a deputy records why, once; the longer
    limit lapses if the đơn turns out not to be a denunciation."""
    import pytest

    from portal.cases.lifecycle import IllegalTransition, NotAllowed, RequirementError, available
    from portal.cases.models import CaseKind
    from portal.deadlines.models import DeadlineRule
    from portal.deadlines.policy import add_working_days
    from portal.deadlines.services import load_calendar

    unit = make_unit(rules)
    officer = make_user(rules, roles=[(Role.INTAKE_OFFICER, unit)])
    deputy = make_user(rules, roles=[(Role.DEPUTY, unit)])
    case = receive(rules, app, SubmissionKind.DENUNCIATION, anonymous=False, unit_id=unit.id).case
    received, calendar = local_date(case.submission.received_at), load_calendar(rules)
    apply_transition(rules, officer, case, "classify", TransitionInput(kind=CaseKind.DENUNCIATION),
                     version=case.version)
    (intake,) = [d for d in case.deadlines if d.met_at is None]
    assert (intake.rule_code, intake.due_on) == ("TC-01", add_working_days(received, 7, calendar))

    assert "lengthen_intake" not in {t.name for t in available(rules, officer, case)}
    with pytest.raises(NotAllowed):
        apply_transition(rules, officer, case, "lengthen_intake", TransitionInput(text="Hai nơi"), version=None)
    with pytest.raises(RequirementError):  # the reason is required
        apply_transition(rules, deputy, case, "lengthen_intake", TransitionInput(), version=None)
    apply_transition(rules, deputy, case, "lengthen_intake", TransitionInput(
        text="Phải kiểm tra tại phường Bến Thành và phường Sài Gòn."), version=None)
    assert intake.due_on == add_working_days(received, 10, calendar) and case.due_on == intake.due_on
    assert "lengthen_intake" not in {t.name for t in available(rules, deputy, case)}
    with pytest.raises(IllegalTransition, match="đã được kéo dài"):
        apply_transition(rules, deputy, case, "lengthen_intake", TransitionInput(text="Lần nữa"), version=None)
    assert intake.due_on == add_working_days(received, 10, calendar)

    # classified again as a petition: XLD-01's own limit, without the denunciation's longer one
    apply_transition(rules, officer, case, "classify", TransitionInput(kind=CaseKind.PETITION), version=case.version)
    assert (intake.rule_code, intake.extension_days, intake.extensions_count) == ("XLD-01", 0, 0)

    # forwarded as outside competence, it is judged against TC-02 (5 working days), without TC-01's 3 more
    sent = receive(rules, app, SubmissionKind.DENUNCIATION, anonymous=False, unit_id=unit.id).case
    apply_transition(rules, officer, sent, "classify", TransitionInput(kind=CaseKind.DENUNCIATION),
                     version=sent.version)
    apply_transition(rules, deputy, sent, "lengthen_intake", TransitionInput(text="Ủy quyền kiểm tra"), version=None)
    apply_transition(rules, officer, sent, "take", TransitionInput(), version=None)
    apply_transition(rules, officer, sent, "forward", TransitionInput(target_unit_id=make_unit(rules).id,
                                                                      text="Không thuộc thẩm quyền"), version=None)
    (held,) = [d for d in sent.deadlines if d.stage == "intake"]
    sent_on = local_date(sent.submission.received_at)
    assert (held.rule_code, held.due_on) == ("TC-02", add_working_days(sent_on, 5, calendar))

    # a rule version that allows no longer limit refuses it with its code
    other = receive(rules, app, SubmissionKind.DENUNCIATION, anonymous=False, unit_id=unit.id).case
    apply_transition(rules, officer, other, "classify", TransitionInput(kind=CaseKind.DENUNCIATION),
                     version=other.version)
    for rule in rules.query(DeadlineRule).filter_by(code="TC-01"):
        rule.extension_days = None
    rules.flush()
    with pytest.raises(RequirementError, match="TC-01"):
        apply_transition(rules, deputy, other, "lengthen_intake", TransitionInput(text="Hai nơi"), version=None)
