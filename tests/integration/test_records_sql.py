"""The terminal tool's decision records, queried for real: DuckDB answers the named query "aborted in the last
30 days" (core/record_queries.py) over the file a run against the local AWS wrote, and its answer is exactly
what Glacier saw aborted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from glacier_cleanup import cli
from glacier_cleanup.core.record_queries import ABORTED_LAST_30_DAYS

from glacier_emulator.handles import EmulatorHandle


def test_duckdb_answers_the_named_query_as_the_run_did(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=200)
    glacier.seed("backups", 5, creation_date=long_ago)
    glacier.seed("media", 3, creation_date=long_ago)
    path = tmp_path / "records.jsonl.gz"

    status = cli.main(["--apply", "--json", "--older-than-hours", "100", "--record", str(path)])

    assert status == 0
    assert json.loads(capsys.readouterr().out)["uploads_aborted"] == 8
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(f"CREATE VIEW records AS SELECT * FROM read_json('{path}')")
    answered = connection.execute(ABORTED_LAST_30_DAYS.sql.format(table="records")).fetchall()
    assert sorted((row[3], row[4]) for row in answered) == sorted(
        (entry["vault"], entry["upload_id"]) for entry in glacier.aborts()
    )
