"""Writing and verifying the audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry, AuditVerification
from portal.db import now_utc

GENESIS = "0" * 64


def _chain_key() -> bytes:
    # Keyed with the server secret: someone who can write to the database but does not hold the
    # secret cannot recompute a consistent chain after editing a row.
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"audit-chain", hashlib.sha256).digest()


def _digest(content: dict[str, Any]) -> str:
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hmac.new(_chain_key(), blob.encode("utf-8"), hashlib.sha256).hexdigest()


def _lock_chain(session: Session) -> None:
    """Serialise writers of the chain so two entries never share a predecessor."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text("SELECT pg_advisory_xact_lock(7300131)"))
    # SQLite: write transactions are already serialised (BEGIN IMMEDIATE on write requests).


def record(session: Session, action: str, *, actor_id: int | None = None, object_type: str | None = None,
           object_id: Any = None, case_id: int | None = None, reason: str | None = None,
           **details: Any) -> AuditEntry:
    """Append an entry to the chain (flushes; the caller commits)."""
    _lock_chain(session)
    last = session.scalars(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(at=now_utc(), actor_id=actor_id, action=action, object_type=object_type,
                       object_id=None if object_id is None else str(object_id), case_id=case_id, reason=reason,
                       details=details, prev_hash=last or GENESIS)
    entry.entry_hash = _digest(entry.canonical())
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int  # entries of the chain known to be intact (those vouched for by ``since`` included)
    broken_at: int | None  # id of the first entry whose link or content does not match
    problem: str | None
    last_id: int = 0  # the last entry verified, and its hash: where a later walk can start
    last_hash: str = GENESIS
    since: AuditVerification | None = None  # the earlier walk this one continued (None: from the genesis)
    full_check: AuditVerification | None = None  # the latest full walk (shown with its date)


def verify(session: Session, batch: int = 5000, *, since: AuditVerification | None = None) -> ChainReport:
    """Walk the chain in order and report the first broken link (streams; bounded memory).

    From the genesis, or from the end of the intact walk ``since`` (only what was added after it).
    """
    expected_prev = since.to_hash if since else GENESIS
    checked = since.checked if since else 0
    last_id = since.to_entry_id if since else 0
    if last_id and session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.id == last_id)) != expected_prev:
        return ChainReport(checked, last_id, "verified entry missing or changed", last_id, expected_prev, since)
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id)
                               .limit(batch)).all()
        if not rows:
            return ChainReport(checked, None, None, last_id, expected_prev, since)
        for entry in rows:
            if entry.prev_hash != expected_prev:
                return ChainReport(checked, entry.id, "previous-hash link does not match", last_id, expected_prev,
                                   since)
            if _digest(entry.canonical()) != entry.entry_hash:
                return ChainReport(checked, entry.id, "content does not match its hash", last_id, expected_prev,
                                   since)
            expected_prev = entry.entry_hash
            checked += 1
            last_id = entry.id
        session.expunge_all()


def _signature(row: AuditVerification) -> str:
    return _digest({"audit-verification": row.signed_content()})


def save_verification(session: Session, report: ChainReport, *, full: bool) -> AuditVerification:
    """Record (signed) the outcome of a walk; flushes, the caller commits."""
    row = AuditVerification(at=now_utc(), full=full, to_entry_id=report.last_id, to_hash=report.last_hash,
                            checked=report.checked, broken_at=report.broken_at, problem=report.problem,
                            signature="")
    session.add(row)
    session.flush()  # the id is part of what is signed
    row.signature = _signature(row)
    session.flush()
    return row


def _genuine(rows: Any) -> AuditVerification | None:
    """The first row whose signature holds (a forged or edited row is ignored)."""
    for row in rows:
        if hmac.compare_digest(row.signature, _signature(row)):
            return row
    return None


def latest_verifications(session: Session) -> tuple[AuditVerification | None, AuditVerification | None,
                                                     AuditVerification | None]:
    """The latest genuine full walk, the latest genuine intact walk to start from, and the latest
    genuine walk that found the chain broken."""
    newest = select(AuditVerification).order_by(AuditVerification.id.desc()).limit(50)
    full = _genuine(session.scalars(newest.where(AuditVerification.full.is_(True))))
    intact = _genuine(session.scalars(newest.where(AuditVerification.broken_at.is_(None))))
    broken = _genuine(session.scalars(newest.where(AuditVerification.broken_at.is_not(None))))
    return full, intact, broken


FULL_EVERY = dt.timedelta(days=1)
FULL_OVERDUE = dt.timedelta(hours=26)  # the page warns when the daily full walk has not happened


def verify_recent(session: Session) -> ChainReport:
    """The chain's state for the audit page, in bounded time: the entries added since the latest
    intact walk are verified now; a break found by an earlier walk (full or not) and not followed by
    an intact full walk is reported as it was found."""
    full, intact, broken = latest_verifications(session)
    if broken is not None and (full is None or full.broken_at is not None or full.id < broken.id):
        return ChainReport(broken.checked, broken.broken_at, broken.problem, broken.to_entry_id, broken.to_hash,
                           None, full)
    report = verify(session, since=intact)
    return replace(report, full_check=full)


def full_check_overdue(report: ChainReport) -> bool:
    """Whether the daily full walk is missing or late (the worker is not running, or failing)."""
    return report.full_check is None or now_utc() - report.full_check.at > FULL_OVERDUE


def verification_job(session: Session) -> dict[str, Any]:
    """The worker's step: a full walk when the last one is older than a day, else only the new
    entries. A full walk, a break, or new entries verified are recorded (the older records of short
    walks are then dropped: only the latest is ever started from); a tick with nothing new writes
    nothing."""
    full, intact, _broken = latest_verifications(session)
    do_full = full is None or now_utc() - full.at >= FULL_EVERY
    since = None if do_full else intact
    report = verify(session, since=since)
    recorded = do_full or report.broken_at is not None or report.last_id != (since.to_entry_id if since else 0)
    if recorded:
        row = save_verification(session, report, full=do_full)
        if not do_full and report.broken_at is None:
            session.execute(delete(AuditVerification).where(
                AuditVerification.full.is_(False), AuditVerification.broken_at.is_(None),
                AuditVerification.id < row.id))
    return {"full": do_full, "checked": report.checked, "broken_at": report.broken_at, "recorded": recorded}
