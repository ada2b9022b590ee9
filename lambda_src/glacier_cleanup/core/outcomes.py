"""What a run did with each upload: `Action` names it, `UploadOutcome` carries it to the observer (the
terminal tool reads these typed values, never strings). recorder.py reports each outcome once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.descriptions import DEFAULT_DESCRIPTION_MODE, DescriptionMode, shown
from glacier_cleanup.core.models import Upload
from glacier_cleanup.core.uploaders import uploader_of


class Action(enum.StrEnum):
    """What a run did, or would do, with one upload; the value is what the operator's listing shows."""

    WOULD_ABORT = "would abort"
    ABORTED = "aborted"
    ALREADY_GONE = "already gone"
    ABORT_FAILED = "abort failed"
    NOT_REACHED = "not reached: run stopped"
    CAPPED = "not aborted: max_aborts reached"
    LEFT = "not aborted: stale since the listing, left for the next run"
    PROTECTED = "protected"
    SKIPPED = "skipped: unusable CreationDate"
    # Old enough by age, kept by the activity check (core/activity.py).
    FIRST_SEEN = "kept: first seen"
    ACTIVE = "kept: receiving parts"
    WAITING = "kept: idle, waiting"
    ACTIVITY_UNKNOWN = "kept: activity unknown"

    @property
    def is_stale(self) -> bool:
        """Abandoned (old and idle, or old with the activity check off), whatever then happened to it."""
        return self not in _NOT_STALE

    @property
    def is_kept_by_activity(self) -> bool:
        """Old enough by age, but kept: still receiving parts, or not yet known to be idle."""
        return self in _KEPT_BY_ACTIVITY


_KEPT_BY_ACTIVITY = frozenset({Action.FIRST_SEEN, Action.ACTIVE, Action.WAITING, Action.ACTIVITY_UNKNOWN})
_NOT_STALE = frozenset({Action.PROTECTED, Action.SKIPPED, *_KEPT_BY_ACTIVITY})


@dataclass(frozen=True, slots=True)
class Measured:
    """What a look at an upload's parts found, and since when it has not changed (None: no earlier look,
    or the activity check is off)."""

    progress: Progress
    unchanged_hours: float | None = None


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    """What a run did, or would do, with one upload, and why (for the operator's listing)."""

    upload: Upload
    age_hours: float | None  # None when CreationDate is unusable
    action: Action
    error_code: str | None = None  # why an abort failed
    measured: Measured | None = None  # parts and bytes, when the run listed them
    description_mode: DescriptionMode = DEFAULT_DESCRIPTION_MODE  # the run's `descriptions` setting

    @property
    def description(self) -> str | None:
        """The archive description as the run's setting shows it (core/descriptions.py)."""
        return shown(self.upload.archive_description, self.description_mode)

    @property
    def uploader(self) -> str | None:
        """The uploader whose documented description format the archive description matches."""
        return uploader_of(self.upload.archive_description)

    @property
    def label(self) -> str:
        """The listing's text: the action, and for a failed abort Glacier's error code."""
        return f"{self.action}: {self.error_code}" if self.error_code else str(self.action)


# Called (from worker threads) once per upload the run decided about: stale ones, protected, skipped.
UploadObserver = Callable[[UploadOutcome], None]
