"""The decision about one upload, apart from any I/O: an upload, the plan and one instant -> what to do.

Plain functions on plain values, so the rule that matters most ("a young upload is never aborted") can be
read in one place and property-tested alone (tests/unit/core/test_decisions.py). The engine applies the
decision: the per-run abort cap, the calls and the stopping rules stay there.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from glacier_cleanup.core.models import CleanupPlan, Upload


class Verdict(enum.Enum):
    KEEP = "keep"  # younger than the cutoff: in progress, or not stale yet
    SKIP = "skip"  # CreationDate unusable: an unknown age is never old enough
    PROTECT = "protect"  # stale, but its description matches the protection pattern
    RELEASE = "release"  # stale: abort it (or report it, in a dry run)


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    age_hours: float | None  # None when the age is unknown


def parse_creation_date(raw: object) -> datetime | None:
    """Glacier's CreationDate as an aware UTC datetime, or None when it cannot be trusted."""
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            return None
    else:
        return None
    # Glacier documents CreationDate as UTC: a value without an offset is read as UTC, not local time.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def cutoff_for(plan: CleanupPlan, now: datetime) -> datetime:
    """Uploads created at or before this instant are stale."""
    return now - plan.older_than


def age_hours(now: datetime, created: datetime) -> float:
    return round((now - created).total_seconds() / 3600, 2)


def decide(upload: Upload, plan: CleanupPlan, now: datetime) -> Decision:
    """What to do with `upload` at instant `now` (aware UTC) under `plan`."""
    created = parse_creation_date(upload.creation_date)
    if created is None or created > now:
        # Unreadable or in the future: the age is unknown.
        return Decision(Verdict.SKIP, None)
    age = age_hours(now, created)
    if created > cutoff_for(plan, now):
        return Decision(Verdict.KEEP, age)
    protect = plan.protect_description
    if protect is not None and protect.search(upload.archive_description or ""):
        return Decision(Verdict.PROTECT, age)
    return Decision(Verdict.RELEASE, age)
