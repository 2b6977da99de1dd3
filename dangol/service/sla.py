"""The SLA clock: time counted in business hours, skipping nights, weekends and holidays.

Pure functions over a ``WorkCalendar`` value, so the clock is testable without a
database and the same code computes due times, remaining time and breaches.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dangol.core.errors import ValidationError

# A calendar with no working time at all would make every due time unreachable; the
# clock gives up after this many days rather than loop forever.
MAX_DAYS = 3 * 366

DEFAULT_HOURS: dict[str, list[list[str]]] = {
    str(day): [["09:00", "18:00"]]
    for day in range(5)  # Monday to Friday, 9 to 6
}


def _parse_time(value: str) -> dt.time:
    try:
        hours, minutes = (int(part) for part in value.split(":"))
        if (hours, minutes) == (24, 0):
            return dt.time.max
        return dt.time(hours, minutes)
    except (ValueError, AttributeError) as exc:
        raise ValidationError(f"Not a time of day: {value!r}", field="hours") from exc


def hours_validate(hours: Mapping[str, Iterable[Iterable[str]]]) -> dict[int, list[tuple]]:
    """Return weekly hours as ``{weekday: [(start, end), ...]}``, checked and sorted.

    :param hours: ``{"0": [["09:00", "12:00"], ["13:00", "18:00"]], ...}`` with 0 = Monday.
    :raises ValidationError: a weekday outside 0-6, a malformed time, an empty or
        overlapping interval.
    """
    result: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for key, intervals in hours.items():
        try:
            weekday = int(key)
        except ValueError as exc:
            raise ValidationError(f"Not a weekday: {key!r}", field="hours") from exc
        if not 0 <= weekday <= 6:
            raise ValidationError(f"Weekday must be 0 (Monday) to 6: {key!r}", field="hours")
        parsed = sorted((_parse_time(a), _parse_time(b)) for a, b in intervals)
        for start, end in parsed:
            if end <= start:
                raise ValidationError(
                    f"Working hours must end after they start ({start:%H:%M})", field="hours"
                )
        for (_, end), (start, _) in itertools.pairwise(parsed):
            if start < end:
                raise ValidationError("Working hours overlap", field="hours")
        result[weekday] = parsed
    return result


@dataclass(frozen=True)
class WorkCalendar:
    """Working hours per weekday in one time zone, and the holidays (whole days off)."""

    timezone: str = "Asia/Seoul"
    hours: Mapping[str, Iterable[Iterable[str]]] = field(default_factory=lambda: DEFAULT_HOURS)
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_weekly", hours_validate(self.hours))
        object.__setattr__(self, "_zone", ZoneInfo(self.timezone))

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Return the working intervals of ``day`` as aware datetimes (none on a holiday)."""
        if day in self.holidays:
            return []
        zone = self._zone
        out = []
        for start, end in self._weekly.get(day.weekday(), []):
            begin = dt.datetime.combine(day, start, zone)
            if end == dt.time.max:
                finish = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
            else:
                finish = dt.datetime.combine(day, end, zone)
            out.append((begin, finish))
        return out


def business_add(*, start: dt.datetime, minutes: float, calendar: WorkCalendar) -> dt.datetime:
    """Return the moment ``minutes`` of working time after ``start``.

    A ticket opened at night starts its clock when work starts the next working day.
    :raises ValidationError: the calendar has no working time within ``MAX_DAYS``.
    """
    if start.tzinfo is None:
        raise ValidationError("The start of an SLA clock must be time-zone aware")
    remaining = dt.timedelta(minutes=minutes)
    day = start.astimezone(calendar._zone).date()
    for _ in range(MAX_DAYS):
        for begin, finish in calendar.intervals(day):
            if finish <= start:
                continue
            begin = max(begin, start)
            available = finish - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += dt.timedelta(days=1)
    raise ValidationError("The working calendar has no working hours", field="calendar")


def business_minutes_between(
    *, start: dt.datetime, end: dt.datetime, calendar: WorkCalendar
) -> float:
    """Return the working minutes from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -business_minutes_between(start=end, end=start, calendar=calendar)
    total = dt.timedelta()
    day = start.astimezone(calendar._zone).date()
    last = end.astimezone(calendar._zone).date()
    while day <= last:
        for begin, finish in calendar.intervals(day):
            lo, hi = max(begin, start), min(finish, end)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total.total_seconds() / 60
