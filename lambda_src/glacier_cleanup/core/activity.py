"""Is an old upload still being written? Glacier says nothing about when a part arrived (ListParts gives
ranges and hashes, no times), so activity is seen by comparing what an upload holds between two looks.

The rule (docs/operations.md, "What stale means"): an upload old enough by `CreationDate` is released only
when its progress (parts and bytes, over every ListParts page) has stayed the same across observations that
span at least the idle time. A first look only records; a change restarts the wait. Pure functions on plain
values; the store of observations is a port (`ObservationStore`), implemented in aws/ (DynamoDB) and in
terminal/ (the terminal tool's local file).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# Glacier "may remove" an upload with no activity for 24 hours (InitiateMultipartUpload's reference):
# waiting less would be stricter than Glacier itself. 48 h: an upload paused for a day (a missed nightly
# window, a machine off over a day) survives, and with the daily schedule and its one-hour flexible
# window three looks that span at least 48 h are needed (docs/operations.md).
DEFAULT_IDLE_HOURS = 48.0
# How long the store keeps an observation nobody refreshes (an upload completed, aborted or gone): then
# it expires (DynamoDB TTL). At least this many idle periods, so a paused schedule loses nothing it needs.
RETENTION_IDLE_PERIODS = 4
MIN_RETENTION = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Progress:
    """What an upload holds: parts and bytes, summed over every ListParts page."""

    parts: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Observation:
    """What the store remembers of one upload."""

    progress: Progress
    unchanged_since: datetime  # the first look that saw this progress
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class UploadKey:
    """An upload, wherever it is: the store's key."""

    account: str  # 12 digits, or "-" when the run does not know its account
    region: str
    vault: str
    upload_id: str

    def __str__(self) -> str:
        return f"{self.account}/{self.region}/{self.vault}/{self.upload_id}"


class Activity(enum.Enum):
    FIRST_SEEN = "first_seen"  # no earlier look: recorded, kept
    ACTIVE = "active"  # its progress changed since the last look: kept, and the wait starts again
    WAITING = "waiting"  # unchanged, but not yet for the idle time: kept
    IDLE = "idle"  # unchanged for at least the idle time: abandoned, may be released


@dataclass(frozen=True, slots=True)
class ActivityDecision:
    activity: Activity
    record: Observation  # what the store should hold after this look
    unchanged_hours: float  # how long the progress has been the same (0 for a first look or a change)


def judge_activity(
    previous: Observation | None, current: Progress, now: datetime, idle: timedelta
) -> ActivityDecision:
    """What this look at an upload says, given the last one the store kept (None: never seen)."""
    if previous is None:
        return ActivityDecision(Activity.FIRST_SEEN, Observation(current, now, now), 0.0)
    if previous.progress != current:
        return ActivityDecision(Activity.ACTIVE, Observation(current, now, now), 0.0)
    # The same progress: the wait runs from the first look that saw it. A clock that went backwards
    # gives a negative span, which is never long enough.
    since = previous.unchanged_since
    unchanged = now - since
    record = Observation(current, since, now)
    hours = round(unchanged.total_seconds() / 3600, 2)
    if unchanged >= idle:
        return ActivityDecision(Activity.IDLE, record, hours)
    return ActivityDecision(Activity.WAITING, record, hours)


def retention(idle: timedelta) -> timedelta:
    """How long an unrefreshed observation is kept (the store's expiry)."""
    return max(MIN_RETENTION, RETENTION_IDLE_PERIODS * idle)


class StoreError(Exception):
    """The observation store could not be read or written: the upload is kept, the run says why."""


class ObservationStore(Protocol):
    """Where the looks at uploads are kept between runs. Methods raise only `StoreError`."""

    def get(self, key: UploadKey) -> Observation | None: ...

    def put(self, key: UploadKey, observation: Observation, *, expires_at: datetime) -> None: ...
