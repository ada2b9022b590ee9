"""What happens to one listed upload: the activity check's look, the abort, each fault kept to that upload.

The engine (core/engine.py) lists the vaults and classifies each upload; `UploadWork` does the rest on the
run's bounded pool (tasks.py). Two faults are handled once for every step (`_run_step`): Glacier no longer
available to the account (the run stops, no step records it) and a bug (this upload's failure, loudly). Any
other fault of a call or of the observation store keeps the upload and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

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
from glacier_cleanup.core.decisions import parse_creation_date
from glacier_cleanup.core.models import (
    CleanupPlan,
    GlacierError,
    GlacierUnavailableError,
    ResourceGoneError,
    Upload,
)
from glacier_cleanup.core.outcomes import Measured
from glacier_cleanup.core.ports import GlacierPort
from glacier_cleanup.core.recorder import OutcomeRecorder
from glacier_cleanup.core.tasks import BoundedTasks
from glacier_cleanup.observability import logger

T = TypeVar("T")


class _Unavailable(Exception):
    """Glacier is no longer available to this account: the step ends (already recorded by the run)."""


class UploadWork:
    """The steps of one run's uploads. Thread-safe: each step touches only its upload and the recorder."""

    def __init__(
        self,
        glacier: GlacierPort,
        plan: CleanupPlan,
        record: OutcomeRecorder,
        tasks: BoundedTasks,
        *,
        observations: ObservationStore | None,
        where: tuple[str, str],
        clock: Callable[[], datetime],
        may_call: Callable[[], bool],
        mark_unavailable: Callable[[GlacierError], None],
    ) -> None:
        self._glacier = glacier
        self._plan = plan
        self._record = record
        self._tasks = tasks
        self._observations = observations
        self._where = where
        self._clock = clock
        self._may_call = may_call
        self._mark_unavailable = mark_unavailable

    def submit(self, step: Callable[..., None], upload: Upload, *args: object) -> None:
        """Queue a step on the pool, or run it now when the queue is full (a worker never waits)."""
        self._tasks.submit_or_run(self._run_step, step, upload, *args)

    def _run_step(self, step: Callable[..., None], upload: Upload, *args: object) -> None:
        try:
            step(upload, *args)
        except _Unavailable:
            return
        except Exception as exc:  # a bug must show as this upload's failure, not vanish in a worker thread
            self._record.abort_crashed(upload, exc)

    def _call(self, call: Callable[..., T], *args: str) -> T:
        """One Glacier call of a step; Glacier gone for the account stops the run, once, here."""
        try:
            return call(*args)
        except GlacierUnavailableError as exc:
            self._mark_unavailable(exc)
            raise _Unavailable from exc

    # --- the activity check (core/activity.py) --------------------------------------------------------------

    def watch(self, upload: Upload) -> None:
        """A young upload: record this look (it is never released now, whatever the look says). A fault is
        only logged: the upload is young, and the look is taken again at the next run."""
        if not self._may_call():
            return
        try:
            self._look(upload, self._call(self._glacier.upload_progress, upload.vault, upload.upload_id))
        except (GlacierError, StoreError) as exc:
            logger.debug("could not look at a young upload", vault=upload.vault, error=str(exc))
            return
        self._record.watched(upload)

    def examine(self, upload: Upload, age_hours: float) -> None:
        """Look at an old upload's parts, compare with the last look, keep or release it; a fault keeps it."""
        if not self._may_call():
            self._record.not_reached(upload, age_hours)
            return
        try:
            progress = self._call(self._glacier.upload_progress, upload.vault, upload.upload_id)
            decision = self._look(upload, progress)
        except ResourceGoneError:
            # Completed, aborted or expired since it was listed: nothing left to judge or to clean.
            self._record.stale(upload)
            self._record.already_gone(upload, age_hours)
            return
        except GlacierError as exc:
            self._record.activity_unknown(upload, age_hours, f"ListParts failed: {exc}")
            return
        except StoreError as exc:
            self._record.activity_unknown(upload, age_hours, f"observation store: {exc}")
            return
        measured = Measured(progress, decision.unchanged_hours)
        if decision.activity is Activity.DISTRUSTED:
            self._record.activity_unknown(upload, age_hours, f"observation store: {decision.reason}")
        elif decision.activity is Activity.FIRST_SEEN:
            self._record.first_seen(upload, age_hours, Measured(progress))
        elif decision.activity is Activity.ACTIVE:
            self._record.active(upload, age_hours, Measured(progress, 0.0))
        elif decision.activity is Activity.WAITING:
            self._record.waiting(upload, age_hours, measured)
        else:
            self.stale(upload, age_hours, measured)

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

    # --- one stale upload ----------------------------------------------------------------------------------

    def stale(self, upload: Upload, age_hours: float, measured: Measured | None) -> None:
        """Abandoned: old enough (and idle, when the activity check is on). Release it within the cap."""
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
            self._release(upload, age_hours, measured)  # no Glacier call to wait for
            return
        self.submit(self._release, upload, age_hours, measured)

    def _release(self, upload: Upload, age_hours: float, measured: Measured | None) -> None:
        """Measure it if asked and not yet done, then abort it (or, in a dry run, say it would be)."""
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
            self._call(self._glacier.abort_upload, upload.vault, upload.upload_id)
        except ResourceGoneError:
            # Aborted, completed or expired since it was listed: the goal is reached, not a failure.
            self._record.already_gone(upload, age_hours)
        except GlacierError as exc:
            self._record.abort_failed(upload, age_hours, exc)
        else:
            self._record.aborted(upload, age_hours, measured)

    def _measure(self, upload: Upload) -> Measured | None:
        """What the upload holds (report_bytes); None when ListParts fails (the abort still goes ahead)."""
        try:
            progress = self._call(self._glacier.upload_progress, upload.vault, upload.upload_id)
        except ResourceGoneError:
            raise
        except GlacierError as exc:
            self._record.not_measured(upload, exc)
            return None
        self._record.summary.add_stale_bytes(progress.bytes)
        return Measured(progress)
