"""Deadline rules (versioned data with effective dates) and the holiday calendar overrides."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, created_at, intpk, str255
from portal.org import refdata


class DayUnit(enum.StrEnum):
    CAL = "CAL"  # calendar days, Civil Code end rule
    WD = "WD"  # working days


class Confidence(enum.StrEnum):
    """LEGAL.md confidence marks; anything but V is shown to administrators as needing a check."""

    VERIFIED = "V"
    PRESS = "P"
    REPOSITORY = "R"
    UNVERIFIED = "?"


class DeadlineRule(Base):
    """One version of a deadline rule. Editing a rule adds a version; rows are never overwritten
    (only the previous version's ``valid_to`` is closed)."""

    __tablename__ = "deadline_rules"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(16), index=True)  # KN-03, TC-01, ...
    version: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(64))  # complaint, denunciation, any đơn, ... (display)
    stage: Mapped[str255]  # what the period is for (display, Vietnamese)
    # intake | acceptance | resolution | notify | send_interim | send | publish | None
    stage_key: Mapped[str | None] = mapped_column(String(16))
    duration: Mapped[int]
    unit: Mapped[DayUnit] = mapped_column(Enum(DayUnit, native_enum=False, length=3))
    starts_at: Mapped[str255] = mapped_column(default="")  # what starts the clock (text)
    duration_complex: Mapped[int | None]
    duration_especially_complex: Mapped[int | None]
    duration_remote: Mapped[int | None]
    duration_remote_complex: Mapped[int | None]
    # length of one extension, in the rule's unit; with no extension allowed by complexity, the longer
    # limit the rule allows once in stated circumstances (TC-01: deadlines.services.lengthen_stage)
    extension_days: Mapped[int | None]
    extensions_complex: Mapped[int] = mapped_column(default=0)  # extensions allowed for a complex case
    extensions_especially_complex: Mapped[int] = mapped_column(default=0)
    pauses_excluded: Mapped[bool] = mapped_column(default=False)  # suspended time is not counted
    valid_from: Mapped[dt.date] = mapped_column(Date, default=dt.date(2000, 1, 1))
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # inclusive; None = open-ended
    legal_basis: Mapped[str255] = mapped_column(default="")
    confidence: Mapped[Confidence] = mapped_column(Enum(Confidence, native_enum=False, length=1,
                                                        values_callable=lambda e: [m.value for m in e]))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_unverified(self) -> bool:
        return self.confidence != Confidence.VERIFIED


class OverrideKind(enum.StrEnum):
    EXTRA_DAY_OFF = "extra_day_off"  # a weekday the government gives off
    MAKE_UP_WORKING_DAY = "make_up_working_day"  # a Saturday worked in exchange


class HolidayOverride(Base):
    """An administrator's correction to the calendar (the yearly swapped days)."""

    __tablename__ = "holiday_overrides"

    id: Mapped[intpk]
    day: Mapped[dt.date] = mapped_column(Date, unique=True)
    kind: Mapped[OverrideKind] = mapped_column(Enum(OverrideKind, native_enum=False, length=24,
                                                    values_callable=lambda e: [m.value for m in e]))
    note: Mapped[str255] = mapped_column(default="")
    created_at: Mapped[created_at]


# The rules and the calendar's overrides are read once per change by each process, as reference data
# (portal/deadlines/services.py): any change to them gives the reference data a new version token.
refdata.register(DeadlineRule, HolidayOverride)
