"""The cleanup engine against an in-memory Glacier: which uploads go, which stay, and what is reported."""

from __future__ import annotations

import logging
import re
import statistics
import threading
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.decisions import parse_creation_date
from glacier_cleanup.core.engine import is_excluded, run_cleanup
from glacier_cleanup.core.models import (
    MAX_REPORTED_FAILURES,
    AccessDeniedError,
    CleanupPlan,
    GlacierError,
    GlacierUnavailableError,
    ResourceGoneError,
    RunSummary,
    Upload,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fakes import NOW, FakeGlacier, cleanup_plan, hours_ago, iso


def plan(**overrides: object) -> CleanupPlan:
    return cleanup_plan(**{"concurrency": 8, **overrides})


def run(glacier: FakeGlacier, **overrides: object):
    return run_cleanup(glacier, plan(**overrides), clock=lambda: NOW)


def test_many_vaults_many_pages_every_stale_upload_aborted_once_and_fresh_ones_kept() -> None:
    # Given 12 vaults (2 ListVaults pages) with 60 stale and 15 fresh uploads each (2 upload pages)
    glacier = FakeGlacier()
    stale, fresh = set(), set()
    for number in range(12):
        vault = f"vault-{number:02d}"
        stale |= {(vault, upload) for upload in glacier.add_uploads(vault, 60, age_hours=200)}
        fresh |= {(vault, upload) for upload in glacier.add_uploads(vault, 15, age_hours=2)}

    # When
    summary = run(glacier)

    # Then every stale upload was aborted exactly once and no fresh one was touched
    assert len(glacier.aborted) == len(set(glacier.aborted)) == 720
    assert set(glacier.aborted) == stale
    assert not fresh & set(glacier.aborted)
    assert glacier.calls["ListVaults"] == 2
    assert glacier.calls["ListMultipartUploads"] == 12 * 2
    result = summary.to_result()
    assert result["status"] == "ok"
    assert result["complete"] is True
    assert result["vaults_scanned"] == 12
    assert result["uploads_found"] == 900
    assert result["uploads_stale"] == result["uploads_aborted"] == 720
    assert result["failures"] == []


@pytest.mark.parametrize(
    ("age", "aborted"),
    [
        (timedelta(hours=168) - timedelta(milliseconds=1), False),  # just under the threshold
        (timedelta(hours=168), True),  # exactly at it: now - CreationDate >= older_than
        (timedelta(hours=168) + timedelta(milliseconds=1), True),  # just over
        (timedelta(0), False),  # created this instant
    ],
    ids=["just-under", "at", "just-over", "now"],
)
def test_threshold_boundaries(age: timedelta, aborted: bool) -> None:
    glacier = FakeGlacier()
    upload = glacier.add_upload("backups", iso(NOW - age))

    summary = run(glacier)

    assert (("backups", upload) in glacier.aborted) is aborted
    assert summary.uploads_stale == int(aborted)


def test_dry_run_aborts_nothing_and_reports_what_a_real_run_would_abort() -> None:
    glacier = FakeGlacier()
    for vault in ("a", "b", "c"):
        glacier.add_uploads(vault, 70, age_hours=500)
        glacier.add_uploads(vault, 5, age_hours=1)

    dry = run(glacier, dry_run=True)

    assert glacier.calls["AbortMultipartUpload"] == 0
    assert dry.uploads_aborted == 0
    real = run(glacier)
    assert dry.uploads_stale == real.uploads_aborted == 210
    assert dry.to_result()["dry_run"] is True


def test_protected_descriptions_are_never_aborted() -> None:
    glacier = FakeGlacier()
    kept = glacier.add_uploads("media", 3, age_hours=900, description="keep: 4 TB restore in progress")
    gone = glacier.add_uploads("media", 2, age_hours=900, description="nightly backup")
    no_description = glacier.add_upload("media", hours_ago(900), None)

    summary = run(glacier, protect_description=re.compile(r"^keep:"))

    assert glacier.remaining("media") == set(kept)
    assert {upload for _, upload in glacier.aborted} == {*gone, no_description}
    assert summary.uploads_protected == 3
    assert summary.uploads_stale == 3


@pytest.mark.parametrize("dry_run", [False, True])
def test_max_aborts_caps_one_run(dry_run: bool) -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("a", 30, age_hours=300)
    glacier.add_uploads("b", 30, age_hours=300)

    summary = run(glacier, max_aborts=25, dry_run=dry_run)

    assert glacier.calls["AbortMultipartUpload"] == (0 if dry_run else 25)
    assert summary.uploads_stale == 60
    assert summary.uploads_capped == 35
    assert summary.uploads_aborted == (0 if dry_run else 25)


def test_max_aborts_zero_aborts_nothing() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("a", 5, age_hours=300)

    summary = run(glacier, max_aborts=0)

    assert glacier.calls["AbortMultipartUpload"] == 0
    assert summary.uploads_capped == 5


def test_second_run_finds_nothing_left_to_abort() -> None:
    glacier = FakeGlacier()
    for vault in ("a", "b"):
        glacier.add_uploads(vault, 55, age_hours=300)
        glacier.add_uploads(vault, 4, age_hours=3)
    first = run(glacier)

    second = run(glacier)

    assert first.uploads_aborted == 110
    assert second.uploads_aborted == second.uploads_stale == 0
    assert second.uploads_found == 8
    assert glacier.calls["AbortMultipartUpload"] == 110


def test_upload_aborted_by_someone_else_between_list_and_abort_counts_as_already_gone() -> None:
    glacier = FakeGlacier()
    raced = glacier.add_upload("a", hours_ago(400))
    glacier.add_uploads("a", 3, age_hours=400)

    def someone_else_aborts_first(vault: str, upload_id: str) -> None:
        if upload_id == raced:
            glacier.vaults[vault].pop(upload_id, None)

    glacier.before_abort = someone_else_aborts_first

    summary = run(glacier)

    assert summary.status == "ok"
    assert summary.uploads_already_gone == 1
    assert summary.uploads_aborted == 3
    assert summary.abort_failures == 0


def test_vault_deleted_mid_run_is_reported_and_not_fatal() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("doomed", 120, age_hours=400)  # 3 pages
    glacier.add_uploads("other", 10, age_hours=400)

    def delete_after_first_page(vault: str, page_number: int) -> None:
        if vault == "doomed" and page_number == 1:
            del glacier.vaults["doomed"]

    glacier.before_list_page = delete_after_first_page

    summary = run(glacier)

    assert summary.status == "ok"
    assert summary.vaults_gone == 1
    assert summary.vaults_scanned == 1
    assert summary.to_result()["vaults_gone"] == 1
    assert glacier.remaining("other") == set()


def test_access_denied_on_one_vault_fails_that_vault_only() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("secret", 5, age_hours=400)
    glacier.add_uploads("open", 5, age_hours=400)
    glacier.list_errors["secret"] = AccessDeniedError("AccessDeniedException", "denied")

    summary = run(glacier)

    result = summary.to_result()
    assert result["status"] == "partial"
    assert result["vault_failures"] == 1
    assert result["failures"] == [
        {"vault": "secret", "upload_id": None, "error": "AccessDeniedException: denied"}
    ]
    assert glacier.remaining("open") == set()
    assert len(glacier.remaining("secret")) == 5
    assert result["complete"] is True


def test_abort_failure_is_recorded_per_upload_and_other_work_continues() -> None:
    glacier = FakeGlacier()
    broken = glacier.add_upload("a", hours_ago(400))
    glacier.add_uploads("a", 9, age_hours=400)
    glacier.abort_errors[broken] = GlacierError("ServiceUnavailableException", "try later")

    summary = run(glacier)

    assert summary.status == "partial"
    assert summary.uploads_aborted == 9
    assert summary.abort_failures == 1
    assert summary.to_result()["failures"] == [
        {"vault": "a", "upload_id": broken, "error": "ServiceUnavailableException: try later"}
    ]


def test_failures_kept_in_the_result_are_bounded() -> None:
    glacier = FakeGlacier()
    for upload in glacier.add_uploads("a", MAX_REPORTED_FAILURES + 30, age_hours=400):
        glacier.abort_errors[upload] = GlacierError("InternalFailure", "boom")

    summary = run(glacier)

    assert summary.abort_failures == MAX_REPORTED_FAILURES + 30
    assert len(summary.to_result()["failures"]) == MAX_REPORTED_FAILURES


def test_no_longer_supported_on_list_vaults_ends_cleanly() -> None:
    glacier = FakeGlacier()
    glacier.create_vault("a")
    glacier.unavailable = True

    summary = run(glacier)

    result = summary.to_result()
    assert result["status"] == "glacier_unavailable"
    assert result["failures"] == []
    assert result["abort_failures"] == result["vault_failures"] == 0
    assert result["complete"] is True


def test_no_longer_supported_mid_run_stops_the_run_without_failures() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("a", 5, age_hours=400)
    glacier.add_uploads("b", 5, age_hours=400)
    glacier.list_errors["a"] = GlacierUnavailableError("NoLongerSupportedException", "gone")

    summary = run(glacier, concurrency=1)

    assert summary.status == "glacier_unavailable"
    assert summary.abort_failures == summary.vault_failures == 0


def test_list_vaults_denied_is_a_failure_and_an_incomplete_run() -> None:
    glacier = FakeGlacier()
    glacier.create_vault("a")
    glacier.deny_list_vaults = True

    summary = run(glacier)

    assert summary.status == "partial"
    assert summary.complete is False
    assert summary.to_result()["failures"][0]["vault"] is None
    # Denied (an SCP denying the region): another round of the same run would be denied too.
    assert summary.more_to_do is False


def test_list_vaults_failing_otherwise_is_worth_another_round() -> None:
    glacier = FakeGlacier()
    glacier.create_vault("a")

    def unavailable() -> Iterator[list[str]]:  # a generator that fails at its first page
        raise GlacierError("ServiceUnavailableException", "down")
        yield []

    glacier.iter_vault_pages = unavailable  # type: ignore[method-assign]
    summary = run(glacier)

    assert (summary.status, summary.complete, summary.more_to_do) == ("partial", False, True)


def test_time_budget_stops_new_calls_then_the_next_run_finishes() -> None:
    # Given 20 vaults of stale uploads and a Lambda with 100 s left, each call "costing" 1 s of it
    glacier = FakeGlacier()
    for number in range(20):
        glacier.add_uploads(f"v{number:02d}", 10, age_hours=400)
    clock_lock = threading.Lock()
    remaining = [100.0]

    def seconds_remaining() -> float:
        with clock_lock:
            remaining[0] -= 0.5
            return remaining[0]

    # When the run keeps a 30 s margin
    first = run_cleanup(
        glacier,
        plan(time_margin=timedelta(seconds=30)),
        clock=lambda: NOW,
        seconds_remaining=seconds_remaining,
    )

    # Then it stopped early, said so, and the next (unhurried) run converges
    assert first.complete is False
    assert first.to_result()["complete"] is False
    assert 0 < first.uploads_aborted < 200
    not_done = first.uploads_not_reached + first.vaults_not_reached
    assert not_done > 0 or first.vaults_scanned < 20
    second = run(glacier)
    assert second.complete is True
    assert first.uploads_aborted + second.uploads_aborted == 200
    assert all(not glacier.remaining(vault) for vault in glacier.vaults)


def test_no_time_left_at_all_makes_no_call() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("a", 3, age_hours=400)

    summary = run_cleanup(glacier, plan(), clock=lambda: NOW, seconds_remaining=lambda: 5.0)

    assert sum(glacier.calls.values()) == 0
    assert summary.complete is False


@pytest.mark.parametrize(
    "creation_date",
    [
        "not a date",
        "",
        None,
        "2025-13-45T00:00:00Z",
        iso(NOW + timedelta(seconds=1)),
        iso(NOW + timedelta(days=400)),
    ],
    ids=["garbage", "empty", "missing", "impossible", "one-second-ahead", "next-year"],
)
def test_unusable_creation_dates_are_skipped_never_aborted(creation_date: str | None) -> None:
    glacier = FakeGlacier()
    glacier.add_upload("a", creation_date)
    glacier.add_uploads("a", 2, age_hours=400)

    summary = run(glacier)

    assert summary.uploads_skipped == 1
    assert summary.uploads_aborted == 2
    assert len(glacier.remaining("a")) == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2012-03-19T23:20:59.130Z", datetime(2012, 3, 19, 23, 20, 59, 130000, tzinfo=UTC)),
        ("2012-03-19T23:20:59.130", datetime(2012, 3, 19, 23, 20, 59, 130000, tzinfo=UTC)),  # no offset: UTC
        ("2012-03-20T01:20:59+02:00", datetime(2012, 3, 19, 23, 20, 59, tzinfo=UTC)),
        ("yesterday", None),
        (12345, None),
    ],
)
def test_creation_dates_are_read_as_utc(raw: object, expected: datetime | None) -> None:
    assert parse_creation_date(raw) == expected


