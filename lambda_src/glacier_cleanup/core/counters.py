"""The run's counters, listed once. The result, the function's metrics, the organization's totals and its
per-target metrics, the continuation rounds' carry-over (core/coverage.py) and the terminal tool's summary
are all derived from `COUNTS`; adding a counter here adds it everywhere it belongs
(tests/unit/core/test_counters.py).

The statuses that need someone's attention are here too, for the same reason: the function, the
organization summary and the terminal tool's exit status read them from one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Count:
    """One counter of a run: a `RunSummary` field and the result key of the same name."""

    key: str
    label: str  # the terminal tool's summary row
    metric: str | None = None  # the function's EMF metric (dimensions service, target)
    contract: bool = False  # among the result's contract keys (docs/design.md), which come first
    organization: bool = False  # summed into the organization's totals (summary.json, its log line)
    organization_metric: bool = False  # also a metric of the organization (totals and per target)
    target_row: bool = False  # a column of the organization's per-target table
    activity: bool = False  # only meaningful with the activity check (the CLI shows it only then)


COUNTS: Final[tuple[Count, ...]] = (
    Count("vaults_scanned", "vaults scanned", "VaultsScanned", contract=True, organization=True),
    Count(
        "uploads_found",
        "uploads found",
        "UploadsFound",
        contract=True,
        organization=True,
        target_row=True,
    ),
    Count(
        "uploads_stale",
        "uploads stale",
        "UploadsStale",
        contract=True,
        organization=True,
        organization_metric=True,
        target_row=True,
    ),
    Count(
        "uploads_aborted",
        "uploads aborted",
        "UploadsAborted",
        contract=True,
        organization=True,
        organization_metric=True,
        target_row=True,
    ),
    Count(
        "uploads_already_gone",
        "uploads already gone",
        "UploadsAlreadyGone",
        contract=True,
        organization=True,
    ),
    Count("uploads_protected", "uploads protected", contract=True, organization=True),
    Count("uploads_skipped", "uploads skipped (bad date)", contract=True, organization=True),
    # Old enough, but kept by the activity check (core/activity.py).
    Count(
        "uploads_first_seen",
        "uploads first seen (kept)",
        "UploadsFirstSeen",
        organization=True,
        activity=True,
        target_row=True,
    ),
    Count(
        "uploads_active",
        "uploads receiving parts (kept)",
        "UploadsActive",
        organization=True,
        activity=True,
        target_row=True,
    ),
    Count("uploads_waiting", "uploads not yet idle long (kept)", organization=True, activity=True),
    # Younger than the age threshold, looked at all the same: the activity check's wait starts early.
    Count("uploads_watched", "young uploads looked at", activity=True),
    Count("uploads_capped", "uploads over max_aborts"),
    # Stale, but not among the uploads the operator confirmed (the terminal tool): the next run judges them.
    Count("uploads_left", "uploads left (next run)"),
    Count("uploads_not_reached", "uploads not reached", organization=True),
    Count("vaults_gone", "vaults not found"),
    Count("vaults_not_reached", "vaults not reached"),
    Count(
        "abort_failures",
        "abort failures",
        "AbortFailures",
        organization=True,
        organization_metric=True,
    ),
    Count("vault_failures", "vault failures", "VaultFailures", organization=True),
    # Uploads kept because their activity could not be established (ListParts or the store failed).
    Count(
        "activity_failures",
        "activity check failures",
        "ActivityCheckFailures",
        organization=True,
        organization_metric=True,
        activity=True,
    ),
)
# Bytes the run measured (None in a result that measured nothing): summed like counters, metrics in Bytes.
BYTE_COUNTS: Final[tuple[Count, ...]] = (
    Count("bytes_stale", "bytes held by stale uploads", "BytesStale", organization=True),
    Count("bytes_released", "bytes released", "BytesReleased", organization=True),
)

COUNT_KEYS: Final = tuple(count.key for count in COUNTS)
ORGANIZATION_KEYS: Final = tuple(count.key for count in COUNTS if count.organization)
TARGET_ROW_KEYS: Final = tuple(count.key for count in COUNTS if count.target_row)

# What makes a run "not done" (the terminal tool's exit status 1), worst first.
NOT_DONE_STATUSES: Final = ("partial", "incomplete", "vault_not_found")
# A map item that failed (the function raised, or Lambda itself failed) has no result: this status.
FAILED: Final = "failed"
# Statuses that need someone's attention: the organization's alarms and its per-target metrics count them.
NEEDS_ATTENTION: Final = frozenset({*NOT_DONE_STATUSES, "no_access", FAILED})


def metric_name(key: str) -> str:
    """The EMF metric of a counter that has one (KeyError names the counter that has none)."""
    metric = next((count.metric for count in COUNTS if count.key == key), None)
    if metric is None:
        raise KeyError(f"{key} is not a counter with a metric")
    return metric
