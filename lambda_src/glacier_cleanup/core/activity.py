"""Is an old upload still being written? Glacier says nothing about when a part arrived (ListParts gives
ranges and hashes, no times), so activity is seen by comparing what an upload holds between two looks.

The rule (docs/operations.md, "What stale means"): an upload old enough by `CreationDate` is released only
when its progress (parts and bytes, over every ListParts page) has stayed the same across observations that
span at least the idle time. A first look only records; a change restarts the wait. Pure functions on plain
values; the store of observations is a port (`ObservationStore`), implemented in aws/ (DynamoDB) and in
terminal/ (the terminal tool's local file).

One clock (docs/reliability.md, "The activity rule's invariants"): every look is dated by Glacier's own clock
(the `Date` of the ListParts answer, `Progress.as_of`) when the look is made, so no writer's clock can move a
look. A stored look that cannot be true (dated after this look, before the upload existed, or contradicting
itself) is never a reason to abort: the upload is kept and its wait starts again from this look.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

# Chosen for the asymmetric risk (docs/operations.md, "Why 7 days"): keeping an abandoned upload a few days
# longer costs cents; aborting a live one costs the uploader days of bandwidth. An upload whose parts pause
# for less than the idle time is never aborted, whatever the schedule's jitter, because the wait runs from
# the first look after the last part. With looks at most 25 h apart (a daily schedule, a one-hour flexible
# window), an abandoned upload is aborted at most idle + 2 x 25 h after its last part.
DEFAULT_IDLE_HOURS = 168.0
# How long the store keeps an observation nobody refreshes (an upload completed, aborted or gone): then
# it expires (DynamoDB TTL). At least this many idle periods, so a paused schedule loses nothing it needs.
RETENTION_IDLE_PERIODS = 4
MIN_RETENTION = timedelta(days=30)
# How far a stored look may lie ahead of this one before it is distrusted: Glacier's `Date` has whole
# seconds, and a look dated by a local clock (no `Date` in the answer) may be a little off.
CLOCK_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Progress:
    """What an upload holds: parts and bytes, summed over every ListParts page."""

    parts: int
    bytes: int
    # When Glacier said so (the answer's `Date`): the look's time. Not part of what the upload holds, so
    # two looks at the same progress are equal whenever they were made.
    as_of: datetime | None = field(default=None, compare=False)


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
    # The stored look cannot be true (see `distrust`): kept, the wait starts again, and the run says why.
    DISTRUSTED = "distrusted"


@dataclass(frozen=True, slots=True)
class ActivityDecision:
    activity: Activity
    record: Observation  # what the store should hold after this look
    unchanged_hours: float  # how long the progress has been the same (0 for a first look or a change)
    reason: str | None = None  # why a stored look was distrusted


def distrust(previous: Observation, now: datetime, created: datetime | None) -> str | None:
    """Why the stored look cannot be true, or None. Such a look could only shorten the wait: whoever wrote
    it (another clock, a person with write access to the store), it is not evidence of idleness."""
    if previous.unchanged_since > previous.last_seen:
        return "stored look contradicts itself (unchanged since after it was last seen)"
    if previous.last_seen > now + CLOCK_TOLERANCE:
        return f"stored look dated {previous.last_seen.isoformat()}, after this look ({now.isoformat()})"
    if created is not None and previous.unchanged_since < created - CLOCK_TOLERANCE:
        return (
            f"stored look dated {previous.unchanged_since.isoformat()}, before the upload was created "
            f"({created.isoformat()})"
        )
    return None


def judge_activity(
    previous: Observation | None,
    current: Progress,
    now: datetime,
    idle: timedelta,
    *,
    created: datetime | None = None,
) -> ActivityDecision:
    """What this look at an upload, made at `now`, says given the last one the store kept (None: never
    seen). `created` is the upload's CreationDate, when known: no look can be older."""
    if previous is None:
        return ActivityDecision(Activity.FIRST_SEEN, Observation(current, now, now), 0.0)
    reason = distrust(previous, now, created)
    if reason is not None:
        return ActivityDecision(Activity.DISTRUSTED, Observation(current, now, now), 0.0, reason)
    if previous.progress != current:
        return ActivityDecision(Activity.ACTIVE, Observation(current, now, now), 0.0)
    # The same progress: the wait runs from the first look that saw it. A clock that went backwards
    # (within the tolerance) gives a negative span, which is never long enough.
    since = previous.unchanged_since
    unchanged = now - since
    record = Observation(current, since, max(now, previous.last_seen))
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
