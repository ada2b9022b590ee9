"""One CloudWatch dashboard per target: runs, uploads, failures, duration, the alarms, the last results."""

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .alarms import CleanupAlarms
from .queries import LAST_RUNS, NEXT_RUN_NOTICE

PERIOD = Duration.hours(1)


class CleanupDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        alarms: CleanupAlarms,
        function: lambda_.IFunction,
        failed_runs_queue: sqs.IQueue,
        log_group: logs.ILogGroup,
        run_interval: Duration = PERIOD,
    ) -> None:
        """`run_interval`: the schedule's time between runs (one run's rounds add up within it)."""
        super().__init__(scope, id_)

        def graph(title: str, *metric_names: str) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(
                title=title,
                left=[alarms.metric(metric, PERIOD) for metric in metric_names],
                width=12,
                height=6,
            )

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=name, default_interval=Duration.days(14)
        )
        self.dashboard.add_widgets(
            graph("Runs and incomplete runs", "Runs", "RunIncomplete"),
            graph("Uploads", "UploadsFound", "UploadsStale", "UploadsAborted", "UploadsAlreadyGone"),
        )
        self.dashboard.add_widgets(
            graph("Old uploads kept by the activity check", "UploadsFirstSeen", "UploadsActive"),
            cloudwatch.GraphWidget(
                title="Bytes held by stale uploads, and released",
                left=[alarms.metric("BytesStale", PERIOD, "Maximum"), alarms.metric("BytesReleased", PERIOD)],
                width=12,
                height=6,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Failures",
                left=[
                    alarms.metric("AbortFailures", PERIOD),
                    alarms.metric("VaultFailures", PERIOD),
                    alarms.metric("VaultsNotFound", PERIOD),
                    failed_runs_queue.metric_number_of_messages_sent(period=PERIOD, statistic="Sum"),
                ],
                width=12,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Run duration (ms)",
                left=[
                    function.metric_duration(period=PERIOD, statistic="Maximum"),
                    function.metric_duration(period=PERIOD, statistic="Average"),
                ],
                width=12,
                height=6,
            ),
        )
        # Notice before abort (docs/records.md): the count from the latest run, and what the runs named.
        self.dashboard.add_widgets(
            cloudwatch.SingleValueWidget(
                title="Will be aborted at the next run unless it changes",
                metrics=[alarms.metric("UploadsToAbortAtNextRun", run_interval)],
                width=6,
                height=6,
            ),
            cloudwatch.LogQueryWidget(
                title="Named by the last runs: aborted at the next run unless it changes",
                log_group_names=[log_group.log_group_name],
                query_lines=NEXT_RUN_NOTICE,
                width=18,
                height=6,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=list(alarms.alarms.values()), width=24, height=4
            )
        )
        self.dashboard.add_widgets(
            cloudwatch.LogQueryWidget(
                title="Last runs (status, counts)",
                log_group_names=[log_group.log_group_name],
                query_lines=LAST_RUNS,
                width=24,
                height=8,
            )
        )
