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


def follow_link(page: Page, base_url: str, url: str) -> None:
    """Open a link received by email (the part after the host: the live server's port differs)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    page.goto(base_url + parts.path + (f"?{parts.query}" if parts.query else ""))


class CitizenSite:
    """A citizen's account actions (registration, login, logout, password reset)."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self, path: str) -> CitizenSite:
        self.page.goto(self.base_url + path)
        return self

    def register(self, email: str, password: str, full_name: str = "Nguyễn Thị Dân", phone: str = "") -> None:
        """Fill in and send the registration form; ends on the "check your email" page."""
        self.open("/account/register")
        self.page.locator("#full_name").fill(full_name)
        self.page.locator("#email").fill(email)
        if phone:
            self.page.locator("#phone").fill(phone)
        self.page.locator("#password").fill(password)
        self.page.locator("#password_confirm").fill(password)
        self.page.locator("main button[type=submit]").click()
        expect(self.page).to_have_url(self.base_url + "/account/check-email")

    def follow_link(self, url: str) -> None:
        follow_link(self.page, self.base_url, url)

    def login(self, email: str, password: str) -> None:
        """Sign in with email and password; ends on the page after login."""
        self.submit_login(email, password)
        expect(self.page.locator("#login-error")).to_have_count(0)
        expect(self.page).not_to_have_url(self.base_url + "/account/login")

    def submit_login(self, email: str, password: str) -> None:
        """Send the login form whatever the outcome."""
        self.open("/account/login")
        self.page.locator("#email").fill(email)
        self.page.locator("#password").fill(password)
        self.page.locator("main form button[type=submit]").click()

    def logout(self) -> None:
        self.open("/account/")
        self.page.locator("form[action$='/account/logout'] button").click()
        expect(self.page).to_have_url(self.base_url + "/")

    def request_password_reset(self, email: str) -> None:
        self.open("/account/reset")
        self.page.locator("#email").fill(email)
        self.page.locator("main form button[type=submit]").click()
        expect(self.page).to_have_url(self.base_url + "/account/check-email")

    def choose_new_password(self, reset_link: str, password: str) -> None:
        self.follow_link(reset_link)
        self.page.locator("#password").fill(password)
        self.page.locator("#password_confirm").fill(password)
        self.page.locator("main form button[type=submit]").click()
        expect(self.page).to_have_url(self.base_url + "/account/login")


