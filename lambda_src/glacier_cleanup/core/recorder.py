"""Each outcome of a run, reported once: `OutcomeRecorder` has one method per outcome of an upload or a
vault, and each does the three things an outcome needs: the summary's counter, the observer (the terminal
tool's listing), the log line (the Logs Insights queries of docs/operations.md read these messages and
keys). The types it reports are in outcomes.py.
"""

from __future__ import annotations

from typing import Any

from glacier_cleanup.core.descriptions import shown
from glacier_cleanup.core.models import (
    AccessDeniedError,
    CleanupPlan,
    Failure,
    GlacierError,
    RunSummary,
    Upload,
)
from glacier_cleanup.core.outcomes import Action, Measured, UploadObserver, UploadOutcome
from glacier_cleanup.core.uploaders import uploader_of
from glacier_cleanup.observability import logger


class OutcomeRecorder:
    """Counts, tells and logs each outcome of one run. Thread-safe as `RunSummary` is."""

    def __init__(self, summary: RunSummary, plan: CleanupPlan, observer: UploadObserver | None) -> None:
        self.summary = summary
        self._dry_run = plan.dry_run
        self._descriptions = plan.descriptions
        self._observer = observer

    # --- uploads -------------------------------------------------------------------------------------------

    def found(self, upload: Upload) -> None:
        self.summary.add(upload.vault, uploads_found=1)

    def skipped(self, upload: Upload) -> None:
        self.summary.add(upload.vault, uploads_skipped=1)
        self._tell(upload, None, Action.SKIPPED)
        logger.warning(
            "upload skipped: unusable CreationDate",
            vault=upload.vault,
            upload_id=upload.upload_id,
            creation_date=upload.creation_date,
        )

    def protected(self, upload: Upload, age_hours: float) -> None:
        self.summary.add(upload.vault, uploads_protected=1)
        self._tell(upload, age_hours, Action.PROTECTED)
        logger.debug(
            "stale upload protected",
            vault=upload.vault,
            upload_id=upload.upload_id,
            archive_description=shown(upload.archive_description, self._descriptions),
        )

    def capped(self, upload: Upload, age_hours: float) -> None:
        self.summary.add(upload.vault, uploads_capped=1)
        self._tell(upload, age_hours, Action.CAPPED)

    def left(self, upload: Upload, age_hours: float) -> None:
        self.summary.add(upload.vault, uploads_left=1)
        self._tell(upload, age_hours, Action.LEFT)

    def not_reached(self, upload: Upload, age_hours: float) -> None:
        self.summary.add(upload.vault, uploads_not_reached=1)
        self._tell(upload, age_hours, Action.NOT_REACHED)

    def already_gone(self, upload: Upload, age_hours: float) -> None:
        self.summary.add(upload.vault, uploads_already_gone=1)
        self._tell(upload, age_hours, Action.ALREADY_GONE)
        logger.info("stale upload already gone", vault=upload.vault, upload_id=upload.upload_id)

    def abort_failed(self, upload: Upload, age_hours: float, error: GlacierError) -> None:
        self.summary.record_failure(
            Failure(upload.vault, upload.upload_id, str(error)), counter="abort_failures"
        )
        self._tell(upload, age_hours, Action.ABORT_FAILED, error.code)
        logger.error(
            "abort failed",
            vault=upload.vault,
            upload_id=upload.upload_id,
            error=str(error),
            error_code=error.code,
        )

    def abort_crashed(self, upload: Upload, error: Exception) -> None:
        """A bug while aborting: this upload's failure, loudly (call it from the `except` block)."""
        self.summary.record_failure(
            Failure(upload.vault, upload.upload_id, f"{type(error).__name__}: {error}"),
            counter="abort_failures",
        )
        logger.exception("unexpected error while aborting", vault=upload.vault, upload_id=upload.upload_id)

    def not_measured(self, upload: Upload, error: GlacierError) -> None:
        logger.warning(
            "could not measure upload", vault=upload.vault, upload_id=upload.upload_id, error=str(error)
        )

    def would_abort(self, upload: Upload, age_hours: float, measured: Measured | None) -> None:
        self._released(upload, age_hours, measured)

    def aborted(self, upload: Upload, age_hours: float, measured: Measured | None) -> None:
        self.summary.add(upload.vault, uploads_aborted=1)
        self._released(upload, age_hours, measured)

    def _released(self, upload: Upload, age_hours: float, measured: Measured | None) -> None:
        size = None if measured is None else measured.progress.bytes
        if size is not None:
            self.summary.add_bytes(size)
        self._tell(upload, age_hours, Action.WOULD_ABORT if self._dry_run else Action.ABORTED, None, measured)
        logger.info(
            "would abort stale upload" if self._dry_run else "aborted stale upload",
            vault=upload.vault,
            upload_id=upload.upload_id,
            age_hours=age_hours,
            archive_description=shown(upload.archive_description, self._descriptions),
            creation_date=upload.creation_date,
            dry_run=self._dry_run,
            bytes=size,
            **_measured_keys(upload, measured),
        )

    # --- old uploads the activity check keeps ------------------------------------------------------------

    def first_seen(self, upload: Upload, age_hours: float, measured: Measured) -> None:
        self._kept(upload, age_hours, measured, Action.FIRST_SEEN)

    def active(self, upload: Upload, age_hours: float, measured: Measured) -> None:
        self._kept(upload, age_hours, measured, Action.ACTIVE)

    def waiting(self, upload: Upload, age_hours: float, measured: Measured) -> None:
        self._kept(upload, age_hours, measured, Action.WAITING)

    def _kept(self, upload: Upload, age_hours: float, measured: Measured, action: Action) -> None:
        counter, message = _KEPT[action]
        self.summary.add(upload.vault, **{counter: 1})
        self._tell(upload, age_hours, action, None, measured)
        logger.info(
            message,
            vault=upload.vault,
            upload_id=upload.upload_id,
            age_hours=age_hours,
            **_measured_keys(upload, measured),
        )

    def watched(self, upload: Upload) -> None:
        """A young upload's look was recorded (core/engine.py `_watch`): counted, not listed."""
        self.summary.add(upload.vault, uploads_watched=1)

    def activity_unknown(self, upload: Upload, age_hours: float, reason: str) -> None:
        """ListParts or the observation store failed: the upload is kept (never aborted on a guess)."""
        self.summary.record_failure(
            Failure(upload.vault, upload.upload_id, f"activity unknown, kept: {reason}"),
            counter="activity_failures",
        )
        self._tell(upload, age_hours, Action.ACTIVITY_UNKNOWN)
        logger.warning(
            "activity of an old upload unknown: kept",
            vault=upload.vault,
            upload_id=upload.upload_id,
            age_hours=age_hours,
            error=reason,
        )

    def stale(self, upload: Upload, measured: Measured | None = None) -> None:
        self.summary.add(upload.vault, uploads_stale=1)
        if measured is not None:
            self.summary.add_stale_bytes(measured.progress.bytes)

    def _tell(
        self,
        upload: Upload,
        age_hours: float | None,
        action: Action,
        error_code: str | None = None,
        measured: Measured | None = None,
    ) -> None:
        if self._observer is not None:
            self._observer(UploadOutcome(upload, age_hours, action, error_code, measured, self._descriptions))

    # --- vaults --------------------------------------------------------------------------------------------

    def vault_excluded(self, vault: str) -> None:
        logger.debug("vault excluded", vault=vault)

    def vault_not_reached(self, vault: str | None = None) -> None:
        """Not listed to its end (`vault`), or not started at all (None)."""
        self.summary.add(vault, vaults_not_reached=1)

    def vault_scanned(self, vault: str, *, uploads_found: int, duration_ms: int) -> None:
        self.summary.add(vault, vaults_scanned=1)
        logger.info("vault scanned", vault=vault, uploads_found=uploads_found, duration_ms=duration_ms)

    def vault_gone(self, vault: str, error: GlacierError) -> None:
        """Deleted since ListVaults (or a configured name that does not exist): nothing to clean there."""
        self.summary.add(vault, vaults_gone=1)
        logger.warning("vault not found", vault=vault, error=str(error))

    def vault_failed(self, vault: str, error: GlacierError) -> None:
        self.summary.record_failure(Failure(vault, None, str(error)), counter="vault_failures")
        logger.error("listing uploads failed", vault=vault, error=str(error), error_code=error.code)

    def vault_crashed(self, vault: str, error: Exception) -> None:
        """A bug while scanning: this vault's failure, loudly (call it from the `except` block)."""
        self.summary.record_failure(
            Failure(vault, None, f"{type(error).__name__}: {error}"), counter="vault_failures"
        )
        logger.exception("unexpected error while scanning vault", vault=vault)

    def vault_list_failed(self, error: GlacierError) -> None:
        """Without the vault list the run cannot know what it missed: a failure, and incomplete. Denied (an
        SCP that denies the region, a missing grant), another round of this run cannot do better."""
        self.summary.complete = False
        if isinstance(error, AccessDeniedError):
            self.summary.vault_list_denied = True
        self.summary.record_failure(Failure(None, None, str(error)), counter="vault_failures")
        logger.error("listing vaults failed", error=str(error), error_code=error.code)

    def region_not_enabled(self, error: GlacierError) -> None:
        """An opt-in region the account has not enabled: nothing can be there; its own status."""
        self.summary.region_not_enabled = True
        logger.warning("region not enabled for this account: nothing to clean", error=str(error))


# Old uploads the activity check keeps: their counter and log line (docs/operations.md lists the lines).
_KEPT = {
    Action.FIRST_SEEN: ("uploads_first_seen", "old upload seen for the first time: recorded, kept"),
    Action.ACTIVE: ("uploads_active", "old upload still receiving parts: kept"),
    Action.WAITING: ("uploads_waiting", "old upload unchanged, not yet for the idle time: kept"),
}


def _measured_keys(upload: Upload, measured: Measured | None) -> dict[str, Any]:
    """The log keys of what a look at the upload found, and whose upload it seems to be."""
    keys: dict[str, Any] = {}
    if measured is not None:
        keys.update(parts=measured.progress.parts, unchanged_hours=measured.unchanged_hours)
    uploader = uploader_of(upload.archive_description)
    if uploader is not None:
        keys["uploader"] = uploader
    return keys
