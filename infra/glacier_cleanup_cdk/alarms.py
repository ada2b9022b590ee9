"""CloudWatch alarms of one target: each names what happened, the likely causes and what to do
(docs/operations.md has the same per alarm). Custom metrics carry the `service` and `target` dimensions, so
two targets in one account and region never read each other's series. Every alarm notifies on ALARM and OK.
"""

from collections.abc import Callable

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .config import CleanupSettings

# Runs emit their metrics once, at the end: a short period returns the alarm to OK soon after.
EVENT_PERIOD = Duration.minutes(5)
RUNBOOK = "Runbook: docs/operations.md#alarms"
# CloudWatch evaluates at most 7 days (periods of an hour or more) or 1 day (shorter periods).
_MAX_RANGE_MINUTES = 7 * 24 * 60


def above_zero_alarm(
    scope: Construct, name: str, *, prefix: str, metric: cloudwatch.IMetric, description: str
) -> cloudwatch.Alarm:
    """An alarm on any occurrence in a period; no data means nothing ran or nothing failed: not breaching."""
    return cloudwatch.Alarm(
        scope,
        name,
        alarm_name=f"{prefix}-{name}",
        alarm_description=f"{description} {RUNBOOK}",
        metric=metric,
        threshold=0,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=1,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )


def did_not_run_alarm(
    scope: Construct,
    *,
    prefix: str,
    settings: CleanupSettings,
    metric_for: Callable[[Duration], cloudwatch.IMetric],
    description: Callable[[int], str],
) -> cloudwatch.Alarm:
    """The heartbeat: `metric_for(period)` saw no run over the schedule's interval (heartbeat_window).
    `description(minutes)` says what that means here."""
    period, periods = heartbeat_window(settings)
    return cloudwatch.Alarm(
        scope,
        "DidNotRun",
        alarm_name=f"{prefix}-DidNotRun",
        alarm_description=f"{description(period * periods)} {RUNBOOK}",
        metric=metric_for(Duration.minutes(period)),
        threshold=1,
        comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        # The heartbeat: no data is exactly what this alarm looks for.
        treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
    )


def notify(alarms: dict[str, cloudwatch.Alarm], topics: list[sns.ITopic]) -> None:
    """Every alarm to every topic, on ALARM and on OK."""
    for alarm in alarms.values():
        for topic in topics:
            alarm.add_alarm_action(actions.SnsAction(topic))
            alarm.add_ok_action(actions.SnsAction(topic))


