"""Test helpers shared by features."""

from __future__ import annotations

from flask.testing import FlaskClient

from portal.accounts.models import User


def login_as(client: FlaskClient, user: User) -> None:
    """Sign ``user`` in on the test client by writing the Flask-Login session directly.

    For view tests only: the real login flow (password + TOTP) has its own tests and journeys.
    """
    from flask_login.utils import _create_identifier

    # The identifier hashes the client's address and user agent: compute it as for the client's requests
    # (session_transaction yields outside any request context).
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_id"] = identifier
        session["_fresh"] = True
        session["_staff_verified"] = True
