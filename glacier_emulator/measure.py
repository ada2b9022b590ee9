"""Measure the emulator server: ``python -m glacier_emulator.measure``.

Starts ``python -m glacier_emulator`` at zero latency, bulk-seeds uploads, then drives
ListMultipartUploads and AbortMultipartUpload from a few client threads and prints JSON with the
median requests/s over the rounds. Then, in the same server: the list rate with the requests spread
over several accounts of a local organization against the same rate from one account, and the token
bucket's accuracy (successful requests/s under overload from 32 threads vs the limit; throttled
requests of a client paced below the limit).
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .handles import ServerHandle, ServerProcess
from .organization import build_organization

OLD = "2020-01-01T00:00:00.000Z"


def _rate(threads: int, work: list[Callable[[], Any]]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(call) for call in work]:
            future.result()
    return len(work) / (time.perf_counter() - started)


def measure_accounts(
    handle: ServerHandle, accounts: int, threads: int, requests: int, rounds: int
) -> dict[str, Any]:
    """ListMultipartUploads rate from one account vs the same requests spread over ``accounts``."""
    handle.reset(everything=True)
    org = build_organization(handle, {"": [f"member-{index:03d}" for index in range(accounts - 1)]})
    account_ids = [org.management_account, *org.accounts.values()]
    clients = []
    for account_id in account_ids:
        handle.seed("vault", 200, creation_date=OLD, account_id=account_id)
        client = handle.client(org.credentials(handle, account_id), max_pool_connections=threads)
        clients.append(client)

    def list_page(client: Any) -> Callable[[], Any]:
        return lambda: client.list_multipart_uploads(vaultName="vault")

    single, spread = [], []
    for _ in range(rounds):
        single.append(_rate(threads, [list_page(clients[0]) for _ in range(requests)]))
        spread.append(_rate(threads, [list_page(clients[i % len(clients)]) for i in range(requests)]))
    ratio = statistics.median(spread) / statistics.median(single)
    return {
        "accounts": accounts,
        "one_account_rps_median": round(statistics.median(single), 1),
        "spread_over_accounts_rps_median": round(statistics.median(spread), 1),
        "ratio": round(ratio, 3),
        "target_ratio_at_least": 0.8,
    }


def measure_rate_limit(handle: ServerHandle, rps: float, seconds: float) -> dict[str, Any]:
    """Overload from 32 threads: successful requests/s vs ``rps``, counted for ``seconds`` from the first
    ThrottlingException (the initial burst is spent by then, however slowly the threads got going); then
    a client paced at 80 % of the limit: how many of its requests were throttled.

    The successes are the server's own count (its stats, read at both ends of the window), not the
    client's completions: on a busy machine 32 client threads finish answers late, and completions that
    bunch up at the window's start would count requests the bucket admitted before it."""
    handle.reset(everything=True)
    handle.configure(rate_limit=rps)
    client = handle.client(max_pool_connections=32)
    first_throttle = threading.Event()
    throttled: list[float] = []  # list.append is atomic
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                client.list_vaults()
            except client.exceptions.ClientError:
                throttled.append(time.perf_counter())
                first_throttle.set()

    def admitted() -> tuple[float, int]:
        ok = handle.stats()["operations"].get("ListVaults", {}).get("ok", 0)
        return time.perf_counter(), int(ok)

    with ThreadPoolExecutor(max_workers=32) as pool:
        futures = [pool.submit(hammer) for _ in range(32)]
        first_throttle.wait(timeout=60)
        started, ok_before = admitted()
        time.sleep(seconds)
        ended, ok_after = admitted()
        stop.set()
        for future in futures:
            future.result()
    overload_rps = (ok_after - ok_before) / (ended - started) if first_throttle.is_set() else 0.0
    handle.configure(rate_limit=rps)  # a fresh, full bucket
    time.sleep(1.0)
    paced_throttled = 0
    interval = 1 / (0.8 * rps)
    next_call = time.perf_counter()
    for _ in range(int(0.8 * rps * 2)):  # two seconds at 80 % of the limit
        time.sleep(max(0.0, next_call - time.perf_counter()))
        next_call += interval
        try:
            client.list_vaults()
        except client.exceptions.ClientError:
            paced_throttled += 1
    handle.configure(rate_limit=0)
    return {
        "limit_rps": rps,
        "overload_threads": 32,
        "overload_seconds_measured": round(ended - started, 3),
        "overload_successful_rps": round(overload_rps, 2),
        "overload_ratio": round(overload_rps / rps, 4),
        "overload_throttled_requests": len(throttled),
        "paced_at_80_percent_requests": int(0.8 * rps * 2),
        "paced_at_80_percent_throttled": paced_throttled,
    }


def measure(
    vaults: int,
    uploads_per_vault: int,
    threads: int,
    rounds: int,
    requests: int,
    *,
    accounts: int = 10,
    rate_limit: float = 50.0,
) -> dict[str, Any]:
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
        accounts_result = measure_accounts(handle, accounts, threads, requests, rounds)
        rate_result = measure_rate_limit(handle, rate_limit, seconds=4.0)
    finally:
        server.stop()
    return {
        "several_accounts": accounts_result,
        "rate_limit": rate_result,
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
    parser.add_argument("--accounts", type=int, default=10, help="accounts for the several-accounts rate")
    parser.add_argument("--rate-limit", type=float, default=50.0, help="RPS for the token-bucket accuracy")
    args = parser.parse_args(argv)
    if args.rounds * args.requests > args.vaults * args.uploads_per_vault:
        parser.error("not enough seeded uploads for rounds x requests aborts")
    result = measure(
        args.vaults,
        args.uploads_per_vault,
        args.threads,
        args.rounds,
        args.requests,
        accounts=args.accounts,
        rate_limit=args.rate_limit,
    )
    print(json.dumps(result, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
