"""Child process that runs the real Lambda handler, one invocation per command, like a warm Lambda sandbox.

Started by bench/run.py with the function's environment already set (CLEANUP_*, AWS_ENDPOINT_URL_GLACIER,
dummy credentials). Protocol, one JSON object per line:
- on start it prints ``{"ready": true, "import_seconds": ..., "peak_rss_kib": ...}``;
- for each ``{"event": {...}}`` read from stdin it runs ``lambda_handler`` once and prints the result with
  its wall time, CPU time and peak RSS;
- EOF on stdin ends it.

The function's log lines and EMF metrics (stdout in Lambda) go to /dev/null here, so their formatting cost is
still paid, while the protocol keeps the real stdout.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from dataclasses import dataclass
from typing import IO, Any


@dataclass
class FakeLambdaContext:
    """What the handler and Powertools read from Lambda's context; time never runs out."""

    function_name: str = "glacier-multipart-cleanup"
    function_version: str = "$LATEST"
    # What Lambda sets for its runtime; bench/processes.py sets it to the size whose CPU share the worker has.
    # Unset (in-process users, a whole core): common.ONE_VCPU_MB, not imported: the timed import stays bare.
    memory_limit_in_mb: int = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1769"))
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:glacier-multipart-cleanup"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    log_group_name: str = "/aws/lambda/glacier-multipart-cleanup"
    log_stream_name: str = "2026/11/25/[$LATEST]bench"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def ru_maxrss_kib() -> int:
    """``getrusage`` peak RSS. On Linux it survives execve: a child starts with its parent's peak at fork,
    so a small child of a big parent reports the parent's figure. Kept for reference; use ``peak_rss_kib``."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def peak_rss_kib() -> int:
    """This process's own peak RSS (VmHWM: the high-water mark of its address space, new at execve)."""
    return _status_kib("VmHWM:")


def current_rss_kib() -> int:
    return _status_kib("VmRSS:")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    protocol: IO[str] = sys.stdout
    devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    started = time.perf_counter()
    from glacier_cleanup import handler  # noqa: PLC0415 - timed import, after the environment is set
    from glacier_cleanup.observability import set_log_stream  # noqa: PLC0415

    import_seconds = time.perf_counter() - started
    set_log_stream(devnull)
    sys.stdout = devnull  # Powertools prints the EMF blob with print()

    def send(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    send(
        {
            "ready": True,
            "import_seconds": import_seconds,
            "peak_rss_kib": peak_rss_kib(),
            "rss_kib": current_rss_kib(),
            "ru_maxrss_kib": ru_maxrss_kib(),
        }
    )
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        context = FakeLambdaContext(aws_request_id=f"bench-{time.time_ns()}")
        peak_before = peak_rss_kib()
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        result = handler.lambda_handler(command["event"], context)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        send(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds() - cpu_before,
                "result": result,
                "peak_rss_before_kib": peak_before,
                "peak_rss_kib": peak_rss_kib(),
                "rss_kib": current_rss_kib(),
                "ru_maxrss_kib": ru_maxrss_kib(),
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
