"""The bench's gate: each target of targets.py checked against a result document (met or missed, with the
value measured), written into the result's `targets` section."""

from __future__ import annotations

from typing import Any

from glacier_cleanup_cdk.config import CleanupSettings
from targets import TARGETS


def check_targets(document: dict[str, Any]) -> dict[str, Any]:
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
