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
import platform
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any, NoReturn

from activity import activity_cost
from capacity import measure_capacity, mixed_capacity
from coldstart import asset_size, cli_start_times, import_breakdown, import_times
from common import BENCH_DIR, REPO_ROOT, Scenario, calls_check, log, seed
from glacier_cleanup.inputs.settings import Settings
from glacier_cleanup_cdk.config import CleanupSettings
from lambda_share import sweep as lambda_share_sweep
from orgscale import organization_scale
from pacer_grid import chart as pacer_grid_chart
from pacer_grid import grid as pacer_grid
from processes import HandlerWorker, emulator
from ratelimit import rate_limited
from render import main as render_page
from sdk_layer import measure as sdk_layer_measure
from sequential import estimate_seconds, run_sequential
from targets import TARGETS

from glacier_emulator.handles import ServerHandle

RESULTS_DIR = BENCH_DIR / "results"
SCHEDULE_EVENT = {
    "trigger": "schedule",
    "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/glacier-cleanup-bench",
    "scheduled_time": "2026-11-25T00:00:00Z",
}
# A small run in every handler process before anything is measured: imports, client, pool, connections.
WARMUP = Scenario(vaults=1, stale=150, fresh=0, prefix="warmup")
# The function's shipped defaults (glacier_cleanup.inputs.settings): what the rate-limited scenario must meet.
DEFAULT_RETRY_MODE = str(Settings.model_fields["retry_mode"].default)
DEFAULT_CONCURRENCY = int(Settings.model_fields["concurrency"].default)
DEFAULT_PACING = bool(Settings.model_fields["pacing"].default)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _verify(result: dict[str, Any], scenario: Scenario, *, dry_run: bool) -> list[str]:
    """What in the handler's result disagrees with the scenario (empty: all as expected)."""
    expected = {
        "status": "ok",
        "complete": True,
        "vaults_scanned": scenario.vaults,
        "uploads_found": scenario.uploads_total,
        "uploads_stale": scenario.stale_total,
        "uploads_aborted": 0 if dry_run else scenario.stale_total,
        "failures": [],
    }
    return [
        f"{key}={result.get(key)!r}, expected {value!r}"
        for key, value in expected.items()
        if result.get(key) != value
    ]


# ----- 1 + 2: throughput and calls ----------------------------------------------------------------------


def _engine_run(
    handle: ServerHandle, worker: HandlerWorker, scenario: Scenario, t_min: float, label: str
) -> dict[str, Any]:
    seed_seconds = seed(handle, scenario)
    reply = worker.invoke(SCHEDULE_EVENT)
    calls = calls_check(handle.stats(), scenario.minimal_calls())
    problems = _verify(reply["result"], scenario, dry_run=False)
    log(
        f"{label}: {reply['seconds']:.2f}s (T_min {t_min:.2f}s, efficiency {t_min / reply['seconds']:.3f}), "
        f"calls ratio {calls['calls_ratio']}, problems {problems or 'none'}"
    )
    return {
        "seconds": round(reply["seconds"], 3),
        "efficiency": round(t_min / reply["seconds"], 3),
        "client_cpu_seconds": round(reply["cpu_seconds"], 3),
        "seed_seconds": round(seed_seconds, 3),
        "calls_ratio": calls["calls_ratio"],
        "calls_exact": calls["exact"],
        "calls": calls["calls"],
        "not_ok": calls["not_ok"],
        "result_problems": problems,
    }


