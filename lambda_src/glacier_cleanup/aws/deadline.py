"""Every AWS call of a run ends before the function's deadline: attempt timeouts, and no retry that cannot end
in time.

Lambda ends an invocation at its timeout with no result and no metrics, so a call must never outlast it. The
engine starts a call only while `time_margin` remains (core/engine.py `_may_call`); here each call is held to
that margin:
- an attempt waits at most `CONNECT_SECONDS` to connect and `READ_SECONDS` for each read (botocore's own
  defaults are 60 s each: one attempt at an endpoint that accepts and never answers would outlast the margin);
- a retry starts only while its longest backoff (botocore's standard and adaptive modes cap it at
  `MAX_BACKOFF_SECONDS`), a whole attempt and `FINISH_SECONDS` still fit in the time left. Otherwise the last
  attempt's error is the call's answer: the engine records it as it records any failed call, and an upload is
  never aborted on a call that failed.

So a margin of at least `ATTEMPT_SECONDS + FINISH_SECONDS` (the default is 30 s) makes the function return
its result and metrics before its deadline whatever an endpoint does (docs/reliability.md: the hung-endpoint
drill).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.config import Config

CONNECT_SECONDS = 5.0
READ_SECONDS = 15.0
ATTEMPT_SECONDS = CONNECT_SECONDS + READ_SECONDS
MAX_BACKOFF_SECONDS = 20.0
# Kept for what follows the last call: recording the outcome, publishing the metrics, returning the result.
FINISH_SECONDS = 5.0
# Time left below which no retry starts.
RETRY_CUTOFF_SECONDS = MAX_BACKOFF_SECONDS + ATTEMPT_SECONDS + FINISH_SECONDS


def attempt_timeouts() -> Config:
    """The connect and read timeouts of every client the function and the terminal tool create."""
    return Config(connect_timeout=CONNECT_SECONDS, read_timeout=READ_SECONDS)


def stop_retries_near_deadline(events: Any, service: str, seconds_remaining: Callable[[], float]) -> None:
    """Register on a client's `meta.events`: once less than `RETRY_CUTOFF_SECONDS` remain, a failed attempt
    is not retried. First among the needs-retry handlers: its `False` is the answer botocore takes."""

    def needs_retry(**_: object) -> bool | None:
        if seconds_remaining() < RETRY_CUTOFF_SECONDS:
            return False
        return None

    events.register_first(f"needs-retry.{service}", needs_retry)
