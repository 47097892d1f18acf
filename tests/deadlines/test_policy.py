"""Deadline arithmetic: hand-checked tables around Tết 2026/2027, 30/4-1/5, 2/9, plus properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.deadlines import policy
from portal.deadlines.calendar import WorkingCalendar, public_holidays, public_make_up_days

D = dt.date
CAL = WorkingCalendar()


# Stable facts only (PLATFORM.md §1): Tết day 1, Hùng Kings' day, 30/4, 1/5, 2/9, 1/1.
@pytest.mark.parametrize("day", [D(2026, 1, 1), D(2026, 2, 17), D(2026, 4, 30), D(2026, 5, 1), D(2026, 9, 2),
                                 D(2027, 2, 6), D(2027, 4, 16), D(2027, 4, 30), D(2027, 9, 2)])
def test_public_holidays_are_days_off(day: dt.date) -> None:
    assert day in public_holidays(day.year)
    assert not CAL.is_working_day(day)


def test_weekends_are_days_off_and_weekdays_work() -> None:
    assert not CAL.is_working_day(D(2026, 3, 7)) and not CAL.is_working_day(D(2026, 3, 8))
    assert all(CAL.is_working_day(D(2026, 3, d)) for d in range(2, 7))


def test_overrides() -> None:
    calendar = WorkingCalendar(extra_days_off=[D(2026, 3, 3)], make_up_days=[D(2026, 3, 7)])
    assert not calendar.is_working_day(D(2026, 3, 3))
    assert calendar.is_working_day(D(2026, 3, 7))
    assert policy.add_working_days(D(2026, 3, 2), 5, calendar) == D(2026, 3, 9)  # 4,5,6,7(sat),9



def test_the_swapped_saturdays_the_package_knows_are_worked() -> None:
    # 2026: Monday 31 August off (next to 2/9), worked on Saturday 22 August; 2025: Friday 2 May
    # off, worked on Saturday 26 April
    assert D(2026, 8, 22) in public_make_up_days(2026) and D(2025, 4, 26) in public_make_up_days(2025)
    assert CAL.is_working_day(D(2026, 8, 22)) and not CAL.is_working_day(D(2026, 8, 31))
    assert not CAL.is_working_day(D(2026, 8, 23))  # the Sunday stays a day off
    # received Friday 14/8/2026, 7 working days (KN-02): 17-21, Saturday 22, Monday 24
    assert policy.add_working_days(D(2026, 8, 14), 7, CAL) == D(2026, 8, 24)

# (start, duration, unit, due), each checked by hand against a 2026/2027 calendar.
TABLE = [
    # Tết 2026: Tết day 1 is Tue 17 Feb; the library's holidays run Mon 16 - Fri 20 Feb.
    (D(2026, 2, 13), 10, "WD", D(2026, 3, 6)),  # Friday before Tết: 23-27 Feb, 2-6 Mar
    (D(2026, 2, 13), 7, "WD", D(2026, 3, 3)),  # 23-27 Feb, 2, 3 Mar
    (D(2026, 2, 13), 1, "WD", D(2026, 2, 23)),
    (D(2026, 2, 13), 30, "CAL", D(2026, 3, 16)),  # 15 Mar is a Sunday
    (D(2026, 1, 20), 30, "CAL", D(2026, 2, 23)),  # ends 19 Feb (Tết) -> next working day Mon 23 Feb
    (D(2026, 2, 2), 15, "CAL", D(2026, 2, 23)),  # ends 17 Feb, Tết day 1
    (D(2026, 2, 9), 3, "CAL", D(2026, 2, 12)),  # ends on a working day: unchanged
    # Tết 2027: Tết day 1 is Sat 6 Feb; the library's holidays run Thu 4 - Wed 10 Feb.
    (D(2027, 1, 29), 10, "WD", D(2027, 2, 19)),  # 1, 2, 3, 11, 12, 15-19 Feb
    (D(2027, 1, 7), 30, "CAL", D(2027, 2, 11)),  # ends 6 Feb (Tết day 1) -> Thu 11 Feb
    # 30/4 - 1/5 2026 (Thu, Fri)
    (D(2026, 4, 29), 1, "WD", D(2026, 5, 4)),
    (D(2026, 4, 29), 10, "WD", D(2026, 5, 15)),  # 4-8, 11-15 May
    (D(2026, 3, 31), 30, "CAL", D(2026, 5, 4)),  # ends 30 Apr -> Mon 4 May
    (D(2026, 4, 1), 30, "CAL", D(2026, 5, 4)),  # ends 1 May
    # 2/9 2026 (Wed, with Tue 1 Sep)
    (D(2026, 9, 1), 7, "WD", D(2026, 9, 11)),  # 3, 4, 7-11 Sep
    (D(2026, 8, 3), 30, "CAL", D(2026, 9, 3)),  # ends 2 Sep -> Thu 3 Sep
    (D(2026, 9, 2), 0, "CAL", D(2026, 9, 3)),
]


@pytest.mark.parametrize(("start", "duration", "unit", "due"), TABLE)
def test_due_date_table(start: dt.date, duration: int, unit: str, due: dt.date) -> None:
    assert policy.due_date(start, duration, unit, CAL) == due


def test_extensions_and_pauses_add_days() -> None:
    assert policy.due_date(D(2026, 3, 2), 30, "CAL", CAL, extension_days=30) == D(2026, 5, 4)
    assert policy.due_date(D(2026, 3, 2), 30, "CAL", CAL, paused_days=10) == D(2026, 4, 13)
    with pytest.raises(ValueError):
        policy.due_date(D(2026, 3, 2), -1, "CAL", CAL)


def test_days_left_and_pauses() -> None:
    assert policy.days_left(D(2026, 2, 13), D(2026, 3, 6), "WD", CAL) == 10
    assert policy.days_left(D(2026, 3, 9), D(2026, 3, 6), "WD", CAL) == -1
    assert policy.days_left(D(2026, 3, 1), D(2026, 3, 16), "CAL", CAL) == 15
    assert policy.paused_length(D(2026, 3, 5), D(2026, 3, 10), "WD", CAL) == 3
    assert policy.paused_length(D(2026, 3, 5), D(2026, 3, 10), "CAL", CAL) == 5
    assert policy.paused_length(D(2026, 3, 10), D(2026, 3, 5), "CAL", CAL) == 0


def test_check_extension() -> None:
    assert policy.check_extension(30, 0, max_days=30, max_count=1) is None
    assert policy.check_extension(31, 0, max_days=30, max_count=1) == "too_long"
    assert policy.check_extension(0, 0, max_days=30, max_count=1) == "too_long"
    assert policy.check_extension(30, 1, max_days=30, max_count=1) == "too_many"
    assert policy.check_extension(30, 0, max_days=None, max_count=0) == "no_extension"


dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2029, 12, 31))
durations = st.integers(min_value=0, max_value=120)


@settings(max_examples=200, deadline=None)
@given(dates, durations)
def test_working_day_result_is_a_working_day_after_start(start: dt.date, n: int) -> None:
    due = policy.add_working_days(start, n, CAL)
    assert due >= start
    if n > 0:
        assert due > start and CAL.is_working_day(due)
        assert policy.working_days_between(start, due, CAL) == n


@settings(max_examples=200, deadline=None)
@given(dates, durations)
def test_calendar_day_result_is_start_plus_n_or_next_working_day(start: dt.date, n: int) -> None:
    due = policy.add_calendar_days(start, n, CAL)
    end = start + dt.timedelta(days=n)
    assert due >= end and CAL.is_working_day(due)
    assert all(not CAL.is_working_day(end + dt.timedelta(days=k)) for k in range((due - end).days))


@settings(max_examples=200, deadline=None)
@given(dates, durations, st.integers(min_value=0, max_value=30), st.sampled_from(["CAL", "WD"]))
def test_monotonic_in_duration(start: dt.date, n: int, extra: int, unit: str) -> None:
    assert policy.due_date(start, n, unit, CAL) <= policy.due_date(start, n + extra, unit, CAL)


@settings(max_examples=100, deadline=None)
@given(dates, durations, st.sampled_from(["CAL", "WD"]))
def test_monotonic_in_start(start: dt.date, n: int, unit: str) -> None:
    later = start + dt.timedelta(days=1)
    assert policy.due_date(start, n, unit, CAL) <= policy.due_date(later, n, unit, CAL)


@settings(max_examples=100, deadline=None)
@given(dates, durations)
def test_days_left_is_zero_on_the_due_date(start: dt.date, n: int) -> None:
    for unit in ("CAL", "WD"):
        due = policy.due_date(start, n, unit, CAL)
        assert policy.days_left(due, due, unit, CAL) == 0
