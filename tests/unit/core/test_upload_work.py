"""One listed upload's path (glacier_cleanup.core.upload_work): the activity check's look, the cap and the
confirmed list, the abort, and each fault kept to that upload; Glacier gone for the account stops the steps
once, and a bug is that upload's failure."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from glacier_cleanup.core.models import (
    AccessDeniedError,
    CleanupPlan,
    GlacierError,
    GlacierUnavailableError,
    ResourceGoneError,
    RunSummary,
    Upload,
)
from glacier_cleanup.core.outcomes import UploadOutcome
from glacier_cleanup.core.recorder import OutcomeRecorder
from glacier_cleanup.core.tasks import BoundedTasks
from glacier_cleanup.core.upload_work import UploadWork
from support.fakes import NOW, FakeGlacier, hours_ago
from support.handler_env import MemoryStore

IDLE = timedelta(hours=48)
AGE = 300.0


@dataclass
class Bench:
    """An UploadWork over a FakeGlacier, what it told, and the run's clock and call budget."""

    glacier: FakeGlacier = field(default_factory=FakeGlacier)
    store: MemoryStore = field(default_factory=MemoryStore)
    told: list[UploadOutcome] = field(default_factory=list)
    now: datetime = NOW
    calls_allowed: bool = True
    unavailable: list[GlacierError] = field(default_factory=list)
    summary: RunSummary = field(default_factory=lambda: RunSummary(False, 168.0, NOW))

    def work(self, pool: ThreadPoolExecutor, **plan: Any) -> tuple[UploadWork, BoundedTasks]:
        values: dict[str, Any] = {"dry_run": False, "older_than": timedelta(hours=168), "idle": IDLE}
        values.update(plan)
        cleanup = CleanupPlan(**values)
        self.summary = RunSummary(cleanup.dry_run, 168.0, NOW)
        tasks = BoundedTasks(pool, max_pending=4)
        work = UploadWork(
            self.glacier,
            cleanup,
            OutcomeRecorder(self.summary, cleanup, self.told.append),
            tasks,
            observations=self.store if cleanup.activity_check else None,
            where=("111111111111", "eu-west-1"),
            clock=lambda: self.now,
            may_call=lambda: self.calls_allowed,
            mark_unavailable=self.unavailable.append,
        )
        return work, tasks

    def upload(self, parts: int = 2) -> Upload:
        upload_id = self.glacier.add_upload("backups", hours_ago(AGE), "nightly", parts=parts)
        return self.glacier.vaults["backups"][upload_id]

    def actions(self) -> list[str]:
        return [outcome.label for outcome in self.told]


@pytest.fixture
def bench() -> Bench:
    return Bench()


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as executor:
        yield executor


def stale(bench: Bench, pool: ThreadPoolExecutor, upload: Upload, **plan: Any) -> None:
    work, tasks = bench.work(pool, **plan)
    work.stale(upload, AGE, None)
    tasks.join()


def test_a_stale_upload_is_aborted_once(bench: Bench, pool: ThreadPoolExecutor) -> None:
    upload = bench.upload()
    stale(bench, pool, upload)
    assert bench.glacier.aborted == [("backups", upload.upload_id)]
    assert bench.actions() == ["aborted"]
    assert (bench.summary.uploads_stale, bench.summary.uploads_aborted) == (1, 1)


@pytest.mark.parametrize(
    ("error", "label"),
    [
        (AccessDeniedError("AccessDeniedException", "no"), "abort failed: AccessDeniedException"),
        (GlacierError("ServiceUnavailableException", "later"), "abort failed: ServiceUnavailableException"),
        (ResourceGoneError("ResourceNotFoundException", "gone"), "already gone"),
    ],
)
def test_a_failed_abort_is_that_uploads_outcome(
    bench: Bench, pool: ThreadPoolExecutor, error: GlacierError, label: str
) -> None:
    upload = bench.upload()
    bench.glacier.abort_errors[upload.upload_id] = error
    stale(bench, pool, upload)
    assert bench.actions() == [label]
    assert bench.summary.uploads_aborted == 0


def test_glacier_gone_for_the_account_stops_the_step_and_is_said_once_by_the_run(
    bench: Bench, pool: ThreadPoolExecutor
) -> None:
    upload = bench.upload()
    bench.glacier.unavailable = True
    stale(bench, pool, upload)
    assert [type(error) for error in bench.unavailable] == [GlacierUnavailableError]
    assert bench.told == []
    assert bench.summary.abort_failures == 0


def test_a_bug_in_a_step_is_that_uploads_failure(bench: Bench, pool: ThreadPoolExecutor) -> None:
    upload = bench.upload()

    def broken(vault: str, upload_id: str) -> None:
        raise KeyError("bug")

    bench.glacier.before_abort = broken
    stale(bench, pool, upload)
    assert bench.summary.abort_failures == 1
    assert bench.summary.failures[0].error == "KeyError: 'bug'"


def test_past_the_time_budget_no_call_is_made(bench: Bench, pool: ThreadPoolExecutor) -> None:
    upload = bench.upload()
    bench.calls_allowed = False
    stale(bench, pool, upload)
    assert (bench.actions(), bench.glacier.calls["AbortMultipartUpload"]) == (["not reached: run stopped"], 0)


