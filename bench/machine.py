"""What a bench result records about where it ran: the machine, its load, and the code's commit."""

from __future__ import annotations

import os
import platform
import subprocess
from typing import Any

from common import REPO_ROOT


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
