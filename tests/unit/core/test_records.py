"""core/records.py: one record per judged upload, in one declared schema, and the docs' tables equal to it.
The named queries over them: test_record_queries.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.models import Upload
from glacier_cleanup.core.outcomes import Action, Measured, UploadOutcome
from glacier_cleanup.core.records import (
    DECISIONS,
    FIELDS,
    SCHEMA_VERSION,
    Decision,
    abortable_after,
    decision_record,
)
from support.records import IDLE
from support.records import RUN_TIME as NOW
from support.records import judged as outcome
from support.records import run_context as run

DOC = Path(__file__).resolve().parents[3] / "docs" / "records.md"


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
