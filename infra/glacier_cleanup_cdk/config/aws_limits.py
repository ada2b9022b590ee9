"""AWS's own limits on what the config describes, checked before anything is synthesized (a value AWS
would refuse fails here with the field's name, not in CloudFormation halfway through a deploy)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from glacier_cleanup.core.schedule_times import ScheduleError, check_expression, next_run_by

from .fields import conflict

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
# PutMetricAlarm limits on Period x EvaluationPeriods.
MAX_ALARM_RANGE_MINUTES = 7 * 24 * 60
MAX_SHORT_PERIOD_ALARM_RANGE_MINUTES = 24 * 60

# EventBridge Scheduler's schedule expressions.
RATE = re.compile(r"^rate\((?P<value>[1-9]\d*) (?P<unit>minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*?,/#\-]+$")
UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


def check_time_zone(name: str) -> None:
    if name in ("UTC", "Etc/UTC"):
        return  # valid even where the host has no time zone database
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise conflict("schedule_time_zone", f"{name!r} is not an IANA time zone name") from exc


def check_readable(expression: str, time_zone: str) -> None:
    """The function reads the expression for its notice of the next run (core/schedule_times.py): a cron()
    it cannot read, or one that names no time ahead, is refused here."""
    try:
        check_expression(expression)
        following = next_run_by(
            expression, time_zone=time_zone, window=timedelta(0), after=datetime.now(UTC), scheduled=None
        )
    except ScheduleError as exc:
        raise conflict("schedule_expression", str(exc)) from exc
    if following is None:
        raise conflict("schedule_expression", "cron() names no time in the next eight years")


def check_cron_fields(fields: Sequence[str]) -> None:
    if len(fields) != 6:
        raise conflict(
            "schedule_expression",
            f"cron() needs 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}",
        )
    if not all(_CRON_FIELD.match(field) for field in fields):
        raise conflict("schedule_expression", "cron() field contains characters Scheduler does not accept")
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise conflict(
            "schedule_expression", "cron() needs '?' in exactly one of day-of-month and day-of-week"
        )
