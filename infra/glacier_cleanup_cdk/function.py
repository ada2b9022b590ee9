"""The cleanup Lambda function: its settings, logs, tracing, async invocation and permissions (what every
function of the app shares, runtime, code and Powertools layer, is in lambda_defaults.py)."""

from dataclasses import dataclass

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .checkov import acknowledge
from .config import CleanupSettings
from .lambda_defaults import (
    APPLICATION_LOG_LEVEL,
    ARCHITECTURE,
    RUNTIME,
    attach_layers,
    function_code,
    log_retention,
    powertools_layer_for,
)
from .nag import iam5_resource_finding
from .observations import ObservationTable
from .permissions import GlacierCleanupPermissions
from .powertools import resolve_layer_source
from .records_bucket import DecisionRecordsBucket
from .sdk_layer import sdk_layer

# Shared by every function of the app: glacier_cleanup_cdk/lambda_defaults.py. Still importable from here.
__all__ = [
    "ARCHITECTURE",
    "HANDLER",
    "LIVE_ALIAS",
    "RUNTIME",
    "CleanupFunction",
    "MemberAccess",
    "function_code",
    "lambda_environment",
    "log_retention",
    "powertools_layer_for",
]

HANDLER = "glacier_cleanup.handler.lambda_handler"
# The schedule invokes this alias; it points at the version the last deploy published (rollback: point it
# at an earlier one, docs/deploy.md).
LIVE_ALIAS = "live"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def lambda_environment(
    settings: CleanupSettings,
    target_name: str,
    *,
    member_role_name: str | None = None,
    observation_table: str | None = None,
    run_targets_bucket: str | None = None,
    records_bucket: str | None = None,
) -> dict[str, str]:
    """Environment variables, named as in docs/design.md."""
    member_role = (
        {}
        if member_role_name is None or run_targets_bucket is None
        else {
            # glacier_cleanup Settings: the role a target event assumes in its member account (organization)
            "CLEANUP_MEMBER_ROLE_NAME": member_role_name,
            # glacier_cleanup Settings: a target event must be among the targets its run's planner chose
            "CLEANUP_RUN_TARGETS_BUCKET": run_targets_bucket,
        }
    )
    return {
        **member_role,
        # glacier_cleanup Settings: minimum age of an upload before it is aborted
        "CLEANUP_OLDER_THAN_HOURS": _number(settings.older_than_hours),
        # glacier_cleanup Settings: report only, abort nothing
        "CLEANUP_DRY_RUN": _flag(settings.dry_run),
        # glacier_cleanup Settings: vaults to scan (empty = every vault in the account and region)
        "CLEANUP_VAULTS": ",".join(settings.vaults),
        # glacier_cleanup Settings: vault names or fnmatch globs never scanned
        "CLEANUP_EXCLUDE_VAULTS": ",".join(settings.exclude_vaults),
        # glacier_cleanup Settings: vaults to retire: every upload aborted, the vault deleted once allowed
        "CLEANUP_DECOMMISSION_VAULTS": ",".join(settings.decommission_vaults),
        # glacier_cleanup Settings: first deny new writes in the retired vaults' access policies
        "CLEANUP_DECOMMISSION_DENY_WRITES": _flag(settings.decommission_deny_writes),
        # glacier_cleanup Settings: uploads whose ArchiveDescription matches are never aborted
        "CLEANUP_PROTECT_DESCRIPTION_REGEX": settings.protect_description_regex,
        # glacier_cleanup Settings: parallel Glacier calls
        "CLEANUP_CONCURRENCY": str(settings.concurrency),
        # glacier_cleanup Settings: cap on aborts per run (empty = no cap)
        "CLEANUP_MAX_ABORTS": "" if settings.max_aborts is None else str(settings.max_aborts),
        # glacier_cleanup Settings: stop starting work this long before the function timeout
        "CLEANUP_TIME_MARGIN_SECONDS": _number(settings.time_margin_seconds),
        # glacier_cleanup Settings: the target's name, the `target` dimension of the metrics (alarms use it)
        "CLEANUP_TARGET": target_name,
        # glacier_cleanup Settings: Glacier accountId ("-" = the caller's account)
        "CLEANUP_ACCOUNT_ID": settings.glacier_account_id,
        # glacier_cleanup Settings: ListParts per stale upload to report bytes released
        "CLEANUP_REPORT_BYTES": _flag(settings.report_bytes),
        # glacier_cleanup Settings: abort an old upload only once its parts stayed the same for the idle time
        "CLEANUP_ACTIVITY_CHECK": _flag(settings.activity_check),
        "CLEANUP_IDLE_HOURS": _number(settings.idle_hours),
        # glacier_cleanup guardrails: whether an on-demand or target event may loosen these settings
        "CLEANUP_EVENT_MAY_LOOSEN": _flag(settings.on_demand_may_loosen),
        # glacier_cleanup observation store: the stack's (or the hub's) table of looks at old uploads
        "CLEANUP_OBSERVATION_TABLE": observation_table or "",
        # glacier_cleanup decision records: the stack's (or the hub's) bucket of them (docs/records.md)
        "CLEANUP_RECORDS_BUCKET": records_bucket or "",
        # glacier_cleanup Settings: for the estimated monthly cost of what stale uploads hold
        "CLEANUP_STORAGE_PRICE_PER_GB_MONTH": _number(settings.storage_price_per_gb_month),
        # glacier_cleanup Glacier adapter: botocore total attempts per call
        "CLEANUP_MAX_ATTEMPTS": str(settings.max_attempts),
        # glacier_cleanup Glacier adapter: botocore retry mode
        "CLEANUP_RETRY_MODE": settings.retry_mode,
        # glacier_cleanup Glacier adapter: once throttled, pace requests just below the rate that succeeds
        "CLEANUP_PACING": _flag(settings.pacing),
        # glacier_cleanup Glacier adapter: a hard cap on requests per second (empty: none)
        "CLEANUP_MAX_REQUESTS_PER_SECOND": (
            "" if settings.max_requests_per_second is None else _number(settings.max_requests_per_second)
        ),
        # glacier_cleanup notice: the schedule that starts the runs (none when it is disabled)
        "CLEANUP_SCHEDULE_EXPRESSION": settings.schedule_expression if settings.schedule_enabled else "",
        "CLEANUP_SCHEDULE_TIME_ZONE": settings.schedule_time_zone,
        "CLEANUP_SCHEDULE_WINDOW_MINUTES": str(settings.flexible_window_minutes),
        # glacier_cleanup run summary: a message after every scheduled run, or only when there is news
        "CLEANUP_SUMMARY_ALWAYS": _flag(settings.summary_always),
        # glacier_cleanup Settings: archive descriptions in logs and results: full, hashed or none
        "CLEANUP_LOG_DESCRIPTIONS": settings.log_descriptions,
        # Powertools Logger and Metrics: service name (the `service` metric dimension the alarms use)
        "POWERTOOLS_SERVICE_NAME": settings.service_name,
        # Powertools Metrics: CloudWatch namespace of the EMF metrics (the alarms use it)
        "POWERTOOLS_METRICS_NAMESPACE": settings.metrics_namespace,
        # Powertools Logger: log level
        "POWERTOOLS_LOG_LEVEL": settings.log_level,
    }


