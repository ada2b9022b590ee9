"""The run's plan and counters (glacier_cleanup.core.models): the status a run ends with, whether another
round can do more, the abort cap under concurrent workers, and the result's optional keys."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from glacier_cleanup.core.models import (
    FINAL_STATUSES,
    MAX_REPORTED_FAILURES,
    CleanupPlan,
    Failure,
    GlacierError,
    RunSummary,
    monthly_cost_usd,
)

CUTOFF = datetime(2025, 5, 25, 12, 0, 0, 123456, tzinfo=UTC)


def summary(**fields: Any) -> RunSummary:
    return RunSummary(dry_run=False, older_than_hours=168.0, cutoff=CUTOFF, **fields)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, "ok"),
        ({"no_access": True, "region_not_enabled": True, "glacier_unavailable": True}, "no_access"),
        (
            {"region_not_enabled": True, "glacier_unavailable": True, "abort_failures": 1},
            "region_not_enabled",
        ),
        ({"glacier_unavailable": True, "abort_failures": 1}, "glacier_unavailable"),
        ({"abort_failures": 1, "complete": False}, "partial"),
        ({"vault_failures": 1}, "partial"),
        ({"activity_failures": 1}, "partial"),
        ({"complete": False, "vaults_configured": True, "vaults_gone": 1}, "incomplete"),
        ({"vaults_not_reached": 1}, "incomplete"),
        ({"uploads_not_reached": 1}, "incomplete"),
        ({"vaults_configured": True, "vaults_gone": 1}, "vault_not_found"),
        # A vault deleted between the listing and the scan, with no vault list configured: nothing wrong.
        ({"vaults_gone": 1}, "ok"),
    ],
)
def test_the_status_names_the_most_serious_thing_that_happened(fields: dict[str, Any], status: str) -> None:
    assert summary(**fields).status == status


@pytest.mark.parametrize(
    ("fields", "more"),
    [
        ({}, False),
        ({"complete": False}, True),
        ({"uploads_not_reached": 3}, True),
        ({"complete": False, "vault_list_denied": True}, False),
        ({"complete": False, "glacier_unavailable": True}, False),
        ({"complete": False, "region_not_enabled": True}, False),
        ({"complete": False, "no_access": True}, False),
        ({"complete": False, "abort_failures": 1}, True),
    ],
)
def test_another_round_is_asked_for_only_when_it_could_reach_more(fields: dict[str, Any], more: bool) -> None:
    run = summary(**fields)
    assert run.more_to_do is more
    assert run.to_result()["more_to_do"] is more
    if fields.get("complete") is False and not more and "vault_list_denied" not in fields:
        assert run.status in FINAL_STATUSES


def test_the_abort_cap_holds_under_concurrent_workers() -> None:
    run = summary()
    granted: list[bool] = []
    lock = threading.Lock()

    def worker(vault: str) -> None:
        for _ in range(50):
            taken = run.reserve_abort(30, vault)
            with lock:
                granted.append(taken)

    threads = [threading.Thread(target=worker, args=(f"v{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert granted.count(True) == 30 == run.abort_calls
    assert sum(run.counts_of(f"v{i}").get("abort_calls", 0) for i in range(8)) == 30


def test_without_a_cap_every_abort_is_granted_and_counted_per_vault() -> None:
    run = summary()
    assert all(run.reserve_abort(None, "a") for _ in range(5))
    assert run.reserve_abort(None, "b")
    assert (run.counts_of("a"), run.counts_of("b"), run.counts_of("c")) == (
        {"abort_calls": 5},
        {"abort_calls": 1},
        {},
    )


def test_failures_are_all_counted_but_only_the_first_are_kept() -> None:
    run = summary()
    for number in range(MAX_REPORTED_FAILURES + 7):
        run.record_failure(Failure("v", f"u{number}", "AccessDeniedException"), counter="abort_failures")
    result = run.to_result()
    assert result["abort_failures"] == MAX_REPORTED_FAILURES + 7
    assert len(result["failures"]) == MAX_REPORTED_FAILURES
    assert result["failures"][0] == {"vault": "v", "upload_id": "u0", "error": "AccessDeniedException"}
    assert run.counts_of("v") == {"abort_failures": MAX_REPORTED_FAILURES + 7}


def test_the_cutoff_is_written_as_glacier_writes_creation_dates() -> None:
    assert summary().cutoff_iso == "2025-05-25T12:00:00.123Z"
    assert summary().to_result()["cutoff"] == "2025-05-25T12:00:00.123Z"


def test_the_result_carries_optional_keys_only_when_they_apply() -> None:
    plain = summary().to_result()
    assert {"idle_hours", "account", "region", "bytes_released", "bytes_stale", "stopped_by"}.isdisjoint(
        plain
    )
    assert plain["activity_check"] is False

    full = summary(idle_hours=48.0, account="111122223333", region="eu-west-1", stopped_by="time budget")
    full.add_bytes(2**30)
    full.add_stale_bytes(2 * 2**30)
    result = full.to_result()
    assert (result["activity_check"], result["idle_hours"]) == (True, 48.0)
    assert (result["account"], result["region"], result["stopped_by"]) == (
        "111122223333",
        "eu-west-1",
        "time budget",
    )
    assert (result["bytes_released"], result["bytes_stale"]) == (2**30, 2 * 2**30)
    assert result["stale_monthly_cost_usd"] == monthly_cost_usd(2 * 2**30, 0.0036) == 0.0072


def test_a_continued_plan_has_what_is_left_of_the_cap_and_where_to_resume() -> None:
    plan = CleanupPlan(dry_run=False, older_than=timedelta(hours=168), max_aborts=10)
    later = plan.continued(aborts_before=4, resume_after="vault-b")
    assert (later.max_aborts, later.resume_after) == (6, "vault-b")
    assert plan.continued(aborts_before=25, resume_after=None).max_aborts == 0
    uncapped = CleanupPlan(dry_run=False, older_than=timedelta(hours=168))
    assert uncapped.continued(aborts_before=25, resume_after="x").max_aborts is None


@pytest.mark.parametrize(
    ("activity_check", "report_bytes", "measures"),
    [(False, False, False), (True, False, True), (False, True, True), (True, True, True)],
)
def test_a_plan_lists_parts_only_for_activity_or_bytes(
    activity_check: bool, report_bytes: bool, measures: bool
) -> None:
    plan = CleanupPlan(
        dry_run=True, older_than=timedelta(hours=1), activity_check=activity_check, report_bytes=report_bytes
    )
    assert plan.measures is measures


def test_a_glacier_error_keeps_its_code_and_says_it_first() -> None:
    error = GlacierError("ThrottlingException", "slow down")
    assert (error.code, error.message, str(error)) == (
        "ThrottlingException",
        "slow down",
        "ThrottlingException: slow down",
    )
    assert str(GlacierError("ServiceUnavailableException", "")) == "ServiceUnavailableException"


def test_the_monthly_cost_is_per_gibibyte_rounded_to_four_decimals() -> None:
    assert monthly_cost_usd(2**30, 0.0036) == 0.0036
    assert monthly_cost_usd(int(2**30 * 1.23456), 0.0036) == 0.0044
    assert monthly_cost_usd(0, 0.0036) == 0.0
