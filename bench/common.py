"""Shared pieces of the benchmarks: scenarios, the minimal call count, seeding, progress on stderr.

Not a test module (pytest only collects tests/).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from glacier_emulator.handles import ServerHandle

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
LAMBDA_SOURCE = REPO_ROOT / "lambda_src"
ONE_VCPU_MB = 1769  # Lambda: one full vCPU at 1,769 MB

# Glacier's page sizes (docs/glacier-api-facts): ListVaults 10, ListMultipartUploads 50.
VAULTS_PAGE = 10
UPLOADS_PAGE = 50
# Far older than the default 168 h threshold, and "fresh" = one hour old (never stale).
STALE_DATE = "2020-01-01T00:00:00.000Z"
FRESH_AGE = timedelta(hours=1)

LIST_VAULTS = "ListVaults"
LIST_UPLOADS = "ListMultipartUploads"
ABORT = "AbortMultipartUpload"
OPERATIONS = (LIST_VAULTS, LIST_UPLOADS, ABORT)

_STARTED = time.monotonic()


def log(message: str) -> None:
    """Human-readable progress: stderr only (stdout carries the JSON result)."""
    print(f"[bench {time.monotonic() - _STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def pages(items: int, page_size: int) -> int:
    """Calls to list `items` things: an empty listing still takes one call."""
    return max(1, math.ceil(items / page_size))


@dataclass(frozen=True)
class Scenario:
    """`vaults` vaults, each with `stale` stale and `fresh` fresh in-progress uploads."""

    vaults: int
    stale: int
    fresh: int
    prefix: str = "bench"

    @property
    def vault_names(self) -> list[str]:
        return [f"{self.prefix}-{index:04d}" for index in range(self.vaults)]

    @property
    def stale_total(self) -> int:
        return self.vaults * self.stale

    @property
    def uploads_total(self) -> int:
        return self.vaults * (self.stale + self.fresh)

    @property
    def vault_pages(self) -> int:
        """P: ListVaults pages."""
        return pages(self.vaults, VAULTS_PAGE)

    @property
    def upload_pages_per_vault(self) -> int:
        """p_v: ListMultipartUploads pages of one vault (the same for every vault here)."""
        return pages(self.stale + self.fresh, UPLOADS_PAGE)

    def minimal_calls(self, *, dry_run: bool = False) -> dict[str, int]:
        """What a run over every vault cannot do with less: every page once, one abort per stale upload."""
        return {
            LIST_VAULTS: self.vault_pages,
            LIST_UPLOADS: self.vaults * self.upload_pages_per_vault,
            ABORT: 0 if dry_run else self.stale_total,
        }

    def t_min(self, latency_s: float, concurrency: int) -> float:
        """L x max(P + max_v p_v, N / C): the longest dependent chain of calls, or the work spread over C."""
        chain = self.vault_pages + self.upload_pages_per_vault
        calls = sum(self.minimal_calls().values())
        return latency_s * max(chain, calls / concurrency)

    def describe(self) -> dict[str, Any]:
        return {
            "vaults": self.vaults,
            "stale_per_vault": self.stale,
            "fresh_per_vault": self.fresh,
            "stale_total": self.stale_total,
            "uploads_total": self.uploads_total,
            "list_vaults_pages": self.vault_pages,
            "upload_pages_per_vault": self.upload_pages_per_vault,
            "calls_min": self.minimal_calls(),
            "calls_min_total": sum(self.minimal_calls().values()),
        }


def seed(handle: ServerHandle, scenario: Scenario) -> float:
    """Reset the emulator and seed the scenario through the bulk endpoint; returns the seconds it took."""
    started = time.perf_counter()
    handle.reset()
    fresh_date = (datetime.now(UTC) - FRESH_AGE).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for name in scenario.vault_names:
        handle.seed(name, scenario.stale, creation_date=STALE_DATE)
        if scenario.fresh:
            handle.seed(name, scenario.fresh, creation_date=fresh_date)
    return time.perf_counter() - started


def operation_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """Per-operation totals from ``/_emulator/stats``, and every outcome that was not "ok"."""
    operations: dict[str, dict[str, int]] = stats.get("operations", {})
    counts = {name: operations.get(name, {}).get("total", 0) for name in OPERATIONS}
    others = {name: ops["total"] for name, ops in operations.items() if name not in OPERATIONS}
    not_ok = {
        f"{name}:{outcome}": count
        for name, ops in operations.items()
        for outcome, count in ops.items()
        if outcome not in {"total", "ok"} and count
    }
    return {"by_operation": counts, "other_operations": others, "not_ok": not_ok, "total": stats["total"]}


def calls_check(stats: dict[str, Any], expected: dict[str, int]) -> dict[str, Any]:
    """Compare what the emulator saw with the minimal calls: ratio and whether each operation matches."""
    seen = operation_counts(stats)
    expected_total = sum(expected.values())
    return {
        "calls": seen["by_operation"],
        "calls_total": seen["total"],
        "calls_min": expected,
        "calls_min_total": expected_total,
        "calls_ratio": round(seen["total"] / expected_total, 4) if expected_total else None,
        "exact": seen["by_operation"] == expected and not seen["other_operations"] and not seen["not_ok"],
        "other_operations": seen["other_operations"],
        "not_ok": seen["not_ok"],
    }
