"""One deployment target: a thin stack that composes the constructs and tells operators how to run it."""

from typing import Any

from aws_cdk import Aws, CfnMapping, CfnOutput, Fn, Stack, Tags
from constructs import Construct

from infra.alarms import CleanupAlarms
from infra.config import TargetConfig
from infra.dead_letter import FailedRunsQueue
from infra.encryption import StackKey
from infra.function import CleanupFunction
from infra.notifications import AlarmTopic
from infra.schedule import CleanupSchedule
from infra.test_events import ConsoleTestEvents

# Console host per partition (the console URL output works in China and GovCloud too).
CONSOLE_DOMAINS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
DRY_RUN_PAYLOAD = '{"dry_run": true}'


class GlacierCleanupStack(Stack):
    def __init__(
        self, scope: Construct, id_: str, *, target: TargetConfig, powertools_version: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, id_, **kwargs)
        settings = target.settings
        name = target.identity.name
        Tags.of(self).add("project", "glacier-multipart-cleanup")
        Tags.of(self).add("glacier-cleanup:target", name)

        key = StackKey(self, "StackKey").key
        failed_runs = FailedRunsQueue(
            self, "FailedRuns", retention_days=settings.dead_letter_retention_days, key=key
        )
        cleanup = CleanupFunction(
            self,
            "Cleanup",
            settings=settings,
            powertools_version=powertools_version,
            failure_queue=failed_runs.queue,
            description=f"Aborts stale Amazon Glacier multipart uploads (target {name})",
            region=target.identity.region,
            key=key,
            target_name=name,
        )
        schedule = CleanupSchedule(
            self,
            "Schedule",
            function=cleanup.alias,
            settings=settings,
            dead_letter_queue=failed_runs.queue,
            description=f"Glacier multipart cleanup run (target {name})",
        )
        # Scheduler writes undeliverable runs to the KMS-encrypted queue: what SQS needs of the key, no more.
        key.grant(schedule.role, "kms:Decrypt", "kms:GenerateDataKey")
        emails = settings.alarm_emails
        topic = AlarmTopic(self, "AlarmTopic", emails=emails, key=key) if emails else None
        CleanupAlarms(
            self,
            "Alarms",
            function=cleanup.function,
            failed_runs_queue=failed_runs.queue,
            settings=settings,
            topic=topic.topic if topic else None,
        )
        if settings.test_events:
            ConsoleTestEvents(
                self,
                "ConsoleTestEvents",
                function=cleanup.function,
                registry_mode=settings.test_event_registry,
                example_vault=settings.vaults[0] if settings.vaults else None,
            )
        self._add_outputs(cleanup.function.function_name, cleanup.function.function_arn)
        CfnOutput(
            self,
            "LiveAliasArn",
            value=cleanup.alias.function_arn,
            description="The alias the schedule invokes (roll back: point it at an earlier version)",
        )

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
        domains = CfnMapping(
            self,
            "ConsoleDomain",
            mapping={partition: {"domain": d} for partition, d in CONSOLE_DOMAINS.items()},
        )
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
