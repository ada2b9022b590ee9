"""The pacer's targets (docs/pacer.md) in the simulated model (pacer_model.py beside it), in simulated time:
at a token bucket of 10-100 requests/s, 5-200 ms per call, 1-64 threads, a 30-second run uses at least 0.90
of what it can get with at most 5 % throttled and no failed call; under random throttling a run takes at
most 1.5 times the unpaced engine's time; a neighbour sharing the bucket sees its throttled fraction rise by
at most 2 points; and every constant of the pacer has a check that fails without it. The same is measured
against the local AWS with the real handler by `make bench` (bench/pacer_grid.py)."""

from __future__ import annotations

import itertools
import statistics
from typing import Any

import pytest
from glacier_cleanup.aws import pacing

from . import pacer_checks as checks
from .pacer_model import simulate

LIMITS = (10, 100)
LATENCIES = (0.005, 0.2)
CONCURRENCY = (1, 16, 64)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("limit", "latency", "concurrency"), list(itertools.product(LIMITS, LATENCIES, CONCURRENCY))
)
def test_at_a_token_bucket_the_pacer_uses_the_limit_and_is_rarely_throttled(
    limit: float, latency: float, concurrency: int, seed: int
) -> None:
    assert checks.grid_cell(limit, latency, concurrency, seed=seed) is None


def test_unpaced_the_same_conditions_are_throttled_far_more() -> None:
    """The model can fail: without the pacer, 16 threads at 5 ms and 10/s waste most requests."""
    outcome = simulate(limit=10, latency=0.005, concurrency=16, requests=300, paced=False)
    assert outcome.throttled_fraction > 0.5


def median_seconds(**knobs: Any) -> float:
    """The median run time over 5 seeds of the same conditions."""
    return statistics.median(simulate(seed=seed, **knobs).seconds for seed in range(5))


def test_with_the_critical_path_aborts_wait_for_their_listing_calls() -> None:
    flat = simulate(limit=0, latency=0.02, concurrency=64, requests=50, paced=False)
    chained = simulate(limit=0, latency=0.02, concurrency=64, requests=50, paced=False, vaults=2)
    assert (flat.attempts, chained.attempts) == (50, 53)  # ListVaults and one listing call per vault
    # 64 threads send every abort at once without it; with it, after ListVaults and their vault's listing call
    assert flat.seconds <= 0.02 * 1.2
    assert chained.seconds >= 3 * 0.02 * 0.8


@pytest.mark.parametrize("throttling", [0.2, 0.5])
@pytest.mark.parametrize("concurrency", [16, 64])
def test_random_throttling_takes_at_most_one_and_a_half_times_the_unpaced_time(
    throttling: float, concurrency: int
) -> None:
    assert checks.random_throttling(throttling, concurrency) is None


@pytest.mark.slow
def test_no_short_drill_run_is_paced_into_a_crawl() -> None:
    assert checks.drill_runs() is None


@pytest.mark.parametrize("latency", [0.02, 0.2])
def test_a_neighbour_sharing_the_bucket_is_barely_throttled_more(latency: float) -> None:
    limit, share = 50, 0.2  # the backup uploader sends a fifth of the limit on its own
    alone = simulate(
        limit=limit, latency=latency, concurrency=1, requests=0, neighbour=limit * share, neighbour_seconds=60
    )
    assert alone.neighbour_throttled_fraction == 0  # a fifth of the limit alone: never throttled
    # Medians of 5 seeds: which of the neighbour's Poisson requests meet an empty bucket is luck.
    assert checks.neighbour(latency) is None


@pytest.mark.parametrize(("concurrency", "round_trips"), [(16, 2.0), (32, 3.5)])
def test_where_nothing_throttles_the_slow_start_costs_a_few_round_trips_once(
    concurrency: int, round_trips: float
) -> None:
    """The slow start's price, paid once per run where there is no limit (the bench's efficiency scenario:
    1,240 calls at 200 ms). Its window grows by half a request per success, 1.5 times per round trip, so
    reaching 32 in flight from 4 takes about 5 round trips, of which about 3.4 are lost. Growing faster
    buys back one or two of them and costs the 10 requests/s cells their throttle budget (see the
    constants' test below), which is why the price is bounded here rather than removed."""
    latency = 0.2
    knobs: dict[str, Any] = {"limit": 0, "latency": latency, "concurrency": concurrency, "requests": 1240}
    unpaced = simulate(paced=False, **knobs)
    paced = simulate(**knobs)
    assert paced.throttled_fraction == 0
    assert paced.seconds - unpaced.seconds <= round_trips * latency


def test_a_cap_is_never_exceeded() -> None:
    outcome = simulate(limit=100, latency=0.005, concurrency=16, requests=600, max_rate=20.0)
    assert outcome.throttled_fraction == 0
    assert outcome.seconds >= 600 / 20 - 1


# Each constant of the pacer, changed, and a check it then misses (tests/unit/aws/pacer_checks.py): a constant
# without one would be a rule nothing needs. Found with `python -m tests.unit.aws.pacer_checks NAME=value`.
NEEDED = [
    ("WINDOW_SECONDS", 0.5, lambda: checks.grid_cell(10, 0.005, 16)),
    ("START_IN_FLIGHT", 12, lambda: checks.grid_cell(10, 0.005, 16)),
    ("START_IN_FLIGHT", 2, lambda: checks.random_throttling(0.2, 64)),
    ("START_GROWTH", 1.0, lambda: checks.grid_cell(10, 0.005, 16)),
    ("CUT", 0.95, lambda: checks.grid_cell(10, 0.2, 16)),
    ("TRIAL_ATTEMPTS", 40, lambda: checks.grid_cell(10, 0.2, 16)),
    ("TRIAL_ATTEMPTS", 5, lambda: checks.grid_cell(100, 0.2, 48)),
    ("QUIET", 0.0, lambda: checks.grid_cell(100, 0.005, 2)),
    ("YOUNG_BURST", 3, checks.drill_runs),
    ("YOUNG_THROTTLES", 2, checks.drill_runs),
    ("YOUNG_FRACTION", 0.5, checks.drill_runs),
    ("FAST_PROBE", 0.1, lambda: checks.grid_cell(10, 0.2, 16)),
    ("SLOW_PROBE", 0.05, lambda: checks.neighbour(0.02)),
    ("SLOW_PROBE", 0.005, lambda: checks.grid_cell(100, 0.2, 48)),
    ("CEILING", 1.0, lambda: checks.neighbour(0.02)),
    ("BACKGROUND_HOLD", 0.0, lambda: checks.random_throttling(0.5, 16)),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "value", "check"), NEEDED, ids=[f"{n}={v}" for n, v, _ in NEEDED])
def test_every_constant_has_a_check_that_fails_without_it(
    name: str, value: float, check: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert check() is None  # met as shipped
    monkeypatch.setattr(pacing, name, value)
    assert check() is not None


def test_every_tuning_constant_is_in_the_needed_list() -> None:
    constants = {
        name
        for name, value in vars(pacing).items()
        if name.isupper() and not name.startswith("_") and isinstance(value, (int, float))
    }
    assert constants - {"MIN_RATE"} == {name for name, _, _ in NEEDED}  # MIN_RATE: one request per window
