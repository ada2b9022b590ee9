"""One stop for the time budget and an operator's interrupt; the per-upload outcomes; a disabled region."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from glacier_cleanup.core.engine import run_cleanup
from glacier_cleanup.core.models import CleanupPlan, GlacierUnavailableError, RegionNotEnabledError
from glacier_cleanup.core.outcomes import UploadOutcome
from glacier_cleanup.core.stopping import Stop
from support.fakes import NOW, FakeGlacier, cleanup_plan


def plan(**overrides: object) -> CleanupPlan:
    return cleanup_plan(**overrides)


def test_a_stop_requested_mid_run_starts_no_new_call_and_accounts_for_everything() -> None:
    glacier = FakeGlacier()
    for number in range(6):
        glacier.add_uploads(f"vault-{number}", 40, age_hours=300)
    stop = Stop()
    stopped_after = 25

    def maybe_stop(_vault: str, _upload_id: str) -> None:
        if len(glacier.aborted) + 1 >= stopped_after:
            stop.request("interrupted")

    glacier.before_abort = maybe_stop
    summary = run_cleanup(glacier, plan(), clock=lambda: NOW, stop=stop)
    result = summary.to_result()
    # The aborts in flight when the stop came finish; nothing new starts.
    assert stopped_after <= len(glacier.aborted) <= stopped_after + 4
    assert (result["complete"], result["stopped_by"]) == (False, "interrupted")
    assert result["uploads_aborted"] == len(glacier.aborted)
    # Every stale upload seen was aborted or is counted as not reached; every vault scanned or not reached.
    assert result["uploads_stale"] == result["uploads_aborted"] + result["uploads_not_reached"]
    assert result["vaults_scanned"] + result["vaults_not_reached"] == 6
    assert result["vaults_not_reached"] > 0


def test_the_time_budget_stops_through_the_same_stop() -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("vault", 30, age_hours=300)
    stop = Stop()
    summary = run_cleanup(glacier, plan(), clock=lambda: NOW, seconds_remaining=lambda: 10.0, stop=stop)
    # 10 s left with the default 30 s margin: out of time before the first call.
    assert stop.reason == "time_budget"
    assert summary.to_result()["stopped_by"] == "time_budget"
    assert glacier.aborted == []
    assert stop.request("interrupted") is False  # the first reason wins


def test_every_decided_upload_is_told_with_its_action() -> None:
    glacier = FakeGlacier()
    stale = set(glacier.add_uploads("vault", 3, age_hours=300))
    glacier.add_uploads("vault", 2, age_hours=1)
    protected = glacier.add_upload("vault", "2020-01-01T00:00:00.000Z", "keep: tape")
    broken = glacier.add_upload("vault", "not a date")
    seen: list[UploadOutcome] = []
    lock = threading.Lock()

    def observe(outcome: UploadOutcome) -> None:
        with lock:
            seen.append(outcome)

    run_cleanup(
        glacier,
        plan(protect_description=re.compile("^keep:"), max_aborts=2),
        clock=lambda: NOW,
        on_upload=observe,
    )
    actions = {outcome.upload.upload_id: outcome.action for outcome in seen}
    assert sorted(actions[u] for u in stale) == ["aborted", "aborted", "not aborted: max_aborts reached"]
    assert actions[protected] == "protected"
    assert actions[broken] == "skipped: unusable CreationDate"
    assert len(actions) == 5  # the two young ones are not stale: nothing to tell
    assert all(o.age_hours is None for o in seen if o.upload.upload_id == broken)


def test_dry_run_tells_would_abort() -> None:
    glacier = FakeGlacier()
    ids = set(glacier.add_uploads("vault", 2, age_hours=300))
    seen: list[UploadOutcome] = []
    run_cleanup(glacier, plan(dry_run=True), clock=lambda: NOW, on_upload=seen.append)
    assert {(o.upload.upload_id, o.action) for o in seen} == {(u, "would abort") for u in ids}
    assert all(299 < (o.age_hours or 0) < 301 for o in seen)


def test_a_region_not_enabled_is_its_own_status_not_a_failure() -> None:
    class DisabledRegion(FakeGlacier):
        def iter_vault_pages(self):  # type: ignore[no-untyped-def]
            raise RegionNotEnabledError("UnrecognizedClientException", "The security token is invalid.")
            yield []

    result = run_cleanup(DisabledRegion(), plan(), clock=lambda: NOW).to_result()
    assert result["status"] == "region_not_enabled"
    assert (result["vault_failures"], result["failures"]) == (0, [])


def test_vaults_left_after_the_time_budget_are_counted_not_reached() -> None:
    glacier = FakeGlacier()
    for number in range(25):  # three ListVaults pages
        glacier.add_uploads(f"v{number:02d}", 1, age_hours=300)
    left = iter([100.0] * 3 + [0.0] * 10_000)  # the budget runs out after the first calls
    summary = run_cleanup(
        glacier, plan(concurrency=1), clock=lambda: NOW, seconds_remaining=lambda: next(left)
    )
    result = summary.to_result()
    assert result["complete"] is False
    assert result["vaults_scanned"] + result["vaults_not_reached"] == 10  # the first ListVaults page
    assert result["vaults_not_reached"] >= 1
    assert result["status"] == "incomplete"


def test_dispatch_stops_at_no_longer_supported() -> None:
    glacier = FakeGlacier()
    for number in range(12):
        glacier.add_uploads(f"v{number:02d}", 1, age_hours=300)
    glacier.list_errors["v00"] = GlacierUnavailableError("NoLongerSupportedException", "gone")
    summary = run_cleanup(glacier, plan(concurrency=1), clock=lambda: NOW)
    assert summary.status == "glacier_unavailable"
    # With one worker, v00 fails first; nothing after it is listed or aborted.
    assert glacier.calls["ListMultipartUploads"] <= 2
    assert glacier.aborted == []


@pytest.mark.parametrize(("remaining", "stops"), [(30.0, False), (29.999, True)])
def test_the_time_margin_is_inclusive(remaining: float, stops: bool) -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("v", 2, age_hours=300)
    stop = Stop()
    run_cleanup(
        glacier,
        plan(time_margin=timedelta(seconds=30)),
        clock=lambda: NOW,
        seconds_remaining=lambda: remaining,
        stop=stop,
    )
    assert (stop.reason == "time_budget") is stops
    assert len(glacier.aborted) == (0 if stops else 2)
