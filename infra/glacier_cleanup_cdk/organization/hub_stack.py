"""The hub: the only stack of an organization run that needs `cdk bootstrap` (docs/organization.md)."""

from typing import Any

from aws_cdk import Aws, CfnOutput, Environment, Fn, Stack, Tags
from constructs import Construct

from ..config import OrganizationConfig
from ..dead_letter import FailedRunsQueue
from ..encryption import StackKey
from ..execution_alarms import ExecutionAlarms
from ..function import CleanupFunction, MemberAccess, log_retention
from ..notifications import alarm_destinations
from ..observations import ObservationTable
from ..powertools import pinned_powertools_version
from ..queries import SavedQueries
from ..records_catalog import decision_records
from ..run_summary import RunSummaryTopic
from ..schedule import CleanupSchedule
from ..tags import tag_project
from ..test_events import ConsoleTestEvents, target_event_schema_content
from .access import MemberRoleAccess
from .alarms import OrganizationAlarms
from .fan_out import OrganizationRunStateMachine
from .functions import OrganizationFunctions
from .member_role import member_template
from .results_bucket import ResultsBucket
from .stack_set import MemberRoleStackSet

DRY_RUN_INPUT = '{"dry_run": true}'


class OrganizationHubStack(Stack):
    """The organization mode's hub (docs/organization.md): the state machine that fans out over every
    account and region, its functions, results bucket, alarms, and the StackSet of the member role.

    `env` defaults to the hub account and region of `config`; `powertools_version` to the one this package
    pins. Other keywords are the CDK's StackProps.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: OrganizationConfig,
        powertools_version: str | None = None,
        env: Environment | None = None,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        fan_out = config.fan_out
        super().__init__(
            scope,
            id_,
            env=env or Environment(account=fan_out.hub_account, region=fan_out.hub_region),
            description=description or f"Glacier multipart cleanup: organization hub ({fan_out.name})",
            **kwargs,
        )
        fan_out, settings = config.fan_out, config.settings
        tag_project(self)
        Tags.of(self).add("glacier-cleanup:organization", fan_out.name)

        key = StackKey(self, "StackKey").key
        failed_runs = FailedRunsQueue(
            self, "FailedRuns", retention_days=settings.dead_letter_retention_days, key=key
        )
        results = ResultsBucket(self, "Results", key=key, retention_days=fan_out.results_retention_days)
        # One table for the whole organization, keyed by account, region, vault and upload id; written with
        # the hub function's own role (member roles gain only glacier:ListParts).
        observations = (
            ObservationTable(
                self, "Observations", key=key, retain=settings.observation_table_removal == "retain"
            )
            if settings.activity_check
            else None
        )
        # The organization's decision records: a bucket of their own, as a target's, so they keep
        # records_retention_days whatever results_retention_days the run files have (docs/records.md).
        records = decision_records(self, settings=settings, key=key)
        cleanup = CleanupFunction(
            self,
            "Cleanup",
            settings=settings,
            powertools_version=powertools_version or pinned_powertools_version(),
            failure_queue=failed_runs.queue,
            description=f"Aborts stale Amazon Glacier multipart uploads in member accounts ({fan_out.name})",
            region=fan_out.hub_region,
            key=key,
            target_name=fan_out.name,
            member_access=MemberAccess(
                hub_role_name=config.hub_role_name,
                member_role_name=fan_out.member_role_name,
                max_concurrency=fan_out.max_concurrency,
                results_bucket=results.bucket,
            ),
            observations=observations,
            records=records,
        )
        MemberRoleAccess(self, "MemberAccess", role=cleanup.role, config=config)
        functions = OrganizationFunctions(
            self,
            "Organization",
            config=config,
            bucket=results.bucket,
            key=key,
            powertools_version=powertools_version or pinned_powertools_version(),
            records_bucket=records.bucket,
        )
        run_summary = RunSummaryTopic(self, "RunSummary", settings=settings, key=key, name=self.stack_name)
        run = OrganizationRunStateMachine(
            self,
            "Run",
            config=config,
            cleanup=cleanup.alias,
            planner=functions.planner,
            summary=functions.summary,
            bucket=results.bucket,
            key=key,
            retention=log_retention(settings.log_retention_days),
            summary_topic=run_summary.topic,
        )
        CleanupSchedule(
            self,
            "Schedule",
            state_machine=run.state_machine,
            settings=settings,
            dead_letter_queue=failed_runs.queue,
            description=f"Glacier multipart cleanup of the organization ({fan_out.name})",
        )
        stack_set = MemberRoleStackSet(self, "MemberRoles", config=config, template=member_template(config))
        # Member roles trust the hub function's role by ARN: IAM wants that role to exist first.
        stack_set.node.add_dependency(cleanup.role)

        topics = alarm_destinations(
            self, emails=settings.alarm_emails, existing_topic_arn=settings.alarm_topic_arn, key=key
        )
        OrganizationAlarms(self, "Alarms", config=config, failed_runs_queue=failed_runs.queue, topics=topics)
        ExecutionAlarms(self, "ExecutionAlarms", state_machine=run.state_machine, topics=topics)
        SavedQueries(self, "Queries", prefix=self.stack_name, log_group=cleanup.log_group)
        if settings.test_events:
            # Target events for the Test tab: one account and region through its member role.
            ConsoleTestEvents(
                self,
                "ConsoleTestEvents",
                function=cleanup.function,
                registry_mode=settings.test_event_registry,
                example_vault=None,
                content=target_event_schema_content(account=fan_out.hub_account, region=fan_out.hub_region),
            )

        machine_arn = run.state_machine.state_machine_arn
        CfnOutput(self, "StateMachineArn", value=machine_arn, description="The organization run")
        CfnOutput(
            self,
            "DryRunCommand",
            description="Start a dry run of the whole organization now (AWS CLI v2)",
            value=Fn.join(
                "",
                [
                    "aws stepfunctions start-execution --region ",
                    Aws.REGION,
                    " --state-machine-arn ",
                    machine_arn,
                    f" --input '{DRY_RUN_INPUT}'",
                ],
            ),
        )
        CfnOutput(
            self,
            "ResultsBucketName",
            value=results.bucket.bucket_name,
            description="runs/<execution name>/summary.json: each run's totals and per-target table",
        )
        CfnOutput(
            self,
            "RunSummaryTopicArn",
            value=run_summary.topic.topic_arn,
            description="Each organization run's summary (subscribe here, or set summary_emails)",
        )
        CfnOutput(
            self, "HubFunctionRoleArn", value=cleanup.role.role_arn, description="What member roles trust"
        )
        CfnOutput(
            self, "FunctionName", value=cleanup.function.function_name, description="The cleanup function"
        )
        CfnOutput(
            self,
            "MemberRoleStackSetName",
            value=stack_set.stack_set.stack_set_name or config.member_stack_name,
            description="The StackSet that puts the member role into every member account",
        )
