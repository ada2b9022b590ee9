"""The record of every decision on an old upload: one per upload a run judged (docs/records.md).

One schema for every writer (the terminal tool's `--record`, and the stacks' buckets), versioned: `FIELDS`
declares each column once (name, type, meaning), and the docs' table and the query tables are checked
against it. A record says what happened and why, and for an upload the activity check kept, the earliest
time a run may abort it if it stays unchanged.
"""

from __future__ import annotations

import enum
import gzip
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from glacier_cleanup.core.outcomes import Action, UploadOutcome

SCHEMA_VERSION = 1


class Decision(enum.StrEnum):
    """What the run decided for one upload: the record's `decision`."""

    ABORTED = "aborted"
    WOULD_ABORT = "would_abort"  # a dry run
    ALREADY_GONE = "already_gone"  # completed, aborted or expired between the listing and the abort
    FAILED = "failed"  # the abort failed: `reason` names Glacier's error
    KEPT_FIRST_SEEN = "kept_first_seen"
    KEPT_RECEIVING_PARTS = "kept_receiving_parts"
    KEPT_WAITING = "kept_waiting"
    KEPT_ACTIVITY_UNKNOWN = "kept_activity_unknown"
    PROTECTED = "protected"
    NOT_REACHED = "not_reached"  # the run stopped first (time budget, interruption)
    CAPPED = "capped"  # max_aborts was reached
    LEFT = "left_for_next_run"  # stale only since the operator confirmed the listing
    SKIPPED = "skipped"  # an unusable CreationDate


DECISIONS: dict[Action, Decision] = {
    Action.ABORTED: Decision.ABORTED,
    Action.WOULD_ABORT: Decision.WOULD_ABORT,
    Action.ALREADY_GONE: Decision.ALREADY_GONE,
    Action.ABORT_FAILED: Decision.FAILED,
    Action.FIRST_SEEN: Decision.KEPT_FIRST_SEEN,
    Action.ACTIVE: Decision.KEPT_RECEIVING_PARTS,
    Action.WAITING: Decision.KEPT_WAITING,
    Action.ACTIVITY_UNKNOWN: Decision.KEPT_ACTIVITY_UNKNOWN,
    Action.PROTECTED: Decision.PROTECTED,
    Action.NOT_REACHED: Decision.NOT_REACHED,
    Action.CAPPED: Decision.CAPPED,
    Action.LEFT: Decision.LEFT,
    Action.SKIPPED: Decision.SKIPPED,
}
# Kept by the activity check, and abortable once unchanged for the idle time.
_WAITING_FOR_IDLE = frozenset({Action.FIRST_SEEN, Action.ACTIVE, Action.WAITING})
# Abandoned, and abortable now: only a cap or the operator's confirmed listing held them back.
_ABORTABLE_NOW = frozenset({Action.CAPPED, Action.LEFT})


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # the SQL type (Athena/Glue; DuckDB reads the same JSON)
    meaning: str


FIELDS: tuple[Column, ...] = (
    Column("schema_version", "int", f"the record's schema, {SCHEMA_VERSION}"),
    Column("run_id", "string", "the run that decided: the same for every record of one run"),
    Column("run_time", "timestamp", "when the run started (UTC)"),
    Column("source", "string", "who ran it: schedule, on_demand, organization or terminal"),
    Column("account", "string", "the AWS account of the vault"),
    Column("region", "string", "the region of the vault"),
    Column("vault", "string", "the vault's name"),
    Column("upload_id", "string", "Glacier's multipart upload id"),
    Column("created", "string", "the upload's CreationDate as Glacier gave it"),
    Column("age_hours", "double", "the upload's age at the run, in hours (null: unusable CreationDate)"),
    Column("parts", "bigint", "parts the upload holds (null: not listed)"),
    Column("bytes", "bigint", "bytes the upload holds (null: not listed)"),
    Column("unchanged_hours", "double", "hours its parts have stayed the same (null: no earlier look)"),
    Column("uploader", "string", "the backup tool whose description format it matches (null: none known)"),
    Column("description", "string", "the archive description, as the run's `descriptions` setting shows it"),
    Column("decision", "string", "what the run decided: one of the decisions below"),
    Column("reason", "string", "why, in words (for a failed abort, Glacier's error code)"),
    Column(
        "abortable_after",
        "timestamp",
        "the earliest time a run may abort it if its parts stay the same (UTC): for an upload the activity "
        "check kept, when its idle time ends; for one capped or left for the next run, the run's time",
    ),
    Column(
        "next_run",
        "timestamp",
        "the schedule's next run after this one (null: not known, as in a terminal run)",
    ),
)


