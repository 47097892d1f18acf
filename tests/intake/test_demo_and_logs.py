"""Demo submissions and the access log of public routes."""

from __future__ import annotations

import json
import logging

from sqlalchemy import func, select

from portal.cases.models import Case, Submission
from portal.intake import demo
from tests.intake.helpers import form_data, post


def test_demo_seed_uses_the_real_service_and_is_idempotent(db_session, org, storage):
    lines = demo.seed(db_session)
    assert lines and "4" in lines[0]
    count = db_session.scalar(select(func.count(Submission.id)))
    assert count == 4
    assert db_session.scalar(select(func.count(Case.id))) == 4
    assert demo.seed(db_session) == []
    assert db_session.scalar(select(func.count(Submission.id))) == 4


def test_demo_seed_needs_an_organisation(db_session):
    assert demo.seed(db_session) == []
    assert db_session.scalar(select(func.count(Submission.id))) == 0


def test_access_log_of_submission_and_tracking_routes_has_no_client_address(client, app, org, storage, caplog,
                                                                            monkeypatch):
    monkeypatch.setitem(app.config, "TESTING", False)
    address = "203.0.113.9"
    with caplog.at_level(logging.INFO, logger="portal.access"):
        logger = logging.getLogger("portal.access")
        logger.addHandler(caplog.handler)
        try:
            post(client, "feedback", form_data("feedback", anonymous=True), environ_base={"REMOTE_ADDR": address})
            client.post("/track", data={"code": "PA-2222-3333", "secret": "x"}, environ_base={"REMOTE_ADDR": address})
        finally:
            logger.removeHandler(caplog.handler)
    records = [r for r in caplog.records if getattr(r, "fields", None)]
    assert {r.fields["route"] for r in records} >= {"/submit/<any(complaint,denunciation,petition,feedback):kind>",
                                                    "/track"}
    for record in records:
        assert address not in json.dumps(record.fields) and "client" not in record.fields
