"""The handler's test environment, shared by every test folder: settings from a clean environment, a fake
Lambda context and runtime, Powertools resets, the EMF metrics a run printed, and an in-memory observation
store."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from aws_lambda_powertools.metrics.provider import cold_start
from glacier_cleanup import handler
from glacier_cleanup.core.activity import Observation, StoreError, UploadKey
from glacier_cleanup.core.engine import GlacierPort
from glacier_cleanup.core.models import Upload
from glacier_cleanup.core.outcomes import Action, UploadOutcome
from glacier_cleanup.handler import Runtime
from glacier_cleanup.inputs.settings import SETTINGS_PREFIX
from glacier_cleanup.observability import metrics, set_log_stream


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal (the CLI asks and draws its progress line only on one)."""

    def isatty(self) -> bool:
        return True


@dataclass(frozen=True)
class FakeRuntime(Runtime):
    """The handler's runtime with a given Glacier (a fake) in place of the boto3 client."""

    glacier: Any = None

    def open_glacier(
        self, *, region: str | None = None, credentials: Any = None, seconds_remaining: Any = None
    ) -> GlacierPort:
        return self.glacier  # type: ignore[no-any-return]


def fake_runtime(settings: Any, glacier: Any) -> FakeRuntime:
    return FakeRuntime(settings=settings, session=None, glacier=glacier)  # type: ignore[arg-type]


@dataclass
class FakeLambdaContext:
    """The parts of Lambda's context object the handler and Powertools use.

    `remaining_ms` is a number, or a callable for a clock that runs down while the function works.
    """

    remaining_ms: int | Callable[[], int] = 900_000
    function_name: str = "glacier-multipart-cleanup"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:glacier-multipart-cleanup"
    aws_request_id: str = "11111111-2222-3333-4444-555555555555"
    log_group_name: str = "/aws/lambda/glacier-multipart-cleanup"
    log_stream_name: str = "2025/06/01/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms() if callable(self.remaining_ms) else self.remaining_ms


class CurrentStdout:
    """Writes to whatever sys.stdout is at the time, so capsys sees the logger's lines."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def clear_cleanup_settings(monkeypatch: pytest.MonkeyPatch, *, activity_check: bool = False) -> None:
    """Start from the documented defaults, whatever the shell exported (every CLEANUP_* variable).

    One exception: the activity check is off unless asked for. These tests are about the age rule, faults,
    stopping and reporting, where a first look that only records would hide what they check; the activity
    check has its own tests (tests/*/test_activity*.py), which turn it on with an observation table. These
    age-rule variants send `{"dry_run": false}` to a dry-run deployment, so events may loosen there too; the
    guardrail has its own tests (tests/unit/inputs/test_guardrails.py).
    """
    for variable in [name for name in os.environ if name.startswith(SETTINGS_PREFIX)]:
        monkeypatch.delenv(variable)
    if not activity_check:
        monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "false")
        monkeypatch.setenv("CLEANUP_EVENT_MAY_LOOSEN", "true")


@contextmanager
def fresh_powertools() -> Iterator[None]:
    """Logs to the captured stdout; metrics, cold start and the cached runtime start fresh."""
    set_log_stream(CurrentStdout())  # type: ignore[arg-type]
    metrics.clear_metrics()
    metrics.clear_default_dimensions()
    cold_start.is_cold_start = True
    handler.get_runtime.cache_clear()
    try:
        yield
    finally:
        metrics.clear_metrics()
        handler.get_runtime.cache_clear()


def emitted(output: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split captured stdout into EMF blobs and log lines."""
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [r for r in records if "_aws" in r], [r for r in records if "_aws" not in r]


def metric_values(blobs: list[dict[str, Any]]) -> dict[str, float]:
    values: dict[str, float] = {}
    for blob in blobs:
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                # EMF allows one value or a list of values for the same metric
                values[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return values


def outcome(upload: Upload, age_hours: float | None, label: str) -> UploadOutcome:
    """The outcome the listing shows as `label` ("aborted", "abort failed: <code>", ...), with the
    description in full (the output's own tests; tests/unit/core/test_descriptions.py covers the modes)."""
    for action in Action:
        if label == action.value:
            return UploadOutcome(upload, age_hours, action, description_mode="full")
        if label.startswith(f"{action.value}: "):
            code = label.removeprefix(f"{action.value}: ")
            return UploadOutcome(upload, age_hours, action, code, description_mode="full")
    raise ValueError(f"no action is shown as {label!r}")


class MemoryStore:
    """An ObservationStore in a dict, with faults: `fail_get` / `fail_put` raise StoreError."""

    def __init__(self) -> None:
        self.items: dict[UploadKey, Observation] = {}
        self.expiry: dict[UploadKey, datetime] = {}
        self.fail_get = False
        self.fail_put = False
        self.gets = 0
        self.puts = 0
        self._lock = threading.Lock()

    def get(self, key: UploadKey) -> Observation | None:
        with self._lock:
            self.gets += 1
            if self.fail_get:
                raise StoreError("ProvisionedThroughputExceededException: read failed")
            return self.items.get(key)

    def put(self, key: UploadKey, observation: Observation, *, expires_at: datetime) -> None:
        with self._lock:
            self.puts += 1
            if self.fail_put:
                raise StoreError("AccessDeniedException: not allowed to write")
            self.items[key] = observation
            self.expiry[key] = expires_at