def test_configured_vaults_and_exclusions() -> None:
    glacier = FakeGlacier()
    for vault in ("prod-db", "prod-logs", "test-a", "keep-me", "other"):
        glacier.add_uploads(vault, 2, age_hours=400)

    summary = run(glacier, exclude_vaults=("prod-*", "keep-me"))

    assert {vault for vault, _ in glacier.aborted} == {"test-a", "other"}
    assert summary.vaults_scanned == 2

    glacier2 = FakeGlacier()
    for vault in ("prod-db", "test-a", "other"):
        glacier2.add_uploads(vault, 2, age_hours=400)
    summary2 = run(glacier2, vaults=("test-a", "prod-db", "test-a"), exclude_vaults=("prod-*",))
    assert {vault for vault, _ in glacier2.aborted} == {"test-a"}
    assert glacier2.calls["ListVaults"] == 0  # a configured list needs no ListVaults
    assert glacier2.calls["ListMultipartUploads"] == 1  # duplicates are scanned once
    assert summary2.vaults_scanned == 1


def test_configured_vault_that_does_not_exist_is_reported_not_fatal() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("real", 2, age_hours=400)

    summary = run(glacier, vaults=("real", "typo"))

    # The other vault is cleaned, and the status says a configured name is wrong (never silently "ok").
    assert summary.status == "vault_not_found"
    assert summary.vaults_gone == 1
    assert summary.uploads_aborted == 2


