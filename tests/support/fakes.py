"""Fakes and builders the tests share: an in-memory Glacier behind the engine's GlacierPort, and the dates it
takes (NOW, `iso`, `hours_ago`)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.models import (
    AccessDeniedError,
    CleanupPlan,
    GlacierError,
    GlacierUnavailableError,
    ResourceGoneError,
    Upload,
)

__all__ = ["NOW", "FakeGlacier", "cleanup_plan", "hours_ago", "iso"]

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    """Glacier's CreationDate format: ISO-8601 UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def hours_ago(hours: float, *, now: datetime = NOW) -> str:
    return iso(now - timedelta(hours=hours))


@dataclass
class FakeGlacier:
    """Glacier in memory, paged like the real one (10 vaults, 50 uploads), listing uploads in random order.

    Faults: `list_errors` / `abort_errors` (raise on a vault's listing or an upload's abort), `unavailable`,
    `deny_list_vaults`, `before_abort` / `before_list_page` hooks, and `latency` seconds per call.
    """

    latency: float = 0.0
    seed: int = 7
    vaults: dict[str, dict[str, Upload]] = field(default_factory=dict)
    parts: dict[str, list[str]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    call_log: list[tuple[str, str]] = field(default_factory=list)
    aborted: list[tuple[str, str]] = field(default_factory=list)
    list_errors: dict[str, GlacierError] = field(default_factory=dict)
    abort_errors: dict[str, GlacierError] = field(default_factory=dict)
    unavailable: bool = False
    deny_list_vaults: bool = False
    before_abort: Callable[[str, str], None] | None = None
    before_list_page: Callable[[str, int], None] | None = None
    in_flight: int = 0
    max_in_flight: int = 0
    # Calls in flight as each call started (itself included): their mean is how parallel the run was.
    in_flight_at_start: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next_id: int = 0

    # --- seeding ---
    def create_vault(self, name: str) -> None:
        self.vaults.setdefault(name, {})

    def add_upload(
        self, vault: str, creation_date: str | None, description: str | None = None, parts: int = 0
    ) -> str:
        self.create_vault(vault)
        self._next_id += 1
        upload_id = f"{vault}-upload-{self._next_id:05d}"
        self.vaults[vault][upload_id] = Upload(vault, upload_id, creation_date, description)
        mib = 1024 * 1024
        self.parts[upload_id] = [f"{i * mib}-{(i + 1) * mib - 1}" for i in range(parts)]
        return upload_id

    def add_uploads(
        self, vault: str, count: int, *, age_hours: float, description: str | None = None, now: datetime = NOW
    ) -> list[str]:
        return [self.add_upload(vault, hours_ago(age_hours, now=now), description) for _ in range(count)]

    def remaining(self, vault: str) -> set[str]:
        return set(self.vaults.get(vault, {}))

    # --- GlacierPort ---
    def _call(self, operation: str, target: str) -> None:
        with self._lock:
            self.calls[operation] += 1
            self.call_log.append((operation, target))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.in_flight_at_start.append(self.in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
        finally:
            with self._lock:
                self.in_flight -= 1
        if self.unavailable:
            raise GlacierUnavailableError("NoLongerSupportedException", "no longer supported")

    def iter_vault_pages(self) -> Iterator[list[str]]:
        names = sorted(self.vaults)
        for start in range(0, max(len(names), 1), 10):
            self._call("ListVaults", str(start))
            if self.deny_list_vaults:
                raise AccessDeniedError("AccessDeniedException", "not allowed to list vaults")
            yield names[start : start + 10]

    def iter_upload_pages(self, vault: str) -> Iterator[list[Upload]]:
        page_number = 0
        uploads: list[Upload] | None = None
        while True:
            if self.before_list_page is not None:
                self.before_list_page(vault, page_number)
            self._call("ListMultipartUploads", vault)
            if vault in self.list_errors:
                raise self.list_errors[vault]
            if vault not in self.vaults:
                raise ResourceGoneError("ResourceNotFoundException", f"Vault not found: {vault}")
            if uploads is None:  # snapshot at the first page, in an order Glacier does not promise
                uploads = list(self.vaults[vault].values())
                random.Random(f"{self.seed}-{vault}").shuffle(uploads)
            page = uploads[page_number * 50 : (page_number + 1) * 50]
            yield page
            page_number += 1
            if page_number * 50 >= len(uploads):
                return

    def abort_upload(self, vault: str, upload_id: str) -> None:
        if self.before_abort is not None:
            self.before_abort(vault, upload_id)
        self._call("AbortMultipartUpload", upload_id)
        if upload_id in self.abort_errors:
            raise self.abort_errors[upload_id]
        with self._lock:
            if upload_id not in self.vaults.get(vault, {}):
                raise ResourceGoneError("ResourceNotFoundException", f"upload {upload_id} not found")
            del self.vaults[vault][upload_id]
            self.aborted.append((vault, upload_id))

    def upload_progress(self, vault: str, upload_id: str) -> Progress:
        self._call("ListParts", upload_id)
        if upload_id not in self.vaults.get(vault, {}):
            raise ResourceGoneError("ResourceNotFoundException", f"upload {upload_id} not found")
        total = 0
        for part in self.parts[upload_id]:
            first, last = part.split("-")
            total += int(last) - int(first) + 1
        return Progress(len(self.parts[upload_id]), total)


def cleanup_plan(**overrides: Any) -> CleanupPlan:
    """A plan for the engine's tests: a real run (not dry) of uploads older than 168 h, 4 threads, the
    activity check off unless asked for; `overrides` sets any other field."""
    values: dict[str, Any] = {"dry_run": False, "older_than": timedelta(hours=168), "concurrency": 4}
    values.update(overrides)
    return CleanupPlan(**values)
