"""Integration fixtures: the real handler, adapter and boto3 against the Glacier emulator (both modes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.retries.standard import ExponentialBackoff
from unit.support import fresh_powertools  # sets the POWERTOOLS_* variables before glacier_cleanup loads

CLEANUP_VARIABLES = (
    "CLEANUP_OLDER_THAN_HOURS",
    "CLEANUP_DRY_RUN",
    "CLEANUP_VAULTS",
    "CLEANUP_EXCLUDE_VAULTS",
    "CLEANUP_PROTECT_DESCRIPTION_REGEX",
    "CLEANUP_CONCURRENCY",
    "CLEANUP_MAX_ABORTS",
    "CLEANUP_TIME_MARGIN_SECONDS",
    "CLEANUP_ACCOUNT_ID",
    "CLEANUP_REPORT_BYTES",
    "CLEANUP_MAX_ATTEMPTS",
    "CLEANUP_RETRY_MODE",
)


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts from the documented defaults, whatever the shell exported."""
    for variable in CLEANUP_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    with fresh_powertools():
        yield


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's real retry logic, minus the sleeping (its backoff is up to seconds per attempt)."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
