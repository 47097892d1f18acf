"""The accountability board (figures against a hand-computed fixture), rules admin, holidays."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.cases.models import Case, CaseConflict, CaseKind, CaseStatus, Deadline
from portal.deadlines.board import compute
from portal.deadlines.clock import LOCAL_TZ, local_today
from portal.deadlines.models import DeadlineRule, HolidayOverride
from tests.factories import make_case, make_unit, make_user
from tests.helpers import login_as

D = dt.date


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), LOCAL_TZ).astimezone(dt.UTC)


def add_deadline(session: Session, case: Case, *, starts: dt.date, due: dt.date, met: dt.datetime | None = None,
                 stage: str = "resolution") -> Deadline:
    deadline = Deadline(case_id=case.id, stage=stage, rule_code="KN-03", starts_on=starts, due_on=due, met_at=met,
                        unit="CAL", legal_basis="Luật Khiếu nại Điều 28")
    session.add(deadline)
    if met is None:
        case.due_on = due if case.due_on is None else min(case.due_on, due)
    session.flush()
    return deadline


@pytest.fixture
def org(db_session: Session) -> dict[str, object]:
    """City (head A, inspector I) > district (head B) ; another department (head C).

    Today = 10 Mar 2026 (Tue); due soon = up to 3 working days = 13 Mar. Period = 1 Jan - 10 Mar 2026.
    District: open 3 (due 11 Mar: soon; 2 Mar: overdue; none), 1 closed; met in period: 2 deadlines,
      on time (starts 1 Feb, due 3 Mar, met 3 Mar local 23:00 -> 30 days) and late (starts 1 Jan,
      due 31 Jan, met 5 Feb -> 35 days): rate 50%, average 32.5 days.
    City: open 1 (due 13 Mar: soon); met 1 on time (starts 1 Mar, met 4 Mar: 3 days), one met in
      2025 (outside the period); one conflicted case hidden from head A.
    """
    s = db_session
    city = make_unit(s, code="CITY", name="Thành phố")
    district = make_unit(s, parent=city, code="DIST", name="Quận 1")
    other = make_unit(s, code="OTHER", name="Sở khác")
    head_a = make_user(s, roles=[(Role.HEAD, city)], full_name="Trưởng A")
    head_b = make_user(s, roles=[(Role.HEAD, district)], full_name="Trưởng B")
    head_c = make_user(s, roles=[(Role.HEAD, other)], full_name="Trưởng C")
    inspector = make_user(s, roles=[(Role.INSPECTOR, city)])
    handler = make_user(s, roles=[(Role.HANDLER, district)])

    soon = make_case(s, unit=district, kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING)
    add_deadline(s, soon, starts=D(2026, 2, 9), due=D(2026, 3, 11))
    late = make_case(s, unit=district, kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING)
    add_deadline(s, late, starts=D(2026, 1, 31), due=D(2026, 3, 2))
    make_case(s, unit=district, kind=CaseKind.PETITION, status=CaseStatus.RECEIVED)  # open, no deadline
    done1 = make_case(s, unit=district, kind=CaseKind.COMPLAINT, status=CaseStatus.RESOLVED)
    add_deadline(s, done1, starts=D(2026, 2, 1), due=D(2026, 3, 3), met=local(D(2026, 3, 3), 23))
    done2 = make_case(s, unit=district, kind=CaseKind.COMPLAINT, status=CaseStatus.CLOSED)
    add_deadline(s, done2, starts=D(2026, 1, 1), due=D(2026, 1, 31), met=local(D(2026, 2, 5)))

    city_open = make_case(s, unit=city, kind=CaseKind.DENUNCIATION, status=CaseStatus.ACCEPTED)
    add_deadline(s, city_open, starts=D(2026, 2, 11), due=D(2026, 3, 13))
    add_deadline(s, city_open, starts=D(2026, 3, 1), due=D(2026, 3, 5), met=local(D(2026, 3, 4)), stage="intake")
    # telling the accused (TC-03) is a duty beside the case's handling: not in its figures
    add_deadline(s, city_open, starts=D(2026, 3, 5), due=D(2026, 3, 12), met=local(D(2026, 3, 6)), stage="notify")
    old = make_case(s, unit=city, kind=CaseKind.PETITION, status=CaseStatus.CLOSED)
    add_deadline(s, old, starts=D(2025, 12, 1), due=D(2025, 12, 16), met=local(D(2025, 12, 20)))
    hidden = make_case(s, unit=city, kind=CaseKind.DENUNCIATION, status=CaseStatus.ACCEPTED)
    add_deadline(s, hidden, starts=D(2026, 1, 1), due=D(2026, 1, 31))
    s.add(CaseConflict(case_id=hidden.id, user_id=head_a.id, reason="accused"))
    other_case = make_case(s, unit=other, kind=CaseKind.PETITION, status=CaseStatus.RECEIVED)
    add_deadline(s, other_case, starts=D(2026, 3, 1), due=D(2026, 3, 5))
    s.flush()
    return {"city": city, "district": district, "other": other, "head_a": head_a, "head_b": head_b,
            "head_c": head_c, "inspector": inspector, "handler": handler, "late": late, "soon": soon}


TODAY, SOON, PERIOD = D(2026, 3, 10), D(2026, 3, 13), (D(2026, 1, 1), D(2026, 3, 10))


def test_board_matches_hand_computed_figures(db_session: Session, org: dict) -> None:  # type: ignore[type-arg]
    board = compute(db_session, org["head_a"], today=TODAY, period=PERIOD, soon=SOON)
    rows = {r.code: r.figures for r in board.units}
    assert set(rows) == {"CITY", "DIST"}  # the other department is not in head A's subtree
    dist, city = rows["DIST"], rows["CITY"]
    assert (dist.open, dist.due_soon, dist.overdue, dist.met, dist.met_on_time) == (3, 1, 1, 2, 1)
    assert dist.on_time_rate == 0.5 and dist.average_days == 32.5
    assert (city.open, city.due_soon, city.overdue, city.met, city.met_on_time) == (1, 1, 0, 1, 1)
    assert city.on_time_rate == 1.0 and city.average_days == 3
    assert (board.total.open, board.total.overdue, board.total.met) == (4, 1, 3)
    heads = {h.name: h.figures for h in board.heads}
    assert set(heads) == {"Trưởng A", "Trưởng B"}
    assert heads["Trưởng B"].open == 3 and heads["Trưởng A"].open == 1

    inspector = compute(db_session, org["inspector"], today=TODAY, period=PERIOD, soon=SOON)
    assert {r.code: r.figures.overdue for r in inspector.units} == {"CITY": 1, "DIST": 1}  # sees the hidden case

    head_b = compute(db_session, org["head_b"], today=TODAY, period=PERIOD, soon=SOON)
    assert [r.code for r in head_b.units] == ["DIST"]
    assert compute(db_session, org["handler"], today=TODAY, period=PERIOD, soon=SOON).units == []


def test_board_page_drill_down_and_export(client: FlaskClient, db_session: Session, org: dict) -> None:  # type: ignore[type-arg]
    login_as(client, org["head_a"])
    page = client.get("/staff/board?start=2026-01-01&end=2026-03-10")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Quận 1" in html and "Sở khác" not in html and "Trưởng B" in html
    district = org["district"]
    drill = client.get(f"/staff/board/units/{district.id}/open")
    assert drill.status_code == 200
    body = drill.get_data(as_text=True)
    assert f'href="/staff/cases/{org["late"].reference}"' in body and "<details" in body
    assert client.get(f"/staff/board/units/{org['other'].id}/open").status_code == 404
    assert client.get(f"/staff/board/units/{district.id}/bogus").status_code == 404

    export = client.get("/staff/board/export.csv?start=2026-01-01&end=2026-03-10")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["unit_code"] for r in rows} == {"CITY", "DIST"}
    assert "Trưởng" not in export.get_data(as_text=True)  # no personal data
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.actor_id == org["head_a"].id


def test_board_refuses_others_and_bad_periods(client: FlaskClient, db_session: Session, org: dict) -> None:  # type: ignore[type-arg]
    login_as(client, org["handler"])
    assert client.get("/staff/board").status_code == 403
    assert client.get("/staff/board/export.csv").status_code == 403
    login_as(client, org["head_b"])
    bad = client.get("/staff/board?start=2026-03-10&end=2026-01-01")
    assert bad.status_code == 200 and "Ngày kết thúc phải sau ngày bắt đầu" in bad.get_data(as_text=True)
    assert client.get("/staff/board?start=not-a-date").status_code == 200


@pytest.fixture
def admin(db_session: Session, rules: Session):  # type: ignore[no-untyped-def]
    return make_user(db_session, roles=[(Role.ADMIN, make_unit(db_session))])


def test_rules_admin_lists_confidence(client: FlaskClient, admin) -> None:  # type: ignore[no-untyped-def]
    login_as(client, admin)
    page = client.get("/staff/deadlines/rules")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for code in ("KN-02", "KN-03", "TC-04", "XLD-01", "KNPA-02"):
        assert code in html
    assert "Chưa kiểm chứng" in html and "TT 05/2021" in html


def test_editing_a_rule_adds_a_version(client: FlaskClient, db_session: Session, admin) -> None:  # type: ignore[no-untyped-def]
    login_as(client, admin)
    assert client.get("/staff/deadlines/rules/KN-03").status_code == 200
    assert client.get("/staff/deadlines/rules/NOPE").status_code == 404
    form = {"valid_from": "2027-01-01", "duration": "35", "unit": "CAL", "duration_complex": "50",
            "duration_remote": "45", "duration_remote_complex": "60", "extensions_complex": "0",
            "extensions_especially_complex": "0", "pauses_excluded": "y", "starts_at": "Ngày thụ lý",
            "legal_basis": "Luật Khiếu nại Điều 28 (sửa đổi)", "confidence": "?", "note": ""}
    bad = client.post("/staff/deadlines/rules/KN-03", data={**form, "duration": "-3"})
    assert bad.status_code == 400 and "Luật Khiếu nại Điều 28 (sửa đổi)" in bad.get_data(as_text=True)
    saved = client.post("/staff/deadlines/rules/KN-03", data=form)
    assert saved.status_code == 302
    versions = db_session.scalars(select(DeadlineRule).where(DeadlineRule.code == "KN-03")
                                  .order_by(DeadlineRule.version)).all()
    assert [(v.version, v.duration, v.valid_to) for v in versions] == [(1, 30, D(2026, 12, 31)), (2, 35, None)]
    history = client.get("/staff/deadlines/rules/KN-03").get_data(as_text=True)
    assert "v1" in history and "v2" in history


def test_rules_admin_requires_admin(client: FlaskClient, db_session: Session, rules: Session) -> None:
    head = make_user(db_session, roles=[(Role.HEAD, make_unit(db_session))])
    login_as(client, head)
    assert client.get("/staff/deadlines/rules").status_code == 403
    assert client.get("/staff/deadlines/holidays").status_code == 403
    assert client.post("/staff/deadlines/rules/KN-03", data={}).status_code == 403


def test_holiday_overrides_crud(client: FlaskClient, db_session: Session, admin) -> None:  # type: ignore[no-untyped-def]
    login_as(client, admin)
    page = client.get("/staff/deadlines/holidays?year=2026")
    assert page.status_code == 200 and "2026-02-17" in page.get_data(as_text=True)
    assert 'id="make-up"' in page.get_data(as_text=True) and 'datetime="2026-08-22"' in page.get_data(as_text=True)
    added = client.post("/staff/deadlines/holidays", data={"day": "2027-02-13", "kind": "make_up_working_day",
                                                           "note": "Làm bù Tết"})
    assert added.status_code == 302
    duplicate = client.post("/staff/deadlines/holidays", data={"day": "2027-02-13", "kind": "extra_day_off"})
    assert duplicate.status_code == 400 and "đã có điều chỉnh" in duplicate.get_data(as_text=True)
    assert client.post("/staff/deadlines/holidays", data={"day": "bad", "kind": "extra_day_off"}).status_code == 400
    override = db_session.scalars(select(HolidayOverride)).one()
    assert client.post(f"/staff/deadlines/holidays/{override.id}/delete").status_code == 302
    assert db_session.scalars(select(HolidayOverride)).all() == []
    assert client.post("/staff/deadlines/holidays/999999/delete").status_code == 404


def test_holiday_delete_needs_csrf(csrf_client: FlaskClient, db_session: Session, rules: Session) -> None:
    admin = make_user(db_session, roles=[(Role.ADMIN, make_unit(db_session))])
    login_as(csrf_client, admin)
    db_session.add(HolidayOverride(day=D(2027, 2, 13), kind="make_up_working_day", note=""))
    db_session.flush()
    override = db_session.scalars(select(HolidayOverride)).one()
    assert csrf_client.post(f"/staff/deadlines/holidays/{override.id}/delete").status_code == 400


def test_local_today_is_a_date() -> None:
    assert isinstance(local_today(), dt.date)


def test_board_pages_are_translated(client: FlaskClient, db_session: Session, org: dict) -> None:  # type: ignore[type-arg]
    from tests.core.test_i18n import untranslated_text

    login_as(client, org["head_a"])
    for path in ("/staff/board?lang=en", f"/staff/board/units/{org['district'].id}/open?lang=en"):
        response = client.get(path)
        assert response.status_code == 200
        assert not untranslated_text(response.get_data(as_text=True)), path


def test_board_case_link_opens_the_case_for_its_head_only(client: FlaskClient, db_session: Session,
                                                          org: dict) -> None:  # type: ignore[type-arg]
    late = org["late"]
    late.reference = "KN-7Q4M-X9KD"
    db_session.flush()
    login_as(client, org["head_b"])
    drill = client.get(f"/staff/board/units/{org['district'].id}/open").get_data(as_text=True)
    assert 'href="/staff/cases/KN-7Q4M-X9KD"' in drill
    followed = client.get("/staff/cases/KN-7Q4M-X9KD")
    assert followed.status_code == 302 and followed.headers["Location"].endswith(f"/staff/cases/{late.id}")
    assert client.get("/staff/cases/KN-7Q4M-X9KD", follow_redirects=True).status_code == 200
    assert client.get("/staff/cases/KN-NO-SUCH-CASE").status_code == 404
    login_as(client, org["head_c"])  # head of an unrelated department: as if the case did not exist
    assert client.get("/staff/cases/KN-7Q4M-X9KD").status_code == 404
    assert client.get("/staff/cases/KN-NO-SUCH-CASE").status_code == 404


def test_a_decided_case_with_a_late_sending_counts_as_open_and_overdue(client: FlaskClient, db_session: Session,
                                                                        org: dict) -> None:  # type: ignore[type-arg]
    """The head is accountable for the sending of a decision (KN-04, TC-06, KN-09, TC-05) and the
    publication of a conclusion (TC-07) as for any deadline: a resolved or terminated case with such a
    clock running is on the board (open, due soon or overdue) and in its drill-down until recorded."""
    s = db_session
    district = org["district"]
    unsent = make_case(s, unit=district, kind=CaseKind.COMPLAINT, status=CaseStatus.RESOLVED)
    add_deadline(s, unsent, starts=D(2026, 3, 2), due=D(2026, 3, 5), stage="send")
    ended = make_case(s, unit=district, kind=CaseKind.DENUNCIATION, status=CaseStatus.TERMINATED)
    add_deadline(s, ended, starts=D(2026, 3, 9), due=D(2026, 3, 13), stage="send_interim")
    board = compute(s, org["head_b"], today=TODAY, period=PERIOD, soon=SOON)
    dist = board.units[0].figures
    assert (dist.open, dist.due_soon, dist.overdue) == (3 + 2, 1 + 1, 1 + 1)  # the fixture's, and these two
    assert dist.met == 2  # a side duty's clock never enters the handling's met figures

    login_as(client, org["head_b"])  # the page counts from the real today: both are late by now
    board_page = client.get("/staff/board").get_data(as_text=True)
    assert 'id="board-open-help"' in board_page and "chưa được ghi nhận" in board_page  # what the columns hold
    overdue = client.get(f"/staff/board/units/{district.id}/overdue").get_data(as_text=True)
    assert f'href="/staff/cases/{unsent.reference}"' in overdue and f'href="/staff/cases/{ended.reference}"' in overdue
    assert "Gửi quyết định, kết luận" in overdue and "Gửi quyết định tạm đình chỉ, đình chỉ, tiếp tục" in overdue

    # once recorded (the clock met, nothing left on it), the decided case leaves the board's open figures
    unsent.due_on = None
    s.flush()
    assert compute(s, org["head_b"], today=TODAY, period=PERIOD, soon=SOON).units[0].figures.overdue == 1
