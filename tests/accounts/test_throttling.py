"""Throttling per account and per client address, answered with the friendly 429 page."""

from __future__ import annotations

from portal.accounts import views
from tests.accounts.conftest import PASSWORD


def _limit(spec: str) -> int:
    return int(spec.split()[0])


def test_login_is_throttled_per_account(client, citizen):
    for _ in range(_limit(views.LOGIN_PER_ACCOUNT)):
        assert client.post("/account/login", data={"email": citizen.email, "password": "wrong"}).status_code == 200
    blocked = client.post("/account/login", data={"email": citizen.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Quá nhiều yêu cầu" in blocked.get_data(as_text=True)
    # the same address may still try another account, and other addresses this one
    assert client.post("/account/login", data={"email": "other@example.com", "password": "x"}).status_code == 200
    other_address = client.post("/account/login", data={"email": citizen.email.upper(), "password": PASSWORD},
                                environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other_address.status_code == 429  # the account is throttled whatever the address
    english = client.post("/account/login?lang=en", data={"email": citizen.email, "password": "x"})
    assert english.status_code == 429 and "Too many requests" in english.get_data(as_text=True)


def test_login_is_throttled_per_client_address(client):
    for n in range(_limit(views.LOGIN_PER_ADDRESS)):
        response = client.post("/account/login", data={"email": f"guess{n}@example.com", "password": "x"})
        assert response.status_code == 200
    assert client.post("/account/login", data={"email": "fresh@example.com", "password": "x"}).status_code == 429
    elsewhere = client.post("/account/login", data={"email": "fresh@example.com", "password": "x"},
                            environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert elsewhere.status_code == 200


def test_second_factor_is_throttled_per_account(client, app, make_staff):
    staff = make_staff()
    client.post("/account/login", data={"email": staff.email, "password": PASSWORD})
    for _ in range(_limit(views.SECOND_FACTOR_PER_ACCOUNT)):
        assert client.post("/account/login/verify", data={"code": "111111"}).status_code == 200
    assert client.post("/account/login/verify", data={"code": staff.test_totp.now()}).status_code == 429
    # another browser, another address: still throttled for this account
    other = app.test_client()
    other.post("/account/login", data={"email": staff.email, "password": PASSWORD},
               environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.post("/account/login/verify", data={"code": staff.test_totp.now()},
                      environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 429


def test_reset_requests_are_throttled(client, citizen):
    for _ in range(_limit(views.MAIL_PER_ACCOUNT)):
        assert client.post("/account/reset", data={"email": citizen.email}).status_code == 302
    assert client.post("/account/reset", data={"email": citizen.email}).status_code == 429


def test_viewing_the_login_page_is_not_counted(client, citizen):
    for _ in range(_limit(views.LOGIN_PER_ACCOUNT) + 5):
        assert client.get("/account/login").status_code == 200
