"""The named queries (core/record_queries.py) answered by a real SQL engine, DuckDB, over the JSON Lines the
terminal tool's writer produces, checked against what the runs decided."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from glacier_cleanup.core.outcomes import Action
from glacier_cleanup.core.record_queries import (
    ABORTED_AT_THE_NEXT_RUN,
    ABORTED_LAST_30_DAYS,
    KEPT_BY_THE_ACTIVITY_CHECK,
    RELEASED_PER_ACCOUNT_AND_MONTH,
)
from glacier_cleanup.core.records import FIELDS, decision_record
from glacier_cleanup.terminal.records_file import write_records
from support.records import judged as outcome
from support.records import query_records as _query
from support.records import run_context as run


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    assert write_records(path, records) == len(records)
    return path


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
