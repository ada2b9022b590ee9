"""A few corners of the pacer's grid (issue 23) with the real handler against the emulator server's token
bucket: the shipped pacer cleans everything in one run with no failed abort; a configured cap is never
exceeded. How close to the limit it runs and what share of its requests are throttled are measured and
gated by `make bench` (bench/pacer_grid.py, on a quiet machine at the function's CPU share), not asserted
here: both depend on timing. On a busy machine the client and the emulator's bucket see time differently
(a run of the suite on two loaded cores once throttled many times what a quiet run does), and a test never
depends on the machine's load.

The bucket corners keep botocore's own backoff (the other drills shrink it to 2 ms for speed). With 64
threads retrying every 2 ms, botocore's retry quota (100 throttled retries) can be spent within milliseconds
of the burst running out, before a cut takes hold: one run on a loaded machine failed 30 aborts that way.
A run at AWS backs off for up to a second from the first throttled retry on.
"""

from __future__ import annotations

import time

import pytest

from .harness import Drill

pytestmark = [pytest.mark.slow, pytest.mark.server]


def _requests_and_throttled(drill: Drill) -> tuple[int, int]:
    delta = drill.records[-1].stats_delta
    requests = sum(counts["total"] for counts in delta.values())
    throttled = sum(counts.get("ThrottlingException", 0) for counts in delta.values())
    return requests, throttled


@pytest.mark.parametrize(
    ("limit", "concurrency", "stale"),
    # A low limit with threads to spare, a high one with the most threads.
    [(20, 16, 200), (100, 64, 500)],
    ids=["20-per-s-16-threads", "100-per-s-64-threads"],
)
@pytest.mark.usefixtures("botocore_backoff")
def test_at_a_token_bucket_one_run_cleans_everything_with_no_failed_abort(
    server_drill: Drill, monkeypatch: pytest.MonkeyPatch, limit: int, concurrency: int, stale: int
) -> None:
    # Given a bucket whose limit a sequential client alone would exceed 20 times (5 ms per call)
    monkeypatch.setenv("CLEANUP_CONCURRENCY", str(concurrency))
    monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "false")
    population = server_drill.seed([f"vault-{n:03d}" for n in range(4)], stale=stale // 4, fresh=1)
    server_drill.handle.configure(rate_limit=limit, latency_ms=5)

    # When the schedule runs once
    run = server_drill.run()

    # Then every stale upload is gone, each once, no abort failed and the run is complete: whatever was
    # throttled was absorbed. The throttled share is bench/pacer_grid.py's gate.
    assert run.result["abort_failures"] == 0
    assert run.result["status"] == "ok"
    assert run.result["complete"] is True
    assert sorted(entry["upload_id"] for entry in run.aborts) == sorted(population.stale)


def test_a_configured_cap_is_never_exceeded(server_drill: Drill, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no limit at Glacier but a cap of 20 requests/s in the settings
    monkeypatch.setenv("CLEANUP_MAX_REQUESTS_PER_SECOND", "20")
    monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "false")
    population = server_drill.seed([f"vault-{n:03d}" for n in range(2)], stale=50, fresh=1)
    server_drill.handle.configure(latency_ms=5)

    # When the schedule runs once
    started = time.perf_counter()
    run = server_drill.run()
    seconds = time.perf_counter() - started

    # Then everything was cleaned, nothing throttled, and the requests took at least requests / 20 seconds
    assert {entry["upload_id"] for entry in run.aborts} == population.stale
    requests, throttled = _requests_and_throttled(server_drill)
    assert throttled == 0
    # the first is sent at once, then one per 50 ms at the soonest
    assert seconds >= (requests - 1) / 20 - 0.1
