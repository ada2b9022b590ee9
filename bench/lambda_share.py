"""The handler at the CPU share Lambda gives a memory size (1 vCPU at 1,769 MB, in proportion below).

Each memory size runs the handler in its own process inside a cgroup v1 `cpu` group whose quota is that share
of one core (`cpu.cfs_quota_us` = period x MB / 1769); the emulator runs outside it, on the rest of the
machine. The process joins the group before Python starts (a `sh` wrapper), so the handler's import (Lambda's
init) is measured at the share too. Per memory size: import seconds, aborts per second on the scenario, the
run's billed GB-seconds, and USD per 10,000 aborted uploads at Lambda's Arm price; with and without a token-
bucket rate limit in the emulator. `python bench/lambda_share.py` prints the JSON and saves a chart beside it.

Where the machine does not allow it (no cgroup v1 `cpu` controller, or not root), it says so and measures
nothing: a bench on a whole core would be the optimistic number issue 23 is about.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import BENCH_DIR, ONE_VCPU_MB, Scenario, log, seed
from processes import HandlerWorker, emulator

CGROUP_CPU = Path("/sys/fs/cgroup/cpu")
MEMORY_SIZES_MB = (128, 256, 512, 1024, 1769)
# Lambda's Arm price (us-east-1, first tier): USD per GB-second, and per request.
USD_PER_GB_SECOND = 0.0000133334
USD_PER_REQUEST = 0.0000002
SCHEDULE_EVENT = {"trigger": "schedule"}


def cgroup_unavailable() -> str | None:
    """Why the bench cannot set a CPU quota here, or None when it can."""
    if not (CGROUP_CPU / "cpu.cfs_quota_us").is_file():
        return f"no cgroup v1 cpu controller at {CGROUP_CPU}"
    if os.geteuid() != 0:
        return "setting a cgroup CPU quota needs root"
    return None


@contextmanager
def cpu_share(memory_mb: int) -> Iterator[Path]:
    """A cgroup limited to the CPU share of `memory_mb`; removed afterwards (its processes gone)."""
    group = CGROUP_CPU / f"glacier-bench-{os.getpid()}-{memory_mb}"
    group.mkdir(exist_ok=True)
    period = int((CGROUP_CPU / "cpu.cfs_period_us").read_text())
    (group / "cpu.cfs_period_us").write_text(str(period))
    quota = max(1000, round(period * min(memory_mb, ONE_VCPU_MB) / ONE_VCPU_MB))
    (group / "cpu.cfs_quota_us").write_text(str(quota))
    try:
        yield group
    finally:
        for _ in range(50):
            try:
                group.rmdir()
                break
            except OSError:  # its last process is still exiting
                time.sleep(0.1)


def measure(memory_mb: int, *, scenario: Scenario, latency_ms: float, limit: float | None) -> dict[str, Any]:
    options = ("--rate-limit", str(limit)) if limit else ()
    with emulator(latency_ms, *options) as handle, cpu_share(memory_mb) as group:
        endpoint = str(handle.endpoint_url)
        seed(handle, scenario)
        if limit:
            handle.configure(rate_limit=limit)
        with HandlerWorker(endpoint, 16, cgroup=group, memory_mb=memory_mb) as worker:
            import_seconds = float(worker.ready["import_seconds"])
            reply = worker.invoke(SCHEDULE_EVENT)
    result = reply["result"]
    seconds = float(reply["seconds"])
    aborted = int(result["uploads_aborted"])
    billed_seconds = seconds + import_seconds  # a cold container: init is billed with the first run
    gb_seconds = memory_mb / 1024 * billed_seconds
    per_10k = 10_000 / aborted if aborted else float("nan")
    return {
        "memory_mb": memory_mb,
        "cpu_share": round(min(memory_mb, ONE_VCPU_MB) / ONE_VCPU_MB, 3),
        "rate_limit_rps": limit,
        "import_s": round(import_seconds, 3),
        "run_s": round(seconds, 2),
        "cpu_s": round(float(reply.get("cpu_seconds", 0.0)), 2),
        "aborted": aborted,
        "status": result["status"],
        "aborts_per_s": round(aborted / seconds, 1) if seconds else None,
        "gb_seconds": round(gb_seconds, 3),
        "usd_per_10k_aborts": round(per_10k * (gb_seconds * USD_PER_GB_SECOND + USD_PER_REQUEST), 5),
    }


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 - only for the chart

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, (speed, cost) = plt.subplots(1, 2, figsize=(11, 4))
    for limit in sorted({row["rate_limit_rps"] or 0 for row in rows}):
        chosen = [row for row in rows if (row["rate_limit_rps"] or 0) == limit]
        label = f"limit {limit:g} req/s" if limit else "no rate limit"
        speed.plot(
            [r["memory_mb"] for r in chosen], [r["aborts_per_s"] for r in chosen], marker="o", label=label
        )
        cost.plot(
            [r["memory_mb"] for r in chosen],
            [r["usd_per_10k_aborts"] for r in chosen],
            marker="o",
            label=label,
        )
    speed.set(xlabel="memory (MB)", ylabel="aborts per second", title="Throughput at the memory's CPU share")
    cost.set(xlabel="memory (MB)", ylabel="USD per 10,000 aborts", title="Cost (Arm, init included)")
    for axis in (speed, cost):
        axis.set_xscale("log", base=2)
        axis.set_xticks(list(MEMORY_SIZES_MB), [str(m) for m in MEMORY_SIZES_MB])
        axis.grid(True, alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def sweep(
    *, vaults: int, stale: int, latency_ms: float, rate_limit: float, memory: list[int] | None = None
) -> dict[str, Any]:
    """Every memory size, without and with the rate limit; the JSON and the chart go to bench/results."""
    reason = cgroup_unavailable()
    if reason:
        log(f"lambda share: cannot run the handler at a memory size's CPU share here: {reason}")
        return {"skipped": reason}
    scenario = Scenario(vaults, stale, 0, prefix="share")
    rows = []
    for limit in (None, rate_limit):
        for memory_mb in memory or MEMORY_SIZES_MB:
            row = measure(memory_mb, scenario=scenario, latency_ms=latency_ms, limit=limit)
            log(f"lambda share: {row}")
            rows.append(row)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results = BENCH_DIR / "results"
    document = {
        "date": stamp,
        "scenario": {"vaults": vaults, "stale_per_vault": stale, "latency_ms": latency_ms},
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "cpus": os.cpu_count(),
        "rows": rows,
        "median_import_s": statistics.median(row["import_s"] for row in rows),
        "chart": "bench/results/latest-lambda-share.png",
    }
    # Only the latest result is kept: the earlier ones are in git's history.
    (results / "latest-lambda-share.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    chart(rows, results / "latest-lambda-share.png")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/lambda_share.py", description=__doc__)
    parser.add_argument("--vaults", type=int, default=20)
    parser.add_argument("--stale", type=int, default=100, help="stale uploads per vault")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--rate-limit", type=float, default=50.0)
    parser.add_argument("--memory", type=int, nargs="*", default=list(MEMORY_SIZES_MB))
    args = parser.parse_args(argv)
    document = sweep(
        vaults=args.vaults,
        stale=args.stale,
        latency_ms=args.latency_ms,
        rate_limit=args.rate_limit,
        memory=args.memory,
    )
    print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
