"""Throughput at an account's rate limit: the emulator meters every request with a token bucket per account
and region (glacier_emulator/ratelimit.py), as AWS throttles; the handler runs in its own process.

For each client configuration (retry mode, concurrency) on the same scenario: the useful calls per second
(requests answered ok) divided by the limit, the fraction of requests throttled, failed aborts and the runs
it takes until nothing stale is left. A throttled request consumes no token, so useful work can reach the
limit only if the client does not waste its time waiting on throttled answers and backoffs.
"""

from __future__ import annotations

import time
from typing import Any

from activity import TABLE, earlier_looks
from common import ABORT, STALE_DATE, Scenario, log, seed
from processes import HandlerWorker, emulator

SCHEDULE_EVENT = {"trigger": "schedule"}
MAX_RUNS = 3


def _throttled(stats: dict[str, Any]) -> int:
    return sum(ops.get("ThrottlingException", 0) for ops in stats.get("operations", {}).values())


def _ok(stats: dict[str, Any]) -> int:
    return sum(ops.get("ok", 0) for ops in stats.get("operations", {}).values())


def measure(
    *,
    limit: float,
    latency_ms: float,
    scenario: Scenario,
    retry_mode: str,
    concurrency: int,
    pacing: bool,
    activity_check: bool = False,
) -> dict[str, Any]:
    """One configuration: runs until nothing stale is left (at most MAX_RUNS). With `activity_check`, every
    stale upload was looked at three days earlier (bench/activity.py): one ListParts more per upload."""
    options = ("--rate-limit", str(limit))
    with emulator(latency_ms, *options) as handle:
        assert handle.endpoint_url is not None
        endpoint = str(handle.endpoint_url)
        settings = {"CLEANUP_RETRY_MODE": retry_mode, "CLEANUP_PACING": "true" if pacing else "false"}
        if activity_check:
            settings.update(
                CLEANUP_ACTIVITY_CHECK="true",
                CLEANUP_OBSERVATION_TABLE=TABLE,
                AWS_ENDPOINT_URL_DYNAMODB=endpoint,
            )
        with HandlerWorker(endpoint, concurrency, **settings) as worker:
            if activity_check:
                handle.reset()
                where = {
                    upload_id: vault
                    for vault in scenario.vault_names
                    for upload_id in handle.seed(vault, scenario.stale, creation_date=STALE_DATE)
                }
                earlier_looks(endpoint, where, [0] * len(where))
            else:
                seed(handle, scenario)
            # Seeding went around the meter (the control endpoint); start from a full bucket anyway.
            handle.configure(rate_limit=limit)
            runs: list[dict[str, Any]] = []
            started = time.perf_counter()
            while len(runs) < MAX_RUNS:
                reply = worker.invoke(SCHEDULE_EVENT)
                result = reply["result"]
                runs.append(
                    {
                        "seconds": round(reply["seconds"], 2),
                        "status": result["status"],
                        "aborted": result["uploads_aborted"],
                        "abort_failures": result["abort_failures"],
                        "stale": result["uploads_stale"],
                    }
                )
                if result["status"] == "ok" and result["uploads_stale"] == result["uploads_aborted"]:
                    break
            seconds = time.perf_counter() - started
            stats = handle.stats()
    total, throttled, ok = stats["total"], _throttled(stats), _ok(stats)
    aborts_ok = stats["operations"].get(ABORT, {}).get("ok", 0)
    row = {
        "retry_mode": retry_mode,
        "concurrency": concurrency,
        "pacing": pacing,
        "activity_check": activity_check,
        "seconds": round(seconds, 2),
        "requests": total,
        "useful_requests": ok,
        "useful_rps": round(ok / seconds, 2),
        "useful_fraction_of_limit": round(ok / seconds / limit, 3),
        "throttled_fraction": round(throttled / total, 3) if total else 0.0,
        "aborts_ok": aborts_ok,
        "failed_aborts": sum(run["abort_failures"] for run in runs),
        "runs_to_converge": len(runs) if aborts_ok == scenario.stale_total else None,
        "runs": runs,
    }
    log(
        f"rate limit {limit}/s, {retry_mode} x{concurrency} {'paced' if pacing else 'unpaced'}: "
        f"{row['useful_fraction_of_limit']} of the limit, "
        f"{row['throttled_fraction']:.1%} throttled, {row['failed_aborts']} failed aborts, "
        f"{len(runs)} run(s), {row['seconds']} s"
    )
    return row


def rate_limited(
    *, limit: float, latency_ms: float, scenario: Scenario, configurations: list[tuple[str, int, bool]]
) -> dict[str, Any]:
    # The shipped defaults (the first configuration) also as shipped: with the activity check, one ListParts
    # more per stale upload.
    runs = [(*configuration, False) for configuration in configurations]
    runs.append((*configurations[0], True))
    rows = [
        measure(
            limit=limit,
            latency_ms=latency_ms,
            scenario=scenario,
            retry_mode=mode,
            concurrency=threads,
            pacing=pacing,
            activity_check=activity_check,
        )
        for mode, threads, pacing, activity_check in runs
    ]
    return {
        "limit_rps": limit,
        "latency_ms": latency_ms,
        "scenario": scenario.describe(),
        "model": "token bucket per account and region, burst = rate, a throttled request consumes nothing",
        "configurations": rows,
    }
