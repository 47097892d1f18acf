"""Demo submissions and the access log of public routes."""

from __future__ import annotations

import json
import logging

from sqlalchemy import func, select

from portal.cases.evidence import is_protected
from portal.cases.models import Case, Submission
from portal.intake import demo
from tests.intake.helpers import form_data, post


def test_demo_seed_uses_the_real_service_and_is_idempotent(db_session, org, storage):
    lines = demo.seed(db_session)
    assert lines and "5" in lines[0]
    count = db_session.scalar(select(func.count(Submission.id)))
    assert count == 5
    assert db_session.scalar(select(func.count(Case.id))) == 5
    assert demo.seed(db_session) == []
    assert db_session.scalar(select(func.count(Submission.id))) == 5
    # The signed denunciation comes with its scanned đơn and a photo, both with working copies,
    # so the demo shows files held back from the staff who may not know the denouncer.
    signed = db_session.scalar(select(Submission).where(Submission.form_nonce == "demo-intake-5"))
    assert [a.original_name for a in signed.attachments] == ["Đơn tố cáo - Phạm Văn Tâm.pdf", "vỉa hè.jpg"]
    assert all(a.working_key and storage.exists(a.working_key) for a in signed.attachments)
    assert is_protected(signed.cases[0])


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
