"""`--schedule` (glacier_cleanup.terminal.schedule): the deployed schedule checked before any call, each bad
value named with what is allowed; the next run it bounds; one notice over every region's listing."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import pytest
from glacier_cleanup.aws.glacier import ClientSetupError
from glacier_cleanup.core.outcomes import Action
from glacier_cleanup.core.records import RunContext
from glacier_cleanup.terminal.output import Row
from glacier_cleanup.terminal.schedule import MAX_WINDOW_MINUTES, Schedule, checked_schedule, notice_of_rows
from support.records import judged

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def args(schedule: str | None, time_zone: str = "UTC", window: int = 60) -> argparse.Namespace:
    return argparse.Namespace(schedule=schedule, schedule_time_zone=time_zone, schedule_window_minutes=window)


def test_no_schedule_means_no_notice() -> None:
    assert checked_schedule(args(None, "Mars/Olympus", 99999)) is None


def test_a_rate_is_bounded_one_period_from_now_plus_the_window() -> None:
    schedule = checked_schedule(args("rate(1 day)"))
    assert schedule == Schedule("rate(1 day)", "UTC", timedelta(minutes=60))
    assert schedule.next_run_by(NOW) == NOW + timedelta(days=1, minutes=60)


def test_a_cron_is_read_in_its_time_zone() -> None:
    schedule = checked_schedule(args("cron(0 3 * * ? *)", "Europe/Berlin", 0))
    assert schedule is not None
    # 03:00 in Berlin in December is 02:00 UTC, the next day.
    assert schedule.next_run_by(NOW) == datetime(2026, 12, 8, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "named", "allowed"),
    [
        (args("every day"), "--schedule:", "rate(<n> minutes|hours|days) or cron(<6 fields>)"),
        (args("rate(1 day)", "Mars/Olympus"), "--schedule-time-zone: 'Mars/Olympus'", "Europe/Berlin"),
        (args("rate(1 day)", "../etc/passwd"), "--schedule-time-zone:", "IANA"),
        (args("rate(1 day)", window=MAX_WINDOW_MINUTES + 1), "--schedule-window-minutes: 1441", "0-1440"),
        (args("rate(1 day)", window=-1), "--schedule-window-minutes: -1", "0-1440"),
    ],
)
def test_a_bad_value_is_named_with_what_is_allowed(
    value: argparse.Namespace, named: str, allowed: str
) -> None:
    with pytest.raises(ClientSetupError) as raised:
        checked_schedule(value)
    assert str(raised.value).startswith(named)
    assert allowed in str(raised.value)


def test_the_edges_of_the_window_are_allowed() -> None:
    assert checked_schedule(args("rate(1 day)", window=0)) is not None
    assert checked_schedule(args("rate(1 day)", window=MAX_WINDOW_MINUTES)) is not None


def test_one_notice_covers_every_region_listed() -> None:
    next_run = NOW + timedelta(days=1)
    context = RunContext("cli", NOW, "terminal", timedelta(hours=168), next_run)
    rows = [
        Row("111111111111", "eu-west-1", judged(Action.CAPPED, "a", size=10)),
        Row("111111111111", "us-east-1", judged(Action.WAITING, "b", unchanged=160.0, size=20)),
        Row("111111111111", "us-east-1", judged(Action.WAITING, "c", unchanged=1.0, size=40)),  # not yet
        Row("111111111111", "us-east-1", judged(Action.ABORTED, "d", size=80)),
    ]
    notice = notice_of_rows(rows, context)
    assert [(p.region, p.upload_id) for p in notice.pending] == [("eu-west-1", "a"), ("us-east-1", "b")]
    assert (notice.uploads, notice.bytes, notice.next_run) == (2, 30, next_run)
    assert notice_of_rows([], context).uploads == 0
