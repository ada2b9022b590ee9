"""The organization's alarms, on the summary step's metrics (dimensions service and target = the run's
name) and the failed-runs queue; the executions' alarms are glacier_cleanup_cdk/execution_alarms.py's."""

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..alarms import EVENT_PERIOD, above_zero_alarm, did_not_run_alarm, notify
from ..config import OrganizationConfig


class OrganizationAlarms(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: OrganizationConfig,
        failed_runs_queue: sqs.IQueue,
        topics: list[sns.ITopic],
    ) -> None:
        super().__init__(scope, id_)
        self._config = config
        prefix = Stack.of(self).stack_name
        above_zero = {
            "TargetsFailed": (
                self.metric("TargetsFailed"),
                "A target (account x region) of the last organization run has no result: its child workflow "
                "failed (the function raised, or Lambda failed after retries) or was lost. summary.json in "
                "the results bucket lists it under needs_attention; the next run tries it again.",
            ),
            "TargetsNoAccess": (
                self.metric("TargetsNoAccess"),
                "The hub could not assume the member role in an account: the StackSet has not reached it "
                "yet (a new account, a failed stack instance), or the role was changed. Check the StackSet's "
                "instances; summary.json names the accounts.",
            ),
            "TargetsPartial": (
                self.metric("TargetsPartial"),
                "Some Glacier calls of a target failed after retries: a vault or the vault list could not be "
                "listed (AccessDenied from an SCP that denies the region or a vault policy, Glacier 5xx), or "
                "aborts failed. A denied vault list is not retried within the run. summary.json names the "
                "targets under needs_attention; their results name the calls.",
            ),
            "TargetsIncomplete": (
                self.metric("TargetsIncomplete"),
                "A target did not reach every vault and stale upload even after its continuation rounds (a "
                "backlog larger than one run, or slow or throttled calls): the next run continues it. "
                "summary.json names the targets.",
            ),
            "AbortFailures": (
                self.metric("AbortFailures"),
                "Aborting stale uploads failed after retries in some account (AccessDenied from an SCP, "
                "throttling, Glacier 5xx). summary.json names the targets; their results name the uploads.",
            ),
            "FailedRuns": (
                failed_runs_queue.metric_number_of_messages_sent(period=EVENT_PERIOD, statistic="Sum"),
                "Scheduler could not start an organization run: the record is in the failed-runs queue.",
            ),
        }
        if config.settings.activity_check:
            above_zero["ActivityCheckFailures"] = (
                self.metric("ActivityCheckFailures"),
                "The activity of old uploads could not be established in some account (ListParts denied or "
                "failed, or the hub's observation table could not be read or written): those uploads were "
                "kept, not aborted. summary.json names the targets; their results say why.",
            )
        self.alarms = {
            name: above_zero_alarm(self, name, prefix=prefix, metric=metric, description=description)
            for name, (metric, description) in above_zero.items()
        }
        if config.settings.schedule_enabled:
            self.alarms["DidNotRun"] = did_not_run_alarm(
                self,
                prefix=prefix,
                settings=config.settings,
                metric_for=lambda period: self.metric("OrganizationRuns", period),
                description=lambda minutes: (
                    f"No organization run finished in the last {minutes} minutes although the schedule "
                    f"({config.settings.schedule_expression}) should have started one: the schedule was "
                    "disabled outside the stack, or the executions failed (see ExecutionsFailed)."
                ),
            )
        notify(self.alarms, topics)

    def metric(self, name: str, period: Duration = EVENT_PERIOD) -> cloudwatch.Metric:
        settings = self._config.settings
        return cloudwatch.Metric(
            namespace=settings.metrics_namespace,
            metric_name=name,
            dimensions_map={"service": settings.service_name, "target": self._config.fan_out.name},
            statistic="Sum",
            period=period,
        )
