"""``make bench``: throughput, calls, scaling and memory, cold start. One JSON document on stdout.

Progress goes to stderr; the JSON is also saved as bench/results/latest.json, and docs/performance.md is
rendered from it. Every emulator and handler process started here is stopped before it returns
(try/finally), also on Ctrl-C and SIGTERM. Network: loopback only. Run ``python bench/run.py --help`` for
the knobs.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any, NoReturn

from activity import activity_cost
from capacity import measure_capacity, mixed_capacity
from coldstart import asset_size, cli_start_times, import_breakdown, import_times
from common import BENCH_DIR, REPO_ROOT, Scenario, log
from gate import check_targets
from glacier_cleanup.inputs.settings import Settings
from glacier_cleanup_cdk.config import CleanupSettings
from lambda_share import sweep as lambda_share_sweep
from machine import git_state, machine
from orgscale import organization_scale
from pacer_grid import chart as pacer_grid_chart
from pacer_grid import grid as pacer_grid
from processes import emulator
from ratelimit import rate_limited
from render import main as render_page
from sdk_layer import measure as sdk_layer_measure
from throughput import scaling, throughput

RESULTS_DIR = BENCH_DIR / "results"
# The function's shipped defaults (glacier_cleanup.inputs.settings): what the rate-limited scenario must meet.
DEFAULT_RETRY_MODE = str(Settings.model_fields["retry_mode"].default)
DEFAULT_CONCURRENCY = int(Settings.model_fields["concurrency"].default)
DEFAULT_PACING = bool(Settings.model_fields["pacing"].default)


def organization_model_at(
    organization: dict[str, Any], concurrency: int, args: argparse.Namespace
) -> dict[str, Any]:
    from orgscale import model  # noqa: PLC0415

    return model(
        organization["per_target"],
        organization["planning"],
        accounts=args.org_accounts,
        regions=args.org_regions,
        concurrency=concurrency,
    )


def _floats(text: str) -> list[float]:
    return [float(item) for item in text.split(",")]


def _ints(text: str) -> list[int]:
    return [int(item) for item in text.split(",")]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=200.0, help="emulator latency L for throughput")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="CLEANUP_CONCURRENCY and client threads C"
    )
    parser.add_argument("--vaults", type=int, default=20)
    parser.add_argument("--stale", type=int, default=60, help="stale uploads per vault")
    parser.add_argument("--fresh", type=int, default=15, help="fresh uploads per vault")
    parser.add_argument("--runs", type=int, default=5, help="timed engine runs (median)")
    parser.add_argument("--sequential-runs", type=int, default=3)
    parser.add_argument(
        "--sequential-stale", type=int, default=30, help="stale uploads in the sequential subset"
    )
    parser.add_argument("--sequential-fresh", type=int, default=8)
    parser.add_argument(
        "--scaling", type=lambda text: [int(n) for n in text.split(",")], default=[1000, 10000, 50000]
    )
    parser.add_argument("--scaling-latency-ms", type=float, default=0.0)
    parser.add_argument("--import-runs", type=int, default=10)
    parser.add_argument("--capacity-rounds", type=int, default=3)
    parser.add_argument("--rate-limit", type=float, default=50.0, help="requests/s per account and region")
    parser.add_argument("--rate-latency-ms", type=float, default=20.0)
    parser.add_argument("--rate-vaults", type=int, default=20)
    parser.add_argument("--rate-stale", type=int, default=100, help="stale uploads per vault")
    parser.add_argument(
        "--rate-configurations",
        type=lambda text: [
            (mode, int(threads), paced == "paced")
            for mode, threads, paced in (item.split(":") for item in text.split(","))
        ],
        default=[("standard", 16, False), ("adaptive", 16, False), ("adaptive", 32, False)],
        help="retry_mode:concurrency:paced|unpaced to compare at the rate limit (plus the shipped defaults)",
    )
    parser.add_argument("--pacer-limits", type=_floats, default=[10.0, 100.0], help="requests/s")
    parser.add_argument("--pacer-latencies-ms", type=_floats, default=[5.0, 200.0])
    parser.add_argument("--pacer-concurrency", type=_ints, default=[1, 16, 64])
    parser.add_argument("--activity-uploads", type=int, default=2000, help="stale uploads of 1-10,000 parts")
    parser.add_argument("--activity-vaults", type=int, default=20)
    parser.add_argument("--activity-latency-ms", type=float, default=20.0)
    parser.add_argument("--org-accounts", type=int, default=1000)
    parser.add_argument("--org-regions", type=int, default=17)
    parser.add_argument(
        "--org-concurrency", type=lambda text: [int(n) for n in text.split(",")], default=[10, 100]
    )
    parser.add_argument(
        "--no-save", action="store_true", help="print the JSON only, keep bench/results as is"
    )
    return parser.parse_args(argv)


def _terminate(signum: int, _frame: Any) -> NoReturn:
    # SystemExit unwinds through every try/finally, so the child processes get stopped.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    args = parse_args(argv)
    started = time.monotonic()
    scenario = Scenario(args.vaults, args.stale, args.fresh)
    subset = Scenario(1, args.sequential_stale, args.sequential_fresh)
    document: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "git": git_state(),
    }
    log(f"machine {document['machine']}")

    with emulator() as handle:
        capacity = measure_capacity(handle, args.concurrency, rounds=args.capacity_rounds)
    demand = args.concurrency / (args.latency_ms / 1000)
    capacity["scenario_mix_rps"] = mixed_capacity(capacity, scenario.minimal_calls())
    log(
        f"capacity: {capacity['scenario_mix_rps']} req/s for the scenario's mix, "
        f"demand C/L = {demand:.0f} req/s"
    )

    result = throughput(args, scenario, subset)
    scaling_result = scaling(args)
    shipped = (DEFAULT_RETRY_MODE, DEFAULT_CONCURRENCY, DEFAULT_PACING)
    configurations = list(dict.fromkeys([shipped, *args.rate_configurations]))
    rate = rate_limited(
        limit=args.rate_limit,
        latency_ms=args.rate_latency_ms,
        scenario=Scenario(args.rate_vaults, args.rate_stale, 0, prefix="rate"),
        configurations=configurations,
    )
    rate["shipped_defaults"] = next(
        row
        for row in rate["configurations"]
        if (row["retry_mode"], row["concurrency"], row["pacing"]) == shipped and row["activity_check"]
    )
    activity = activity_cost(
        uploads=args.activity_uploads,
        vaults=args.activity_vaults,
        latency_ms=args.activity_latency_ms,
        concurrency=DEFAULT_CONCURRENCY,
    )
    log("organization scale: per-target costs, planning 1,000 accounts")
    organization = organization_scale(
        memory_mb=int(CleanupSettings.model_fields["memory_mb"].default),
        concurrency=args.org_concurrency[0],
        accounts=args.org_accounts,
        regions=args.org_regions,
    )
    organization["model_at_other_concurrency"] = [
        organization_model_at(organization, concurrency, args) for concurrency in args.org_concurrency[1:]
    ]
    largest = scaling_result["rows"][-1]
    organization["function_memory"] = {
        "stale_uploads": largest["stale_uploads"],
        "peak_rss_kib": largest["peak_rss_kib"],
        "peak_rss_growth_over_warm_kib": largest["peak_rss_growth_kib"],
        "source": "scaling (the largest size)",
    }
    log("cold start: import times")
    cold = import_times(args.import_runs)
    cold["breakdown"] = import_breakdown()
    cold["cli"] = cli_start_times(args.import_runs)
    log("pacer grid: limits x latencies x threads, random throttling, a neighbour sharing the bucket")
    pacer = pacer_grid(
        limits=args.pacer_limits,
        latencies=args.pacer_latencies_ms,
        concurrency=args.pacer_concurrency,
        shipped_concurrency=DEFAULT_CONCURRENCY,
    )
    log("sdk layer: its size, and the cold start with it against the runtime's SDK")
    sdk = sdk_layer_measure(args.import_runs)
    log("lambda share: the handler at each memory size's CPU share")
    share = lambda_share_sweep(vaults=20, stale=100, latency_ms=20.0, rate_limit=args.rate_limit)
    log(f"cold start: handler {cold['handler_import_ms']} ms, boto3 {cold['boto3_import_ms']} ms")

    document.update(
        {
            "efficiency": result["efficiency"],
            "efficiency_pacing_off": result["pacing_off"]["efficiency"],
            "speedup": result["speedup"],
            "calls_ratio": max(run["calls_ratio"] for run in result["engine_runs"]),
            "latency_ms": args.latency_ms,
            "concurrency": args.concurrency,
            "demand_rps": round(demand, 1),
            "emulator_capacity": capacity,
            "demand_fraction_of_capacity": round(demand / capacity["scenario_mix_rps"], 3),
            "throughput": result,
            "scaling": scaling_result,
            "rate_limit": rate,
            "activity_check": activity,
            "organization": organization,
            "cold_start": cold,
            "lambda_share": share,
            "sdk_layer": sdk,
            "pacer_grid": pacer,
            "asset": asset_size(),
        }
    )
    document["targets"] = check_targets(document)
    if not args.no_save:
        pacer["chart"] = "bench/results/latest-pacer-grid.png"
    document["machine"]["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    document["bench_seconds"] = round(time.monotonic() - started, 1)
    text = json.dumps(document, indent=2)
    if not args.no_save:
        save(text)
        pacer_grid_chart(pacer, REPO_ROOT / pacer["chart"])
    print(text)
    log(
        f"done in {document['bench_seconds']}s; targets: "
        + ", ".join(
            f"{name} {'met' if check['met'] else 'MISSED'}" for name, check in document["targets"].items()
        )
    )
    return 0


def save(text: str) -> None:
    """bench/results/latest.json, and docs/performance.md rendered from it. Only the latest result is kept
    (with `baseline.json`, the one a change is compared against): earlier ones are in git's history."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / "latest.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(text + "\n", encoding="utf-8")
    temporary.replace(path)
    render_page([str(path)])
    log(f"saved {path}; docs/performance.md rendered from it")


if __name__ == "__main__":
    sys.exit(main())
