"""Browser checks of the layout: languages, accessibility, phone, keyboard, no JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PublicSite
from tests.pages import PUBLIC_PAGES

pytestmark = pytest.mark.browser


def test_home_in_vietnamese_then_english(page, live_server):
    site = PublicSite(page, live_server.url).open("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    site.expect_heading("Gửi khiếu nại, tố cáo")
    site.switch_language("English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    site.expect_heading("complaints, denunciations")
    site.open("/")  # remembered
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_pass_axe(page, live_server, axe, path, lang):
    page.goto(live_server(path) + ("&" if "?" in path else "?") + f"lang={lang}")
    axe(page)


def test_skip_link_is_first_and_moves_focus_to_main(page, live_server):
    page.goto(live_server("/"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "nội dung chính" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_phone_layout_has_no_horizontal_scroll(phone_page, live_server, axe):
    phone_page.goto(live_server("/"))
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    axe(phone_page)


def test_public_site_works_without_javascript(no_js_page, live_server):
    no_js_page.goto(live_server("/?lang=en"))
    expect(no_js_page.get_by_role("heading", level=1)).to_contain_text("complaints")
    no_js_page.get_by_role("link", name="Tiếng Việt").click()
    expect(no_js_page.locator("html")).to_have_attribute("lang", "vi")


def test_no_request_leaves_the_machine(page, live_server):
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(live_server("/"))
    page.wait_for_load_state("networkidle")
    assert outside == []
