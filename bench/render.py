"""Render docs/performance.md's measured tables from a bench result (default: bench/results/latest.json).

`make bench` runs it after every bench; `--check` exits 1 when the page does not show that result (a test runs
it), so no figure on the page is typed by hand. Only the parts between the `rendered:` markers are written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from targets import MEASURES

BENCH_DIR = Path(__file__).resolve().parent
PAGE = BENCH_DIR.parent / "docs" / "performance.md"
LATEST = BENCH_DIR / "results" / "latest.json"


def _value(name: str, value: Any) -> str:
    if name == "shipped_memory_share":
        if not value:
            return "not measured"
        return f"{value['aborts_per_s']:g}/s, {value['import_s']:g} s ({value['memory_mb']} MB)"
    if isinstance(value, list):
        return " / ".join(f"{item:g}" for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def targets_table(result: dict[str, Any], _: Path) -> str:
    rows = ["| measure | result | target | met |", "|---|---|---|---|"]
    for name, check in result["targets"].items():
        what, target = MEASURES[name]
        met = "yes" if check["met"] else "**no**"
        rows.append(f"| {what} | {_value(name, check['value'])} | {target} | {met} |")
    return "\n".join(rows)


def memory_table(result: dict[str, Any], _: Path) -> str:
    header = [
        "| memory (MB) | CPU share | import (s) | aborts/s, no limit | USD / 10,000 aborts "
        "| aborts/s at 50 req/s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    by_size: dict[int, dict[str, Any]] = {}
    for row in (result.get("lambda_share") or {}).get("rows", []):
        by_size.setdefault(row["memory_mb"], {})["limited" if row["rate_limit_rps"] else "free"] = row
    rows = []
    for memory, runs in sorted(by_size.items()):
        free, limited = runs.get("free"), runs.get("limited")
        if free is None:
            continue
        at_limit = f"{limited['aborts_per_s']:g}" if limited else "-"
        rows.append(
            f"| {memory} | {free['cpu_share']:g} | {free['import_s']:g} | {free['aborts_per_s']:g} "
            f"| {free['usd_per_10k_aborts']:g} | {at_limit} |"
        )
    if not rows:
        return "The memory sweep did not run for this result (it needs root and a cgroup v1 `cpu` quota)."
    return "\n".join(header + rows)


def sdk_layer_table(result: dict[str, Any], _: Path) -> str:
    sdk = result.get("sdk_layer")
    if not sdk:
        return "The SDK layer was not measured for this result (`python bench/sdk_layer.py` measures it)."
    layer, code = sdk["layer"], sdk["code_asset"]
    lines = [
        f"The SDK layer holds boto3 {sdk['boto3']} and botocore {sdk['botocore']}: {layer['files']} files, "
        f"{layer['unzipped_bytes'] / 1e6:.1f} MB unpacked, {layer['zip_bytes'] / 1e6:.1f} MB zipped (the "
        f"function's own code: {code['zip_bytes'] / 1e3:.0f} kB zipped).",
    ]
    cold = sdk["cold_start"]
    if "skipped" in cold:
        return "\n".join([*lines, "", f"Cold start not measured: {cold['skipped']}."])
    return "\n".join(
        [
            *lines,
            "",
            f"| handler import at {cold['memory_mb']} MB ({cold['cpu_share']:g} of a vCPU), medians of "
            f"{cold['runs']} | seconds | against the runtime's SDK |",
            "|---|---:|---:|",
            "| the runtime's SDK (compiled, as the runtime ships it) "
            f"| {cold['runtime_sdk_import_s']:g} | 1 |",
            f"| the SDK layer, as the stack deploys it (compiled) | {cold['layer_import_s']:g} "
            f"| {cold['layer_over_runtime_sdk']:g} |",
            f"| a layer of the SDK's sources only | {cold['layer_without_pyc_import_s']:g} "
            f"| {cold['without_pyc_over_runtime_sdk']:g} |",
        ]
    )


def source_line(result: dict[str, Any], path: Path) -> str:
    machine = result.get("machine", {})
    minutes = round(float(result.get("bench_seconds", 0)) / 60)
    return (
        f"From `bench/results/{path.name}`: {machine.get('cpu_count', '?')} CPUs, CPython "
        f"{machine.get('python', '?')}; the bench took {minutes} minutes."
    )


SECTIONS: dict[str, Callable[[dict[str, Any], Path], str]] = {
    "source": source_line,
    "targets": targets_table,
    "memory": memory_table,
    "sdk_layer": sdk_layer_table,
}


def render(page: str, result: dict[str, Any], path: Path) -> str:
    for name, build in SECTIONS.items():
        content = build(result, path)
        pattern = re.compile(rf"(<!-- rendered:{name} -->\n).*?(<!-- /rendered:{name} -->)", re.DOTALL)
        if not pattern.search(page):
            raise SystemExit(f"{PAGE}: no <!-- rendered:{name} --> section")
        start, end = pattern.search(page).span()  # type: ignore[union-attr]
        opening, closing = f"<!-- rendered:{name} -->\n", f"<!-- /rendered:{name} -->"
        page = page[:start] + opening + content + "\n" + closing + page[end:]
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render docs/performance.md from a bench result.")
    parser.add_argument("result", nargs="?", type=Path, default=LATEST)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page does not show the result")
    args = parser.parse_args(argv)
    result = json.loads(args.result.read_text(encoding="utf-8"))
    current = PAGE.read_text(encoding="utf-8")
    rendered = render(current, result, args.result)
    if args.check:
        if rendered != current:
            print(f"{PAGE} does not show {args.result}: run `python bench/render.py`", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(rendered, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
