"""Clock and data: CreationDate in the future (clock skew) or unreadable, and archive descriptions that could
break a log line (non-ASCII, quotes, newlines, a forged JSON record)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from glacier_cleanup import handler

from .harness import Drill
from .support import corrupt_creation_date, iso


def _log_records(output: str) -> list[dict[str, Any]]:
    """Every stdout line must be one JSON object (a log record or an EMF blob), nothing else."""
    lines = [line for line in output.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert all(isinstance(record, dict) for record in records)
    return [record for record in records if "_aws" not in record]


@pytest.mark.parametrize("skew", [timedelta(seconds=5), timedelta(hours=1), timedelta(days=400)])
def test_creation_date_in_the_future_is_skipped_never_aborted(
    drill: Drill, skew: timedelta, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given stale uploads, and uploads whose CreationDate lies ahead of the function's clock
    population = drill.seed(["vault-000", "vault-001"], stale=3, fresh=1)
    ahead = iso(datetime.now(UTC) + skew)
    future = set(drill.handle.seed("vault-000", 4, creation_date=ahead, archive_description="skewed"))

    # When the schedule runs, and then an event asks for the smallest allowed threshold (a deployment that
    # lets events loosen: the shipped one refuses it, tests/reliability/test_bad_input.py)
    run = drill.run()
    monkeypatch.setenv("CLEANUP_EVENT_MAY_LOOSEN", "true")
    handler.get_runtime.cache_clear()
    eager = drill.run({"dry_run": False, "older_than_hours": 1})

    # Then the skewed uploads were skipped and reported, never aborted; the stale ones were aborted
    assert run.result["uploads_skipped"] == 4 == eager.result["uploads_skipped"]
    assert {e["upload_id"] for e in run.aborts} == population.stale
    assert not future & {e["upload_id"] for e in run.aborts + eager.aborts}
    assert future <= {u.upload_id for u in drill.stored()}


@pytest.mark.parametrize(
    "raw", ["not-a-date", "", "2024-13-45T00:00:00Z", "1700000000", "Tue, 19 Mar 2012 23:20:59 GMT"]
)
def test_unreadable_creation_date_is_skipped_and_reported(
    drill: Drill, capsys: pytest.CaptureFixture[str], raw: str
) -> None:
    # Given stale uploads, two of which carry a CreationDate nobody can read
    population = drill.seed(["vault-000"], stale=5)
    unreadable = sorted(population.stale)[:2]
    for upload_id in unreadable:
        corrupt_creation_date(drill.handle, "vault-000", upload_id, raw)
    capsys.readouterr()

    # When the schedule runs
    run = drill.run()

    # Then they are skipped, each with a warning that names it, and the other three are aborted
    assert run.result["uploads_skipped"] == 2
    assert run.result["uploads_aborted"] == 3
    assert not set(unreadable) & {e["upload_id"] for e in run.aborts}
    warnings = [r for r in _log_records(capsys.readouterr().out) if r["message"].startswith("upload skipped")]
    assert sorted(w["upload_id"] for w in warnings) == unreadable
    assert {w["creation_date"] for w in warnings} == {raw}
    assert {w["level"] for w in warnings} == {"WARNING"}


DESCRIPTIONS = [
    "Ünïcödé backup 备份 🚀",
    "say \"hi\" and 'bye' \\ back\\slash",
    'line one\nline two\r\n{"level":"ERROR","message":"forged record"}',
    "tab\tand\x00nul and \x1b[31mansi",
    "x" * 1024,
]


def test_awkward_archive_descriptions_are_logged_as_structured_fields(
    drill: Drill, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # In full: the setting under which raw descriptions reach the logs (the default logs a hash).
    monkeypatch.setenv("CLEANUP_LOG_DESCRIPTIONS", "full")
    handler.get_runtime.cache_clear()
    # Given stale uploads with awkward descriptions (seeded directly: Glacier's API only takes printable
    # ASCII, but other tools' uploads and future API versions should not be able to break the logs) and
    # printable-ASCII ones through the real API; one of them protected, in non-ASCII
    seeded = {
        description: drill.handle.seed(
            "vault-000", 1, creation_date=iso(_old()), archive_description=description
        )[0]
        for description in DESCRIPTIONS
    }
    api = 'a "quoted" {json} \\ description'
    seeded[api] = drill.handle.initiate("vault-000", creation_date=_old(), description=api)
    protected = drill.handle.seed("vault-000", 1, creation_date=iso(_old()), archive_description="keep: ü")
    drill.protected_ids |= set(protected)
    drill.record_earlier_looks("vault-000", [*seeded.values(), *protected])
    capsys.readouterr()

    # When the schedule runs
    run = drill.run()

    # Then every stdout line is one JSON record, none forged, and each abort's line carries the exact text
    records = _log_records(capsys.readouterr().out)
    assert [r for r in records if r.get("message") == "forged record"] == []
    logged = {
        r["upload_id"]: r["archive_description"] for r in records if r["message"] == "aborted stale upload"
    }
    assert logged == {upload_id: description for description, upload_id in seeded.items()}
    assert run.result["uploads_aborted"] == len(seeded)
    assert run.result["uploads_protected"] == 1


def _old() -> datetime:
    return datetime.now(UTC) - timedelta(days=30)