def throughput(args: argparse.Namespace, scenario: Scenario, subset: Scenario) -> dict[str, Any]:
    """The shipped defaults' runs (the efficiency target) taken in turn with runs of the same engine with
    pacing off: the difference is what the pacer's slow start costs where nothing throttles."""
    latency_s = args.latency_ms / 1000
    t_min = scenario.t_min(latency_s, args.concurrency)
    with emulator(args.latency_ms) as handle:
        assert handle.endpoint_url is not None
        with (
            HandlerWorker(handle.endpoint_url, args.concurrency) as worker,
            HandlerWorker(handle.endpoint_url, args.concurrency, CLEANUP_PACING="false") as unpaced,
        ):
            for each in (worker, unpaced):
                seed(handle, WARMUP)
                each.invoke(SCHEDULE_EVENT)

            seed(handle, scenario)
            dry = worker.invoke({"dry_run": True})
            dry_calls = calls_check(handle.stats(), scenario.minimal_calls(dry_run=True))
            log(f"dry run: {dry['seconds']:.2f}s, calls {dry_calls['calls']}, exact={dry_calls['exact']}")

            runs: list[dict[str, Any]] = []
            unpaced_runs: list[dict[str, Any]] = []
            for index in range(args.runs):
                runs.append(
                    _engine_run(handle, worker, scenario, t_min, f"engine run {index + 1}/{args.runs}")
                )
                unpaced_runs.append(
                    _engine_run(handle, unpaced, scenario, t_min, f"  pacing off {index + 1}/{args.runs}")
                )

        sequential_runs: list[dict[str, Any]] = []
        for index in range(args.sequential_runs):
            seed(handle, subset)
            run = run_sequential(handle.endpoint_url)
            calls = calls_check(handle.stats(), subset.minimal_calls())
            call_time = sum(run["mean_call_seconds"][op] * count for op, count in run["calls"].items())
            # Time between calls (parsing, dates) scales with the calls too.
            overhead = run["seconds"] / call_time
            estimate = estimate_seconds(run["mean_call_seconds"], scenario.minimal_calls()) * overhead
            sequential_runs.append(
                {
                    "subset_seconds": round(run["seconds"], 3),
                    "subset_calls_exact": calls["exact"],
                    "subset_calls": calls["calls"],
                    "mean_call_ms": {
                        op: round(value * 1000, 2) for op, value in run["mean_call_seconds"].items()
                    },
                    "estimated_full_seconds": round(estimate, 2),
                }
            )
            log(
                f"sequential run {index + 1}/{args.sequential_runs} on the subset: {run['seconds']:.2f}s for "
                f"{sum(run['calls'].values())} calls -> full scenario ~{estimate:.1f}s"
            )

    t_engine = _median([run["seconds"] for run in runs])
    t_unpaced = _median([run["seconds"] for run in unpaced_runs])
    t_sequential = _median([run["estimated_full_seconds"] for run in sequential_runs])
    return {
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "scenario": scenario.describe(),
        "t_min_seconds": round(t_min, 3),
        "t_min_terms": {
            "chain_calls": scenario.vault_pages + scenario.upload_pages_per_vault,
            "calls_over_concurrency": round(sum(scenario.minimal_calls().values()) / args.concurrency, 2),
        },
        "engine_median_seconds": round(t_engine, 3),
        "engine_runs": runs,
        "efficiency": round(t_min / t_engine, 3),
        "pacing_off": {
            "why": "the same engine with CLEANUP_PACING=false, its runs taken in turn with the shipped ones",
            "runs": unpaced_runs,
            "median_seconds": round(t_unpaced, 3),
            "efficiency": round(t_min / t_unpaced, 3),
            "slow_start_seconds": round(t_engine - t_unpaced, 3),
        },
        "sequential": {
            "method": (
                "plain boto3, one call at a time, run on a subset (one vault of the same shape); the mean "
                "time of each operation x the full scenario's calls x the subset's between-call overhead"
            ),
            "subset": subset.describe(),
            "runs": sequential_runs,
            "estimated_full_median_seconds": round(t_sequential, 2),
        },
        "speedup": round(t_sequential / t_engine, 2),
        "dry_run": {
            "seconds": round(dry["seconds"], 3),
            "calls": dry_calls["calls"],
            "calls_ratio": dry_calls["calls_ratio"],
            "calls_exact": dry_calls["exact"],
            "aborts": dry_calls["calls"]["AbortMultipartUpload"],
            "result_problems": _verify(dry["result"], scenario, dry_run=True),
        },
    }


