"""`make install-check`: what an operator gets from `pip install .` in a clean virtualenv.

Builds a fresh venv from this interpreter, installs the project (its declared dependencies come from PyPI),
then runs the installed `glacier-cleanup`: `--version`, and a dry run against the emulator (started from
the development venv), checking the listing. Prints the timings; exits non-zero on any problem.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from glacier_emulator.handles import ServerProcess  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="glacier-cleanup-install-") as tmp:
        started = time.monotonic()
        target = Path(tmp) / "venv"
        venv.create(target, with_pip=True)
        pip = [
            str(target / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ]
        subprocess.run([*pip, str(REPO)], check=True)  # noqa: S603 - fixed argv
        installed = time.monotonic() - started
        command = str(target / "bin" / "glacier-cleanup")
        site = subprocess.run(  # noqa: S603
            [str(target / "bin" / "python"), "-c", "import glacier_emulator"],
            capture_output=True,
            check=False,
        )
        assert site.returncode != 0, "the emulator must not be installed with the tool"
        version = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)  # noqa: S603
        assert version.stdout.startswith("glacier-cleanup "), version.stdout
        server = ServerProcess()
        try:
            handle = server.handle()
            old = (datetime.now(UTC) - timedelta(days=30)).isoformat()
            handle.seed("backups", 3, creation_date=old)
            environment = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLEANUP_"))},
                "AWS_ENDPOINT_URL": server.url,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1",
                # The tool keeps its looks at uploads here (the user's cache directory by default).
                "XDG_CACHE_HOME": str(Path(tmp) / "cache"),
            }

            def dry_run(*flags: str) -> subprocess.CompletedProcess[str]:
                return subprocess.run(  # noqa: S603
                    [command, "--output", "json", *flags],
                    env=environment,
                    capture_output=True,
                    text=True,
                    check=False,
                )

            first = dry_run()  # the activity check (the default): old uploads seen for the first time
            run = dry_run("--no-activity-check")
        finally:
            server.stop()
        assert first.returncode == 0, first.stderr
        assert [row["action"] for row in json.loads(first.stdout)["uploads"]] == ["kept: first seen"] * 3
        assert (Path(tmp) / "cache" / "glacier-cleanup" / "observations.json").is_file()
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        assert result["dry_run"] is True
        assert [row["action"] for row in result["uploads"]] == ["would abort"] * 3
        print(  # noqa: T201
            f"install-check: `pip install .` in a clean venv took {installed:.1f} s; "
            f"{version.stdout.strip()}; dry run listed {len(result['uploads'])} stale uploads"
        )


if __name__ == "__main__":
    main()
