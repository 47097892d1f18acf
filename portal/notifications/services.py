"""Queue emails (inside the caller's transaction) and deliver them after commit."""

from __future__ import annotations

import contextlib
import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from portal.db import now_utc
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.settings import Settings

MAX_ATTEMPTS = 6
BACKOFF_SECONDS = (30, 120, 600, 1800, 7200)


def queue_email(session: Session, recipient: str, template: str, *, locale: str = "vi",
                dedupe_key: str | None = None, **context: Any) -> OutboxMessage | None:
    """Render ``templates/email/<template>.{txt,html}`` and add it to the outbox.

    The first line of the text template is the subject. Returns None when a message with the same
    ``dedupe_key`` was already queued (so a notice is never sent twice).
    """
    if dedupe_key and session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    email = render_email(template, locale=locale, **context)
    message = OutboxMessage(recipient=recipient, subject=email.subject, body_text=email.body_text,
                            body_html=email.body_html, dedupe_key=dedupe_key, next_attempt_at=now_utc())
    session.add(message)
    session.flush()
    return message


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str | None


def render_email(template: str, *, locale: str = "vi", **context: Any) -> RenderedEmail:
    """Render ``templates/email/<template>.{txt,html}`` in ``locale`` (first text line: the subject)."""
    with force_locale(locale):
        text = render_template(f"email/{template}.txt", **context)
        try:
            html = render_template(f"email/{template}.html", **context)
        except Exception:  # noqa: BLE001 - the HTML part is optional
            html = None
    subject, _, body = text.partition("\n")
    return RenderedEmail(subject.strip()[:255], body.lstrip("\n"), html)


# ---------------------------------------------------------------- batches and held messages
#
# A batch job (the deadline sweep) writes many messages per transaction with one statement, and may
# *hold* a message while it is still adding to it (a digest): a held message has ``next_attempt_at``
# in the future, so :func:`send_pending` leaves it alone. Each revision is a compare-and-set on the
# hold, so a message the sender already took (its claim changes ``next_attempt_at``) is never edited.


def queue_rendered(session: Session, messages: list[tuple[str, str, RenderedEmail]], *,
                   hold_until: dt.datetime | None = None) -> dict[str, int]:
    """Queue ``(recipient, dedupe_key, email)`` triples in one statement; returns dedupe key -> id.

    Keys already in the outbox are skipped (never sent twice). ``hold_until``: not sent before then
    (see :func:`revise_held` and :func:`release_held`).
    """
    if not messages:
        return {}
    keys = [key for _recipient, key, _email in messages]
    taken = set(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
    now = now_utc()
    rows = [{"created_at": now, "recipient": recipient, "subject": email.subject, "body_text": email.body_text,
             "body_html": email.body_html, "status": OutboxStatus.PENDING, "attempts": 0,
             "next_attempt_at": hold_until or now, "dedupe_key": key}
            for recipient, key, email in messages if key not in taken]
    if not rows:
        return {}
    result = session.execute(insert(OutboxMessage).returning(OutboxMessage.dedupe_key, OutboxMessage.id,
                                                             sort_by_parameter_order=True), rows)
    return dict(result.all())


def revise_held(session: Session, revisions: list[tuple[int, dt.datetime, RenderedEmail]], *,
                hold_until: dt.datetime) -> set[int]:
    """Replace the content of messages ``(id, held_until, email)`` still held as they were, and hold
    them until ``hold_until``; returns the ids revised (the others' hold ran out and a sender took them).

    The rows are read ``FOR UPDATE`` (PostgreSQL; SQLite's writer already holds the database), so a
    sender cannot take one between the check and the write.
    """
    if not revisions:
        return set()
    held = dict(session.execute(
        select(OutboxMessage.id, OutboxMessage.next_attempt_at)
        .where(OutboxMessage.id.in_([message_id for message_id, _held, _email in revisions]),
               OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts == 0)
        .with_for_update()).all())
    rows = [{"message_id": message_id, "new_subject": email.subject, "new_text": email.body_text,
             "new_html": email.body_html} for message_id, until, email in revisions if held.get(message_id) == until]
    if rows:
        table = OutboxMessage.__table__
        session.execute(update(table).where(table.c.id == bindparam("message_id"))
                        .values(subject=bindparam("new_subject"), body_text=bindparam("new_text"),
                                body_html=bindparam("new_html"), next_attempt_at=hold_until), rows)
    return {row["message_id"] for row in rows}


def release_held(session: Session, held: list[tuple[int, dt.datetime]], *, now: dt.datetime | None = None) -> None:
    """Make held messages ``(id, held_until)`` due now (those still held as they were)."""
    if not held:
        return
    now = now or now_utc()
    table = OutboxMessage.__table__
    statement = (update(table).where(table.c.id == bindparam("message_id"),
                                     table.c.next_attempt_at == bindparam("held_until"),
                                     table.c.status == OutboxStatus.PENDING)
                 .values(next_attempt_at=now))
    session.execute(statement, [{"message_id": i, "held_until": h} for i, h in held])


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _build(settings: Settings, message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    domain = parseaddr(settings.mail_sender)[1].rpartition("@")[2] or "portal.invalid"
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain=domain)
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _claim(session: Session, message_id: int, now: dt.datetime) -> bool:
    """Take one message for this sender; concurrent senders never both get it."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING,
               or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .values(next_attempt_at=now + dt.timedelta(minutes=10))  # lease while we send
    )
    session.commit()
    return result.rowcount == 1


def send_pending(session: Session, settings: Settings, *, now: dt.datetime | None = None,
                 limit: int = 200) -> SendReport:
    """Deliver due messages over SMTP, each exactly once; failures back off and retry.

    Commits per message (this is a worker, not a request).
    """
    now = now or now_utc()
    report = SendReport()
    due = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING,
               or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.id).limit(limit)
    ).all()
    if not due:
        return report
    smtp: smtplib.SMTP | None = None
    try:
        for message_id in due:
            if not _claim(session, message_id, now):
                continue
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            try:
                if smtp is None:
                    smtp = _connect(settings)
                smtp.send_message(_build(settings, message))
            except (smtplib.SMTPException, OSError) as exc:
                smtp = None
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                    report.failed += 1
                else:
                    delay = BACKOFF_SECONDS[min(message.attempts - 1, len(BACKOFF_SECONDS) - 1)]
                    message.next_attempt_at = now + dt.timedelta(seconds=delay)
                    report.retried += 1
            else:
                message.attempts += 1
                message.status = OutboxStatus.SENT
                message.sent_at = now_utc()
                message.last_error = None
                report.sent += 1
            session.commit()
    finally:
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
    return report


def _connect(settings: Settings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.mail_server, settings.mail_port, timeout=20)
    if settings.mail_use_tls:
        smtp.starttls(context=ssl.create_default_context())
    if settings.mail_username:
        smtp.login(settings.mail_username, settings.mail_password)
    return smtp


def current_settings() -> Settings:
    return current_app.config["SETTINGS"]
