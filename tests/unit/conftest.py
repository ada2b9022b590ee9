"""Unit-test fixtures: an in-memory Glacier (tests/support/fakes.py); Powertools set up for tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from support.fakes import NOW, FakeGlacier
from support.handler_env import fresh_powertools


@pytest.fixture
def fake_glacier() -> FakeGlacier:
    return FakeGlacier()


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's zone 8 hours behind UTC: nothing may depend on it."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def powertools_for_tests() -> Iterator[None]:
    with fresh_powertools():
        yield
