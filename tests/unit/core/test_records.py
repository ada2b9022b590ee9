"""core/records.py: one record per judged upload, in one declared schema; the docs' tables equal to it; and
the named queries (core/record_queries.py) answered by a real SQL engine, DuckDB, over
the JSON Lines the terminal tool's writer produces."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.models import Upload
from glacier_cleanup.core.outcomes import Action, Measured, UploadOutcome
from glacier_cleanup.core.record_queries import (
    ABORTED_AT_THE_NEXT_RUN,
    ABORTED_LAST_30_DAYS,
    KEPT_BY_THE_ACTIVITY_CHECK,
    RELEASED_PER_ACCOUNT_AND_MONTH,
)
from glacier_cleanup.core.records import (
    DECISIONS,
    FIELDS,
    SCHEMA_VERSION,
    Decision,
    RunContext,
    abortable_after,
    decision_record,
)
from glacier_cleanup.terminal.records_file import write_records

DOC = Path(__file__).resolve().parents[3] / "docs" / "records.md"
IDLE = timedelta(hours=168)
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
DUCKDB_TYPES = {"int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE", "string": "VARCHAR"}
DUCKDB_TYPES["timestamp"] = "TIMESTAMP"


def outcome(
    action: Action, upload_id: str, *, vault: str = "backups", unchanged: float | None = None, size: int = 0
) -> UploadOutcome:
    measured = Measured(Progress(parts=size // 1024, bytes=size), unchanged) if size or unchanged else None
    upload = Upload(vault, upload_id, "2026-11-01T00:00:00.000Z", "nightly")
    return UploadOutcome(upload=upload, age_hours=870.0, action=action, measured=measured)


def run(
    run_time: datetime = NOW, *, idle: timedelta | None = IDLE, next_run: datetime | None = None
) -> RunContext:
    return RunContext(f"run-{run_time:%d%H}", run_time, source="schedule", idle=idle, next_run=next_run)


def test_every_action_has_its_own_decision() -> None:
    assert set(DECISIONS) == set(Action)
    assert sorted(DECISIONS.values()) == sorted(Decision)


def test_a_record_has_every_field_in_order_and_says_what_and_why() -> None:
    failed = UploadOutcome(
        upload=Upload("backups", "u-1", "2026-11-01T00:00:00.000Z", "nightly"),
        age_hours=870.25,
        action=Action.ABORT_FAILED,
        error_code="ServiceUnavailableException",
        measured=Measured(Progress(parts=3, bytes=3 * 2**20), 200.0),
    )
    record = decision_record(failed, account="111111111111", region="eu-west-1", run=run())
    assert list(record) == [column.name for column in FIELDS]
    assert record["schema_version"] == SCHEMA_VERSION
    assert record["run_time"] == "2026-12-07T06:00:00Z"
    assert (record["account"], record["region"]) == ("111111111111", "eu-west-1")
    assert (record["parts"], record["bytes"], record["unchanged_hours"]) == (3, 3 * 2**20, 200.0)
    assert (record["decision"], record["reason"]) == ("failed", "abort failed: ServiceUnavailableException")
    assert record["abortable_after"] is None


@pytest.mark.parametrize(
    ("action", "unchanged", "after"),
    [
        (Action.WAITING, 100.0, NOW + timedelta(hours=68)),  # idle 168 h, 100 of them already
        (Action.FIRST_SEEN, None, NOW + IDLE),  # the first look: the idle time starts now
        (Action.ACTIVE, 0.0, NOW + IDLE),  # the parts just changed: likewise
        (Action.ACTIVITY_UNKNOWN, None, None),  # no look could be made: no promise
        (Action.ABORTED, 200.0, None),
        (Action.PROTECTED, None, None),
        (Action.CAPPED, 200.0, NOW),  # abandoned, held back only by max_aborts: abortable now
        (Action.LEFT, None, NOW),
    ],
)
def test_an_upload_kept_by_the_activity_check_says_when_it_may_be_aborted(
    action: Action, unchanged: float | None, after: datetime | None
) -> None:
    assert abortable_after(outcome(action, "u", unchanged=unchanged, size=1), run()) == after


def test_with_the_activity_check_off_no_record_promises_a_time() -> None:
    assert abortable_after(outcome(Action.WAITING, "u", unchanged=100.0), run(idle=None)) is None
    assert abortable_after(outcome(Action.CAPPED, "u"), run(idle=None)) == NOW


def _doc_table(heading: str) -> list[list[str]]:
    section = DOC.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip().strip("`") for cell in row.strip("|").split(" | ")] for row in rows]


def test_the_docs_show_the_schema_and_the_decisions_as_declared() -> None:
    assert [row[:2] for row in _doc_table("Format")] == [[c.name, c.type] for c in FIELDS]
    assert [row[0] for row in _doc_table("Decisions")] == [str(d) for d in Decision]


# --- the named queries on DuckDB ----------------------------------------------------------------------------


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    assert write_records(path, records) == len(records)
    return path


def _query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    columns = ", ".join(f"'{c.name}': '{DUCKDB_TYPES[c.type]}'" for c in FIELDS)
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(f"CREATE VIEW records AS SELECT * FROM read_json('{path}', columns = {{{columns}}})")
    return connection.execute(sql.format(table="records")).fetchall()


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Two accounts; the first ran twice (a month apart), the second once."""
    now = datetime.now(UTC).replace(microsecond=0)
    earlier, latest = now - timedelta(days=40), now - timedelta(hours=2)
    next_run = latest + timedelta(days=1)
    first = run(earlier, next_run=earlier + timedelta(days=1))
    records = [
        decision_record(o, account="111111111111", region="us-east-1", run=first)
        for o in (outcome(Action.ABORTED, "old-1", size=5000), outcome(Action.FIRST_SEEN, "slow", size=10))
    ] + [
        decision_record(o, account="111111111111", region="us-east-1", run=run(latest, next_run=next_run))
        for o in (
            outcome(Action.ABORTED, "a-1", size=2048),
            outcome(Action.ABORTED, "a-2", size=4096, vault="media"),
            outcome(Action.WAITING, "due", unchanged=150.0, size=100),  # idle in 18 h: before the next run
            outcome(Action.WAITING, "later", unchanged=10.0, size=100),  # in 158 h: after it
            outcome(Action.ACTIVE, "busy", unchanged=0.0, size=100),
            outcome(Action.PROTECTED, "keep"),
        )
    ] + [
        decision_record(o, account="222222222222", region="eu-west-1", run=run(latest, next_run=next_run))
        for o in (outcome(Action.ABORTED, "b-1", size=1000), outcome(Action.FIRST_SEEN, "new", size=7))
    ]  # fmt: skip
    return _write(tmp_path / "records.jsonl.gz", records)


