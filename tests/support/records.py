"""Builders for the decision records' tests: an outcome, a run's context, and the named queries asked of a
JSON Lines file on DuckDB (a real SQL engine, with the schema's own column types)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.models import Upload
from glacier_cleanup.core.outcomes import Action, Measured, UploadOutcome
from glacier_cleanup.core.records import FIELDS, RunContext

__all__ = ["IDLE", "RUN_TIME", "judged", "query_records", "run_context"]

IDLE = timedelta(hours=168)
RUN_TIME = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
DUCKDB_TYPES = {"int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE", "string": "VARCHAR"}
DUCKDB_TYPES["timestamp"] = "TIMESTAMP"


def judged(
    action: Action, upload_id: str, *, vault: str = "backups", unchanged: float | None = None, size: int = 0
) -> UploadOutcome:
    """An upload created 2026-11-01, judged `action`; measured when it has a size or a last change."""
    measured = Measured(Progress(parts=size // 1024, bytes=size), unchanged) if size or unchanged else None
    upload = Upload(vault, upload_id, "2026-11-01T00:00:00.000Z", "nightly")
    return UploadOutcome(upload=upload, age_hours=870.0, action=action, measured=measured)


def run_context(
    run_time: datetime = RUN_TIME, *, idle: timedelta | None = IDLE, next_run: datetime | None = None
) -> RunContext:
    return RunContext(f"run-{run_time:%d%H}", run_time, source="schedule", idle=idle, next_run=next_run)


def query_records(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """`sql` (with `{table}`) over the records in `path` (JSON Lines, plain or gzip)."""
    import duckdb  # noqa: PLC0415 - here: the terminal tool's tests on other Pythons have no DuckDB

    columns = ", ".join(f"'{c.name}': '{DUCKDB_TYPES[c.type]}'" for c in FIELDS)
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(f"CREATE VIEW records AS SELECT * FROM read_json('{path}', columns = {{{columns}}})")
    return connection.execute(sql.format(table="records")).fetchall()
