"""Login: both factors for staff, generic failures, session fixation, idle timeout, logout everywhere."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.accounts.services import new_recovery_codes
from portal.audit.models import AuditEntry
from tests.accounts.conftest import PASSWORD
from tests.factories import make_user


def _actions(db_session) -> list[str]:
    return list(db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def login(client, email, password=PASSWORD):
    return client.post("/account/login", data={"email": email, "password": password})


def test_citizen_logs_in_and_out(client, citizen, db_session):
    response = login(client, citizen.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/")
    assert client.get("/account/").status_code == 200
    assert "login.success" in _actions(db_session)
    client.post("/account/logout")
    assert client.get("/account/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, citizen, db_session):
    wrong = login(client, citizen.email, "wrong password!")
    unknown = login(client, "nobody@example.com", "wrong password!")
    assert wrong.status_code == unknown.status_code == 200
    assert "Email hoặc mật khẩu không đúng." in wrong.get_data(as_text=True)

    def strip(html: str) -> str:  # the pages differ only in the echoed email and the request id
        import re

        return re.sub(r'value="[^"]*"|<code>[0-9a-f]+</code>', "", html)

    assert strip(wrong.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))
    assert _actions(db_session).count("login.failure") == 2


def test_unconfirmed_citizen_is_told_to_confirm(client, db_session):
    from portal.accounts.services import hash_password

    make_user(db_session, email="new@example.com", password_hash=hash_password(PASSWORD))
    response = login(client, "new@example.com")
    assert "login-unconfirmed" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


def test_deactivated_account_cannot_log_in(client, citizen, db_session):
    citizen.is_active_account = False
    db_session.flush()
    assert "login-error" in login(client, citizen.email).get_data(as_text=True)


def test_staff_needs_the_second_factor(client, make_staff, db_session):
    staff = make_staff()
    response = login(client, staff.email)
    assert response.headers["Location"].endswith("/account/login/verify")
    assert client.get("/staff/").status_code == 302  # not signed in yet
    assert client.get("/account/").status_code == 302
    wrong = client.post("/account/login/verify", data={"code": "000000"})
    assert "second-factor-error" in wrong.get_data(as_text=True)
    assert "login.2fa_failure" in _actions(db_session)
    ok = client.post("/account/login/verify", data={"code": staff.test_totp.now()})
    assert ok.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_a_totp_code_is_accepted_once(client, app, make_staff):
    staff = make_staff()
    code = staff.test_totp.now()
    login(client, staff.email)
    assert client.post("/account/login/verify", data={"code": code}).status_code == 302
    other = app.test_client()
    login(other, staff.email)
    replay = other.post("/account/login/verify", data={"code": code})
    assert "second-factor-error" in replay.get_data(as_text=True)


def test_recovery_code_works_once(client, app, make_staff, db_session):
    staff = make_staff()
    codes = new_recovery_codes(db_session, staff)
    assert len(codes) == 10 and len(set(codes)) == 10
    login(client, staff.email)
    assert client.post("/account/login/verify", data={"code": codes[0].lower()}).status_code == 302
    assert client.get("/staff/").status_code == 200
    other = app.test_client()
    login(other, staff.email)
    again = other.post("/account/login/verify", data={"code": codes[0]})
    assert "second-factor-error" in again.get_data(as_text=True)
    assert other.post("/account/login/verify", data={"code": codes[1]}).status_code == 302


def test_second_step_without_a_password_step_goes_back_to_login(client):
    response = client.get("/account/login/verify")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/login")


def test_staff_without_authenticator_cannot_log_in(client, db_session, root_unit):
    from portal.accounts.services import hash_password

    staff = make_user(db_session, roles=[(Role.HANDLER, root_unit)], password_hash=hash_password(PASSWORD))
    assert "login-error" in login(client, staff.email).get_data(as_text=True)


def test_session_is_regenerated_at_login(client, citizen):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, citizen.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == citizen.get_id()


def test_staff_session_ends_after_idle_timeout(client, app, make_staff):
    staff = make_staff()
    login(client, staff.email)
    client.post("/account/login/verify", data={"code": staff.test_totp.now()})
    assert client.get("/staff/").status_code == 200
    idle = app.config["SETTINGS"].staff_session_minutes * 60
    with client.session_transaction() as session:
        session["_last_seen"] = int(time.time()) - idle - 5
    response = client.get("/staff/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert client.get("/account/").status_code == 302


def test_citizen_session_is_permanent_staff_session_is_not(client, app, citizen, make_staff):
    response = login(client, citizen.email)
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie
    staff = make_staff()
    other = app.test_client()
    login(other, staff.email)
    verified = other.post("/account/login/verify", data={"code": staff.test_totp.now()})
    assert "Expires=" not in verified.headers["Set-Cookie"]


def test_staff_required_needs_the_verified_flag(client, make_staff):
    from tests.helpers import login_as

    staff = make_staff()
    login_as(client, staff)
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        session["_staff_verified"] = False
    assert client.get("/staff/").status_code == 302


def test_staff_without_any_role_is_refused(client, db_session):
    from tests.helpers import login_as

    user = make_user(db_session, is_staff=True)
    login_as(client, user)
    assert client.get("/staff/").status_code == 403


def test_logout_of_all_sessions(client, app, citizen, db_session):
    login(client, citizen.email)
    other = app.test_client()
    login(other, citizen.email)
    assert other.get("/account/").status_code == 200
    client.post("/account/logout-all")
    assert other.get("/account/").status_code == 302
    assert client.get("/account/").status_code == 302
    assert "account.sessions_revoked" in _actions(db_session)


@pytest.mark.parametrize("target", ["//evil.example/x", "/%09/evil.example/x", "/%0A/evil.example/x",
                                    "/%0D%0A/evil.example", "/%09%09/evil.example/x", "/\\evil.example",
                                    "https://evil.example/", "/%20/evil.example"])
def test_open_redirect_is_refused(client, citizen, target):
    # a tab or a newline between the slashes is dropped on the way out: "//evil.example", another site
    response = client.post(f"/account/login?next={target}", data={"email": citizen.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/account/"), response.headers["Location"]


def test_staff_next_is_checked_before_the_second_factor_keeps_it(client, make_staff):
    staff = make_staff()
    client.post("/account/login?next=/%09/evil.example/x", data={"email": staff.email, "password": PASSWORD})
    response = client.post("/account/login/verify", data={"code": staff.test_totp.now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")


def test_a_path_on_the_site_is_followed_after_login(client, citizen):
    response = client.post("/account/login?next=/account/password", data={"email": citizen.email,
                                                                           "password": PASSWORD})
    assert response.headers["Location"].endswith("/account/password")


def test_login_form_enforces_csrf(csrf_client, citizen):
    response = csrf_client.post("/account/login", data={"email": citizen.email, "password": PASSWORD})
    assert response.status_code == 400
