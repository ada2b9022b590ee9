"""`make install-check`: the package as people install it, on every Python it claims.

1. Builds the sdist and the wheel (`python -m build`, isolated, as a publisher would) and checks them as PyPI
   would (`twine check --strict`).
2. Checks the wheel holds the two packages (glacier_cleanup, glacier_cleanup_cdk) and their license, and never
   the emulator, the tests, the bench or the scripts; and that its metadata says what pyproject.toml claims.
3. For each minor of `requires-python` (3.11, 3.12, 3.13; found on PATH or through pyenv), in parallel:
   `pipx install --python <that minor> <wheel>` into a private PIPX_HOME, then
   - the installed `glacier-cleanup --version` names the package's version, and a dry run against the
     emulator lists what the emulator holds;
   - the terminal tool's tests run against the installed package (pytest injected beside it; the
     repository's lambda_src/ is not on the path, a test of this run proves which copy was imported).
Exits non-zero on any problem; prints what it measured.
"""

from __future__ import annotations

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from glacier_emulator.handles import ServerProcess  # noqa: E402

DISTRIBUTION = "glacier-multipart-cleanup"
WHEEL_PACKAGES = {"glacier_cleanup", "glacier_cleanup_cdk"}
# The terminal tool's tests: the CLI in-process and as a command, against fakes and the emulator.
CLI_TESTS = (
    "tests/unit/test_cli.py",
    "tests/unit/terminal/test_state_file.py",
    "tests/integration/test_cli_emulator.py",
    "tests/integration/test_cli_terminal.py",
)
# What those tests need beside the package, at the development pins.
TEST_DISTRIBUTIONS = ("pytest", "pytest-socket", "moto", "sortedcontainers")


def say(line: str) -> None:
    print(f"install-check: {line}", flush=True)  # noqa: T201 - a make target's report


def run(*argv: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv
        [str(arg) for arg in argv], check=True, capture_output=True, text=True, **kwargs
    )


def supported_minors() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds = re.fullmatch(r">=3\.(\d+), <3\.(\d+)", project["requires-python"])
    assert bounds, f"requires-python {project['requires-python']!r}: expected '>=3.X, <3.Y'"
    minors = [f"3.{minor}" for minor in range(int(bounds[1]), int(bounds[2]))]
    classified = sorted(
        c.rsplit(" :: ", 1)[1] for c in project["classifiers"] if re.fullmatch(r".*Python :: 3\.\d+", c)
    )
    assert classified == minors, f"classifiers {classified} != requires-python {minors}"
    return minors


def build(dist: Path) -> tuple[Path, Path]:
    run(sys.executable, "-m", "build", "--outdir", dist, REPO)
    (wheel,), (sdist,) = dist.glob("*.whl"), dist.glob("*.tar.gz")
    run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist)
    return wheel, sdist


def check_wheel(wheel: Path) -> dict[str, object]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_name,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode())
    top = {name.split("/")[0] for name in names}
    packages = {name for name in top if not name.endswith(".dist-info")}
    assert packages == WHEEL_PACKAGES, f"the wheel holds {sorted(packages)}"
    assert not [name for name in names if re.search(r"(^|/)(tests?|conftest\.py|__pycache__)(/|$)", name)]
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), "no LICENSE in the wheel"
    import glacier_cleanup  # noqa: PLC0415 - the version of this checkout

    assert metadata["Version"] == glacier_cleanup.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("Project-URL"), "no project URLs"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "cdk" in (metadata.get_all("Provides-Extra") or [])
    return {"files": len(names), "packages": sorted(packages), "version": metadata["Version"]}


def development_pins() -> list[str]:
    pins = {}
    for line in (REPO / "requirements-dev.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==\S+", line.strip())
        if match:
            pins[match[1].lower()] = match[0]
    return [pins[name] for name in TEST_DISTRIBUTIONS]


def interpreter(minor: str) -> str:
    found = subprocess.run(  # noqa: S603
        [str(REPO / "scripts" / "find-python"), minor], capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        sys.exit(
            f"install-check: the package claims Python {minor}, and none is here: {found.stderr.strip()}"
        )
    return found.stdout.strip()


def check_minor(minor: str, wheel: Path, home: Path, server_url: str) -> dict[str, object]:
    started = time.monotonic()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLEANUP_", "PIPX_"))},
        "PIPX_HOME": str(home / "pipx"),
        "PIPX_BIN_DIR": str(home / "bin"),
        "PIPX_MAN_DIR": str(home / "man"),
    }
    pipx = [sys.executable, "-m", "pipx"]
    run(*pipx, "install", "--python", interpreter(minor), wheel, env=environment)
    installed = time.monotonic() - started
    command = home / "bin" / "glacier-cleanup"
    version = run(command, "--version", env=environment).stdout.strip()
    tool_env = {
        **environment,
        "AWS_ENDPOINT_URL": server_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    listed = json.loads(run(command, "--output", "json", "--no-activity-check", env=tool_env).stdout)
    run(*pipx, "inject", DISTRIBUTION, *development_pins(), env=environment)
    python = home / "pipx" / "venvs" / DISTRIBUTION / "bin" / "python"
    proof = run(python, "-c", "import glacier_cleanup; print(glacier_cleanup.__file__)").stdout.strip()
    assert proof.startswith(str(home)), f"Python {minor} imported {proof}, not the installed wheel"
    tests = subprocess.run(  # noqa: S603
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "pythonpath=.", *CLI_TESTS],
        cwd=REPO,
        env={**environment, "GLACIER_CLEANUP_EXPECT_INSTALLED": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    summary = tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else ""
    if tests.returncode != 0:
        raise AssertionError(
            f"Python {minor}: the CLI tests failed:\n{tests.stdout[-4000:]}\n{tests.stderr[-2000:]}"
        )
    return {
        "python": minor,
        "install_s": round(installed, 1),
        "version": version,
        "dry_run_listed": len(listed["uploads"]),
        "cli_tests": summary,
        "total_s": round(time.monotonic() - started, 1),
    }


def main() -> None:
    minors = supported_minors()
    with tempfile.TemporaryDirectory(prefix="glacier-cleanup-package-") as tmp:
        started = time.monotonic()
        wheel, sdist = build(Path(tmp) / "dist")
        contents = check_wheel(wheel)
        say(f"built {sdist.name} and {wheel.name} in {time.monotonic() - started:.1f} s: {contents}")
        server = ServerProcess()
        try:
            handle = server.handle()
            handle.seed("backups", 3, creation_date=(datetime.now(UTC) - timedelta(days=30)).isoformat())
            with ThreadPoolExecutor(max_workers=len(minors)) as pool:
                results = list(
                    pool.map(lambda minor: check_minor(minor, wheel, Path(tmp) / minor, server.url), minors)
                )
        finally:
            server.stop()
        for result in results:
            assert result["dry_run_listed"] == 3, result
            assert result["version"] == f"glacier-cleanup {contents['version']}", result
            say(str(result))
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
