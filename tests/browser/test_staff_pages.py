"""Every staff page, for each role that may open it, in both languages: axe and translations."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.accounts.services import hash_password, new_totp_secret
from portal.db import get_session, now_utc
from tests.browser.pages import StaffSite
from tests.core.test_i18n import untranslated_text
from tests.factories import make_unit, make_user
from tests.pages import STAFF_PAGES

pytestmark = pytest.mark.browser
PASSWORD = "mật khẩu đủ dài 2026"
ROLES = sorted({role for _path, role in STAFF_PAGES})


def _staff(app, role: str) -> tuple[str, str]:
    with app.app_context():
        session = get_session()
        unit = make_unit(session, code="UBND-TP", name="Ủy ban nhân dân Thành phố", parent=None)
        secret = new_totp_secret()
        user = make_user(session, roles=[(Role(role), unit)], password_hash=hash_password(PASSWORD),
                         totp_secret=secret, email_confirmed_at=now_utc())
        session.commit()
        return user.email, secret


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_pass_axe_in_both_languages(page, live_server, axe, role):
    email, secret = _staff(live_server.app, role)
    StaffSite(page, live_server.url).login(email, PASSWORD, secret)
    for path, page_role in STAFF_PAGES:
        if page_role != role:
            continue
        for lang in ("vi", "en"):
            response = page.goto(live_server(path) + ("&" if "?" in path else "?") + f"lang={lang}")
            status = response.status if response else None
            assert status == 200, f"{path} as {role}: HTTP {status}"
            axe(page)
            if lang == "en":
                leftovers = untranslated_text(page.content())
                assert not leftovers, f"untranslated text on {path}: {leftovers}"


def test_staff_page_list_is_not_empty():
    # guards the parametrisation above: an empty page list would silently test nothing
    assert STAFF_PAGES, "no staff pages registered in tests/<feature>/page_list.py"
    assert {role for _path, role in STAFF_PAGES} <= {r.value for r in Role}
