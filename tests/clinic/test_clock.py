"""The business-day clock in clinic time (Europe/London in tests)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from clinic.clock import add_business_days, business_days_between

LONDON = ZoneInfo("Europe/London")


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=LONDON)


def test_two_business_days_from_a_wednesday_end_on_friday_night():
    due = add_business_days(at("2026-12-02"), 2)
    assert due.astimezone(LONDON).date() == dt.date(2026, 12, 4)
    assert (due.astimezone(LONDON).hour, due.astimezone(LONDON).minute) == (23, 59)


def test_a_concern_on_friday_evening_is_due_on_tuesday_not_sunday():
    due = add_business_days(at("2026-12-04", "18:30"), 2)
    assert due.astimezone(LONDON).date() == dt.date(2026, 12, 8)


def test_the_day_is_the_clinics_not_utc():
    # Friday 23:30 UTC is still Friday in London: the next business day is Monday.
    friday_late_utc = dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC)
    assert add_business_days(friday_late_utc, 1).astimezone(LONDON).date() == dt.date(2026, 12, 7)


def test_holidays_are_not_business_days(settings):
    settings.CLINIC_HOLIDAYS = ["2026-12-25", "2026-12-28"]
    due = add_business_days(at("2026-12-24"), 2)
    assert due.astimezone(LONDON).date() == dt.date(2026, 12, 30)


def test_business_days_between_counts_whole_working_days_after_the_first():
    assert business_days_between(at("2026-12-02"), at("2026-12-02", "23:00")) == 0
    assert business_days_between(at("2026-12-02"), at("2026-12-04")) == 1  # Thursday is over
    assert business_days_between(at("2026-12-04"), at("2026-12-08")) == 1  # Monday only
    assert business_days_between(at("2026-12-04"), at("2026-12-09")) == 2