# ----- 3: scaling and memory ----------------------------------------------------------------------------


def scaling(args: argparse.Namespace) -> dict[str, Any]:
    """Each size in a fresh handler process: baseline after imports and a warm-up run, then the run."""
    rows: list[dict[str, Any]] = []
    with emulator(args.scaling_latency_ms) as handle:
        assert handle.endpoint_url is not None
        for size in args.scaling:
            scenario = Scenario(vaults=max(1, size // 100), stale=min(size, 100), fresh=0)
            with HandlerWorker(handle.endpoint_url, args.concurrency) as worker:
                seed(handle, WARMUP)
                warm = worker.invoke(SCHEDULE_EVENT)
                seed_seconds = seed(handle, scenario)
                reply = worker.invoke(SCHEDULE_EVENT)
            calls = calls_check(handle.stats(), scenario.minimal_calls())
            baseline = warm["peak_rss_kib"]
            row = {
                "stale_uploads": scenario.stale_total,
                "vaults": scenario.vaults,
                "seed_seconds": round(seed_seconds, 2),
                "seconds": round(reply["seconds"], 2),
                "ms_per_upload": round(reply["seconds"] * 1000 / scenario.stale_total, 3),
                "client_cpu_ms_per_upload": round(reply["cpu_seconds"] * 1000 / scenario.stale_total, 3),
                "calls_ratio": calls["calls_ratio"],
                "calls_exact": calls["exact"],
                "rss_after_imports_kib": worker.ready["rss_kib"],
                "peak_rss_baseline_kib": baseline,
                "peak_rss_kib": reply["peak_rss_kib"],
                "peak_rss_growth_kib": reply["peak_rss_kib"] - baseline,
                "ru_maxrss_kib": reply["ru_maxrss_kib"],
                "rss_at_end_kib": reply["rss_kib"],
                "result_problems": _verify(reply["result"], scenario, dry_run=False),
            }
            rows.append(row)
            log(
                f"scaling {size}: seeded in {seed_seconds:.2f}s, ran in {reply['seconds']:.1f}s "
                f"({row['ms_per_upload']} ms/upload), peak RSS {row['peak_rss_kib']} KiB "
                f"(+{row['peak_rss_growth_kib']} over the warm baseline)"
            )
    smallest, largest = rows[0], rows[-1]
    return {
        "latency_ms": args.scaling_latency_ms,
        "concurrency": args.concurrency,
        "shape": "100 stale uploads per vault, no fresh ones; vaults = size / 100",
        "rows": rows,
        "ms_per_upload_ratio_largest_to_smallest": round(
            largest["ms_per_upload"] / smallest["ms_per_upload"], 3
        ),
        "peak_rss_growth_delta_mib": round(
            (largest["peak_rss_growth_kib"] - smallest["peak_rss_growth_kib"]) / 1024, 2
        ),
        "peak_rss_delta_mib": round((largest["peak_rss_kib"] - smallest["peak_rss_kib"]) / 1024, 2),
    }


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


# ----- the document -------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        total_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    return {
        "cpu_count": os.cpu_count(),
        "memory_gib": round(total_kib / 1024**2, 1),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }


def git_state() -> dict[str, Any]:
    def git(*argv: str) -> str:
        return subprocess.run(
            ["git", *argv], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_in": sorted(
            {
                line[3:].split("/")[0]
                for line in git("status", "--porcelain", "lambda_src", "glacier_emulator").splitlines()
            }
        ),
    }


