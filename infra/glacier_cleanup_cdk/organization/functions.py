"""The planner and summary functions of the organization state machine (glacier_cleanup.org_handler)."""

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ..checkov import acknowledge
from ..config import OrganizationConfig
from ..lambda_defaults import (
    ARCHITECTURE,
    RUNTIME,
    attach_layers,
    function_code,
    log_retention,
    powertools_layer_for,
)
from ..nag import iam5_resource_finding
from ..powertools import resolve_layer_source
from ..sdk_layer import sdk_layer
from .results_bucket import RESULTS_PREFIX, TARGETS_PREFIX

PLANNER_HANDLER = "glacier_cleanup.org_handler.plan_handler"
SUMMARY_HANDLER = "glacier_cleanup.org_handler.summary_handler"
# Wildcard actions in CDK's bucket.grant_read / grant_put (with the bucket's KMS key).
_GRANT_WILDCARDS = (
    "s3:GetObject*",
    "s3:GetBucket*",
    "s3:List*",
    "s3:Abort*",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)
ORGANIZATIONS_READ = ("organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent")


def organization_environment(
    config: OrganizationConfig, bucket_name: str, records_bucket_name: str = ""
) -> dict[str, str]:
    fan_out, settings = config.fan_out, config.settings
    return {
        # glacier_cleanup OrganizationSettings: roots or OUs whose accounts (nested OUs included) are targets
        "CLEANUP_ORG_PARENT_IDS": ",".join(fan_out.organizational_units),
        # glacier_cleanup OrganizationSettings: regions, or "all" (every region where Glacier exists)
        "CLEANUP_ORG_REGIONS": fan_out.regions
        if isinstance(fan_out.regions, str)
        else ",".join(fan_out.regions),
        # glacier_cleanup OrganizationSettings: accounts never cleaned
        "CLEANUP_ORG_EXCLUDE_ACCOUNTS": ",".join(fan_out.exclude_accounts),
        # glacier_cleanup OrganizationSettings: where the targets, results and summaries go
        "CLEANUP_ORG_RESULTS_BUCKET": bucket_name,
        # glacier_cleanup OrganizationSettings: the `target` dimension of the organization's metrics
        "CLEANUP_ORG_NAME": fan_out.name,
        # glacier_cleanup OrganizationSettings: the run summary names the records' place; and when it is sent
        "CLEANUP_ORG_RECORDS_BUCKET": records_bucket_name,
        "CLEANUP_ORG_SUMMARY_ALWAYS": "true" if settings.summary_always else "false",
        "POWERTOOLS_SERVICE_NAME": settings.service_name,
        "POWERTOOLS_METRICS_NAMESPACE": settings.metrics_namespace,
        "POWERTOOLS_LOG_LEVEL": settings.log_level,
    }


class OrganizationFunctions(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: OrganizationConfig,
        bucket: s3.IBucket,
        key: kms.IKey,
        powertools_version: str,
        records_bucket: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, id_)
        settings = config.settings
        source = resolve_layer_source(settings.powertools_layer, config.fan_out.hub_region)
        self._layer = powertools_layer_for(self, source, powertools_version)
        self._environment = organization_environment(
            config, bucket.bucket_name, records_bucket.bucket_name if records_bucket else ""
        )
        self._key = key
        self._retention = log_retention(settings.log_retention_days)
        self.planner = self._function(
            "Planner",
            PLANNER_HANDLER,
            "Organization run: lists the accounts under the OUs and writes the targets",
            timeout=Duration.minutes(5),
            memory_mb=512,
        )
        self.planner.add_to_role_policy(
            iam.PolicyStatement(sid="ReadOrganization", actions=list(ORGANIZATIONS_READ), resources=["*"])
        )
        bucket.grant_put(self.planner, f"{TARGETS_PREFIX}*")
        self.summary = self._function(
            "Summary",
            SUMMARY_HANDLER,
            "Organization run: reads every target's result, writes the summary, publishes the metrics",
            timeout=Duration.minutes(15),
            memory_mb=1024,
        )
        bucket.grant_read(self.summary, f"{RESULTS_PREFIX}/*")
        bucket.grant_put(self.summary, f"{TARGETS_PREFIX}*")
        self._acknowledge(bucket)

    def _function(
        self, id_: str, handler: str, description: str, *, timeout: Duration, memory_mb: int
    ) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            f"{id_}LogGroup",
            retention=self._retention,
            removal_policy=RemovalPolicy.RETAIN,
            encryption_key=self._key,
        )
        role = iam.Role(self, f"{id_}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            id_,
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler,
            code=function_code(),
            memory_size=memory_mb,
            timeout=timeout,
            environment=self._environment,
            environment_encryption=self._key,
            role=role,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            # Invoked only by the state machine, one execution at a time per run.
            reserved_concurrent_executions=2,
        )
        attach_layers(function, [self._layer, sdk_layer(self)])
        Validations.of(function).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason=f"{RUNTIME.name} on purpose: the interpreter `make test` runs the code on.",
            )
        )
        acknowledge(
            function, "CKV_AWS_117", "Calls only AWS APIs (Organizations, S3) over TLS; no VPC needed."
        )
        acknowledge(
            function,
            "CKV_AWS_116",
            "Invoked synchronously by the state machine only: a failure fails the execution (alarmed), "
            "there is no asynchronous event to keep.",
        )
        return function

    def _acknowledge(self, bucket: s3.IBucket) -> None:
        xray = Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason="Only where IAM offers no resource type: X-Ray's PutTraceSegments (both functions), and "
            "organizations:ListAccountsForParent / ListOrganizationalUnitsForParent (the planner).",
        )
        prefixes = {
            self.planner: [f"{TARGETS_PREFIX}*"],
            self.summary: [f"{TARGETS_PREFIX}*", f"{RESULTS_PREFIX}/*"],
        }
        for function, objects in prefixes.items():
            assert function.role is not None
            Validations.of(function.role).acknowledge(
                xray,
                *(
                    Acknowledgment(
                        id=iam5_resource_finding(self, bucket.arn_for_objects(pattern)),
                        reason=f"Objects under {pattern} of the results bucket only: their keys hold the "
                        "run's name, which exists only at run time.",
                    )
                    for pattern in objects
                ),
                *(
                    Acknowledgment(
                        id=f"AwsSolutions-IAM5[Action::{action}]",
                        reason="CDK's S3 and KMS grants, on the results bucket's prefix and the stack key.",
                    )
                    for action in _GRANT_WILDCARDS
                ),
            )