def test_the_written_file_is_gzip_json_lines_in_the_schemas_order(history: Path) -> None:
    lines = gzip.decompress(history.read_bytes()).decode("utf-8").splitlines()
    assert len(lines) == 10
    assert all(list(json.loads(line)) == [c.name for c in FIELDS] for line in lines)


def test_aborted_in_the_last_30_days(history: Path) -> None:
    rows = _query(history, ABORTED_LAST_30_DAYS.sql)
    assert sorted(row[4] for row in rows) == ["a-1", "a-2", "b-1"]  # not old-1, 40 days ago


def test_released_per_account_and_month(history: Path) -> None:
    rows = _query(history, RELEASED_PER_ACCOUNT_AND_MONTH.sql)
    per_account: dict[str, tuple[int, int]] = {}
    for account, _month, uploads, released in rows:
        count, total = per_account.get(account, (0, 0))
        per_account[account] = (count + uploads, total + released)
    assert per_account == {"111111111111": (3, 5000 + 2048 + 4096), "222222222222": (1, 1000)}


def test_what_the_next_run_will_abort_unless_it_changes(history: Path) -> None:
    rows = _query(history, ABORTED_AT_THE_NEXT_RUN.sql)
    # From the latest run only: "due" (18 h left); not "later" (158 h), "busy" (168 h), the older run's "slow"
    assert [row[3] for row in rows] == ["due"]


def test_what_the_activity_check_kept_and_why(history: Path) -> None:
    rows = _query(history, KEPT_BY_THE_ACTIVITY_CHECK.sql)
    assert {(account, decision): uploads for account, _region, decision, uploads, _bytes in rows} == {
        ("111111111111", "kept_waiting"): 2,
        ("111111111111", "kept_receiving_parts"): 1,
        ("222222222222", "kept_first_seen"): 1,
    }
