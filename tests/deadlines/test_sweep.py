"""Reminders and escalations, end to end through the outbox and a real SMTP sink."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.cases.models import Case, CaseConflict, CaseEvent, CaseKind, CaseStatus, Deadline
from portal.db import now_utc
from portal.deadlines.clock import local_date
from portal.deadlines.services import start_stage
from portal.deadlines.sweep import claim, sweep
from portal.notifications.services import send_pending
from tests.factories import make_case, make_submission, make_unit, make_user
from tests.helpers import login_as

D = dt.date


def test_remind_then_escalate_then_parent_once(app: Flask, rules: Session, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    settings = app.config["SETTINGS"]
    assert (settings.reminder_working_days, settings.escalation_parent_days) == (3, 5)
    parent = make_unit(rules)
    unit = make_unit(rules, parent=parent)
    parent_head = make_user(rules, roles=[(Role.HEAD, parent)], email="parent.head@example.test")
    head = make_user(rules, roles=[(Role.HEAD, unit)], email="head@example.test", locale="en")
    handler = make_user(rules, roles=[(Role.HANDLER, unit)], email="handler@example.test")
    submission = make_submission(rules, unit_id=unit.id, content="Nội dung bí mật XYZ",
                                 identity={"full_name": "Trần Thị Tố Cáo"})
    case = make_case(rules, unit=unit, submission=submission, kind=CaseKind.DENUNCIATION, handler_id=handler.id)
    deadline = start_stage(rules, case, "resolution", D(2026, 3, 2))
    assert deadline is not None and deadline.due_on == D(2026, 4, 1)
    rules.commit()

    def run(today: dt.date) -> tuple[int, int, int]:
        report = sweep(rules, settings, today)
        send_pending(rules, settings)
        return report.reminded, report.escalated, report.escalated_parent

    assert run(D(2026, 3, 20)) == (0, 0, 0)  # more than 3 working days before
    assert run(D(2026, 3, 27)) == (1, 0, 0)  # Fri: Mon 30, Tue 31, Wed 1 Apr
    assert run(D(2026, 3, 27)) == (0, 0, 0)
    assert [m["To"] for m in smtp_sink.messages] == ["handler@example.test"]
    assert run(D(2026, 4, 1)) == (0, 0, 0)  # due today: not overdue yet
    assert run(D(2026, 4, 2)) == (0, 1, 0)
    assert run(D(2026, 4, 6)) == (0, 0, 0)
    assert run(D(2026, 4, 7)) == (0, 0, 1)  # more than 5 days after the due date
    for day in (D(2026, 4, 7), D(2026, 4, 30)):
        assert run(day) == (0, 0, 0)

    assert [m["To"] for m in smtp_sink.messages] == ["handler@example.test", "head@example.test",
                                                      "parent.head@example.test"]
    link = f"http://127.0.0.1:5000/staff/cases/{case.reference}"
    for message in smtp_sink.messages:
        text = smtp_sink.body(message)
        html = message.get_body(preferencelist=("html",)).get_content()
        assert case.reference in message["Subject"] and link in text and link in html
        for secret in ("XYZ", "Trần Thị", "Tố Cáo"):
            assert secret not in text and secret not in html and secret not in message["Subject"]
    assert smtp_sink.messages[1]["Subject"].startswith("Overdue")  # the head reads English
    assert smtp_sink.messages[0]["Subject"].startswith("Sắp đến hạn")

    events = rules.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    assert [(e.action, e.data["level"], e.is_public) for e in events] == [
        ("deadline_reminder", "reminder", False), ("deadline_escalation", "escalation", False),
        ("deadline_escalation", "escalation_parent", False)]
    assert events[1].data["recipients"] == [head.id]
    assert events[2].data["recipients"] == [parent_head.id]
    rules.refresh(deadline)
    assert deadline.reminded_at and deadline.escalated_at and deadline.escalated_parent_at


def test_an_accused_head_is_never_escalated_to(app: Flask, rules: Session, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    settings = app.config["SETTINGS"]
    unit = make_unit(rules, parent=make_unit(rules))
    accused = make_user(rules, roles=[(Role.HEAD, unit)], email="accused.head@example.test")
    case = make_case(rules, unit=unit, kind=CaseKind.DENUNCIATION, submission=make_submission(
        rules, unit_id=unit.id, identity={"full_name": "Trần Thị Tố Cáo"}))
    rules.add(CaseConflict(case_id=case.id, user_id=accused.id, reason="accused"))
    start_stage(rules, case, "resolution", D(2026, 3, 2))
    rules.commit()
    report = sweep(rules, settings, D(2026, 4, 2))
    send_pending(rules, settings)
    assert report.escalated == 1 and smtp_sink.to("accused.head@example.test") == []
    event = rules.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                  CaseEvent.action == "deadline_escalation")).one()
    assert event.data["recipients"] == []


def test_no_handler_reminds_intake_officers_and_skips_met_and_paused(app: Flask, rules: Session) -> None:
    settings = app.config["SETTINGS"]
    unit = make_unit(rules)
    officer = make_user(rules, roles=[(Role.INTAKE_OFFICER, unit)])
    other_unit_officer = make_user(rules, roles=[(Role.INTAKE_OFFICER, make_unit(rules))])
    waiting = make_case(rules, unit=unit, kind=CaseKind.PETITION)
    start_stage(rules, waiting, "intake", D(2026, 3, 2))  # 10 WD: 16 Mar
    met = make_case(rules, unit=unit, kind=CaseKind.PETITION)
    start_stage(rules, met, "intake", D(2026, 3, 2))
    met.deadlines[0].met_at = now_utc()
    paused = make_case(rules, unit=unit, kind=CaseKind.PETITION)
    start_stage(rules, paused, "intake", D(2026, 3, 2))
    paused.deadlines[0].paused_since = D(2026, 3, 5)
    withdrawn = make_case(rules, unit=unit, kind=CaseKind.PETITION)
    start_stage(rules, withdrawn, "intake", D(2026, 3, 2))
    withdrawn.status = CaseStatus.TERMINATED
    rules.flush()
    report = sweep(rules, settings, D(2026, 3, 12))
    assert (report.reminded, report.emails) == (1, 1)
    event = rules.scalars(select(CaseEvent).where(CaseEvent.case_id == waiting.id)).one()
    assert event.data["recipients"] == [officer.id] and other_unit_officer.id not in event.data["recipients"]



def test_a_handler_moved_to_another_unit_is_not_reminded_its_intake_officers_are(app: Flask, rules: Session) -> None:
    settings = app.config["SETTINGS"]
    parent = make_unit(rules)
    unit = make_unit(rules, parent=parent)
    officer = make_user(rules, roles=[(Role.INTAKE_OFFICER, unit)])
    moved = make_user(rules, roles=[(Role.HANDLER, make_unit(rules))])  # their role over the unit was withdrawn
    above = make_user(rules, roles=[(Role.HANDLER, parent)])  # a handler of the parent unit sees the unit's cases
    left = make_case(rules, unit=unit, kind=CaseKind.PETITION, handler_id=moved.id)
    kept = make_case(rules, unit=unit, kind=CaseKind.PETITION, handler_id=above.id)
    for case in (left, kept):
        start_stage(rules, case, "intake", D(2026, 3, 2))  # 10 WD: 16 Mar
    rules.flush()
    assert sweep(rules, settings, D(2026, 3, 12)).reminded == 2
    recipients = {e.case_id: e.data["recipients"] for e in rules.scalars(
        select(CaseEvent).where(CaseEvent.case_id.in_([left.id, kept.id])))}
    assert recipients == {left.id: [officer.id], kept.id: [above.id]}

def test_claim_gives_each_row_once(rules: Session) -> None:
    unit = make_unit(rules)
    case = make_case(rules, unit=unit, kind=CaseKind.PETITION)
    deadline = start_stage(rules, case, "intake", D(2026, 3, 2))
    assert deadline is not None
    now = now_utc()
    assert claim(rules, Deadline.reminded_at, [deadline.id], now) == [deadline.id]
    assert claim(rules, Deadline.reminded_at, [deadline.id], now) == []
    assert claim(rules, Deadline.escalated_at, [], now) == []


def test_escalation_email_link_opens_the_case(app: Flask, rules: Session, smtp_sink, client) -> None:  # type: ignore[no-untyped-def]
    import re
    from urllib.parse import urlsplit

    from tests.helpers import login_as

    settings = app.config["SETTINGS"]
    unit = make_unit(rules)
    head = make_user(rules, roles=[(Role.HEAD, unit)], email="link.head@example.test")
    stranger = make_user(rules, roles=[(Role.HEAD, make_unit(rules))])
    case = make_case(rules, unit=unit, reference="KN-7Q4M-X9KD", kind=CaseKind.COMPLAINT,
                     status=CaseStatus.INVESTIGATING)
    start_stage(rules, case, "resolution", D(2026, 3, 2))
    rules.commit()
    assert sweep(rules, settings, D(2026, 4, 2)).escalated == 1
    send_pending(rules, settings)
    [message] = [m for m in smtp_sink.messages if m["To"] == "link.head@example.test"]
    link = re.search(r"http\S+/staff/cases/KN-7Q4M-X9KD", smtp_sink.body(message))[0]
    path = urlsplit(link).path
    login_as(client, head)
    opened = client.get(path)
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/staff/cases/{case.id}")
    assert "KN-7Q4M-X9KD" in client.get(path, follow_redirects=True).get_data(as_text=True)
    login_as(client, stranger)
    assert client.get(path).status_code == 404


# --- the hard limit on xử lý đơn (XLD-02, NĐ 154/2026 Art. 41(3)(b)) -----------------------------

def test_an_intake_left_open_past_the_hard_limit_reaches_both_heads_once(app: Flask, rules: Session,  # type: ignore[no-untyped-def]
                                                                       smtp_sink, client) -> None:
    settings = app.config["SETTINGS"]
    parent = make_unit(rules)
    unit = make_unit(rules, parent=parent)
    parent_head = make_user(rules, roles=[(Role.HEAD, parent)], email="parent.head@example.test")
    head = make_user(rules, roles=[(Role.HEAD, unit)], email="head@example.test", locale="en")
    forgotten = make_case(rules, unit=unit, kind=CaseKind.PETITION, status=CaseStatus.RECEIVED)
    handled = make_case(rules, unit=unit, kind=CaseKind.PETITION, status=CaseStatus.RECEIVED)
    later = make_case(rules, unit=unit, kind=CaseKind.PETITION, status=CaseStatus.RECEIVED)
    for case, received in ((forgotten, D(2026, 2, 2)), (handled, D(2026, 2, 2)), (later, D(2026, 2, 3))):
        assert start_stage(rules, case, "intake", received) is not None
    handled_deadline = rules.scalars(select(Deadline).where(Deadline.case_id == handled.id)).one()
    handled_deadline.met_at = now_utc()  # classified in time: never chased
    rules.commit()

    # received Mon 2/2/2026: day 45 is Thu 19/3, so the limit is passed from Fri 20/3
    assert sweep(rules, settings, D(2026, 3, 19)).escalated_hard == 0
    report = sweep(rules, settings, D(2026, 3, 20))
    assert report.escalated_hard == 1  # the đơn received a day later is not past it yet
    assert sweep(rules, settings, D(2026, 3, 20)).escalated_hard == 0  # once
    event = rules.scalars(select(CaseEvent).where(CaseEvent.case_id == forgotten.id,
                                                  CaseEvent.action == "deadline_escalation")
                          .order_by(CaseEvent.id.desc())).first()
    assert event.data["level"] == "escalation_hard" and event.data["recipients"] == [head.id, parent_head.id]
    assert sweep(rules, settings, D(2026, 3, 21)).escalated_hard == 1  # the later đơn, a day later

    send_pending(rules, settings)
    [english] = [b for b in map(smtp_sink.body, smtp_sink.to("head@example.test")) if "XLD-02" in b][:1]
    assert "not handled within the maximum time from receipt (XLD-02" in english and "19 Mar 2026" in english
    [vietnamese] = [b for b in map(smtp_sink.body, smtp_sink.to("parent.head@example.test")) if "XLD-02" in b][:1]
    assert "quá thời hạn tối đa kể từ ngày nhận mà chưa được xử lý (XLD-02" in vietnamese and "19/03/2026" in vietnamese
    assert forgotten.reference in vietnamese
    login_as(client, parent_head)  # the case's history says what happened, in words
    page = client.get(f"/staff/cases/{forgotten.id}").get_data(as_text=True)
    assert "đơn quá thời hạn tối đa mà chưa được xử lý (XLD-02)" in page and "deadline_escalation" not in page


def test_the_hard_limit_is_the_version_in_force_on_receipt(rules: Session) -> None:
    from portal.deadlines.models import DeadlineRule
    from portal.deadlines.services import load_calendar, rule_in_force
    from portal.deadlines.sweep import hard_limits

    first = rules.get(DeadlineRule, rule_in_force(rules, "XLD-02", D(2026, 1, 1)).id)
    first.valid_to = D(2026, 2, 28)
    rules.add(DeadlineRule(**{c.key: getattr(first, c.key) for c in DeadlineRule.__table__.columns
                              if c.key not in ("id", "valid_from", "valid_to", "version", "duration")},
                           valid_from=D(2026, 3, 1), version=first.version + 1, duration=30))
    rules.flush()
    limits = {limit.rule.duration: limit for limit in hard_limits(rules, D(2026, 4, 20), load_calendar(rules))}
    # on Mon 20/4: 45 days for đơn received until 28/2 (received 3/3 -> day 45 Fri 17/4, passed; received
    # 4/3 -> Sat 18/4 -> runs to Mon 20/4, not yet), 30 days from 1/3 (received 18/3 -> Fri 17/4, passed)
    assert limits[45].received_to == D(2026, 2, 28) and limits[45].latest_received == D(2026, 3, 3)
    assert limits[30].received_from == D(2026, 3, 1) and limits[30].latest_received == D(2026, 3, 18)


def test_telling_the_accused_is_reminded_to_the_heads_who_do_it(app: Flask, rules: Session) -> None:
    """TC-03: the heads (or the handler they assign) tell the accused; the intake officers cannot."""
    settings = app.config["SETTINGS"]
    unit = make_unit(rules)
    head = make_user(rules, roles=[(Role.HEAD, unit)])
    make_user(rules, roles=[(Role.INTAKE_OFFICER, unit)])
    case = make_case(rules, unit=unit, kind=CaseKind.DENUNCIATION, status=CaseStatus.ACCEPTED)
    deadline = start_stage(rules, case, "notify", D(2026, 3, 2))  # 5 WD: Mon 9/3
    assert deadline is not None and (deadline.rule_code, deadline.due_on) == ("TC-03", D(2026, 3, 9))
    rules.commit()
    assert sweep(rules, settings, D(2026, 3, 5)).reminded == 1
    event = rules.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
    assert event.data["recipients"] == [head.id]


def test_escalation_above_skips_an_abolished_level(app: Flask, rules: Session) -> None:
    """The district level ended on 1/7/2025: a ward's overdue case goes to the city, not to the
    retired district (which has nobody to tell)."""
    settings = app.config["SETTINGS"]
    city = make_unit(rules)
    district = make_unit(rules, parent=city, valid_to=D(2025, 7, 1))
    ward = make_unit(rules, parent=district)
    city_head = make_user(rules, roles=[(Role.HEAD, city)])
    make_user(rules, roles=[(Role.HEAD, district)])  # still recorded, no longer in force
    case = make_case(rules, unit=ward, kind=CaseKind.PETITION, status=CaseStatus.RECEIVED)
    start_stage(rules, case, "intake", D(2026, 2, 2))
    rules.commit()
    report = sweep(rules, settings, D(2026, 3, 20))
    assert report.escalated_parent == 1 and report.escalated_hard == 1
    events = rules.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    by_level = {e.data["level"]: e for e in events}
    assert by_level["escalation_parent"].data["recipients"] == [city_head.id]
    assert by_level["escalation_hard"].data["recipients"] == [city_head.id]  # the ward has no head here
    assert by_level["escalation_hard"].note.startswith("XLD-02 2026-03-19")  # the limit it passed


def test_parts_of_a_split_submission_run_from_the_whole_s_receipt(rules: Session) -> None:
    from portal.cases.lifecycle import TransitionInput, apply_transition

    unit = make_unit(rules)
    officer = make_user(rules, roles=[(Role.INTAKE_OFFICER, unit)])
    case = make_case(rules, unit=unit, status=CaseStatus.IN_REVIEW, kind=None)
    apply_transition(rules, officer, case, "split", TransitionInput(parts=("Phần một", "Phần hai")), version=None)
    parts = rules.scalars(select(Deadline).join(Case, Case.id == Deadline.case_id)
                          .where(Case.parent_id == case.id, Deadline.met_at.is_(None))).all()
    assert len(parts) == 2 and {d.stage for d in parts} == {"intake"}  # XLD-01, and XLD-02 behind it
    assert {d.starts_on for d in parts} == {local_date(case.submission.received_at)}


def _unit_with_staff(rules: Session) -> tuple[Any, User, User]:
    """A unit with its head, an intake officer and a handler: (unit, head, handler)."""
    unit = make_unit(rules)
    head = make_user(rules, roles=[(Role.HEAD, unit)])
    make_user(rules, roles=[(Role.INTAKE_OFFICER, unit)])
    return unit, head, make_user(rules, roles=[(Role.HANDLER, unit)])


def _swept(rules: Session, settings: Any, day: D) -> tuple[Any, list[tuple[int, str, str, list[int]]]]:
    """Commit, sweep on ``day``; the report and each chase written: (case, stage, level, recipients)."""
    rules.commit()
    report = sweep(rules, settings, day)
    events = sorted((e.case_id, e.data["stage"], e.data["level"], e.data["recipients"]) for e in rules.scalars(
        select(CaseEvent).where(CaseEvent.action.like("deadline_%"))))
    return report, events


def test_a_decision_not_sent_in_time_is_chased_while_the_case_is_resolved(app: Flask, rules: Session) -> None:
    """The sending clock (KN-04, TC-06) runs after the case is resolved: the sweep reminds and
    escalates it like any other, to those who may record it (never the intake officers), and no
    other clock left on a resolved case is chased."""
    settings = app.config["SETTINGS"]
    unit, head, handler = _unit_with_staff(rules)
    pending = make_case(rules, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.RESOLVED, handler_id=handler.id)
    unassigned = make_case(rules, unit=unit, kind=CaseKind.DENUNCIATION, status=CaseStatus.RESOLVED)
    start_stage(rules, pending, "send", D(2026, 3, 2))  # KN-04: 3 WD, Thu 5 Mar
    start_stage(rules, unassigned, "send", D(2026, 3, 5))  # TC-06: 5 WD, Thu 12 Mar
    start_stage(rules, unassigned, "publish", D(2026, 2, 25))  # TC-07: 7 WD, Fri 6 Mar
    soon = make_case(rules, unit=unit, kind=CaseKind.DENUNCIATION, status=CaseStatus.RESOLVED)
    start_stage(rules, soon, "publish", D(2026, 3, 3))  # TC-07: Thu 12 Mar, within the reminder window
    left = make_case(rules, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.RESOLVED, handler_id=handler.id)
    start_stage(rules, left, "resolution", D(2026, 2, 2))  # another clock left open on a resolved case
    report, events = _swept(rules, settings, D(2026, 3, 9))
    assert (report.reminded, report.escalated) == (2, 2)
    # no handler: the reminder goes to the heads, who may record the sending, not to the intake officers
    assert events == sorted([(pending.id, "send", "escalation", [head.id]),
                             (unassigned.id, "send", "reminder", [head.id]),
                             (unassigned.id, "publish", "escalation", [head.id]),
                             (soon.id, "publish", "reminder", [head.id])])


def test_a_suspension_or_termination_not_sent_in_time_is_chased(app: Flask, rules: Session) -> None:
    """The sending clock of a suspension, termination or resumption decision (KN-09, TC-05) is chased
    while the case is suspended, running again, or terminated, by those who may record it; no other
    clock left on a terminated case is."""
    settings = app.config["SETTINGS"]
    unit, head, handler = _unit_with_staff(rules)
    ended = make_case(rules, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.TERMINATED, handler_id=handler.id)
    start_stage(rules, ended, "send_interim", D(2026, 11, 2))  # KN-09 (from 1 Jul 2026): 3 WD, Thu 5 Nov
    suspended = make_case(rules, unit=unit, kind=CaseKind.DENUNCIATION, status=CaseStatus.SUSPENDED)
    start_stage(rules, suspended, "send_interim", D(2026, 11, 5))  # TC-05: 5 WD, Thu 12 Nov
    left = make_case(rules, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.TERMINATED, handler_id=handler.id)
    start_stage(rules, left, "resolution", D(2026, 10, 2))  # another clock left open on a terminated case
    report, events = _swept(rules, settings, D(2026, 11, 9))
    assert (report.reminded, report.escalated) == (1, 1)
    assert events == sorted([(ended.id, "send_interim", "escalation", [head.id]),
                             (suspended.id, "send_interim", "reminder", [head.id])])


def test_each_decision_is_chased_on_its_own_clock(app: Flask, rules: Session) -> None:
    """A resumption decided while the suspension's sending is late opens a clock of its own: the late
    one stays late (escalated once, not again), and the new one is reminded from its own start."""
    settings = app.config["SETTINGS"]
    unit = make_unit(rules)
    head = make_user(rules, roles=[(Role.HEAD, unit)])
    handler = make_user(rules, roles=[(Role.HANDLER, unit)])
    case = make_case(rules, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.SUSPENDED, handler_id=handler.id)
    first = start_stage(rules, case, "send_interim", D(2026, 11, 2))  # the suspension: due Thu 5 Nov
    rules.commit()
    assert sweep(rules, settings, D(2026, 11, 9)).escalated == 1
    case.status = CaseStatus.INVESTIGATING
    second = start_stage(rules, case, "send_interim", D(2026, 11, 9))  # the resumption: due Thu 12 Nov
    rules.commit()
    assert first is not None and second is not None and second.id != first.id
    assert (first.starts_on, first.due_on, first.met_at) == (D(2026, 11, 2), D(2026, 11, 5), None)
    assert case.due_on == D(2026, 11, 5)  # the earliest still waiting
    report = sweep(rules, settings, D(2026, 11, 10))
    events = [(e.data["level"], e.data["recipients"], e.note) for e in rules.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action.like("deadline_%"))
        .order_by(CaseEvent.id))]
    assert events[0][:2] == ("escalation", [head.id]) and events[1][:2] == ("reminder", [handler.id])
    assert "2026-11-12" in events[1][2] and report.escalated == 0
