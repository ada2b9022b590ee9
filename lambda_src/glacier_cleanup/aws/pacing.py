"""Client-side pacing at the account's rate limit, shared by a run's threads (one pacer per Glacier client).

Why not botocore's `adaptive` mode: it meets a token-bucket limit well, but every throttle lowers its rate
whatever caused it, down to 0.5 requests/s; throttling that does not follow the rate (the drills' coin flip)
then stalls a run for minutes (README, Performance). This pacer instead:

- sends unpaced until the first throttle (a run that is never throttled is never slowed);
- on a throttle, at most once per WINDOW seconds, paces at the rate that *succeeded* over the last WINDOW:
  under a token bucket that is the limit itself;
- probes upwards by PROBE per second of successes, so a limit that rises is found again;
- never paces below one request in flight (a sequential client's rate, from the measured latency of an
  attempt): at worst a run is as fast as a sequential client, never slower, whatever the throttling is.

Plain Python: the adapter (glacier.py) calls `before_send` and `after_response` from botocore's per-attempt
events; botocore's own retries and backoff stay as they are.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable

WINDOW_SECONDS = 1.0
PROBE = 0.05  # the paced rate grows by 5 % per second of successes
LATENCY_WEIGHT = 0.1  # of the newest attempt in the latency average


class Pacer:
    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._rate: float | None = None  # None: not paced (no throttle seen yet)
        self._next_send = 0.0
        self._in_flight = 0
        self._successes: collections.deque[float] = collections.deque()
        self._last_decrease = float("-inf")
        self._latency: float | None = None  # average seconds per attempt
        self._started = threading.local()  # when this thread's attempt was sent

    @property
    def rate(self) -> float | None:
        """Requests per second the pacer allows, or None while it does not pace."""
        return self._rate

    def before_send(self) -> None:
        """Wait for this request's slot (called on the sending thread, before each attempt)."""
        with self._lock:
            now = self._clock()
            if self._rate is None:
                wait = 0.0
            elif self._in_flight == 0:  # never hold back a lone request; it still takes its slot
                wait = 0.0
                self._next_send = max(self._next_send, now) + 1 / self._rate
            else:
                slot = max(self._next_send, now)
                self._next_send = slot + 1 / self._rate
                wait = slot - now
            self._in_flight += 1
        if wait > 0:
            self._sleep(wait)
        self._started.at = self._clock()

    def after_response(self, *, throttled: bool) -> None:
        """Every attempt's outcome, including the throttled ones botocore will retry."""
        started: float | None = getattr(self._started, "at", None)
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            now = self._clock()
            if started is not None and now > started:
                sample = now - started
                latency = self._latency
                self._latency = sample if latency is None else latency + LATENCY_WEIGHT * (sample - latency)
            while self._successes and self._successes[0] < now - WINDOW_SECONDS:
                self._successes.popleft()
            if throttled:
                if now - self._last_decrease >= WINDOW_SECONDS:
                    self._last_decrease = now
                    self._rate = max(self._sequential_rate(), len(self._successes) / WINDOW_SECONDS)
                return
            self._successes.append(now)
            if self._rate is not None:
                self._rate += PROBE

    def _sequential_rate(self) -> float:
        """Requests per second of one request at a time: the pacer's floor."""
        return 1 / self._latency if self._latency else 1.0
