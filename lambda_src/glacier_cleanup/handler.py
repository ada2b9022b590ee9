"""Lambda entry point (`glacier_cleanup.handler.lambda_handler`): parse, run the engine once, report.

A bad setting or a bad event makes the invocation fail with `SettingsError` / `InvalidEventError` (Lambda
shows it as a function error with that message; the stack's error alarm and dead-letter queue see it).
Nothing is listed or aborted then. Glacier faults never raise: they are in the result and the metrics.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from glacier_cleanup.engine import GlacierPort, run_cleanup
from glacier_cleanup.events import ScheduleEvent, parse_event
from glacier_cleanup.glacier import GlacierAdapter, create_client, create_session
from glacier_cleanup.models import RunSummary
from glacier_cleanup.observability import logger, metrics
from glacier_cleanup.settings import Settings, SettingsError


@dataclass(frozen=True)
class Runtime:
    """What an execution environment keeps between invocations: the settings and a way to reach Glacier."""

    settings: Settings
    open_glacier: Callable[[], GlacierPort]


@functools.cache
def get_runtime() -> Runtime:
    """Validate the settings and set up the boto3 session once per execution environment.

    An exception is not cached, so with a bad setting every invocation fails with the same clear message.
    """
    settings = Settings.from_environ(os.environ)
    session = create_session()

    def open_glacier() -> GlacierPort:
        # A client per run, from the cached session: botocore's retry quota (500 tokens, 14 per retried
        # 5xx, refilled only by successes) lives on the client. A client cached by a warm environment would
        # carry an outage's empty quota into the next runs, which then stop retrying at all.
        client = create_client(
            session=session,
            max_attempts=settings.max_attempts,
            retry_mode=settings.retry_mode,
            concurrency=settings.concurrency,
        )
        return GlacierAdapter(client, account_id=settings.account_id)

    return Runtime(settings=settings, open_glacier=open_glacier)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        runtime = get_runtime()
    except SettingsError as exc:
        logger.error("invalid settings: nothing was done", error=str(exc))
        raise
    request = parse_event(event)  # InvalidEventError propagates: the invocation fails, nothing was done
    if isinstance(request, ScheduleEvent):
        logger.append_keys(trigger="schedule", scheduled_time=request.scheduled_time)
        overrides: dict[str, Any] = {}
    else:
        logger.append_keys(trigger="on_demand")
        overrides = request.overrides()
    plan = runtime.settings.to_plan(**overrides)
    # Per invocation (Powertools clears dimensions after each flush): alarms of two targets in one account
    # and region read disjoint series.
    metrics.add_dimension(name="target", value=runtime.settings.target)
    summary = run_cleanup(
        runtime.open_glacier(),
        plan,
        seconds_remaining=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    publish_metrics(summary)
    return summary.to_result()


def publish_metrics(summary: RunSummary) -> None:
    """The run's counters as EMF metrics, named as the stack's alarms expect (docs/design.md)."""
    counts = {
        "VaultsScanned": summary.vaults_scanned,
        "UploadsFound": summary.uploads_found,
        "UploadsStale": summary.uploads_stale,
        "UploadsAborted": summary.uploads_aborted,
        "UploadsAlreadyGone": summary.uploads_already_gone,
        "AbortFailures": summary.abort_failures,
        "VaultFailures": summary.vault_failures,
        "RunIncomplete": 0 if summary.fully_covered else 1,
        # Configured vaults that do not exist (a misspelled name must not pass as "nothing to do").
        "VaultsNotFound": summary.vaults_gone if summary.vaults_configured else 0,
        # One per run, whatever happened: the "did not run" alarm's heartbeat.
        "Runs": 1,
    }
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
