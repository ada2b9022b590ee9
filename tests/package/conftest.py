"""A virtualenv with the freshly built wheel and its `[cdk]` extra, as a team's own CDK app would have it."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


@dataclass(frozen=True)
class Library:
    python: Path
    wheel: Path

    def environment(self) -> dict[str, str]:
        """No repository on the path; Node (for jsii) from the development venv, as a user has their own."""
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "JSII_DEPRECATED"}}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env["JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION"] = "1"
        env["JSII_DEPRECATED"] = "fail"
        return env

    def run(self, *argv: str, cwd: Path, extra_env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [str(self.python), *argv],
            cwd=cwd,
            env={**self.environment(), **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"{argv}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("library")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(REPO)],
        capture_output=True,
        check=True,
        timeout=600,
    )
    (wheel,) = (root / "dist").glob("*.whl")
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"{wheel}[cdk]"],
        capture_output=True,
        check=True,
        timeout=900,
    )
    return Library(python=python, wheel=wheel)
