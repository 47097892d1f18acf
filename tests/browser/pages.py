"""Page objects: methods read like what a person does."""

from __future__ import annotations

from playwright.sync_api import Page, expect


class PublicSite:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self, path: str = "/") -> PublicSite:
        self.page.goto(self.base_url + path)
        return self

    def switch_language(self, label: str) -> None:
        self.page.get_by_role("navigation", name="Ngôn ngữ").or_(
            self.page.get_by_role("navigation", name="Language")).get_by_role("link", name=label).click()

    def expect_heading(self, text: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(text)
