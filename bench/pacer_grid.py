"""The pacer across conditions, with the real handler against the local AWS (issue 23).

- **grid**: for each token-bucket limit x latency x concurrency, the shipped defaults (standard retries,
  pacing on) clean a scenario sized to about RUN_SECONDS at the attainable rate (min(limit, C / latency)):
  the useful requests per second over that rate, the throttled fraction, failed aborts and runs to converge.
  Targets: >= 0.90, <= 5 %, 0, 1.
- **random throttling** (the drills' coin flip, no bucket): the shipped concurrency paced against the same
  concurrency unpaced on the same uploads, runs taken in turn; target (bench/targets.py): the paced median at
  most `random_paced_over_unpaced_max` times the unpaced one, nothing failed.
- **good neighbour**: a second client (a backup uploader: DescribeVault at a fifth of the limit, no retries)
  shares the bucket; its throttled fraction alone and while the cleanup runs; target: at most 2 points more.

Run alone: `python bench/pacer_grid.py` (prints the JSON, saves the chart); `make bench` runs it as a section.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from common import BENCH_DIR, Scenario, log, seed
from processes import HandlerWorker, emulator, glacier_client

SCHEDULE_EVENT = {"trigger": "schedule"}
RUN_SECONDS = 30.0
MAX_RUNS = 3
# Runs each of the paced and the unpaced engine under random throttling (medians), per throttled fraction: a
# run lasts as long as its unluckiest request's retries, so one run is a draw from a wide distribution.
RANDOM_REPEATS = {0.2: 7, 0.5: 5}
NEIGHBOUR_OPERATION = "DescribeVault"  # the cleanup never calls it: its counts are the neighbour's alone
NEIGHBOUR_SHARE = 0.2
RESULTS_DIR = BENCH_DIR / "results"


def _counts(stats: dict[str, Any]) -> tuple[int, int, int]:
    """The cleanup's (requests, ok, throttled): every operation but the neighbour's."""
    operations = {
        name: ops for name, ops in stats.get("operations", {}).items() if name != NEIGHBOUR_OPERATION
    }
    total = sum(ops.get("total", 0) for ops in operations.values())
    ok = sum(ops.get("ok", 0) for ops in operations.values())
    throttled = sum(ops.get("ThrottlingException", 0) for ops in operations.values())
    return total, ok, throttled


def _scenario(rate: float, prefix: str) -> Scenario:
    """About RUN_SECONDS of requests at `rate`: one abort per stale upload, 20 vaults or fewer."""
    uploads = max(40, int(rate * RUN_SECONDS))
    vaults = min(20, max(1, uploads // 20))
    return Scenario(vaults, max(1, uploads // vaults), 0, prefix=prefix)


class Neighbour:
    """DescribeVault calls at `rate` per second (Poisson), one attempt each, on the cleanup's account."""

    def __init__(self, endpoint: str, vault: str, rate: float) -> None:
        self._client = glacier_client(endpoint, max_attempts=1)
        self._vault, self._rate = vault, rate
        self._stop = threading.Event()
        self.attempts = self.throttled = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        draw = random.Random(7)
        while not self._stop.wait(draw.expovariate(self._rate)):
            self.attempts += 1
            try:
                self._client.describe_vault(vaultName=self._vault)
            except ClientError as exc:
                self.throttled += exc.response.get("Error", {}).get("Code") == "ThrottlingException"

    def __enter__(self) -> Neighbour:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    @property
    def throttled_fraction(self) -> float:
        return round(self.throttled / self.attempts, 4) if self.attempts else 0.0