# Where the organization's planner writes each run's targets (organization/results_bucket.py's layout).
PLANNED_TARGETS_OBJECTS = "runs/*/targets.json"


@dataclass(frozen=True)
class MemberAccess:
    """What makes a CleanupFunction the organization hub's (infra/organization)."""

    hub_role_name: str
    member_role_name: str
    max_concurrency: int
    # The results bucket: a target event is refused unless the planner listed its account and region there.
    results_bucket: s3.IBucket


class CleanupFunction(Construct):
    """The Lambda function with its own least-privilege role, log group and async failure destination."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: CleanupSettings,
        powertools_version: str,
        failure_queue: sqs.IQueue,
        description: str,
        region: str | None,
        key: kms.IKey,
        target_name: str,
        member_access: MemberAccess | None = None,
        observations: ObservationTable | None = None,
        records: DecisionRecordsBucket | None = None,
    ) -> None:
        """`member_access` makes this the organization hub's function: a fixed role name (member roles
        trust it by ARN), no Glacier permission of its own, and room for the map's concurrency."""
        super().__init__(scope, id_)

        # Retained on stack deletion: the log is the audit trail of what was aborted.
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=log_retention(settings.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN,
            encryption_key=key,
        )
        # An explicit role instead of the default one: no AWS managed policy, logs only to this group.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Glacier multipart cleanup function",
            role_name=member_access.hub_role_name if member_access else None,
        )
        self.log_group.grant_write(self.role)
        if observations is not None:
            observations.grant_observations(self.role)
        if records is not None:
            records.grant_write(self.role)
        if member_access is None:
            GlacierCleanupPermissions(self, "GlacierAccess", role=self.role, settings=settings)
            reserved = 1 if settings.prevent_overlap else None
        else:
            # The planner's list of each run's targets: a target event outside it is refused.
            planned = member_access.results_bucket.arn_for_objects(PLANNED_TARGETS_OBJECTS)
            self.role.add_to_policy(
                iam.PolicyStatement(sid="ReadPlannedTargets", actions=["s3:GetObject"], resources=[planned])
            )
            Validations.of(self.role).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-IAM5[Resource::*]",
                    reason="Only xray:PutTraceSegments/PutTelemetryRecords (active tracing), which have no "
                    "resource type. The hub function has no Glacier permission of its own.",
                ),
                Acknowledgment(
                    id=iam5_resource_finding(self, planned),
                    reason="Each run's list of planned targets only (runs/<run>/targets.json): the run's "
                    "name exists only at run time.",
                ),
            )
            # The map's concurrency, reserved: the fan-out is never throttled by other functions, and never
            # runs more than this at once against the members' Glacier.
            reserved = member_access.max_concurrency if settings.prevent_overlap else None

        self.powertools_source = resolve_layer_source(settings.powertools_layer, region)
        powertools_layer = powertools_layer_for(self, self.powertools_source, powertools_version)

        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=function_code(),
            memory_size=settings.memory_mb,
            timeout=Duration.seconds(settings.timeout_seconds),
            environment=lambda_environment(
                settings,
                target_name,
                member_role_name=member_access.member_role_name if member_access else None,
                run_targets_bucket=member_access.results_bucket.bucket_name if member_access else None,
                observation_table=observations.table.table_name if observations else None,
                records_bucket=records.bucket.bucket_name if records else None,
            ),
            environment_encryption=key,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=APPLICATION_LOG_LEVEL[settings.log_level],
            system_log_level_v2=lambda_.SystemLogLevel.INFO,
            tracing=lambda_.Tracing.ACTIVE if settings.tracing else lambda_.Tracing.DISABLED,
            # One run at a time: a slow run and the next schedule (or an on-demand run) never overlap.
            reserved_concurrent_executions=reserved,
            # Asynchronous on-demand runs of $LATEST: Lambda's own retries, then the record goes to the queue.
            retry_attempts=settings.async_retry_attempts,
            max_event_age=Duration.minutes(settings.async_max_event_age_minutes),
            on_failure=destinations.SqsDestination(failure_queue),
            # A deploy replaces the version resource: keep the old version, it is what a rollback runs.
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.RETAIN),
        )
        attach_layers(self.function, [powertools_layer, sdk_layer(self)])
        # Every deploy that changes code or settings publishes a version; older ones stay (rollback).
        self.alias = lambda_.Alias(
            self,
            "LiveAlias",
            alias_name=LIVE_ALIAS,
            version=self.function.current_version,
            description="The version the schedule runs",
            # The schedule's asynchronous runs: the same retries and failure destination as above.
            retry_attempts=settings.async_retry_attempts,
            max_event_age=Duration.minutes(settings.async_max_event_age_minutes),
            on_failure=destinations.SqsDestination(failure_queue),
        )
        self._acknowledge_checkov(settings)
        Validations.of(self.role).acknowledge(
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Action::{action}]",
                    reason="CDK's grant for sending to the KMS-encrypted failed-runs queue (the on-failure "
                    "destination); the statement is scoped to the stack's own key.",
                )
                for action in ("kms:GenerateDataKey*", "kms:ReEncrypt*")
            )
        )
        Validations.of(self.function).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason=f"{RUNTIME.name} on purpose: the interpreter `make test` runs the code on (a test "
                "keeps them equal); Lambda deprecates it on the same day as python3.14 (2029-06-30).",
            )
        )

    def _acknowledge_checkov(self, settings: CleanupSettings) -> None:
        acknowledge(
            self.function,
            "CKV_AWS_117",
            "The function calls only AWS APIs (Glacier, STS) over TLS; a VPC would add NAT or endpoint "
            "cost and no protection.",
        )
        acknowledge(
            self.function,
            "CKV_AWS_116",
            "Failed asynchronous runs go to the on-failure destination (the failed-runs SQS queue, for "
            "$LATEST and the live alias), which records more than a DLQ would; both would send duplicates.",
        )
        if not settings.prevent_overlap:
            acknowledge(
                self.function,
                "CKV_AWS_115",
                "prevent_overlap is false for this target (no reserved concurrency), chosen in the config "
                "for accounts whose concurrency quota cannot spare a reservation.",
            )
