"""Client-side pacing at the account's rate limit, shared by a run's threads (one pacer per Glacier client).

Its contract, what it costs and how to change a constant and see the effect: docs/pacer.md. In short:
Glacier throttles per account and region like a token bucket, and the backup software that writes the vaults
draws on the same bucket. `RateControl` decides, `Pacer` makes the threads wait:

- **start**: at most START_IN_FLIGHT requests in flight, START_GROWTH more per success, until a run's
  largest concurrency or a cut, so that 64 threads do not all meet an empty bucket at once;
- **cut**: on a throttle, pace at CUT of the rate that succeeded over the last window. Before a whole
  window has passed, only a bucket running dry cuts (YOUNG_BURST successes sent before the first throttle,
  then YOUNG_THROTTLES throttles that are YOUNG_FRACTION of the answers since), its burst taken as one
  window of its limit;
- **trial**: the first TRIAL_ATTEMPTS answers to requests sent after a cut judge it: at most QUIET of them
  throttled, the pace holds; otherwise cut again at what succeeded since, unless the throttled fraction did
  not fall since the previous trial: then the throttling does not follow the rate (random, or not ours), the
  pacing is undone and throttling is ignored for BACKGROUND_HOLD seconds (botocore's retries handle it);
- **probe**: FAST_PROBE requests/s more per success up to CEILING of the rate that succeeded at the last cut,
  SLOW_PROBE above it;
- **cap**: `max_rate` (setting `max_requests_per_second`) paces from the first request and is never exceeded.

Every constant has a check of the model (tests/unit/aws/pacer_checks.py) that fails without it
(tests/unit/aws/test_pacer_model.py). Plain Python: the adapter (glacier.py) calls `before_send` and
`after_response` from botocore's per-attempt events; botocore's own retries and backoff stay as they are.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from glacier_cleanup.inputs.limits import CONCURRENCY

WINDOW_SECONDS = 1.0
START_IN_FLIGHT = 4
START_GROWTH = 0.5  # per success: the requests in flight grow 1.5 times per round trip
CUT = 0.85  # of the rate that succeeded
TRIAL_ATTEMPTS = 20  # answers to requests sent after a cut before it is judged
QUIET = 0.05  # a throttled fraction this low after a cut: the cut worked
YOUNG_BURST = 5  # successes sent before the first throttle: fewer is not a bucket's burst
YOUNG_THROTTLES = 3  # ... then this many throttles ...
YOUNG_FRACTION = 0.6  # ... at least this fraction of the answers since the first throttle
FAST_PROBE = 0.05  # requests/s more per success, below the rate that last succeeded: 5 % per second
SLOW_PROBE = 0.015  # above it: 1.5 % per second
CEILING = 0.95  # of the rate that succeeded at the last cut
BACKGROUND_HOLD = 300.0  # seconds throttling that does not follow the rate is ignored
MIN_RATE = 1 / WINDOW_SECONDS  # one request per window
_LARGEST_CONCURRENCY = CONCURRENCY.high or math.inf  # in flight: the slow start is over


@dataclass
class _Trial:
    """The answers to requests sent since a cut."""

    started: float
    attempts: int = 0
    throttled: int = 0
    last_sent: float = 0.0

    @property
    def fraction(self) -> float:
        return self.throttled / self.attempts


class RateControl:
    """The pacing decisions, on an injected clock; not thread-safe (Pacer holds the lock)."""

    def __init__(self, *, clock: Callable[[], float], max_rate: float | None = None) -> None:
        self._clock = clock
        self._max_rate = max_rate
        self.rate: float | None = max_rate  # requests/s, None: not paced
        self._ceiling: float | None = None
        self._in_flight = 0
        self._start_window: float | None = START_IN_FLIGHT
        self._next_send = 0.0
        self._first_sent: float | None = None
        # (answered, throttled, sent) over the last window
        self._recent: collections.deque[tuple[float, bool, float]] = collections.deque()
        self._last_cut = -math.inf
        self._trial: _Trial | None = None
        self._previous_trial: _Trial | None = None  # of the cut before, in one bout of throttling
        self._background_until = -math.inf
        self.slots_moved = 0  # counts changes that can let a waiting request go sooner than it computed

    # ----- sending ----------------------------------------------------------------------------------

    def try_send(self) -> bool:
        """True: send now (it counts as in flight). False: wait until `next_slot()` or the next answer."""
        if self._start_window is not None and self._in_flight >= self._start_window:
            return False
        now = self._clock()
        if self.rate is not None:
            if now < self._next_send:
                return False
            # A slot not taken is lost (no saving up), but half a slot of lateness is forgiven.
            self._next_send = max(self._next_send, now - 0.5 / self.rate) + 1 / self.rate
        self._in_flight += 1
        return True

    @property
    def gated(self) -> bool:
        """True while the slow start limits the requests in flight (an answer frees one)."""
        return self._start_window is not None

    def next_slot(self) -> float | None:
        """When the next paced slot opens (None: only an answer can free a request)."""
        return self._next_send if self.rate is not None else None

    # ----- answers ----------------------------------------------------------------------------------

    def unanswered(self) -> None:
        """An attempt that got no answer (a lost connection, a timeout): it is no longer in flight, and says
        nothing about the limit."""
        self._in_flight = max(0, self._in_flight - 1)

    def answered(self, *, throttled: bool, sent: float) -> None:
        """Every attempt's outcome, including the throttled ones botocore will retry."""
        now = self._clock()
        self._in_flight = max(0, self._in_flight - 1)
        if self._first_sent is None:
            self._first_sent = sent
        self._recent.append((now, throttled, sent))
        while self._recent[0][0] < now - WINDOW_SECONDS:
            self._recent.popleft()
        trial = self._trial
        if trial is not None and sent >= trial.started:
            self._judge(trial, throttled=throttled, sent=sent, now=now)
            return
        if throttled:
            self._on_throttle(now)
            return
        if self._start_window is not None:
            self.slots_moved += 1
            self._start_window += START_GROWTH
            if self._start_window >= _LARGEST_CONCURRENCY:
                self._start_window = None
        if self.rate is not None:
            below = self._ceiling is None or self.rate < self._ceiling
            self.rate += FAST_PROBE if below else SLOW_PROBE
            if self._max_rate is not None:
                self.rate = min(self.rate, self._max_rate)

    def _on_throttle(self, now: float) -> None:
        if self._trial is not None or now < self._background_until or now - self._last_cut < WINDOW_SECONDS:
            return
        answers = len(self._recent)
        throttled = sum(1 for _, was_throttled, _ in self._recent if was_throttled)
        assert self._first_sent is not None
        if now - self._first_sent >= WINDOW_SECONDS:
            self._cut(now, succeeded=(answers - throttled) / WINDOW_SECONDS, measured=True)
        elif self._running_dry():
            # What succeeded is a bucket's burst, taken as one window of its limit (the emulator's; AWS does
            # not publish Glacier's), plus its limit since the first request. Not a limit worth aiming at
            # yet: no ceiling.
            covered = WINDOW_SECONDS + now - self._first_sent
            self._cut(now, succeeded=(answers - throttled) / covered, measured=False)

    def _running_dry(self) -> bool:
        """Early in a run: a bucket grants its burst, then throttles most requests. A coin flip at in-process
        speed throttles a few among the first answers; cut on the early estimate, such a run would be paced
        at a hundredth of its speed until the trials undo it. The burst is counted in sending order, not
        answering: answers overtake each other."""
        first = min(sent for _, was_throttled, sent in self._recent if was_throttled)
        burst = sum(1 for _, was_throttled, sent in self._recent if not was_throttled and sent < first)
        throttled = sum(1 for _, was_throttled, _ in self._recent if was_throttled)
        after = len(self._recent) - throttled - burst
        return (
            burst >= YOUNG_BURST
            and throttled >= YOUNG_THROTTLES
            and throttled >= YOUNG_FRACTION * (throttled + after)
        )

    def _judge(self, trial: _Trial, *, throttled: bool, sent: float, now: float) -> None:
        """Count an answer to a request sent after the last cut, and judge the cut on the trial's last."""
        trial.attempts += 1
        trial.throttled += throttled
        trial.last_sent = max(trial.last_sent, sent)
        if trial.attempts < TRIAL_ATTEMPTS:
            return
        self._trial = None
        previous, self._previous_trial = self._previous_trial, None
        if trial.fraction <= QUIET:
            return  # the cut stopped the throttling: the pace holds
        if previous is not None and trial.fraction >= previous.fraction:
            self._undo(now)
            return
        succeeded = (trial.attempts - trial.throttled) / max(trial.last_sent - trial.started, 1e-3)
        self._cut(now, succeeded=succeeded, measured=True)
        if self._trial is not None:
            self._previous_trial = trial

    def _undo(self, now: float) -> None:
        """Two cuts in a row did not lower the throttled fraction: not our rate's doing. Undo them, and any
        pace an earlier bout left (it was judged on throttling that does not follow the rate either)."""
        self.rate, self._ceiling = self._max_rate, None
        self._next_send = now
        self.slots_moved += 1
        self._background_until = now + BACKGROUND_HOLD

    def _cut(self, now: float, *, succeeded: float, measured: bool) -> None:
        base = succeeded if self.rate is None else min(succeeded, self.rate)
        rate = max(MIN_RATE, CUT * base)
        if self.rate is not None and rate >= self.rate:
            return
        self._trial = _Trial(started=now, last_sent=now)
        self.rate = rate
        self._ceiling = CEILING * base if measured else None
        self._next_send = now + 1 / rate
        self.slots_moved += 1
        self._last_cut = now
        self._start_window = None


