"""The emulator's own capacity: requests/s at zero latency with C client threads (boto3, one shared client).

On a 2-core machine this is the capacity of emulator plus client together (they share the cores), which is
the ceiling the engine runs under too: demand C / L must stay well below it, or a slow emulator would look
like a slow engine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from common import ABORT, STALE_DATE, log

from glacier_emulator.handles import ServerHandle


def _rate(threads: int, work: list[Callable[[], Any]]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(call) for call in work]:
            future.result()
    return len(work) / (time.perf_counter() - started)


def measure_capacity(
    handle: ServerHandle, threads: int, *, rounds: int = 3, aborts: int = 1000, lists: int = 300
) -> dict[str, Any]:
    """Median requests/s over `rounds` for full ListMultipartUploads pages and for aborts."""
    handle.reset()
    vaults = [f"capacity-{index:02d}" for index in range(threads)]
    per_vault = -(-aborts * rounds // len(vaults))
    victims = [
        (vault, upload_id)
        for vault in vaults
        for upload_id in handle.seed(vault, per_vault, creation_date=STALE_DATE)
    ]
    client = handle.client(max_pool_connections=threads)
    client.list_vaults(accountId="-")  # connect and load the model outside the timing
    list_rates: list[float] = []
    abort_rates: list[float] = []
    for index in range(rounds):
        list_work: list[Callable[[], Any]] = [
            partial(client.list_multipart_uploads, accountId="-", vaultName=vaults[i % len(vaults)])
            for i in range(lists)
        ]
        list_rates.append(_rate(threads, list_work))
        batch = victims[index * aborts : (index + 1) * aborts]
        abort_work: list[Callable[[], Any]] = [
            partial(client.abort_multipart_upload, accountId="-", vaultName=vault, uploadId=upload_id)
            for vault, upload_id in batch
        ]
        abort_rates.append(_rate(threads, abort_work))
        log(f"capacity round {index + 1}: list {list_rates[-1]:.0f}/s, abort {abort_rates[-1]:.0f}/s")
    stats = handle.stats()
    handle.reset()
    return {
        "threads": threads,
        "rounds": rounds,
        "list_multipart_uploads_rps": round(statistics.median(list_rates), 1),
        "abort_multipart_upload_rps": round(statistics.median(abort_rates), 1),
        "list_rps_rounds": [round(rate, 1) for rate in list_rates],
        "abort_rps_rounds": [round(rate, 1) for rate in abort_rates],
        "errors": {
            name: {outcome: count for outcome, count in ops.items() if outcome not in {"total", "ok"}}
            for name, ops in stats["operations"].items()
            if ops["total"] != ops["ok"]
        },
    }


def mixed_capacity(capacity: dict[str, Any], calls: dict[str, int]) -> float:
    """Requests/s for a scenario's mix of calls (ListVaults counted at the listing rate)."""
    list_calls = sum(count for operation, count in calls.items() if operation != ABORT)
    seconds = (
        list_calls / capacity["list_multipart_uploads_rps"]
        + calls.get(ABORT, 0) / capacity["abort_multipart_upload_rps"]
    )
    return round((list_calls + calls.get(ABORT, 0)) / seconds, 1)
