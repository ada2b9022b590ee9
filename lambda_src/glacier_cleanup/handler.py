"""Lambda entry point (`glacier_cleanup.handler.lambda_handler`): parse, run the engine once, report.

A target event (organization mode) first assumes the member role in the event's account; a role that
cannot be assumed is the result `no_access`, not an error.

A bad setting or a bad event makes the invocation fail with `SettingsError` / `InvalidEventError` (Lambda
shows it as a function error with that message; the stack's error alarm and dead-letter queue see it).
Nothing is listed or aborted then. Glacier faults never raise: they are in the result and the metrics.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.shared.version import VERSION as POWERTOOLS_VERSION
from aws_lambda_powertools.utilities.typing import LambdaContext

from glacier_cleanup.aws.glacier import (
    AwsSession,
    GlacierAdapter,
    create_client,
    create_session,
    sdk_description,
)
from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.aws.results_bucket import PlannedTargetsError, RunStore
from glacier_cleanup.aws.roles import TemporaryCredentials, assume_member_role, session_name
from glacier_cleanup.aws.vaults import VaultAdapter
from glacier_cleanup.core.activity import ObservationStore
from glacier_cleanup.core.counters import BYTE_COUNTS, COUNTS
from glacier_cleanup.core.engine import GlacierPort, SecondsRemaining, no_access_summary, run_cleanup
from glacier_cleanup.core.models import CleanupPlan, NoAccessError, RunSummary
from glacier_cleanup.core.notice import Notice
from glacier_cleanup.core.ports import VaultPort
from glacier_cleanup.core.records import Collected
from glacier_cleanup.inputs.events import InvalidEventError, ScheduleEvent, TargetEvent, parse_event
from glacier_cleanup.inputs.guardrails import refuse_loosening
from glacier_cleanup.inputs.settings import Settings, SettingsError
from glacier_cleanup.observability import logger, metrics
from glacier_cleanup.recording import left_behind, run_context, run_summary_message
from glacier_cleanup.retiring import retire_vaults


@dataclass(frozen=True)
class Runtime:
    """What an execution environment keeps between invocations: the settings and a way to reach Glacier."""

    settings: Settings
    session: AwsSession
    # The SDK, Powertools and retry configuration this environment runs (logged once, in every result).
    sdk: dict[str, Any] = field(default_factory=dict)

    def open_glacier(
        self,
        *,
        region: str | None = None,
        credentials: TemporaryCredentials | None = None,
        seconds_remaining: SecondsRemaining | None = None,
    ) -> GlacierPort:
        # A client per run, from the cached session: botocore's retry quota (500 tokens, 14 per retried
        # 5xx, refilled only by successes) lives on the client. A client cached by a warm environment would
        # carry an outage's empty quota into the next runs, which then stop retrying at all.
        client = create_client(
            region=region,
            credentials=credentials,
            seconds_remaining=seconds_remaining,
            **self._client_options(),
        )
        return GlacierAdapter(client, account_id=self.settings.account_id)

    def open_vaults(
        self, *, seconds_remaining: SecondsRemaining | None = None
    ) -> tuple[VaultPort, GlacierPort]:
        """The vault-level calls and the upload calls on one new client, in the function's own account."""
        client = create_client(seconds_remaining=seconds_remaining, **self._client_options())
        account_id = self.settings.account_id
        return VaultAdapter(client, account_id=account_id), GlacierAdapter(client, account_id=account_id)

    def _client_options(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "max_attempts": self.settings.max_attempts,
            "retry_mode": self.settings.retry_mode,
            "concurrency": self.settings.concurrency,
            "pacing": self.settings.pacing,
            "max_requests_per_second": self.settings.max_requests_per_second,
        }

    def check_planned(self, event: TargetEvent) -> None:
        """In the organization's hub: refuse a target the planner did not choose for this run (an excluded
        account, OU or region, or a run that does not exist), whoever sent the event."""
        bucket = self.settings.run_targets_bucket
        if bucket is None:
            return
        try:
            planned = _planned_targets(self.session, bucket, event.run_id)
        except PlannedTargetsError as exc:
            raise InvalidEventError(
                f"target event refused: the run's planned targets cannot be read ({exc})"
            ) from exc
        if (event.account, event.region) not in planned:
            raise InvalidEventError(
                f"target event refused: account {event.account} in {event.region} is not among the targets "
                f"the planner chose for run {event.run_id} (allowed: the organization's planned accounts and "
                "regions); nothing was done"
            )

    def observations_for(
        self, plan: CleanupPlan, seconds_remaining: SecondsRemaining | None = None
    ) -> ObservationStore | None:
        """The observation store a plan with the activity check needs (the function's own credentials: the
        table is this stack's, or the hub's, never a member account's)."""
        if not plan.activity_check:
            return None
        if self.settings.observation_table is None:
            raise InvalidEventError(
                "activity_check: this function has no CLEANUP_OBSERVATION_TABLE to keep its looks at uploads "
                "in (allowed here: false)"
            )
        return DynamoObservationStore(
            self.session,
            self.settings.observation_table,
            concurrency=self.settings.concurrency,
            seconds_remaining=seconds_remaining,
        )


