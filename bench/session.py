"""A signed-in staff session for the benchmarks, written the way the tests' ``login_as`` does.

The real login (password, then a TOTP code) is exercised by the test suite; load runs only need a
valid session cookie, bound (Flask-Login strong protection) to the User-Agent the load tool sends.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import RoleAssignment, User
from portal.db import get_db
from portal.org.models import OrgUnit

AGENT = "portal-bench/1.0"


def demo_staff_key(app: Flask, role: str = "intake_officer", unit_code: str = "UBND-TP") -> str:
    """The session key (Flask-Login id) of the demo staff member holding ``role`` on ``unit_code``."""
    with app.app_context():
        session = get_db(app).sessionmaker()
        user = session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
                               .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
                               .where(RoleAssignment.role == role, OrgUnit.code == unit_code)).first()
        if user is None:
            raise SystemExit(f"no {role} on {unit_code}: run `flask demo seed`")
        key = user.get_id()
        session.close()
    return key


def sign_in(client: FlaskClient, user_key: str, agent: str = AGENT) -> None:
    environ = {"HTTP_USER_AGENT": agent, "REMOTE_ADDR": "127.0.0.1"}
    client.environ_base.update(environ)
    with client.application.test_request_context(environ_base=environ):
        identifier = client.application.login_manager._session_identifier_generator()  # type: ignore[attr-defined]
    with client.session_transaction() as session:
        session["_user_id"] = user_key
        session["_id"] = identifier
        session["_fresh"] = True
        session["_staff_verified"] = True


if __name__ == "__main__":  # print a Cookie header for wrk
    from portal import create_app

    flask_app = create_app()
    test_client = flask_app.test_client()
    sign_in(test_client, demo_staff_key(flask_app))
    cookie = test_client.get_cookie(flask_app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    print(f"{cookie.key}={cookie.value}")
