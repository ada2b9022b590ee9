"""Each outcome reported once (glacier_cleanup.core.recorder): for every outcome of an upload, its counter in
the run's summary, what the operator's listing is told, and the log line the saved queries read (message,
level and keys: docs/operations.md lists them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.models import (
    AccessDeniedError,
    CleanupPlan,
    GlacierError,
    ResourceGoneError,
    RunSummary,
    Upload,
)
from glacier_cleanup.core.outcomes import Action, Measured, UploadOutcome
from glacier_cleanup.core.recorder import OutcomeRecorder
from glacier_cleanup.observability import logger
from support.fakes import NOW
from support.handler_env import emitted

UPLOAD = Upload("backups", "up-1", "2025-05-01T00:00:00.000Z", "nightly")
MEASURED = Measured(Progress(parts=3, bytes=3 * 2**20), unchanged_hours=50.0)
DENIED = AccessDeniedError("AccessDeniedException", "not yours")


def recorder(*, dry_run: bool = False) -> tuple[OutcomeRecorder, list[UploadOutcome]]:
    told: list[UploadOutcome] = []
    plan = CleanupPlan(dry_run=dry_run, older_than=timedelta(hours=168), descriptions="full")
    summary = RunSummary(dry_run=dry_run, older_than_hours=168.0, cutoff=NOW)
    return OutcomeRecorder(summary, plan, told.append), told


Call = Callable[[OutcomeRecorder], None]

# (what happened, the counter it adds to, the action listed, the log line's level and message)
UPLOAD_OUTCOMES: list[tuple[str, Call, str | None, Action | None, str | None, str | None]] = [
    (
        "skipped",
        lambda r: r.skipped(UPLOAD),
        "uploads_skipped",
        Action.SKIPPED,
        "WARNING",
        "upload skipped: unusable CreationDate",
    ),
    (
        "protected",
        lambda r: r.protected(UPLOAD, 300.0),
        "uploads_protected",
        Action.PROTECTED,
        "DEBUG",
        "stale upload protected",
    ),
    ("capped", lambda r: r.capped(UPLOAD, 300.0), "uploads_capped", Action.CAPPED, None, None),
    ("left", lambda r: r.left(UPLOAD, 300.0), "uploads_left", Action.LEFT, None, None),
    (
        "not reached",
        lambda r: r.not_reached(UPLOAD, 300.0),
        "uploads_not_reached",
        Action.NOT_REACHED,
        None,
        None,
    ),
    (
        "already gone",
        lambda r: r.already_gone(UPLOAD, 300.0),
        "uploads_already_gone",
        Action.ALREADY_GONE,
        "INFO",
        "stale upload already gone",
    ),
    (
        "abort failed",
        lambda r: r.abort_failed(UPLOAD, 300.0, DENIED),
        "abort_failures",
        Action.ABORT_FAILED,
        "ERROR",
        "abort failed",
    ),
    (
        "aborted",
        lambda r: r.aborted(UPLOAD, 300.0, MEASURED),
        "uploads_aborted",
        Action.ABORTED,
        "INFO",
        "aborted stale upload",
    ),
    (
        "first seen",
        lambda r: r.first_seen(UPLOAD, 300.0, MEASURED),
        "uploads_first_seen",
        Action.FIRST_SEEN,
        "INFO",
        "old upload seen for the first time: recorded, kept",
    ),
    (
        "active",
        lambda r: r.active(UPLOAD, 300.0, MEASURED),
        "uploads_active",
        Action.ACTIVE,
        "INFO",
        "old upload still receiving parts: kept",
    ),
    (
        "waiting",
        lambda r: r.waiting(UPLOAD, 300.0, MEASURED),
        "uploads_waiting",
        Action.WAITING,
        "INFO",
        "old upload unchanged, not yet for the idle time: kept",
    ),
    (
        "activity unknown",
        lambda r: r.activity_unknown(UPLOAD, 300.0, "ListParts throttled"),
        "activity_failures",
        Action.ACTIVITY_UNKNOWN,
        "WARNING",
        "activity of an old upload unknown: kept",
    ),
    ("watched", lambda r: r.watched(UPLOAD), "uploads_watched", None, None, None),
    ("stale", lambda r: r.stale(UPLOAD, MEASURED), "uploads_stale", None, None, None),
    (
        "not measured",
        lambda r: r.not_measured(UPLOAD, DENIED),
        None,
        None,
        "WARNING",
        "could not measure upload",
    ),
]


def upload_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [line for line in emitted(capsys.readouterr().out)[1] if line.get("upload_id") == "up-1"]


@pytest.mark.parametrize(
    ("call", "counter", "action", "level", "message"),
    [case[1:] for case in UPLOAD_OUTCOMES],
    ids=[case[0] for case in UPLOAD_OUTCOMES],
)
def test_each_upload_outcome_is_counted_told_and_logged_once(
    capsys: pytest.CaptureFixture[str],
    call: Call,
    counter: str | None,
    action: Action | None,
    level: str | None,
    message: str | None,
) -> None:
    logger.setLevel("DEBUG")
    try:
        rec, told = recorder()
        call(rec)
    finally:
        logger.setLevel("INFO")
    counted = rec.summary.counts_of("backups")
    assert counted == ({counter: 1} if counter else {})
    assert [outcome.action for outcome in told] == ([action] if action else [])
    lines = upload_lines(capsys)
    assert [(line["level"], line["message"]) for line in lines] == ([(level, message)] if message else [])
    for outcome in told:
        assert (outcome.upload, outcome.age_hours in (None, 300.0)) == (UPLOAD, True)


def test_a_failed_abort_is_told_with_glaciers_code_and_kept_among_the_failures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rec, told = recorder()
    rec.abort_failed(UPLOAD, 300.0, DENIED)
    assert told[0].label == "abort failed: AccessDeniedException"
    assert [f.as_dict() for f in rec.summary.failures] == [
        {"vault": "backups", "upload_id": "up-1", "error": "AccessDeniedException: not yours"}
    ]
    (line,) = upload_lines(capsys)
    assert (line["error_code"], line["error"]) == (
        "AccessDeniedException",
        "AccessDeniedException: not yours",
    )


def test_a_released_upload_counts_its_bytes_and_logs_what_finds_it_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rec, told = recorder()
    rec.aborted(UPLOAD, 300.0, MEASURED)
    rec.aborted(Upload("backups", "up-2", None), 200.0, None)  # not measured: no bytes added
    assert rec.summary.bytes_released == 3 * 2**20
    assert told[0].measured == MEASURED
    (line,) = upload_lines(capsys)
    assert {key: line[key] for key in ("vault", "age_hours", "archive_description", "creation_date")} == {
        "vault": "backups",
        "age_hours": 300.0,
        "archive_description": "nightly",
        "creation_date": "2025-05-01T00:00:00.000Z",
    }
    assert (line["dry_run"], line["bytes"], line["parts"], line["unchanged_hours"]) == (
        False,
        3 * 2**20,
        3,
        50.0,
    )


def test_a_dry_run_tells_would_abort_and_counts_no_abort(capsys: pytest.CaptureFixture[str]) -> None:
    rec, told = recorder(dry_run=True)
    rec.would_abort(UPLOAD, 300.0, MEASURED)
    assert [outcome.action for outcome in told] == [Action.WOULD_ABORT]
    assert rec.summary.uploads_aborted == 0
    assert rec.summary.bytes_released == 3 * 2**20  # what the run would release
    (line,) = upload_lines(capsys)
    assert (line["message"], line["dry_run"]) == ("would abort stale upload", True)


def test_a_crash_while_aborting_is_that_uploads_failure_with_the_trace(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rec, told = recorder()
    try:
        raise KeyError("bug")
    except KeyError as error:
        rec.abort_crashed(UPLOAD, error)
    assert (rec.summary.abort_failures, told) == (1, [])
    assert rec.summary.failures[0].error == "KeyError: 'bug'"
    (line,) = upload_lines(capsys)
    assert (line["level"], line["message"]) == ("ERROR", "unexpected error while aborting")
    assert "KeyError" in line["exception"]


def test_without_an_observer_outcomes_are_still_counted_and_logged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = CleanupPlan(dry_run=False, older_than=timedelta(hours=168))
    rec = OutcomeRecorder(RunSummary(dry_run=False, older_than_hours=168.0, cutoff=NOW), plan, None)
    rec.aborted(UPLOAD, 300.0, None)
    assert rec.summary.uploads_aborted == 1
    assert [line["message"] for line in upload_lines(capsys)] == ["aborted stale upload"]


@pytest.mark.parametrize(
    ("error", "denied"),
    [(DENIED, True), (GlacierError("ServiceUnavailableException", "try later"), False)],
)
def test_a_failed_vault_list_makes_the_run_incomplete_and_only_a_denial_final(
    capsys: pytest.CaptureFixture[str], error: GlacierError, denied: bool
) -> None:
    rec, _ = recorder()
    rec.vault_list_failed(error)
    summary = rec.summary
    assert (summary.complete, summary.vault_list_denied, summary.vault_failures) == (False, denied, 1)
    assert summary.more_to_do is not denied
    lines = emitted(capsys.readouterr().out)[1]
    assert [(line["message"], line["error_code"]) for line in lines] == [
        ("listing vaults failed", error.code)
    ]


def test_each_vault_outcome_is_counted_for_that_vault(capsys: pytest.CaptureFixture[str]) -> None:
    rec, told = recorder()
    rec.vault_scanned("a", uploads_found=4, duration_ms=12)
    rec.vault_gone("b", ResourceGoneError("ResourceNotFoundException", "no vault"))
    rec.vault_failed("c", DENIED)
    rec.vault_not_reached("d")
    rec.vault_not_reached()
    rec.vault_excluded("e")
    summary = rec.summary
    assert [summary.counts_of(v) for v in "abcde"] == [
        {"vaults_scanned": 1},
        {"vaults_gone": 1},
        {"vault_failures": 1},
        {"vaults_not_reached": 1},
        {},
    ]
    assert summary.vaults_not_reached == 2
    assert told == []
    lines = {line["message"]: line for line in emitted(capsys.readouterr().out)[1]}
    assert (lines["vault scanned"]["uploads_found"], lines["vault scanned"]["duration_ms"]) == (4, 12)
    assert lines["vault not found"]["level"] == "WARNING"
    assert lines["listing uploads failed"]["error_code"] == "AccessDeniedException"


def test_a_region_not_enabled_is_its_own_status(capsys: pytest.CaptureFixture[str]) -> None:
    rec, _ = recorder()
    rec.region_not_enabled(GlacierError("UnrecognizedClientException", "invalid token"))
    assert (rec.summary.status, rec.summary.vault_failures) == ("region_not_enabled", 0)
