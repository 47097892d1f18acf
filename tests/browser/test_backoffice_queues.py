"""Journey: an intake officer signs in, sees the new-đơn queue with its count, filters, pages,
searches "dat dai" without diacritics and opens the case found."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.models import Role
from portal.accounts.services import hash_password, new_totp_secret
from portal.cases.models import CaseKind
from portal.cases.text import fold
from portal.db import get_session, now_utc
from tests.browser.pages import StaffSite
from tests.factories import make_case, make_submission, make_unit, make_user

pytestmark = pytest.mark.browser
PASSWORD = "mật khẩu đủ dài 2026"


class StaffQueues:
    """The back-office queue pages, as an officer uses them."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open_home(self) -> None:
        self.page.goto(self.base_url + "/staff/")

    def queue_count(self, name: str) -> str:
        card = self.page.get_by_role("link", name=name)
        return card.locator(".queue-count").inner_text().strip()

    def open_queue(self, name: str) -> None:
        self.page.get_by_role("link", name=name).click()

    def rows(self) -> list[str]:
        return [cell.strip() for cell in self.page.locator("table.queue-table tbody th[scope=row]").all_inner_texts()]

    def filter_by(self, label: str, option: str) -> None:
        self.page.get_by_label(label, exact=True).select_option(label=option)
        self.page.get_by_role("button", name="Lọc").click()

    def next_page(self) -> None:
        self.page.get_by_role("link", name="Trang sau").click()

    def search(self, words: str) -> None:
        self.page.get_by_role("navigation", name="Điều hướng cán bộ").get_by_role("link", name="Tìm kiếm").click()
        self.page.get_by_label("Mã đơn hoặc từ khóa").fill(words)
        self.page.get_by_role("button", name="Tìm", exact=True).click()


def _seed(app) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """An intake officer of a department with 30 new cases, one about a land dispute."""
    with app.app_context():
        session = get_session()
        root = make_unit(session, code="UBND-TP", name="Ủy ban nhân dân Thành phố")
        dept = make_unit(session, parent=root, code="SO-TNMT", name="Sở Tài nguyên và Môi trường")
        secret = new_totp_secret()
        officer = make_user(session, roles=[(Role.INTAKE_OFFICER, dept)], password_hash=hash_password(PASSWORD),
                            totp_secret=secret, email_confirmed_at=now_utc())
        today = dt.date.today()
        for i in range(29):
            make_case(session, unit=dept, reference=f"PA-TEST-{i:04d}", due_on=today + dt.timedelta(days=i + 1),
                      kind=CaseKind.COMPLAINT if i % 3 == 0 else CaseKind.PETITION)
        title = "Tranh chấp đất đai giữa hai hộ dân"
        submission = make_submission(session, unit_id=dept.id, title=title, content=title, search_text=fold(title))
        make_case(session, unit=dept, submission=submission, reference="KN-DATD-AI23", kind=CaseKind.COMPLAINT,
                  due_on=today + dt.timedelta(days=40))
        session.commit()
        return officer.email, secret, "KN-DATD-AI23"


def test_intake_officer_works_through_the_new_queue(page, live_server, axe):
    email, secret, land_case = _seed(live_server.app)
    StaffSite(page, live_server.url).login(email, PASSWORD, secret)
    queues = StaffQueues(page, live_server.url)
    queues.open_home()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trang cán bộ")
    assert queues.queue_count("Đơn mới chờ xử lý") == "30"
    axe(page)

    queues.open_queue("Đơn mới chờ xử lý")
    assert len(queues.rows()) == 25
    queues.filter_by("Sắp xếp", "Hạn xử lý gần nhất")
    assert queues.rows()[0] == "PA-TEST-0000"
    queues.next_page()
    assert queues.rows() == ["PA-TEST-0025", "PA-TEST-0026", "PA-TEST-0027", "PA-TEST-0028", land_case]
    axe(page)

    queues.filter_by("Loại đơn", "Khiếu nại")  # the form kept the sort order; filtering starts at page one
    complaints = queues.rows()
    assert len(complaints) == 11 and land_case in complaints
    expect(page.get_by_label("Sắp xếp", exact=True)).to_have_value("due")

    queues.search("dat dai")
    assert queues.rows() == [land_case]
    axe(page)
    page.get_by_role("link", name=land_case).click()
    assert "/staff/cases/" in page.url
    expect(page.locator("main")).to_contain_text(land_case)


def test_queue_filters_work_without_javascript(browser, live_server):
    email, secret, _land = _seed(live_server.app)
    context = browser.new_context(locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    try:
        StaffSite(page, live_server.url).login(email, PASSWORD, secret)
        queues = StaffQueues(page, live_server.url)
        page.goto(live_server("/staff/queues/new"))
        queues.filter_by("Loại đơn", "Khiếu nại")
        assert len(queues.rows()) == 11
        expect(page.get_by_label("Loại đơn", exact=True)).to_have_value("KN")
    finally:
        context.close()
