"""The session cookie: Flask's format and signature, without compression, serializer built once."""

from __future__ import annotations

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from portal.web.sessions import SessionInterface

DATA = {"csrf_token": "a" * 40, "tracking": {"code": "KN-7Q4M-X9KD", "at": 1_700_000_000}, "x": "y" * 300}


def test_cookies_are_compatible_with_flasks_both_ways(app):
    ours = SessionInterface().get_signing_serializer(app)
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    standard = flasks.dumps(DATA)
    assert standard.startswith(".")  # Flask compressed this one (it is long and repetitive)
    assert ours.loads(standard) == DATA
    written = ours.dumps(DATA)
    assert not written.startswith(".")  # not compressed
    assert flasks.loads(written) == DATA


def test_the_signature_is_checked(app):
    ours = SessionInterface().get_signing_serializer(app)
    token = ours.dumps(DATA)
    payload, rest = token.split(".", 1)
    with pytest.raises(BadSignature):
        ours.loads(payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest)


def test_the_serializer_is_built_once_per_secret_key(app):
    interface = SessionInterface()
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    original = app.secret_key
    app.secret_key = "another-secret-key-of-sufficient-length-xx"
    try:
        other = interface.get_signing_serializer(app)
    finally:
        app.secret_key = original
    assert other is not first
    assert interface.get_signing_serializer(app) is not other  # back to the original key
    assert interface.get_signing_serializer(app).loads(first.dumps(DATA)) == DATA


def test_the_app_uses_it(app, csrf_client):
    assert isinstance(app.session_interface, SessionInterface)
    csrf_client.get("/track")  # the form token is kept in the session
    cookie = csrf_client.get_cookie("portal_session")
    assert cookie is not None and not cookie.value.startswith(".")
    assert SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie.value)["csrf_token"]
