"""Wiring: the worker job, the sweep command, the badge macro, the demo seed, concurrent claims."""

from __future__ import annotations

import datetime as dt

from flask import Flask, render_template_string
from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.cases.models import Case, CaseEvent, CaseKind, Deadline, Submission
from portal.db import get_db, now_utc
from portal.deadlines.calendar import WorkingCalendar
from portal.deadlines.services import deadline_view, start_stage
from portal.deadlines.sweep import claim
from portal.org.models import OrgUnit
from tests.factories import make_case, make_unit, make_user

D = dt.date


def test_sweep_is_a_worker_job(app: Flask) -> None:
    assert "deadlines.sweep" in [name for name, _job in app.extensions["portal.jobs"]]


def test_sweep_command(runner, rules: Session) -> None:  # type: ignore[no-untyped-def]
    unit = make_unit(rules)
    handler = make_user(rules, roles=[(Role.HANDLER, unit)])
    case = make_case(rules, unit=unit, kind=CaseKind.COMPLAINT, handler_id=handler.id)
    start_stage(rules, case, "acceptance", D(2026, 3, 2))  # 10 WD: 16 Mar
    rules.commit()
    result = runner.invoke(args=["deadlines", "sweep", "--today", "2026-03-12"])
    assert result.exit_code == 0, result.output
    assert "reminded 1" in result.output
    again = runner.invoke(args=["deadlines", "sweep", "--today", "2026-03-12"])
    assert "reminded 0" in again.output and "emails 0" in again.output
    assert len(rules.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()) == 1
    bad = runner.invoke(args=["deadlines", "sweep", "--today", "12/03/2026"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_badge_shows_date_days_left_and_basis(app: Flask, rules: Session) -> None:
    case = make_case(rules, unit=make_unit(rules), kind=CaseKind.COMPLAINT)
    deadline = start_stage(rules, case, "acceptance", D(2026, 2, 13))  # Friday before Tết
    assert deadline is not None
    view = deadline_view(deadline, D(2026, 2, 13), WorkingCalendar())
    source = '{% from "deadlines/_macros.html" import deadline_badge %}{{ deadline_badge(view) }}'
    with app.test_request_context("/"):
        with force_locale("vi"):
            html = render_template_string(source, view=view)
        assert 'datetime="2026-03-06"' in html and "Còn 10 ngày làm việc" in html
        assert "<details" in html and "Căn cứ KN-02" in html and "Luật Khiếu nại Điều 27, 36" in html
        with force_locale("en"):
            html = render_template_string(source, view=view)
        assert "Working days left: 10" in html and "6 Mar 2026" in html
        late = deadline_view(deadline, D(2026, 3, 10), WorkingCalendar())
        with force_locale("en"):
            assert "Working days overdue: 2" in render_template_string(source, view=late)


def test_demo_seed_is_idempotent(rules: Session) -> None:
    from portal.deadlines import demo

    unit = make_unit(rules)
    case = make_case(rules, unit=unit, kind=CaseKind.PETITION)
    first = demo.seed(rules)
    assert any("1" in line for line in first)
    assert len(case.deadlines) == 1
    demo.seed(rules)
    rules.refresh(case)
    assert len(case.deadlines) == 1


def test_claims_in_separate_transactions(app: Flask) -> None:
    """Two sweeps in separate transactions never both get a row. On PostgreSQL the second skips the
    row the first holds without waiting (SQLite serialises writers, so that step is PostgreSQL's)."""
    engine = get_db(app).engine
    postgres = engine.dialect.name == "postgresql"
    with Session(engine, expire_on_commit=False) as setup:
        unit = OrgUnit(code="CLAIM-U", name="U", kind="department")
        setup.add(unit)
        setup.flush()
        submission = Submission(tracking_code="TCLAIM0001", secret_hash="x", kind="petition", content="c")
        setup.add(submission)
        setup.flush()
        case = Case(reference="VV-CLAIM-1", submission_id=submission.id, unit_id=unit.id, kind=CaseKind.PETITION)
        setup.add(case)
        setup.flush()
        deadline = Deadline(case_id=case.id, stage="intake", rule_code="XLD-01", starts_on=D(2026, 3, 2),
                            due_on=D(2026, 3, 16), unit="WD")
        setup.add(deadline)
        setup.commit()
        ids = [deadline.id]
        try:
            with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
                assert claim(first, Deadline.reminded_at, ids, now_utc()) == ids
                if postgres:
                    assert claim(second, Deadline.reminded_at, ids, now_utc()) == []  # locked: skipped
                first.commit()
                assert claim(second, Deadline.reminded_at, ids, now_utc()) == []  # already stamped
                second.commit()
        finally:
            setup.execute(delete(Case).where(Case.id == case.id))
            setup.execute(delete(Submission).where(Submission.id == submission.id))
            setup.execute(delete(OrgUnit).where(OrgUnit.id == unit.id))
            setup.commit()


def test_two_sweeps_at_once_notify_each_deadline_once(app: Flask) -> None:
    """Two sweeps run in parallel threads on committed data: every deadline is reminded exactly once."""
    import re
    import threading

    from portal.accounts.models import RoleAssignment, User
    from portal.deadlines.sweep import BATCH, sweep
    from portal.notifications.models import OutboxMessage

    engine = get_db(app).engine
    settings = app.config["SETTINGS"]
    count = BATCH + 40  # more than one batch
    with Session(engine, expire_on_commit=False) as setup:
        unit = OrgUnit(code="PAR-U", name="U", kind="department")
        setup.add(unit)
        setup.flush()
        handler = User(email="parallel.handler@example.test", is_staff=True)
        setup.add(handler)
        setup.flush()
        setup.add(RoleAssignment(user_id=handler.id, unit_id=unit.id, role=Role.HANDLER))
        submission = Submission(tracking_code="TPAR000001", secret_hash="x", kind="petition", content="c")
        setup.add(submission)
        setup.flush()
        cases = [Case(reference=f"VV-PAR-{i:04d}", submission_id=submission.id, unit_id=unit.id,
                      kind=CaseKind.PETITION, handler_id=handler.id) for i in range(count)]
        setup.add_all(cases)
        setup.flush()
        setup.add_all([Deadline(case_id=c.id, stage="intake", rule_code="XLD-01", starts_on=D(2026, 3, 2),
                                due_on=D(2026, 3, 16), unit="WD") for c in cases])
        setup.commit()
        case_ids = [c.id for c in cases]
        results: list[int] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with app.app_context(), Session(engine) as session:
                    results.append(sweep(session, settings, D(2026, 3, 12)).reminded)
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        try:
            threads = [threading.Thread(target=run) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            assert not errors, errors
            assert sum(results) == count
            events = setup.scalars(select(CaseEvent.case_id).where(CaseEvent.case_id.in_(case_ids))).all()
            assert sorted(events) == sorted(case_ids)
            # One digest per sweep that got something, together counting every deadline once.
            mails = setup.scalars(select(OutboxMessage.body_text).where(OutboxMessage.recipient == handler.email)).all()
            assert 1 <= len(mails) <= 2
            counted = [re.search(r"quy định: ([\d.]+) hồ sơ", body) for body in mails]
            assert sum(int(m[1].replace(".", "")) for m in counted if m) == count
        finally:
            setup.rollback()
            setup.execute(delete(OutboxMessage).where(OutboxMessage.recipient == handler.email))
            setup.execute(delete(CaseEvent).where(CaseEvent.case_id.in_(case_ids)))
            setup.execute(delete(Deadline).where(Deadline.case_id.in_(case_ids)))
            setup.execute(delete(Case).where(Case.id.in_(case_ids)))
            setup.execute(delete(Submission).where(Submission.id == submission.id))
            setup.execute(delete(RoleAssignment).where(RoleAssignment.user_id == handler.id))
            setup.execute(delete(User).where(User.id == handler.id))
            setup.execute(delete(OrgUnit).where(OrgUnit.id == unit.id))
            setup.commit()
