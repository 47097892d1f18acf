"""The rounds of a complaint and the clocks of copies (found by a review of the day's changes): a
second complaint however it arrives, forwarded or split copies, abolished units, a signed
denunciation nobody has opened yet."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.accounts.models import Role
from portal.cases.lifecycle import TransitionInput, apply_transition, available
from portal.cases.models import Case, CaseKind, CaseStatus, SubmissionKind
from portal.deadlines.clock import local_today
from portal.deadlines.services import seed_rules as seed_deadline_rules
from tests.factories import make_case, make_submission, make_user


@pytest.fixture(autouse=True)
def _rules(db_session):  # type: ignore[no-untyped-def]
    seed_deadline_rules(db_session)


def test_second_complaint_sent_as_such_cannot_be_reopened_a_third_time(db_session, city):
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.ward)])
    sub = make_submission(db_session, kind=SubmissionKind.COMPLAINT, identity={}, is_second_complaint=True)
    case = make_case(db_session, unit=city.ward, submission=sub, kind=CaseKind.COMPLAINT, status=CaseStatus.CLOSED)
    assert "reopen" not in {t.name for t in available(db_session, officer, case)}


def test_forwarded_second_complaint_keeps_second_round_rules(db_session, city):
    """The commit's own fallback ('route it on by hand') forwards L: the copy loses previous_case_id."""
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.root)])
    sub = make_submission(db_session, kind=SubmissionKind.COMPLAINT, identity={})
    first = make_case(db_session, unit=city.ward, submission=sub, kind=CaseKind.COMPLAINT, status=CaseStatus.CLOSED)
    ev = apply_transition(db_session, officer, first, "reopen", TransitionInput(text="Lần hai"), version=None)
    second = db_session.get(Case, ev.data["new_case_id"])
    ev = apply_transition(db_session, officer, second, "forward",
                          TransitionInput(target_unit_id=city.health.id, text="Chuyển"), version=None)
    copy = db_session.get(Case, ev.data["to_case_id"])
    from portal.deadlines.services import rule_code_for
    assert rule_code_for(copy, "resolution") == "KN-06"
    copy.status = CaseStatus.CLOSED
    assert "reopen" not in {t.name for t in available(db_session, officer, copy)}


def test_split_part_of_a_forwarded_case_clock_runs_from_forwarding(db_session, city):
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.root)])
    sent = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    sub = make_submission(db_session, kind=SubmissionKind.PETITION, received_at=sent)
    case = make_case(db_session, unit=city.ward, submission=sub, kind=CaseKind.PETITION, status=CaseStatus.IN_REVIEW,
                     created_at=sent)
    ev = apply_transition(db_session, officer, case, "forward",
                          TransitionInput(target_unit_id=city.health.id, text="Chuyển"), version=None)
    child = db_session.get(Case, ev.data["to_case_id"])
    forwarded_on = child.deadlines[0].starts_on
    assert forwarded_on == local_today()
    apply_transition(db_session, officer, child, "take", TransitionInput(), version=None)
    ev = apply_transition(db_session, officer, child, "split", TransitionInput(parts=("Một", "Hai")), version=None)
    part = db_session.get(Case, ev.data["children"][0])
    apply_transition(db_session, officer, part, "classify", TransitionInput(kind=CaseKind.PETITION), version=None)
    intake = next(d for d in part.deadlines if d.stage == "intake")
    assert intake.starts_on == forwarded_on, intake.starts_on




def test_reopen_never_lands_in_a_retired_unit(db_session, city):
    from tests.factories import make_unit

    district = make_unit(db_session, parent=city.root, code="T-Q1", valid_to=dt.date(2025, 6, 30))
    ward = make_unit(db_session, parent=district, code="T-Q1-P1")
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.root)])
    sub = make_submission(db_session, kind=SubmissionKind.COMPLAINT, identity={})
    case = make_case(db_session, unit=ward, submission=sub, kind=CaseKind.COMPLAINT, status=CaseStatus.CLOSED)
    ev = apply_transition(db_session, officer, case, "reopen", TransitionInput(text="Lần hai"), version=None)
    second = db_session.get(Case, ev.data["new_case_id"])
    assert second.unit_id != district.id, "second complaint sent to an abolished unit"


def test_an_unopened_signed_denunciation_runs_on_the_denunciations_limit(app, db_session, storage):
    from tests.factories import make_unit
    from tests.intake.helpers import receive

    unit = make_unit(db_session)
    case = receive(db_session, app, SubmissionKind.DENUNCIATION, anonymous=False, unit_id=unit.id,
                   accused_name="Trần Văn B").case
    (deadline,) = case.deadlines
    assert deadline.rule_code == "TC-01"  # 7 working days, not the general 10
    anonymous = receive(db_session, app, SubmissionKind.DENUNCIATION, unit_id=unit.id).case
    assert [d.rule_code for d in anonymous.deadlines] == ["XLD-01"]
