"""Batch queueing and held messages (the deadline sweep's digests), through a real SMTP server."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal.db import now_utc
from portal.notifications.models import OutboxMessage
from portal.notifications.services import (
    RenderedEmail,
    current_settings,
    queue_email,
    queue_rendered,
    release_held,
    render_email,
    revise_held,
    send_pending,
)


def test_render_email_once_queue_many_skipping_known_keys(app, db_session, smtp_sink):
    queue_email(db_session, "old@example.test", "case_updated", dedupe_key="batch:1", reference="R0")
    email = render_email("case_updated", locale="en", reference="TC-9")
    assert email.subject.startswith("Notice about") and "TC-9" in email.body_text and email.body_html is None
    queued = queue_rendered(db_session, [("a@example.test", "batch:1", email), ("b@example.test", "batch:2", email),
                                         ("c@example.test", "batch:3", email)])
    assert sorted(queued) == ["batch:2", "batch:3"]  # batch:1 was already queued: never twice
    assert queue_rendered(db_session, []) == {}
    db_session.commit()
    assert send_pending(db_session, current_settings()).sent == 3
    assert sorted(m["To"] for m in smtp_sink.messages) == ["b@example.test", "c@example.test", "old@example.test"]


def test_held_message_is_revised_then_released(app, db_session, smtp_sink):
    settings = current_settings()
    hold = now_utc() + dt.timedelta(minutes=10)
    [message_id] = queue_rendered(db_session, [("held@example.test", "held:1", RenderedEmail("v1", "one", None))],
                                  hold_until=hold).values()
    db_session.commit()
    assert send_pending(db_session, settings).sent == 0  # held
    later = hold + dt.timedelta(minutes=1)
    assert revise_held(db_session, [(message_id, hold, RenderedEmail("v2", "two", "<p>two</p>"))],
                       hold_until=later) == {message_id}
    assert revise_held(db_session, [(message_id, hold, RenderedEmail("v3", "three", None))],
                       hold_until=later) == set()  # not held as the caller thought: left alone
    db_session.commit()
    assert send_pending(db_session, settings, now=hold + dt.timedelta(seconds=1)).sent == 0  # the new hold
    release_held(db_session, [(message_id, later)])
    db_session.commit()
    assert send_pending(db_session, settings).sent == 1
    [mail] = smtp_sink.messages
    assert mail["Subject"] == "v2" and smtp_sink.body(mail).strip() == "two"


def test_a_message_the_sender_took_is_never_revised(app, db_session, smtp_sink):
    settings = current_settings()
    hold = now_utc() + dt.timedelta(minutes=10)
    [message_id] = queue_rendered(db_session, [("slow@example.test", "held:2", RenderedEmail("v1", "one", None))],
                                  hold_until=hold).values()
    db_session.commit()
    assert send_pending(db_session, settings, now=hold + dt.timedelta(seconds=1)).sent == 1  # the hold ran out
    assert revise_held(db_session, [(message_id, hold, RenderedEmail("v2", "two", None))],
                       hold_until=hold + dt.timedelta(minutes=10)) == set()
    release_held(db_session, [(message_id, hold)])  # no effect on a sent message
    db_session.commit()
    message = db_session.scalars(select(OutboxMessage).where(OutboxMessage.id == message_id)).one()
    assert (message.subject, message.status.value, message.attempts) == ("v1", "sent", 1)
    assert len(smtp_sink.messages) == 1
