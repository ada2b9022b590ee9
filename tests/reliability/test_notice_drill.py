"""Notice before abort, in the shipped configuration (the activity check, its table, the records bucket and
the default schedule, rate(1 day) with a 60-minute window): a scheduled run names the uploads its next run
will abort unless they change, and the next run aborts exactly those. The run's records answer the named
query "aborted at the next run" with the same uploads, on a real SQL engine (DuckDB)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from glacier_cleanup.core.record_queries import ABORTED_AT_THE_NEXT_RUN
from support.records import query_records

from glacier_emulator.handles import InProcessHandle

from .conftest import _drill
from .harness import OLD, RECORDS_BUCKET, STALE_DESCRIPTION, Drill
from .report import DrillReport
from .support import Ledger, ago, iso

DAY = timedelta(days=1)


@pytest.fixture
def shipped(
    glacier_in_process: InProcessHandle,
    ledger: Ledger,
    drill_report: DrillReport,
    monkeypatch: pytest.MonkeyPatch,
) -> Drill:
    monkeypatch.setenv("CLEANUP_DRY_RUN", "false")  # the stack switched from its first, dry-run deploy
    return _drill(glacier_in_process, ledger, drill_report, "shipped", monkeypatch)


def seed_looked_at(drill: Drill, count: int, *, unchanged: timedelta) -> set[str]:
    """Old uploads the schedule first looked at `unchanged` ago, with no parts then nor since."""
    ids = drill.handle.seed("backups", count, creation_date=ago(OLD), archive_description=STALE_DESCRIPTION)
    drill.record_earlier_looks("backups", ids, since=unchanged)
    return set(ids)


def schedule_at(moment: datetime) -> dict[str, str]:
    return {"trigger": "schedule", "scheduled_time": iso(moment)}


def test_a_run_names_what_its_next_run_aborts_and_the_next_run_aborts_exactly_that(
    shipped: Drill, tmp_path: Path
) -> None:
    drill = shipped
    # Idle for 150 h of the 168 h idle time: abortable in 18 h, before the next daily run ends its window.
    due = seed_looked_at(drill, 4, unchanged=timedelta(hours=150))
    # Idle for 100 h: abortable in 68 h, after the next run.
    later = seed_looked_at(drill, 3, unchanged=timedelta(hours=100))
    drill.seed(["backups"], fresh=2, protected=1)
    now = datetime.now(UTC).replace(microsecond=0)

    first = drill.run(schedule_at(now))

    assert first.aborts == []
    notice = first.result["next_run"]
    # rate(1 day) after the scheduled time, plus the flexible window
    assert datetime.fromisoformat(notice["by"]) == now + DAY + timedelta(minutes=60)
    assert notice["to_abort"] == len(due)
    assert {pending["upload_id"] for pending in notice["first"]} <= due
    assert len(notice["first"]) == min(len(due), 5)

    # The records say the same, asked with the named query's own SQL.
    s3 = drill.handle.aws_client("s3")
    body = s3.get_object(Bucket=RECORDS_BUCKET, Key=first.result["records"]["key"])["Body"].read()
    path = tmp_path / "records.jsonl"
    path.write_bytes(gzip.decompress(body))
    rows = query_records(path, ABORTED_AT_THE_NEXT_RUN.sql)
    assert {row[3] for row in rows} == due

    # The next day (the looks a day further back, as a day's wait would leave them), nothing changed:
    for ids, unchanged in ((due, 150), (later, 100)):
        drill.record_earlier_looks("backups", ids, since=timedelta(hours=unchanged + 24, seconds=10))
    second = drill.run(schedule_at(now + DAY))

    assert {record["upload_id"] for record in second.aborts} == due
    assert second.result["next_run"]["to_abort"] == 0  # the others are 44 h short of idle
