"""The score of a `make mutation` run: per source area, killed / (mutants - equivalent), and the survivors.

Reads mutmut's per-file results (mutants/**/*.meta). Equivalent mutants (no behaviour changes) are listed
with a one-line reason in tests/mutation-equivalent.txt (`<mutant name>  # <reason>`), out of the score.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code


def equivalents(path: Path) -> dict[str, str]:
    found = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, _, reason = line.partition("#")
            if name.strip():
                found[name.strip()] = reason.strip()
    return found


def main(workspace: str) -> None:
    root = Path(workspace)
    equivalent = equivalents(root / "tests" / "mutation-equivalent.txt")
    statuses: dict[str, str] = {}
    for meta in (root / "mutants").rglob("*.meta"):
        for key, code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
            statuses[key] = status_by_exit_code[code]
    areas: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[str] = []
    for key, status in sorted(statuses.items()):
        area = "lambda_src" if key.startswith("glacier_cleanup.") else "emulator"
        if key in equivalent:
            areas[area]["equivalent"] += 1
            continue
        areas[area][status] += 1
        if status in ("survived", "no tests", "suspicious", "timeout"):
            survivors.append(f"{status:9}  {key}")
    for area, counts in sorted(areas.items()):
        considered = sum(c for s, c in counts.items() if s != "equivalent")
        killed = counts["killed"] + counts["caught by type check"]
        score = killed / considered if considered else 0.0
        print(f"{area}: {killed} of {considered} non-equivalent mutants killed ({score:.1%}); {dict(counts)}")  # noqa: T201
    print(f"survivors ({len(survivors)}):")  # noqa: T201
    for line in survivors:
        print(f"  {line}")  # noqa: T201
    print(f"equivalent ({len(equivalent)}), each with its reason in tests/mutation-equivalent.txt")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
