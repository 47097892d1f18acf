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
