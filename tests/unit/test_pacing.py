"""The pacer (glacier_cleanup.aws.pacing) on a simulated clock: unpaced until throttled, then at the rate that
succeeded, probing upwards, never below a sequential client; and its wiring into a botocore client."""

from __future__ import annotations

import pytest
from glacier_cleanup.aws.pacing import PROBE, WINDOW_SECONDS, Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def attempt(pacer: Pacer, time: FakeTime, *, latency: float, throttled: bool = False) -> None:
    pacer.before_send()
    time.now += latency
    pacer.after_response(throttled=throttled)


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


def test_a_run_that_is_never_throttled_is_never_paced(time: FakeTime) -> None:
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    for _ in range(500):
        attempt(pacer, time, latency=0.001)
    assert pacer.rate is None
    assert time.slept == []


def batch(pacer: Pacer, time: FakeTime, *, in_flight: int, latency: float, throttled: bool = False) -> None:
    """`in_flight` attempts sent together, answered `latency` later (threads in parallel)."""
    for _ in range(in_flight):
        pacer.before_send()
    time.now += latency
    for _ in range(in_flight):
        pacer.after_response(throttled=throttled)


def test_a_throttle_paces_at_the_rate_that_succeeded_over_the_window(time: FakeTime) -> None:
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    for _ in range(10):  # 4 at a time, 0.1 s each: 40 successes in the last second
        batch(pacer, time, in_flight=4, latency=0.1)
    time.now += 0.05
    attempt(pacer, time, latency=0.0, throttled=True)
    assert pacer.rate == pytest.approx(40 / WINDOW_SECONDS)
    # Then each success probes upwards by PROBE.
    attempt(pacer, time, latency=0.0)
    assert pacer.rate == pytest.approx(40 + PROBE)


def test_throttles_lower_the_rate_at_most_once_per_window(time: FakeTime) -> None:
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    for _ in range(30):
        attempt(pacer, time, latency=0.01)
    attempt(pacer, time, latency=0.001, throttled=True)
    first = pacer.rate
    for _ in range(5):  # a burst of throttles in the same window
        attempt(pacer, time, latency=0.001, throttled=True)
    assert pacer.rate == first


def test_the_rate_never_falls_below_one_request_at_a_time(time: FakeTime) -> None:
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    # Every attempt throttled, 20 ms each: nothing succeeds, the floor is 1 / 20 ms.
    for _ in range(200):
        attempt(pacer, time, latency=0.02, throttled=True)
    assert pacer.rate == pytest.approx(1 / 0.02, rel=0.01)


def test_paced_requests_are_spaced_and_a_lone_request_is_not_held(time: FakeTime) -> None:
    slept: list[float] = []
    pacer = Pacer(clock=time.clock, sleep=slept.append)  # threads sleep in parallel: the clock stands still
    for _ in range(5):
        batch(pacer, time, in_flight=4, latency=0.2)  # 20 successes in the last second
    attempt(pacer, time, latency=0.0, throttled=True)
    rate = pacer.rate
    assert rate == pytest.approx(20)
    pacer.before_send()  # nothing in flight: sent at once
    pacer.before_send()  # one in flight: waits for its slot, 1 / rate later
    pacer.before_send()
    assert slept == [pytest.approx(1 / rate), pytest.approx(2 / rate)]


def test_the_adapter_tells_the_pacer_each_attempt_and_which_were_throttled(
    glacier_in_process: object,
) -> None:
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

    import glacier_cleanup.aws.glacier as glacier_module  # noqa: PLC0415

    client = create_client(max_attempts=3, retry_mode="standard", concurrency=1, region="us-east-1")
    glacier_module.pace(client, Recording())
    CONTROL.configure(throttle_rate=1.0)
    with pytest.raises(Exception, match="ThrottlingException"):
        client.list_vaults()
    CONTROL.configure(throttle_rate=0.0)
    client.list_vaults()
    # every attempt botocore made, each waiting for its slot first, then a success
    assert seen == ["send", True, "send", True, "send", True, "send", False]


def test_the_latency_floor_is_a_moving_average_of_measured_attempts(time: FakeTime) -> None:
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    attempt(pacer, time, latency=0.0)  # answered in the same instant: no sample
    attempt(pacer, time, latency=0.2)
    attempt(pacer, time, latency=0.4)  # average 0.2 + 0.1 * (0.4 - 0.2) = 0.22 s
    time.now += 5  # the successes have left the window: the floor decides
    attempt(pacer, time, latency=0.0, throttled=True)  # answered at once: no sample, the average stays
    assert pacer.rate == pytest.approx(1 / 0.22)


def test_without_any_measured_attempt_the_floor_is_one_per_second(time: FakeTime) -> None:
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    pacer.after_response(throttled=True)  # a thread that never sent through this pacer: no latency known
    assert pacer.rate == 1.0


def test_the_window_holds_successes_exactly_one_second_old(time: FakeTime) -> None:
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    time.now = 0.0
    for _ in range(3):
        pacer.before_send()
        pacer.after_response(throttled=False)  # no latency sample: the floor is 1.0
    time.now = 1.0
    pacer.after_response(throttled=True)  # the three at 0.0 are exactly WINDOW old: still counted
    assert pacer.rate == 3.0  # (and the attempt sent at 0.0 took 1 s: the floor is now 1/s)
    time.now = 2.0
    attempt(pacer, time, latency=0.0, throttled=True)  # one window after the last decrease: decreases again
    assert pacer.rate == 1.0


def test_requests_in_flight_are_counted_down_to_zero_again(time: FakeTime) -> None:
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    time.now = 0.0
    attempt(pacer, time, latency=0.0, throttled=True)  # paced at 1 request/s from here
    pacer.before_send()  # a: alone, not held; takes the slot until 1.0
    pacer.before_send()  # b: a is in flight, so b waits for its slot
    pacer.after_response(throttled=False)  # one of them answers at 1.0; the other is still in flight
    pacer.before_send()  # c: not alone, waits for the slot at 2.0
    pacer.after_response(throttled=False)
    pacer.after_response(throttled=False)  # nothing in flight any more
    pacer.before_send()  # d: alone again: sent at once although its slot is at 3.0
    assert time.slept == [1.0, 1.0]
    assert time.now == 2.0
