"""The one place the deadlines feature reads the clock: dates are local to Vietnam."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> dt.date:
    """Today in Vietnam (the sweep's and the screens' "today")."""
    return dt.datetime.now(LOCAL_TZ).date()


def local_date(moment: dt.datetime) -> dt.date:
    """The Vietnamese calendar date of an instant."""
    return moment.astimezone(LOCAL_TZ).date()
