"""Browser journeys: a citizen's account from registration to password reset; a staff member from
invitation to two-factor login. The emails go through the real SMTP sink."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from portal.accounts import services
from portal.accounts.models import Role
from portal.db import get_session
from portal.notifications.services import current_settings, send_pending
from portal.org.models import OrgUnit, UnitKind
from tests.browser.pages import CitizenSite, StaffSite, follow_link

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+")


def deliver_link(live_server, smtp_sink, to: str, path_part: str) -> str:
    """Run the outbox on the live app, then read the link containing ``path_part`` from the sink."""
    with live_server.app.app_context():
        send_pending(get_session(), current_settings())
    bodies = [smtp_sink.body(m) for m in smtp_sink.to(to)]
    links = [url for body in bodies for url in LINK.findall(body) if path_part in url]
    assert links, f"no email to {to} with {path_part}: {bodies}"
    return links[-1]


def test_citizen_registers_confirms_logs_in_out_and_resets_password(page, live_server, smtp_sink, axe):
    site = CitizenSite(page, live_server.url)
    site.open("/account/register")
    axe(page)
    site.register("dan.journey@example.com", "first password 1", phone="0901234567")
    axe(page)

    site.submit_login("dan.journey@example.com", "first password 1")  # not confirmed yet
    expect(page.locator("#login-unconfirmed")).to_be_visible()
    axe(page)

    site.follow_link(deliver_link(live_server, smtp_sink, "dan.journey@example.com", "/account/confirm/"))
    expect(page).to_have_url(live_server("/account/login"))
    expect(page.locator(".flash-success")).to_be_visible()
    axe(page)

    site.login("dan.journey@example.com", "first password 1")
    expect(page).to_have_url(live_server("/account/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tài khoản của tôi")
    axe(page)
    site.logout()
    site.open("/account/")
    expect(page).to_have_url(re.compile(r"/account/login"))

    site.request_password_reset("dan.journey@example.com")
    axe(page)
    reset = deliver_link(live_server, smtp_sink, "dan.journey@example.com", "/account/reset/")
    site.follow_link(reset)
    axe(page)
    site.choose_new_password(reset, "second password 2")
    site.submit_login("dan.journey@example.com", "first password 1")
    expect(page.locator("#login-error")).to_be_visible()
    site.login("dan.journey@example.com", "second password 2")
    expect(page).to_have_url(live_server("/account/"))


def _admins(live_server) -> list[tuple[str, str]]:
    """Two administrators of the root unit, created directly (the CLI's job in real life): every role
    given through the web needs both."""
    made = []
    with live_server.app.app_context():
        db = get_session()
        root = OrgUnit(code="UBND-TP", name="Ủy ban nhân dân Thành phố", name_en="City People's Committee",
                       kind=UnitKind.PROVINCIAL_COMMITTEE)
        db.add(root)
        db.flush()
        for email in ("admin.journey@example.com", "admin2.journey@example.com"):
            admin = services.create_staff(db, email=email, full_name="Quản trị",
                                          grants=[services.Grant(Role.ADMIN, root.id)], actor_id=None)
            secret = services.new_totp_secret()
            admin.password_hash, admin.totp_secret = services.hash_password("admin password 1"), secret
            made.append((email, secret))
        db.commit()
    return made


def test_staff_member_is_invited_approved_enrols_totp_and_logs_in(page, browser, live_server, smtp_sink, axe):
    (admin_email, admin_secret), (second_email, second_secret) = _admins(live_server)
    admin = StaffSite(page, live_server.url)
    admin.submit_password(admin_email, "admin password 1")
    axe(page)
    admin.submit_code(pyotp.TOTP(admin_secret).now())
    page.goto(live_server("/staff/admin/users/"))
    axe(page)
    page.get_by_role("link", name="Tạo tài khoản cán bộ").click()
    axe(page)
    page.locator("#full_name").fill("Trần Văn Cán")
    page.locator("#email").fill("can.bo@example.com")
    page.locator("#role").select_option("handler")
    page.locator("#unit").select_option(label="Ủy ban nhân dân Thành phố (UBND-TP)")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success").first).to_contain_text("can.bo@example.com")
    expect(page.locator("main")).not_to_contain_text("/account/invitation/")  # the mailbox only
    expect(page.locator(".flash-success").last).to_contain_text("khi một quản trị viên khác phê duyệt")
    expect(page.get_by_role("heading", name="Vai trò chờ phê duyệt")).to_be_visible()
    expect(page.get_by_role("button", name="Phê duyệt")).to_have_count(0)  # never one's own request
    axe(page)

    # the second administrator is told by email, and approves
    approval = deliver_link(live_server, smtp_sink, second_email, "/staff/admin/users/requests")
    second_context = browser.new_context(locale="vi-VN")
    second = StaffSite(second_context.new_page(), live_server.url)
    second.login(second_email, "admin password 1", second_secret)
    # on the portal's public address like every email link (the live server's port differs)
    assert approval.startswith(live_server.app.config["SETTINGS"].base_url + "/staff/admin/users/requests")
    follow_link(second.page, live_server.url, approval)
    expect(second.page.locator(".role-request")).to_contain_text("can.bo@example.com")
    axe(second.page)
    second.page.get_by_role("button", name="Phê duyệt").click()
    expect(second.page.locator(".flash-success")).to_contain_text("Đã phê duyệt")
    expect(second.page.locator(".role-request")).to_have_count(0)
    axe(second.page)
    second_context.close()

    invitation = deliver_link(live_server, smtp_sink, "can.bo@example.com", "/account/invitation/")
    context = browser.new_context(locale="vi-VN")
    newcomer_page = context.new_page()
    newcomer = StaffSite(newcomer_page, live_server.url)
    newcomer_page.goto(live_server("/account/invitation/" + invitation.split("/account/invitation/", 1)[1]))
    expect(newcomer_page.locator("svg[role=img]")).to_be_visible()
    axe(newcomer_page)
    secret = newcomer.accept_invitation(invitation, "staff password 1")
    axe(newcomer_page)

    newcomer.submit_password("can.bo@example.com", "staff password 1")
    expect(newcomer_page).to_have_url(live_server("/account/login/verify"))
    axe(newcomer_page)
    totp = pyotp.TOTP(secret)
    now = time.time()
    valid = {totp.at(now + delta) for delta in (-30, 0, 30)}
    wrong = next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)
    newcomer.submit_code(wrong)
    expect(newcomer_page.locator("#second-factor-error")).to_be_visible()
    newcomer_page.goto(live_server("/staff/"))
    expect(newcomer_page).to_have_url(re.compile(r"/account/login"))

    newcomer.login("can.bo@example.com", "staff password 1", secret)
    newcomer_page.goto(live_server("/staff/"))
    expect(newcomer_page).to_have_url(live_server("/staff/"))
    axe(newcomer_page)
    newcomer_page.goto(live_server("/staff/admin/users/"))
    expect(newcomer_page.get_by_role("heading", level=1)).to_contain_text("Không có quyền")
    context.close()
