"""Bytes for people (glacier_cleanup.core.sizes): binary units, one decimal, whole bytes below a KiB."""

from __future__ import annotations

import pytest
from glacier_cleanup.core.sizes import human_bytes


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (5 * 2**20, "5.0 MiB"),
        (2**30 - 1, "1024.0 MiB"),  # one byte short of a GiB rounds up within its unit
        (3 * 2**30 + 2**29, "3.5 GiB"),
        (2**40, "1.0 TiB"),
        (2048 * 2**40, "2048.0 TiB"),  # no unit past TiB
    ],
)
def test_bytes_are_shown_in_the_largest_binary_unit_under_1024(count: int, shown: str) -> None:
    assert human_bytes(count) == shown
