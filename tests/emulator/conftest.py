"""Helpers for the emulator's contract tests; the fixtures come from glacier_emulator.pytest_plugin."""

from __future__ import annotations

from typing import Any

import pytest

from glacier_emulator.handles import EmulatorHandle


@pytest.fixture
def client(glacier: EmulatorHandle) -> Any:
    return glacier.client()