def targets(document: dict[str, Any]) -> dict[str, Any]:
    scaling_result = document["scaling"]
    engine_runs = document["throughput"]["engine_runs"] + document["throughput"]["pacing_off"]["runs"]
    calls_ratios = [run["calls_ratio"] for run in engine_runs] + [
        row["calls_ratio"] for row in scaling_result["rows"]
    ]
    cli_start = max(document["cold_start"]["cli"]["version_s"], document["cold_start"]["cli"]["help_s"])
    shipped_memory = int(CleanupSettings.model_fields["memory_mb"].default)
    at_shipped = next(
        (
            row
            for row in document["lambda_share"].get("rows", [])
            if row["memory_mb"] == shipped_memory and not row["rate_limit_rps"]
        ),
        None,
    )
    checks = {
        # The engine's efficiency is measured with pacing off; the pacer's once-per-run cost is its own.
        "efficiency_pacing_off": (
            document["efficiency_pacing_off"],
            document["efficiency_pacing_off"] >= TARGETS["efficiency_min"],
        ),
        "pacer_slow_start_s": (
            document["throughput"]["pacing_off"]["slow_start_seconds"],
            document["throughput"]["pacing_off"]["slow_start_seconds"] <= TARGETS["pacer_slow_start_max_s"],
        ),
        "speedup": (document["speedup"], document["speedup"] >= TARGETS["speedup_min"]),
        "calls_ratio": (
            document["calls_ratio"],
            all(ratio == TARGETS["calls_ratio"] for ratio in calls_ratios),
        ),
        "dry_run_no_abort": (
            document["throughput"]["dry_run"]["aborts"],
            document["throughput"]["dry_run"]["calls_exact"],
        ),
        "rss_growth_delta_mib": (
            scaling_result["peak_rss_growth_delta_mib"],
            scaling_result["peak_rss_growth_delta_mib"] < TARGETS["rss_growth_max_mib"],
        ),
        "import_ratio": (
            document["cold_start"]["ratio_handler_to_boto3"],
            document["cold_start"]["ratio_handler_to_boto3"] <= TARGETS["import_ratio_max"],
        ),
        "cli_start_s": (cli_start, cli_start <= TARGETS["cli_start_max_s"]),
        "shipped_memory_share": (
            at_shipped,
            at_shipped is not None
            and at_shipped["aborts_per_s"] >= TARGETS["shipped_memory_aborts_per_s_min"]
            and at_shipped["import_s"] <= TARGETS["shipped_memory_import_max_s"],
        ),
        "demand_under_half_capacity": (
            document["demand_fraction_of_capacity"],
            document["demand_fraction_of_capacity"] < 0.5,
        ),
    }
    shipped = document["rate_limit"]["shipped_defaults"]
    checks.update(
        {
            "rate_limit_useful_fraction": (
                shipped["useful_fraction_of_limit"],
                shipped["useful_fraction_of_limit"] >= TARGETS["rate_limit_useful_min"],
            ),
            "rate_limit_throttled_fraction": (
                shipped["throttled_fraction"],
                shipped["throttled_fraction"] <= TARGETS["rate_limit_throttled_max"],
            ),
            "rate_limit_failed_aborts": (shipped["failed_aborts"], shipped["failed_aborts"] == 0),
            "rate_limit_runs_to_converge": (shipped["runs_to_converge"], shipped["runs_to_converge"] == 1),
        }
    )
    pacer = document["pacer_grid"]
    checks.update(
        {
            "pacer_grid_cells_met": (
                f"{pacer['grid_met']}/{pacer['grid_cells']}",
                pacer["grid_met"] == pacer["grid_cells"],
            ),
            "pacer_random_over_unpaced": (
                [row["paced_over_unpaced"] for row in pacer["random_throttling"]],
                all(
                    row["paced_over_unpaced"] <= TARGETS["random_paced_over_unpaced_max"]
                    and row["failed_aborts"] == 0
                    and row["converged"]
                    for row in pacer["random_throttling"]
                ),
            ),
            "pacer_neighbour_rise_points": (
                pacer["neighbour"]["rise_points"],
                pacer["neighbour"]["rise_points"] <= TARGETS["neighbour_rise_max_points"],
            ),
        }
    )
    return {name: {"value": value, "met": met} for name, (value, met) in checks.items()}


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
    document["targets"] = targets(document)
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
