"""CloudWatch alarms on the function, its custom metrics and the failed-runs queue."""

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import CleanupSettings

# Runs emit their metrics once, at the end: a short period returns the alarm to OK soon after.
EVENT_PERIOD = Duration.minutes(5)


class CleanupAlarms(Construct):
    """Alarms that each mean "look at the logs": > 0 on failures, N incomplete runs in a row."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        function: lambda_.IFunction,
        failed_runs_queue: sqs.IQueue,
        settings: CleanupSettings,
        topic: sns.ITopic | None,
    ) -> None:
        super().__init__(scope, id_)
        self._prefix = Stack.of(self).stack_name
        self._settings = settings
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        self._above_zero(
            "Errors",
            function.metric_errors(period=EVENT_PERIOD, statistic="Sum"),
            "The cleanup function raised an error or timed out.",
        )
        self._above_zero(
            "Throttles",
            function.metric_throttles(period=EVENT_PERIOD, statistic="Sum"),
            "An invocation was throttled: usually an on-demand run while another run held the single "
            "reserved slot.",
        )
        self._above_zero(
            "AbortFailures",
            self._custom_metric("AbortFailures", EVENT_PERIOD),
            "Aborting at least one stale upload failed (see `failures` in the run result).",
        )
        self._above_zero(
            "VaultFailures",
            self._custom_metric("VaultFailures", EVENT_PERIOD),
            "At least one vault could not be scanned (for example AccessDenied).",
        )
        self._above_zero(
            "FailedRuns",
            failed_runs_queue.metric_approximate_number_of_messages_visible(
                period=EVENT_PERIOD, statistic="Maximum"
            ),
            "A run could not be delivered or failed after its retries: read the failed-runs queue.",
        )
        runs = settings.run_incomplete_alarm_runs
        self.alarms["RunIncomplete"] = cloudwatch.Alarm(
            self,
            "RunIncomplete",
            alarm_name=f"{self._prefix}-RunIncomplete",
            alarm_description=f"The last {runs} scheduled run(s) ended before covering every vault (time "
            "margin, max_aborts or faults): raise the timeout or memory, or look for slow vaults.",
            # One scheduled run per period, so N breaching periods are N runs in a row.
            metric=self._custom_metric("RunIncomplete", Duration.minutes(settings.alarm_period_minutes)),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=runs,
            datapoints_to_alarm=runs,
            # A period without a run (schedule disabled, window drift) must not page anyone.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if topic is not None:
            for alarm in self.alarms.values():
                alarm.add_alarm_action(actions.SnsAction(topic))

    def _custom_metric(self, name: str, period: Duration) -> cloudwatch.Metric:
        """A metric the function emits with Powertools (EMF), as docs/design.md names it."""
        return cloudwatch.Metric(
            namespace=self._settings.metrics_namespace,
            metric_name=name,
            dimensions_map={"service": self._settings.service_name},
            statistic="Sum",
            period=period,
        )

    def _above_zero(self, name: str, metric: cloudwatch.IMetric, description: str) -> None:
        self.alarms[name] = cloudwatch.Alarm(
            self,
            name,
            alarm_name=f"{self._prefix}-{name}",
            alarm_description=description,
            metric=metric,
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            # No data means nothing ran or nothing failed: not a reason to alarm.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