def clean(
    *,
    limit: float,
    latency_ms: float,
    concurrency: int,
    scenario: Scenario,
    throttle_rate: float = 0.0,
    pacing: bool = True,
    neighbour: float = 0.0,
) -> dict[str, Any]:
    """One cleanup of `scenario` until nothing stale is left (at most MAX_RUNS runs)."""
    options = ["--rate-limit", str(limit)] if limit else []
    with emulator(latency_ms, *options) as handle:
        endpoint = str(handle.endpoint_url)
        settings = {"CLEANUP_PACING": "true" if pacing else "false", "CLEANUP_ACTIVITY_CHECK": "false"}
        with HandlerWorker(endpoint, concurrency, **settings) as worker:
            seed(handle, scenario)
            handle.configure(rate_limit=limit, throttle_rate=throttle_rate)
            runs: list[dict[str, Any]] = []
            started = time.perf_counter()
            neighbour_client = Neighbour(endpoint, scenario.vault_names[0], neighbour) if neighbour else None
            if neighbour_client is not None:
                neighbour_client.__enter__()
            try:
                while len(runs) < MAX_RUNS:
                    result = worker.invoke(SCHEDULE_EVENT)["result"]
                    runs.append({key: result[key] for key in ("status", "uploads_aborted", "abort_failures")})
                    if result["status"] == "ok" and result["uploads_stale"] == result["uploads_aborted"]:
                        break
            finally:
                if neighbour_client is not None:
                    neighbour_client.__exit__()
            seconds = time.perf_counter() - started
            stats = handle.stats()
    total, ok, throttled = _counts(stats)
    attainable = min(limit or float("inf"), concurrency / (latency_ms / 1000))
    row: dict[str, Any] = {
        "limit_rps": limit,
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "throttle_rate": throttle_rate,
        "pacing": pacing,
        "stale_uploads": scenario.stale_total,
        "seconds": round(seconds, 2),
        "requests": total,
        "useful_rps": round(ok / seconds, 2),
        "useful_fraction_of_attainable": round(ok / seconds / attainable, 3),
        "throttled_fraction": round(throttled / total, 4) if total else 0.0,
        "failed_aborts": sum(run["abort_failures"] for run in runs),
        "runs": len(runs),
    }
    if neighbour_client is not None:
        row["neighbour_rps"] = neighbour
        row["neighbour_throttled_fraction"] = neighbour_client.throttled_fraction
    return row


def neighbour_alone(*, limit: float, latency_ms: float, seconds: float) -> float:
    """The neighbour's throttled fraction with the bucket to itself."""
    with emulator(latency_ms, "--rate-limit", str(limit)) as handle:
        seed(handle, Scenario(1, 1, 0, prefix="neighbour"))
        handle.configure(rate_limit=limit)
        with Neighbour(str(handle.endpoint_url), "neighbour-0000", limit * NEIGHBOUR_SHARE) as alone:
            time.sleep(seconds)
    return alone.throttled_fraction


def _met(row: dict[str, Any]) -> bool:
    return (
        row["useful_fraction_of_attainable"] >= 0.90
        and row["throttled_fraction"] <= 0.05
        and row["failed_aborts"] == 0
        and row["runs"] == 1
    )


def random_throttling(shipped_concurrency: int) -> list[dict[str, Any]]:
    """The shipped concurrency paced against the same concurrency unpaced, 20 % and 50 % random throttling."""
    random_rows = []
    for throttle_rate, repeats in RANDOM_REPEATS.items():
        scenario = Scenario(2, 25, 0, prefix="random")
        common = {
            "limit": 0,
            "latency_ms": 20,
            "scenario": scenario,
            "throttle_rate": throttle_rate,
            "concurrency": shipped_concurrency,
        }
        paced_runs, unpaced_runs = [], []
        for _ in range(repeats):
            paced_runs.append(clean(**common))
            unpaced_runs.append(clean(pacing=False, **common))
        paced_each = [run["seconds"] for run in paced_runs]
        unpaced_each = [run["seconds"] for run in unpaced_runs]
        paced_seconds, unpaced_seconds = statistics.median(paced_each), statistics.median(unpaced_each)
        random_rows.append(
            {
                "throttle_rate": throttle_rate,
                "repeats": repeats,
                "paced_seconds": paced_seconds,
                "unpaced_seconds": unpaced_seconds,
                "paced_over_unpaced": round(paced_seconds / unpaced_seconds, 2),
                "failed_aborts": sum(run["failed_aborts"] for run in paced_runs),
                "converged": all(run["runs"] == 1 for run in paced_runs),
                "paced_runs_seconds": paced_each,
                "unpaced_runs_seconds": unpaced_each,
            }
        )
        log(
            f"random throttling {throttle_rate:.0%}: x{shipped_concurrency} paced median {paced_seconds} s "
            f"{paced_each}, unpaced median {unpaced_seconds} s {unpaced_each}"
        )
    return random_rows


