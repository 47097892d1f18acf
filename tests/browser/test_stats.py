"""Journey: anyone reads the published statistics, without JavaScript and on a phone, and takes the CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.cases.models import CaseKind, CaseStatus
from portal.db import get_session, now_utc
from portal.deadlines.clock import local_today
from portal.deadlines.services import seed_rules, start_stage
from portal.stats.services import publish
from tests.factories import make_case, make_unit

pytestmark = pytest.mark.browser


def _publish(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        seed_rules(session)
        unit = make_unit(session, code="P-THONGKE", name="Ủy ban nhân dân phường Thống Kê",
                         name_en="Thong Ke Ward People's Committee")
        for days_ago in (40, 2):  # one resolution overdue, one on time
            case = make_case(session, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING,
                             created_at=now_utc() - dt.timedelta(days=45))  # last month or earlier
            start_stage(session, case, "resolution", local_today() - dt.timedelta(days=days_ago))
        publish(session, local_today(), local_today())
        session.commit()


def test_anyone_reads_the_statistics_without_javascript_and_downloads_them(no_js_page, live_server):
    _publish(live_server.app)
    page = no_js_page
    page.goto(live_server("/"))
    page.get_by_role("link", name="Thống kê công khai").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thống kê công khai")
    row = page.get_by_role("row", name="Ủy ban nhân dân phường Thống Kê")
    expect(row.get_by_role("cell")).to_have_text(["2", "0", "—", "—", "2", "1"])
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải số liệu theo đơn vị (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("unit_code,unit_name,received,closed,open,overdue")
    assert "P-THONGKE,Ủy ban nhân dân phường Thống Kê,2,0,2,1" in text


def test_the_statistics_fit_a_phone_in_english(phone_page, live_server, axe):
    _publish(live_server.app)
    phone_page.goto(live_server("/statistics?lang=en"))
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Public statistics")
    expect(phone_page.get_by_role("row", name="Thong Ke Ward People's Committee")).to_be_visible()
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0  # the wide table scrolls inside its own region
    region = phone_page.get_by_role("region", name="By unit")
    region.focus()
    phone_page.keyboard.press("ArrowRight")  # the keyboard scrolls the table (no mouse needed)
    phone_page.wait_for_timeout(300)  # smooth scrolling
    assert phone_page.evaluate("document.activeElement.scrollLeft") > 0
    axe(phone_page)
