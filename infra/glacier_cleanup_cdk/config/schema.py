"""The config's schema: every per-target setting (`CleanupSettings`), a target, the organization block."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from glacier_cleanup.core.descriptions import DEFAULT_DESCRIPTION_MODE, DescriptionMode
from glacier_cleanup.inputs.limits import (
    ACCOUNT_ID_PATTERN,
    CONCURRENCY,
    DEFAULT_CONCURRENCY,
    DEFAULT_IDLE_HOURS,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_OLDER_THAN_HOURS,
    DEFAULT_STORAGE_PRICE_PER_GB_MONTH,
    DEFAULT_TIME_MARGIN_SECONDS,
    GLACIER_ACCOUNT_ID_PATTERN,
    IDLE_HOURS,
    MAX_ABORTS,
    MAX_ATTEMPTS,
    MAX_REQUESTS_PER_SECOND,
    OLDER_THAN_HOURS,
    PARENT_ID_PATTERN,
    REGION_PATTERN,
    ROLE_NAME_PATTERN,
    STORAGE_PRICE,
    TIME_MARGIN_SECONDS,
    RetryMode,
)
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from ..powertools import AUTO, BUNDLED, LAYER_ARN, PUBLIC_PARAMETER
from . import json_types
from .aws_limits import (
    CRON,
    LOG_RETENTION_DAYS,
    MAX_ALARM_RANGE_MINUTES,
    MAX_SHORT_PERIOD_ALARM_RANGE_MINUTES,
    RATE,
    UNIT_MINUTES,
    check_cron_fields,
    check_readable,
    check_time_zone,
)
from .fields import (
    EmailAddresses,
    OptionalBucketName,
    OptionalInt,
    OptionalKeyArn,
    OptionalNumber,
    OptionalTopicArn,
    SlackChannelId,
    SlackWorkspaceId,
    Switch,
    TeamsChannelId,
    TeamsGuid,
    VaultNames,
    VaultPatterns,
    conflict,
    split_list,
)

LAYER_SOURCES = (AUTO, PUBLIC_PARAMETER, BUNDLED)


class CleanupSettings(BaseModel):
    """Every per-target setting; `defaults` and each target share these keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _json_types(cls, values: Any) -> Any:
        return json_types.check(cls, values)

    # --- Lambda settings (docs/design.md; one environment variable each) ---
    older_than_hours: float = Field(default=DEFAULT_OLDER_THAN_HOURS, **OLDER_THAN_HOURS.field)
    dry_run: Switch = True  # safe first deploy: review the dry-run report, then set false
    vaults: VaultNames = ()  # empty = every vault; also narrows the IAM resources
    exclude_vaults: VaultPatterns = ()
    # Vaults to retire (docs/operations.md, "Retiring a vault"): adds glacier:GetVaultLock,
    # GetVaultAccessPolicy and DeleteVault (SetVaultAccessPolicy with decommission_deny_writes) on them only.
    decommission_vaults: VaultNames = ()
    decommission_deny_writes: Switch = False
    protect_description_regex: str = ""
    concurrency: int = Field(default=DEFAULT_CONCURRENCY, **CONCURRENCY.field)
    max_aborts: OptionalInt = Field(default=None, **MAX_ABORTS.field)
    time_margin_seconds: float = Field(default=DEFAULT_TIME_MARGIN_SECONDS, **TIME_MARGIN_SECONDS.field)
    glacier_account_id: str = Field(default="-", pattern=GLACIER_ACCOUNT_ID_PATTERN)
    report_bytes: Switch = False  # adds glacier:ListParts
    # Activity-aware cleanup (docs/operations.md): an old upload is aborted only after its parts stayed the
    # same for idle_hours. Adds the observation table and glacier:ListParts. false: age alone decides.
    activity_check: Switch = True
    idle_hours: float = Field(default=DEFAULT_IDLE_HOURS, **IDLE_HOURS.field)
    # false: an on-demand event (or an organization run's request) may only make a run safer or smaller
    # (glacier_cleanup.inputs.guardrails); true lets it loosen these settings too.
    on_demand_may_loosen: Switch = False
    observation_table_removal: Literal["destroy", "retain"] = "destroy"
    storage_price_per_gb_month: float = Field(
        default=DEFAULT_STORAGE_PRICE_PER_GB_MONTH, **STORAGE_PRICE.field
    )
    max_attempts: int = Field(default=DEFAULT_MAX_ATTEMPTS, **MAX_ATTEMPTS.field)
    retry_mode: RetryMode = "standard"
    pacing: Switch = (
        True  # glacier_cleanup.aws.pacing: once throttled, pace just below the rate that succeeds
    )
    # A hard cap on Glacier requests per second per account and region (each target's run); none by default.
    max_requests_per_second: OptionalNumber = Field(
        default=None, allow_inf_nan=False, **MAX_REQUESTS_PER_SECOND.field
    )
    service_name: str = Field(default="glacier-multipart-cleanup", pattern=r"^[A-Za-z0-9._\-]{1,255}$")
    metrics_namespace: str = Field(default="GlacierMultipartCleanup", pattern=r"^[A-Za-z0-9._/#:\-]{1,255}$")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # How archive descriptions (often file paths) appear in logs and results: hashed by default
    # (glacier_cleanup.core.descriptions says why).
    log_descriptions: DescriptionMode = DEFAULT_DESCRIPTION_MODE

    # --- function ---
    # 1024 MB: the first size whose CPU share meets the throughput and init targets, for about the cost per
    # abort of the smaller sizes (docs/performance.md, "At Lambda's CPU share").
    memory_mb: int = Field(default=1024, ge=128, le=10240)
    timeout_seconds: int = Field(default=900, ge=10, le=900)
    log_retention_days: int = 90
    tracing: Switch = True  # X-Ray active tracing of every invocation
    prevent_overlap: Switch = True  # reserved concurrency 1
    async_retry_attempts: int = Field(default=1, ge=0, le=1)
    async_max_event_age_minutes: int = Field(default=60, ge=1, le=360)

    # --- continuation: a run stopped by its time budget is invoked again in the same scheduled run ---
    continuation_rounds: int = Field(default=5, ge=1, le=50)

    # --- schedule (EventBridge Scheduler) ---
    schedule_enabled: Switch = True
    schedule_expression: str = "rate(1 day)"
    schedule_time_zone: str = "UTC"
    flexible_window_minutes: int = Field(default=60, ge=0, le=1440)  # 0 = off
    schedule_retry_attempts: int = Field(default=3, ge=0, le=185)
    schedule_max_event_age_minutes: int = Field(default=60, ge=1, le=1440)
    dead_letter_retention_days: int = Field(default=14, ge=1, le=14)
    # Decision records (docs/records.md): a year and a month, so a year's months can be compared.
    records_retention_days: int = Field(default=400, ge=1, le=3650)
    # An existing bucket for the records instead of the stack's own (its lifecycle and policies are the
    # owner's); and the KMS key it encrypts with, when it uses one (the function needs GenerateDataKey).
    records_bucket_name: OptionalBucketName = None
    records_bucket_key_arn: OptionalKeyArn = None

    # --- alarms ---
    alarm_emails: EmailAddresses = ()  # non-empty: a KMS-encrypted SNS topic receives every alarm
    # An existing SNS topic (a pager, a chat bridge) that receives every alarm too.
    alarm_topic_arn: OptionalTopicArn = None

    # --- the run summary (docs/operations.md): a message after each scheduled run ---
    summary_emails: EmailAddresses = ()
    summary_always: Switch = False  # false: only when something happened or is due at the next run
    # AWS Chatbot: both Slack ids, or all three Teams ids (the workspace or team is authorized in the
    # Chatbot console first).
    summary_slack_workspace_id: SlackWorkspaceId = None
    summary_slack_channel_id: SlackChannelId = None
    summary_teams_tenant_id: TeamsGuid = None
    summary_teams_team_id: TeamsGuid = None
    summary_teams_channel_id: TeamsChannelId = None
    run_incomplete_alarm_runs: int = Field(default=2, ge=1, le=100)
    run_interval_minutes: OptionalInt = Field(default=None, ge=1)  # required with cron(); rate() implies it

    # --- Powertools source (../powertools.py): auto, public-parameter, bundled or a layer ARN ---
    powertools_layer: str = "auto"

    # --- Lambda console shareable test events ---
    test_events: Switch = True
    # The shared registry the console keeps test events in (docs/deploy.md section 4): `ensure` creates it
    # when missing and leaves an existing one alone (works in a fresh account and in one that has it),
    # `create` owns it as a stack resource (fails if it exists), `existing` only writes into it.
    test_event_registry: Literal["ensure", "create", "existing"] = "ensure"

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        try:
            re.compile(self.protect_description_regex)
        except re.error as exc:
            raise conflict("protect_description_regex", f"not a valid Python regex: {exc}") from exc
        if self.powertools_layer not in LAYER_SOURCES and not LAYER_ARN.match(self.powertools_layer):
            raise conflict(
                "powertools_layer", f"must be one of {', '.join(LAYER_SOURCES)} or a Lambda layer version ARN"
            )
        if self.metrics_namespace.startswith("AWS/"):
            raise conflict("metrics_namespace", "the AWS/ prefix is reserved for AWS services")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            allowed = ", ".join(str(days) for days in sorted(LOG_RETENTION_DAYS))
            raise conflict("log_retention_days", f"must be one of {allowed}")
        if self.time_margin_seconds >= self.timeout_seconds:
            raise conflict(
                "time_margin_seconds",
                f"must be less than timeout_seconds ({self.timeout_seconds}); the function stops starting "
                "new work this long before its timeout",
            )
        check_time_zone(self.schedule_time_zone)
        interval = self._schedule_interval_minutes()
        if interval is None and self.run_interval_minutes is None:
            raise conflict(
                "run_interval_minutes",
                "is required with a cron() schedule: the RunIncomplete alarm needs one run per period",
            )
        if self.flexible_window_minutes >= self.alarm_period_minutes:
            raise conflict(
                "flexible_window_minutes",
                f"must be shorter than the time between runs ({self.alarm_period_minutes} min)",
            )
        self._check_alarm_range()
        self._check_chat_ids()
        if self.records_bucket_key_arn and not self.records_bucket_name:
            raise conflict(
                "records_bucket_name", "is required with records_bucket_key_arn (the key of that bucket)"
            )
        return self

    def _check_chat_ids(self) -> None:
        for names in (
            ("summary_slack_workspace_id", "summary_slack_channel_id"),
            ("summary_teams_tenant_id", "summary_teams_team_id", "summary_teams_channel_id"),
        ):
            given = [name for name in names if getattr(self, name) is not None]
            if given and len(given) != len(names):
                missing = next(name for name in names if name not in given)
                raise conflict(
                    missing, f"is required with {', '.join(given)} (allowed: all of {', '.join(names)})"
                )

    def _schedule_interval_minutes(self) -> int | None:
        """Minutes between runs of a rate() schedule; None for cron(); raises for anything else."""
        rate = RATE.match(self.schedule_expression)
        if rate:
            value, unit = int(rate["value"]), rate["unit"]
            if (value == 1) != (not unit.endswith("s")):
                raise conflict("schedule_expression", "use the singular unit for 1 and the plural otherwise")
            return value * UNIT_MINUTES[unit.rstrip("s")]
        cron = CRON.match(self.schedule_expression)
        if cron:
            check_cron_fields(cron["fields"].split())
            check_readable(self.schedule_expression, self.schedule_time_zone)
            return None
        raise conflict(
            "schedule_expression",
            f"{self.schedule_expression!r} is neither rate(<n> <unit>) nor cron(<6 fields>)",
        )

    def _check_alarm_range(self) -> None:
        period = self.alarm_period_minutes
        total = period * self.run_incomplete_alarm_runs
        limit = MAX_SHORT_PERIOD_ALARM_RANGE_MINUTES if period < 60 else MAX_ALARM_RANGE_MINUTES
        if total > limit:
            raise conflict(
                "run_incomplete_alarm_runs",
                f"{self.run_incomplete_alarm_runs} runs x {period} min exceeds CloudWatch's alarm evaluation "
                f"range of {limit} min",
            )

    @property
    def alarm_period_minutes(self) -> int:
        """The RunIncomplete alarm's period: one scheduled run per period."""
        if self.run_interval_minutes is not None:
            return self.run_interval_minutes
        interval = self._schedule_interval_minutes()
        assert interval is not None, "validated: cron() schedules carry run_interval_minutes"
        return interval


