"""The outbox: messages written in the same transaction as the change that causes them."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, bigintpk, created_at, str255


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[bigintpk]
    created_at: Mapped[created_at]
    recipient: Mapped[str255]
    subject: Mapped[str255]
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(Enum(OutboxStatus, native_enum=False, length=16),
                                                 default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Deduplication key: the same logical notice is queued at most once (e.g. "reminder:case:12:stage").
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
