"""The function's decision records (docs/records.md) in the stack's bucket, with the shipped settings (the
activity check on, its table): one gzip JSON Lines object per run round under `records/`, date-partitioned,
the same records the terminal tool writes; a bucket that cannot be written changes nothing the run did."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from glacier_cleanup.core.records import FIELDS
from glacier_cleanup.handler import lambda_handler
from support.handler_env import FakeLambdaContext, emitted, metric_values

from glacier_emulator.client_helpers import create_observation_table
from glacier_emulator.handles import EmulatorHandle

BUCKET = "glacier-cleanup-records"
SCHEDULED = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def ago(hours: float) -> str:
    return (
        (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


@pytest.fixture
def shipped(glacier: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    table = create_observation_table(glacier.aws_client("dynamodb"), "records-observations")
    monkeypatch.setenv("CLEANUP_OBSERVATION_TABLE", table)
    monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "true")  # the stack's default (these tests' own is off)
    monkeypatch.setenv("CLEANUP_PROTECT_DESCRIPTION_REGEX", "^keep:")
    glacier.seed("backups", 3, creation_date=ago(400))
    glacier.seed("backups", 2, creation_date=ago(1))
    glacier.seed("backups", 1, creation_date=ago(400), archive_description="keep: tape")
    return glacier


def schedule(round_: int = 1) -> dict[str, Any]:
    return {
        "trigger": "schedule",
        "scheduled_time": SCHEDULED.isoformat().replace("+00:00", "Z"),
        "round": round_,
    }


def test_a_scheduled_run_puts_one_record_per_judged_upload_in_the_bucket(
    shipped: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = shipped.aws_client("s3")
    s3.create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("CLEANUP_RECORDS_BUCKET", BUCKET)
    monkeypatch.setenv("CLEANUP_DRY_RUN", "false")  # the stack switched from its first, dry-run deploy

    result = lambda_handler(schedule(), FakeLambdaContext())

    # One object, where the date partitions say, holding the old uploads (not the young ones)
    key = "records/year=2026/month=12/day=07/060000-schedule-20261207T060000Z-round1.jsonl.gz"
    assert result["records"] == {"written": 4, "key": key}
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == [key]
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    records = [json.loads(line) for line in gzip.decompress(body).decode("utf-8").splitlines()]
    assert all(list(record) == [column.name for column in FIELDS] for record in records)
    # The first look keeps the three old ones until the idle time has passed; the protected one is protected
    assert sorted(r["decision"] for r in records) == ["kept_first_seen"] * 3 + ["protected"]
    assert {r["abortable_after"] for r in records if r["decision"] == "kept_first_seen"} == {
        "2026-12-14T06:00:00Z"
    }
    assert {(r["run_id"], r["source"], r["run_time"]) for r in records} == {
        ("schedule-20261207T060000Z", "schedule", "2026-12-07T06:00:00Z")
    }
    assert shipped.aborts() == []
    # Nothing aborted, nothing due before the next run: the run's summary is made but not to be sent
    assert result["message"]["send"] is False
    assert f"s3://{BUCKET}/records/year=2026/month=12/day=07/" in result["message"]["text"]


def test_a_dry_run_records_what_it_would_abort(
    shipped: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = shipped.aws_client("s3")
    s3.create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("CLEANUP_RECORDS_BUCKET", BUCKET)

    result = lambda_handler(schedule(), FakeLambdaContext())  # the shipped default: a dry run

    body = s3.get_object(Bucket=BUCKET, Key=result["records"]["key"])["Body"].read()
    records = [json.loads(line) for line in gzip.decompress(body).decode("utf-8").splitlines()]
    assert result["dry_run"] is True
    assert sorted(r["decision"] for r in records) == ["kept_first_seen"] * 3 + ["protected"]
    assert shipped.aborts() == []


def test_a_bucket_that_cannot_be_written_changes_nothing_the_run_did(
    shipped: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEANUP_RECORDS_BUCKET", "no-such-records-bucket")

    result = lambda_handler(schedule(), FakeLambdaContext())

    assert result["status"] == "ok"
    assert result["uploads_first_seen"] == 3
    assert result["records"]["written"] == 0
    assert "no-such-records-bucket" in result["records"]["error"]
    # The stack's RecordsNotWritten alarm reads this
    assert metric_values(emitted(capsys.readouterr().out)[0])["RecordsNotWritten"] == 1


def test_without_a_bucket_nothing_is_written_and_the_result_says_nothing_of_it(
    shipped: EmulatorHandle,
) -> None:
    result = lambda_handler(schedule(), FakeLambdaContext())
    assert result["status"] == "ok"
    assert "records" not in result