def grid(
    *, limits: list[float], latencies: list[float], concurrency: list[int], shipped_concurrency: int
) -> dict[str, Any]:
    rows = []
    for limit, latency_ms, threads in itertools.product(limits, latencies, concurrency):
        attainable = min(limit, threads / (latency_ms / 1000))
        row = clean(
            limit=limit,
            latency_ms=latency_ms,
            concurrency=threads,
            scenario=_scenario(attainable, "grid"),
        )
        row["met"] = _met(row)
        rows.append(row)
        log(
            f"pacer grid {limit:g}/s, {latency_ms:g} ms, x{threads}: {row['useful_fraction_of_attainable']} "
            f"of attainable, {row['throttled_fraction']:.1%} throttled, {row['failed_aborts']} failed, "
            f"{row['runs']} run(s) {'met' if row['met'] else 'MISSED'}"
        )
    random_rows = random_throttling(shipped_concurrency)
    limit, latency_ms = 50.0, 20.0
    alone = neighbour_alone(limit=limit, latency_ms=latency_ms, seconds=RUN_SECONDS)
    shared = clean(
        limit=limit,
        latency_ms=latency_ms,
        concurrency=shipped_concurrency,
        scenario=_scenario(limit * (1 - NEIGHBOUR_SHARE) * 2, "shared"),  # about 2 x RUN_SECONDS
        neighbour=limit * NEIGHBOUR_SHARE,
    )
    neighbour = {
        "limit_rps": limit,
        "latency_ms": latency_ms,
        "neighbour_rps": limit * NEIGHBOUR_SHARE,
        "neighbour_throttled_alone": alone,
        "neighbour_throttled_with_cleanup": shared["neighbour_throttled_fraction"],
        "rise_points": round(100 * (shared["neighbour_throttled_fraction"] - alone), 2),
        "cleanup": shared,
    }
    log(
        f"good neighbour at {limit:g}/s: {alone:.1%} throttled alone, "
        f"{shared['neighbour_throttled_fraction']:.1%} while the cleanup runs"
    )
    return {
        "run_seconds_target": RUN_SECONDS,
        "model": "token bucket per account and region, burst = rate; the handler's shipped defaults",
        "grid": rows,
        "grid_met": sum(row["met"] for row in rows),
        "grid_cells": len(rows),
        "worst_useful_fraction": min(row["useful_fraction_of_attainable"] for row in rows),
        "worst_throttled_fraction": max(row["throttled_fraction"] for row in rows),
        "failed_aborts": sum(row["failed_aborts"] for row in rows),
        "random_throttling": random_rows,
        "neighbour": neighbour,
    }


def chart(result: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 - only when drawing

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    rows = result["grid"]
    labels = [f"{r['limit_rps']:g}/s\n{r['latency_ms']:g} ms\nx{r['concurrency']}" for r in rows]
    figure, (useful, throttled) = plt.subplots(2, 1, figsize=(max(8, len(rows) * 0.7), 7), sharex=True)
    positions = range(len(rows))
    useful.bar(positions, [r["useful_fraction_of_attainable"] for r in rows], color="tab:blue")
    useful.axhline(0.90, color="tab:red", linestyle="--", label="target >= 0.90")
    useful.set_ylabel("useful / attainable rate")
    useful.legend(loc="lower right")
    throttled.bar(positions, [100 * r["throttled_fraction"] for r in rows], color="tab:orange")
    throttled.axhline(5, color="tab:red", linestyle="--", label="target <= 5 %")
    throttled.set_ylabel("requests throttled (%)")
    throttled.set_xticks(list(positions), labels, fontsize=7)
    throttled.legend(loc="upper right")
    figure.suptitle("The shipped pacer at a token bucket (limit, latency, threads), local AWS")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _floats(text: str) -> list[float]:
    return [float(item) for item in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/pacer_grid.py", description=__doc__)
    parser.add_argument("--limits", type=_floats, default=[10.0, 100.0])
    parser.add_argument("--latencies-ms", type=_floats, default=[5.0, 200.0])
    parser.add_argument(
        "--concurrency", type=lambda text: [int(n) for n in text.split(",")], default=[1, 16, 64]
    )
    parser.add_argument("--shipped-concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    result = grid(
        limits=args.limits,
        latencies=args.latencies_ms,
        concurrency=args.concurrency,
        shipped_concurrency=args.shipped_concurrency,
    )
    RESULTS_DIR.mkdir(exist_ok=True)
    chart(result, RESULTS_DIR / "latest-pacer-grid.png")  # only the latest: earlier ones are in git's history
    text = json.dumps(result, indent=2)
    (RESULTS_DIR / "latest-pacer-grid.json").write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
