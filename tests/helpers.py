"""Test helpers shared by features."""

from __future__ import annotations

from flask.testing import FlaskClient

from portal.accounts.models import User


def login_as(client: FlaskClient, user: User) -> None:
    """Sign ``user`` in on the test client by writing the Flask-Login session directly.

    For view tests only: the real login flow (password + TOTP) has its own tests and journeys.
    """
    from flask_login.utils import _create_identifier

    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_id"] = _create_identifier()
        session["_fresh"] = True
        session["_staff_verified"] = True
