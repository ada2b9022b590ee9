"""The pacer's targets as checks on the model (pacer_model.py), shared by its tests and by a sweep a
contributor runs to see what a change of constant does:

    python -m tests.unit.aws.pacer_checks CUT=0.9 SLOW_PROBE=0.02

prints every check the changed pacer misses (the model's 128-cell grid, the neighbour, random throttling at
the shipped concurrency and the drills' short runs at in-process speed), with `SEED=n` for another draw.
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys

from glacier_cleanup.aws import pacing

from .pacer_model import attainable, simulate

RUN_SECONDS = 30
SHIPPED_CONCURRENCY = 16
RANDOM_SLOWDOWN_MAX = 1.5
NEIGHBOUR_RISE_MAX = 0.02  # alone, a fifth of the limit is never throttled


def grid_cell(limit: float, latency: float, concurrency: int, seed: int = 1) -> str | None:
    """At a token bucket: >= 0.90 of the attainable rate, <= 5 % throttled, nothing failed; or what missed."""
    requests = int(attainable(limit, latency, concurrency) * RUN_SECONDS)
    run = simulate(limit=limit, latency=latency, concurrency=concurrency, requests=requests, seed=seed)
    if run.failed or run.useful_fraction < 0.90 or run.throttled_fraction > 0.05:
        return (
            f"{limit:g}/s {latency * 1000:g} ms x{concurrency}: {run.useful_fraction:.3f} of attainable, "
            f"{run.throttled_fraction:.1%} throttled, {run.failed} failed"
        )
    return None


def neighbour(latency: float) -> str | None:
    """A neighbour sending a fifth of a 50 requests/s bucket: its throttled fraction, median of 5 seeds."""
    limit = 50
    runs = [
        simulate(
            limit=limit, latency=latency, concurrency=16, requests=limit * 60, neighbour=limit / 5, seed=seed
        )
        for seed in range(1, 6)
    ]
    throttled = statistics.median(run.neighbour_throttled_fraction for run in runs)
    useful = statistics.median(run.useful_fraction for run in runs)
    if throttled > NEIGHBOUR_RISE_MAX or useful < 0.90 * 0.8:
        return f"neighbour at {latency * 1000:g} ms: {throttled:.1%} throttled, the cleanup {useful:.3f}"
    return None


def _median_seconds(**knobs: object) -> float:
    return statistics.median(simulate(seed=seed, **knobs).seconds for seed in range(7))  # type: ignore[arg-type]


def random_throttling(throttling: float, concurrency: int = SHIPPED_CONCURRENCY) -> str | None:
    """Random throttling, no bucket, 20 ms a call: paced over unpaced time, medians of 7 seeds."""
    knobs = {"limit": 0, "latency": 0.02, "requests": 400, "random_throttling": throttling}
    paced = _median_seconds(concurrency=concurrency, **knobs)
    unpaced = _median_seconds(concurrency=concurrency, paced=False, **knobs)
    if paced > RANDOM_SLOWDOWN_MAX * unpaced:
        return f"random {throttling:.0%} x{concurrency}: paced {paced / unpaced:.2f} x the unpaced time"
    return None


def drill_runs() -> str | None:
    """The reliability drills' short runs: calls of a few ms, random throttling, botocore's retries at a 2 ms
    backoff, 1 to 16 threads; no single one of 360 runs over 1.5 x its unpaced time (a bucket's early cut
    taken from a coin flip paced such runs at a few requests per second)."""
    slow = []
    for latency, throttling, concurrency, seed in itertools.product(
        (0.001, 0.003), (0.1, 0.3, 0.5), (1, 4, 16), range(20)
    ):
        knobs = {
            "limit": 0,
            "latency": latency,
            "requests": 100,
            "random_throttling": throttling,
            "fixed_backoff": 0.002,
            "concurrency": concurrency,
            "seed": seed,
        }
        paced = simulate(**knobs).seconds  # type: ignore[arg-type]
        if paced > RANDOM_SLOWDOWN_MAX * simulate(paced=False, **knobs).seconds:  # type: ignore[arg-type]
            slow.append((latency, throttling, concurrency, seed))
    return f"{len(slow)} of 360 drill runs over {RANDOM_SLOWDOWN_MAX} x unpaced: {slow[:3]}" if slow else None


def long_drill_runs(throttling: float, concurrency: int) -> str | None:
    """Drill runs of several seconds at in-process speed (3,000 calls of 1 ms, a 2 ms backoff): long enough
    for whole windows, cuts and trials; paced over unpaced time, medians of 5 seeds."""
    knobs = {
        "limit": 0,
        "latency": 0.001,
        "requests": 3000,
        "random_throttling": throttling,
        "fixed_backoff": 0.002,
        "concurrency": concurrency,
    }
    paced = statistics.median(simulate(seed=seed, **knobs).seconds for seed in range(5))  # type: ignore[arg-type]
    unpaced = statistics.median(
        simulate(seed=seed, paced=False, **knobs).seconds  # type: ignore[arg-type]
        for seed in range(5)
    )
    if paced > RANDOM_SLOWDOWN_MAX * unpaced:
        return f"long drill runs, {throttling:.0%} x{concurrency}: paced {paced / unpaced:.2f} x unpaced"
    return None


def every_check(seed: int = 1) -> list[str]:
    cells = itertools.product((10, 20, 50, 100), (0.005, 0.02, 0.05, 0.2), (1, 2, 4, 8, 16, 32, 48, 64))
    missed = [grid_cell(*cell, seed=seed) for cell in cells]
    missed += [neighbour(0.02), neighbour(0.2)]
    missed += [random_throttling(p, c) for p, c in itertools.product((0.2, 0.5), (16, 64))]
    missed.append(drill_runs())
    missed += [long_drill_runs(p, c) for p, c in itertools.product((0.1, 0.3, 0.5), (1, 16))]
    return [miss for miss in missed if miss is not None]


def main(argv: list[str]) -> int:
    for assignment in argv:
        name, _, value = assignment.partition("=")
        if not hasattr(pacing, name):
            print(f"no constant {name} in glacier_cleanup.aws.pacing", file=sys.stderr)
            return 2
        setattr(pacing, name, float(value))
    missed = every_check(seed=int(os.environ.get("SEED", "1")))
    print("\n".join(missed) if missed else "every check met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
