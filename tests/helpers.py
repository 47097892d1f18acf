"""Test helpers shared by features."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from portal.accounts.models import User


def login_as(client: FlaskClient, user: User) -> None:
    """Sign ``user`` in on the test client by writing the Flask-Login session directly.

    For view tests only: the real login flow (password + TOTP) has its own tests and journeys.
    """
    # The identifier hashes the client's user agent: compute it as for the client's requests
    # (session_transaction yields outside any request context).
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = client.application.login_manager._session_identifier_generator()  # type: ignore[attr-defined]
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_id"] = identifier
        session["_fresh"] = True
        session["_staff_verified"] = True


def access_lines(client: FlaskClient, caplog: pytest.LogCaptureFixture,
                 request: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    """Make ``request`` with the access log switched on (it is quiet under test); returns its
    response and the fields of the access lines it wrote."""
    app = client.application
    app.config["TESTING"] = False
    try:
        with caplog.at_level(logging.INFO, logger="portal.access"):
            response = request()
    finally:
        app.config["TESTING"] = True
    return response, [r.fields for r in caplog.records if r.name == "portal.access"]  # type: ignore[attr-defined]


def ready_for(db_session: Any, case: Any, name: str) -> None:
    """Give ``case`` what transition ``name`` waits for beyond its status: the sending recorded before
    closing, a suspension's sending clock running, a signed document the sender may not download yet."""
    from portal.cases.models import INTERIM_STAGE, CaseEvent
    from portal.deadlines.clock import local_today
    from portal.deadlines.services import seed_rules, start_stage

    if name == "close":  # a complaint's file closes once the sending is recorded
        case.events.append(CaseEvent(action="send_decision", note="Đã gửi"))
    if name == "share_document":
        case.resolution_document_key = "decision-test-key"
    db_session.flush()
    if name == "send_interim":  # offered while a suspension, termination or resumption decision waits
        seed_rules(db_session)
        assert start_stage(db_session, case, INTERIM_STAGE, local_today()) is not None
