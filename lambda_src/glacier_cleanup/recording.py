"""What a function run leaves behind for people (docs/records.md): its decision records in the stack's bucket,
and the notice of what the schedule's next run will abort unless it changes."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Any

from glacier_cleanup.aws.decision_records import RecordsBucket, RecordsNotWrittenError
from glacier_cleanup.aws.glacier import AwsSession
from glacier_cleanup.core.models import CleanupPlan
from glacier_cleanup.core.notice import Notice, notice_of
from glacier_cleanup.core.records import Collected, RunContext, decision_record, object_key
from glacier_cleanup.core.run_message import RunTotals, run_message
from glacier_cleanup.core.schedule_times import next_run_by
from glacier_cleanup.inputs.settings import Settings
from glacier_cleanup.observability import logger


def next_run(settings: Settings, *, after: datetime, scheduled: datetime | None) -> datetime | None:
    """The latest time the schedule's next run may start (None: no schedule, or its zone is unknown here)."""
    if settings.schedule_expression is None:
        return None
    try:
        return next_run_by(
            settings.schedule_expression,
            time_zone=settings.schedule_time_zone,
            window=timedelta(minutes=settings.schedule_window_minutes),
            after=after,
            scheduled=scheduled,
        )
    except zoneinfo.ZoneInfoNotFoundError:
        # Only a runtime without that zone's data: the run goes on, its notice says "not known".
        logger.warning(
            "the schedule's time zone is not known to this runtime: no notice of the next run",
            schedule_time_zone=settings.schedule_time_zone,
        )
        return None


def run_context(
    settings: Settings, plan: CleanupPlan, *, source: str, run_id: str, scheduled: datetime | None = None
) -> RunContext:
    """What every record of one run shares. A scheduled run's rounds share its id and time (the schedule's);
    another run's time is now."""
    now = datetime.now(UTC)
    idle = plan.idle if plan.activity_check else None
    if scheduled is not None:
        moment = scheduled.astimezone(UTC)
        run_id, run_time = f"schedule-{moment:%Y%m%dT%H%M%SZ}", moment
    else:
        run_time = now
    following = next_run(settings, after=now, scheduled=scheduled)
    return RunContext(run_id, run_time, source, idle, following)


def left_behind(
    session: AwsSession,
    settings: Settings,
    collected: Collected,
    run: RunContext,
    *,
    round_: int,
    account: str,
    region: str,
) -> tuple[Notice, dict[str, Any]]:
    """The run's notice, and the result's keys for it and for the records written."""
    notice = notice_of(collected.outcomes, run, account=account, region=region)
    if notice.uploads:
        logger.info(
            "will be aborted at the next run unless it changes",
            next_run=notice.to_result()["by"],
            uploads=notice.uploads,
            bytes=notice.bytes,
            first=notice.to_result()["first"],
        )
    written = write_records(session, settings, collected, run, round_=round_, account=account, region=region)
    return notice, {"next_run": notice.to_result(), **written}


def run_summary_message(
    settings: Settings,
    run: RunContext,
    result: dict[str, Any],
    notice: Notice,
    *,
    earlier: dict[str, int],
    rounds: int,
) -> dict[str, Any]:
    """The scheduled run's message for people (core/run_message.py), as of this round: the state machine
    publishes the one its last round made."""
    bucket = settings.records_bucket
    day = run.run_time
    records = (
        f"s3://{bucket}/records/year={day:%Y}/month={day:%m}/day={day:%d}/ (run {run.run_id}; Athena: the "
        "stack's records workgroup)"
        if bucket
        else None
    )
    return run_message(
        name=f"target {settings.target}",
        run_id=run.run_id,
        totals=RunTotals.of(result, earlier, rounds=rounds),
        notice=notice,
        failures=result.get("failures") or (),
        records=records,
        always=settings.summary_always,
        retiring=result.get("decommission") or (),
    )


def write_records(
    session: AwsSession,
    settings: Settings,
    collected: Collected,
    run: RunContext,
    *,
    round_: int,
    account: str,
    region: str,
) -> dict[str, Any]:
    """The run's decision records into the stack's bucket, when it has one; what was written, for the
    result. A failure is logged with its reason and does not change what the run did."""
    bucket = settings.records_bucket
    if bucket is None or not collected.outcomes:
        return {}
    records = [decision_record(o, account=account, region=region, run=run) for o in collected.outcomes]
    organization = run.source == "organization"
    place = {"account": account, "region": region} if organization else {}
    key = object_key(run, round_=round_, **place)
    try:
        RecordsBucket(session, bucket).put(key, records)
    except RecordsNotWrittenError as exc:
        logger.error(
            "decision records not written: the log lines of this run say what it did", error=str(exc)
        )
        return {"records": {"written": 0, "error": str(exc)}}
    logger.info("decision records written", records_key=key, records=len(records))
    return {"records": {"written": len(records), "key": key}}