@dataclass(frozen=True, slots=True)
class RunContext:
    """What every record of one run shares."""

    run_id: str
    run_time: datetime  # aware, UTC
    source: str
    idle: timedelta | None  # the activity check's idle time; None when it is off
    next_run: datetime | None = None  # the schedule's next run, when the run knows it


def iso_time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def abortable_after(outcome: UploadOutcome, run: RunContext) -> datetime | None:
    """For an upload the activity check kept: when its idle time ends if its parts stay as they are. For one
    the run held back although abandoned (a cap, a confirmed listing): now. Otherwise None."""
    if outcome.action in _ABORTABLE_NOW:
        return run.run_time
    if run.idle is None or outcome.action not in _WAITING_FOR_IDLE:
        return None
    measured = outcome.measured
    unchanged = 0.0 if measured is None or measured.unchanged_hours is None else measured.unchanged_hours
    if outcome.action is not Action.WAITING:
        unchanged = 0.0  # a first look, or parts that just changed: the idle time starts now
    return run.run_time + run.idle - timedelta(hours=unchanged)


def decision_record(outcome: UploadOutcome, *, account: str, region: str, run: RunContext) -> dict[str, Any]:
    """The record of one outcome, its keys in `FIELDS` order."""
    upload, measured = outcome.upload, outcome.measured
    after = abortable_after(outcome, run)
    values: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run.run_id,
        "run_time": iso_time(run.run_time),
        "source": run.source,
        "account": account,
        "region": region,
        "vault": upload.vault,
        "upload_id": upload.upload_id,
        "created": upload.creation_date,
        "age_hours": None if outcome.age_hours is None else round(outcome.age_hours, 3),
        "parts": None if measured is None else measured.progress.parts,
        "bytes": None if measured is None else measured.progress.bytes,
        "unchanged_hours": None if measured is None or measured.unchanged_hours is None
        else round(measured.unchanged_hours, 3),
        "uploader": outcome.uploader,
        "description": outcome.description,
        "decision": str(DECISIONS[outcome.action]),
        "reason": outcome.label,
        "abortable_after": None if after is None else iso_time(after),
        "next_run": None if run.next_run is None else iso_time(run.next_run),
    }  # fmt: skip
    return {column.name: values[column.name] for column in FIELDS}


def json_lines(records: Iterable[dict[str, Any]], *, compress: bool) -> bytes:
    """Records as JSON Lines, one object a line; gzip-compressed (with no timestamp, so the same records
    make the same bytes) when `compress`."""
    text = "".join(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n" for record in records)
    data = text.encode("utf-8")
    return gzip.compress(data, mtime=0) if compress else data


def object_key(run: RunContext, *, round_: int, account: str | None = None, region: str | None = None) -> str:
    """Where a run's records go in a bucket: date partitions (the Glue table projects them), then the run's
    time and id, one object per round; in the organization mode the account and region lead the name, so
    the targets of one run never share a key."""
    day = run.run_time
    place = f"{account}-{region}-" if account and region else ""
    return (
        f"records/year={day:%Y}/month={day:%m}/day={day:%d}/"
        f"{place}{day:%H%M%S}-{run.run_id}-round{round_}.jsonl.gz"
    )


class Collected:
    """An `UploadObserver` that keeps every outcome of a run (called from worker threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outcomes: list[UploadOutcome] = []

    def __call__(self, outcome: UploadOutcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)
