"""The email outbox delivered through a real SMTP server."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal.db import now_utc
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.notifications.services import current_settings, queue_email, send_pending


def test_queued_mail_is_sent_once(app, db_session, smtp_sink):
    queue_email(db_session, "citizen@example.test", "case_updated", locale="vi", reference="KN-ABC")
    db_session.commit()
    report = send_pending(db_session, current_settings())
    assert report.sent == 1
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == "citizen@example.test"
    assert "KN-ABC" in message["Subject"]
    assert "KN-ABC" in smtp_sink.body(message)
    again = send_pending(db_session, current_settings())
    assert again.sent == 0 and len(smtp_sink.messages) == 1


def test_dedupe_key_prevents_a_second_copy(db_session):
    assert queue_email(db_session, "a@example.test", "case_updated", dedupe_key="k1", reference="R") is not None
    assert queue_email(db_session, "a@example.test", "case_updated", dedupe_key="k1", reference="R") is None


def test_unreachable_server_backs_off_then_gives_up(app, db_session):
    from tests.fixtures.mail import free_port

    settings = current_settings().with_overrides(mail_port=free_port())  # nothing listens there
    queue_email(db_session, "b@example.test", "case_updated", reference="R")
    db_session.commit()
    now = now_utc()
    report = send_pending(db_session, settings, now=now)
    assert report.retried == 1
    message = db_session.scalars(select(OutboxMessage)).one()
    assert message.status == OutboxStatus.PENDING and message.next_attempt_at > now
    assert send_pending(db_session, settings, now=now).retried == 0  # not due yet
    for attempt in range(10):
        send_pending(db_session, settings, now=now + dt.timedelta(days=attempt + 1))
    db_session.refresh(message)
    assert message.status == OutboxStatus.FAILED and message.attempts == 6


def test_english_template(db_session, smtp_sink):
    queue_email(db_session, "c@example.test", "case_updated", locale="en", reference="TC-1")
    db_session.commit()
    send_pending(db_session, current_settings())
    assert smtp_sink.messages[0]["Subject"].startswith("Notice about")
