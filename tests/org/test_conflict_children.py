"""A case made from another (forwarded, split, reopened) keeps its accused and their conflicts, and a
denunciation is never forwarded to a unit led by the accused (security review, finding 1)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.access import can_view_case
from portal.cases.lifecycle import RequirementError, TransitionInput, apply_transition
from portal.cases.models import Case, CaseKind, CaseStatus, SubmissionKind
from portal.org import conflicts
from tests.factories import make_case, make_submission, make_user
from tests.helpers import login_as


def denunciation(session, unit, **overrides):
    submission = make_submission(session, kind=SubmissionKind.DENUNCIATION, identity={"phone": "0901234567"},
                                 content="Tố cáo lãnh đạo nhận tiền", **overrides)
    return make_case(session, unit=unit, submission=submission, kind=CaseKind.DENUNCIATION,
                     status=CaseStatus.IN_REVIEW)


def accused_health_head_signed_in(session, city, client):  # type: ignore[no-untyped-def]
    """A denunciation at the city accusing the health department's head, and its intake officer signed in."""
    officer = make_user(session, roles=[(Role.INTAKE_OFFICER, city.root)])
    health_head = make_user(session, roles=[(Role.HEAD, city.health)])
    case = denunciation(session, city.root)
    conflicts.mark_accused(session, case, [health_head.id])
    session.commit()
    login_as(client, officer)
    return case


def forward(session, user, case, unit):
    return apply_transition(session, user, case, "forward",
                            TransitionInput(target_unit_id=unit.id, text="Chuyển đơn vị có thẩm quyền"),
                            version=case.version)


def test_denunciation_against_a_department_head_is_not_forwarded_to_the_department(db_session, city):
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.root)])
    health_head = make_user(db_session, roles=[(Role.HEAD, city.health)])
    case = denunciation(db_session, city.root)
    conflicts.mark_accused(db_session, case, [health_head.id])
    for target in (city.health, city.hospital):  # the unit they lead, and a unit below it
        with pytest.raises(RequirementError) as refused:
            forward(db_session, officer, case, target)
        assert refused.value.status == 422
    assert db_session.scalar(select(Case.id).where(Case.forwarded_from_id == case.id)) is None


def test_denunciation_naming_the_head_is_not_forwarded_to_their_unit(db_session, city):
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.root)])
    case = denunciation(db_session, city.root, accused_unit_id=city.health.id, accused_position="Giám đốc Sở")
    with pytest.raises(RequirementError):
        forward(db_session, officer, case, city.health)


def test_forwarded_child_keeps_the_conflict(db_session, city, client):
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.root)])
    accused = make_user(db_session, roles=[(Role.HANDLER, city.health)])
    health_head = make_user(db_session, roles=[(Role.HEAD, city.health)])
    case = denunciation(db_session, city.root)
    conflicts.mark_accused(db_session, case, [accused.id])
    event = forward(db_session, officer, case, city.health)
    child = db_session.get(Case, event.data["to_case_id"])
    assert conflicts.accused_user_ids(db_session, child) == {accused.id}
    assert not can_view_case(db_session, accused, child)
    assert can_view_case(db_session, health_head, child)
    db_session.commit()
    login_as(client, accused)
    assert client.get(f"/staff/cases/{child.id}").status_code == 404
    assert client.post(f"/staff/cases/{child.id}/reveal", data={"reason": "Xác minh nội dung"}).status_code == 404


def test_split_parts_keep_the_conflict(db_session, city, client):
    # an officer of the department: the accused head directs the hospital's own staff
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.health)])
    head = make_user(db_session, roles=[(Role.HEAD, city.hospital)])
    handler = make_user(db_session, roles=[(Role.HANDLER, city.hospital)])
    case = denunciation(db_session, city.hospital)
    conflicts.mark_accused(db_session, case, [head.id])
    event = apply_transition(db_session, officer, case, "split",
                             TransitionInput(parts=("Nội dung thứ nhất", "Nội dung thứ hai")), version=case.version)
    children = [db_session.get(Case, i) for i in event.data["children"]]
    assert len(children) == 2
    db_session.commit()
    for child in children:
        assert conflicts.conflicted_user_ids(db_session, child) >= {head.id, handler.id}
        for user in (head, handler):
            login_as(client, user)
            assert client.get(f"/staff/cases/{child.id}").status_code == 404
            assert client.post(f"/staff/cases/{child.id}/reveal",
                               data={"reason": "Xác minh nội dung"}).status_code == 404


def test_forward_form_shows_the_refusal_with_422(db_session, city, client):
    case = accused_health_head_signed_in(db_session, city, client)
    response = client.post(f"/staff/cases/{case.id}/act/forward", data={
        "version": case.version, "target_unit": city.health.id, "text": "Chuyển theo thẩm quyền"})
    assert response.status_code == 422
    assert "người bị tố cáo đứng đầu" in response.get_data(as_text=True)
    assert db_session.scalar(select(Case.id).where(Case.forwarded_from_id == case.id)) is None


def test_forward_form_lists_the_units_led_by_the_accused_as_unavailable(db_session, city, client):
    import re

    case = accused_health_head_signed_in(db_session, city, client)
    page = client.get(f"/staff/cases/{case.id}/act/forward").get_data(as_text=True)
    options = {int(value): tag for tag, value in re.findall(r'(<option[^>]*value="(\d+)"[^>]*>)', page)}
    for refused in (city.health, city.hospital):  # the unit the accused leads, and a unit below it
        assert "disabled" in options[refused.id]
    assert "không thể chuyển: người bị tố cáo đứng đầu" in page
    others = [unit_id for unit_id in options if unit_id not in (city.health.id, city.hospital.id)]
    assert others and all("disabled" not in options[unit_id] for unit_id in others)