class StaffSite:
    """A staff member's login (password, then TOTP) and invitation acceptance."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def submit_password(self, email: str, password: str) -> None:
        self.page.goto(self.base_url + "/account/login")
        self.page.locator("#email").fill(email)
        self.page.locator("#password").fill(password)
        self.page.locator("main form button[type=submit]").click()

    def submit_code(self, code: str) -> None:
        self.page.locator("#code").fill(code)
        self.page.locator("main form button[type=submit]").click()

    def login(self, email: str, password: str, totp_secret: str) -> None:
        """Both factors, with a code computed from ``totp_secret``; ends in the back office.

        A code is accepted once only, so when this account already used the current code (two logins
        within 30 seconds), wait for the next one.
        """
        import time

        import pyotp

        self.submit_password(email, password)
        expect(self.page).to_have_url(self.base_url + "/account/login/verify")
        totp = pyotp.TOTP(totp_secret)
        self.submit_code(totp.now())
        if self.page.locator("#second-factor-error").count():
            time.sleep(totp.interval - time.time() % totp.interval + 1)
            self.submit_code(totp.now())
        expect(self.page.locator("#second-factor-error")).to_have_count(0)
        expect(self.page).not_to_have_url(self.base_url + "/account/login/verify")

    def logout(self) -> None:
        self.page.goto(self.base_url + "/account/")
        self.page.locator("form[action$='/account/logout'] button").click()

    def accept_invitation(self, link: str, password: str) -> str:
        """Set a password and enrol TOTP through an invitation link; returns the TOTP secret shown."""
        from urllib.parse import urlsplit

        import pyotp

        self.page.goto(self.base_url + urlsplit(link).path)
        secret = self.page.locator("#totp-secret").inner_text().strip()
        self.page.locator("#password").fill(password)
        self.page.locator("#password_confirm").fill(password)
        self.page.locator("#code").fill(pyotp.TOTP(secret).now())
        self.page.locator("main form button[type=submit]").click()
        expect(self.page.locator("#recovery-codes li")).to_have_count(10)
        return secret


class IntakeSite:
    """A citizen sending a đơn through the public forms and reading the receipt."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def start(self, kind: str) -> IntakeSite:
        """Choose the kind of đơn from the start page."""
        self.page.goto(self.base_url + "/submit")
        self.page.locator(f"main a.button[href='/submit/{kind}']").click()
        expect(self.page).to_have_url(self.base_url + f"/submit/{kind}")
        return self

    def send_anonymously(self) -> None:
        self.page.locator("#mode-1").check()

    def give_identity(self, full_name: str, address: str, id_number: str, phone: str) -> None:
        self.page.locator("#mode-0").check()
        self.page.locator("#full_name").fill(full_name)
        self.page.locator("#address").fill(address)
        self.page.locator("#id_number").fill(id_number)
        self.page.locator("#phone").fill(phone)

    def describe(self, title: str, content: str, request: str = "") -> None:
        self.page.locator("#title").fill(title)
        self.page.locator("#content").fill(content)
        if request:
            self.page.locator("#request_text").fill(request)

    def name_the_decision(self, issuer: str, number: str, issued_on: str, learned_on: str) -> None:
        self.page.locator("#decision_issuer").fill(issuer)
        self.page.locator("#decision_number").fill(number)
        self.page.locator("#decision_date").fill(issued_on)
        self.page.locator("#learned_on").fill(learned_on)

    def name_the_accused(self, name: str, position: str, unit: str) -> None:
        self.page.locator("#accused_name").fill(name)
        self.page.locator("#accused_position").fill(position)
        self.page.locator("#accused_unit_text").fill(unit)

    def choose_unit(self, typed: str) -> None:
        self.page.locator("#unit").fill(typed)

    def attach(self, name: str, data: bytes, mime: str) -> None:
        self.page.locator("#evidence").set_input_files([{"name": name, "mimeType": mime, "buffer": data}])

    def send(self) -> tuple[str, str]:
        """Send the form; returns the tracking code and secret read from the receipt."""
        self.page.locator("#submission-form button[type=submit]").click()
        expect(self.page).to_have_url(self.base_url + "/submit/receipt")
        code = self.page.locator("#tracking-code").inner_text().strip()
        secret = self.page.locator("#tracking-secret").inner_text().strip()
        return code, secret


class TrackingSite:
    """A citizen following their đơn with the code and secret."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open_with(self, code: str, secret: str) -> TrackingSite:
        self.page.goto(self.base_url + "/track")
        self.page.locator("#code").fill(code)
        self.page.locator("#secret").fill(secret)
        self.page.locator("main form button[type=submit]").click()
        return self

    def expect_status(self, text: str) -> None:
        expect(self.page.locator("#status-label")).to_contain_text(text)

    def reply(self, text: str) -> None:
        self.page.locator("#body").fill(text)
        self.page.locator("form[action*='/reply#'] button[type=submit]").click()

    def add_file(self, name: str, data: bytes, mime: str) -> None:
        self.page.locator("#files").set_input_files([{"name": name, "mimeType": mime, "buffer": data}])
        self.page.locator("form[action*='/evidence#'] button[type=submit]").click()

    def ask_to_withdraw(self, reason: str) -> None:
        self.page.locator("#reason").fill(reason)
        self.page.locator("#confirm").check()
        self.page.locator("form[action*='/withdraw#'] button[type=submit]").click()
