"""Client-side pacing at the account's rate limit, shared by a run's threads (one pacer per Glacier client).

Glacier throttles per account and region like a token bucket; the backup software that writes the vaults
draws on the same bucket. Why not botocore's `adaptive` mode: every throttle lowers its rate whatever caused
it, down to 0.5 requests/s, so throttling that does not follow the rate (the drills' coin flip) stalls a run
for minutes (docs/performance.md). `RateControl` decides, `Pacer` makes the threads wait:

- **start**: at most 4 requests in flight, half a request more per success (a slow start: a run that is
  never throttled reaches its full concurrency within a few round trips, and 64 threads do not all hit an
  empty bucket at once). Nothing tells a bucket's burst before it runs dry; growing by half a request per
  success keeps what is in flight then to about half of what it granted. Where nothing throttles that costs
  a few round trips once per run; faster starts spent the 10 requests/s cells' throttle budget in the model
  (docs/performance.md);
- **cut**: on a throttle, pace at 0.85 of the rate that succeeded over the last second (at a bucket: just
  below the limit, so the bucket refills and a neighbour sharing it is not throttled); while the requests
  sent after a cut are still throttled, cut again at what succeeded since;
- **probe**: 5 % of the rate per second of successes up to 0.95 of the rate that last succeeded, 1 % above it;
- **early**: before a whole window has passed, a throttle cuts only when the answers look like a bucket
  running dry (a burst, then YOUNG_THROTTLES throttles and no more successes than the burst again and its
  refill allow), not
  like a coin flip: at in-process speed a coin flip after 10 answers in 10 ms would read as 10 requests/s;
  until then each throttle halves the requests in flight;
- **not our doing**: when two cuts in a row do not lower the throttled fraction, the throttling does not
  follow the rate (random, or someone else's): the pacing is undone (unpaced again, or the cap) and
  throttling at that fraction is ignored for BACKGROUND_HOLD seconds; the second cut's trial ends as soon as
  its throttles make that verdict certain;
- **cap**: `max_rate` (setting `max_requests_per_second`) paces from the first request and is never exceeded.

Tuned on tests/unit/aws/pacer_model.py (a simulated bucket over the grid of limits, latencies and concurrency)
and measured against the local AWS by `make bench` (bench/pacer_grid.py). Plain Python: the adapter
(glacier.py) calls `before_send` and `after_response` from botocore's per-attempt events; botocore's own
retries and backoff stay as they are.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 1.0
START_IN_FLIGHT = 4  # the slow start's first window; it grows by START_GROWTH per success
START_IN_FLIGHT_MAX = 64  # the largest concurrency a run can have: the slow start is over
START_GROWTH = 0.5  # per success: the in-flight window grows 1.5 times per round trip
CUT = 0.85  # of the rate that succeeded
FAST_PROBE = 0.05  # rate growth per success below the ceiling: 5 % per second
SLOW_PROBE = 0.01  # above it: 1 % per second
CEILING = 0.95  # of the rate that succeeded at the last cut
TRIAL_ATTEMPTS = 20  # answers to requests sent after a cut before it is judged
TRIAL_MIN_ATTEMPTS = 5  # ... or this many, once TRIAL_MAX_WINDOWS have passed
TRIAL_MAX_WINDOWS = 5
CUT_HELPED = 0.6  # a cut helped when the throttled fraction fell below 0.6 of the previous
QUIET = 0.05  # a throttled fraction this low after a cut: the cut worked
MIN_SAMPLE = 8  # answers in the window before a first judgement
# Before a whole window has passed, a cut needs a bucket running dry: this many throttles ...
YOUNG_THROTTLES = 3
YOUNG_FRACTION = 0.6  # ... this fraction of the answers sent since the first of them throttled ...
YOUNG_BURST = 5  # ... at least this many successes before it (a smaller burst is not a bucket's) ...
YOUNG_REFILL = 2.0  # ... and since it, at most the burst (reordered) and this many times its refill
EARLY_BACKOFF = 0.5  # until then, each throttle halves the requests in flight
BACKGROUND_HOLD = 300.0  # seconds throttling that does not follow the rate is ignored
# Standard errors above that fraction before a window's throttling is ours again. It is checked at every
# throttle: at 2, a coin flip crossed it by chance every few seconds, and each such cut cost a run its pace.
BACKGROUND_MARGIN = 3.0
MIN_RATE = 1.0


@dataclass
class _Trial:
    """The answers to requests sent since a cut."""

    started: float
    attempts: int = 0
    throttled: int = 0
    last_sent: float = 0.0


@dataclass
class _Episode:
    """Consecutive cuts for one bout of throttling."""

    previous: _Trial | None = None  # the trial of the cut before the current one

    @property
    def previous_fraction(self) -> float | None:
        return None if self.previous is None else self.previous.throttled / self.previous.attempts


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
        self._episode: _Episode | None = None
        self._background = 0.0
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
        if (
            trial is not None
            and sent >= trial.started
            and self._judge(trial, throttled=throttled, sent=sent, now=now)
        ):
            return
        if throttled:
            self._on_throttle(now)
            return
        if self._start_window is not None:
            self.slots_moved += 1
            self._start_window += START_GROWTH
            if self._start_window >= START_IN_FLIGHT_MAX:
                self._start_window = None
        if self.rate is not None:
            below = self._ceiling is None or self.rate < self._ceiling
            self.rate += FAST_PROBE if below else SLOW_PROBE
            if self._max_rate is not None:
                self.rate = min(self.rate, self._max_rate)

    def _on_throttle(self, now: float) -> None:
        if self._trial is not None or self._episode is not None or now - self._last_cut < WINDOW_SECONDS:
            return
        answers = len(self._recent)
        if answers < MIN_SAMPLE:
            return
        throttled = sum(1 for _, was_throttled, _ in self._recent if was_throttled)
        background = self._background if now < self._background_until else 0.0
        if background:
            # Throttling that does not follow the rate: only a clearly higher fraction is ours.
            margin = BACKGROUND_MARGIN * math.sqrt(background * (1 - background) / answers)
            if throttled / answers <= background + margin:
                return
        assert self._first_sent is not None
        measured = now - self._first_sent >= WINDOW_SECONDS
        if not measured and not self._running_dry(now, throttled=throttled):
            # Not yet a pattern: halve the requests in flight meanwhile. A bucket running dry then costs fewer
            # throttles until it shows; a coin flip costs a few round trips of concurrency, not a pace.
            self._start_window = max(
                START_IN_FLIGHT, (self._start_window or self._in_flight + 1) * EARLY_BACKOFF
            )
            return
        # Before a whole window has passed, what succeeded is a bucket's burst, taken as one window of its
        # limit (the emulator's; AWS does not publish Glacier's), plus its limit since the first request.
        # Not yet a limit worth aiming at: no ceiling.
        covered = WINDOW_SECONDS if measured else WINDOW_SECONDS + now - self._first_sent
        self._cut(now, succeeded=(answers - throttled) / covered, measured=measured)

    def _running_dry(self, now: float, *, throttled: int) -> bool:
        """Early in a run: do the answers look like a bucket that ran dry rather than a coin flip? A bucket
        grants its burst, then only its refill: after the first throttled request, successes come no faster
        than the burst per window (the early estimate's assumption), and most requests are throttled. After a
        coin flip at in-process speed, successes go on at the client's rate; cut on the early estimate, such a
        run would be paced at a hundredth of it, and the trials that undo the cut take seconds at that rate.
        In sending order, not answering: answers overtake each other. Requests do too, on their way to the
        bucket (the network, the server's threads): up to the burst's size of successes sent after the first
        throttled request count as the burst granted out of order (against the emulator server at 5 ms per
        call, 8 such successes came back among the first 20; without the allowance the rule often did not
        fire there)."""
        first = min(sent for _, was_throttled, sent in self._recent if was_throttled)
        before = sum(1 for _, was_throttled, sent in self._recent if not was_throttled and sent < first)
        after = len(self._recent) - throttled - before
        refill = before * (now - first) / WINDOW_SECONDS
        return (
            before >= YOUNG_BURST
            and throttled >= YOUNG_THROTTLES
            and throttled >= YOUNG_FRACTION * (throttled + after)
            and after <= before + YOUNG_REFILL * refill
        )

    def _judge(self, trial: _Trial, *, throttled: bool, sent: float, now: float) -> bool:
        """Count an answer to a request sent after the last cut; True once the cut was judged."""
        trial.attempts += 1
        trial.throttled += throttled
        trial.last_sent = max(trial.last_sent, sent)
        episode = self._episode
        assert episode is not None
        enough = trial.attempts >= TRIAL_ATTEMPTS or (
            now >= trial.started + TRIAL_MAX_WINDOWS * WINDOW_SECONDS and trial.attempts >= TRIAL_MIN_ATTEMPTS
        )
        if not enough:
            # The fewest throttles a whole trial can end with: when even that is not ours, the verdict (undo)
            # is certain and is given now, not after pacing through the rest of the trial. Under random
            # throttling that rest is the slowest part of a run: two cuts deep, one thread sends at a fifth of
            # its speed.
            previous = episode.previous
            if previous is None or not _not_ours(trial.throttled / TRIAL_ATTEMPTS, episode.previous_fraction):
                return False
            # Stopped at its throttles, this trial over-counts them: the background pools both trials.
            attempts = previous.attempts + trial.attempts
            self._undo(now, background=(previous.throttled + trial.throttled) / attempts)
            return True
        self._trial = None
        fraction = trial.throttled / trial.attempts
        if fraction <= QUIET:
            self._episode = None  # the cut stopped the throttling
        elif _not_ours(fraction, episode.previous_fraction):
            self._undo(now, background=fraction)
        else:
            episode.previous = trial
            succeeded = (trial.attempts - trial.throttled) / max(trial.last_sent - trial.started, 1e-3)
            self._cut(now, succeeded=succeeded, measured=True)
            if self._trial is None:  # nothing lower to go to
                self._episode = None
        return True

    def _undo(self, now: float, *, background: float) -> None:
        """Two cuts in a row did not lower the throttled fraction: not our rate's doing. Undo them, and any
        pace an earlier bout left (it was judged on throttling that does not follow the rate either)."""
        self._trial = None
        self.rate, self._ceiling = self._max_rate, None
        self._next_send = now
        self.slots_moved += 1
        self._episode = None
        self._background, self._background_until = background, now + BACKGROUND_HOLD

    def _cut(self, now: float, *, succeeded: float, measured: bool) -> None:
        base = succeeded if self.rate is None else min(succeeded, self.rate)
        rate = max(MIN_RATE, CUT * base)
        if self.rate is not None and rate >= self.rate:
            return
        if self._episode is None:
            self._episode = _Episode()
        self._trial = _Trial(started=now, last_sent=now)
        self.rate = rate
        self._ceiling = CEILING * base if measured else None
        self._next_send = now + 1 / rate
        self.slots_moved += 1
        self._last_cut = now
        self._start_window = None


def _not_ours(fraction: float, previous_fraction: float | None) -> bool:
    """A second cut's trial neither quiet nor helped: two cuts in a row did not lower the throttled
    fraction."""
    return previous_fraction is not None and fraction > QUIET and fraction >= CUT_HELPED * previous_fraction


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
