"""The naive reference: plain boto3, one call at a time (list vaults, list uploads per vault, abort old ones).

Every call is timed on its own, so a run on a subset of the scenario gives the mean time of each operation;
``estimate_seconds`` scales those means to the full scenario's call counts.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from common import ABORT, LIST_UPLOADS, LIST_VAULTS
from processes import glacier_client


def run_sequential(endpoint_url: str, older_than_hours: float = 168) -> dict[str, Any]:
    """One naive cleanup of every vault. Returns the wall time, calls and per-operation call times."""
    client = glacier_client(endpoint_url, max_attempts=1)
    cutoff = datetime.now(UTC) - timedelta(hours=older_than_hours)
    times: dict[str, list[float]] = defaultdict(list)

    def call(operation: str, method: Any, **params: Any) -> Any:
        started = time.perf_counter()
        response = method(accountId="-", **params)
        times[operation].append(time.perf_counter() - started)
        return response

    started = time.perf_counter()
    vaults: list[str] = []
    marker: str | None = None
    while True:
        page = call(LIST_VAULTS, client.list_vaults, **({"marker": marker} if marker else {}))
        vaults.extend(vault["VaultName"] for vault in page.get("VaultList", []))
        marker = page.get("Marker")
        if not marker:
            break
    aborted = 0
    for vault in vaults:
        marker = None
        while True:
            params: dict[str, Any] = {"vaultName": vault, "limit": "50"}
            if marker:
                params["marker"] = marker
            page = call(LIST_UPLOADS, client.list_multipart_uploads, **params)
            for upload in page.get("UploadsList", []):
                created = datetime.fromisoformat(upload["CreationDate"])
                if created <= cutoff:
                    call(
                        ABORT,
                        client.abort_multipart_upload,
                        vaultName=vault,
                        uploadId=upload["MultipartUploadId"],
                    )
                    aborted += 1
            marker = page.get("Marker")
            if not marker:
                break
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "aborted": aborted,
        "calls": {operation: len(values) for operation, values in times.items()},
        "mean_call_seconds": {operation: statistics.fmean(values) for operation, values in times.items()},
    }


def estimate_seconds(mean_call_seconds: dict[str, float], calls: dict[str, int]) -> float:
    """The sequential time for `calls`, from measured mean times per operation."""
    return sum(mean_call_seconds[operation] * count for operation, count in calls.items() if count)