@functools.lru_cache(maxsize=4)
def _planned_targets(session: AwsSession, bucket: str, run_id: str) -> frozenset[tuple[str, str]]:
    """A run's planned targets, read once per warm environment (every round of every target asks)."""
    return RunStore(session, bucket).planned_targets(run_id)


@functools.cache
def get_runtime() -> Runtime:
    """Validate the settings and set up the boto3 session once per execution environment.

    An exception is not cached, so with a bad setting every invocation fails with the same clear message.
    """
    settings = Settings.from_environ(os.environ)
    if settings.activity_check and settings.observation_table is None:
        raise SettingsError(
            "invalid settings: CLEANUP_OBSERVATION_TABLE is required while CLEANUP_ACTIVITY_CHECK is true "
            "(allowed: a DynamoDB table name; or CLEANUP_ACTIVITY_CHECK=false for age-only cleanup)"
        )
    sdk = {
        **sdk_description(max_attempts=settings.max_attempts, retry_mode=settings.retry_mode),
        "powertools": POWERTOOLS_VERSION,
    }
    logger.info("cold start: the SDK and retry configuration of this environment", sdk=sdk)
    return Runtime(settings=settings, session=create_session(), sdk=sdk)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        runtime = get_runtime()
    except SettingsError as exc:
        logger.error("invalid settings: nothing was done", error=str(exc))
        raise
    request = parse_event(event)  # InvalidEventError propagates: the invocation fails, nothing was done
    if not isinstance(request, ScheduleEvent):
        # The deployment decides what an event may change (before any call, like a bad event).
        refuse_loosening(runtime.settings, request.settings if isinstance(request, TargetEvent) else request)
    # Per invocation (Powertools clears dimensions after each flush): alarms of two targets in one account
    # and region read disjoint series.
    metrics.add_dimension(name="target", value=runtime.settings.target)

    def seconds_remaining() -> float:
        return context.get_remaining_time_in_millis() / 1000

    collected = Collected()
    retired: list[dict[str, Any]] | None = None
    if isinstance(request, TargetEvent):
        plan = target_plan(runtime.settings, request)
        summary = run_target(runtime, request, plan, seconds_remaining, collected)
        run = run_context(runtime.settings, plan, source="organization", run_id=request.run_id)
        account, region, round_ = request.account, request.region, request.round
    else:
        scheduled: datetime | None = None
        if isinstance(request, ScheduleEvent):
            logger.append_keys(trigger="schedule", scheduled_time=request.scheduled_time, round=request.round)
            overrides: dict[str, Any] = {}
            scheduled = request.scheduled_time
        else:
            logger.append_keys(trigger="on_demand")
            overrides = request.overrides()
        plan = runtime.settings.to_plan(**overrides)
        if isinstance(request, ScheduleEvent):
            plan = plan.continued(aborts_before=request.aborts_before, resume_after=request.resume_after)
        account = _account_of(context)
        # Lambda sets AWS_REGION: the region this function (and its Glacier client) runs in.
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "-"
        summary = run_cleanup(
            runtime.open_glacier(seconds_remaining=seconds_remaining),
            plan,
            seconds_remaining=seconds_remaining,
            observations=runtime.observations_for(plan, seconds_remaining),
            account=account,
            region=region,
            on_upload=collected,
        )
        retired = _retire(runtime, plan, summary, seconds_remaining)
        source = "schedule" if isinstance(request, ScheduleEvent) else "on_demand"
        request_id = str(getattr(context, "aws_request_id", "-"))
        run = run_context(runtime.settings, plan, source=source, run_id=request_id, scheduled=scheduled)
        round_ = getattr(request, "round", 1)
    notice, left = left_behind(
        runtime.session, runtime.settings, collected, run, round_=round_, account=account, region=region
    )
    publish_metrics(summary, notice, records_failed="error" in left.get("records", {}))
    result = {**summary.to_result(), "sdk": runtime.sdk, **left}
    if not isinstance(request, TargetEvent) and retired is not None:
        result["decommission"] = retired
    if isinstance(request, ScheduleEvent):
        earlier, rounds = request.earlier, request.round
        result["message"] = run_summary_message(
            runtime.settings, run, result, notice, earlier=earlier, rounds=rounds
        )
    return result


