"""Builds the bundled Powertools layer (`make layer`): Powertools and pydantic at the versions pinned in
requirements.txt, as Lambda's Linux wheels for the function's runtime and architecture, under
.build/powertools-layer/<version>-<architecture>-<runtime>/python/.

Used where the public Powertools layer is not published (China, or `powertools_layer: bundled`). pip
downloads wheels for the target platform only (--only-binary), so no compiler and no Docker are needed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glacier_cleanup_cdk.lambda_defaults import ARCHITECTURE, RUNTIME
from glacier_cleanup_cdk.paths import REQUIREMENTS
from glacier_cleanup_cdk.powertools import bundled_layer_directory, pinned_powertools_version

PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}


def pinned(distribution: str) -> str:
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        match = re.match(rf"^{re.escape(distribution)}==(\S+)", line.strip())
        if match:
            return f"{distribution}=={match.group(1)}"
    raise SystemExit(f"{REQUIREMENTS}: no exact pin for {distribution}")


def main() -> None:
    version = pinned_powertools_version()
    target = bundled_layer_directory(version=version, architecture=ARCHITECTURE.name, runtime=RUNTIME.name)
    if target.exists():
        shutil.rmtree(target)
    python_version = RUNTIME.name.removeprefix("python")
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(target / "python"),
        "--platform", PLATFORMS[ARCHITECTURE.name],
        "--implementation", "cp",
        "--python-version", python_version,
        "--only-binary=:all:",
        f"aws-lambda-powertools=={version}",
        pinned("pydantic"),
    ]  # fmt: skip
    subprocess.run(command, check=True)  # noqa: S603 - fixed argv
    print(f"bundled Powertools layer: {target}")  # noqa: T201


if __name__ == "__main__":
    main()
