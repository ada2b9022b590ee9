"""The SDK's retry quota run dry in the middle of a run (issue 39).

botocore's standard mode gives each client a quota of 500 tokens. Under the retry behaviour botocore 1.44
ships (the one the function is tested with), a retry after a non-throttling error costs 14 tokens and one
after a throttle 5, so about 35 failed retries empty it; from then on every error comes back at once, until
successes refill it one token each. The run's threads share one client. A burst of
ServiceUnavailableException long enough to empty the quota at the shipped concurrency, alone and interleaved
with throttling, with botocore's own backoff: nothing is lost (every stale upload is aborted, kept or
reported failed by name), the quota really ran dry, and the next run finishes the job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from glacier_cleanup import handler
from glacier_cleanup.inputs.limits import DEFAULT_MAX_ATTEMPTS

from glacier_emulator.errors import GlacierError

from .harness import Drill

ABORTS_BEFORE_THE_BURST = 20
# 503s answered in a row: far more than the ~35 retries at 14 tokens that empty the quota.
BURST = 300


class Burst:
    """Fails every Glacier request with ServiceUnavailableException once the run has sent
    ABORTS_BEFORE_THE_BURST aborts, for the next BURST requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.aborts_seen = 0
        self.failed = 0

    def end(self) -> None:
        with self._lock:
            self.aborts_seen, self.failed = ABORTS_BEFORE_THE_BURST, max(self.failed, BURST)

    def __call__(self, operation: str, vault: str | None, params: dict[str, Any]) -> None:
        with self._lock:
            if self.aborts_seen < ABORTS_BEFORE_THE_BURST:
                self.aborts_seen += operation == "AbortMultipartUpload"
                return
            if self.failed >= BURST:
                return
            self.failed += 1
        raise GlacierError("ServiceUnavailableException", "injected burst", 503, "Server")


class Attempts:
    """The retries botocore made for each failed call of the function's client (ResponseMetadata)."""

    def __init__(self) -> None:
        self.failed_calls: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def wrap(self, create: Callable[..., Any]) -> Callable[..., Any]:
        def create_and_attach(**kwargs: Any) -> Any:
            client = create(**kwargs)
            client.meta.events.register("after-call.glacier.*", self._after_call)
            return client

        return create_and_attach

    def _after_call(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if http_response.status_code >= 500:
            retries = int(parsed.get("ResponseMetadata", {}).get("RetryAttempts", 0))
            with self._lock:
                self.failed_calls.append((model.name, retries))


@pytest.mark.slow
@pytest.mark.usefixtures("botocore_backoff")
@pytest.mark.parametrize(
    ("fault", "throttle_rate"),
    [("5xx burst", 0.0), ("5xx burst + throttling", 0.2)],
    ids=["alone", "throttled"],
)
def test_a_burst_of_5xx_that_empties_the_retry_quota_loses_nothing(
    drill: Drill, monkeypatch: pytest.MonkeyPatch, fault: str, throttle_rate: float
) -> None:
    # Given an account with stale, fresh, protected and clock-skewed uploads, and the shipped concurrency
    population = drill.seed_account(vaults=11, big=120, stale=6)
    attempts = Attempts()
    monkeypatch.setattr(handler, "create_client", attempts.wrap(handler.create_client))
    burst = Burst()
    drill.handle.add_hook(burst)
    drill.handle.configure(seed=20260601, throttle_rate=throttle_rate)

    # When a burst of 5xx answers every request for a while, in the middle of the run
    first = drill.run()

    # Then the burst happened (past the ~35 retries that empty the quota), and the quota ran dry: failed calls
    # came back before their attempts were spent (with the quota, botocore's backoff outlasts the burst)
    assert burst.failed > 500 // 14
    spent_early = [call for call in attempts.failed_calls if call[1] < DEFAULT_MAX_ATTEMPTS - 1]
    assert spent_early, "no call gave up early: the burst did not empty the retry quota"

    # And nothing was lost: what was not aborted is reported failed, each failure named
    result = first.result
    assert result["status"] == "partial"
    assert result["abort_failures"] + result["vault_failures"] > 0
    for failure in result["failures"]:
        assert failure["error"]
        assert failure["vault"] or failure["upload_id"] is None  # only a ListVaults failure names no vault
    assert {entry["upload_id"] for entry in first.aborts} <= population.stale

    # And the next runs, the burst over, finish the job: every stale upload aborted exactly once
    burst.end()
    drill.handle.configure(throttle_rate=0.0)
    runs = [first, *drill.converge(fault, "until the quota ran dry", within=2)]
    removed = [entry["upload_id"] for run in runs for entry in run.aborts]
    assert sorted(removed) == sorted(population.stale)