def _retire(
    runtime: Runtime, plan: CleanupPlan, summary: RunSummary, seconds_remaining: SecondsRemaining
) -> list[dict[str, Any]] | None:
    """The configured vaults' decommission, once the run's last round has covered every vault."""
    if not runtime.settings.decommission_vaults or summary.more_to_do:
        return None
    vaults, glacier = runtime.open_vaults(seconds_remaining=seconds_remaining)
    return retire_vaults(vaults, glacier, runtime.settings, plan, summary)


def target_plan(settings: Settings, event: TargetEvent) -> CleanupPlan:
    """The plan of one account and region of an organization run: the settings, the event's overrides (as
    the guardrails allowed them), and where the earlier rounds stopped."""
    return settings.to_plan(**event.settings.overrides()).continued(
        aborts_before=event.aborts_before, resume_after=event.resume_after
    )


def run_target(
    runtime: Runtime,
    event: TargetEvent,
    plan: CleanupPlan,
    seconds_remaining: SecondsRemaining,
    on_upload: Collected | None = None,
) -> RunSummary:
    """One account and region of an organization run, through the member role of that account."""
    role_name = runtime.settings.member_role_name
    if role_name is None:
        raise InvalidEventError(
            "invalid target event: this function has no CLEANUP_MEMBER_ROLE_NAME, so it cannot enter other "
            "accounts (allowed here: schedule events and on-demand requests)"
        )
    logger.append_keys(
        trigger="target", account=event.account, region=event.region, run_id=event.run_id, round=event.round
    )
    runtime.check_planned(event)
    try:
        credentials = assume_member_role(
            runtime.session,
            account_id=event.account,
            role_name=role_name,
            session_name=session_name("glacier-cleanup", event.run_id, f"r{event.round}"),
            # Valid a minute past the function's own end: a run never outlives its credentials.
            duration_seconds=int(seconds_remaining()) + 60,
        )
    except NoAccessError as exc:
        logger.warning("no access to the member account: nothing was done there", error=str(exc))
        summary = no_access_summary(plan, exc)
    else:
        glacier = runtime.open_glacier(
            region=event.region, credentials=credentials, seconds_remaining=seconds_remaining
        )
        summary = run_cleanup(
            glacier,
            plan,
            seconds_remaining=seconds_remaining,
            observations=runtime.observations_for(plan, seconds_remaining),
            account=event.account,
            region=event.region,
            on_upload=on_upload,
        )
    summary.account, summary.region = event.account, event.region
    return summary


def _account_of(context: LambdaContext) -> str:
    """The function's own account (its ARN's fifth field): the observation store's key."""
    parts = str(getattr(context, "invoked_function_arn", "")).split(":")
    return parts[4] if len(parts) > 4 and parts[4] else "-"


def publish_metrics(
    summary: RunSummary, notice: Notice | None = None, *, records_failed: bool = False
) -> None:
    """The run's counters as EMF metrics, named as the stack's alarms expect (docs/design.md)."""
    counts = {
        **{count.metric: getattr(summary, count.key) for count in COUNTS if count.metric},
        "RunIncomplete": 0 if summary.fully_covered else 1,
        # Configured vaults that do not exist (a misspelled name must not pass as "nothing to do").
        "VaultsNotFound": summary.vaults_gone if summary.vaults_configured else 0,
        # One per run, whatever happened: the "did not run" alarm's heartbeat.
        "Runs": 1,
        # A target event whose member role could not be assumed (organization mode).
        "NoAccess": 1 if summary.no_access else 0,
        # Notice before abort: what the schedule's next run will abort unless it changes (the dashboard).
        "UploadsToAbortAtNextRun": 0 if notice is None else notice.uploads,
        # The decision records could not be written (the RecordsNotWritten alarm).
        "RecordsNotWritten": 1 if records_failed else 0,
    }
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    for count in BYTE_COUNTS:  # only when the run measured (activity check or report_bytes)
        measured = getattr(summary, count.key)
        if measured is not None and count.metric:
            metrics.add_metric(name=count.metric, unit=MetricUnit.Bytes, value=measured)