def test_a_vault_deleted_during_an_every_vault_run_is_not_a_misconfiguration() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("real", 2, age_hours=400)
    glacier.add_uploads("doomed", 1, age_hours=400)
    glacier.list_errors["doomed"] = ResourceGoneError("ResourceNotFoundException", "vault deleted")
    summary = run(glacier)
    assert (summary.status, summary.vaults_gone) == ("ok", 1)


@pytest.mark.parametrize(
    ("counts", "status"),
    [
        ({}, "ok"),
        ({"uploads_capped": 3}, "ok"),  # max_aborts is what was asked for: done
        ({"complete": False}, "incomplete"),
        ({"vaults_not_reached": 1}, "incomplete"),
        ({"uploads_not_reached": 1}, "incomplete"),
        ({"vaults_gone": 1, "vaults_configured": True}, "vault_not_found"),
        ({"vaults_gone": 1}, "ok"),
        ({"abort_failures": 1, "complete": False}, "partial"),
        ({"vault_failures": 1}, "partial"),
        ({"glacier_unavailable": True, "abort_failures": 1}, "glacier_unavailable"),
        ({"region_not_enabled": True}, "region_not_enabled"),
    ],
)
def test_status_rules_ok_means_everything_was_done(counts: dict[str, object], status: str) -> None:
    summary = RunSummary(dry_run=False, older_than_hours=168, cutoff=NOW, **counts)  # type: ignore[arg-type]
    assert summary.status == status


