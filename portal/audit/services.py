"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry
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
    checked: int
    broken_at: int | None  # id of the first entry whose link or content does not match
    problem: str | None


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order and report the first broken link (streams; bounded memory)."""
    expected_prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id)
                               .limit(batch)).all()
        if not rows:
            return ChainReport(checked, None, None)
        for entry in rows:
            if entry.prev_hash != expected_prev:
                return ChainReport(checked, entry.id, "previous-hash link does not match")
            if _digest(entry.canonical()) != entry.entry_hash:
                return ChainReport(checked, entry.id, "content does not match its hash")
            expected_prev = entry.entry_hash
            checked += 1
            last_id = entry.id
        session.expunge_all()
