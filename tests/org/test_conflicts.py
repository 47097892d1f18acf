"""Conflict of interest: the accused and the people an accused leader directs never see, receive
or are escalated the case: in lists, search, the case object check, exports and notifications."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.access import can_view_case, visible_cases_clause
from portal.cases.models import Case, CaseConflict, SubmissionKind
from portal.cases.text import fold
from portal.org import conflicts
from portal.org.models import AccusedPerson
from tests.factories import make_case, make_submission, make_user


@pytest.fixture
def people(db_session, city):
    """The hospital's head, deputy, an intake officer and a handler; the department's head; an inspector."""
    s = db_session
    return {
        "head": make_user(s, roles=[(Role.HEAD, city.hospital)]),
        "deputy": make_user(s, roles=[(Role.DEPUTY, city.hospital)]),
        "intake": make_user(s, roles=[(Role.INTAKE_OFFICER, city.hospital)]),
        "handler": make_user(s, roles=[(Role.HANDLER, city.hospital)]),
        "dept_head": make_user(s, roles=[(Role.HEAD, city.health)]),
        "inspector": make_user(s, roles=[(Role.INSPECTOR, city.root)]),
    }


@pytest.fixture
def case(db_session, city):
    submission = make_submission(db_session, kind=SubmissionKind.DENUNCIATION, title="Tố cáo giám đốc bệnh viện",
                                 content="Giám đốc nhận tiền", search_text=fold("Tố cáo giám đốc bệnh viện"))
    return make_case(db_session, unit=city.hospital, submission=submission)


def visible(session, user) -> set[int]:
    return set(session.scalars(select(Case.id).where(visible_cases_clause(session, user))))


def search(session, user, words: str) -> set[int]:
    """A search as the back office runs it: the text condition AND the visibility clause."""
    from portal.cases.models import Submission

    query = (select(Case.id).join(Submission, Submission.id == Case.submission_id)
             .where(Submission.search_text.contains(fold(words)), visible_cases_clause(session, user)))
    return set(session.scalars(query))


def test_accused_head_and_the_people_they_direct_are_excluded(db_session, people, case):
    result = conflicts.mark_accused(db_session, case, [people["head"].id])
    assert result == {people["head"].id, people["deputy"].id, people["intake"].id, people["handler"].id}
    reasons = dict(db_session.execute(select(CaseConflict.user_id, CaseConflict.reason)
                                      .where(CaseConflict.case_id == case.id)).all())
    assert reasons[people["head"].id] == "accused" and reasons[people["intake"].id] == "accused_is_their_head"
    for name in ("head", "deputy", "intake", "handler"):
        user = people[name]
        assert not can_view_case(db_session, user, case), name  # the case page
        assert case.id not in visible(db_session, user), name  # every list and export
        assert case.id not in search(db_session, user, "giám đốc"), name  # search
    for name in ("dept_head", "inspector"):
        assert can_view_case(db_session, people[name], case)
        assert case.id in visible(db_session, people[name]) and case.id in search(db_session, people[name], "giam doc")


def test_accused_deputy_does_not_exclude_the_head(db_session, people, case):
    result = conflicts.compute_conflicts(db_session, case, [people["deputy"].id])
    assert result == {people["deputy"].id, people["intake"].id, people["handler"].id}
    assert can_view_case(db_session, people["head"], case)


def test_accused_staff_member_alone(db_session, people, case):
    assert conflicts.compute_conflicts(db_session, case, [people["handler"].id]) == {people["handler"].id}
    assert can_view_case(db_session, people["intake"], case)


def test_notification_and_escalation_recipients_are_filtered(db_session, people, case):
    conflicts.mark_accused(db_session, case, [people["head"].id])
    recipients = [people["handler"].id, people["dept_head"].id, people["head"].id, people["dept_head"].id,
                  people["inspector"].id]
    assert conflicts.filter_recipients(db_session, case, recipients) == [people["dept_head"].id,
                                                                          people["inspector"].id]


def test_mark_accused_replaces_the_list_and_is_idempotent(db_session, people, case):
    conflicts.mark_accused(db_session, case, [people["head"].id])
    conflicts.mark_accused(db_session, case, [people["head"].id])
    assert conflicts.accused_user_ids(db_session, case) == {people["head"].id}
    result = conflicts.mark_accused(db_session, case, [people["handler"].id])
    assert result == {people["handler"].id}
    assert can_view_case(db_session, people["head"], case)
    assert db_session.scalar(select(AccusedPerson.user_id).where(AccusedPerson.case_id == case.id)) == \
        people["handler"].id


def test_other_cases_are_not_affected(db_session, people, case, city):
    other = make_case(db_session, unit=city.hospital)
    conflicts.mark_accused(db_session, case, [people["head"].id])
    assert can_view_case(db_session, people["head"], other)
    assert other.id in visible(db_session, people["intake"])


def test_back_office_pages_respect_the_conflict(client, db_session, people, case):
    """Through the back office itself (its own view tests cover the rest): the conflicted intake
    officer can neither open the case page nor see the case in their queues."""
    from tests.helpers import login_as

    conflicts.mark_accused(db_session, case, [people["head"].id])
    login_as(client, people["intake"])
    assert client.get(f"/staff/cases/{case.id}").status_code in (403, 404)
    home = client.get("/staff/")
    assert home.status_code == 200 and case.reference not in home.get_data(as_text=True)


def test_escalation_skips_the_accused_head(db_session, people, case, city):
    root_head = make_user(db_session, roles=[(Role.HEAD, city.root)])
    assert conflicts.escalation_chain(db_session, case) == [people["head"].id, people["dept_head"].id, root_head.id]
    conflicts.mark_accused(db_session, case, [people["head"].id])
    assert conflicts.escalation_chain(db_session, case) == [people["dept_head"].id, root_head.id]


def test_staff_joining_later_are_conflicted_too(db_session, people, case, city):
    """The conflicts follow role grants made after the accused were recorded: a handler joining the
    accused head's unit, and the new subordinates of an accused person made a deputy elsewhere."""
    from portal.accounts.services import assign_role

    conflicts.mark_accused(db_session, case, [people["head"].id])
    newcomer = make_user(db_session)
    assign_role(db_session, newcomer, Role.HANDLER, city.hospital, actor_id=None)
    assert newcomer.id in conflicts.conflicted_user_ids(db_session, case)
    assert case.id not in visible(db_session, newcomer) and not can_view_case(db_session, newcomer, case)
    assert db_session.scalar(select(CaseConflict.reason).where(CaseConflict.case_id == case.id,
                                                               CaseConflict.user_id == newcomer.id)) \
        == "accused_is_their_head"
    # an inspector joining the unit keeps oversight
    overseer = make_user(db_session)
    assign_role(db_session, overseer, Role.INSPECTOR, city.hospital, actor_id=None)
    assert overseer.id not in conflicts.conflicted_user_ids(db_session, case)
    # the accused made deputy of the department: the department's people are now directed by them
    other = make_case(db_session, unit=city.health)
    conflicts.mark_accused(db_session, other, [people["handler"].id])
    health_intake = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.health)])
    assign_role(db_session, people["handler"], Role.DEPUTY, city.health, actor_id=None)
    assert health_intake.id in conflicts.conflicted_user_ids(db_session, other)
    assert people["dept_head"].id not in conflicts.conflicted_user_ids(db_session, other)  # a deputy's head


def test_later_grants_follow_the_deputy_rule(db_session, people, case, city):
    """Under an accused deputy: a new handler is conflicted (the deputy directs them), a new head of
    the same unit is not (a deputy does not direct the unit's head)."""
    from portal.accounts.services import assign_role, remove_role

    conflicts.mark_accused(db_session, case, [people["deputy"].id])
    handler = make_user(db_session)
    assign_role(db_session, handler, Role.HANDLER, city.hospital, actor_id=None)
    assert db_session.scalar(select(CaseConflict.reason).where(CaseConflict.case_id == case.id,
                                                               CaseConflict.user_id == handler.id)) \
        == "accused_is_their_deputy"
    remove_role(db_session, db_session.scalar(select(conflicts.RoleAssignment).where(
        conflicts.RoleAssignment.user_id == people["head"].id)), actor_id=None)
    new_head = make_user(db_session)
    assign_role(db_session, new_head, Role.HEAD, city.hospital, actor_id=None)
    assert new_head.id not in conflicts.conflicted_user_ids(db_session, case)
