"""The pacer (glacier_cleanup.aws.pacing) on a simulated clock: a slow start, cuts below the rate that
succeeded, undoing cuts that do not help, probing, the hard cap; its threads' waiting; its botocore wiring."""

from __future__ import annotations

import threading
import time

import pytest
from glacier_cleanup.aws import pacing
from glacier_cleanup.aws.pacing import Pacer, RateControl


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def answers(
    control: RateControl, clock: FakeClock, count: int, *, throttled: bool, spread: float = 0.0
) -> None:
    """`count` answers `spread` seconds apart, each to a request sent just before (the clock moves on)."""
    for _ in range(count):
        sent = clock.now
        clock.now += spread
        control.answered(throttled=throttled, sent=sent)


def warm(control: RateControl, clock: FakeClock) -> None:
    """One success, then more than a window of quiet: what a later window measures is a limit."""
    answers(control, clock, 1, throttled=False)
    clock.now += 1.5 * pacing.WINDOW_SECONDS


def window_of(control: RateControl, clock: FakeClock, *, ok: int, throttled: int) -> None:
    """One second of answers, `ok` successes then `throttled` throttles, to requests all sent at its start
    (so none of them is judged as sent after a cut it caused)."""
    sent = clock.now
    spread = pacing.WINDOW_SECONDS / (ok + throttled)
    for index in range(ok + throttled):
        clock.now += spread
        control.answered(throttled=index >= ok, sent=sent)


def sends_allowed(control: RateControl, at_most: int = 10_000) -> int:
    """How many requests may go now (at most `at_most`)."""
    allowed = 0
    while allowed < at_most and control.try_send():
        allowed += 1
    return allowed


