"""Audit entries, hash-chained: each carries the hash of the one before it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, bigintpk, created_at, str64


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
