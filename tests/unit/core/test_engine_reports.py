"""What the engine tells about each upload: the outcome the terminal lists, and the log line an operator
queries in Logs Insights. The messages and keys are a contract: the saved queries (CDK queries.py) filter on
them, and docs/operations.md lists them."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, timedelta
from typing import Any

import pytest
from glacier_cleanup.core import engine
from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.descriptions import shown
from glacier_cleanup.core.engine import no_access_summary, run_cleanup, utc_now
from glacier_cleanup.core.models import (
    AccessDeniedError,
    CleanupPlan,
    GlacierError,
    GlacierUnavailableError,
    NoAccessError,
    RegionNotEnabledError,
    ResourceGoneError,
)
from glacier_cleanup.core.outcomes import UploadOutcome
from glacier_cleanup.observability import logger
from support.fakes import NOW, FakeGlacier, hours_ago
from support.handler_env import emitted


def run(glacier: FakeGlacier, **overrides: Any) -> tuple[list[tuple[str, float | None, str]], Any]:
    values: dict[str, Any] = {"dry_run": False, "older_than": timedelta(hours=168), "concurrency": 1}
    values.update(overrides)
    outcomes: list[UploadOutcome] = []
    summary = run_cleanup(glacier, CleanupPlan(**values), clock=lambda: NOW, on_upload=outcomes.append)
    told = sorted((o.upload.upload_id, o.age_hours, o.label) for o in outcomes)
    return told, summary


def log_lines(capsys: pytest.CaptureFixture[str], *keys: str) -> list[dict[str, Any]]:
    _, lines = emitted(capsys.readouterr().out)
    picked = [
        {key: line[key] for key in ("level", "message", *keys) if key in line}
        for line in lines
        if "upload_id" in line
    ]
    return sorted(picked, key=lambda line: (line["upload_id"], line["message"]))


@pytest.fixture
def every_kind() -> tuple[FakeGlacier, dict[str, str]]:
    glacier = FakeGlacier()
    ids = {
        "aborted": glacier.add_upload("vault", hours_ago(200), "nightly"),
        "young": glacier.add_upload("vault", hours_ago(2)),
        "protected": glacier.add_upload("vault", hours_ago(300), "keep: tape"),
        "unreadable": glacier.add_upload("vault", "yesterday"),
        "denied": glacier.add_upload("vault", hours_ago(400)),
        "gone": glacier.add_upload("vault", hours_ago(500)),
    }
    glacier.abort_errors[ids["denied"]] = AccessDeniedError("AccessDeniedException", "not yours")
    glacier.abort_errors[ids["gone"]] = ResourceGoneError("ResourceNotFoundException", "no such upload")
    return glacier, ids


def test_each_upload_is_told_with_its_age_and_what_happened(
    every_kind: tuple[FakeGlacier, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    glacier, ids = every_kind
    told, summary = run(glacier, protect_description=re.compile("^keep"))

    assert told == sorted(
        [
            (ids["aborted"], 200.0, "aborted"),
            (ids["protected"], 300.0, "protected"),
            (ids["unreadable"], None, "skipped: unusable CreationDate"),
            (ids["denied"], 400.0, "abort failed: AccessDeniedException"),
            (ids["gone"], 500.0, "already gone"),
        ]
    )
    result = summary.to_result()
    assert (result["uploads_aborted"], result["uploads_already_gone"], result["abort_failures"]) == (1, 1, 1)
    assert (result["uploads_protected"], result["uploads_skipped"], result["uploads_stale"]) == (1, 1, 3)


def test_each_upload_leaves_the_documented_log_line(
    every_kind: tuple[FakeGlacier, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    glacier, ids = every_kind
    capsys.readouterr()

    run(glacier)

    vault = {"vault": "vault"}
    assert log_lines(
        capsys, "vault", "upload_id", "age_hours", "error", "error_code", "creation_date"
    ) == sorted(
        [
            {
                "level": "INFO",
                "message": "aborted stale upload",
                **vault,
                "upload_id": ids["aborted"],
                "age_hours": 200.0,
                "creation_date": hours_ago(200),
            },
            {
                "level": "INFO",
                "message": "aborted stale upload",
                **vault,
                "upload_id": ids["protected"],  # nothing protects it in this run
                "age_hours": 300.0,
                "creation_date": hours_ago(300),
            },
            {
                "level": "WARNING",
                "message": "upload skipped: unusable CreationDate",
                **vault,
                "upload_id": ids["unreadable"],
                "creation_date": "yesterday",
            },
            {
                "level": "ERROR",
                "message": "abort failed",
                **vault,
                "upload_id": ids["denied"],
                "error": "AccessDeniedException: not yours",
                "error_code": "AccessDeniedException",
            },
            {"level": "INFO", "message": "stale upload already gone", **vault, "upload_id": ids["gone"]},
        ],
        key=lambda line: (line["upload_id"], line["message"]),
    )


def test_the_released_line_carries_what_an_operator_needs_to_find_the_upload(
    capsys: pytest.CaptureFixture[str],
) -> None:
    glacier = FakeGlacier()
    upload_id = glacier.add_upload("media", hours_ago(250), "reel 7", parts=3)
    capsys.readouterr()

    run(glacier, dry_run=True, report_bytes=True)

    [line] = log_lines(
        capsys, "vault", "upload_id", "age_hours", "archive_description", "creation_date", "dry_run", "bytes"
    )
    assert line == {
        "level": "INFO",
        "message": "would abort stale upload",
        "vault": "media",
        "upload_id": upload_id,
        "age_hours": 250.0,
        "archive_description": shown("reel 7", "hashed"),  # the default: hashed
        "creation_date": hours_ago(250),
        "dry_run": True,
        "bytes": 3 * 1024 * 1024,
    }


def test_an_upload_that_cannot_be_measured_is_still_aborted_and_says_why(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    glacier = FakeGlacier()
    upload_id = glacier.add_upload("media", hours_ago(250))

    def denied(vault: str, upload: str) -> Progress:
        raise AccessDeniedError("AccessDeniedException", "no ListParts")

    monkeypatch.setattr(glacier, "upload_progress", denied)
    capsys.readouterr()

    told, summary = run(glacier, report_bytes=True)

    assert told == [(upload_id, 250.0, "aborted")]
    assert summary.to_result()["bytes_released"] == 0
    assert log_lines(capsys, "vault", "upload_id", "error", "bytes") == [
        {
            "level": "INFO",
            "message": "aborted stale upload",
            "vault": "media",
            "upload_id": upload_id,
            # no "bytes": unknown sizes are left out
        },
        {
            "level": "WARNING",
            "message": "could not measure upload",
            "vault": "media",
            "upload_id": upload_id,
            "error": "AccessDeniedException: no ListParts",
        },
    ]


@pytest.mark.parametrize("dry_run", [True, False])
def test_uploads_past_the_cap_or_the_budget_are_told_so(dry_run: bool) -> None:
    glacier = FakeGlacier()
    for age in (200, 300, 400):
        glacier.add_upload("vault", hours_ago(age))

    told, _ = run(glacier, dry_run=dry_run, max_aborts=1)

    assert sorted(action for _, _, action in told) == sorted(
        ["aborted" if not dry_run else "would abort", *["not aborted: max_aborts reached"] * 2]
    )


def test_uploads_left_when_time_runs_out_are_not_reached(capsys: pytest.CaptureFixture[str]) -> None:
    glacier = FakeGlacier()
    ages = {glacier.add_upload("vault", hours_ago(age)): float(age) for age in (200, 300)}
    left = [60.0]
    glacier.before_abort = lambda vault, upload_id: left.__setitem__(0, 5.0)  # after the first abort: 5 s
    outcomes: list[UploadOutcome] = []
    plan = CleanupPlan(
        dry_run=False, older_than=timedelta(hours=168), concurrency=1, time_margin=timedelta(seconds=10)
    )
    capsys.readouterr()

    summary = run_cleanup(
        glacier, plan, clock=lambda: NOW, seconds_remaining=lambda: left[0], on_upload=outcomes.append
    )

    assert sorted(o.action for o in outcomes) == ["aborted", "not reached: run stopped"]
    assert all(o.age_hours == ages[o.upload.upload_id] for o in outcomes)
    assert summary.to_result()["uploads_not_reached"] == 1
    _, lines = emitted(capsys.readouterr().out)
    budget = [
        line for line in lines if line["message"] == "time budget reached: starting no new Glacier calls"
    ]
    assert [(line["level"], line["time_margin_seconds"]) for line in budget] == [("WARNING", 10.0)]


def test_glacier_going_away_mid_run_is_said_once(capsys: pytest.CaptureFixture[str]) -> None:
    glacier = FakeGlacier()
    for age in (200, 300, 400):
        glacier.add_upload("vault", hours_ago(age))
    for upload_id in list(glacier.vaults["vault"]):
        glacier.abort_errors[upload_id] = GlacierUnavailableError(
            "NoLongerSupportedException", "gone for good"
        )
    capsys.readouterr()

    _, summary = run(glacier, concurrency=4)

    _, lines = emitted(capsys.readouterr().out)
    said = [
        line
        for line in lines
        if line["message"] == "Glacier is not available to this account: nothing to clean"
    ]
    assert [(line["level"], line["error"]) for line in said] == [
        ("WARNING", "NoLongerSupportedException: gone for good")
    ]
    assert summary.to_result()["status"] == "glacier_unavailable"


def test_a_run_that_could_not_enter_its_account_says_so_whole() -> None:
    plan = CleanupPlan(dry_run=False, older_than=timedelta(hours=36), concurrency=1)
    error = NoAccessError("222222222222", "AccessDenied", "cannot assume the role")

    result = no_access_summary(plan, error, clock=lambda: NOW).to_result()

    assert {key: result[key] for key in ("status", "dry_run", "older_than_hours", "cutoff", "complete")} == {
        "status": "no_access",
        "dry_run": False,
        "older_than_hours": 36.0,
        "cutoff": "2025-05-31T00:00:00.000Z",
        "complete": False,
    }
    assert (result["account"], result["more_to_do"], result["uploads_found"]) == ("222222222222", False, 0)
    assert result["failures"] == [
        {
            "vault": None,
            "upload_id": None,
            "error": "account 222222222222: AccessDenied: cannot assume the role",
        }
    ]


def test_a_bug_while_aborting_is_that_uploads_failure_and_the_run_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    glacier = FakeGlacier()
    broken = glacier.add_upload("vault", hours_ago(200))
    fine = glacier.add_upload("vault", hours_ago(300))
    glacier.abort_errors[broken] = RuntimeError("bug")  # type: ignore[assignment]
    capsys.readouterr()

    told, summary = run(glacier)

    result = summary.to_result()
    assert result["failures"] == [{"vault": "vault", "upload_id": broken, "error": "RuntimeError: bug"}]
    assert (result["abort_failures"], result["uploads_aborted"]) == (1, 1)
    assert (fine, 300.0, "aborted") in told
    _, lines = emitted(capsys.readouterr().out)
    [line] = [line for line in lines if line["level"] == "ERROR"]
    assert (line["message"], line["vault"], line["upload_id"]) == (
        "unexpected error while aborting",
        "vault",
        broken,
    )


def test_protected_uploads_are_logged_at_debug_with_their_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    glacier = FakeGlacier()
    kept = glacier.add_upload("vault", hours_ago(300), "keep: tape")
    logger.setLevel("DEBUG")
    capsys.readouterr()
    try:
        run(glacier, protect_description=re.compile("^keep"))
    finally:
        logger.setLevel("INFO")

    assert log_lines(capsys, "vault", "upload_id", "archive_description") == [
        {
            "level": "DEBUG",
            "message": "stale upload protected",
            "vault": "vault",
            "upload_id": kept,
            "archive_description": shown("keep: tape", "hashed"),
        }
    ]


def test_the_clock_is_utc() -> None:
    assert utc_now().tzinfo is UTC


@pytest.mark.usefixtures("far_from_utc")
def test_the_no_access_cutoff_is_utc_whatever_the_machines_zone() -> None:
    plan = CleanupPlan(dry_run=True, older_than=timedelta(hours=1), concurrency=1)
    error = NoAccessError("222222222222", "AccessDenied", "no")
    result = no_access_summary(plan, error, clock=lambda: NOW).to_result()
    assert result["cutoff"] == "2025-06-01T11:00:00.000Z"


def test_capped_uploads_are_told_with_their_age() -> None:
    glacier = FakeGlacier()
    ages = {glacier.add_upload("vault", hours_ago(age)): float(age) for age in (200, 300)}

    told, _ = run(glacier, max_aborts=1)

    capped = [
        (upload_id, age) for upload_id, age, action in told if action == "not aborted: max_aborts reached"
    ]
    assert len(capped) == 1
    assert capped[0][1] == ages[capped[0][0]]


def test_measuring_first_still_stops_at_the_time_budget() -> None:
    glacier = FakeGlacier()
    ages = {glacier.add_upload("vault", hours_ago(age)): float(age) for age in (200, 300)}
    left = [60.0]
    glacier.before_abort = lambda vault, upload_id: left.__setitem__(0, 5.0)
    outcomes: list[UploadOutcome] = []
    plan = CleanupPlan(
        dry_run=False,
        older_than=timedelta(hours=168),
        concurrency=1,
        report_bytes=True,
        time_margin=timedelta(seconds=10),
    )

    run_cleanup(
        glacier, plan, clock=lambda: NOW, seconds_remaining=lambda: left[0], on_upload=outcomes.append
    )

    assert sorted(o.action for o in outcomes) == ["aborted", "not reached: run stopped"]
    assert all(o.age_hours == ages[o.upload.upload_id] for o in outcomes)
    assert glacier.calls["ListParts"] == 1  # the second upload was not measured either


def test_glacier_going_away_under_parallel_aborts_is_said_once(capsys: pytest.CaptureFixture[str]) -> None:
    glacier = FakeGlacier(latency=0.05)  # every abort in flight before the first answer
    for age in (200, 300, 400, 500):
        glacier.add_upload("vault", hours_ago(age))
    for upload_id in list(glacier.vaults["vault"]):
        glacier.abort_errors[upload_id] = GlacierUnavailableError("NoLongerSupportedException", "gone")
    capsys.readouterr()

    run(glacier, concurrency=8)

    _, lines = emitted(capsys.readouterr().out)
    said = [line for line in lines if line["message"].startswith("Glacier is not available")]
    assert glacier.calls["AbortMultipartUpload"] > 1
    assert len(said) == 1


def test_the_run_says_when_it_starts_and_what_each_vault_gave(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    glacier = FakeGlacier()
    glacier.add_upload("a", hours_ago(200))
    for vault in ("denied", "buggy", "excluded-1"):
        glacier.create_vault(vault)
    glacier.list_errors["denied"] = AccessDeniedError("AccessDeniedException", "no list")
    glacier.list_errors["buggy"] = KeyError("MultipartUploadId")  # type: ignore[assignment]
    glacier.list_errors["gone"] = ResourceGoneError("ResourceNotFoundException", "Vault not found: gone")
    clock = [100.0]
    monkeypatch.setattr(engine.time, "monotonic", lambda: clock[0])
    glacier.before_list_page = lambda vault, page: clock.__setitem__(0, clock[0] + 1.5)  # 1.5 s per page
    plan = CleanupPlan(
        dry_run=True,
        older_than=timedelta(hours=168),
        vaults=("a", "denied", "buggy", "gone", "a", "excluded-1"),
        exclude_vaults=("excluded-*",),
        max_aborts=9,
        concurrency=1,  # one vault at a time: each vault's duration is its own pages
    )
    logger.setLevel("DEBUG")
    capsys.readouterr()
    try:
        summary = run_cleanup(glacier, plan, clock=lambda: NOW)
    finally:
        logger.setLevel("INFO")

    _, lines = emitted(capsys.readouterr().out)
    by_message = {line["message"]: line for line in lines}
    started = by_message["cleanup started"]
    assert {
        key: started[key] for key in ("dry_run", "older_than_hours", "cutoff", "vaults", "concurrency")
    } == {
        "dry_run": True,
        "older_than_hours": 168.0,
        "cutoff": "2025-05-25T12:00:00.000Z",
        "vaults": ["a", "denied", "buggy", "gone", "a", "excluded-1"],
        "concurrency": 1,
    }
    assert started["max_aborts"] == 9
    scanned = by_message["vault scanned"]
    assert (scanned["vault"], scanned["uploads_found"], scanned["duration_ms"]) == ("a", 1, 1500)
    assert (by_message["vault not found"]["vault"], by_message["vault not found"]["level"]) == (
        "gone",
        "WARNING",
    )
    assert by_message["vault not found"]["error"] == "ResourceNotFoundException: Vault not found: gone"
    failed = by_message["listing uploads failed"]
    assert (failed["level"], failed["vault"], failed["error"], failed["error_code"]) == (
        "ERROR",
        "denied",
        "AccessDeniedException: no list",
        "AccessDeniedException",
    )
    bug = by_message["unexpected error while scanning vault"]
    assert (bug["level"], bug["vault"]) == ("ERROR", "buggy")
    assert (by_message["vault excluded"]["level"], by_message["vault excluded"]["vault"]) == (
        "DEBUG",
        "excluded-1",
    )
    result = summary.to_result()
    assert result["failures"] == [
        {"vault": "denied", "upload_id": None, "error": "AccessDeniedException: no list"},
        {"vault": "buggy", "upload_id": None, "error": "KeyError: 'MultipartUploadId'"},
    ]
    assert (result["vault_failures"], result["vaults_gone"], result["vaults_scanned"]) == (2, 1, 1)
    assert result["duration_ms"] == 4 * 1500  # a, denied, buggy, gone: one listing each


def test_without_configured_vaults_the_start_line_says_all(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    run(FakeGlacier())
    _, lines = emitted(capsys.readouterr().out)
    [started] = [line for line in lines if line["message"] == "cleanup started"]
    assert started["vaults"] == "all"


def test_the_work_queue_is_bounded_at_twice_the_concurrency_on_named_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bounds: list[int] = []

    class Recording(engine.BoundedTasks):
        def __init__(self, pool: Any, *, max_pending: int) -> None:
            bounds.append(max_pending)
            super().__init__(pool, max_pending=max_pending)

    monkeypatch.setattr(engine, "BoundedTasks", Recording)
    glacier = FakeGlacier()
    for age in (200, 300, 400):
        glacier.add_upload("vault", hours_ago(age))
    threads: list[str] = []
    glacier.before_abort = lambda vault, upload_id: threads.append(threading.current_thread().name)

    run(glacier, concurrency=3)

    assert bounds == [6]
    assert len(threads) == 3
    assert all(name.startswith("glacier-cleanup_") for name in threads)


@pytest.mark.usefixtures("far_from_utc")
def test_a_run_judges_ages_in_utc_whatever_the_machines_zone() -> None:
    _, summary = run(FakeGlacier())
    assert summary.to_result()["cutoff"] == "2025-05-25T12:00:00.000Z"


def test_a_vault_of_several_pages_counts_every_upload_once(capsys: pytest.CaptureFixture[str]) -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("big", 120, age_hours=2)  # three pages of 50, all young
    capsys.readouterr()

    _, summary = run(glacier)

    _, lines = emitted(capsys.readouterr().out)
    [scanned] = [line for line in lines if line["message"] == "vault scanned"]
    assert scanned["uploads_found"] == summary.to_result()["uploads_found"] == 120


def test_a_vault_whose_listing_was_cut_short_is_not_reached_not_scanned() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("big", 120, age_hours=2)
    left = [60.0]
    glacier.before_list_page = lambda vault, page: page == 1 and left.__setitem__(0, 5.0)  # after page 1
    plan = CleanupPlan(
        dry_run=True, older_than=timedelta(hours=168), concurrency=1, time_margin=timedelta(seconds=10)
    )

    result = run_cleanup(glacier, plan, clock=lambda: NOW, seconds_remaining=lambda: left[0]).to_result()

    assert (result["vaults_scanned"], result["vaults_not_reached"], result["complete"]) == (0, 1, False)
    assert result["uploads_found"] == 100


@pytest.mark.parametrize(
    ("error", "message", "level"),
    [
        (
            RegionNotEnabledError("UnrecognizedClientException", "token not valid"),
            "region not enabled for this account: nothing to clean",
            "WARNING",
        ),
        (
            GlacierUnavailableError("NoLongerSupportedException", "no longer supported"),
            "Glacier is not available to this account: nothing to clean",
            "WARNING",
        ),
        (AccessDeniedError("AccessDeniedException", "no ListVaults"), "listing vaults failed", "ERROR"),
    ],
)
def test_a_vault_list_that_fails_is_said_with_its_error(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: GlacierError,
    message: str,
    level: str,
) -> None:
    glacier = FakeGlacier()

    def refused() -> Iterator[list[str]]:
        raise error
        yield []

    monkeypatch.setattr(glacier, "iter_vault_pages", refused)
    capsys.readouterr()

    _, summary = run(glacier)

    _, lines = emitted(capsys.readouterr().out)
    [said] = [line for line in lines if line["message"] == message]
    assert (said["level"], said["error"]) == (level, str(error))
    if level == "ERROR":
        assert said["error_code"] == error.code
    failures = summary.to_result()["failures"]
    assert failures == ([{"vault": None, "upload_id": None, "error": str(error)}] if level == "ERROR" else [])


def test_glacier_going_away_while_listing_uploads_is_said_with_its_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    glacier = FakeGlacier()
    glacier.add_upload("vault", hours_ago(200))
    glacier.list_errors["vault"] = GlacierUnavailableError("NoLongerSupportedException", "retired")
    capsys.readouterr()

    _, summary = run(glacier)

    _, lines = emitted(capsys.readouterr().out)
    [said] = [line for line in lines if line["message"].startswith("Glacier is not available")]
    assert said["error"] == "NoLongerSupportedException: retired"
    assert summary.to_result()["status"] == "glacier_unavailable"
