"""The case page wired to the other features: deadlines displayed by the deadlines feature (working
days, legal basis), local (Vietnam) dates for the clocks, the public timeline's texts, staff accused
in a case (conflict of interest) and the routing explanation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.cases.lifecycle import TransitionInput, apply_transition
from portal.cases.models import CaseEvent, CaseKind, CaseStatus, Deadline
from portal.deadlines.services import seed_rules
from tests.factories import make_case, make_submission, make_unit, make_user
from tests.helpers import login_as


@pytest.fixture
def world(db_session):
    root = make_unit(db_session, name="UBND Thành phố")
    unit = make_unit(db_session, parent=root, name="Sở Xây dựng")
    people = {
        "root_officer": make_user(db_session, roles=[(Role.INTAKE_OFFICER, root)]),
        "head": make_user(db_session, roles=[(Role.HEAD, unit)]),
        "deputy": make_user(db_session, roles=[(Role.DEPUTY, unit)]),
        "officer": make_user(db_session, roles=[(Role.INTAKE_OFFICER, unit)]),
        "handler": make_user(db_session, roles=[(Role.HANDLER, unit)]),
    }
    submission = make_submission(db_session, unit_id=unit.id, kind="denunciation",
                                 received_at=dt.datetime(2026, 2, 12, 18, 30, tzinfo=dt.UTC))
    case = make_case(db_session, unit=unit, submission=submission, kind=CaseKind.DENUNCIATION,
                     status=CaseStatus.RECEIVED)
    return {"db": db_session, "root": root, "unit": unit, "case": case, **people}


def test_intake_clock_starts_on_the_vietnamese_date_of_receipt(world):
    db, case = world["db"], world["case"]
    seed_rules(db)
    apply_transition(db, world["officer"], case, "take", TransitionInput(), today=dt.date(2026, 2, 13),
                     version=case.version)
    deadline = db.scalars(select(Deadline).where(Deadline.case_id == case.id, Deadline.stage == "intake")).one()
    # 18:30 UTC on 12 February is 01:30 on 13 February in Vietnam.
    assert deadline.starts_on == dt.date(2026, 2, 13)


def test_case_page_shows_deadlines_in_working_days_with_legal_basis(client, world):
    db, case = world["db"], world["case"]
    seed_rules(db)
    apply_transition(db, world["officer"], case, "take", TransitionInput(), today=dt.date(2026, 2, 13),
                     version=case.version)
    deadline = db.scalars(select(Deadline).where(Deadline.case_id == case.id, Deadline.stage == "intake")).one()
    assert deadline.unit == "WD"
    login_as(client, world["officer"])
    body = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "ngày làm việc" in body  # overdue or left, counted in working days
    assert f'datetime="{deadline.due_on.isoformat()}"' in body
    assert '<details class="deadline-basis">' in body and deadline.rule_code in body


def test_accused_staff_lose_the_case_page_and_lists(client, world):
    db, case = world["db"], world["case"]
    case.handler_id = world["handler"].id
    db.flush()
    login_as(client, world["handler"])
    assert client.get(f"/staff/cases/{case.id}").status_code == 200
    login_as(client, world["officer"])
    assert f"/staff/cases/{case.id}\"" in client.get("/staff/queues/new").get_data(as_text=True)

    login_as(client, world["root_officer"])
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert 'id="accused"' in page and f"/staff/cases/{case.id}/accused" in page
    response = client.post(f"/staff/cases/{case.id}/accused", data={"emails": world["head"].email.upper()})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/cases/{case.id}#accused")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "case.accused.mark")).one()
    assert entry.actor_id == world["root_officer"].id and entry.case_id == case.id
    assert world["head"].email in client.get(f"/staff/cases/{case.id}").get_data(as_text=True)

    # The accused head and everyone they lead in the unit lose the case, in pages and in lists.
    for name in ("head", "deputy", "officer", "handler"):
        login_as(client, world[name])
        assert client.get(f"/staff/cases/{case.id}").status_code == 404, name
        assert client.post(f"/staff/cases/{case.id}/accused", data={"emails": ""}).status_code == 404, name
        for url in ("/staff/", "/staff/queues/mine", "/staff/queues/new", f"/staff/search?q={case.reference}"):
            listing = client.get(url)
            assert f"/staff/cases/{case.id}\"" not in listing.get_data(as_text=True), url


def test_accused_form_refuses_unknown_and_non_staff_emails_keeping_input(client, world):
    db, case = world["db"], world["case"]
    citizen = make_user(db, email="dan@example.test")
    login_as(client, world["officer"])
    typed = f"{world['handler'].email}\nkhongco@example.test, {citizen.email}"
    response = client.post(f"/staff/cases/{case.id}/accused", data={"emails": typed})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "khongco@example.test" in body and "dan@example.test" in body and 'aria-invalid="true"' in body
    assert world["handler"].email in body  # the input is kept
    assert db.scalars(select(AuditEntry).where(AuditEntry.action == "case.accused.mark")).first() is None


def test_only_intake_roles_may_mark_accused(client, world):
    case = world["case"]
    login_as(client, world["handler"])
    assert 'id="accused"' not in client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert client.post(f"/staff/cases/{case.id}/accused",
                       data={"emails": world["head"].email}).status_code == 403


def test_routing_explanation_shown_to_intake_staff_only(client, world, monkeypatch):
    import portal.org.services as org_services

    monkeypatch.setattr(org_services, "routing_explanation", lambda session, case: "Đề xuất Sở Xây dựng vì <b>x</b>")
    case = world["case"]
    login_as(client, world["officer"])
    body = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "Đề xuất Sở Xây dựng vì &lt;b&gt;x&lt;/b&gt;" in body
    assert "Đề xuất Sở Xây dựng" in client.get(f"/staff/cases/{case.id}/act/classify").get_data(as_text=True)
    login_as(client, world["handler"])
    assert "Đề xuất Sở Xây dựng" not in client.get(f"/staff/cases/{case.id}").get_data(as_text=True)


def test_routing_explanation_on_a_real_case(client, world):
    login_as(client, world["officer"])
    body = client.get(f"/staff/cases/{world['case'].id}").get_data(as_text=True)
    paragraph = body.split('class="routing-explanation"', 1)[1].split("</p>", 1)[0]
    assert "Đề xuất" in paragraph and "Sở Xây dựng" in paragraph


def test_tracking_timeline_uses_the_public_text_of_every_public_event(client, world):
    db, case = world["db"], world["case"]
    citizen = make_user(db)
    submission = case.submission
    submission.user_id = citizen.id
    submission.tracking_code = "TC-7Q4M-X9KD"
    case.status = CaseStatus.INVESTIGATING
    db.add(CaseEvent(case_id=case.id, action="extend", from_status="investigating", to_status="investigating",
                     is_public=True, data={"days": 10}))
    db.flush()
    login_as(client, citizen)
    body = client.get("/track/TC-7Q4M-X9KD").get_data(as_text=True)
    assert "Thời hạn giải quyết đơn của bạn đã được gia hạn." in body
    english = client.get("/track/TC-7Q4M-X9KD?lang=en").get_data(as_text=True)
    assert "Thời hạn giải quyết đơn của bạn đã được gia hạn." not in english
