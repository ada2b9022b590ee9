"""The cleanup itself: which vaults, which uploads are stale, abort them within a time budget.

Plain Python. Glacier is reached through `GlacierPort` (ports.py: the adapter in aws/glacier.py, or a fake in
tests); time through an injected clock and an optional "seconds remaining" callable. Which way an upload goes
is decided in decisions.py; what then happens to it (a look, an abort) is upload_work.py's; what happened is
counted, told and logged by recorder.py; the bounded pool is tasks.py; where a continuation round resumes is
coverage.py. What stays here is the run's control flow.

Concurrency: one bounded thread pool does both the listing of different vaults and the aborts. The caller's
thread streams vault names (page by page) into the pool, so work on the first vaults starts before the
last ListVaults page arrives. A vault's lister submits its stale uploads as abort tasks and keeps listing;
when the queue of pending tasks is full it runs the abort itself ("caller runs"). That bounds memory, can
never deadlock the pool, and keeps every worker busy: total time stays close to
latency x max(listing chain, calls / workers).
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from glacier_cleanup.core.activity import ObservationStore
from glacier_cleanup.core.coverage import Coverage, resumed
from glacier_cleanup.core.decisions import Verdict, cutoff_for, decide
from glacier_cleanup.core.models import (
    CleanupPlan,
    Failure,
    GlacierError,
    GlacierUnavailableError,
    NoAccessError,
    RegionNotEnabledError,
    ResourceGoneError,
    RunSummary,
    Upload,
)
from glacier_cleanup.core.outcomes import UploadObserver
from glacier_cleanup.core.ports import GlacierPort
from glacier_cleanup.core.recorder import OutcomeRecorder
from glacier_cleanup.core.stopping import Stop
from glacier_cleanup.core.tasks import BoundedTasks
from glacier_cleanup.core.upload_work import UploadWork
from glacier_cleanup.observability import logger

__all__ = ["GlacierPort", "SecondsRemaining", "no_access_summary", "run_cleanup", "utc_now"]

Clock = Callable[[], datetime]
SecondsRemaining = Callable[[], float]


def utc_now() -> datetime:
    return datetime.now(UTC)


def is_excluded(vault: str, patterns: Iterable[str]) -> bool:
    """Exact names and fnmatch globs; case-sensitive like Glacier's vault names."""
    return any(fnmatch.fnmatchcase(vault, pattern) for pattern in patterns)


def run_cleanup(
    glacier: GlacierPort,
    plan: CleanupPlan,
    *,
    clock: Clock = utc_now,
    seconds_remaining: SecondsRemaining | None = None,
    stop: Stop | None = None,
    on_upload: UploadObserver | None = None,
    observations: ObservationStore | None = None,
    account: str = "-",
    region: str = "-",
) -> RunSummary:
    """Run one cleanup and return its summary. Never raises for Glacier errors: they are in the summary.

    `stop` lets the caller end the run early (an operator's Ctrl-C); the time budget from
    `seconds_remaining` stops it through the same `Stop`. With `plan.activity_check`, `observations` keeps
    the looks at old uploads between runs, keyed by `account`, `region`, vault and upload id.
    """
    if plan.activity_check and observations is None:
        raise ValueError("an activity check needs an observation store")
    with ThreadPoolExecutor(max_workers=plan.concurrency, thread_name_prefix="glacier-cleanup") as pool:
        return _CleanupRun(
            glacier,
            plan,
            BoundedTasks(pool, max_pending=2 * plan.concurrency),
            clock=clock,
            seconds_remaining=seconds_remaining,
            stop=stop,
            on_upload=on_upload,
            observations=observations,
            where=(account, region),
        ).run()


def no_access_summary(plan: CleanupPlan, error: NoAccessError, *, clock: Clock = utc_now) -> RunSummary:
    """The result of a run that could not enter its account: nothing listed, nothing aborted."""
    now = clock().astimezone(UTC)
    summary = RunSummary(
        dry_run=plan.dry_run,
        older_than_hours=plan.older_than.total_seconds() / 3600,
        cutoff=cutoff_for(plan, now),
        no_access=True,
        complete=False,
        account=error.account_id,
    )
    summary.failures.append(Failure(None, None, f"account {error.account_id}: {error}"))
    return summary


