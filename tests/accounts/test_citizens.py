"""Citizen registration, email confirmation, password reset, self-service and personal-data rights."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.notifications.services import current_settings, send_pending
from tests.accounts.conftest import PASSWORD
from tests.factories import make_submission

LINK = re.compile(r"https?://\S+")


def deliver(db_session, smtp_sink, to: str) -> list[str]:
    """Send the outbox through the real SMTP sink; the links in the last message to ``to``."""
    send_pending(db_session, current_settings())
    messages = smtp_sink.to(to)
    assert messages, f"no email to {to}"
    return LINK.findall(smtp_sink.body(messages[-1]))


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def register(client, email="dan@example.com", password=PASSWORD, **extra):
    data = {"full_name": "Nguyễn Thị Dân", "email": email, "password": password, "password_confirm": password,
            **extra}
    return client.post("/account/register", data=data)


def test_register_confirm_and_log_in(client, db_session, smtp_sink):
    response = register(client, phone="0901 234 567")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/check-email")
    user = db_session.scalar(select(User).where(User.email == "dan@example.com"))
    assert user is not None and user.email_confirmed_at is None and user.phone == "0901 234 567"
    assert user.password_hash.startswith("$argon2")
    links = deliver(db_session, smtp_sink, "dan@example.com")
    confirmed = client.get(path_of(links[0]))
    assert confirmed.status_code == 302
    db_session.refresh(user)
    assert user.email_confirmed_at is not None
    assert client.post("/account/login", data={"email": "dan@example.com", "password": PASSWORD}).status_code == 302


def test_registering_a_known_address_gets_the_same_answer(client, citizen, db_session, smtp_sink):
    known = register(client, email=citizen.email)
    unknown = register(client, email="someone-new@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    links = deliver(db_session, smtp_sink, citizen.email)
    assert any("/account/reset" in url for url in links)  # told how to get back in, not a second account
    assert db_session.scalar(select(User.full_name).where(User.email == citizen.email)) != "Nguyễn Thị Dân"


def test_password_rules_have_clear_messages(client):
    cases = {"short1": "ít nhất 10 ký tự", "1234567890123": "chỉ gồm chữ số", "dan@example.com": "trùng với"}
    for password, message in cases.items():
        response = register(client, password=password)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    english = client.post("/account/register?lang=en", data={"full_name": "Dan", "email": "dan@example.com",
                                                             "password": "short", "password_confirm": "short"})
    assert "at least 10 characters" in english.get_data(as_text=True)


def test_invalid_email_is_refused(client):
    response = register(client, email="not-an-email")
    assert "Địa chỉ email không hợp lệ." in response.get_data(as_text=True)


def test_resend_confirmation_same_answer(client, db_session, smtp_sink, citizen):
    register(client, email="late@example.com")
    first = client.post("/account/confirm/resend", data={"email": "late@example.com"})
    other = client.post("/account/confirm/resend", data={"email": "unknown@example.com"})
    confirmed = client.post("/account/confirm/resend", data={"email": citizen.email})
    assert first.headers["Location"] == other.headers["Location"] == confirmed.headers["Location"]
    send_pending(db_session, current_settings())
    assert len(smtp_sink.to("late@example.com")) == 2
    assert smtp_sink.to(citizen.email) == []


def test_password_reset(client, citizen, db_session, smtp_sink):
    known = client.post("/account/reset", data={"email": citizen.email})
    unknown = client.post("/account/reset", data={"email": "nobody@example.com"})
    assert known.headers["Location"] == unknown.headers["Location"]
    links = deliver(db_session, smtp_sink, citizen.email)
    assert smtp_sink.to("nobody@example.com") == []
    reset_path = path_of(links[0])
    assert client.get(reset_path).status_code == 200
    weak = client.post(reset_path, data={"password": "123", "password_confirm": "123"})
    assert weak.status_code == 200
    done = client.post(reset_path, data={"password": "a brand new secret", "password_confirm": "a brand new secret"})
    assert done.status_code == 302
    assert client.post("/account/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 200
    assert client.post("/account/login", data={"email": citizen.email,
                                               "password": "a brand new secret"}).status_code == 302
    again = client.get(reset_path)  # the link works once
    assert again.status_code == 400
    assert "account.password_reset" in db_session.scalars(select(AuditEntry.action)).all()


def _signed_in(client, citizen):
    client.post("/account/login", data={"email": citizen.email, "password": PASSWORD})


def test_change_password(client, app, citizen, db_session):
    _signed_in(client, citizen)
    other = app.test_client()
    _signed_in(other, citizen)
    wrong = client.post("/account/password", data={"current_password": "nope nope nope", "password": "another secret 1",
                                                   "password_confirm": "another secret 1"})
    assert "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    ok = client.post("/account/password", data={"current_password": PASSWORD, "password": "another secret 1",
                                                "password_confirm": "another secret 1"})
    assert ok.status_code == 302
    assert client.get("/account/").status_code == 200  # this session goes on
    assert other.get("/account/").status_code == 302  # the others end


def test_change_email_after_confirming_the_new_address(client, citizen, db_session, smtp_sink):
    _signed_in(client, citizen)
    response = client.post("/account/email", data={"email": "new.address@example.org", "current_password": PASSWORD})
    assert response.status_code == 302
    db_session.refresh(citizen)
    assert citizen.email == "dan@example.com" and citizen.pending_email == "new.address@example.org"
    links = deliver(db_session, smtp_sink, "new.address@example.org")
    assert client.get(path_of(links[0])).status_code == 302
    db_session.refresh(citizen)
    assert citizen.email == "new.address@example.org" and citizen.pending_email is None
    assert client.get(path_of(links[0])).status_code == 400  # nothing pending any more


def test_an_earlier_email_change_link_cannot_confirm_a_later_address(client, citizen, db_session, smtp_sink):
    """Ask to change to an address you own, then to someone else's: the first link (which you have)
    must not confirm the second address (whose owner never got, or opened, a link)."""
    _signed_in(client, citizen)
    client.post("/account/email", data={"email": "mine@example.org", "current_password": PASSWORD})
    mine = deliver(db_session, smtp_sink, "mine@example.org")
    client.post("/account/email", data={"email": "victim@example.org", "current_password": PASSWORD})
    victims = deliver(db_session, smtp_sink, "victim@example.org")
    refused = client.get(path_of(mine[0]))
    assert refused.status_code == 400 and "không hợp lệ" in refused.get_data(as_text=True)
    db_session.refresh(citizen)
    assert citizen.email == "dan@example.com" and citizen.pending_email == "victim@example.org"
    assert client.get(path_of(victims[0])).status_code == 302  # the owner's own link still works
    db_session.refresh(citizen)
    assert citizen.email == "victim@example.org"


def test_download_my_data(client, citizen, db_session):
    make_submission(db_session, user_id=citizen.id, content="Đèn đường hỏng", identity={"full_name": "Dân"})
    _signed_in(client, citizen)
    response = client.get("/account/data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == citizen.email
    assert data["submissions"][0]["content"] == "Đèn đường hỏng"


def test_delete_my_account_keeps_submissions_delinked(client, citizen, db_session):
    submission = make_submission(db_session, user_id=citizen.id)
    _signed_in(client, citizen)
    assert client.get("/account/delete").status_code == 200
    refused = client.post("/account/delete", data={"current_password": "wrong wrong wrong", "confirm": "y"})
    assert refused.status_code == 200
    response = client.post("/account/delete", data={"current_password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db_session.refresh(submission)
    db_session.refresh(citizen)
    assert submission.user_id is None
    assert citizen.email != "dan@example.com" and citizen.full_name == "" and citizen.password_hash is None
    assert not citizen.is_active_account
    assert client.get("/account/").status_code == 302
    assert "account.deleted" in db_session.scalars(select(AuditEntry.action)).all()
    # the address can be used again for a new account
    assert register(client, email="dan@example.com").status_code == 302


def test_account_page_links_to_my_submissions_when_it_exists(client, app, citizen):
    _signed_in(client, citizen)
    html = client.get("/account/").get_data(as_text=True)
    if "tracking.my_submissions" in app.view_functions:
        with app.test_request_context():
            from flask import url_for

            assert f'href="{url_for("tracking.my_submissions")}"' in html


def test_production_hashes_with_argon2id_defaults(fresh_app):
    from argon2 import PasswordHasher

    from portal.accounts.services import _PRODUCTION_HASHER, hash_password

    fresh_app.testing = False
    with fresh_app.app_context():
        hashed = hash_password("a long enough password")
    reference = PasswordHasher()
    assert hashed.startswith("$argon2id$")
    assert (_PRODUCTION_HASHER.time_cost, _PRODUCTION_HASHER.memory_cost) == (reference.time_cost,
                                                                            reference.memory_cost)
    assert f"m={reference.memory_cost},t={reference.time_cost}" in hashed
