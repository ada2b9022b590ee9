"""What a function run leaves behind (glacier_cleanup.recording): its run's id, time and next run; the
records object in the stack's bucket, or the reason it is not there; the run summary's records location."""

from __future__ import annotations

import gzip
import json
import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from glacier_cleanup import recording
from glacier_cleanup.core.outcomes import Action
from glacier_cleanup.core.records import Collected
from glacier_cleanup.inputs.settings import Settings
from support.records import judged, run_context

SCHEDULED = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def settings(**environ: str) -> Settings:
    return Settings.from_environ(environ)


class MemoryS3:
    def __init__(self, refuse: bool = False) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.refuse = refuse

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str) -> None:
        if self.refuse:
            from botocore.exceptions import ClientError  # noqa: PLC0415

            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")
        self.objects[(Bucket, Key)] = Body

    def client(self, name: str, config: Any = None) -> MemoryS3:
        assert name == "s3"
        return self


def collected(*actions: Action) -> Collected:
    kept = Collected()
    for number, action in enumerate(actions):
        kept(judged(action, f"u{number}", size=10))
    return kept


def test_a_scheduled_runs_rounds_share_the_schedules_id_and_time() -> None:
    shipped = settings(CLEANUP_SCHEDULE_EXPRESSION="rate(1 day)", CLEANUP_SCHEDULE_WINDOW_MINUTES="60")
    plan = shipped.to_plan()
    context = recording.run_context(shipped, plan, source="schedule", run_id="ignored", scheduled=SCHEDULED)
    assert (context.run_id, context.run_time) == ("schedule-20261207T060000Z", SCHEDULED)
    assert context.next_run == SCHEDULED + timedelta(days=1, minutes=60)
    assert plan.activity_check  # the shipped default
    assert context.idle == plan.idle


def test_an_on_demand_run_is_timed_now_and_idle_only_with_the_activity_check() -> None:
    plain = settings()
    before = datetime.now(UTC)
    context = recording.run_context(
        plain, plain.to_plan(activity_check=False), source="on_demand", run_id="r-1"
    )
    assert (context.run_id, context.idle, context.next_run) == ("r-1", None, None)
    assert before <= context.run_time <= datetime.now(UTC)
    checked = recording.run_context(
        plain, plain.to_plan(activity_check=True, idle_hours=48), source="x", run_id="r"
    )
    assert checked.idle == timedelta(hours=48)


def test_a_time_zone_the_runtime_does_not_know_means_no_notice_not_a_failed_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unknown(*_: Any, **__: Any) -> None:
        raise zoneinfo.ZoneInfoNotFoundError("Europe/Berlin")

    monkeypatch.setattr(recording, "next_run_by", unknown)
    shipped = settings(
        CLEANUP_SCHEDULE_EXPRESSION="cron(0 3 * * ? *)", CLEANUP_SCHEDULE_TIME_ZONE="Europe/Berlin"
    )
    assert recording.next_run(shipped, after=SCHEDULED, scheduled=SCHEDULED) is None


def test_the_records_are_written_under_the_runs_key_and_said_in_the_result() -> None:
    s3 = MemoryS3()
    run = run_context(SCHEDULED)
    written = recording.write_records(
        s3,  # type: ignore[arg-type]
        settings(CLEANUP_RECORDS_BUCKET="recs"),
        collected(Action.ABORTED, Action.WAITING),
        run,
        round_=2,
        account="111111111111",
        region="eu-west-1",
    )
    key = "records/year=2026/month=12/day=07/060000-run-0706-round2.jsonl.gz"
    assert written == {"records": {"written": 2, "key": key}}
    lines = gzip.decompress(s3.objects[("recs", key)]).decode().splitlines()
    assert [json.loads(line)["upload_id"] for line in lines] == ["u0", "u1"]


def test_an_organization_runs_records_carry_the_account_and_region_in_their_name() -> None:
    s3 = MemoryS3()
    run = run_context(SCHEDULED)
    organization = type(run)(run.run_id, run.run_time, "organization", run.idle, run.next_run)
    written = recording.write_records(
        s3,  # type: ignore[arg-type]
        settings(CLEANUP_RECORDS_BUCKET="recs"),
        collected(Action.ABORTED),
        organization,
        round_=1,
        account="111111111111",
        region="eu-west-1",
    )
    assert written["records"]["key"].endswith("/111111111111-eu-west-1-060000-run-0706-round1.jsonl.gz")


@pytest.mark.parametrize(
    ("environ", "actions"),
    [({}, (Action.ABORTED,)), ({"CLEANUP_RECORDS_BUCKET": "recs"}, ())],
    ids=["no bucket", "nothing judged"],
)
def test_nothing_is_written_without_a_bucket_or_without_outcomes(
    environ: dict[str, str], actions: tuple[Action, ...]
) -> None:
    s3 = MemoryS3()
    written = recording.write_records(
        s3,  # type: ignore[arg-type]
        settings(**environ),
        collected(*actions),
        run_context(),
        round_=1,
        account="1",
        region="r",
    )
    assert (written, s3.objects) == ({}, {})


def test_a_refused_write_is_said_in_the_result_and_changes_nothing_else() -> None:
    written = recording.write_records(
        MemoryS3(refuse=True),  # type: ignore[arg-type]
        settings(CLEANUP_RECORDS_BUCKET="recs"),
        collected(Action.ABORTED),
        run_context(),
        round_=1,
        account="1",
        region="r",
    )
    assert written["records"]["written"] == 0
    assert written["records"]["error"].startswith("s3://recs/records/year=2026/month=12/day=07/")
    assert "AccessDenied" in written["records"]["error"]


def test_the_run_summary_says_where_the_records_are_only_when_there_is_a_bucket() -> None:
    result = {"status": "ok", "dry_run": False, "uploads_stale": 1, "uploads_aborted": 1}
    notice = recording.notice_of([], run_context(), account="1", region="r")
    with_bucket = recording.run_summary_message(
        settings(CLEANUP_RECORDS_BUCKET="recs"), run_context(), result, notice, earlier={}, rounds=1
    )
    without = recording.run_summary_message(settings(), run_context(), result, notice, earlier={}, rounds=1)
    text = json.dumps(with_bucket)
    assert "s3://recs/records/year=2026/month=12/day=07/" in text
    assert "run-0706" in text
    assert "s3://" not in json.dumps(without)
