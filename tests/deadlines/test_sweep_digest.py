"""The sweep's digest emails: one email per recipient per sweep, whatever the number of cases."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.cases.models import CaseEvent, CaseKind, Deadline
from portal.db import now_utc
from portal.deadlines import sweep as sweep_module
from portal.deadlines.sweep import ESCALATE, Digest, Directory, Listed, Run, _write_digests, sweep
from portal.notifications.models import OutboxMessage
from portal.notifications.services import send_pending
from tests.factories import make_case, make_unit, make_user

D = dt.date
TODAY = D(2026, 4, 20)


def _overdue_case(session: Session, unit, reference: str, due_on: dt.date) -> Deadline:  # type: ignore[no-untyped-def]
    case = make_case(session, unit=unit, reference=reference, kind=CaseKind.PETITION)
    deadline = Deadline(case_id=case.id, stage="resolution", rule_code="KNPA-02", starts_on=D(2026, 2, 1),
                        due_on=due_on, unit="CAL")
    session.add(deadline)
    session.flush()
    return deadline


def test_one_digest_per_recipient_across_batches_and_levels(app: Flask, rules: Session, smtp_sink,  # type: ignore[no-untyped-def]
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep_module, "BATCH", 4)  # many batches: the digest is revised, never duplicated
    settings = app.config["SETTINGS"]
    parent = make_unit(rules)
    unit = make_unit(rules, parent=parent)
    parent_head = make_user(rules, roles=[(Role.HEAD, parent)], email="digest.parent@example.test", locale="en")
    head = make_user(rules, roles=[(Role.HEAD, unit)], email="digest.head@example.test")
    # 25 cases of the unit, due 1..25 March; 2 of the parent unit itself.
    own = [_overdue_case(rules, unit, f"VV-DG-{day:04d}", D(2026, 3, day)) for day in range(25, 0, -1)]
    upper = [_overdue_case(rules, parent, f"VV-DGP-{n}", D(2026, 4, 1)) for n in (1, 2)]
    rules.commit()

    report = sweep(rules, settings, TODAY)
    assert (report.escalated, report.escalated_parent, report.emails) == (27, 27, 2)
    messages = rules.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert sorted(m.recipient for m in messages) == ["digest.head@example.test", "digest.parent@example.test"]
    assert all(m.next_attempt_at is not None and m.next_attempt_at <= now_utc() for m in messages)  # released
    assert send_pending(rules, settings).sent == 2
    mail = {m["To"]: m for m in smtp_sink.messages}

    text = smtp_sink.body(mail["digest.head@example.test"])
    assert mail["digest.head@example.test"]["Subject"] == "Quá hạn: 25 hồ sơ"
    assert "người đứng đầu đơn vị chịu trách nhiệm: 25 hồ sơ." in text
    listed = [f"VV-DG-{day:04d}" for day in range(1, 21)]  # the 20 most overdue
    for reference in listed:
        assert f"{settings.base_url.rstrip('/')}/staff/cases/{reference}" in text
    assert "VV-DG-0021" not in text and "… và 5 hồ sơ khác." in text
    assert "quá hạn 50 ngày" in text  # due 1 March, today 20 April
    assert f"{settings.base_url.rstrip('/')}/staff/board" in text
    html = mail["digest.head@example.test"].get_body(preferencelist=("html",)).get_content()
    assert all(f"/staff/cases/{reference}" in html for reference in listed)

    text = smtp_sink.body(mail["digest.parent@example.test"])  # own unit's 2 and the sub-unit's 25, in English
    assert mail["digest.parent@example.test"]["Subject"] == "Overdue cases: 27"
    assert "(the head of the unit is accountable): 2." in text
    assert "needing direction from the head of the superior unit: 25." in text and "… and 5 more." in text
    assert "VV-DGP-1" in text and "overdue by 19 days" in text

    # Every notice is still recorded on its case and on its deadline.
    for deadline in own + upper:
        rules.refresh(deadline)
        assert deadline.escalated_at is not None and deadline.escalated_parent_at is not None
    events = rules.execute(select(CaseEvent.data).where(CaseEvent.case_id == own[0].case_id)
                           .order_by(CaseEvent.id)).scalars().all()
    assert [(e["level"], e["recipients"]) for e in events] == [("escalation", [head.id]),
                                                               ("escalation_parent", [parent_head.id])]
    assert rules.scalar(select(func.count()).select_from(CaseEvent)
                        .where(CaseEvent.action == "deadline_escalation")) == 54

    again = sweep(rules, settings, TODAY)
    assert (again.escalated, again.escalated_parent, again.emails) == (0, 0, 0)
    assert rules.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_inactive_and_deleted_accounts_get_nothing(app: Flask, rules: Session) -> None:
    settings = app.config["SETTINGS"]
    units = make_unit(rules), make_unit(rules)  # one head each: one locked, one deleted
    make_user(rules, roles=[(Role.HEAD, units[0])], is_active_account=False)
    make_user(rules, roles=[(Role.HEAD, units[1])], deleted_at=now_utc())
    deadlines = [_overdue_case(rules, unit, f"VV-NOBODY-{n}", D(2026, 4, 1)) for n, unit in enumerate(units)]
    rules.commit()
    report = sweep(rules, settings, TODAY)
    assert (report.escalated, report.emails) == (2, 0)
    for deadline in deadlines:
        event = rules.scalars(select(CaseEvent).where(CaseEvent.case_id == deadline.case_id)).first()
        assert event is not None and event.data["recipients"] == []
    assert rules.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_digest_the_sender_took_is_never_edited(app: Flask, rules: Session, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    """A sweep so slow that its hold ran out: what comes after the sent email goes in a second part."""
    settings = app.config["SETTINGS"]
    head = make_user(rules, roles=[(Role.HEAD, make_unit(rules))], email="slow.head@example.test")
    run = Run(settings, TODAY, now_utc(), Directory.load(rules), "t")
    digest = run.digests[head.id] = Digest(head.id, head.email, "vi")
    digest.add(ESCALATE, [Listed(D(2026, 4, 1), "VV-SLOW-1", 19, "http://x/staff/cases/VV-SLOW-1")])
    _write_digests(rules, run, [digest])
    rules.commit()
    assert digest.message_id is not None and digest.held_until is not None
    assert send_pending(rules, settings).sent == 0  # held while the sweep runs
    assert send_pending(rules, settings, now=digest.held_until + dt.timedelta(seconds=1)).sent == 1
    first = digest.message_id

    digest.add(ESCALATE, [Listed(D(2026, 4, 2), "VV-SLOW-2", 18, "http://x/staff/cases/VV-SLOW-2")])
    _write_digests(rules, run, [digest])
    rules.commit()
    assert digest.message_id != first and run.emails == 2
    sent, second = (rules.get(OutboxMessage, i) for i in (first, digest.message_id))
    assert sent is not None and second is not None
    assert "VV-SLOW-1" in sent.subject and "VV-SLOW-2" not in sent.body_text  # unchanged after sending
    assert "VV-SLOW-2" in second.subject and "VV-SLOW-1" not in second.body_text
    assert second.dedupe_key is not None and second.dedupe_key.endswith(":2")