class Pacer:
    """Makes a client's threads wait for `RateControl`'s slots (one per Glacier client, shared by its
    threads)."""

    def __init__(
        self,
        *,
        max_rate: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._control = RateControl(clock=clock, max_rate=max_rate)
        # One thread at a time waits for the next slot; the others queue on this lock. Waking every waiting
        # thread for every slot (64 threads, 100 slots/s) would cost more CPU than the requests themselves.
        self._turn = threading.Lock()
        self._changed = threading.Condition()
        self._sent = threading.local()  # when this thread's attempt was sent

    @property
    def rate(self) -> float | None:
        """Requests per second the pacer allows, or None while it does not pace."""
        return self._control.rate

    def before_send(self) -> None:
        """Wait for this request's slot (called on the sending thread, before each attempt)."""
        with self._turn, self._changed:
            while not self._control.try_send():
                slot = self._control.next_slot()
                timeout = None if slot is None else max(0.0, slot - self._clock())
                # An answer that frees a request (the slow start) or moves the slots (a cut) notifies.
                self._changed.wait(timeout)
        self._sent.at = self._clock()

    def after_no_answer(self) -> None:
        with self._changed:
            self._control.unanswered()
            self._changed.notify()

    def after_response(self, *, throttled: bool) -> None:
        sent: float = getattr(self._sent, "at", self._clock())
        with self._changed:
            moved = self._control.slots_moved
            self._control.answered(throttled=throttled, sent=sent)
            if self._control.slots_moved != moved or self._control.gated:
                self._changed.notify()