class _CleanupRun:
    """One run's control flow: the vaults in order, each upload classified, the run stopped in time. What
    happens to an upload after that is `UploadWork`'s (core/upload_work.py)."""

    def __init__(
        self,
        glacier: GlacierPort,
        plan: CleanupPlan,
        tasks: BoundedTasks,
        *,
        clock: Clock,
        seconds_remaining: SecondsRemaining | None,
        stop: Stop | None,
        on_upload: UploadObserver | None,
        observations: ObservationStore | None,
        where: tuple[str, str],
    ) -> None:
        self._glacier = glacier
        self._plan = plan
        self._tasks = tasks
        self._seconds_remaining = seconds_remaining
        self._stop = stop or Stop()
        # One "now" and one cutoff for the whole run: every upload's age is judged against the same instant.
        # Looks at an upload's parts are dated each at its own moment (core/upload_work.py `_look`).
        self._now = clock().astimezone(UTC)
        self._record = OutcomeRecorder(_empty_summary(plan, cutoff_for(plan, self._now)), plan, on_upload)
        self._unavailable = threading.Event()
        self._stop_lock = threading.Lock()
        self._coverage = Coverage(plan.resume_after, configured=bool(plan.vaults))
        self._work = UploadWork(
            glacier,
            plan,
            self._record,
            tasks,
            observations=observations,
            where=where,
            clock=clock,
            may_call=self._may_call,
            mark_unavailable=self._mark_unavailable,
        )

    def run(self) -> RunSummary:
        started = time.monotonic()
        summary = self._record.summary
        logger.info(
            "cleanup started",
            dry_run=self._plan.dry_run,
            older_than_hours=summary.older_than_hours,
            cutoff=summary.cutoff_iso,
            vaults=list(self._plan.vaults) or "all",
            concurrency=self._plan.concurrency,
            max_aborts=self._plan.max_aborts,
            activity_check=self._plan.activity_check,
            idle_hours=self._plan.idle.total_seconds() / 3600,
        )
        try:
            self._dispatch_vaults()
        finally:
            # Even if dispatching broke, wait for what is already running: no work outlives the run.
            self._tasks.join()
        summary.resume_after = self._coverage.resume_after(summary.counts_of)
        summary.carry = self._coverage.carry(summary.counts_of)
        if self._stop.requested:
            summary.complete = False
            summary.stopped_by = self._stop.reason
        summary.glacier_unavailable = self._unavailable.is_set()
        summary.duration_ms = round((time.monotonic() - started) * 1000)
        logger.info("cleanup finished", **summary.to_result())
        return summary

    # --- the vaults ----------------------------------------------------------------------------------------

    def _dispatch_vaults(self) -> None:
        try:
            vaults = resumed(self._vault_names(), self._plan.resume_after, configured=bool(self._plan.vaults))
            for vault in vaults:
                self._coverage.started(vault)
                if is_excluded(vault, self._plan.exclude_vaults):
                    self._record.vault_excluded(vault)
                    continue
                if self._unavailable.is_set():
                    return
                if self._stop.requested:
                    self._record.vault_not_reached()
                    continue
                self._tasks.submit(self._scan_vault, vault)
        except RegionNotEnabledError as exc:
            self._record.region_not_enabled(exc)
        except GlacierUnavailableError as exc:
            self._mark_unavailable(exc)
        except GlacierError as exc:
            self._record.vault_list_failed(exc)

    def _vault_names(self) -> Iterator[str]:
        if self._plan.vaults:
            yield from dict.fromkeys(self._plan.vaults)  # keeps order, drops duplicates
            return
        pages = self._glacier.iter_vault_pages()
        while self._may_call():
            page = next(pages, None)
            if page is None:
                return
            yield from page

    def _scan_vault(self, vault: str) -> None:
        started = time.monotonic()
        try:
            found, finished = self._list_vault(vault)
        except ResourceGoneError as exc:
            self._record.vault_gone(vault, exc)
        except GlacierUnavailableError as exc:
            self._mark_unavailable(exc)
        except GlacierError as exc:
            self._record.vault_failed(vault, exc)
        except Exception as exc:  # a bug must fail this vault loudly, not the run silently
            self._record.vault_crashed(vault, exc)
        else:
            if not finished:
                self._record.vault_not_reached(vault)
                return
            duration_ms = round((time.monotonic() - started) * 1000)
            self._record.vault_scanned(vault, uploads_found=found, duration_ms=duration_ms)

    def _list_vault(self, vault: str) -> tuple[int, bool]:
        """Classify every upload of every page; (uploads seen, whether listing reached the last page)."""
        found = 0
        pages = self._glacier.iter_upload_pages(vault)
        while self._may_call():
            page = next(pages, None)
            if page is None:
                return found, True
            found += len(page)
            for upload in page:
                self._classify(upload)
        return found, False

    def _classify(self, upload: Upload) -> None:
        """Which way an upload goes (core/decisions.py); its work is queued on the pool."""
        self._record.found(upload)
        decision = decide(upload, self._plan, self._now)
        age_hours = decision.age_hours
        if decision.verdict is Verdict.SKIP or age_hours is None:
            self._record.skipped(upload)
        elif decision.verdict is Verdict.KEEP:
            if self._plan.activity_check:
                # Watched from its first run, not only once old: the wait for an upload abandoned young
                # then ends soon after it is old enough (docs/operations.md, "Why 7 days").
                self._work.submit(self._work.watch, upload)
        elif decision.verdict is Verdict.PROTECT:
            self._record.protected(upload, age_hours)
        elif self._plan.activity_check:
            self._work.submit(self._work.examine, upload, age_hours)
        else:
            self._work.stale(upload, age_hours, None)

    # --- stopping ------------------------------------------------------------------------------------------

    def _may_call(self) -> bool:
        """Whether a new Glacier call may start: Glacier still there, no stop asked, enough time left."""
        if self._unavailable.is_set() or self._stop.requested:
            return False
        if self._seconds_remaining is None:
            return True
        if self._seconds_remaining() >= self._plan.time_margin.total_seconds():
            return True
        if self._stop.request("time_budget"):  # several workers can notice at once; say it once
            logger.warning(
                "time budget reached: starting no new Glacier calls",
                time_margin_seconds=self._plan.time_margin.total_seconds(),
            )
        return False

    def _mark_unavailable(self, exc: GlacierError) -> None:
        with self._stop_lock:
            already_stopped = self._unavailable.is_set()
            self._unavailable.set()
        if not already_stopped:
            logger.warning("Glacier is not available to this account: nothing to clean", error=str(exc))


def _empty_summary(plan: CleanupPlan, cutoff: datetime) -> RunSummary:
    return RunSummary(
        dry_run=plan.dry_run,
        older_than_hours=plan.older_than.total_seconds() / 3600,
        cutoff=cutoff,
        bytes_released=0 if plan.measures else None,
        bytes_stale=0 if plan.measures else None,
        price_per_gb_month=plan.price_per_gb_month,
        idle_hours=plan.idle.total_seconds() / 3600 if plan.activity_check else None,
        vaults_configured=bool(plan.vaults),
    )
