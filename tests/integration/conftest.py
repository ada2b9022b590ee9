"""Integration fixtures: the real handler, adapter and boto3 against the Glacier emulator (both modes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.retries.standard import ExponentialBackoff
from support.handler_env import (  # sets the POWERTOOLS_* variables before glacier_cleanup loads
    clear_cleanup_settings,
    fresh_powertools,
)


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts from the documented defaults, whatever the shell exported."""
    clear_cleanup_settings(monkeypatch)
    with fresh_powertools():
        yield


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's real retry logic, minus the sleeping (its backoff is up to seconds per attempt)."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
