"""`--schedule`: the deployed stack's schedule, so that the terminal tool's summary says what the stack's next
run will abort unless it changes (core/notice.py); checked before any call."""

from __future__ import annotations

import argparse
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from glacier_cleanup.aws.glacier import ClientSetupError
from glacier_cleanup.core.notice import Notice, notice_of
from glacier_cleanup.core.records import RunContext
from glacier_cleanup.core.schedule_times import ScheduleError, check_expression, next_run_by
from glacier_cleanup.terminal.output import Row

MAX_WINDOW_MINUTES = 1440


@dataclass(frozen=True)
class Schedule:
    expression: str
    time_zone: str
    window: timedelta

    def next_run_by(self, after: datetime) -> datetime | None:
        """The latest the next scheduled run may start: the stack's phase is unknown here, so for a rate()
        one period from now bounds it."""
        return next_run_by(
            self.expression, time_zone=self.time_zone, window=self.window, after=after, scheduled=None
        )


def checked_schedule(args: argparse.Namespace) -> Schedule | None:
    if args.schedule is None:
        return None
    try:
        check_expression(args.schedule)
    except ScheduleError as exc:
        raise ClientSetupError(
            f"--schedule: {exc} (allowed: rate(<n> minutes|hours|days) or cron(<6 fields>), as the stack's "
            "schedule_expression)"
        ) from exc
    if args.schedule_time_zone not in ("UTC", "Etc/UTC"):
        try:
            zoneinfo.ZoneInfo(args.schedule_time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ClientSetupError(
                f"--schedule-time-zone: {args.schedule_time_zone!r} is not an IANA time zone name "
                "(allowed: names like UTC or Europe/Berlin)"
            ) from exc
    if not 0 <= args.schedule_window_minutes <= MAX_WINDOW_MINUTES:
        raise ClientSetupError(
            f"--schedule-window-minutes: {args.schedule_window_minutes} is outside 0-{MAX_WINDOW_MINUTES}"
        )
    return Schedule(args.schedule, args.schedule_time_zone, timedelta(minutes=args.schedule_window_minutes))


def notice_of_rows(rows: Iterable[Row], context: RunContext) -> Notice:
    """The invocation's notice over every region it ran in (none without --schedule)."""
    notice = Notice(context.next_run, counted=(0, 0))
    for row in rows:
        notice = notice.merged(notice_of([row.outcome], context, account=row.account, region=row.region))
    return notice
