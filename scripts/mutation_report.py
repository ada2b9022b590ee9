"""The score of a `make mutation` run: per source area, killed / (mutants - equivalent), and the survivors.

Reads mutmut's per-file results (mutants/**/*.meta). Equivalent mutants (no behaviour changes) are listed
with a one-line reason in tests/mutation-equivalent.txt (`<mutant name>  # <reason>`), out of the score. An
entry whose mutant no longer exists (the code moved on) is reported, so the list cannot rot silently.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

# What counts as caught: a failing test, and also a test run that hangs past the time bound (timeout) or
# dies abnormally (suspicious exit code, segfault): CI would fail on those too, as Stryker and mutmut count.
DETECTED = ("killed", "caught by type check", "timeout", "suspicious", "segfault")


def equivalents(path: Path) -> dict[str, str]:
    found = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, _, reason = line.partition("#")
            if name.strip():
                found[name.strip()] = reason.strip()
    return found


def changed_lines(mutant: str, source: Path) -> list[str]:
    """The lines a mutant changes (mutmut's diff without its headers), to read the survivors at a glance."""
    diff = get_diff_for_mutant(mutant, path=source)
    return [
        line.strip()[:150]
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def main(workspace: str) -> None:
    root = Path(workspace)
    equivalent = equivalents(root / "tests" / "mutation-equivalent.txt")
    statuses: dict[str, str] = {}
    sources: dict[str, Path] = {}
    for meta in (root / "mutants").rglob("*.meta"):
        source = meta.relative_to(root / "mutants").with_suffix("")  # glacier_cleanup/cli.py.meta -> .py
        for key, code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
            statuses[key] = status_by_exit_code[code]
            sources[key] = source
    areas: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[tuple[str, str]] = []  # (status, mutant)
    for key, status in sorted(statuses.items()):
        area = "lambda_src" if key.startswith("glacier_cleanup.") else "emulator"
        if key in equivalent:
            areas[area]["equivalent"] += 1
            continue
        if status == "not checked":  # a run of some mutants only (MUTANTS=...): the rest are not scored
            areas[area]["not run"] += 1
            continue
        areas[area][status] += 1
        if status not in DETECTED:
            survivors.append((status, key))
    for area, counts in sorted(areas.items()):
        considered = sum(c for s, c in counts.items() if s not in ("equivalent", "not run"))
        killed = sum(counts[status] for status in DETECTED)
        score = killed / considered if considered else 0.0
        print(f"{area}: {killed} of {considered} non-equivalent mutants killed ({score:.1%}); {dict(counts)}")  # noqa: T201
    print(f"survivors ({len(survivors)}):")  # noqa: T201
    for status, key in survivors:
        print(f"  {status:9}  {key}")  # noqa: T201
        for change in changed_lines(key, sources[key]):
            print(f"      {change}")  # noqa: T201
    print(f"equivalent ({len(equivalent)}), each with its reason in tests/mutation-equivalent.txt")  # noqa: T201
    stale = sorted(name for name in equivalent if name not in statuses)
    if stale:
        print(f"equivalent entries naming no mutant ({len(stale)}): update the list")  # noqa: T201
        for name in stale:
            print(f"  {name}")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
