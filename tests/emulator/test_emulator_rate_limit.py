"""The token-bucket rate limit: per account and region, refilled at RPS, throttled requests cost nothing."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from glacier_emulator.handles import EmulatorHandle, ServerProcess
from glacier_emulator.measure import measure_rate_limit
from glacier_emulator.organization import build_organization
from glacier_emulator.ratelimit import RateLimiter, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_starts_full_then_refills_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=4, burst=3, clock=clock)
    assert [bucket.try_take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.125  # half a token
    assert bucket.try_take() is False
    clock.now += 0.125  # the other half: exactly one token
    assert bucket.try_take() is True
    assert bucket.try_take() is False
    clock.now += 60  # never more than the burst
    assert sum(bucket.try_take() for _ in range(10)) == 3


def test_a_throttled_request_consumes_nothing() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1, burst=1, clock=clock)
    assert bucket.try_take() is True
    for _ in range(100):  # a storm of throttled requests
        assert bucket.try_take() is False
    clock.now += 1.0
    assert bucket.try_take() is True  # the refill was not eaten by the throttled ones


def test_buckets_are_per_account_and_region() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.configure(rate=1, burst=1)
    assert limiter.allow("111111111111", "us-east-1") is True
    assert limiter.allow("111111111111", "us-east-1") is False
    assert limiter.allow("111111111111", "eu-west-1") is True
    assert limiter.allow("222222222222", "us-east-1") is True
    limiter.configure(rate=0, burst=0)  # off
    assert all(limiter.allow("111111111111", "us-east-1") for _ in range(50))


def test_rate_limit_throttles_per_account_through_the_api(glacier: EmulatorHandle) -> None:
    glacier.reset(everything=True)
    org = build_organization(glacier, {"": ["member"]})
    member = glacier.client(org.credentials(glacier, org.accounts["member"]))
    glacier.configure(rate_limit=0.001, rate_burst=2)  # two requests, then (practically) no refill
    own = glacier.client()
    own.list_vaults()
    own.list_vaults()
    with pytest.raises(ClientError) as throttled:
        own.list_vaults()
    assert throttled.value.response["Error"]["Code"] == "ThrottlingException"
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    member.list_vaults()  # another account has its own bucket
    operations = glacier.stats("123456789012")["operations"]
    assert operations["ListVaults"] == {"total": 3, "ok": 2, "ThrottlingException": 1}
    assert glacier.configure()["rate_burst"] == 2
    glacier.configure(rate_limit=0)
    own.list_vaults()


@pytest.mark.slow
def test_rate_limit_accuracy_under_overload_and_none_below_the_limit() -> None:
    """The model's promise: under overload from 32 threads, successful requests/s within 5 % of the
    limit; a client paced at 80 % of the limit is never throttled."""
    server = ServerProcess("--rate-limit", "40")
    try:
        result = measure_rate_limit(server.handle(), 40.0, seconds=3.0)
    finally:
        server.stop()
    assert 0.95 <= result["overload_ratio"] <= 1.05, result
    assert result["overload_throttled_requests"] > 0
    assert result["paced_at_80_percent_throttled"] == 0, result
