"""Published statistics: one snapshot per month, computed by the worker, read by the public page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, created_at, intpk


class PublishedStatistics(Base):
    """The figures published for one month (``as_of``, its first day): the period they cover and, per unit and
    city-wide, counts only (no case, no person). Unit names are copied in, so a snapshot keeps the
    organisation as it was when published."""

    __tablename__ = "published_statistics"

    id: Mapped[intpk]
    as_of: Mapped[dt.date] = mapped_column(Date, unique=True)
    published_at: Mapped[created_at]
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
