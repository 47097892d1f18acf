"""Audit entries, hash-chained: each carries the hash of the one before it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, bigintpk, created_at, intpk, str64


class AuditEntry(Base):
    """One security-relevant action: logins, identity reveals, original downloads, role changes,
    exports. Append-only; ``entry_hash`` = SHA-256 over the previous hash and this row's content."""

    __tablename__ = "audit_entries"

    id: Mapped[bigintpk]
    at: Mapped[created_at]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str64] = mapped_column(index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    def canonical(self) -> dict[str, Any]:
        """The content the hash covers, in a stable form."""
        at: dt.datetime = self.at
        return {
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "case_id": self.case_id,
            "reason": self.reason,
            "details": self.details or {},
            "prev_hash": self.prev_hash,
        }


class AuditVerification(Base):
    """The outcome of one walk of the chain, signed with the chain key.

    A walk starts from the genesis (``full``) or from the end of an earlier intact walk, so the
    audit page and the worker only verify what was added since; a full walk is still made daily
    (and by ``flask audit verify``) to catch an old entry edited later. Without the server secret a
    row cannot be forged to vouch for a tampered chain, nor copied under a newer id (the id is signed).
    """

    __tablename__ = "audit_verifications"

    id: Mapped[intpk]
    at: Mapped[created_at]
    full: Mapped[bool]
    to_entry_id: Mapped[int] = mapped_column(BigInteger, default=0)  # the last entry verified (0: none)
    to_hash: Mapped[str] = mapped_column(String(64))  # its hash: where the next walk starts
    checked: Mapped[int] = mapped_column(BigInteger)  # entries in the chain up to to_entry_id, all verified
    broken_at: Mapped[int | None] = mapped_column(BigInteger)
    problem: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(64))

    def signed_content(self) -> dict[str, Any]:
        at: dt.datetime = self.at
        return {"id": self.id, "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"), "full": self.full,
                "to_entry_id": self.to_entry_id, "to_hash": self.to_hash, "checked": self.checked,
                "broken_at": self.broken_at, "problem": self.problem}
