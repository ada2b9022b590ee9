"""The bench's handler-run phases: throughput and calls (the shipped defaults against pacing off and a
sequential client), and scaling and memory (1,000 to 50,000 stale uploads, each size in a fresh handler
process). Each run's result is checked against its scenario."""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from common import Scenario, calls_check, log, seed
from processes import HandlerWorker, emulator
from sequential import estimate_seconds, run_sequential

from glacier_emulator.handles import ServerHandle

SCHEDULE_EVENT = {
    "trigger": "schedule",
    "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/glacier-cleanup-bench",
    "scheduled_time": "2026-11-25T00:00:00Z",
}
# A small run in every handler process before anything is measured: imports, client, pool, connections.
WARMUP = Scenario(vaults=1, stale=150, fresh=0, prefix="warmup")


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
