"""A discrete-event model of a run's Glacier calls through the pacer's `RateControl`, in simulated time.

`concurrency` workers each take a request, wait for the pacer, send it to a token bucket (AWS's throttling
model: glacier_emulator/ratelimit.py's bucket, `limit` tokens per second, a burst of one second, a throttled
request takes nothing) that also throttles at random with probability `random_throttling` (the drills), and
answer `latency` later (±20 %). A throttled attempt is retried like botocore's standard mode: backoff
rand(0, 1) * 2^(attempt - 1) s (at most 20 s), at most `max_attempts` attempts, and the client's retry quota
(500; 5 per throttled retry; a success gives back what its request took, or 1); `fixed_backoff` replaces the
backoff with a constant, as the reliability drills do (2 ms). A `neighbour` sends on its
own at that many requests/s (Poisson) into the same bucket, never retrying: the backup uploader (until the run
ends, and for at least `neighbour_seconds`). With `vaults`, the run has the engine's critical path: one
ListVaults call, then one listing call per vault, whose success makes its share of the `requests` (the aborts)
available; a worker with nothing to do waits for work, and a listing call's retries hold back its vault's
aborts.

This is the pacer's tuning ground (many conditions in seconds, reproducible by seed); bench/pacer_grid.py
measures the real handler against the local AWS.
"""

from __future__ import annotations

import collections
import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from glacier_cleanup.aws.pacing import RateControl

from glacier_emulator.ratelimit import TokenBucket

RETRY_QUOTA = 500
THROTTLING_RETRY_COST = 5


@dataclass(frozen=True)
class Outcome:
    seconds: float
    useful_fraction: float  # successes per second over the attainable rate
    throttled_fraction: float
    failed: int
    neighbour_throttled_fraction: float
    attempts: int


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def attainable(limit: float, latency: float, concurrency: int) -> float:
    """The most a client could get: the bucket's rate, or its threads' round trips."""
    return min(limit if limit > 0 else math.inf, concurrency / latency)


def simulate(
    *,
    limit: float,
    latency: float,
    concurrency: int,
    requests: int,
    paced: bool = True,
    max_rate: float | None = None,
    random_throttling: float = 0.0,
    neighbour: float = 0.0,
    neighbour_seconds: float = 0.0,
    seed: int = 1,
    max_attempts: int = 10,
    fixed_backoff: float | None = None,
    vaults: int = 0,
) -> Outcome:
    rng = random.Random(seed)
    clock = _Clock()
    # The emulator's own bucket (burst = one second, starts full), on the simulated clock; 0: no limit.
    bucket = TokenBucket(limit, limit, clock) if limit > 0 else None
    control: RateControl | None = RateControl(clock=clock, max_rate=max_rate) if paced else None
    events: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
    sequence = 0
    stats = {"ok": 0, "throttled": 0, "attempts": 0, "failed": 0, "done": 0, "end": 0.0}
    neighbour_stats = {"attempts": 0, "throttled": 0}
    quota = [RETRY_QUOTA]
    remaining = [0 if vaults else requests]
    total = requests + (vaults + 1 if vaults else 0)
    work: collections.deque[str] = collections.deque(["list_vaults"] if vaults else [])
    idle = [0]
    shares = collections.deque(requests // vaults + (index < requests % vaults) for index in range(vaults))
    waiting: list[tuple[int, int, str]] = []
    wakes: set[float] = set()

    def at(when: float, action: Callable[..., None], *args: Any) -> None:
        nonlocal sequence
        sequence += 1
        heapq.heappush(events, (when, sequence, action, args))

    def next_request() -> None:
        if work:
            attempt(1, 0, work.popleft())
        elif remaining[0] > 0:
            remaining[0] -= 1
            attempt(1, 0, "abort")
        else:
            idle[0] += 1

    def found(kind: str) -> None:
        """A listing call's success: the work it finds, taken up by idle workers."""
        if kind == "list_vaults":
            work.extend(["list_vault"] * vaults)
        elif kind == "list_vault":
            work.extend(["abort"] * shares.popleft())
        while idle[0] and (work or remaining[0]):
            idle[0] -= 1
            next_request()

    def attempt(number: int, cost: int, kind: str) -> None:
        if control is None:
            send(number, cost, kind)
            return
        waiting.append((number, cost, kind))
        release()

    def release() -> None:
        assert control is not None
        while waiting and control.try_send():
            send(*waiting.pop(0))
        slot = control.next_slot()
        if waiting and slot is not None and slot > clock.now and slot not in wakes:
            wakes.add(slot)
            at(slot, release)

    def send(number: int, cost: int, kind: str) -> None:
        stats["attempts"] += 1
        allowed = (bucket is None or bucket.try_take()) and rng.random() >= random_throttling
        at(clock.now + latency * rng.uniform(0.8, 1.2), answer, number, cost, kind, clock.now, allowed)

    def finish() -> None:
        stats["done"] += 1
        stats["end"] = clock.now
        next_request()

    def answer(number: int, cost: int, kind: str, sent: float, allowed: bool) -> None:
        if control is not None:
            control.answered(throttled=not allowed, sent=sent)
            release()
        if allowed:
            stats["ok"] += 1
            quota[0] = min(RETRY_QUOTA, quota[0] + (cost or 1))
            found(kind)
            finish()
            return
        stats["throttled"] += 1
        if number < max_attempts and quota[0] >= THROTTLING_RETRY_COST:
            quota[0] -= THROTTLING_RETRY_COST
            backoff = (
                fixed_backoff if fixed_backoff is not None else rng.random() * min(20.0, 2.0 ** (number - 1))
            )
            at(clock.now + backoff, attempt, number + 1, THROTTLING_RETRY_COST, kind)
        else:
            stats["failed"] += 1  # a listing call's: what it would have found is never done
            finish()

    def neighbour_request() -> None:
        if stats["done"] >= total and clock.now >= neighbour_seconds:
            return
        neighbour_stats["attempts"] += 1
        neighbour_stats["throttled"] += bucket is not None and not bucket.try_take()
        at(clock.now + rng.expovariate(neighbour), neighbour_request)

    for _ in range(concurrency):
        at(0.0, next_request)
    if neighbour:
        at(rng.expovariate(neighbour), neighbour_request)
    while events:
        when, _, action, args = heapq.heappop(events)
        clock.now = when
        action(*args)
    seconds = stats["end"]
    return Outcome(
        seconds=seconds,
        useful_fraction=stats["ok"] / seconds / attainable(limit, latency, concurrency) if seconds else 0.0,
        throttled_fraction=stats["throttled"] / max(1, stats["attempts"]),
        failed=stats["failed"],
        neighbour_throttled_fraction=neighbour_stats["throttled"] / max(1, neighbour_stats["attempts"]),
        attempts=stats["attempts"],
    )
