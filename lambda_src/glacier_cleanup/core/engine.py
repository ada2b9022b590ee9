"""The cleanup itself: which vaults, which uploads are stale, abort them within a time budget.

Plain Python. Glacier is reached through `GlacierPort` (the adapter in aws/glacier.py, or a fake in tests);
time through an injected clock and an optional "seconds remaining" callable. What to do with one upload
is decided in decisions.py; what happened is counted, told and logged by outcomes.py; the bounded pool
is tasks.py. What stays here is the run's control flow.

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
from typing import Protocol

from glacier_cleanup.core.activity import (
    Activity,
    ActivityDecision,
    ObservationStore,
    Progress,
    StoreError,
    UploadKey,
    judge_activity,
    retention,
)
from glacier_cleanup.core.coverage import Coverage, resumed
from glacier_cleanup.core.decisions import Verdict, cutoff_for, decide, parse_creation_date
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
from glacier_cleanup.core.outcomes import Measured, UploadObserver
from glacier_cleanup.core.recorder import OutcomeRecorder
from glacier_cleanup.core.stopping import Stop
from glacier_cleanup.core.tasks import BoundedTasks
from glacier_cleanup.observability import logger

Clock = Callable[[], datetime]
SecondsRemaining = Callable[[], float]


class GlacierPort(Protocol):
    """The Glacier calls the engine needs. Every method raises only `GlacierError` subclasses."""

    def iter_vault_pages(self) -> Iterator[list[str]]:
        """Vault names, one list per ListVaults page; each `next()` is one call."""
        ...

    def iter_upload_pages(self, vault: str) -> Iterator[list[Upload]]:
        """A vault's in-progress uploads, one list per ListMultipartUploads page; `next()` is one call."""
        ...

    def abort_upload(self, vault: str, upload_id: str) -> None: ...

    def upload_progress(self, vault: str, upload_id: str) -> Progress:
        """Parts and bytes uploaded so far, over every ListParts page; `as_of` the service's time of the
        answer when it gave one."""
        ...


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
    return _CleanupRun(
        glacier,
        plan,
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
    def __init__(
        self,
        glacier: GlacierPort,
        plan: CleanupPlan,
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
        self._observations = observations
        self._where = where
        self._seconds_remaining = seconds_remaining
        self._stop = stop or Stop()
        self._clock = clock
        # One "now" and one cutoff for the whole run: every upload's age is judged against the same instant.
        # Looks at an upload's parts are dated each at its own moment (`_look`).
        self._now = clock().astimezone(UTC)
        cutoff = cutoff_for(plan, self._now)
        self._record = OutcomeRecorder(
            RunSummary(
                dry_run=plan.dry_run,
                older_than_hours=plan.older_than.total_seconds() / 3600,
                cutoff=cutoff,
                bytes_released=0 if plan.measures else None,
                bytes_stale=0 if plan.measures else None,
                price_per_gb_month=plan.price_per_gb_month,
                idle_hours=plan.idle.total_seconds() / 3600 if plan.activity_check else None,
                vaults_configured=bool(plan.vaults),
            ),
            plan,
            on_upload,
        )
        self._unavailable = threading.Event()
        self._stop_lock = threading.Lock()
        self._tasks: BoundedTasks | None = None
        self._coverage = Coverage(plan.resume_after, configured=bool(plan.vaults))

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
        with ThreadPoolExecutor(
            max_workers=self._plan.concurrency, thread_name_prefix="glacier-cleanup"
        ) as pool:
            self._tasks = BoundedTasks(pool, max_pending=2 * self._plan.concurrency)
            try:
                self._dispatch_vaults()
            finally:
                # Even if dispatching broke, wait for what is already running: no work outlives the run.
                self._tasks.join()
        counts_of = summary.counts_of
        summary.resume_after = self._coverage.resume_after(counts_of)
        summary.carry = self._coverage.carry(counts_of)
        if self._stop.requested:
            summary.complete = False
            summary.stopped_by = self._stop.reason
        summary.glacier_unavailable = self._unavailable.is_set()
        summary.duration_ms = round((time.monotonic() - started) * 1000)
        logger.info("cleanup finished", **summary.to_result())
        return summary

    # --- the vaults ----------------------------------------------------------------------------------------

    def _dispatch_vaults(self) -> None:
        assert self._tasks is not None
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

    # --- the uploads ---------------------------------------------------------------------------------------

    def _classify(self, upload: Upload) -> None:
        record = self._record
        record.found(upload)
        decision = decide(upload, self._plan, self._now)
        if decision.verdict is Verdict.KEEP:
            if self._plan.activity_check and decision.age_hours is not None:
                # Watched from its first run, not only once old: the wait for an upload abandoned young
                # then ends soon after it is old enough (docs/operations.md, "Why 7 days").
                assert self._tasks is not None
                self._tasks.submit_or_run(self._guarded, self._watch, upload)
            return
        if decision.verdict is Verdict.SKIP:
            record.skipped(upload)
            return
        age_hours = decision.age_hours
        assert age_hours is not None  # a known age: KEEP, PROTECT and RELEASE carry one
        if decision.verdict is Verdict.PROTECT:
            record.protected(upload, age_hours)
            return
        assert self._tasks is not None
        if self._plan.activity_check:
            self._tasks.submit_or_run(self._guarded, self._examine, upload, age_hours)
            return
        self._stale(upload, age_hours, None)

    def _stale(self, upload: Upload, age_hours: float, measured: Measured | None) -> None:
        """Abandoned: old enough (and idle, when the activity check is on). Abort it within the cap."""
        record = self._record
        record.stale(upload, measured)
        confirmed = self._plan.confirmed
        if confirmed is not None and (upload.vault, upload.upload_id) not in confirmed:
            record.left(upload, age_hours)
            return
        if not record.summary.reserve_abort(self._plan.max_aborts, upload.vault):
            record.capped(upload, age_hours)
            return
        if self._plan.dry_run and (measured is not None or not self._plan.report_bytes):
            record.would_abort(upload, age_hours, measured)  # no Glacier call needed
            return
        assert self._tasks is not None
        self._tasks.submit_or_run(self._guarded, self._release_upload, upload, age_hours, measured)

    def _guarded(self, step: Callable[..., None], upload: Upload, *args: object) -> None:
        try:
            step(upload, *args)
        except Exception as exc:  # a bug must show as this upload's failure, not vanish in a worker thread
            self._record.abort_crashed(upload, exc)

    # --- the activity check (core/activity.py) --------------------------------------------------------------

    def _watch(self, upload: Upload) -> None:
        """A young upload: record this look (it is never released now, whatever the look says). A fault
        is only logged: the upload is young, and the look is taken again at the next run."""
        if not self._may_call():
            return
        try:
            self._look(upload, self._glacier.upload_progress(upload.vault, upload.upload_id))
        except GlacierUnavailableError as exc:
            self._mark_unavailable(exc)
            return
        except (GlacierError, StoreError) as exc:
            logger.debug("could not look at a young upload", vault=upload.vault, error=str(exc))
            return
        self._record.watched(upload)

    def _look(self, upload: Upload, progress: Progress) -> ActivityDecision:
        """Judge this look against the stored one and store it. Dated by Glacier's clock when the answer
        carried one, else by the run's clock at this moment (never the run's start)."""
        assert self._observations is not None
        now = (progress.as_of or self._clock()).astimezone(UTC)
        key = UploadKey(*self._where, upload.vault, upload.upload_id)
        previous = self._observations.get(key)
        created = parse_creation_date(upload.creation_date)
        decision = judge_activity(previous, progress, now, self._plan.idle, created=created)
        # Written before any abort: a write that fails keeps the upload too.
        self._observations.put(key, decision.record, expires_at=now + retention(self._plan.idle))
        return decision

    def _examine(self, upload: Upload, age_hours: float) -> None:
        """Look at an old upload's parts, compare with the last look, keep or release it; a fault keeps it."""
        assert self._observations is not None
        if not self._may_call():
            self._record.not_reached(upload, age_hours)
            return
        try:
            progress = self._glacier.upload_progress(upload.vault, upload.upload_id)
        except ResourceGoneError:
            # Completed, aborted or expired since it was listed: nothing left to judge or to clean.
            self._record.stale(upload)
            self._record.already_gone(upload, age_hours)
            return
        except GlacierUnavailableError as exc:
            self._mark_unavailable(exc)
            return
        except GlacierError as exc:
            self._record.activity_unknown(upload, age_hours, f"ListParts failed: {exc}")
            return
        try:
            decision = self._look(upload, progress)
        except StoreError as exc:
            self._record.activity_unknown(upload, age_hours, f"observation store: {exc}")
            return
        if decision.activity is Activity.DISTRUSTED:
            self._record.activity_unknown(upload, age_hours, f"observation store: {decision.reason}")
        elif decision.activity is Activity.FIRST_SEEN:
            self._record.first_seen(upload, age_hours, Measured(progress))
        elif decision.activity is Activity.ACTIVE:
            self._record.active(upload, age_hours, Measured(progress, 0.0))
        elif decision.activity is Activity.WAITING:
            self._record.waiting(upload, age_hours, Measured(progress, decision.unchanged_hours))
        else:
            self._stale(upload, age_hours, Measured(progress, decision.unchanged_hours))

    # --- one stale upload ----------------------------------------------------------------------------------

    def _release_upload(self, upload: Upload, age_hours: float, measured: Measured | None) -> None:
        try:
            if measured is None and self._plan.report_bytes:
                if not self._may_call():
                    self._record.not_reached(upload, age_hours)
                    return
                measured = self._measure(upload)
            if self._plan.dry_run:
                self._record.would_abort(upload, age_hours, measured)
                return
            if not self._may_call():
                self._record.not_reached(upload, age_hours)
                return
            self._glacier.abort_upload(upload.vault, upload.upload_id)
        except ResourceGoneError:
            # Aborted, completed or expired since it was listed: the goal is reached, not a failure.
            self._record.already_gone(upload, age_hours)
        except GlacierUnavailableError as exc:
            self._mark_unavailable(exc)
        except GlacierError as exc:
            self._record.abort_failed(upload, age_hours, exc)
        else:
            self._record.aborted(upload, age_hours, measured)

    def _measure(self, upload: Upload) -> Measured | None:
        """What the upload holds (report_bytes); None when ListParts fails (the abort still goes ahead)."""
        try:
            progress = self._glacier.upload_progress(upload.vault, upload.upload_id)
        except (ResourceGoneError, GlacierUnavailableError):
            raise
        except GlacierError as exc:
            self._record.not_measured(upload, exc)
            return None
        self._record.summary.add_stale_bytes(progress.bytes)
        return Measured(progress)

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
