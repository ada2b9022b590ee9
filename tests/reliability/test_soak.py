"""Soak: ten consecutive scheduled runs while uploads of mixed ages keep appearing between them, some of them
just short of the threshold so that they turn stale between runs. The invariants hold after every run, and
whatever was stale at one run is gone after the next at the latest."""

from __future__ import annotations

import itertools
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .harness import FRESH, OLD, PROTECTED_DESCRIPTION, STALE_DESCRIPTION, Drill
from .invariants import RunRecord
from .support import iso

THRESHOLD = timedelta(hours=168)  # the default older_than_hours
TURNS_STALE_IN = timedelta(seconds=0.4)
RUNS = 10


def _arrivals(drill: Drill, rng: random.Random, vaults: list[str], counter: itertools.count[int]) -> None:
    """Between two runs: a new vault now and then, and new uploads of every kind in a few vaults."""
    if next(counter) % 3 == 0:
        vaults.append(f"soak-new-{len(vaults):03d}")
    now = datetime.now(UTC)
    for vault in rng.sample(vaults, k=min(4, len(vaults))):
        kinds: list[tuple[int, datetime, str | None]] = [
            (rng.randint(0, 15), now - OLD, STALE_DESCRIPTION),
            (rng.randint(0, 5), now - FRESH, None),
            (
                rng.randint(0, 3),
                now - THRESHOLD + TURNS_STALE_IN,
                STALE_DESCRIPTION,
            ),  # stale from next run on
            (rng.randint(0, 1), now - OLD, PROTECTED_DESCRIPTION),
            (rng.randint(0, 1), now + timedelta(hours=2), None),  # clock skew
        ]
        for count, created, description in kinds:
            if count:
                ids = drill.handle.seed(
                    vault, count, creation_date=iso(created), archive_description=description
                )
                if description == PROTECTED_DESCRIPTION:
                    drill.protected_ids |= set(ids)
                if created == now - OLD:  # the schedule has watched these for a week (harness.py)
                    drill.record_earlier_looks(vault, ids)


def _soak(drill: Drill, faults: dict[str, Any], label: str, *, vaults: int) -> list[RunRecord]:
    rng = random.Random(20251126)
    names = [f"soak-{n:03d}" for n in range(vaults)]
    counter = itertools.count()
    drill.handle.configure(seed=11, **faults)
    runs: list[RunRecord] = []
    for _ in range(RUNS):
        _arrivals(drill, rng, names, counter)
        time.sleep(TURNS_STALE_IN.total_seconds())  # the near-threshold uploads of the last round turn stale
        runs.append(drill.run())  # invariants 1, 2, 4 and 5 are checked inside
        # 3: without faults one run leaves nothing stale; under faults (up to 30 %), what was stale at the
        # previous run is gone after this one: the drills' two-run bound, checked after every run.
        if not faults:
            left = drill.left_after(runs[-1])
            assert left == [], f"inv3: {len(left)} stale uploads left after run {len(runs)}"
        if len(runs) >= 2:
            earlier = drill.left_after(runs[-2])
            assert earlier == [], f"inv3: {len(earlier)} uploads stale at run {len(runs) - 1} still there"
    drill.report.add(
        f"soak: {RUNS} runs, arrivals between runs",
        label,
        drill.handle.mode,
        runs,
        converged=not drill.left_after(runs[-1]),
    )
    return runs


@pytest.mark.parametrize(
    ("faults", "label"),
    [({}, "no faults"), ({"throttle_rate": 0.1, "error_rate": 0.05}, "10% throttling + 5% 5xx")],
    ids=["no-faults", "faults"],
)
def test_soak_ten_runs_in_process(drill: Drill, faults: dict[str, Any], label: str) -> None:
    runs = _soak(drill, faults, label, vaults=12)

    aborted = [e["upload_id"] for run in runs for e in run.aborts]
    assert len(aborted) == len(set(aborted))  # no upload removed twice
    assert not set(aborted) & drill.protected_ids
    assert sum(run.result["uploads_aborted"] for run in runs) >= 100  # the soak did real work
    assert any(run.result["uploads_skipped"] for run in runs)  # and met the skewed uploads


@pytest.mark.drill
def test_soak_ten_runs_over_http(server_drill: Drill) -> None:
    runs = _soak(
        server_drill, {"throttle_rate": 0.2, "error_rate": 0.1}, "20% throttling + 10% 5xx", vaults=30
    )

    assert sum(run.result["uploads_aborted"] for run in runs) >= 300
