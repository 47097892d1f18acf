"""Browser journey: the tracking round trip with the code and secret read from the receipt."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import IntakeSite, TrackingSite
from tests.browser.test_intake import city  # noqa: F401 - fixture
from tests.files import samples

pytestmark = pytest.mark.browser


def test_tracking_round_trip(page, city, axe):  # noqa: F811
    site = IntakeSite(page, city.url).start("feedback")
    site.send_anonymously()
    site.describe("Đèn đường hỏng", "Đèn trước số 5 Lê Lợi hỏng một tuần.")
    code, secret = site.send()

    tracking = TrackingSite(page, city.url)
    tracking.open_with(code, "AAAAA-BBBBB-CCCCC-DDDDD")
    expect(page.locator("#track-error")).to_contain_text("không đúng")
    axe(page)
    tracking.open_with(code.lower(), secret)
    expect(page).to_have_url(city(f"/track/{code}"))
    tracking.expect_status("Đã tiếp nhận")
    expect(page.get_by_text("Đơn được tiếp nhận")).to_be_visible()
    axe(page)

    tracking.reply("Đèn vẫn chưa được sửa, tối rất nguy hiểm.")
    expect(page.locator(".messages")).to_contain_text("Đèn vẫn chưa được sửa")
    tracking.add_file("ảnh đèn.png", samples.png_with_text(), "image/png")
    expect(page.locator(".files-list")).to_contain_text("ảnh đèn.png")

    # A new visit with the code and secret shows both.
    page.context.clear_cookies()
    tracking.open_with(code, secret)
    expect(page.locator(".messages")).to_contain_text("Đèn vẫn chưa được sửa")
    expect(page.locator(".files-list")).to_contain_text("ảnh đèn.png")

    expect(page.locator("#withdrawal-effect")).to_contain_text("dừng xử lý")
    tracking.ask_to_withdraw("Đã được sửa.")
    expect(page.locator("#withdrawal-requested")).to_be_visible()
    axe(page)


def test_tracking_in_english_on_a_phone(phone_page, city, axe):  # noqa: F811
    site = IntakeSite(phone_page, city.url).start("feedback")
    site.send_anonymously()
    link = "https://www.google.com/maps/place/" + "Via_he_bi_lan_chiem_" * 12  # a pasted link: no spaces
    site.describe("Vỉa hè bị lấn chiếm", f"Quán ăn chiếm hết vỉa hè. Vị trí: {link}")
    code, secret = site.send()
    phone_page.goto(city("/track?lang=en"))
    TrackingSite(phone_page, city.url).open_with(code, secret)
    expect(phone_page.locator("#status-label")).to_have_text("Received")
    for details in phone_page.locator("main details").all():  # the đơn as sent, opened
        details.locator("summary").first.click()
    expect(phone_page.get_by_text(link[:40])).to_be_visible()
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    axe(phone_page)
