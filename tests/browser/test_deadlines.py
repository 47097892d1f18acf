"""Journeys: an administrator versions a rule and adds a make-up day; a head reads the board."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from portal.accounts.models import Role
from portal.accounts.services import hash_password, new_totp_secret
from portal.cases.models import CaseKind, CaseStatus
from portal.db import get_session, now_utc
from portal.deadlines.clock import local_today
from portal.deadlines.services import seed_rules, start_stage
from tests.browser.pages import StaffSite
from tests.factories import make_case, make_unit, make_user

pytestmark = pytest.mark.browser
PASSWORD = "mật khẩu đủ dài 2026"


def _setup(app) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        seed_rules(session)
        unit = make_unit(session, code="UBND-TP", name="Ủy ban nhân dân Thành phố", name_en="City People's Committee")
        people = {}
        for role in (Role.ADMIN, Role.HEAD):
            secret = new_totp_secret()
            user = make_user(session, roles=[(role, unit)], password_hash=hash_password(PASSWORD),
                             totp_secret=secret, email_confirmed_at=now_utc())
            people[role.value] = (user.email, secret)
        case = make_case(session, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING)
        start_stage(session, case, "resolution", local_today() - dt.timedelta(days=40))  # overdue
        session.commit()
        return {"people": people, "reference": case.reference}


def test_admin_versions_a_rule_and_adds_a_make_up_day(page, live_server, axe) -> None:  # type: ignore[no-untyped-def]
    data = _setup(live_server.app)
    email, secret = data["people"]["admin"]  # type: ignore[index]
    StaffSite(page, live_server.url).login(email, PASSWORD, secret)
    page.goto(live_server("/staff/deadlines/rules"))
    axe(page)
    expect(page.get_by_role("row", name="XLD-01")).to_contain_text("Chưa kiểm chứng")
    page.get_by_role("link", name="KN-03").click()
    axe(page)
    page.get_by_label("Áp dụng từ ngày").fill("2027-01-01")
    page.get_by_label("Căn cứ pháp lý").fill("")
    page.get_by_role("button", name="Lưu phiên bản mới").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe(page)
    page.get_by_label("Thời hạn", exact=True).fill("35")
    page.get_by_label("Căn cứ pháp lý").fill("Luật Khiếu nại Điều 28")
    page.get_by_role("button", name="Lưu phiên bản mới").click()
    expect(page.get_by_role("row", name="v2")).to_contain_text("35")
    expect(page.get_by_role("row", name="v1")).to_be_visible()

    page.goto(live_server("/staff/deadlines/holidays?lang=en"))
    page.get_by_label("Date").fill("2027-02-13")
    page.get_by_label("Kind of adjustment").select_option("make_up_working_day")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("table")).to_contain_text("Make-up working day")
    axe(page)


def test_head_reads_the_board_and_drills_down(page, live_server, axe) -> None:  # type: ignore[no-untyped-def]
    data = _setup(live_server.app)
    email, secret = data["people"]["head"]  # type: ignore[index]
    StaffSite(page, live_server.url).login(email, PASSWORD, secret)
    page.goto(live_server("/staff/board"))
    axe(page)
    row = page.get_by_role("row", name="Ủy ban nhân dân Thành phố (UBND-TP)")
    row.get_by_role("link", name="Quá hạn").click()
    link = page.get_by_role("link", name=str(data["reference"]))
    expect(link).to_have_attribute("href", f"/staff/cases/{data['reference']}")
    page.get_by_text("Căn cứ KN-03").click()
    expect(page.get_by_text("Luật Khiếu nại Điều 28, 11a")).to_be_visible()
    axe(page)
