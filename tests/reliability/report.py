"""The faults table: one row per converging drill, written at the end of the session.

The file goes under pytest's cache directory (`.pytest_cache/d/reliability/`, git-ignored), one per xdist
worker when run with `-n`; without xdist the table is also printed in the terminal summary.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .invariants import RunRecord

REPORT_NAME = "last_drill_report"


@dataclass(frozen=True)
class Row:
    fault: str
    rate: str
    mode: str
    runs: int
    converged: bool
    found: int
    stale: int
    aborted: int
    already_gone: int
    failed: int
    not_reached: int
    faults_injected: int
    abort_calls: int
    statuses: str
    seconds: float


class DrillReport:
    def __init__(self) -> None:
        self._rows: list[Row] = []
        self._lock = threading.Lock()

    def add(self, fault: str, rate: str, mode: str, runs: list[RunRecord], *, converged: bool) -> None:
        first = runs[0].result
        row = Row(
            fault=fault,
            rate=rate,
            mode=mode,
            runs=len(runs),
            converged=converged,
            found=first["uploads_found"],
            stale=first["uploads_stale"],
            aborted=sum(r.result["uploads_aborted"] for r in runs),
            already_gone=sum(r.result["uploads_already_gone"] for r in runs),
            failed=sum(r.result["abort_failures"] + r.result["vault_failures"] for r in runs),
            not_reached=sum(r.result["uploads_not_reached"] + r.result["vaults_not_reached"] for r in runs),
            faults_injected=sum(r.faults_injected() for r in runs),
            abort_calls=sum(r.count("AbortMultipartUpload") for r in runs),
            statuses=" → ".join(
                r.result["status"] + ("" if r.result["complete"] else " (incomplete)") for r in runs
            ),
            seconds=round(sum(r.duration_s for r in runs), 2),
        )
        with self._lock:
            self._rows.append(row)

    @property
    def rows(self) -> list[Row]:
        with self._lock:
            return list(self._rows)

    def markdown(self) -> str:
        header = (
            "| fault | rate | mode | runs to converge | found | stale | aborted | already gone | failed "
            "| not reached | faults injected | abort calls (emulator) | status per run | seconds |"
        )
        lines = [header, "|" + "---|" * 14]
        for r in sorted(self.rows, key=lambda row: (row.fault, row.rate, row.mode)):
            runs = str(r.runs) if r.converged else f"not in {r.runs}"
            lines.append(
                f"| {r.fault} | {r.rate} | {r.mode} | {runs} | {r.found} | {r.stale} | {r.aborted} "
                f"| {r.already_gone} | {r.failed} | {r.not_reached} | {r.faults_injected} | {r.abort_calls} "
                f"| {r.statuses} | {r.seconds} |"
            )
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> Path | None:
        if not self.rows:
            return None
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        path = directory / (f"{REPORT_NAME}-{worker}.md" if worker else f"{REPORT_NAME}.md")
        path.write_text("# Reliability drills: faults table\n\n" + self.markdown(), encoding="utf-8")
        return path


REPORT = DrillReport()