def test_a_run_that_is_never_throttled_is_never_paced(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    answers(control, clock, 500, throttled=False, spread=0.001)
    assert control.rate is None
    assert sends_allowed(control) == 10_000  # nothing holds it back any more


def test_the_slow_start_grows_the_requests_in_flight_per_success(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    assert sends_allowed(control) == pacing.START_IN_FLIGHT
    for _ in range(pacing.START_IN_FLIGHT):
        control.answered(throttled=False, sent=clock.now)
    # 4 answered: 4 + 4 x 0.5 = 6 may be in flight
    assert sends_allowed(control) == pacing.START_IN_FLIGHT + pacing.START_IN_FLIGHT * pacing.START_GROWTH


def test_a_throttle_cuts_below_the_rate_that_succeeded_over_the_window(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    warm(control, clock)
    window_of(control, clock, ok=40, throttled=1)
    # 40 successes in the window (the warm-up's has left it): 0.85 x 40
    assert control.rate == pytest.approx(pacing.CUT * 40)


def test_too_few_answers_do_not_cut_yet(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    warm(control, clock)
    answers(control, clock, pacing.MIN_SAMPLE - 2, throttled=False, spread=0.01)
    answers(control, clock, 1, throttled=True)
    assert control.rate is None
    answers(control, clock, 1, throttled=True)  # the eighth answer in the window
    assert control.rate is not None


def test_early_coin_flips_do_not_cut_before_a_whole_window(clock: FakeClock) -> None:
    # In-process speed, a tenth of the answers throttled at random: within the first second the window's
    # successes over one second would say about 9 requests/s at 1,000 answered per second.
    control = RateControl(clock=clock)
    paced_at = []
    for index in range(500):
        answers(control, clock, 1, throttled=index % 10 == 9, spread=0.001)
        if control.rate is not None:
            paced_at.append(index)
    assert paced_at == []  # never paced, not even for a while
    # Three throttles in a row among few answers are still not most of the answers since the first one.
    answers(control, clock, 3, throttled=True, spread=0.001)
    assert control.rate is None


def test_an_early_throttle_that_is_not_yet_a_pattern_halves_the_requests_in_flight(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    answers(control, clock, 24, throttled=False, spread=0.001)  # the slow start: 4 + 24 x 0.5 = 16 in flight
    assert sends_allowed(control) == 16
    for _ in range(16):
        control.answered(throttled=False, sent=clock.now)  # 16 more: 24 may be in flight
    answers(control, clock, 1, throttled=True, spread=0.001)
    assert control.rate is None  # no cut...
    assert sends_allowed(control) == 12  # ...but half of the 24


def test_a_bucket_running_dry_early_cuts_at_once(clock: FakeClock) -> None:
    # A burst of 10 answered within 50 ms, then the bucket is empty: every answer after it is throttled.
    control = RateControl(clock=clock)
    answers(control, clock, 10, throttled=False, spread=0.005)
    answers(control, clock, pacing.YOUNG_THROTTLES - 1, throttled=True, spread=0.001)
    assert control.rate is None  # two throttles are not yet a pattern
    answers(control, clock, 1, throttled=True, spread=0.001)
    # Before a whole window, the successes are a burst of one second of the limit plus the limit since the
    # first request (53 ms): 10 / 1.053 per second.
    assert control.rate == pytest.approx(pacing.CUT * 10 / 1.053)


def test_early_successes_faster_than_a_refill_are_a_coin_flip_not_a_bucket(clock: FakeClock) -> None:
    # A burst of 5, then within 17 ms 11 throttles and 6 successes: two thirds throttled in the end, but
    # more successes since the first throttle than the burst (what may have been granted out of order) and
    # its refill (0.17) allow.
    control = RateControl(clock=clock)
    answers(control, clock, 5, throttled=False, spread=0.001)
    for answer in "TSSTSTSTSTSTTTTTT":
        answers(control, clock, 1, throttled=answer == "T", spread=0.001)
    assert control.rate is None
    # The same answers once 100 ms have passed since the first throttle are what a refill grants: a cut.
    clock.now += 0.1
    answers(control, clock, 1, throttled=True)
    assert control.rate is not None


def test_successes_reordered_on_their_way_to_the_bucket_are_still_its_burst(clock: FakeClock) -> None:
    # A burst of 12; requests sent just after the first throttled one were granted before it (the network,
    # the server's threads): 8 successes come back sent after it, then only throttles.
    control = RateControl(clock=clock)
    answers(control, clock, 12, throttled=False, spread=0.001)
    answers(control, clock, 1, throttled=True, spread=0.0005)
    answers(control, clock, 8, throttled=False, spread=0.0005)
    answers(control, clock, 2 * pacing.YOUNG_THROTTLES, throttled=True, spread=0.0005)
    assert control.rate is None  # 7 of 15 since the first throttle: not yet most of them
    answers(control, clock, 6, throttled=True, spread=0.0005)
    assert control.rate is not None  # 13 of 21


def test_a_burst_smaller_than_a_buckets_is_not_a_bucket_running_dry(clock: FakeClock) -> None:
    # Four successes, then throttles in a row: an early cut would read a limit of 4 requests/s from them.
    control = RateControl(clock=clock)
    answers(control, clock, pacing.YOUNG_BURST - 1, throttled=False, spread=0.001)
    answers(control, clock, 2 * pacing.YOUNG_THROTTLES, throttled=True, spread=0.001)
    assert control.rate is None
    # A fifth success now was sent after the first throttled request: not part of the burst.
    answers(control, clock, 1, throttled=False, spread=0.001)
    answers(control, clock, pacing.YOUNG_THROTTLES, throttled=True, spread=0.001)
    assert control.rate is None


def test_the_burst_is_counted_in_sending_order(clock: FakeClock) -> None:
    # Answers overtake each other: successes sent before the first throttled request but answered after it
    # are still the burst, and do not count as successes since the first throttle.
    control = RateControl(clock=clock)
    start = clock.now
    answers(control, clock, 6, throttled=False, spread=0.001)
    clock.now += 0.001
    control.answered(throttled=True, sent=start + 0.0065)
    for _ in range(4):  # sent before the throttled one, answered after it
        clock.now += 0.0002
        control.answered(throttled=False, sent=start + 0.006)
    answers(control, clock, pacing.YOUNG_THROTTLES - 1, throttled=True, spread=0.0002)
    assert control.rate is not None


def test_an_early_cut_later_in_the_first_window_takes_the_burst_out(clock: FakeClock) -> None:
    # A 10 req/s bucket drained by 16 threads at 200 ms: 14 successes by 0.4 s (its burst of 10 and 4 more).
    control = RateControl(clock=clock)
    answers(control, clock, 14, throttled=False, spread=0.4 / 14)
    answers(control, clock, pacing.YOUNG_THROTTLES, throttled=True, spread=0.0)
    # 14 over one second would pace at 11.9 req/s, above the limit; 14 over 1.4 s: 8.5.
    assert control.rate == pytest.approx(pacing.CUT * 14 / 1.4)


def test_paced_requests_get_one_slot_each_at_the_rate(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    window_of(control, clock, ok=20, throttled=2)
    rate = control.rate
    assert rate == pytest.approx(pacing.CUT * 20)
    clock.now = control.next_slot() or 0.0
    assert sends_allowed(control) == 1  # one slot, then wait for the next
    next_slot = control.next_slot()
    assert next_slot == pytest.approx(clock.now + 1 / rate)


def throttled_after_the_cut(control: RateControl, clock: FakeClock, *, throttled: int, ok: int) -> None:
    """A trial's worth of answers to requests sent after the last cut, over one second."""
    clock.now += 0.01
    spread = 1.0 / (throttled + ok)
    for index in range(throttled + ok):
        sent = clock.now
        clock.now += spread
        control.answered(throttled=index < throttled, sent=sent)


def test_still_throttled_after_a_cut_cuts_again_at_what_succeeded_since(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    warm(control, clock)
    window_of(control, clock, ok=60, throttled=1)  # the bucket's burst made 60/s look possible
    first = control.rate
    assert first == pytest.approx(pacing.CUT * 60)
    throttled_after_the_cut(control, clock, throttled=10, ok=10)  # half throttled: the limit is lower
    assert control.rate is not None
    assert control.rate < first
    # 10 succeeded between the cut and the last request sent (about 0.96 s): 0.85 x 10.4 per second
    assert control.rate == pytest.approx(pacing.CUT * 10 / 0.96, rel=0.02)


def twenty_percent_through_two_cuts(control: RateControl, clock: FakeClock) -> None:
    """A window with 20 % throttled, then two cuts after which 20 % are still throttled."""
    window_of(control, clock, ok=80, throttled=20)
    throttled_after_the_cut(control, clock, throttled=4, ok=16)
    throttled_after_the_cut(control, clock, throttled=4, ok=16)


def test_a_cut_that_stops_the_throttling_holds(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    warm(control, clock)
    window_of(control, clock, ok=40, throttled=10)
    rate = control.rate
    throttled_after_the_cut(control, clock, throttled=0, ok=pacing.TRIAL_ATTEMPTS)
    assert control.rate is not None
    assert rate is not None
    assert control.rate >= rate  # not cut again, only probing upwards


def test_cuts_that_do_not_lower_the_throttled_fraction_are_undone(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    window_of(control, clock, ok=80, throttled=20)  # 20 % throttled...
    assert control.rate is not None
    throttled_after_the_cut(control, clock, throttled=4, ok=16)  # ...20 % after the first cut...
    assert control.rate is not None
    throttled_after_the_cut(control, clock, throttled=4, ok=16)  # ...and after the second: not our rate
    assert control.rate is None  # back to where the episode started: unpaced
    # From now on, throttling at that fraction is ignored...
    window_of(control, clock, ok=80, throttled=20)
    assert control.rate is None
    # ...but a clearly higher fraction is ours to answer.
    window_of(control, clock, ok=40, throttled=60)
    assert control.rate is not None


def test_a_second_cut_whose_throttles_already_decide_its_trial_is_undone_at_once(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    window_of(control, clock, ok=80, throttled=20)
    throttled_after_the_cut(control, clock, throttled=4, ok=16)  # 20 % after the first cut
    assert control.rate is not None
    # After the second cut, 3 throttles: whatever the other 17 answers, a whole trial is at least 15 %
    # throttled, not below 0.6 of 20 %. Undone at the third, not after pacing through 17 more answers.
    clock.now += 0.01
    answers(control, clock, 2, throttled=True, spread=0.01)
    assert control.rate is not None
    answers(control, clock, 1, throttled=True, spread=0.01)
    assert control.rate is None
    # The background pools both trials (7 of 23), not the 3 of 3 the stopped trial counted (that would ignore
    # any throttling for BACKGROUND_HOLD): a clearly higher fraction is still answered.
    clock.now += 2 * pacing.WINDOW_SECONDS
    window_of(control, clock, ok=40, throttled=60)
    assert control.rate is not None


def test_a_second_trial_is_not_cut_short_while_it_could_still_be_quiet(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    window_of(control, clock, ok=94, throttled=6)
    # A slow first trial, judged after TRIAL_MAX_WINDOWS on 15 answers, 1 throttled (6.7 %): cut again.
    clock.now += 0.01
    answers(control, clock, 1, throttled=True, spread=0.4)
    answers(control, clock, 14, throttled=False, spread=0.4)
    second = control.rate
    assert second is not None
    # One throttle is more than 0.6 of 6.7 % of a whole trial, but one throttle in 20 is quiet (5 %): the
    # verdict is not certain, so the pace holds.
    clock.now += 0.01
    answers(control, clock, 1, throttled=True, spread=0.01)
    assert control.rate == second
    answers(control, clock, pacing.TRIAL_ATTEMPTS - 1, throttled=False, spread=0.01)
    assert control.rate is not None


def test_a_window_a_little_above_the_background_is_still_luck(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    twenty_percent_through_two_cuts(control, clock)
    assert control.rate is None  # 20 % does not follow the rate
    # 30 of 100 is 2.5 standard errors above 20 %: checked at every throttle, that much happens by chance.
    clock.now += 2 * pacing.WINDOW_SECONDS
    window_of(control, clock, ok=70, throttled=30)
    assert control.rate is None


def test_an_undo_also_drops_the_pace_an_earlier_bout_left(clock: FakeClock) -> None:
    # A first bout ends quiet (at a coin flip, 20 answers without a throttle are luck) and leaves a pace...
    control = RateControl(clock=clock)
    warm(control, clock)
    window_of(control, clock, ok=40, throttled=1)
    throttled_after_the_cut(control, clock, throttled=0, ok=pacing.TRIAL_ATTEMPTS)
    assert control.rate is not None
    # ...then two cuts in a row do not lower the throttled fraction: throttling does not follow the rate,
    # so neither did the first bout's. Unpaced again, not back to that pace.
    clock.now += pacing.WINDOW_SECONDS
    window_of(control, clock, ok=32, throttled=8)
    throttled_after_the_cut(control, clock, throttled=4, ok=16)
    throttled_after_the_cut(control, clock, throttled=4, ok=16)
    assert control.rate is None


def test_an_undo_keeps_the_configured_cap(clock: FakeClock) -> None:
    control = RateControl(clock=clock, max_rate=500)
    twenty_percent_through_two_cuts(control, clock)
    assert control.rate == 500


def test_the_background_is_forgotten_after_its_hold(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    twenty_percent_through_two_cuts(control, clock)
    assert control.rate is None
    clock.now += pacing.BACKGROUND_HOLD
    window_of(control, clock, ok=80, throttled=20)
    assert control.rate is not None


def test_probing_is_fast_below_the_ceiling_and_slow_above(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    warm(control, clock)
    window_of(control, clock, ok=40, throttled=1)
    assert control.rate == pytest.approx(34.0)  # ceiling: 0.95 x 40 = 38
    throttled_after_the_cut(control, clock, throttled=0, ok=pacing.TRIAL_ATTEMPTS)  # judged: it held
    rate = control.rate
    assert rate is not None
    control.answered(throttled=False, sent=clock.now)
    assert control.rate == pytest.approx(rate + pacing.FAST_PROBE)
    while (control.rate or 0) < 38:
        control.answered(throttled=False, sent=clock.now)
    above = control.rate or 0
    control.answered(throttled=False, sent=clock.now)
    assert control.rate == pytest.approx(above + pacing.SLOW_PROBE)


def test_the_first_cut_before_a_whole_window_sets_no_ceiling(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    window_of(control, clock, ok=20, throttled=2)  # the first request was sent less than a second ago
    throttled_after_the_cut(control, clock, throttled=0, ok=pacing.TRIAL_ATTEMPTS)
    rate = control.rate or 0
    control.answered(throttled=False, sent=clock.now)
    assert control.rate == pytest.approx(rate + pacing.FAST_PROBE)  # no ceiling: fast


def test_a_cap_paces_from_the_first_request_and_is_never_exceeded(clock: FakeClock) -> None:
    control = RateControl(clock=clock, max_rate=5.0)
    assert control.rate == 5.0
    assert sends_allowed(control) == 1
    answers(control, clock, 0, throttled=False)
    for _ in range(100):
        clock.now += 0.2
        control.answered(throttled=False, sent=clock.now)
    assert control.rate == 5.0


def test_a_cap_is_cut_below_when_throttled_and_probes_back_to_it(clock: FakeClock) -> None:
    control = RateControl(clock=clock, max_rate=30.0)
    warm(control, clock)
    window_of(control, clock, ok=20, throttled=4)
    assert control.rate == pytest.approx(pacing.CUT * 20)
    throttled_after_the_cut(control, clock, throttled=0, ok=pacing.TRIAL_ATTEMPTS)
    for _ in range(10_000):
        control.answered(throttled=False, sent=clock.now)
    assert control.rate == 30.0


def test_requests_in_flight_are_counted_down_to_zero_again(clock: FakeClock) -> None:
    control = RateControl(clock=clock)
    assert sends_allowed(control) == pacing.START_IN_FLIGHT
    for _ in range(10):  # more answers than requests (a thread that never went through this pacer)
        control.answered(throttled=False, sent=clock.now)
    assert sends_allowed(control) == pacing.START_IN_FLIGHT + 10 * pacing.START_GROWTH


def test_threads_wait_for_their_slots() -> None:
    pacer = Pacer(max_rate=20.0)  # one request every 50 ms
    sent: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        pacer.before_send()
        with lock:
            sent.append(time.monotonic())
        pacer.after_response(throttled=False)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(sent) == 4
    # four slots at 20/s, the first forgiven half a slot: the last 2.5 x 50 ms after the start at the soonest
    assert max(sent) - started >= 2.5 * 0.05 - 0.005


def test_a_thread_waiting_for_the_slow_start_is_woken_by_an_answer() -> None:
    pacer = Pacer()
    for _ in range(pacing.START_IN_FLIGHT):
        pacer.before_send()
    released = threading.Event()

    def fifth() -> None:
        pacer.before_send()
        released.set()

    thread = threading.Thread(target=fifth)
    thread.start()
    assert not released.wait(0.1)  # four in flight: the fifth waits
    pacer.after_response(throttled=False)
    assert released.wait(5)
    thread.join(timeout=5)


def test_the_adapter_tells_the_pacer_each_attempt_and_which_were_throttled(
    glacier_in_process: object,
) -> None:
    import glacier_cleanup.aws.glacier as glacier_module  # noqa: PLC0415
    from glacier_cleanup.aws.glacier import create_client  # noqa: PLC0415

    from glacier_emulator import CONTROL  # noqa: PLC0415

    seen: list[str | bool] = []

    class Recording(Pacer):
        def before_send(self) -> None:
            seen.append("send")
            super().before_send()

        def after_response(self, *, throttled: bool) -> None:
            seen.append(throttled)
            super().after_response(throttled=throttled)

    client = create_client(max_attempts=3, retry_mode="standard", concurrency=1, region="us-east-1")
    glacier_module.pace(client, Recording())
    CONTROL.configure(throttle_rate=1.0)
    with pytest.raises(Exception, match="ThrottlingException"):
        client.list_vaults()
    CONTROL.configure(throttle_rate=0.0)
    client.list_vaults()
    # every attempt botocore made, each waiting for its slot first, then a success
    assert seen == ["send", True, "send", True, "send", True, "send", False]


def test_an_attempt_without_an_answer_frees_its_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused connection gets no response: its attempt must still leave the requests in flight, or a few
    lost connections during the slow start hold its window shut and every later request waits for good."""
    import socket  # noqa: PLC0415

    from botocore.config import Config  # noqa: PLC0415
    from botocore.exceptions import EndpointConnectionError  # noqa: PLC0415
    from glacier_cleanup.aws.glacier import create_client, pace  # noqa: PLC0415

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_GLACIER", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = create_client(
        max_attempts=1,
        retry_mode="standard",
        concurrency=1,
        region="us-east-1",
        config_override=Config(connect_timeout=1),
    )
    pacer = Pacer()
    pace(client, pacer)
    for _ in range(pacing.START_IN_FLIGHT):  # as many lost attempts as the slow start's first window
        with pytest.raises(EndpointConnectionError):
            client.list_vaults()
    assert pacer._control.try_send()  # not held shut: nothing is in flight


def test_a_cap_alone_makes_the_client_paced(glacier_in_process: object) -> None:
    from glacier_cleanup.aws.glacier import create_client  # noqa: PLC0415

    client = create_client(
        max_attempts=1, retry_mode="standard", concurrency=1, region="us-east-1", max_requests_per_second=10.0
    )
    started = time.monotonic()
    for _ in range(4):
        client.list_vaults()
    assert time.monotonic() - started >= 2.5 * 0.1 - 0.005  # 10 per second: 4 calls span 0.25 s at least
