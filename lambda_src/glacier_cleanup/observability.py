"""Logger and Metrics, created once for the whole package.

Both read Powertools' own variables (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE,
POWERTOOLS_LOG_LEVEL); the defaults below apply when they are unset (the stack always sets them).

No Tracer, on purpose: `Tracer()` imports the X-Ray SDK, a large share more init on a scheduled function
where nearly every run is a cold start (the import's measured cost: docs/performance.md). What it would buy
is a subsegment per vault, but the vaults are scanned on pool threads, where the X-Ray context is not
inherited: each task would have to carry the parent entity by hand, and patched botocore would add one
subsegment per Glacier call (thousands per run). The "vault scanned" log line (vault, uploads_found,
duration_ms) and the EMF metrics answer the same questions in Logs Insights and CloudWatch.
"""

from __future__ import annotations

import logging
import os
from typing import IO

from aws_lambda_powertools import Logger, Metrics

DEFAULT_SERVICE_NAME = "glacier-multipart-cleanup"
DEFAULT_METRICS_NAMESPACE = "GlacierMultipartCleanup"

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE_NAME

logger = Logger(service=SERVICE_NAME)
metrics = Metrics(
    service=SERVICE_NAME,
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_METRICS_NAMESPACE,
)


def set_log_stream(stream: IO[str]) -> None:
    """Send log lines elsewhere (the CLI keeps stdout for its result; tests capture the current stdout)."""
    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        # Not setStream(): it flushes the previous stream, which may be closed by now (pytest's capture).
        handler.acquire()
        try:
            handler.stream = stream
        finally:
            handler.release()
