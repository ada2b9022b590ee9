"""What the SDK layer costs (infra/glacier_cleanup_cdk/sdk_layer.py): its size, and the function's cold start
at the shipped memory's CPU share with the layer against the runtime's own SDK.

Cold start here is a fresh interpreter importing the handler, in a cgroup limited to the shipped memory's
CPU share (bench/lambda_share.py), as in Lambda's init. Three layouts, interleaved, medians:
- `runtime_sdk`: the code asset, then this environment's packages (where the runtime's SDK would be, with
  their compiled files, as the runtime ships them);
- `layer`: the code asset, then the SDK layer as the stack deploys it, then the same packages;
- `layer_without_pyc`: the same layer without its compiled files (what a layer of sources alone costs: Lambda
  cannot write them, /opt is read-only, so it compiles the SDK at every cold start).
The code asset has no compiled files in any layout (Lambda's /var/task neither).

`python bench/sdk_layer.py` prints the JSON and stores it in bench/results/latest.json under `sdk_layer`,
then renders docs/performance.md; `make bench` measures it with everything else.
"""

from __future__ import annotations

import io
import json
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

from common import ONE_VCPU_MB, REPO_ROOT, log
from glacier_cleanup_cdk.config.schema import CleanupSettings
from glacier_cleanup_cdk.function import HANDLER
from glacier_cleanup_cdk.lambda_defaults import function_source
from glacier_cleanup_cdk.sdk_layer import installed_versions, layer_source
from lambda_share import cgroup_unavailable, cpu_share
from processes import isolated_environment

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
_IMPORT = "import time; s = time.perf_counter(); import {module}; print(time.perf_counter() - s)"


def zipped(directory: Path) -> dict[str, int]:
    """`directory` zipped in memory (deflate), as the CDK uploads an asset."""
    buffer = io.BytesIO()
    files = raw = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory))
                files += 1
                raw += path.stat().st_size
    return {"files": files, "unzipped_bytes": raw, "zip_bytes": buffer.tell()}


def _without_pyc(source: Path, into: Path) -> Path:
    shutil.copytree(source, into, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return into


def _import_seconds(pythonpath: list[Path], group: Path) -> float:
    env = isolated_environment(
        PYTHONPATH=os.pathsep.join(str(p) for p in pythonpath),
        PYTHONDONTWRITEBYTECODE="1",
        POWERTOOLS_SERVICE_NAME="glacier-multipart-cleanup",
        POWERTOOLS_METRICS_NAMESPACE="GlacierMultipartCleanup",
    )
    module = HANDLER.rsplit(".", 1)[0]
    argv = [sys.executable, "-c", _IMPORT.format(module=module)]
    argv = ["sh", "-c", f'echo $$ > "{group}/cgroup.procs" && exec "$0" "$@"', *argv]
    output = subprocess.run(argv, env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return float(output.stdout.strip())


def measure(runs: int = 10, memory_mb: int | None = None) -> dict[str, Any]:
    memory = memory_mb or CleanupSettings().memory_mb
    layer = layer_source()
    versions = installed_versions()
    result: dict[str, Any] = {
        "boto3": versions["boto3"],
        "botocore": versions["botocore"],
        "layer": zipped(layer),
        "code_asset": zipped(function_source()),
    }
    reason = cgroup_unavailable()
    if reason:
        log(f"sdk layer: cold start not measured: {reason}")
        return {**result, "cold_start": {"skipped": reason}}
    with tempfile.TemporaryDirectory(prefix="bench-sdk-layer-") as temp:
        asset = _without_pyc(function_source(), Path(temp) / "asset")
        bare_layer = _without_pyc(layer, Path(temp) / "layer")
        layouts = {
            "runtime_sdk": [asset],
            "layer": [asset, layer / "python"],
            "layer_without_pyc": [asset, bare_layer / "python"],
        }
        samples: dict[str, list[float]] = defaultdict(list)
        with cpu_share(memory) as group:
            for path in layouts.values():  # one untimed round: the page cache is warm for every layout
                _import_seconds(path, group)
            for _ in range(runs):
                for name, path in layouts.items():
                    samples[name].append(_import_seconds(path, group))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    result["cold_start"] = {
        "memory_mb": memory,
        "cpu_share": round(min(memory, ONE_VCPU_MB) / ONE_VCPU_MB, 3),
        "runs": runs,
        **{f"{name}_import_s": round(seconds, 3) for name, seconds in medians.items()},
        "layer_over_runtime_sdk": round(medians["layer"] / medians["runtime_sdk"], 3),
        "without_pyc_over_runtime_sdk": round(medians["layer_without_pyc"] / medians["runtime_sdk"], 3),
    }
    log(f"sdk layer: {json.dumps(result)}")
    return result


def main() -> int:
    started = time.perf_counter()
    measured = measure()
    measured["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(measured, indent=2))
    document = json.loads(RESULTS.read_text(encoding="utf-8"))
    document["sdk_layer"] = measured
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    render = [sys.executable, str(Path(__file__).with_name("render.py"))]
    return subprocess.run(render, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
