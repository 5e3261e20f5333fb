"""Business days in clinic time: the clock that concerns and questions are answered on.

A business day is Monday to Friday in the clinic's time zone (`TIME_ZONE`), except the dates in
`CLINIC_HOLIDAYS`. Something due "within N business days" of a moment is due at the end of the
Nth business day after the day it happened (in clinic time), so a concern raised on a Friday
evening is due to be acknowledged by the end of the following Tuesday.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def _holidays() -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(day) for day in settings.CLINIC_HOLIDAYS)


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays()


def end_of_clinic_day(day: dt.date) -> dt.datetime:
    """The last moment of `day` in clinic time (aware)."""
    start_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(start_next) - dt.timedelta(microseconds=1)


def add_business_days(moment: dt.datetime, days: int) -> dt.datetime:
    """The end of the `days`-th business day after the clinic-time day of `moment`."""
    day = timezone.localtime(moment).date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return end_of_clinic_day(day)


def business_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Whole business days that ended after the clinic-time day of `start` and by `end`: 0 on
    the same day, 1 once the next business day is over, and so on."""
    first, last = timezone.localtime(start).date(), timezone.localtime(end).date()
    count, day = 0, first + dt.timedelta(days=1)
    while day < last:
        if is_business_day(day):
            count += 1
        day += dt.timedelta(days=1)
    return count


def month_start(now: dt.datetime) -> dt.datetime:
    """The first moment of the clinic-time month `now` falls in (aware)."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
