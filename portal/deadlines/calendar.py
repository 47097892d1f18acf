"""The Vietnamese working-day calendar: weekends, public holidays (``holidays``, country VN, pinned
version) and administrator overrides. Pure: no database, no clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[dt.date]:
    """Vietnam's public holidays in ``year`` according to the pinned ``holidays`` package."""
    return frozenset(holidays.country_holidays("VN", years=year))


@lru_cache(maxsize=64)
def public_make_up_days(year: int) -> frozenset[dt.date]:
    """The Saturdays or Sundays worked in ``year`` in exchange for a day off next to a holiday (the
    government's yearly swaps the pinned ``holidays`` package knows, e.g. Saturday 22 August 2026
    for Monday 31 August)."""
    days = getattr(holidays.country_holidays("VN", years=year), "weekend_workdays", ()) or ()
    return frozenset(day for day in days if day.year == year)


class WorkingCalendar:
    """Answers "is this a working day?" for state agencies (Monday to Friday)."""

    def __init__(self, extra_days_off: Iterable[dt.date] = (), make_up_days: Iterable[dt.date] = ()) -> None:
        self.extra_days_off = frozenset(extra_days_off)
        self.make_up_days = frozenset(make_up_days)

    def is_holiday(self, day: dt.date) -> bool:
        return day in public_holidays(day.year) or day in self.extra_days_off

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.make_up_days or day in public_make_up_days(day.year):
            return True
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, otherwise the next one."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day