@pytest.mark.parametrize(
    ("vault", "patterns", "excluded"),
    [
        ("prod", ("prod",), True),
        ("prod-1", ("prod",), False),
        ("prod-1", ("prod-*",), True),
        ("Prod-1", ("prod-*",), False),  # vault names are case-sensitive
        ("a.b", ("a?b",), True),
        ("x", (), False),
    ],
)
def test_exclusion_patterns(vault: str, patterns: tuple[str, ...], excluded: bool) -> None:
    assert is_excluded(vault, patterns) is excluded


def test_report_bytes_sums_the_parts_of_every_aborted_upload() -> None:
    glacier = FakeGlacier()
    glacier.add_upload("a", hours_ago(400), parts=3)
    glacier.add_upload("a", hours_ago(400), parts=2)
    glacier.add_upload("a", hours_ago(1), parts=7)  # fresh: not measured

    summary = run(glacier, report_bytes=True)

    assert summary.to_result()["bytes_released"] == 5 * 1024 * 1024
    assert glacier.calls["ListParts"] == 2
    dry_glacier = FakeGlacier()
    dry_glacier.add_upload("a", hours_ago(400), parts=1)
    dry = run(dry_glacier, report_bytes=True, dry_run=True)
    assert dry.to_result()["bytes_released"] == 1024 * 1024
    assert dry_glacier.calls["AbortMultipartUpload"] == 0


