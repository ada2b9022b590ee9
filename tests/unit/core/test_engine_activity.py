"""The engine with the activity check: old uploads are looked at (ListParts), compared with the store's last
look, and released only when idle; every fault of ListParts or the store keeps the upload."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from glacier_cleanup.core.activity import Observation, Progress, UploadKey
from glacier_cleanup.core.engine import run_cleanup
from glacier_cleanup.core.models import (
    AccessDeniedError,
    CleanupPlan,
    GlacierUnavailableError,
    ResourceGoneError,
    RunSummary,
)
from glacier_cleanup.core.outcomes import Action, Measured, UploadOutcome
from support.fakes import NOW, FakeGlacier, cleanup_plan, hours_ago
from support.handler_env import MemoryStore, emitted

MIB = 1048576


def plan(**overrides: Any) -> CleanupPlan:
    return cleanup_plan(**{"activity_check": True, "idle": timedelta(hours=48), **overrides})


def run(
    glacier: FakeGlacier, store: MemoryStore, *, at: datetime = NOW, **overrides: Any
) -> tuple[RunSummary, dict[str, UploadOutcome]]:
    seen: list[UploadOutcome] = []
    summary = run_cleanup(
        glacier,
        plan(**overrides),
        clock=lambda: at,
        on_upload=seen.append,
        observations=store,
        account="111111111111",
        region="eu-west-1",
    )
    return summary, {outcome.upload.upload_id: outcome for outcome in seen}


def key(upload_id: str, vault: str = "v") -> UploadKey:
    return UploadKey("111111111111", "eu-west-1", vault, upload_id)


def test_a_first_look_records_and_keeps_every_old_upload() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    old = glacier.add_upload("v", hours_ago(500), parts=3)
    young = glacier.add_upload("v", hours_ago(2), parts=1)

    summary, told = run(glacier, store)

    assert glacier.aborted == []
    assert (summary.uploads_first_seen, summary.uploads_stale, summary.status) == (1, 0, "ok")
    assert told[old].action is Action.FIRST_SEEN
    assert told[old].measured is not None
    assert told[old].measured.progress == Progress(3, 3 * MIB)
    # The young one is looked at too (its wait starts now), but neither listed nor counted as kept.
    assert store.items == {
        key(old): Observation(Progress(3, 3 * MIB), NOW, NOW),
        key(young): Observation(Progress(1, MIB), NOW, NOW),
    }
    assert summary.uploads_watched == 1
    assert store.expiry[key(old)] == NOW + timedelta(days=30)
    assert young not in told


def test_unchanged_for_the_idle_time_is_aborted_by_the_first_run_after_it() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    upload = glacier.add_upload("v", hours_ago(500), parts=2)
    run(glacier, store)  # first look

    waiting, told = run(glacier, store, at=NOW + timedelta(hours=47))
    assert (waiting.uploads_waiting, glacier.aborted) == (1, [])
    assert told[upload].action is Action.WAITING

    summary, told = run(glacier, store, at=NOW + timedelta(hours=48))
    assert glacier.aborted == [("v", upload)]
    assert (summary.uploads_stale, summary.uploads_aborted) == (1, 1)
    assert told[upload].action is Action.ABORTED
    assert told[upload].measured is not None
    assert told[upload].measured.unchanged_hours == 48.0
    assert (summary.bytes_stale, summary.bytes_released) == (2 * MIB, 2 * MIB)


def test_an_upload_receiving_parts_is_kept_and_its_wait_starts_again() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    upload = glacier.add_upload("v", hours_ago(900), parts=1)
    run(glacier, store)
    glacier.parts[upload].append(f"{MIB}-{2 * MIB - 1}")  # one more part a day later

    summary, told = run(glacier, store, at=NOW + timedelta(days=3))

    assert glacier.aborted == []
    assert (summary.uploads_active, told[upload].action) == (1, Action.ACTIVE)
    later = NOW + timedelta(days=3)
    assert store.items[key(upload)] == Observation(Progress(2, 2 * MIB), later, later)
    _, told = run(glacier, store, at=later + timedelta(hours=47))
    assert told[upload].action is Action.WAITING


@pytest.mark.parametrize("fault", ["fail_get", "fail_put"])
def test_a_store_fault_aborts_nothing_and_says_why(fault: str, capsys: pytest.CaptureFixture[str]) -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    uploads = glacier.add_uploads("v", 3, age_hours=500)
    run(glacier, store)
    capsys.readouterr()
    setattr(store, fault, True)

    summary, told = run(glacier, store, at=NOW + timedelta(days=10))

    assert glacier.aborted == []
    assert summary.activity_failures == 3
    assert summary.status == "partial"
    assert {told[upload].action for upload in uploads} == {Action.ACTIVITY_UNKNOWN}
    assert all(f.error.startswith("activity unknown, kept: observation store: ") for f in summary.failures)
    _, logs = emitted(capsys.readouterr().out)
    kept = [line for line in logs if line["message"] == "activity of an old upload unknown: kept"]
    assert len(kept) == 3
    # 10 days after the first run: 500 h old then, 740 h now
    assert {(line["level"], line["vault"], line["age_hours"]) for line in kept} == {("WARNING", "v", 740.0)}
    assert {line["upload_id"] for line in kept} == set(uploads)
    assert all(line["error"].startswith("observation store: ") for line in kept)
    assert all(told[upload].measured is None for upload in uploads)


def test_a_list_parts_failure_keeps_the_upload() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    upload = glacier.add_upload("v", hours_ago(500))
    store.items[key(upload)] = Observation(Progress(0, 0), NOW - timedelta(days=9), NOW - timedelta(days=9))

    def denied(vault: str, upload_id: str) -> Progress:
        raise AccessDeniedError("AccessDeniedException", "no glacier:ListParts")

    glacier.upload_progress = denied  # type: ignore[method-assign]
    summary, told = run(glacier, store)

    assert glacier.aborted == []
    assert (summary.activity_failures, summary.status) == (1, "partial")
    assert told[upload].action is Action.ACTIVITY_UNKNOWN
    assert summary.failures[0].error == (
        "activity unknown, kept: ListParts failed: AccessDeniedException: no glacier:ListParts"
    )


def test_an_upload_gone_before_its_look_is_already_gone_not_a_failure() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    upload = glacier.add_upload("v", hours_ago(500))

    def gone(vault: str, upload_id: str) -> Progress:
        raise ResourceGoneError("ResourceNotFoundException", "completed meanwhile")

    glacier.upload_progress = gone  # type: ignore[method-assign]
    summary, told = run(glacier, store)

    assert (summary.uploads_stale, summary.uploads_already_gone, summary.status) == (1, 1, "ok")
    assert (told[upload].action, told[upload].age_hours) == (Action.ALREADY_GONE, 500.0)
    assert store.items == {}


def test_a_dry_run_records_looks_and_reports_what_it_would_abort() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    idle = glacier.add_upload("v", hours_ago(500), parts=1)
    store.items[key(idle)] = Observation(Progress(1, MIB), NOW - timedelta(days=3), NOW - timedelta(days=3))
    new = glacier.add_upload("v", hours_ago(500))

    summary, told = run(glacier, store, dry_run=True)

    assert glacier.aborted == []
    assert (told[idle].action, told[new].action) == (Action.WOULD_ABORT, Action.FIRST_SEEN)
    assert told[idle].measured == Measured(Progress(1, MIB), 72.0)
    assert summary.bytes_stale == MIB
    assert key(new) in store.items
    # The wait keeps running from the earlier look: a dry run does not restart it.
    assert store.items[key(idle)].unchanged_since == NOW - timedelta(days=3)


def test_a_dry_run_reporting_bytes_does_not_list_the_parts_a_look_already_listed() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    idle = glacier.add_upload("v", hours_ago(500), parts=2)
    store.items[key(idle)] = Observation(
        Progress(2, 2 * MIB), NOW - timedelta(days=3), NOW - timedelta(days=3)
    )

    summary, told = run(glacier, store, dry_run=True, report_bytes=True)

    assert told[idle].action is Action.WOULD_ABORT
    assert summary.bytes_stale == 2 * MIB
    assert glacier.calls["ListParts"] == 1  # the look's; the bytes come from it


def test_max_aborts_counts_only_idle_uploads() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    idle = glacier.add_uploads("v", 3, age_hours=500)
    for upload in idle:
        store.items[key(upload)] = Observation(Progress(0, 0), NOW - timedelta(days=3), NOW)
    glacier.add_uploads("v", 5, age_hours=500)  # first seen: not stale, so not under the cap

    summary, _ = run(glacier, store, max_aborts=2)

    assert (summary.uploads_aborted, summary.uploads_capped, summary.uploads_first_seen) == (2, 1, 5)


def test_without_the_check_age_alone_decides_and_nothing_is_looked_at() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    glacier.add_uploads("v", 2, age_hours=500)

    summary, _ = run(glacier, store, activity_check=False)

    assert (summary.uploads_aborted, store.gets, store.puts, glacier.calls["ListParts"]) == (2, 0, 0, 0)
    assert summary.to_result()["activity_check"] is False
    assert "bytes_stale" not in summary.to_result()


def test_the_result_reports_bytes_the_idle_time_and_the_monthly_cost() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    upload = glacier.add_upload("v", hours_ago(500), parts=1024)  # 1 GiB
    store.items[key(upload)] = Observation(Progress(1024, 1024 * MIB), NOW - timedelta(days=3), NOW)

    summary, _ = run(glacier, store, price_per_gb_month=0.0125)
    result = summary.to_result()

    assert (result["activity_check"], result["idle_hours"]) == (True, 48.0)
    assert (result["bytes_stale"], result["bytes_released"]) == (2**30, 2**30)
    assert result["stale_monthly_cost_usd"] == 0.0125


def test_an_activity_check_without_a_store_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="an activity check needs an observation store") as raised:
        run_cleanup(FakeGlacier(), plan(), clock=lambda: NOW)
    assert str(raised.value) == "an activity check needs an observation store"


def test_without_a_place_the_looks_are_keyed_by_dashes() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    upload = glacier.add_upload("v", hours_ago(500))
    run_cleanup(glacier, plan(), clock=lambda: NOW, observations=store)
    assert list(store.items) == [UploadKey("-", "-", "v", upload)]


def test_a_bug_while_looking_is_that_uploads_failure_not_a_lost_one() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    upload = glacier.add_upload("v", hours_ago(500))

    def broken(vault: str, upload_id: str) -> Progress:
        raise RuntimeError("a bug")

    glacier.upload_progress = broken  # type: ignore[method-assign]
    summary, _ = run(glacier, store)
    assert (summary.status, summary.abort_failures, glacier.aborted) == ("partial", 1, [])
    assert summary.failures[0].as_dict() == {
        "vault": "v",
        "upload_id": upload,
        "error": "RuntimeError: a bug",
    }


def test_the_log_line_names_the_uploader_and_what_the_look_found(capsys: pytest.CaptureFixture[str]) -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    glacier.add_upload("v", hours_ago(500), '{"Path": "C:/backup/db.bak", "UTCDateModified": "x"}', parts=2)
    capsys.readouterr()

    run(glacier, store)

    _, logs = emitted(capsys.readouterr().out)
    [line] = [line for line in logs if line["message"].startswith("old upload seen for the first time")]
    assert (line["vault"], line["upload_id"]) == ("v", next(iter(glacier.vaults["v"])))
    assert (line["uploader"], line["parts"], line["age_hours"]) == ("CloudBerry/MSP360", 2, 500.0)


def test_each_path_of_a_look_tells_the_whole_outcome() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    waiting = glacier.add_upload("v", hours_ago(500), parts=2)
    store.items[key(waiting)] = Observation(Progress(2, 2 * MIB), NOW - timedelta(hours=10), NOW)
    active = glacier.add_upload("v", hours_ago(300), parts=1)
    store.items[key(active)] = Observation(Progress(0, 0), NOW - timedelta(days=9), NOW)
    idle = glacier.add_uploads("v", 2, age_hours=200)
    for upload in idle:
        glacier.parts[upload] = ["0-1048575"]
        store.items[key(upload)] = Observation(Progress(1, MIB), NOW - timedelta(hours=60), NOW)

    summary, told = run(glacier, store)

    assert told[waiting] == UploadOutcome(
        glacier.vaults["v"][waiting], 500.0, Action.WAITING, None, Measured(Progress(2, 2 * MIB), 10.0)
    )
    assert told[active] == UploadOutcome(
        glacier.vaults["v"][active],
        300.0,
        Action.ACTIVE,
        None,
        Measured(Progress(1, MIB), 0.0),
    )
    assert {told[upload].measured for upload in idle} == {Measured(Progress(1, MIB), 60.0)}
    assert {(told[upload].action, told[upload].age_hours) for upload in idle} == {(Action.ABORTED, 200.0)}
    assert (summary.bytes_stale, summary.bytes_released) == (2 * MIB, 2 * MIB)  # summed over both


def test_a_time_budget_reached_before_a_look_leaves_the_upload_not_reached() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    upload = glacier.add_upload("v", hours_ago(500))
    left = iter([60.0, 60.0, 0.0])  # the vault list, the uploads page, then nothing left

    seen: list[UploadOutcome] = []
    summary = run_cleanup(
        glacier,
        plan(concurrency=1),
        clock=lambda: NOW,
        seconds_remaining=lambda: next(left, 0.0),
        on_upload=seen.append,
        observations=store,
    )
    assert seen == [UploadOutcome(glacier.vaults["v"][upload], 500.0, Action.NOT_REACHED)]
    assert (summary.uploads_not_reached, summary.more_to_do, store.gets) == (1, True, 0)


def test_glacier_going_away_during_a_look_ends_the_run_as_unavailable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    glacier.add_uploads("v", 3, age_hours=500)

    def gone(vault: str, upload_id: str) -> Progress:
        raise GlacierUnavailableError("NoLongerSupportedException", "no longer supported")

    glacier.upload_progress = gone  # type: ignore[method-assign]
    capsys.readouterr()
    summary, told = run(glacier, store, concurrency=1)
    assert (summary.status, summary.activity_failures, summary.more_to_do) == (
        "glacier_unavailable",
        0,
        False,
    )
    _, logs = emitted(capsys.readouterr().out)
    [said] = [line for line in logs if line["message"].startswith("Glacier is not available")]
    assert said["error"] == "NoLongerSupportedException: no longer supported"
    # The first look found Glacier gone: no other upload is looked at any more.
    assert sorted(outcome.action for outcome in told.values()) == [Action.NOT_REACHED] * 2


def test_a_failed_look_names_the_upload_and_its_age() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    upload = glacier.add_upload("v", hours_ago(500))

    def denied(vault: str, upload_id: str) -> Progress:
        raise AccessDeniedError("AccessDeniedException", "no")

    glacier.upload_progress = denied  # type: ignore[method-assign]
    summary, told = run(glacier, store)
    [failure] = summary.failures
    assert (failure.vault, failure.upload_id) == ("v", upload)
    assert told[upload] == UploadOutcome(glacier.vaults["v"][upload], 500.0, Action.ACTIVITY_UNKNOWN)


def test_the_run_and_each_abort_say_what_the_check_found(capsys: pytest.CaptureFixture[str]) -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    upload = glacier.add_upload("v", hours_ago(500), parts=3)
    store.items[key(upload)] = Observation(Progress(3, 3 * MIB), NOW - timedelta(hours=50), NOW)
    capsys.readouterr()

    run(glacier, store, idle=timedelta(hours=36))

    _, logs = emitted(capsys.readouterr().out)
    [started] = [line for line in logs if line["message"] == "cleanup started"]
    assert (started["activity_check"], started["idle_hours"]) == (True, 36.0)
    [aborted] = [line for line in logs if line["message"] == "aborted stale upload"]
    assert (aborted["parts"], aborted["bytes"], aborted["unchanged_hours"]) == (3, 3 * MIB, 50.0)


def test_the_price_setting_reaches_the_plan() -> None:
    from glacier_cleanup.inputs.settings import Settings  # noqa: PLC0415

    settings = Settings.from_environ({"CLEANUP_STORAGE_PRICE_PER_GB_MONTH": "0.0125"})
    assert settings.to_plan().price_per_gb_month == 0.0125


def test_list_parts_404_means_already_gone_and_no_abort_is_sent() -> None:
    glacier = FakeGlacier()
    [upload_id] = glacier.add_uploads("v", 1, age_hours=300)
    original = glacier.upload_progress

    def gone(vault: str, upload: str) -> Progress:
        if upload == upload_id:
            raise ResourceGoneError("ResourceNotFoundException", "The upload ID was not found")
        return original(vault, upload)

    glacier.upload_progress = gone  # type: ignore[method-assign]
    summary = run_cleanup(glacier, cleanup_plan(report_bytes=True), clock=lambda: NOW)
    assert (summary.uploads_already_gone, summary.uploads_aborted) == (1, 0)
    assert glacier.calls["AbortMultipartUpload"] == 0
    assert summary.status == "ok"
