"""Signed links: one purpose each; wrong purpose, expired, tampered or revoked links get a clear 400."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.accounts.tokens import MAX_AGE, Purpose, TokenError, make_token, read_token
from portal.db import now_utc


@pytest.fixture
def request_ctx(app):
    with app.test_request_context():
        yield


def test_token_round_trip(db_session, citizen, request_ctx):
    for purpose in Purpose:
        assert read_token(db_session, purpose, make_token(purpose, citizen)) == citizen


@pytest.mark.parametrize("purpose", list(Purpose))
def test_token_of_another_purpose_is_refused(db_session, citizen, request_ctx, purpose):
    for other in Purpose:
        if other != purpose:
            with pytest.raises(TokenError) as info:
                read_token(db_session, purpose, make_token(other, citizen))
            assert not info.value.expired


@pytest.mark.parametrize("purpose", list(Purpose))
def test_expired_token_is_refused(db_session, citizen, request_ctx, purpose):
    old = now_utc() - MAX_AGE[purpose] - dt.timedelta(seconds=5)
    with pytest.raises(TokenError) as info:
        read_token(db_session, purpose, make_token(purpose, citizen, now=old))
    assert info.value.expired
    fresh = now_utc() - MAX_AGE[purpose] + dt.timedelta(minutes=1)
    assert read_token(db_session, purpose, make_token(purpose, citizen, now=fresh)) == citizen


def test_tampered_and_revoked_tokens_are_refused(db_session, citizen, request_ctx):
    token = make_token(Purpose.RESET_PASSWORD, citizen)
    with pytest.raises(TokenError):
        read_token(db_session, Purpose.RESET_PASSWORD, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    citizen.session_version += 1
    db_session.flush()
    with pytest.raises(TokenError):
        read_token(db_session, Purpose.RESET_PASSWORD, token)


ENDPOINTS = {
    Purpose.CONFIRM_EMAIL: "/account/confirm/{}",
    Purpose.RESET_PASSWORD: "/account/reset/{}",
    Purpose.STAFF_INVITATION: "/account/invitation/{}",
    Purpose.CHANGE_EMAIL: "/account/email/confirm/{}",
}


@pytest.mark.parametrize("purpose", list(Purpose))
def test_pages_explain_a_bad_link(client, app, citizen, purpose):
    with app.test_request_context():
        wrong = make_token(next(p for p in Purpose if p != purpose), citizen)
        expired = make_token(purpose, citizen, now=now_utc() - MAX_AGE[purpose] - dt.timedelta(minutes=1))
    url = ENDPOINTS[purpose]
    for token, message in ((wrong, "không hợp lệ"), ("garbage.token.value", "không hợp lệ"), (expired, "hết hạn")):
        response = client.get(url.format(token))
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    english = client.get(url.format(expired) + "?lang=en")
    assert "expired" in english.get_data(as_text=True)
