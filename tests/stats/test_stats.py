"""Published transparency statistics: what is counted, the period's edges, the daily snapshot, the
public page and its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from portal.cases.models import CaseEvent, CaseKind, CaseStatus, Deadline, SubmissionKind
from portal.stats.models import PublishedStatistics
from portal.stats.services import compute, latest, period_for, publish, publish_job
from portal.web.pagecache import get_cache
from tests.factories import make_case, make_submission, make_unit

D = dt.date
VN = ZoneInfo("Asia/Ho_Chi_Minh")
AS_OF = D(2026, 6, 1)  # the snapshot of June 2026: the period is June 2025 to May 2026


def local(*args: int) -> dt.datetime:
    """An instant given in Vietnamese local time (the periods are local days)."""
    return dt.datetime(*args, tzinfo=VN).astimezone(dt.UTC)


def unit_row(figures: dict, code: str) -> dict:
    return next(row for row in figures["units"] if row["code"] == code)


def ended(session, case, status: CaseStatus, at: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    """The event by which ``case`` reached ``status`` (what the lifecycle writes)."""
    session.add(CaseEvent(case_id=case.id, action=status.value, to_status=status.value, at=at))


@pytest.fixture
def city(db_session):  # type: ignore[no-untyped-def]
    """Two units with cases on both sides of the period's edges, deadlines met on time and late,
    one split case (counted as its parts) and a forwarded one (counted at both units)."""
    s = db_session
    ward = make_unit(s, code="ST-WARD", name="Phường Thống Kê", name_en="Statistics Ward")
    dept = make_unit(s, code="ST-DEPT", name="Sở Thống Kê", name_en="Statistics Department")
    named = make_submission(s, kind=SubmissionKind.COMPLAINT, received_at=local(2026, 5, 31, 23, 30),
                            identity={"full_name": "Trần Thị Bí Mật", "phone": "0901234567"},
                            tracking_code="KN-SECRET1")
    # received on the period's last evening, resolved in it: its resolution deadline met a day late,
    # its intake on time
    resolved = make_case(s, unit=ward, submission=named, kind=CaseKind.COMPLAINT, status=CaseStatus.RESOLVED,
                         created_at=local(2026, 5, 31, 23, 30))
    ended(s, resolved, CaseStatus.RESOLVED, local(2026, 5, 31, 23, 45))
    s.add_all([
        Deadline(case_id=resolved.id, stage="intake", rule_code="XLD-01", starts_on=D(2026, 5, 18),
                 due_on=D(2026, 5, 29), met_at=local(2026, 5, 29, 16, 0)),
        Deadline(case_id=resolved.id, stage="resolution", rule_code="KN-03", starts_on=D(2026, 5, 18),
                 due_on=D(2026, 5, 30), met_at=local(2026, 5, 31, 9, 0)),
        # met on the publication day: after the period
        Deadline(case_id=resolved.id, stage="acceptance", rule_code="KN-02", starts_on=D(2026, 5, 18),
                 due_on=D(2026, 6, 5), met_at=local(2026, 6, 1, 0, 10)),
    ])
    # open and overdue on the publication day, received the day before the period
    make_case(s, unit=ward, status=CaseStatus.ACCEPTED, due_on=D(2026, 5, 31), created_at=local(2025, 5, 31, 12),
              submission=make_submission(s, kind=SubmissionKind.DENUNCIATION, received_at=local(2025, 5, 31, 12)))
    # open, due on the publication day (not overdue), received on its first minute: after the period
    make_case(s, unit=ward, status=CaseStatus.IN_REVIEW, due_on=AS_OF, created_at=local(2026, 6, 1, 0, 1),
              submission=make_submission(s, kind=SubmissionKind.DENUNCIATION, received_at=local(2026, 6, 1, 0, 1)))
    # split: the parent is not counted, its two parts are
    parent_sub = make_submission(s, kind=SubmissionKind.PETITION, received_at=local(2026, 1, 5, 9))
    parent = make_case(s, unit=dept, submission=parent_sub, status=CaseStatus.SPLIT, created_at=local(2026, 1, 5, 9))
    ended(s, parent, CaseStatus.SPLIT, local(2026, 1, 6, 9))
    for _ in range(2):
        make_case(s, unit=dept, submission=parent_sub, parent_id=parent.id, status=CaseStatus.INVESTIGATING,
                  due_on=D(2026, 7, 1), created_at=local(2026, 1, 6, 9))
    # forwarded from the ward to the department on the period's first day, archived there
    fwd_sub = make_submission(s, kind=SubmissionKind.FEEDBACK, received_at=local(2025, 6, 1, 0, 0))
    forwarded = make_case(s, unit=ward, submission=fwd_sub, status=CaseStatus.FORWARDED,
                          created_at=local(2025, 6, 1, 0, 0))
    ended(s, forwarded, CaseStatus.FORWARDED, local(2025, 6, 5, 9))
    archived = make_case(s, unit=dept, submission=fwd_sub, forwarded_from_id=forwarded.id,
                         status=CaseStatus.ARCHIVED, created_at=local(2025, 6, 5, 9))
    ended(s, archived, CaseStatus.ARCHIVED, local(2025, 7, 1, 9))
    s.flush()
    return ward, dept


def test_the_period_is_the_twelve_calendar_months_before_the_month_of_publication():
    assert period_for(AS_OF) == (D(2025, 6, 1), D(2026, 5, 31))
    assert period_for(D(2026, 6, 17)) == (D(2025, 6, 1), D(2026, 5, 31))  # any day of the month: its snapshot
    assert period_for(D(2026, 1, 1)) == (D(2025, 1, 1), D(2025, 12, 31))
    assert period_for(D(2028, 3, 1)) == (D(2027, 3, 1), D(2028, 2, 29))  # ends on a 29 February


def test_figures_per_unit_count_local_days_split_parts_and_forwarded_cases(db_session, city):
    period, figures = compute(db_session, AS_OF)
    assert period == (D(2025, 6, 1), D(2026, 5, 31))
    ward = unit_row(figures, "ST-WARD")
    # received: the resolved case (23:30 on the last day) and the forwarded one (00:00 on the first);
    # not the case of 2025-05-31 nor the one of 00:01 on the publication day
    assert (ward["received"], ward["closed"]) == (2, 2)
    assert (ward["open"], ward["overdue"]) == (2, 1)
    assert (ward["met"], ward["met_on_time"], ward["handling_days"]) == (2, 1, 11 + 13)
    assert ward["name"] == "Phường Thống Kê" and ward["name_en"] == "Statistics Ward"
    dept = unit_row(figures, "ST-DEPT")
    # the two parts of the split case and the case forwarded to it; the split parent is not counted
    assert (dept["received"], dept["closed"], dept["open"], dept["overdue"]) == (3, 1, 2, 0)
    assert figures["total"]["received"] >= 5 and figures["total"]["open"] >= 4


def test_city_wide_kinds_count_what_citizens_sent_and_outcomes_what_ended(db_session, city):
    _period, figures = compute(db_session, AS_OF)
    kinds = {row["kind"]: row for row in figures["kinds"]}
    assert [row["kind"] for row in figures["kinds"]] == [k.value for k in SubmissionKind]
    assert kinds["complaint"]["received"] >= 1 and kinds["complaint"]["anonymous"] == kinds["complaint"]["received"] - 1
    outcomes = {row["status"]: row["count"] for row in figures["outcomes"]}
    assert outcomes["resolved"] >= 1 and outcomes["forwarded"] >= 1 and outcomes["archived"] >= 1
    assert "split" not in outcomes and "closed" not in outcomes


def test_outcomes_reached_through_the_lifecycle_are_counted(db_session):
    """The outcomes are read from what the lifecycle writes, not from a column it leaves empty (a
    case forwarded or guided has no closed_at)."""
    from portal.accounts.models import Role
    from portal.cases.lifecycle import TransitionInput, apply_transition
    from portal.deadlines.clock import local_today
    from tests.factories import make_user

    unit, other = make_unit(db_session, code="ST-LIFE"), make_unit(db_session, code="ST-LIFE-2")
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, unit)])
    guided = make_case(db_session, unit=unit, status=CaseStatus.IN_REVIEW, kind=CaseKind.PETITION)
    forwarded = make_case(db_session, unit=unit, status=CaseStatus.IN_REVIEW, kind=CaseKind.PETITION)
    apply_transition(db_session, officer, guided, "guide", TransitionInput(text="Gửi đến phường"), version=None)
    apply_transition(db_session, officer, forwarded, "forward", TransitionInput(target_unit_id=other.id,
                                                                                text="Chuyển"), version=None)
    next_month = (local_today().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    _period, figures = compute(db_session, next_month)
    outcomes = {row["status"]: row["count"] for row in figures["outcomes"]}
    assert outcomes["guided"] >= 1 and outcomes["forwarded"] >= 1
    assert unit_row(figures, "ST-LIFE")["closed"] == 2


def test_an_event_that_keeps_the_status_ends_nothing(db_session):
    """A decision resolved before the period and recorded as sent (or reopened) within it is not an
    outcome of the period: the event leaves the status as it was."""
    unit = make_unit(db_session, code="ST-SENT")
    case = make_case(db_session, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.RESOLVED)
    ended(db_session, case, CaseStatus.RESOLVED, local(2025, 5, 20, 9, 0))  # before June 2025
    db_session.add(CaseEvent(case_id=case.id, action="send_decision", from_status="resolved", to_status="resolved",
                             at=local(2025, 6, 3, 9, 0)))
    db_session.flush()
    _period, figures = compute(db_session, AS_OF)
    assert all(row["code"] != "ST-SENT" or row["closed"] == 0 for row in figures["units"])


def test_published_figures_name_no_case_and_no_person(db_session, city):
    row = publish(db_session, AS_OF)
    blob = json.dumps(row.figures, ensure_ascii=False)
    for secret in ("Trần Thị Bí Mật", "0901234567", "KN-SECRET1", "VV-"):
        assert secret not in blob


def test_a_month_is_published_once_and_latest_is_the_newest_month(db_session, city):
    first = publish(db_session, AS_OF)
    again = publish(db_session, AS_OF + dt.timedelta(days=9))  # the same month
    assert again.id == first.id and again.as_of == AS_OF
    assert db_session.query(PublishedStatistics).filter_by(as_of=AS_OF).count() == 1
    newer = publish(db_session, D(2026, 7, 3))
    assert newer.as_of == D(2026, 7, 1) and latest(db_session).id == newer.id


def test_the_worker_publishes_once_a_month(db_session, city):
    """Daily snapshots of a rolling year would tell, by their difference, which unit received which
    kind of đơn on a given day: the figures move a month at a time."""
    assert publish_job(db_session, D(2026, 6, 2))["published"] is True
    assert publish_job(db_session, D(2026, 6, 3)) == {"published": False}
    assert publish_job(db_session, D(2026, 6, 30)) == {"published": False}
    result = publish_job(db_session, D(2026, 7, 1))
    assert result["published"] is True and result["as_of"] == "2026-07-01"


def test_the_cli_publishes_and_refuses_a_bad_or_future_date(runner, db_session, city):
    result = runner.invoke(args=["stats", "publish", "--as-of", "2026-06-15"])
    assert result.exit_code == 0, result.output
    assert "published statistics as of 2026-06-01 (2025-06-01 to 2026-05-31" in result.output
    bad = runner.invoke(args=["stats", "publish", "--as-of", "15/06/2026"])
    assert bad.exit_code != 0 and "invalid date" in bad.output and "Traceback" not in bad.output
    future = runner.invoke(args=["stats", "publish", "--as-of", "2999-01-01"])
    assert future.exit_code != 0 and "month to come" in future.output


# ---------------------------------------------------------------- the public page

@pytest.fixture
def fresh_cache(app: Flask):  # type: ignore[no-untyped-def]
    get_cache(app).clear()
    yield
    get_cache(app).clear()


def test_before_anything_is_published_the_page_says_so(client, db_session, fresh_cache):
    db_session.query(PublishedStatistics).delete()
    page = client.get("/statistics")
    assert page.status_code == 200
    assert "Số liệu chưa được công bố" in page.get_data(as_text=True)
    export = client.get("/statistics.csv")
    assert export.status_code == 404
    assert "Số liệu chưa được công bố" in export.get_data(as_text=True)


def test_the_page_shows_the_latest_figures_in_both_languages(client, db_session, city, fresh_cache):
    publish(db_session, D(2026, 5, 1))
    publish(db_session, AS_OF)
    db_session.query(PublishedStatistics).filter(PublishedStatistics.as_of > AS_OF).delete()
    html = client.get("/statistics").get_data(as_text=True)
    assert "Thống kê công khai" in html and "Phường Thống Kê" in html
    assert "01/06/2025" in html and "31/05/2026" in html
    assert "50% <span class=\"muted\">(1/2)</span>" in html.replace("50.0%", "50%")
    english = client.get("/statistics?lang=en").get_data(as_text=True)
    assert "Public statistics" in english and "Statistics Ward" in english and "Phường Thống Kê" not in english
    assert "Trần Thị Bí Mật" not in html + english


def test_the_page_is_linked_from_the_public_navigation(client, db_session, fresh_cache):
    assert 'href="/statistics"' in client.get("/").get_data(as_text=True)


def test_the_csv_lists_the_units_of_the_latest_snapshot(client, db_session, city):
    db_session.query(PublishedStatistics).delete()
    publish(db_session, AS_OF)
    response = client.get("/statistics.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="thong-ke-2026-06.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    ward = next(row for row in rows if row["unit_code"] == "ST-WARD")
    assert ward["received"] == "2" and ward["overdue"] == "1" and ward["on_time_rate"] == "0.5000"
    assert ward["period_start"] == "2025-06-01" and ward["period_end"] == "2026-05-31"