def test_the_cap_and_the_confirmed_list_hold_uploads_back(bench: Bench, pool: ThreadPoolExecutor) -> None:
    first, second, unconfirmed = bench.upload(), bench.upload(), bench.upload()
    confirmed = frozenset({("backups", first.upload_id), ("backups", second.upload_id)})
    work, tasks = bench.work(pool, max_aborts=1, confirmed=confirmed)
    for upload in (first, second, unconfirmed):
        work.stale(upload, AGE, None)
    tasks.join()
    by_upload = {outcome.upload.upload_id: outcome.label for outcome in bench.told}
    assert by_upload == {
        first.upload_id: "aborted",
        second.upload_id: "not aborted: max_aborts reached",
        unconfirmed.upload_id: "not aborted: stale since the listing, left for the next run",
    }
    assert bench.glacier.aborted == [("backups", first.upload_id)]


def test_a_dry_run_makes_no_call_unless_it_measures(bench: Bench, pool: ThreadPoolExecutor) -> None:
    upload = bench.upload(parts=3)
    stale(bench, pool, upload, dry_run=True)
    assert (bench.actions(), sum(bench.glacier.calls.values())) == (["would abort"], 0)

    measured = Bench()
    sized = measured.upload(parts=3)
    stale(measured, pool, sized, dry_run=True, report_bytes=True)
    assert (measured.actions(), dict(measured.glacier.calls)) == (["would abort"], {"ListParts": 1})
    assert measured.summary.bytes_released == measured.summary.bytes_stale == 3 * 2**20


def test_an_upload_that_cannot_be_measured_is_still_aborted(bench: Bench, pool: ThreadPoolExecutor) -> None:
    upload = bench.upload()
    original = bench.glacier.upload_progress

    def refused(vault: str, upload_id: str) -> Any:
        raise AccessDeniedError("AccessDeniedException", "no ListParts")

    bench.glacier.upload_progress = refused  # type: ignore[method-assign]
    stale(bench, pool, upload, report_bytes=True)
    bench.glacier.upload_progress = original  # type: ignore[method-assign]
    assert bench.actions() == ["aborted"]
    assert bench.summary.bytes_released is None


# --- the activity check ------------------------------------------------------------------------------------


def examine(bench: Bench, pool: ThreadPoolExecutor, upload: Upload) -> None:
    work, tasks = bench.work(pool, activity_check=True)
    work.examine(upload, AGE)
    tasks.join()


def test_an_old_upload_is_released_only_after_its_parts_stayed_the_same_for_the_idle_time(
    bench: Bench, pool: ThreadPoolExecutor
) -> None:
    upload = bench.upload()
    examine(bench, pool, upload)
    bench.now = NOW + IDLE / 2
    examine(bench, pool, upload)
    bench.now = NOW + IDLE
    examine(bench, pool, upload)
    assert bench.actions() == [
        "kept: first seen",
        "kept: idle, waiting",
        "aborted",
    ]
    assert bench.glacier.aborted == [("backups", upload.upload_id)]


def test_an_upload_receiving_parts_is_kept_and_its_idle_time_starts_again(
    bench: Bench, pool: ThreadPoolExecutor
) -> None:
    upload = bench.upload()
    examine(bench, pool, upload)
    bench.glacier.parts[upload.upload_id].append(f"{2 * 2**20}-{3 * 2**20 - 1}")
    bench.now = NOW + IDLE * 2
    examine(bench, pool, upload)
    bench.now = NOW + IDLE * 2 + IDLE / 2
    examine(bench, pool, upload)
    assert bench.actions() == ["kept: first seen", "kept: receiving parts", "kept: idle, waiting"]
    assert bench.glacier.aborted == []


@pytest.mark.parametrize("fault", ["fail_get", "fail_put"])
def test_an_observation_store_fault_keeps_the_upload_and_says_why(
    bench: Bench, pool: ThreadPoolExecutor, fault: str
) -> None:
    upload = bench.upload()
    examine(bench, pool, upload)
    setattr(bench.store, fault, True)
    bench.now = NOW + IDLE * 3
    examine(bench, pool, upload)
    assert bench.actions() == ["kept: first seen", "kept: activity unknown"]
    assert bench.summary.failures[0].error.startswith("activity unknown, kept: observation store: ")
    assert bench.glacier.aborted == []


def test_an_upload_gone_before_its_look_is_stale_and_already_gone(
    bench: Bench, pool: ThreadPoolExecutor
) -> None:
    upload = bench.upload()
    del bench.glacier.vaults["backups"][upload.upload_id]
    examine(bench, pool, upload)
    assert bench.actions() == ["already gone"]
    assert bench.summary.uploads_stale == 1


def test_a_young_uploads_look_is_recorded_and_a_fault_only_logged(
    bench: Bench, pool: ThreadPoolExecutor
) -> None:
    upload = bench.upload()
    work, tasks = bench.work(pool, activity_check=True)
    work.watch(upload)
    assert (bench.summary.uploads_watched, bench.store.puts, bench.told) == (1, 1, [])
    bench.store.fail_put = True
    work.watch(upload)
    tasks.join()
    assert (bench.summary.uploads_watched, bench.summary.activity_failures, bench.told) == (1, 0, [])