def heartbeat_window(settings: CleanupSettings) -> tuple[int, int]:
    """(period minutes, periods) for the "did not run" alarm: no run in any of `periods` periods covering
    one schedule interval, the flexible window and one period of slack (capped at CloudWatch's 7 days)."""
    interval = settings.alarm_period_minutes
    period = 1440 if interval >= 1440 else 60 if interval >= 60 else 5
    periods = -(-(interval + settings.flexible_window_minutes) // period) + 1
    limit = _MAX_RANGE_MINUTES if period >= 60 else 1440
    return period, max(1, min(periods, limit // period))


class CleanupAlarms(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        function: lambda_.IFunction,
        failed_runs_queue: sqs.IQueue,
        settings: CleanupSettings,
        target_name: str,
        topics: list[sns.ITopic],
    ) -> None:
        super().__init__(scope, id_)
        self._prefix = Stack.of(self).stack_name
        self._settings = settings
        self._target = target_name
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        self._above_zero(
            "Errors",
            function.metric_errors(period=EVENT_PERIOD, statistic="Sum"),
            "The cleanup function failed (an exception, a timeout, or a bad setting or event: then nothing "
            "was aborted). Read the function's log for the error; a settings error names the variable.",
        )
        self._above_zero(
            "Throttles",
            function.metric_throttles(period=EVENT_PERIOD, statistic="Sum"),
            "An invocation was throttled: an on-demand run while another held the one reserved slot "
            "(prevent_overlap), or the kill switch (reserved concurrency 0) is on. Wait, or lift the switch.",
        )
        self._above_zero(
            "AbortFailures",
            self.metric("AbortFailures", EVENT_PERIOD),
            "Aborting stale uploads failed after retries (AccessDenied on a vault, throttling, Glacier 5xx). "
            "The run's `failures` list names them; the next run retries them.",
        )
        self._above_zero(
            "VaultFailures",
            self.metric("VaultFailures", EVENT_PERIOD),
            "A vault could not be listed (AccessDenied: the role's vault resources; throttling; 5xx). Its "
            "stale uploads were not cleaned; the run's `failures` list names the vault.",
        )
        if settings.activity_check:
            self._above_zero(
                "ActivityCheckFailures",
                self.metric("ActivityCheckFailures", EVENT_PERIOD),
                "The activity of old uploads could not be established (ListParts failed, or the observation "
                "table could not be read or written): those uploads were kept, not aborted. The run's "
                "`failures` list says why; check the table and the role's dynamodb/kms permissions.",
            )
        self._above_zero(
            "VaultsNotFound",
            self.metric("VaultsNotFound", EVENT_PERIOD),
            "A vault named in the `vaults` setting does not exist in this account and region (a typo, or the "
            "vault was deleted). Fix `vaults` and deploy.",
        )
        self._above_zero(
            "RecordsNotWritten",
            self.metric("RecordsNotWritten", EVENT_PERIOD),
            "A run could not put its decision records in the stack's records bucket (docs/records.md): what "
            "it did is still in its log lines (saved query 'uploads aborted'). The run's result says why "
            "(records.error); check the bucket, its key and the role's s3:PutObject on records/.",
        )
        self._above_zero(
            "FailedRuns",
            failed_runs_queue.metric_number_of_messages_sent(period=EVENT_PERIOD, statistic="Sum"),
            "A run could not be delivered (Scheduler) or failed after Lambda's retries: a new record is in "
            "the failed-runs queue. Fires again for every new one; read and drain the queue (runbook).",
        )
        self._run_incomplete(settings)
        if settings.schedule_enabled:
            self._did_not_run(settings)
        notify(self.alarms, topics)

    def metric(self, name: str, period: Duration, statistic: str = "Sum") -> cloudwatch.Metric:
        """A metric the function emits with Powertools (EMF), as docs/design.md names it."""
        return cloudwatch.Metric(
            namespace=self._settings.metrics_namespace,
            metric_name=name,
            dimensions_map={"service": self._settings.service_name, "target": self._target},
            statistic=statistic,
            period=period,
        )

    def _run_incomplete(self, settings: CleanupSettings) -> None:
        runs = settings.run_incomplete_alarm_runs
        self.alarms["RunIncomplete"] = cloudwatch.Alarm(
            self,
            "RunIncomplete",
            alarm_name=f"{self._prefix}-RunIncomplete",
            alarm_description=(
                f"The last {runs} scheduled run(s) did not reach every vault and stale upload, even after "
                f"{settings.continuation_rounds} rounds each: every round stopped at the time budget "
                "(timeout_seconds minus time_margin_seconds; 900 s is Lambda's maximum) or the vault list "
                "failed. Usual cause: a backlog larger than the rounds can abort, often slowed by "
                "throttling. The next runs continue it; to clear it sooner raise continuation_rounds or "
                "concurrency, run more often (schedule_expression), or run `glacier-cleanup --apply` once. "
                f"A max_aborts cap does not count as incomplete. {RUNBOOK}"
            ),
            # One scheduled run per period, so N breaching periods are N runs in a row. Minimum: a run's
            # rounds before its last may be incomplete (1); the run is incomplete only if its last round is.
            metric=self.metric(
                "RunIncomplete", Duration.minutes(settings.alarm_period_minutes), statistic="Minimum"
            ),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=runs,
            datapoints_to_alarm=runs,
            # A period without a run is the DidNotRun alarm's business, not this one's.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _did_not_run(self, settings: CleanupSettings) -> None:
        self.alarms["DidNotRun"] = did_not_run_alarm(
            self,
            prefix=self._prefix,
            settings=settings,
            metric_for=lambda period: self.metric("Runs", period),
            description=lambda minutes: (
                f"No run finished in the last {minutes} minutes although the schedule "
                f"({settings.schedule_expression}) should have started one: the schedule was disabled or "
                "deleted outside the stack, Scheduler could not invoke the function (see FailedRuns), or "
                "every run failed before its end (see Errors)."
            ),
        )

    def _above_zero(self, name: str, metric: cloudwatch.IMetric, description: str) -> None:
        self.alarms[name] = above_zero_alarm(
            self, name, prefix=self._prefix, metric=metric, description=description
        )
