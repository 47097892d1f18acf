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
