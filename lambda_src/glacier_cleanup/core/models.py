"""Domain types: what the engine reads from Glacier, what a run is asked to do, and what it reports.

Plain Python: nothing here knows about Lambda, boto3 or Powertools.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from glacier_cleanup.core.counters import COUNTS
from glacier_cleanup.core.descriptions import DEFAULT_DESCRIPTION_MODE, DescriptionMode

# `ok` means everything asked for was done. Every other status says what was not (docs/design.md):
# partial (calls failed), incomplete (stopped early or not everything reached), vault_not_found (a configured
# vault does not exist), glacier_unavailable / region_not_enabled (nothing there to clean), no_access (the
# member role of another account could not be assumed: nothing was listed there).
RunStatus = Literal[
    "ok",
    "partial",
    "incomplete",
    "vault_not_found",
    "glacier_unavailable",
    "region_not_enabled",
    "no_access",
]
# Statuses after which another round cannot do more: the loop of the state machines stops on them.
FINAL_STATUSES = frozenset({"glacier_unavailable", "region_not_enabled", "no_access"})

# The result keeps the first failures only: a run over a broken account must not grow without bound.
MAX_REPORTED_FAILURES = 50


@dataclass(frozen=True, slots=True)
class Upload:
    """One in-progress multipart upload as ListMultipartUploads returns it."""

    vault: str
    upload_id: str
    # Glacier sends an ISO-8601 UTC string; kept raw so that a malformed value can be reported, not guessed.
    creation_date: str | None
    archive_description: str | None = None


@dataclass(frozen=True, slots=True)
class CleanupPlan:
    """What one run is asked to do (settings with the event's overrides applied)."""

    dry_run: bool
    older_than: timedelta
    # Empty: every vault of the account and region.
    vaults: tuple[str, ...] = ()
    exclude_vaults: tuple[str, ...] = ()
    protect_description: re.Pattern[str] | None = None
    max_aborts: int | None = None
    report_bytes: bool = False
    concurrency: int = 16
    time_margin: timedelta = timedelta(seconds=30)
    # Activity-aware cleanup (core/activity.py): an old upload is released only once its progress has stayed
    # the same for `idle`. Off: age alone decides (the operator's explicit choice).
    activity_check: bool = False
    idle: timedelta = timedelta(hours=168)
    # For the estimated monthly cost of what stale uploads hold (docs/operations.md: the price's source).
    price_per_gb_month: float = 0.0036
    # Only these (vault, upload id) may be aborted: the ones an operator was shown and confirmed (the
    # terminal tool). Any other stale upload is left for the next run. None: no such limit.
    confirmed: frozenset[tuple[str, str]] | None = None
    # How archive descriptions are shown in logs, results and listings (core/descriptions.py).
    descriptions: DescriptionMode = DEFAULT_DESCRIPTION_MODE
    # A continuation round: the vaults up to this one were finished by the earlier rounds (core/coverage.py).
    resume_after: str | None = None

    def continued(self, *, aborts_before: int, resume_after: str | None) -> CleanupPlan:
        """The plan of a continuation round: what is left of `max_aborts` after the earlier rounds' aborts,
        and the vault after which it resumes."""
        max_aborts = self.max_aborts
        if max_aborts is not None:
            max_aborts = max(0, max_aborts - aborts_before)
        return replace(self, max_aborts=max_aborts, resume_after=resume_after)

    @property
    def measures(self) -> bool:
        """Whether each candidate's parts are listed (ListParts): for activity, or to report bytes."""
        return self.activity_check or self.report_bytes


# Domain exceptions raised by the Glacier adapter. The engine never sees botocore's exceptions.
class GlacierError(Exception):
    """A Glacier call failed after the client's retries; `code` is Glacier's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class ResourceGoneError(GlacierError):
    """404: the vault or upload no longer exists (aborted, completed, expired or deleted)."""


class AccessDeniedError(GlacierError):
    """403: IAM denies this vault or action."""


class GlacierUnavailableError(GlacierError):
    """NoLongerSupportedException: the account has no Glacier, so there is nothing to clean."""


class RegionNotEnabledError(GlacierError):
    """The credentials are not valid in this region: an opt-in region the account has not enabled."""


class NoAccessError(Exception):
    """The member role of another account could not be assumed (missing, or it does not trust us)."""

    def __init__(self, account_id: str, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.account_id = account_id
        self.code = code


def monthly_cost_usd(stored_bytes: int, price_per_gb_month: float) -> float:
    """What `stored_bytes` cost a month at a per-GB-month price (AWS bills storage per GB = 2^30 bytes)."""
    return round(stored_bytes / 2**30 * price_per_gb_month, 4)


@dataclass(frozen=True, slots=True)
class Failure:
    vault: str | None
    upload_id: str | None
    error: str

    def as_dict(self) -> dict[str, str | None]:
        return {"vault": self.vault, "upload_id": self.upload_id, "error": self.error}


@dataclass
class RunSummary:
    """Counters of one run. Thread-safe: the engine's workers update it concurrently.

    Memory stays flat whatever the account holds: counts plus a bounded sample of failures, and the counts
    again per vault (at most 1,000 vaults an account and region) for what a continuation round carries. The
    counters are the fields named in core/counters.py's `COUNTS` (a test keeps the two the same).
    """

    dry_run: bool
    older_than_hours: float
    cutoff: datetime
    vaults_scanned: int = 0
    vaults_gone: int = 0
    vaults_not_reached: int = 0
    vault_failures: int = 0
    uploads_found: int = 0
    uploads_stale: int = 0
    uploads_aborted: int = 0
    uploads_already_gone: int = 0
    uploads_protected: int = 0
    uploads_skipped: int = 0
    uploads_capped: int = 0
    uploads_left: int = 0
    uploads_not_reached: int = 0
    uploads_first_seen: int = 0
    uploads_active: int = 0
    uploads_waiting: int = 0
    uploads_watched: int = 0
    abort_failures: int = 0
    activity_failures: int = 0
    # None unless the run measured its candidates (activity check or report_bytes).
    bytes_released: int | None = None
    bytes_stale: int | None = None
    price_per_gb_month: float = 0.0036
    # The activity check's idle time, when the run had the check on (None: age alone decided).
    idle_hours: float | None = None
    abort_calls: int = 0
    glacier_unavailable: bool = False
    region_not_enabled: bool = False
    no_access: bool = False
    # Set when the run was for a target of the organization mode (another account, a given region).
    account: str | None = None
    region: str | None = None
    # False when the run stopped early (time budget, interrupted) or could not enumerate the vaults.
    complete: bool = True
    stopped_by: str | None = None
    # A vault list was given: a missing one is then a misconfiguration, not a vault deleted meanwhile.
    vaults_configured: bool = False
    # ListVaults was denied: no further round of the same run can list them either.
    vault_list_denied: bool = False
    duration_ms: int = 0
    failures: list[Failure] = field(default_factory=list)
    # The last vault, in this run's order, up to which every vault was finished (listed to its last page,
    # every upload judged): a continuation round resumes after it. None: no vault finished.
    resume_after: str | None = None
    # What a continuation round hands on (core/coverage.py `carry`); set when the run ends.
    carry: dict[str, int] = field(default_factory=dict)
    _by_vault: dict[str, dict[str, int]] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, vault: str | None = None, **increments: int) -> None:
        """Add to counters; with `vault`, also to that vault's own counts."""
        with self._lock:
            for name, amount in increments.items():
                self._count(vault, name, amount)

    def _count(self, vault: str | None, name: str, amount: int) -> None:
        setattr(self, name, getattr(self, name) + amount)
        if vault is not None:
            tally = self._by_vault.setdefault(vault, {})
            tally[name] = tally.get(name, 0) + amount

    def counts_of(self, vault: str) -> dict[str, int]:
        """The counters one vault added to (empty if none)."""
        with self._lock:
            return dict(self._by_vault.get(vault, {}))

    def add_bytes(self, amount: int) -> None:
        with self._lock:
            self.bytes_released = (self.bytes_released or 0) + amount

    def add_stale_bytes(self, amount: int) -> None:
        with self._lock:
            self.bytes_stale = (self.bytes_stale or 0) + amount

    def reserve_abort(self, max_aborts: int | None, vault: str) -> bool:
        """Take one abort slot under the per-run cap; False once the cap is used up."""
        with self._lock:
            if max_aborts is not None and self.abort_calls >= max_aborts:
                return False
            self._count(vault, "abort_calls", 1)
            return True

    def record_failure(
        self,
        failure: Failure,
        *,
        counter: Literal["abort_failures", "vault_failures", "activity_failures"],
    ) -> None:
        self.add(failure.vault, **{counter: 1})
        with self._lock:
            if len(self.failures) < MAX_REPORTED_FAILURES:
                self.failures.append(failure)

    @property
    def cutoff_iso(self) -> str:
        """The cutoff in Glacier's own CreationDate format (ISO-8601 UTC, milliseconds, Z)."""
        return self.cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    @property
    def status(self) -> RunStatus:
        if self.no_access:
            return "no_access"
        if self.region_not_enabled:
            return "region_not_enabled"
        if self.glacier_unavailable:
            return "glacier_unavailable"
        if self.abort_failures or self.vault_failures or self.activity_failures:
            return "partial"
        if not self.fully_covered:
            return "incomplete"
        if self.vaults_configured and self.vaults_gone:
            return "vault_not_found"
        return "ok"

    @property
    def more_to_do(self) -> bool:
        """Whether another round of the same run could reach what this one did not (the state machines'
        continuation loop asks this)."""
        return not self.fully_covered and self.status not in FINAL_STATUSES and not self.vault_list_denied

    @property
    def fully_covered(self) -> bool:
        """Every vault and every stale upload was reached (a max_aborts cap is what was asked: covered)."""
        return self.complete and not self.vaults_not_reached and not self.uploads_not_reached

    def to_result(self) -> dict[str, Any]:
        """The run's result, shaped as docs/design.md fixes it (contract keys first, then extras)."""
        result: dict[str, Any] = {
            "status": self.status,
            "dry_run": self.dry_run,
            "older_than_hours": self.older_than_hours,
            "cutoff": self.cutoff_iso,
            **{count.key: getattr(self, count.key) for count in COUNTS if count.contract},
            "failures": [failure.as_dict() for failure in self.failures],
            "complete": self.complete,
            "duration_ms": self.duration_ms,
            **{count.key: getattr(self, count.key) for count in COUNTS if not count.contract},
            "more_to_do": self.more_to_do,
            # For the next round of a continued run (the state machines read both; docs/design.md).
            "resume_after": self.resume_after,
            "carry": dict(self.carry),
            "activity_check": self.idle_hours is not None,
        }
        if self.idle_hours is not None:
            result["idle_hours"] = self.idle_hours
        if self.account is not None:
            result["account"] = self.account
        if self.region is not None:
            result["region"] = self.region
        if self.bytes_released is not None:
            result["bytes_released"] = self.bytes_released
        if self.bytes_stale is not None:
            result["bytes_stale"] = self.bytes_stale
            result["stale_monthly_cost_usd"] = monthly_cost_usd(self.bytes_stale, self.price_per_gb_month)
        if self.stopped_by is not None:
            result["stopped_by"] = self.stopped_by
        return result
