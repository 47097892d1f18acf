"""Browser journey: an administrator creates a unit, proposes its head, a second administrator approves
the appointment, and a new submission about that unit's field is proposed to it (and lands in its queue)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role
from portal.accounts.services import hash_password, new_totp_secret
from portal.cases.models import Case, Submission
from portal.db import get_session, now_utc
from portal.org.models import Field, OrgUnit, UnitKind
from portal.org.services import head_id
from tests.browser.pages import IntakeSite, StaffSite
from tests.factories import make_user

pytestmark = pytest.mark.browser

PASSWORD = "mật khẩu quản trị đủ dài 2026"


def _setup(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        root = OrgUnit(code="UBND-TP", name="Ủy ban nhân dân Thành phố", name_en="City People's Committee",
                       kind=UnitKind.PROVINCIAL_COMMITTEE, valid_from=dt.date(2000, 1, 1))
        session.add(root)
        session.add(Field(code="health", name="Y tế", name_en="Health"))
        session.flush()
        secret = new_totp_secret()
        admin = make_user(session, roles=[(Role.ADMIN, root)], password_hash=hash_password(PASSWORD),
                          totp_secret=secret, email_confirmed_at=now_utc(), full_name="Quản Trị Viên")
        second_secret = new_totp_secret()
        second = make_user(session, roles=[(Role.ADMIN, root)], password_hash=hash_password(PASSWORD),
                           totp_secret=second_secret, email_confirmed_at=now_utc(), full_name="Quản Trị Viên Hai")
        head = make_user(session, roles=[(Role.HANDLER, root)], full_name="Phạm Thị Hoa",
                         email="hoa@example.test", email_confirmed_at=now_utc())
        session.commit()
        return {"email": admin.email, "secret": secret, "head_email": head.email, "second_email": second.email,
                "second_secret": second_secret}


def _stored_case(app, code: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        case = session.scalar(select(Case).join(Submission, Submission.id == Case.submission_id)
                              .where(Submission.tracking_code == code))
        unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "SDL"))
        return case.unit_id, unit_id


def test_admin_creates_a_unit_appoints_its_head_and_a_new_submission_is_routed_to_it(page, browser, live_server,
                                                                                      axe):
    data = _setup(live_server.app)
    StaffSite(page, live_server.url).login(data["email"], PASSWORD, data["secret"])

    # The organisation screens are in the staff navigation of an administrator.
    page.get_by_role("navigation", name="Điều hướng cán bộ").get_by_role("link", name="Cơ cấu tổ chức").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cơ cấu tổ chức")
    axe(page)

    # A new field, then a new unit managing it.
    page.get_by_role("link", name="Lĩnh vực", exact=True).click()
    page.get_by_role("link", name="Thêm lĩnh vực").click()
    page.get_by_label("Mã lĩnh vực").fill("tourism")
    page.get_by_label("Tên lĩnh vực").fill("Du lịch")
    page.get_by_label("Tên tiếng Anh").fill("Tourism")
    page.get_by_role("button", name="Lưu lĩnh vực").click()
    expect(page.locator(".flash")).to_contain_text("tourism")

    page.get_by_role("link", name="Đơn vị", exact=True).click()
    page.get_by_role("link", name="Thêm đơn vị").click()
    axe(page)
    page.get_by_role("button", name="Tạo đơn vị").click()  # empty: errors, listed and next to the fields
    expect(page.locator("#error-summary")).to_be_visible()
    page.get_by_label("Mã đơn vị").fill("SDL")
    page.get_by_label("Tên đơn vị").fill("Sở Du lịch")
    page.get_by_label("Tên tiếng Anh").fill("Department of Tourism")
    page.get_by_label("Loại đơn vị").select_option("department")
    page.get_by_label("Lĩnh vực quản lý").select_option(label="Du lịch")
    page.get_by_role("button", name="Tạo đơn vị").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sở Du lịch")
    axe(page)

    # Appoint the head.
    page.get_by_label("Cán bộ", exact=True).select_option(label=f"Phạm Thị Hoa <{data['head_email']}>")
    page.get_by_label("Chức vụ").select_option("head")
    page.get_by_role("button", name="Đề nghị bổ nhiệm", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("khi một quản trị viên khác phê duyệt")
    expect(page.get_by_role("heading", name="Bổ nhiệm chờ phê duyệt")).to_be_visible()
    expect(page.locator(".leaders")).to_contain_text("Phạm Thị Hoa")
    axe(page)

    # A second administrator approves it (the two-person rule); then the unit has its head.
    context = browser.new_context(locale="vi-VN")
    second = StaffSite(context.new_page(), live_server.url)
    second.login(data["second_email"], PASSWORD, data["second_secret"])
    second.page.goto(live_server("/staff/admin/users/requests"))
    expect(second.page.locator(".role-request")).to_contain_text(data["head_email"])
    second.page.get_by_role("button", name="Phê duyệt").click()
    expect(second.page.locator(".flash-success")).to_contain_text("Đã phê duyệt")
    context.close()
    page.reload()
    expect(page.get_by_role("heading", name="Bổ nhiệm chờ phê duyệt")).to_have_count(0)
    expect(page.locator(".leaders")).to_contain_text("Người đứng đầu")
    expect(page.locator(".leaders")).to_contain_text("Phạm Thị Hoa")

    # The rules propose the new unit for a đơn about tourism, and say why.
    page.get_by_role("link", name="Thử đề xuất đơn vị").click()
    page.get_by_label("Loại đơn").select_option("feedback")
    page.get_by_label("Lĩnh vực").select_option(label="Du lịch")
    page.get_by_role("button", name="Xem đề xuất").click()
    expect(page.locator("#proposal")).to_contain_text("Sở Du lịch")
    expect(page.locator("#proposal")).to_contain_text("quản lý lĩnh vực Du lịch")
    axe(page)

    # A citizen sends feedback about tourism: it lands in the new unit's xử lý đơn queue.
    site = IntakeSite(page, live_server.url).start("feedback")
    site.send_anonymously()
    site.describe("Chèo kéo khách du lịch", "Nhiều người chèo kéo khách ở khu phố đi bộ.")
    page.locator("#field_id").select_option(label="Du lịch")
    code, _secret = site.send()
    case_unit, new_unit = _stored_case(live_server.app, code)
    assert case_unit == new_unit
    with live_server.app.app_context():
        assert head_id(get_session(), new_unit) is not None
