"""Activity drills: an uploader that keeps adding parts across scheduled runs to an upload far older than
the threshold, and an outage of the observation store. The real adapters: Glacier on the emulator, the
observation table on moto's DynamoDB; the schedule's clock is injected (one run a day).

Invariants: an upload whose parts changed within the idle time is never aborted; it is aborted by the first
run after it has been idle for the idle time; a store outage aborts nothing, and the run says so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from glacier_cleanup.aws.glacier import GlacierAdapter
from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.core.engine import run_cleanup
from glacier_cleanup.core.models import CleanupPlan, RunSummary

from glacier_emulator.client_helpers import create_observation_table, initiate_with_creation_date
from glacier_emulator.handles import InProcessHandle

MIB = 1048576
DAY = timedelta(days=1)
START = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # the schedule's first run
TABLE = "observations"


@pytest.fixture
def table(glacier_in_process: InProcessHandle) -> str:
    return create_observation_table(glacier_in_process.aws_client("dynamodb"), TABLE)


def scheduled_run(glacier: InProcessHandle, at: datetime, table: str = TABLE, **plan: Any) -> RunSummary:
    glacier.set_clock(at)  # the service's clock: the looks are dated by it
    session = boto3.session.Session(region_name="us-east-1")
    return run_cleanup(
        GlacierAdapter(glacier.client()),
        CleanupPlan(
            **{
                "dry_run": False,
                "older_than": timedelta(hours=168),
                "activity_check": True,
                "idle": timedelta(hours=48),
                "concurrency": 4,
                **plan,
            }
        ),
        clock=lambda: at,
        observations=DynamoObservationStore(session, table),
        account="123456789012",
        region="us-east-1",
    )


def add_part(glacier: InProcessHandle, vault: str, upload_id: str, number: int) -> None:
    glacier.client().upload_multipart_part(
        vaultName=vault,
        uploadId=upload_id,
        range=f"bytes {number * MIB}-{(number + 1) * MIB - 1}/*",
        body=bytes([number]) * MIB,
    )


def test_an_upload_written_across_daily_runs_is_aborted_only_once_idle_for_the_idle_time(
    glacier_in_process: InProcessHandle, table: str
) -> None:
    glacier = glacier_in_process
    glacier.create_vault("backups")
    # Started 60 days before the first run: far older than the 168 h threshold all along.
    upload = initiate_with_creation_date(glacier.client(), "backups", START - timedelta(days=60))
    aborted_at = None
    for day in range(8):
        if day <= 3:
            add_part(glacier, "backups", upload, day)  # the uploader is still at work before days 0-3
        # Each run 10 s later in the day than the one before (a schedule's jitter): the looks are dated by
        # Glacier's Date, in whole seconds, as each answer comes, and two looks exactly 48 h apart by the
        # schedule can be a second short of it by the service's clock.
        summary = scheduled_run(glacier, START + day * (DAY + timedelta(seconds=10)))
        assert summary.status == "ok"
        if glacier.aborts():
            aborted_at = day
            break
        expected = "uploads_first_seen" if day == 0 else "uploads_active" if day <= 3 else "uploads_waiting"
        assert getattr(summary, expected) == 1, (day, summary.to_result())
    # Last change seen on day 3; unchanged on day 4 (24 h) and day 5 (48 h): aborted by day 5's run.
    assert aborted_at == 5
    [record] = glacier.aborts()
    assert record["upload_id"] == upload


def test_a_store_outage_aborts_nothing_and_the_run_says_why(
    glacier_in_process: InProcessHandle, table: str
) -> None:
    glacier = glacier_in_process
    glacier.seed("backups", 20, creation_date=START - timedelta(days=60))
    first = scheduled_run(glacier, START)
    assert first.uploads_first_seen == 20

    # Two days later every upload is idle, but the table cannot be read (deleted, throttled, denied).
    outage = scheduled_run(glacier, START + 2 * DAY, table="no-such-table")
    assert glacier.aborts() == []
    assert (outage.status, outage.activity_failures, outage.uploads_stale) == ("partial", 20, 0)
    assert outage.failures[0].error.startswith("activity unknown, kept: observation store: ResourceNotFound")

    # The store is back: the next run aborts what stayed idle since the first look.
    after = scheduled_run(glacier, START + 3 * DAY)
    assert (after.status, after.uploads_aborted) == ("ok", 20)
    assert len(glacier.aborts()) == 20


def test_turning_the_check_off_is_age_alone(glacier_in_process: InProcessHandle, table: str) -> None:
    glacier = glacier_in_process
    glacier.create_vault("backups")
    upload = initiate_with_creation_date(glacier.client(), "backups", START - timedelta(days=60))
    add_part(glacier, "backups", upload, 0)
    summary = scheduled_run(glacier, START, activity_check=False)
    # The operator's explicit choice: an old upload is aborted at once, whatever it is receiving.
    assert (summary.uploads_aborted, summary.to_result()["activity_check"]) == (1, False)
