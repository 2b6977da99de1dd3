"""The SLA clock over business hours, nights, weekends and holidays (Asia/Seoul)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dangol.core.errors import ValidationError
from dangol.service.sla import WorkCalendar, business_add, business_minutes_between

SEOUL = ZoneInfo("Asia/Seoul")
# 2026-11-27 is a Friday; 2026-11-30 a Monday.
FRIDAY = dt.date(2026, 11, 27)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SEOUL)


def test_inside_working_hours_the_clock_runs_like_a_wall_clock():
    calendar = WorkCalendar()
    assert business_add(start=at(FRIDAY, 10), minutes=60, calendar=calendar) == at(FRIDAY, 11)


def test_the_clock_stops_over_the_weekend():
    calendar = WorkCalendar()
    # Friday 17:00 + 2 h = 1 h on Friday, 1 h on Monday from 09:00.
    assert business_add(start=at(FRIDAY, 17), minutes=120, calendar=calendar) == at(
        FRIDAY + dt.timedelta(days=3), 10
    )


def test_a_ticket_opened_at_night_starts_its_clock_next_morning():
    calendar = WorkCalendar()
    thursday = FRIDAY - dt.timedelta(days=1)
    assert business_add(start=at(thursday, 23, 30), minutes=30, calendar=calendar) == at(
        FRIDAY, 9, 30
    )


def test_holidays_are_skipped():
    monday = FRIDAY + dt.timedelta(days=3)
    calendar = WorkCalendar(holidays=frozenset({monday}))
    # Friday 17:00 + 2 h: 1 h Friday, Monday is a holiday, 1 h Tuesday.
    assert business_add(start=at(FRIDAY, 17), minutes=120, calendar=calendar) == at(
        monday + dt.timedelta(days=1), 10
    )


def test_a_lunch_break_is_not_counted():
    calendar = WorkCalendar(hours={"4": [["09:00", "12:00"], ["13:00", "18:00"]]})
    assert business_add(start=at(FRIDAY, 11, 30), minutes=60, calendar=calendar) == at(
        FRIDAY, 13, 30
    )
    assert business_minutes_between(
        start=at(FRIDAY, 11), end=at(FRIDAY, 14), calendar=calendar
    ) == pytest.approx(120)


def test_minutes_between_is_the_inverse_of_add_and_signed():
    calendar = WorkCalendar()
    start = at(FRIDAY, 16, 15)
    end = business_add(start=start, minutes=1000, calendar=calendar)
    assert business_minutes_between(start=start, end=end, calendar=calendar) == pytest.approx(1000)
    assert business_minutes_between(start=end, end=start, calendar=calendar) == pytest.approx(-1000)


def test_time_zones_are_respected():
    calendar = WorkCalendar()
    # 01:00 UTC on Friday is 10:00 in Seoul.
    start = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)
    assert business_add(start=start, minutes=30, calendar=calendar) == at(FRIDAY, 10, 30)


@pytest.mark.parametrize(
    "hours",
    [{"7": [["09:00", "18:00"]]}, {"0": [["18:00", "09:00"]]}, {"0": [["9", "10"]]}],
)
def test_malformed_hours_are_rejected(hours):
    with pytest.raises(ValidationError):
        WorkCalendar(hours=hours)


def test_a_calendar_without_working_time_fails_instead_of_looping():
    with pytest.raises(ValidationError, match="no working hours"):
        business_add(start=at(FRIDAY, 9), minutes=1, calendar=WorkCalendar(hours={}))