def test_bytes_released_is_absent_unless_asked_for() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("a", 1, age_hours=400)

    assert "bytes_released" not in run(glacier).to_result()


def test_a_bug_in_a_worker_becomes_a_reported_failure() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("a", 2, age_hours=400)

    def explode(vault: str, upload_id: str) -> None:
        raise KeyError("bug")

    glacier.before_abort = explode

    summary = run(glacier)

    assert summary.status == "partial"
    assert summary.abort_failures == 2
    assert "KeyError" in summary.to_result()["failures"][0]["error"]


def test_single_worker_with_many_stale_uploads_does_not_deadlock() -> None:
    glacier = FakeGlacier()
    for vault in ("a", "b", "c"):
        glacier.add_uploads(vault, 120, age_hours=400)

    summary = run(glacier, concurrency=1)

    assert summary.uploads_aborted == 360


def test_calls_run_in_parallel_up_to_the_bound_and_start_before_the_vault_list_ends() -> None:
    # Given 30 vaults (3 ListVaults pages), 60 stale uploads each, and 5 ms per call
    glacier = FakeGlacier(latency=0.005)
    for number in range(30):
        glacier.add_uploads(f"v{number:02d}", 60, age_hours=400)
    calls = 3 + 30 * 2 + 30 * 60

    summary = run(glacier, concurrency=16)

    assert summary.uploads_aborted == 1800
    assert len(glacier.in_flight_at_start) == calls
    assert glacier.max_in_flight <= 16 + 1  # the pool, plus the caller thread listing vaults
    assert glacier.max_in_flight >= 8
    # Most calls start while many others are in flight: near calls / concurrency x latency, far from
    # serial (a mean of 1). Counted, not timed: the same on a busy machine.
    assert statistics.mean(glacier.in_flight_at_start) >= 8
    # The first vault's uploads were listed before the last ListVaults page was requested
    first_upload_listing = glacier.call_log.index(("ListMultipartUploads", "v00"))
    last_vault_page = max(i for i, (op, _) in enumerate(glacier.call_log) if op == "ListVaults")
    assert first_upload_listing < last_vault_page


