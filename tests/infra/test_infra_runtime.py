"""What Lambda runs is what the tests run: the runtime, the venv's Python, ruff and mypy agree; the pins
hold only what the function imports; the type stubs follow boto3."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from glacier_cleanup_cdk.function import RUNTIME
from infra_helpers import REPO_ROOT


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==(\S+)", line.strip())
        if match:
            found[match.group(1).lower()] = match.group(3)
    return found


def minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def test_lambda_runtime_is_the_interpreter_running_the_tests() -> None:
    running = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert RUNTIME.name == running, f"Lambda runs {RUNTIME.name}, the tests run {running}"


def test_makefile_targets_the_runtime_and_ruff_and_mypy_the_lowest_supported_python() -> None:
    version = RUNTIME.name.removeprefix("python")
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^PYTHON_VERSION := {re.escape(version)}$", makefile, re.M)
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # The package claims more Pythons than Lambda runs: lint and types hold it to the lowest of them.
    lowest = re.match(r">=(3\.\d+)", pyproject["project"]["requires-python"])
    assert lowest is not None
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + lowest[1].replace(".", "")
    assert pyproject["tool"]["mypy"]["python_version"] == lowest[1]
    # ... and the runtime is one of them.
    assert f"Programming Language :: Python :: {version}" in pyproject["project"]["classifiers"]


def test_every_runtime_pin_is_imported_by_the_function() -> None:
    sources = "\n".join(path.read_text(encoding="utf-8") for path in (REPO_ROOT / "lambda_src").rglob("*.py"))
    imported = set(re.findall(r"^\s*(?:from|import) ([A-Za-z0-9_]+)", sources, re.M))
    for distribution in pins(REPO_ROOT / "requirements.txt"):
        module = distribution.replace("-", "_")
        assert module in imported, f"requirements.txt pins {distribution}, which lambda_src never imports"


def test_type_stubs_follow_boto3_minor() -> None:
    runtime, dev = pins(REPO_ROOT / "requirements.txt"), pins(REPO_ROOT / "requirements-dev.txt")
    assert minor(dev["boto3-stubs"]) == minor(runtime["boto3"])
    assert minor(runtime["botocore"]) == minor(runtime["boto3"])
