"""Measure the emulator server's request rate: ``python -m glacier_emulator.measure``.

Starts ``python -m glacier_emulator`` at zero latency, bulk-seeds uploads, then drives
ListMultipartUploads and AbortMultipartUpload from a few client threads and prints JSON with the
median requests/s over the rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .handles import ServerProcess

OLD = "2020-01-01T00:00:00.000Z"


def _rate(threads: int, work: list[Callable[[], Any]]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(call) for call in work]:
            future.result()
    return len(work) / (time.perf_counter() - started)


def measure(vaults: int, uploads_per_vault: int, threads: int, rounds: int, requests: int) -> dict[str, Any]:
    server = ServerProcess()
    try:
        handle = server.handle()
        ids: dict[str, list[str]] = {}
        seed_started = time.perf_counter()
        for index in range(vaults):
            name = f"vault-{index:04d}"
            ids[name] = handle.seed(name, uploads_per_vault, creation_date=OLD)
        seed_seconds = time.perf_counter() - seed_started
        client = handle.client(max_pool_connections=threads)
        names = list(ids)

        def list_page(vault: str) -> Callable[[], Any]:
            return lambda: client.list_multipart_uploads(vaultName=vault)

        def abort(vault: str, upload_id: str) -> Callable[[], Any]:
            return lambda: client.abort_multipart_upload(vaultName=vault, uploadId=upload_id)

        victims = [(vault, upload_id) for vault in names for upload_id in ids[vault]]
        list_rates, abort_rates = [], []
        for round_index in range(rounds):
            list_rates.append(_rate(threads, [list_page(names[i % len(names)]) for i in range(requests)]))
            batch = victims[round_index * requests : (round_index + 1) * requests]
            abort_rates.append(_rate(threads, [abort(vault, upload_id) for vault, upload_id in batch]))
        stats = handle.stats()
    finally:
        server.stop()
    return {
        "stored_uploads": vaults * uploads_per_vault,
        "vaults": vaults,
        "threads": threads,
        "rounds": rounds,
        "requests_per_round": requests,
        "seed_seconds": round(seed_seconds, 2),
        "list_multipart_uploads_rps_median": round(statistics.median(list_rates), 1),
        "abort_multipart_upload_rps_median": round(statistics.median(abort_rates), 1),
        "list_multipart_uploads_rps": [round(rate, 1) for rate in list_rates],
        "abort_multipart_upload_rps": [round(rate, 1) for rate in abort_rates],
        "server_stats": stats,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m glacier_emulator.measure", description=__doc__)
    parser.add_argument("--vaults", type=int, default=100)
    parser.add_argument("--uploads-per-vault", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1000, help="requests per operation per round")
    args = parser.parse_args(argv)
    if args.rounds * args.requests > args.vaults * args.uploads_per_vault:
        parser.error("not enough seeded uploads for rounds x requests aborts")
    result = measure(args.vaults, args.uploads_per_vault, args.threads, args.rounds, args.requests)
    print(json.dumps(result, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
