"""The organization run's state machine (Standard): plan -> Distributed Map -> summary.

Plan       the planner writes runs/<execution name>/targets.json (account x region items) to the bucket
Targets    a Distributed Map reads them with an ItemReader (no 256 KiB payload limit: 1,000 accounts x
           20 regions is 20,000 items); each item is a child workflow running the continuation loop
           (../continuation.py) with the target event; ResultWriter writes every item's result
Summarize  the summary function reads those results and reports the organization's totals
"""

from aws_cdk import Acknowledgment, Aws, Duration, Stack, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from ..config import OrganizationConfig
from ..continuation import (
    ContinuationLoop,
    acknowledge_state_machine_role,
    execution_log_group,
    no_earlier_rounds,
    publish_summary,
)
from ..nag import iam5_resource_finding
from .results_bucket import RESULTS_PREFIX

# The target event's keys (glacier_cleanup.inputs.events.TargetEvent) that each round passes on unchanged.
TARGET_EVENT_KEYS = ("account", "region", "run_id", "settings")


class OrganizationRunStateMachine(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: OrganizationConfig,
        cleanup: lambda_.IFunction,
        planner: lambda_.IFunction,
        summary: lambda_.IFunction,
        bucket: s3.IBucket,
        key: kms.IKey,
        retention: logs.RetentionDays,
        summary_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, id_)
        fan_out = config.fan_out
        plan = tasks.LambdaInvoke(
            self,
            "Plan",
            lambda_function=planner,
            comment="The ACTIVE accounts under the OUs, minus exclusions, x regions -> the map's items in S3",
            payload=sfn.TaskInput.from_object(
                {"run_id": sfn.JsonPath.execution_name, "request": sfn.JsonPath.entire_payload}
            ),
            result_selector={"plan.$": "$.Payload"},
            retry_on_service_exceptions=True,
        )
        loop = ContinuationLoop(
            self,
            "Rounds",
            function=cleanup,
            max_rounds=config.settings.continuation_rounds,
            carry=TARGET_EVENT_KEYS,
        )
        targets = sfn.DistributedMap(
            self,
            "Targets",
            comment="One child workflow per account and region",
            item_reader=sfn.S3JsonItemReader(bucket=bucket, key=sfn.JsonPath.string_at("$.plan.key")),
            item_selector={
                "account": sfn.JsonPath.string_at("$$.Map.Item.Value.account"),
                "region": sfn.JsonPath.string_at("$$.Map.Item.Value.region"),
                "run_id": sfn.JsonPath.string_at("$.plan.run_id"),
                "settings": sfn.JsonPath.object_at("$.plan.settings"),
                "round": 1,
                "resume_after": "",  # from the first vault
                "earlier": no_earlier_rounds(),
            },
            max_concurrency=fan_out.max_concurrency,
            tolerated_failure_percentage=fan_out.tolerated_failure_percentage,
            result_writer_v2=sfn.ResultWriterV2(bucket=bucket, prefix=RESULTS_PREFIX),
            result_path="$.map",
            label="Targets",
        )
        targets.item_processor(loop.chain)
        summarize = tasks.LambdaInvoke(
            self,
            "Summarize",
            lambda_function=summary,
            comment="Every target's result -> the organization's totals, summary.json and metrics",
            payload=sfn.TaskInput.from_object(
                {
                    "run_id": sfn.JsonPath.string_at("$.plan.run_id"),
                    "targets_planned": sfn.JsonPath.number_at("$.plan.targets"),
                    "results_bucket": bucket.bucket_name,
                    "manifest_key": sfn.JsonPath.string_at("$.map.ResultWriterDetails.Key"),
                }
            ),
            output_path="$.Payload",
            retry_on_service_exceptions=True,
        )
        if summary_topic is not None:
            # The organization's run summary, for people (docs/operations.md): after the summary step.
            publish_summary(
                self, topic=summary_topic, message="$.message", send="$.message.send", after=summarize
            )
        self.log_group = execution_log_group(self, "ExecutionLog", key=key, retention=retention)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(plan.next(targets).next(summarize)),
            state_machine_type=sfn.StateMachineType.STANDARD,
            timeout=Duration.hours(fan_out.execution_timeout_hours),
            tracing_enabled=True,
            # ERROR level: a Standard workflow's history keeps every state; logging ALL of 20,000 children
            # would cost more than the run.
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ERROR, include_execution_data=True
            ),
            comment=f"Glacier multipart cleanup of organization {fan_out.organization_id} ({fan_out.name})",
        )
        # CDK grants the ItemReader's GetObject and the ResultWriter's PutObject; the objects use the key.
        key.grant(self.state_machine, "kms:Decrypt", "kms:GenerateDataKey")
        acknowledge_state_machine_role(self.state_machine)
        self._acknowledge(planner, summary, bucket)

    def _acknowledge(
        self, planner: lambda_.IFunction, summary: lambda_.IFunction, bucket: s3.IBucket
    ) -> None:
        machine = self.state_machine
        Validations.of(machine).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SF1",
                reason="ERROR level on purpose: a Standard workflow's execution history already keeps every "
                "state of every run; logging ALL events of up to 20,000 child workflows per run would cost "
                "more than the run itself. The per-target results are in the results bucket.",
            )
        )
        reasons = {
            iam5_resource_finding(
                self, f"{planner.function_arn}:*"
            ): "CDK's LambdaInvoke grant on the planner "
            "function and its versions: this stack's function, no other.",
            iam5_resource_finding(
                self, f"{summary.function_arn}:*"
            ): "CDK's LambdaInvoke grant on the summary "
            "function and its versions: this stack's function, no other.",
            iam5_resource_finding(self, bucket.arn_for_objects("*")): "The map's ItemReader (GetObject of "
            "runs/<run>/targets.json) and ResultWriter (PutObject under results/): objects named per run.",
            iam5_resource_finding(self, f"arn:{Aws.PARTITION}:s3:::{bucket.bucket_name}/*"): "The same "
            "bucket's objects as CDK's ItemReader grant names them (by bucket name).",
        }
        Validations.of(machine.role).acknowledge(
            *(Acknowledgment(id=finding, reason=reason) for finding, reason in reasons.items())
        )
        # The Distributed Map's own policy: starting and watching its child executions and map runs.
        stack = Stack.of(self)
        machine_id = stack.get_logical_id(machine.node.default_child)  # type: ignore[arg-type]
        name = f'{{"Fn::Select":[6,{{"Fn::Split":[":",{{"Ref":"{machine_id}"}}]}}]}}'
        executions = f"arn:<AWS::Partition>:states:{stack.region}:{stack.account}:execution:{name}"
        policy = machine.node.find_child("DistributedMapPolicy")
        Validations.of(policy).acknowledge(
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{executions}{suffix}]",
                    reason="CDK's Distributed Map policy: this state machine's own executions and map runs "
                    "(StartExecution, DescribeExecution, StopExecution), which are named at run time.",
                )
                for suffix in (":*", "/Targets:*")
            )
        )
