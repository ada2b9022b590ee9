"""AWS-like request metering: one token bucket per account and region.

AWS documents its API throttling as token buckets (a bucket per account, region and action family,
refilled at a steady rate, a burst capacity on top). A client that sends faster than the refill rate
gets ``ThrottlingException``s; one that paces itself gets none. A throttled request consumes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` held; starts full."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._updated = clock()
        self._lock = threading.Lock()

    def try_take(self) -> bool:
        """Take one token if there is one; False (and nothing taken) when the bucket is empty."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


class RateLimiter:
    """Buckets keyed by (account, region), created on first use with the current settings."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._rate = 0.0
        self._burst = 0.0
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def configure(self, rate: float, burst: float) -> None:
        """New settings; every bucket starts again full."""
        with self._lock:
            self._rate, self._burst = rate, burst
            self._buckets = {}

    def allow(self, account: str, region: str) -> bool:
        if self._rate <= 0:
            return True
        key = (account, region)
        bucket = self._buckets.get(key)
        if bucket is None:
            with self._lock:
                bucket = self._buckets.setdefault(key, TokenBucket(self._rate, self._burst, self._clock))
        return bucket.try_take()