def test_cutoff_is_computed_once_from_the_injected_clock() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("a", 1, age_hours=400)
    ticks = iter([NOW, NOW + timedelta(days=365)])

    summary = run_cleanup(glacier, plan(), clock=lambda: next(ticks))

    assert summary.to_result()["cutoff"] == iso(NOW - timedelta(hours=168))


AGES_HOURS = st.lists(
    st.floats(min_value=0, max_value=24 * 400, allow_nan=False, allow_infinity=False),
    min_size=0,
    max_size=120,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ages=AGES_HOURS,
    older_than_hours=st.floats(min_value=1, max_value=24 * 365),
    dry_run=st.booleans(),
    concurrency=st.integers(min_value=1, max_value=8),
)
def test_property_no_upload_younger_than_the_cutoff_is_ever_aborted(
    ages: list[float], older_than_hours: float, dry_run: bool, concurrency: int
) -> None:
    glacier = FakeGlacier()
    created = {
        glacier.add_upload(f"v{i % 3}", iso(NOW - timedelta(hours=age))): age for i, age in enumerate(ages)
    }
    cutoff = NOW - timedelta(hours=older_than_hours)

    summary = run(
        glacier, older_than=timedelta(hours=older_than_hours), dry_run=dry_run, concurrency=concurrency
    )

    aborted = {upload for _, upload in glacier.aborted}
    for upload_id, age in created.items():
        # Compare exactly as Glacier would report it: the millisecond-precision string.
        is_stale = parse_creation_date(iso(NOW - timedelta(hours=age))) <= cutoff  # type: ignore[operator]
        if not is_stale:
            assert upload_id not in aborted
        elif not dry_run:
            assert upload_id in aborted
    assert summary.uploads_stale == sum(
        1
        for age in created.values()
        if parse_creation_date(iso(NOW - timedelta(hours=age))) <= cutoff  # type: ignore[operator]
    )
    if dry_run:
        assert not aborted


def test_run_never_raises_for_domain_errors_on_every_operation() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("a", 3, age_hours=400)
    glacier.list_errors["a"] = ResourceGoneError("ResourceNotFoundException", "gone")

    summary = run(glacier)

    assert summary.status == "ok"
    assert summary.vaults_gone == 1


_ = UTC


class StreamingGlacier:
    """Generates every page on the fly and stores nothing: any memory growth would be the engine's."""

    def __init__(self, vaults: int, uploads_per_vault: int) -> None:
        self.vaults = vaults
        self.uploads_per_vault = uploads_per_vault
        self.aborts = 0
        self._lock = threading.Lock()

    def iter_vault_pages(self):
        for start in range(0, self.vaults, 10):
            yield [f"v{number:04d}" for number in range(start, min(start + 10, self.vaults))]

    def iter_upload_pages(self, vault: str):
        for start in range(0, self.uploads_per_vault, 50):
            end = min(start + 50, self.uploads_per_vault)
            yield [Upload(vault, f"{vault}-{number}", hours_ago(400), None) for number in range(start, end)]

    def abort_upload(self, vault: str, upload_id: str) -> None:
        with self._lock:
            self.aborts += 1

    def upload_progress(self, vault: str, upload_id: str) -> Progress:
        return Progress(0, 0)


@pytest.mark.slow  # 4 s of tracemalloc; `make mutation` leaves it out (other engine tests cover behaviour)
def test_memory_stays_flat_as_the_account_grows() -> None:
    def peak_bytes(vaults: int) -> int:
        glacier = StreamingGlacier(vaults, 200)
        tracemalloc.start()
        try:
            summary = run(glacier, max_aborts=None)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert summary.uploads_aborted == glacier.aborts == vaults * 200
        return peak

    logging.disable(logging.INFO)  # the per-upload log lines are not what is measured here
    try:
        small, large = peak_bytes(5), peak_bytes(50)  # 1,000 vs 10,000 uploads
    finally:
        logging.disable(logging.NOTSET)

    assert large < small * 2 + 200_000, (small, large)
