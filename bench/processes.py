"""The processes a benchmark starts: the emulator server and the handler worker. Both always get stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from common import BENCH_DIR, LAMBDA_SOURCE, ONE_VCPU_MB, REPO_ROOT

from glacier_emulator.handles import ServerHandle, ServerProcess

REGION = "us-east-1"
DUMMY_KEY = "testing"
# Variables of the calling shell that could send boto3 elsewhere (profiles, proxies, real credentials).
_DROPPED_PREFIXES = ("AWS_", "CLEANUP_", "POWERTOOLS_")
_DROPPED = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy", "PYTHONPATH"}


@contextmanager
def emulator(latency_ms: float = 0.0, *options: str) -> Iterator[ServerHandle]:
    """``python -m glacier_emulator`` on a free loopback port; terminated however the block ends."""
    options = (*(["--latency-ms", str(latency_ms)] if latency_ms else []), *options)
    server = ServerProcess(*options)
    try:
        yield server.handle(REGION)
    finally:
        server.stop()


def glacier_client(endpoint_url: str, *, max_attempts: int) -> Any:
    """A plain boto3 Glacier client on the emulator with the dummy keys (a client that is not the handler)."""
    import boto3  # noqa: PLC0415 - only the benchmarks that need a client of their own pay the import
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client(
        "glacier",
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=DUMMY_KEY,
        aws_secret_access_key=DUMMY_KEY,
        config=Config(retries={"total_max_attempts": max_attempts, "mode": "standard"}),
    )


def isolated_environment(**extra: str) -> dict[str, str]:
    """This environment minus AWS/cleanup/proxy settings, plus dummy credentials and `extra`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_DROPPED_PREFIXES) and name not in _DROPPED
    }
    env.update(
        {
            "AWS_ACCESS_KEY_ID": DUMMY_KEY,
            "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    env.update(extra)
    return env


def function_environment(endpoint_url: str, concurrency: int, **settings: str) -> dict[str, str]:
    """The function's settings, pointed at the emulator; lambda_src is the import root, as in Lambda.
    `settings`: more CLEANUP_* variables (e.g. CLEANUP_RETRY_MODE)."""
    # The scenarios measure the age rule's throughput; bench/activity.py turns the check on itself.
    settings = {"CLEANUP_ACTIVITY_CHECK": "false", **settings}
    return isolated_environment(
        **settings,
        AWS_ENDPOINT_URL_GLACIER=endpoint_url,
        CLEANUP_CONCURRENCY=str(concurrency),
        CLEANUP_DRY_RUN="false",
        POWERTOOLS_SERVICE_NAME="glacier-multipart-cleanup",
        POWERTOOLS_METRICS_NAMESPACE="GlacierMultipartCleanup",
        POWERTOOLS_LOG_LEVEL="INFO",
        PYTHONPATH=str(LAMBDA_SOURCE),
    )


class HandlerWorker:
    """bench/worker.py in a fresh interpreter: one ``invoke()`` = one ``lambda_handler`` call."""

    def __init__(
        self,
        endpoint_url: str,
        concurrency: int,
        *,
        cgroup: Path | None = None,
        memory_mb: int = ONE_VCPU_MB,
        **settings: str,
    ) -> None:
        """With `cgroup`, the worker joins that cgroup before Python starts (bench/lambda_share.py);
        `memory_mb` is the size whose CPU share it has, as Lambda tells its functions (default: a whole
        core's)."""
        argv = [sys.executable, str(BENCH_DIR / "worker.py")]
        if cgroup is not None:
            argv = ["sh", "-c", f'echo $$ > "{cgroup}/cgroup.procs" && exec "$0" "$@"', *argv]
        self.process = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env=function_environment(
                endpoint_url, concurrency, AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(memory_mb), **settings
            ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            self.ready = self._receive()
        except BaseException:
            self.process.kill()
            self.close()
            raise

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps({"event": event}) + "\n")
        stdin.flush()
        return self._receive()

    def _receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"handler worker exited with code {self.process.wait()}")
        message: dict[str, Any] = json.loads(line)
        return message

    def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> HandlerWorker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None and self.process.poll() is None:
            self.process.kill()
        self.close()
