"""What the activity check costs: a backlog of stale uploads of 1 to 10,000 parts each (log-uniform, fixed
seed), every one idle since a look a day longer ago than the idle time, cleaned by the real handler in its own
process twice on identical seeds: once judging by age alone (the baseline, no ListParts), once with the
activity check (every page of ListParts per upload, a read and a write of the observation table). Both in the
same emulator process, at the same latency.

Reported: ListParts calls per stale upload (mean, median, largest; Glacier answers at most 50 parts a page, so
an upload of n parts costs ceil(n / 50) calls, at least one), the observation table's calls, and the run
time with the check against the baseline (ratio and difference).
"""

from __future__ import annotations

import math
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from common import ABORT, STALE_DATE, log
from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.core.activity import Observation, Progress, UploadKey
from glacier_cleanup.inputs.limits import DEFAULT_IDLE_HOURS
from processes import HandlerWorker, emulator

from glacier_emulator.client_helpers import create_observation_table
from glacier_emulator.handles import ServerHandle

PARTS_PAGE = 50
TABLE = "bench-observations"
ACCOUNT = "123456789012"  # the bench worker's function ARN (its observation keys)
REGION = "us-east-1"


def part_counts(uploads: int, *, seed: int = 7, most: int = 10_000) -> list[int]:
    """Log-uniform in 1..most: most uploads small, a few of thousands of parts (as real backlogs)."""
    rng = random.Random(seed)
    return [max(1, min(most, round(math.exp(rng.uniform(0, math.log(most)))))) for _ in range(uploads)]


def _seed(handle: ServerHandle, counts: list[int], vaults: int) -> dict[str, str]:
    """Every upload's vault by id."""
    handle.reset()
    where: dict[str, str] = {}
    for index, parts in enumerate(counts):
        vault = f"activity-{index % vaults:02d}"
        for upload_id in handle.seed(vault, 1, creation_date=STALE_DATE, parts=parts):
            where[upload_id] = vault
    return where


def _table(endpoint_url: str) -> boto3.session.Session:
    session = boto3.session.Session(
        region_name=REGION, aws_access_key_id="bench", aws_secret_access_key="bench"
    )
    create_observation_table(session.client("dynamodb", endpoint_url=endpoint_url), TABLE)
    return session


class _Endpoint:
    """A boto3 session whose clients go to the emulator (what the adapter asks of a session)."""

    def __init__(self, session: boto3.session.Session, endpoint_url: str) -> None:
        self._session, self._endpoint_url = session, endpoint_url

    def client(self, service: str, **config: Any) -> Any:
        return self._session.client(service, endpoint_url=self._endpoint_url, **config)


def earlier_looks(endpoint_url: str, where: dict[str, str], counts: list[int]) -> None:
    """The looks of a run a day longer ago than the shipped idle time: the same parts as now, so every upload
    is idle."""
    store = DynamoObservationStore(_Endpoint(_table(endpoint_url), endpoint_url), TABLE)  # type: ignore[arg-type]
    then = datetime.now(UTC) - timedelta(hours=DEFAULT_IDLE_HOURS + 24)
    for (upload_id, vault), parts in zip(where.items(), counts, strict=True):
        progress = Progress(parts, parts * 1048576)
        store.put(
            UploadKey(ACCOUNT, REGION, vault, upload_id),
            Observation(progress, then, then),
            expires_at=then + timedelta(days=60),
        )


def _run(handle: ServerHandle, worker: HandlerWorker) -> tuple[dict[str, Any], dict[str, Any], float]:
    before = time.perf_counter()
    answer = worker.invoke({"trigger": "schedule"})
    seconds = time.perf_counter() - before
    return answer["result"], handle.stats(), seconds


def activity_cost(*, uploads: int, vaults: int, latency_ms: float, concurrency: int) -> dict[str, Any]:
    counts = part_counts(uploads)
    expected_list_parts = [max(1, math.ceil(parts / PARTS_PAGE)) for parts in counts]
    with emulator(latency_ms) as handle:
        assert handle.endpoint_url is not None
        endpoint = str(handle.endpoint_url)
        log(f"activity: {uploads} stale uploads of 1-10,000 parts, L = {latency_ms} ms, C = {concurrency}")
        _seed(handle, counts, vaults)
        with HandlerWorker(endpoint, concurrency) as worker:
            age, age_stats, age_seconds = _run(handle, worker)
        where = _seed(handle, counts, vaults)
        earlier_looks(endpoint, where, counts)
        settings = {
            "CLEANUP_ACTIVITY_CHECK": "true",
            "CLEANUP_OBSERVATION_TABLE": TABLE,
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        }
        with HandlerWorker(endpoint, concurrency, **settings) as worker:
            checked, checked_stats, checked_seconds = _run(handle, worker)
    operations = checked_stats["operations"]
    list_parts = operations.get("ListParts", {}).get("total", 0)
    for label, result in (("age alone", age), ("activity check", checked)):
        if (result["status"], result["uploads_aborted"]) != ("ok", uploads):
            raise RuntimeError(
                f"{label}: {result['status']}, aborted {result['uploads_aborted']} of {uploads}"
            )
    log(
        f"activity: {list_parts} ListParts ({list_parts / uploads:.1f} per stale upload), "
        f"{checked_seconds:.1f} s with the check vs {age_seconds:.1f} s by age alone"
    )
    return {
        "uploads": uploads,
        "vaults": vaults,
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "parts_per_upload": {
            "mean": round(statistics.mean(counts), 1),
            "median": statistics.median(counts),
            "max": max(counts),
            "total": sum(counts),
        },
        "list_parts_calls": list_parts,
        "list_parts_expected": sum(expected_list_parts),
        "list_parts_per_stale_upload": {
            "mean": round(list_parts / uploads, 2),
            "median": statistics.median(expected_list_parts),
            "max": max(expected_list_parts),
        },
        "aborts": operations.get(ABORT, {}).get("total", 0),
        "age_alone_calls": age_stats["total"],
        "activity_check_calls": checked_stats["total"],
        "observation_table_calls_per_upload": 2,  # GetItem + PutItem (bench/activity.py docstring)
        "age_alone_seconds": round(age_seconds, 2),
        "activity_check_seconds": round(checked_seconds, 2),
        "extra_seconds": round(checked_seconds - age_seconds, 2),
        "time_ratio": round(checked_seconds / age_seconds, 2),
        "bytes_stale": checked.get("bytes_stale"),
        "stale_monthly_cost_usd": checked.get("stale_monthly_cost_usd"),
    }
