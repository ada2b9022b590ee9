"""The bench's targets as data: the thresholds `gate.py` checks a result against, and for each gated measure
what it is and what it must reach, which `render.py` writes into docs/performance.md next to the latest
result."""

from __future__ import annotations

from typing import Final

TARGETS: Final = {
    "efficiency_min": 0.85,
    "pacer_slow_start_max_s": 0.6,
    "random_paced_over_unpaced_max": 1.5,
    "neighbour_rise_max_points": 2.0,
    "speedup_min": 20.0,
    "calls_ratio": 1.0,
    "rss_growth_max_mib": 10.0,
    "import_ratio_max": 1.5,
    "rate_limit_useful_min": 0.90,
    "rate_limit_throttled_max": 0.05,
    "cli_start_max_s": 0.15,
    # At the shipped memory size's CPU share (bench/lambda_share.py), 20 ms per call, no rate limit.
    "shipped_memory_aborts_per_s_min": 100.0,
    "shipped_memory_import_max_s": 1.0,
}

# Each gated measure of a result's `targets` section: (what is measured, what it must reach).
MEASURES: Final = {
    # Retired with the pacer's decision record (0004): the efficiency with the shipped pacing on. Kept while a
    # result that gated on it is the latest, so that result still renders.
    "efficiency": (
        "efficiency `T_min / T_engine`: 32 threads, 200 ms a call, 20 vaults of 60 stale uploads",
        f"≥ {TARGETS['efficiency_min']} (now measured with pacing off)",
    ),
    "efficiency_pacing_off": (
        "efficiency `T_min / T_engine`, pacing off: 32 threads, 200 ms a call, 20 vaults of 60 stale uploads",
        f"≥ {TARGETS['efficiency_min']}",
    ),
    "pacer_slow_start_s": (
        "the same with the shipped pacing: what its slow start adds where nothing throttles (s, medians)",
        f"≤ {TARGETS['pacer_slow_start_max_s']}",
    ),
    "speedup": ("speedup over a sequential boto3 script", f"≥ {TARGETS['speedup_min']:g}x"),
    "calls_ratio": ("Glacier calls / the fewest calls the work needs", f"{TARGETS['calls_ratio']:.2f}"),
    "dry_run_no_abort": ("aborts sent by a dry run", "0"),
    "rss_growth_delta_mib": (
        "peak RSS growth from 1,000 to 50,000 stale uploads in one target (MiB)",
        f"< {TARGETS['rss_growth_max_mib']:g}",
    ),
    "import_ratio": (
        "handler import / `import boto3` (fresh interpreter)",
        f"≤ {TARGETS['import_ratio_max']}",
    ),
    "cli_start_s": (
        "`glacier-cleanup --version` / `--help`, whole process (s)",
        f"≤ {TARGETS['cli_start_max_s']}",
    ),
    "shipped_memory_share": (
        "at the shipped memory size's CPU share, 20 ms a call: aborts/s, import (s)",
        f"≥ {TARGETS['shipped_memory_aborts_per_s_min']:g}/s, ≤ {TARGETS['shipped_memory_import_max_s']} s",
    ),
    "demand_under_half_capacity": ("the bench's demand / the emulator's measured capacity", "< 0.5"),
    "rate_limit_useful_fraction": (
        "at a 50 requests/s token bucket, shipped defaults: fraction of the limit used",
        f"≥ {TARGETS['rate_limit_useful_min']}",
    ),
    "rate_limit_throttled_fraction": (
        "the same: fraction of requests throttled",
        f"≤ {TARGETS['rate_limit_throttled_max']}",
    ),
    "rate_limit_failed_aborts": ("the same: failed aborts", "0"),
    "rate_limit_runs_to_converge": ("the same: runs until nothing stale is left", "1"),
    "pacer_grid_cells_met": (
        "pacer grid (10 and 100 requests/s x 5 and 200 ms x 1, 16, 64 threads): cells meeting their targets",
        "all",
    ),
    "pacer_random_over_unpaced": (
        "random throttling 20 % / 50 %, 16 threads: paced time over unpaced (medians), nothing failed",
        f"≤ {TARGETS['random_paced_over_unpaced_max']}",
    ),
    # Retired by the pacer's decision record (0004), kept for the same reason.
    "pacer_random_not_slower_than_sequential": (
        "random throttling 20 % / 50 %: paced 16 threads against a sequential client (x faster, medians)",
        "≥ 1 (retired)",
    ),
    "pacer_neighbour_rise_points": (
        "a neighbour sharing the bucket: its throttling's rise while the cleanup runs (points)",
        f"≤ {TARGETS['neighbour_rise_max_points']:g}",
    ),
}
