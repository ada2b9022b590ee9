"""One deployment target: a thin stack that composes the constructs and tells operators how to run it."""

from typing import Any

from aws_cdk import Aws, CfnMapping, CfnOutput, Duration, Environment, Fn, Stack, Tags
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .alarms import CleanupAlarms
from .config import TargetConfig
from .continuation import TargetRunStateMachine
from .dashboard import CleanupDashboard
from .dead_letter import FailedRunsQueue
from .encryption import StackKey
from .execution_alarms import ExecutionAlarms
from .function import CleanupFunction, log_retention
from .notifications import alarm_destinations
from .observations import ObservationTable
from .powertools import pinned_powertools_version
from .queries import SavedQueries
from .records_catalog import decision_records
from .run_summary import RunSummaryTopic
from .schedule import CleanupSchedule
from .tags import tag_project
from .test_events import ConsoleTestEvents

# Console host per partition (the console URL output works in China and GovCloud too).
CONSOLE_DOMAINS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
DRY_RUN_PAYLOAD = '{"dry_run": true}'


class GlacierCleanupStack(Stack):
    """One target: the cleanup function on its schedule in one account and region, with its alarms,
    dashboard, queries, dead-letter queue and observation table.

    `env` defaults to the target's account and region (unset ones are left to the CDK, or to the enclosing
    Stage); `powertools_version` to the one this package pins. Other keywords are the CDK's StackProps.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        target: TargetConfig,
        powertools_version: str | None = None,
        env: Environment | None = None,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        name = target.identity.name
        super().__init__(
            scope,
            id_,
            env=env or Environment(account=target.identity.account, region=target.identity.region),
            description=description or f"Glacier multipart cleanup: aborts stale uploads (target {name})",
            **kwargs,
        )
        settings = target.settings
        tag_project(self)
        Tags.of(self).add("glacier-cleanup:target", name)
        self._domains = CfnMapping(
            self,
            "ConsoleDomain",
            mapping={partition: {"domain": d} for partition, d in CONSOLE_DOMAINS.items()},
        )

        key = StackKey(self, "StackKey").key
        failed_runs = FailedRunsQueue(
            self, "FailedRuns", retention_days=settings.dead_letter_retention_days, key=key
        )
        observations = (
            ObservationTable(
                self, "Observations", key=key, retain=settings.observation_table_removal == "retain"
            )
            if settings.activity_check
            else None
        )
        records = decision_records(self, settings=settings, key=key)
        cleanup = CleanupFunction(
            self,
            "Cleanup",
            settings=settings,
            powertools_version=powertools_version or pinned_powertools_version(),
            failure_queue=failed_runs.queue,
            description=f"Aborts stale Amazon Glacier multipart uploads (target {name})",
            region=target.identity.region,
            key=key,
            target_name=name,
            observations=observations,
            records=records,
        )
        summary = RunSummaryTopic(self, "RunSummary", settings=settings, key=key, name=self.stack_name)
        # The schedule starts a run that invokes the live alias and continues while the run is incomplete,
        # then publishes the run's summary.
        run = TargetRunStateMachine(
            self,
            "Run",
            function=cleanup.alias,
            max_rounds=settings.continuation_rounds,
            round_timeout=cleanup.function.timeout or Duration.minutes(15),
            key=key,
            retention=log_retention(settings.log_retention_days),
            summary_topic=summary.topic,
        )
        CleanupSchedule(
            self,
            "Schedule",
            state_machine=run.state_machine,
            settings=settings,
            dead_letter_queue=failed_runs.queue,
            description=f"Glacier multipart cleanup run (target {name})",
        )
        topics = alarm_destinations(
            self, emails=settings.alarm_emails, existing_topic_arn=settings.alarm_topic_arn, key=key
        )
        alarms = CleanupAlarms(
            self,
            "Alarms",
            function=cleanup.function,
            failed_runs_queue=failed_runs.queue,
            settings=settings,
            target_name=name,
            topics=topics,
        )
        ExecutionAlarms(self, "ExecutionAlarms", state_machine=run.state_machine, topics=topics)
        dashboard = CleanupDashboard(
            self,
            "Dashboard",
            name=self.stack_name,
            alarms=alarms,
            function=cleanup.function,
            failed_runs_queue=failed_runs.queue,
            log_group=cleanup.log_group,
            run_interval=Duration.minutes(settings.alarm_period_minutes),
        )
        SavedQueries(self, "Queries", prefix=self.stack_name, log_group=cleanup.log_group)
        if settings.test_events:
            ConsoleTestEvents(
                self,
                "ConsoleTestEvents",
                function=cleanup.function,
                registry_mode=settings.test_event_registry,
                example_vault=settings.vaults[0] if settings.vaults else None,
            )
        self._add_outputs(cleanup.function.function_name, cleanup.function.function_arn)
        self._add_operator_outputs(dashboard, cleanup.log_group.log_group_name, failed_runs.queue, topics)
        CfnOutput(
            self,
            "StateMachineArn",
            value=run.state_machine.state_machine_arn,
            description="The scheduled run (Start execution runs one now, with continuation)",
        )
        CfnOutput(
            self,
            "RunSummaryTopicArn",
            value=summary.topic.topic_arn,
            description="Each scheduled run's summary (subscribe here, or set summary_emails)",
        )
        CfnOutput(
            self,
            "LiveAliasArn",
            value=cleanup.alias.function_arn,
            description="The alias the schedule invokes (roll back: point it at an earlier version)",
        )

    def _add_operator_outputs(
        self, dashboard: CleanupDashboard, log_group: str, queue: sqs.IQueue, topics: list[sns.ITopic]
    ) -> None:
        """Where to look the day after: the dashboard, the log group, the failed-runs queue, the topics."""
        CfnOutput(
            self,
            "DashboardUrl",
            description="The target's CloudWatch dashboard",
            value=Fn.join(
                "",
                [
                    "https://",
                    self._console_domain(),
                    "/cloudwatch/home?region=",
                    Aws.REGION,
                    "#dashboards/dashboard/",
                    dashboard.dashboard.dashboard_name,
                ],
            ),
        )
        CfnOutput(
            self, "LogGroupName", value=log_group, description="The function's log group (results, audit)"
        )
        CfnOutput(
            self,
            "FailedRunsQueueUrl",
            value=queue.queue_url,
            description="Runs that failed or were not delivered",
        )
        if topics:
            CfnOutput(
                self,
                "AlarmTopicArns",
                value=Fn.join(",", [topic.topic_arn for topic in topics]),
                description="Where the alarms notify (ALARM and OK)",
            )

    def _console_domain(self) -> str:
        return self._domains.find_in_map(Aws.PARTITION, "domain")

    def _add_outputs(self, function_name: str, function_arn: str) -> None:
        CfnOutput(self, "FunctionName", value=function_name, description="Cleanup function name")
        CfnOutput(self, "FunctionArn", value=function_arn, description="Cleanup function ARN")
        CfnOutput(
            self,
            "DryRunCommand",
            description="Run a dry run now (AWS CLI v2; prints the result)",
            value=Fn.join(
                "",
                [
                    "aws lambda invoke --function-name ",
                    function_name,
                    " --region ",
                    Aws.REGION,
                    f" --cli-binary-format raw-in-base64-out --payload '{DRY_RUN_PAYLOAD}'",
                    " /dev/stdout",
                ],
            ),
        )
        domains = self._domains
        CfnOutput(
            self,
            "ConsoleUrl",
            description="The function in the Lambda console (Test tab holds the shared test events)",
            value=Fn.join(
                "",
                [
                    "https://",
                    domains.find_in_map(Aws.PARTITION, "domain"),
                    "/lambda/home?region=",
                    Aws.REGION,
                    "#/functions/",
                    function_name,
                    "?tab=testing",
                ],
            ),
        )