class TargetIdentity(BaseModel):
    """Where one stack goes. Account and region are unset only for the implicit `default` target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _json_types(cls, values: Any) -> Any:
        return json_types.check(cls, values)

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9\-]{0,63}$")
    account: str | None = Field(default=None, pattern=ACCOUNT_ID_PATTERN)
    region: str | None = Field(default=None, pattern=REGION_PATTERN)


class TargetConfig(BaseModel):
    """One validated deployment target: identity plus its effective settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    identity: TargetIdentity
    settings: CleanupSettings

    @property
    def stack_name(self) -> str:
        return f"GlacierCleanup-{self.identity.name}"


ParentId = Annotated[str, StringConstraints(pattern=PARENT_ID_PATTERN)]
AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN)]
RegionName = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
ALL_REGIONS = "all"


def _regions(value: Any) -> Any:
    if isinstance(value, str) and value.strip() == ALL_REGIONS:
        return ALL_REGIONS
    return split_list(value)


class FanOut(BaseModel):
    """Where an organization run goes and how it fans out (the `organization` block's own keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _json_types(cls, values: Any) -> Any:
        return json_types.check(cls, values)

    name: str = Field(default="organization", pattern=r"^[A-Za-z][A-Za-z0-9\-]{0,40}$")
    hub_account: AccountId
    hub_region: RegionName
    organization_id: str = Field(pattern=r"^o-[a-z0-9]{10,32}$")
    organizational_units: Annotated[tuple[ParentId, ...], BeforeValidator(split_list)] = Field(min_length=1)
    # A list, or "all": every region where Glacier exists (the SDK's list, resolved by the planner).
    regions: Annotated[tuple[RegionName, ...] | Literal["all"], BeforeValidator(_regions)]
    exclude_accounts: Annotated[tuple[AccountId, ...], BeforeValidator(split_list)] = ()
    member_role_name: str = Field(default="GlacierCleanupMember", pattern=ROLE_NAME_PATTERN)
    max_concurrency: int = Field(default=10, ge=1, le=1000)
    tolerated_failure_percentage: float = Field(default=10, ge=0, le=100)
    # The StackSet's owner: the management account (SELF) or a delegated administrator.
    stackset_call_as: Literal["SELF", "DELEGATED_ADMIN"] = "SELF"
    # Regions the StackSet deploys the (global) role stack in: one.
    stackset_region: RegionName | None = None
    results_retention_days: int = Field(default=90, ge=1, le=3650)
    execution_timeout_hours: int = Field(default=12, ge=1, le=8760)


class OrganizationConfig(BaseModel):
    """The validated `organization` block: fan-out plus the run settings every target event uses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fan_out: FanOut
    settings: CleanupSettings

    @property
    def hub_stack_name(self) -> str:
        return f"GlacierCleanup-{self.fan_out.name}-hub"

    @property
    def member_stack_name(self) -> str:
        return f"GlacierCleanup-{self.fan_out.name}-member-role"

    @property
    def hub_role_name(self) -> str:
        """The hub function's role name: fixed, so that member roles can trust it by ARN before it exists
        anywhere else."""
        return f"GlacierCleanup-{self.fan_out.name}-hub-function"


class AppConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: tuple[TargetConfig, ...]
    organization: OrganizationConfig | None = None
