"""Deadline arithmetic. Pure functions: every date and the calendar are arguments.

- Calendar days (Civil Code Art. 147-148): counting starts the day after the event; a period whose
  last day is a day off ends on the next working day.
- Working days: the n-th working day after the event.
- Extensions add calendar days to the period; paused (suspended) time is not counted.
"""

from __future__ import annotations

import datetime as dt

from portal.deadlines.calendar import WorkingCalendar

ONE_DAY = dt.timedelta(days=1)


def add_calendar_days(start: dt.date, days: int, calendar: WorkingCalendar) -> dt.date:
    """Last day of a period of ``days`` calendar days after ``start`` (moved off days off)."""
    return calendar.next_working_day(start + dt.timedelta(days=days))


def add_working_days(start: dt.date, days: int, calendar: WorkingCalendar) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself when ``days`` is 0)."""
    day, counted = start, 0
    while counted < days:
        day += ONE_DAY
        if calendar.is_working_day(day):
            counted += 1
    return day


def due_date(start: dt.date, duration: int, unit: str, calendar: WorkingCalendar, *,
             extension_days: int = 0, paused_days: int = 0) -> dt.date:
    """Deadline = start + duration + approved extensions + paused days, in the rule's unit."""
    if duration < 0 or extension_days < 0 or paused_days < 0:
        raise ValueError("negative duration")
    total = duration + extension_days + paused_days
    if unit == "WD":
        return add_working_days(start, total, calendar)
    return add_calendar_days(start, total, calendar)


def working_days_between(start: dt.date, end: dt.date, calendar: WorkingCalendar) -> int:
    """Working days in (start, end]; negative when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start, calendar)
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if calendar.is_working_day(day):
            count += 1
    return count


def days_left(today: dt.date, due: dt.date, unit: str, calendar: WorkingCalendar) -> int:
    """Days from ``today`` to ``due`` (working days for WD rules); negative when overdue."""
    if unit == "WD":
        return working_days_between(today, due, calendar)
    return (due - today).days


def paused_length(paused_on: dt.date, resumed_on: dt.date, unit: str, calendar: WorkingCalendar) -> int:
    """Days not counted for a suspension from ``paused_on`` to ``resumed_on`` (in the rule's unit)."""
    if resumed_on <= paused_on:
        return 0
    if unit == "WD":
        return working_days_between(paused_on - ONE_DAY, resumed_on - ONE_DAY, calendar)
    return (resumed_on - paused_on).days


def check_extension(days: int, already: int, *, max_days: int | None, max_count: int) -> str | None:
    """Why an extension of ``days`` is refused (a message id), or None when it is allowed."""
    if max_days is None or max_count <= 0:
        return "no_extension"
    if already >= max_count:
        return "too_many"
    if days < 1 or days > max_days:
        return "too_long"
    return None
