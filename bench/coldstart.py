"""Cold start: how long a fresh interpreter takes to import the handler, beside ``import boto3`` alone,
and the size of the zipped Lambda asset."""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from common import LAMBDA_SOURCE, REPO_ROOT, log
from processes import isolated_environment

HANDLER_MODULE = "glacier_cleanup.handler"
# What infra/glacier_cleanup_cdk/function.py leaves out of the asset (ASSET_EXCLUDES).
EXCLUDED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache"})
EXCLUDED_SUFFIXES = (".pyc",)
_TIMED_IMPORT = (
    "import time; started = time.perf_counter(); import {module}; print(time.perf_counter() - started)"
)
_NOTHING = "import time; print(0.0)"


def _environment(source: Path) -> dict[str, str]:
    return isolated_environment(
        PYTHONPATH=str(source),
        POWERTOOLS_SERVICE_NAME="glacier-multipart-cleanup",
        POWERTOOLS_METRICS_NAMESPACE="GlacierMultipartCleanup",
    )


def _timed(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(seconds the import took inside the interpreter, wall seconds of the whole process)."""
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    return float(output.strip()), time.perf_counter() - started


def import_times(runs: int = 10) -> dict[str, Any]:
    """Medians over `runs` fresh interpreters, interleaved so machine noise hits every variant alike."""
    env = _environment(LAMBDA_SOURCE)
    variants = {
        "bare_interpreter": _NOTHING,
        "boto3": _TIMED_IMPORT.format(module="boto3"),
        "handler": _TIMED_IMPORT.format(module=HANDLER_MODULE),
    }
    inside: dict[str, list[float]] = defaultdict(list)
    wall: dict[str, list[float]] = defaultdict(list)
    for code in variants.values():  # one untimed round: the page cache and .pyc files are warm for all
        _timed(code, env)
    for _ in range(runs):
        for name, code in variants.items():
            seconds, process_seconds = _timed(code, env)
            inside[name].append(seconds)
            wall[name].append(process_seconds)
    bare = statistics.median(wall["bare_interpreter"])
    result: dict[str, Any] = {
        "runs": runs,
        "boto3_import_ms": _ms(statistics.median(inside["boto3"])),
        "handler_import_ms": _ms(statistics.median(inside["handler"])),
        "bare_interpreter_ms": _ms(bare),
        "boto3_process_minus_bare_ms": _ms(statistics.median(wall["boto3"]) - bare),
        "handler_process_minus_bare_ms": _ms(statistics.median(wall["handler"]) - bare),
    }
    result["ratio_handler_to_boto3"] = round(
        statistics.median(inside["handler"]) / statistics.median(inside["boto3"]), 3
    )
    result["ratio_process_minus_bare"] = round(
        result["handler_process_minus_bare_ms"] / result["boto3_process_minus_bare_ms"], 3
    )
    result["handler_import_without_pyc_ms"] = _without_pyc(runs)
    result["top_packages_ms"] = _importtime_by_package(env)
    return result


def cli_start_times(runs: int = 10) -> dict[str, Any]:
    """`glacier-cleanup --version` and `--help`: the installed command as an operator starts it (the venv's
    console script), whole-process wall time, medians of `runs`, interleaved; one untimed round first."""
    command = str(Path(sys.executable).parent / "glacier-cleanup")
    env = isolated_environment()
    timings: dict[str, list[float]] = defaultdict(list)
    flags = ("--version", "--help")
    for flag in flags:
        subprocess.run([command, flag], env=env, capture_output=True, check=True)
    for _ in range(runs):
        for flag in flags:
            started = time.perf_counter()
            subprocess.run([command, flag], env=env, capture_output=True, check=True)
            timings[flag].append(time.perf_counter() - started)
    result = {f"{flag.strip('-')}_s": round(statistics.median(timings[flag]), 3) for flag in flags}
    log(f"cli start: {result}")
    return {"runs": runs, **result}


def _without_pyc(runs: int) -> float:
    """The handler import with lambda_src compiled at import, as in Lambda (the asset has no __pycache__ and
    /var/task is read-only); third-party packages keep their .pyc."""
    with tempfile.TemporaryDirectory(prefix="bench-asset-") as temp:
        source = Path(temp) / "lambda_src"
        shutil.copytree(LAMBDA_SOURCE, source, ignore=shutil.ignore_patterns(*EXCLUDED_DIRS, "*.pyc"))
        env = {**_environment(source), "PYTHONDONTWRITEBYTECODE": "1"}
        code = _TIMED_IMPORT.format(module=HANDLER_MODULE)
        return _ms(statistics.median(_timed(code, env)[0] for _ in range(runs)))


def _importtime_by_package(env: dict[str, str]) -> dict[str, float]:
    """``python -X importtime``: self time summed per top-level package, largest first (one run)."""
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {HANDLER_MODULE}"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    per_package: dict[str, int] = defaultdict(int)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        per_package[name.split(".")[0]] += int(self_us)
    top = sorted(per_package.items(), key=lambda item: item[1], reverse=True)[:8]
    return {name: round(micros / 1000, 1) for name, micros in top}


def asset_size() -> dict[str, Any]:
    """lambda_src zipped in memory (deflate), without caches: what the CDK asset uploads."""
    buffer = io.BytesIO()
    files = 0
    raw = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for directory, dirnames, filenames in os.walk(LAMBDA_SOURCE):
            dirnames[:] = sorted(name for name in dirnames if name not in EXCLUDED_DIRS)
            for filename in sorted(filenames):
                if filename.endswith(EXCLUDED_SUFFIXES):
                    continue
                path = Path(directory) / filename
                archive.write(path, path.relative_to(LAMBDA_SOURCE))
                files += 1
                raw += path.stat().st_size
    log(f"asset: {files} files, {raw} bytes, zipped {buffer.tell()} bytes")
    return {"zip_bytes": buffer.tell(), "files": files, "uncompressed_bytes": raw}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# What the handler imports beyond boto3, by module (cumulative import time from -X importtime).
BREAKDOWN_MODULES = (
    "pydantic",
    "aws_lambda_powertools.utilities.parser",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.logging",
    "glacier_cleanup.core.models",
    "glacier_cleanup.inputs.settings",
    "glacier_cleanup.inputs.events",
    "glacier_cleanup.core.engine",
)


def import_breakdown(runs: int = 5) -> dict[str, Any]:
    """Medians of `python -X importtime -c "import boto3; import <handler>"`: each module's cumulative
    import time (its own code plus what it imported first), with boto3 already loaded. For a model
    module, its own time is mostly pydantic building the models' validators."""
    env = _environment(LAMBDA_SOURCE)
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        stderr = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import boto3; import {HANDLER_MODULE}"],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        seen: dict[str, tuple[int, int]] = {}
        for line in stderr.splitlines():
            parts = [part.strip() for part in line.removeprefix("import time:").split("|")]
            if len(parts) == 3 and parts[0].isdigit():
                seen.setdefault(parts[2], (int(parts[0]), int(parts[1])))
        for module in BREAKDOWN_MODULES:
            own, cumulative = seen.get(module, (0, 0))
            samples[f"{module}_cumulative_ms"].append(cumulative / 1000)
            samples[f"{module}_own_ms"].append(own / 1000)
    return {name: round(statistics.median(values), 1) for name, values in samples.items()}
