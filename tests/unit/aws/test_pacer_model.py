"""The pacer's targets (issue 23) in the simulated model (pacer_model.py beside it), in simulated time: at a
token bucket of 10-100 requests/s, 5-200 ms per call, 1-64 threads, a 30-second run uses at least 0.90 of
what it can get with at most 5 % throttled and no failed call; random throttling never makes it slower than
a sequential client; a neighbour sharing the bucket sees its throttled fraction rise by at most 2 points.
The same is measured against the local AWS with the real handler by `make bench` (bench/pacer_grid.py)."""

from __future__ import annotations

import itertools
import statistics
from typing import Any

import pytest

from .pacer_model import attainable, simulate

LIMITS = (10, 100)
LATENCIES = (0.005, 0.2)
CONCURRENCY = (1, 16, 64)
RUN_SECONDS = 30


@pytest.mark.parametrize(
    ("limit", "latency", "concurrency"), list(itertools.product(LIMITS, LATENCIES, CONCURRENCY))
)
def test_at_a_token_bucket_the_pacer_uses_the_limit_and_is_rarely_throttled(
    limit: float, latency: float, concurrency: int
) -> None:
    requests = int(attainable(limit, latency, concurrency) * RUN_SECONDS)
    outcome = simulate(limit=limit, latency=latency, concurrency=concurrency, requests=requests)
    assert outcome.failed == 0
    assert outcome.useful_fraction >= 0.90
    assert outcome.throttled_fraction <= 0.05


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
def test_random_throttling_never_makes_a_run_slower_than_a_sequential_client(
    throttling: float, concurrency: int
) -> None:
    common = {"limit": 0, "latency": 0.02, "requests": 400, "random_throttling": throttling}
    sequential = median_seconds(concurrency=1, paced=False, **common)
    paced = median_seconds(concurrency=concurrency, **common)
    assert paced < sequential


@pytest.mark.parametrize("throttling", [0.1, 0.3])
@pytest.mark.parametrize("latency", [0.001, 0.005])
def test_the_drills_coin_flips_at_in_process_speed_never_slow_a_run_below_a_sequential_client(
    latency: float, throttling: float
) -> None:
    # The reliability drills: calls of a few ms, random throttling, botocore's retries at a 2 ms backoff.
    # A first cut read from 10 answers in 10 ms made such runs 3 to 30 times slower than a sequential client.
    common = {
        "limit": 0,
        "latency": latency,
        "requests": 3000,
        "random_throttling": throttling,
        "fixed_backoff": 0.002,
    }
    sequential = median_seconds(concurrency=1, paced=False, **common)
    assert median_seconds(concurrency=16, **common) < sequential
    # One thread paced: a coin flip that is briefly taken for a limit costs at most a tenth (a chance crossing
    # of the background's margin, judged quiet on 20 answers, once kept a run at 0.6 of its speed).
    assert median_seconds(concurrency=1, **common) <= 1.1 * sequential


@pytest.mark.parametrize("throttling", [0.1, 0.3, 0.5])
@pytest.mark.parametrize("latency", [0.001, 0.003])
def test_no_single_short_drill_run_is_slower_than_a_sequential_client(
    latency: float, throttling: float
) -> None:
    # Medians hide the tail: with early cuts read from 3 throttles among the first answers, 105 of these 360
    # short runs (100 requests, like the soak drill's) were paced at a few requests per second, up to 50 times
    # slower than one thread that is never paced.
    slower = []
    for seed, concurrency in itertools.product(range(30), (4, 16)):
        common = {
            "limit": 0,
            "latency": latency,
            "requests": 100,
            "random_throttling": throttling,
            "fixed_backoff": 0.002,
            "seed": seed,
        }
        sequential = simulate(concurrency=1, paced=False, **common).seconds
        if simulate(concurrency=concurrency, **common).seconds >= sequential:
            slower.append((seed, concurrency))
    assert slower == []


@pytest.mark.parametrize(("latency", "at_least"), [(0.001, 0.86), (0.003, 0.82)])
def test_one_paced_thread_under_heavy_random_throttling_loses_a_fifth_at_most(
    latency: float, at_least: float
) -> None:
    # Still open (README): a single thread is cut on a measured window and pays two trials before the undo.
    # The second trial used to run its 20 answers at about a fifth of the thread's speed even once its
    # throttles had decided it; then the median was 0.83 (1 ms) and 0.80 (3 ms) of an unpaced thread.
    ratios = []
    for seed in range(20):
        common = {
            "limit": 0,
            "latency": latency,
            "concurrency": 1,
            "requests": 300,
            "random_throttling": 0.5,
            "fixed_backoff": 0.002,
            "seed": seed,
        }
        ratios.append(simulate(paced=False, **common).seconds / simulate(**common).seconds)
    assert statistics.median(ratios) >= at_least


@pytest.mark.parametrize("latency", [0.02, 0.2])
def test_a_neighbour_sharing_the_bucket_is_barely_throttled_more(latency: float) -> None:
    limit, share = 50, 0.2  # the backup uploader sends a fifth of the limit on its own
    alone = simulate(
        limit=limit, latency=latency, concurrency=1, requests=0, neighbour=limit * share, neighbour_seconds=60
    )
    assert alone.neighbour_throttled_fraction == 0  # a fifth of the limit alone: never throttled
    # Medians of 5 seeds: which of the neighbour's Poisson requests meet an empty bucket is luck (one seed
    # alone ranges from 0.8 % to 2.3 % at 20 ms).
    runs = [
        simulate(
            limit=limit,
            latency=latency,
            concurrency=16,
            requests=limit * 60,
            neighbour=limit * share,
            seed=seed,
        )
        for seed in range(1, 6)
    ]
    assert statistics.median(run.neighbour_throttled_fraction for run in runs) <= 0.02
    # ...while the cleanup still gets most of what is left
    assert statistics.median(run.useful_fraction for run in runs) >= 0.90 * (1 - share)


@pytest.mark.parametrize(("concurrency", "round_trips"), [(16, 2.0), (32, 3.5)])
def test_where_nothing_throttles_the_slow_start_costs_a_few_round_trips_once(
    concurrency: int, round_trips: float
) -> None:
    """The slow start's price, paid once per run where there is no limit (the bench's efficiency scenario:
    1,240 calls at 200 ms). Its window grows by half a request per success, 1.5 times per round trip, so
    reaching 32 in flight from 4 takes about 5 round trips, of which about 3.4 are lost. Growing faster
    buys back one or two of them and costs the 10 requests/s cells their throttle budget (README,
    Performance), which is why the price is bounded here rather than removed."""
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
