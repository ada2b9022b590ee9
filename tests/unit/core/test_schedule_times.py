"""The schedule's next run, from its expression: cron() checked against pyawscron (an independent reading of
EventBridge's dialect, in UTC), rate() and time zones by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from glacier_cleanup.core.schedule_times import ScheduleError, check_expression, next_run_by
from hypothesis import given, settings
from hypothesis import strategies as st
from pyawscron import AWSCron

NO_WINDOW = timedelta(0)
AFTER = datetime(2026, 12, 7, 17, 46, 21, tzinfo=UTC)


def _next(expression: str, after: datetime = AFTER, *, zone: str = "UTC", scheduled: datetime | None = None):
    return next_run_by(expression, time_zone=zone, window=NO_WINDOW, after=after, scheduled=scheduled)


def _steps(low: int, high: int) -> st.SearchStrategy[str]:
    value = st.integers(low, high)
    return st.one_of(
        st.just("*"),
        value.map(str),
        st.tuples(value, value).map(lambda pair: f"{min(pair)}-{max(pair)}"),
        st.tuples(value, st.integers(1, high - low)).map(lambda pair: f"{pair[0]}/{pair[1]}"),
        st.lists(value, min_size=2, max_size=4, unique=True).map(lambda values: ",".join(map(str, values))),
    )


# Days 29-31 are left to the examples below: pyawscron fails on them in a month that lacks them.
_DAY_OF_MONTH = st.one_of(_steps(1, 28), st.just("L"), st.integers(1, 28).map(lambda day: f"{day}W"))
_DAY_OF_WEEK = st.one_of(
    _steps(1, 7),
    st.sampled_from(["MON-FRI", "SAT,SUN", "TUE"]),
    st.integers(1, 7).map(lambda day: f"{day}L"),
    st.tuples(st.integers(1, 7), st.integers(1, 4)).map(lambda pair: f"{pair[0]}#{pair[1]}"),
)
_DAYS = st.one_of(
    _DAY_OF_MONTH.map(lambda field: (field, "?")),
    _DAY_OF_WEEK.map(lambda field: ("?", field)),
)
_YEARS = st.one_of(st.just("*"), st.sampled_from(["2026-2030", "2027", "2026,2028"]))


@settings(max_examples=300, deadline=None)
@given(
    minutes=_steps(0, 59),
    hours=_steps(0, 23),
    days=_DAYS,
    months=_steps(1, 12),
    years=_YEARS,
    offset=st.integers(0, 400 * 24 * 60),
)
def test_cron_next_run_agrees_with_pyawscron(
    minutes: str, hours: str, days: tuple[str, str], months: str, years: str, offset: int
) -> None:
    fields = f"{minutes} {hours} {days[0]} {months} {days[1]} {years}"
    after = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=offset, seconds=17)
    ours = _next(f"cron({fields})", after)
    theirs = AWSCron(fields).occurrence(after).next()
    assert ours == theirs, fields


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("0 10 * * ? *", datetime(2026, 12, 8, 10, 0, tzinfo=UTC)),
        ("30 18 * * ? *", datetime(2026, 12, 7, 18, 30, tzinfo=UTC)),  # later the same day
        ("0 3 ? * MON-FRI *", datetime(2026, 12, 8, 3, 0, tzinfo=UTC)),  # 7 Dec 2026 is a Monday
        ("0 3 ? * 6L *", datetime(2026, 12, 25, 3, 0, tzinfo=UTC)),  # the last Friday of December
        ("0 3 ? * 2#1 *", datetime(2027, 1, 4, 3, 0, tzinfo=UTC)),  # the first Monday of January
        ("0 3 LW * ? *", datetime(2026, 12, 31, 3, 0, tzinfo=UTC)),
        ("0 3 1W * ? *", datetime(2027, 1, 1, 3, 0, tzinfo=UTC)),  # a Friday
        ("0 3 ? * FRI-MON *", datetime(2026, 12, 11, 3, 0, tzinfo=UTC)),  # a range that wraps
        ("0 0 1 JAN ? 2028", datetime(2028, 1, 1, tzinfo=UTC)),
        ("0 3 31 * ? *", datetime(2026, 12, 31, 3, 0, tzinfo=UTC)),
        ("0 3 30 2,3 ? *", datetime(2027, 3, 30, 3, 0, tzinfo=UTC)),  # no 30 February: 30 March
        ("0 3 29 2 ? *", datetime(2028, 2, 29, 3, 0, tzinfo=UTC)),  # the next leap year
    ],
)
def test_cron_examples(fields: str, expected: datetime) -> None:
    assert _next(f"cron({fields})") == expected


def test_cron_in_the_schedules_time_zone_across_daylight_saving() -> None:
    # 02:30 in Berlin: CET (UTC+1) in winter, CEST (UTC+2) from 29 March 2026.
    expression = "cron(30 2 * * ? *)"
    winter = _next(expression, datetime(2026, 3, 27, 12, tzinfo=UTC), zone="Europe/Berlin")
    summer = _next(expression, datetime(2026, 3, 30, 12, tzinfo=UTC), zone="Europe/Berlin")
    assert winter == datetime(2026, 3, 28, 1, 30, tzinfo=UTC)
    assert summer == datetime(2026, 3, 31, 0, 30, tzinfo=UTC)


def test_the_window_is_added_it_is_the_latest_start() -> None:
    window = timedelta(minutes=60)
    by = next_run_by("cron(0 10 * * ? *)", time_zone="UTC", window=window, after=AFTER, scheduled=None)
    assert by == datetime(2026, 12, 8, 11, 0, tzinfo=UTC)


def test_rate_counts_from_the_runs_scheduled_time() -> None:
    scheduled = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
    assert _next("rate(1 day)", scheduled=scheduled) == datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    assert _next("rate(6 hours)", scheduled=scheduled) == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)


def test_rate_after_an_on_demand_run_bounds_the_unknown_phase_by_one_period() -> None:
    assert _next("rate(1 day)") == AFTER + timedelta(days=1)


def test_rate_after_a_run_that_started_a_period_late_is_still_in_the_future() -> None:
    scheduled = AFTER - timedelta(hours=30)
    by = _next("rate(1 day)", scheduled=scheduled)
    assert by is not None
    assert AFTER < by <= AFTER + timedelta(days=1)


def test_a_cron_whose_years_have_passed_has_no_next_run() -> None:
    assert _next("cron(0 0 1 1 ? 2020)") is None


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 10 * * * *)",  # '?' in neither day field
        "cron(0 10 ? * ? *)",  # in both
        "cron(0 10 * * ?)",  # five fields
        "cron(61 10 * * ? *)",
        "cron(0 10 ? * 8 *)",
        "cron(0 10 ? * 2#6 *)",
        "cron(0 10 * FOO ? *)",
        "cron(0/0 10 * * ? *)",
        "at(2026-12-08T10:00:00)",
        "rate(0 days)",
    ],
)
def test_bad_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError):
        check_expression(expression)
