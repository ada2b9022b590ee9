"""When the schedule runs next, from its own expression: EventBridge Scheduler's rate() and cron()
(docs/records.md, "Notice before abort"). The notice of what the next run will abort needs a time the next
run cannot start later than: the next scheduled time plus the flexible window.

cron() is EventBridge's six-field dialect (minutes hours day-of-month month day-of-week year; day-of-week 1-7
is SUN-SAT; `?`, `L`, `W`, `#`), evaluated in the schedule's time zone. No library in the function's stack
reads it (croniter reads the Unix dialect, whose day-of-week numbers differ); tests/unit/core/
test_schedule_times.py checks this reading against pyawscron, an independent one.
"""

from __future__ import annotations

import calendar
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_RATE = re.compile(r"^rate\((?P<value>[1-9]\d*) (?P<unit>minutes?|hours?|days?)\)$")
_CRON = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
_UNIT = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_MONTHS = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
# How far ahead a cron() schedule is searched: a year field can put its next run years away.
_HORIZON_DAYS = 366 * 8


class ScheduleError(ValueError):
    """An expression this module cannot read (the config refuses it before deploying)."""


def _number(text: str, names: dict[str, int]) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ScheduleError(f"{text!r} is not a number{' or a name' if names else ''}")
    return int(text)


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """The values a field's `,`-separated items allow: `*`, `a`, `a-b`, with an optional `/step`."""
    names = names or {}
    allowed: set[int] = set()
    for item in field.split(","):
        span, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ScheduleError(f"step {step_text!r} must be 1 or more")
        if span in ("*", "?"):
            first, last = low, high
        elif "-" in span:
            start, end = span.split("-", 1)
            first, last = _number(start, names), _number(end, names)
        else:
            first = _number(span, names)
            last = high if step_text else first
        if not (low <= first <= high and low <= last <= high):
            raise ScheduleError(f"{item!r} is outside {low}-{high}")
        if first <= last:
            allowed.update(range(first, last + 1, step))
        else:  # a range that wraps (FRI-MON)
            size = high - low + 1
            allowed.update(low + (value - low) % size for value in range(first, last + size + 1, step))
    return frozenset(allowed)


def _weekday(day: date) -> int:
    """EventBridge's day-of-week: 1 is Sunday."""
    return day.isoweekday() % 7 + 1


def _nearest_weekday(year: int, month: int, wanted: int) -> int:
    """`nW`: the weekday (Monday-Friday) nearest day `wanted`, within the month."""
    last = calendar.monthrange(year, month)[1]
    day = min(wanted, last)
    weekday = date(year, month, day).weekday()  # Monday 0
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < last else day - 2
    return day


@dataclass(frozen=True)
class _Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: str
    months: frozenset[int]
    day_of_week: str
    years: frozenset[int]

    @classmethod
    def parse(cls, fields: list[str]) -> _Cron:
        if len(fields) != 6:
            raise ScheduleError(f"cron() needs 6 fields, got {len(fields)}")
        minutes, hours, day_of_month, months, day_of_week, years = fields
        if (day_of_month == "?") == (day_of_week == "?"):
            raise ScheduleError("cron() needs '?' in exactly one of day-of-month and day-of-week")
        cron = cls(
            _values(minutes, 0, 59),
            _values(hours, 0, 23),
            day_of_month.upper(),
            _values(months, 1, 12, _MONTHS),
            day_of_week.upper(),
            _values(years, 1970, 2199),
        )
        cron.matches(date(2000, 1, 1))  # reads the day fields once, so a bad one fails here
        return cron

    def matches(self, day: date) -> bool:
        if day.month not in self.months or day.year not in self.years:
            return False
        if self.day_of_week == "?":
            return self._day_of_month_matches(day)
        return self._day_of_week_matches(day)

    def _day_of_month_matches(self, day: date) -> bool:
        field, last = self.day_of_month, calendar.monthrange(day.year, day.month)[1]
        if field == "L":
            return day.day == last
        if field == "LW":
            return day.day == _nearest_weekday(day.year, day.month, last)
        if field.endswith("W"):
            return day.day == _nearest_weekday(day.year, day.month, _number(field[:-1], {}))
        return day.day in _values(field, 1, 31)

    def _day_of_week_matches(self, day: date) -> bool:
        field, weekday = self.day_of_week, _weekday(day)
        if field == "L":
            field = "7L"  # as in Quartz: the month's last Saturday
        if field.endswith("L"):
            return (
                weekday == _number(field[:-1], _WEEKDAYS)
                and day.day + 7 > calendar.monthrange(day.year, day.month)[1]
            )
        if "#" in field:
            wanted, nth = field.split("#", 1)
            if not 1 <= int(nth) <= 5:
                raise ScheduleError(f"{field!r}: the week must be 1-5")
            return weekday == _number(wanted, _WEEKDAYS) and (day.day - 1) // 7 + 1 == int(nth)
        return weekday in _values(field, 1, 7, _WEEKDAYS)

    def next_after(self, moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime | None:
        """The first scheduled time strictly after `moment`, in UTC; None within the horizon."""
        local = moment.astimezone(zone)
        times = sorted((hour, minute) for hour in self.hours for minute in self.minutes)
        day = local.date()
        for _ in range(_HORIZON_DAYS):
            if self.matches(day):
                for hour, minute in times:
                    candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                    if candidate.astimezone(UTC) > moment:
                        return candidate.astimezone(UTC)
            day += timedelta(days=1)
        return None


def check_expression(expression: str) -> None:
    """Raises ScheduleError when `expression` is not a rate() or cron() this module can evaluate."""
    if _RATE.match(expression):
        return
    cron = _CRON.match(expression)
    if not cron:
        raise ScheduleError(f"{expression!r} is neither rate(<n> <unit>) nor cron(<6 fields>)")
    _Cron.parse(cron["fields"].split())


def next_run_by(
    expression: str, *, time_zone: str, window: timedelta, after: datetime, scheduled: datetime | None
) -> datetime | None:
    """The latest time the schedule's next run may start, after a run that started at `after` (aware).

    rate(): the schedule's period after this run's scheduled time when the run was scheduled; after an
    on-demand run the schedule's phase is unknown, and the period after `after` bounds it. cron(): the next
    time the expression names after this run. Either way plus the flexible window, within which Scheduler
    may start it. None when the expression names no time within eight years.
    """
    rate = _RATE.match(expression)
    if rate:
        period = int(rate["value"]) * _UNIT[rate["unit"].rstrip("s")]
        base = scheduled if scheduled is not None else after
        following = base + period
        while following <= after:  # a run that started late, past its own next time
            following += period
        return following.astimezone(UTC) + window
    cron = _CRON.match(expression)
    if not cron:
        raise ScheduleError(f"{expression!r} is neither rate(<n> <unit>) nor cron(<6 fields>)")
    zone = zoneinfo.ZoneInfo(time_zone)
    following_time = _Cron.parse(cron["fields"].split()).next_after(after, zone)
    return None if following_time is None else following_time + window
