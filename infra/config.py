"""Typed deployment config: the `glacier-cleanup` context key, validated before any resource is built.

Shape (cdk.json `context`)::

    "glacier-cleanup": {
      "defaults": {<setting>: <value>, ...},
      "targets": [{"name": "prod-eu", "account": "111111111111", "region": "eu-west-1", <setting>: ...}],
      "organization": {"hub_account": ..., "hub_region": ..., "organization_id": "o-...",
                       "organizational_units": ["r-..."], "regions": [...] | "all", <setting>: ...}
    }

The organization block (docs/organization.md) holds the fan-out keys (`FanOut`) and any run setting, over
`defaults` like a target's; targets and an organization can coexist. `-c glacier-cleanup:organization:<key>=`
overrides one of its keys.

A target's own settings override `defaults`; with no targets there is one target named `default` in
CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION. Single values can be overridden on the command line
(values are strings; they are coerced like the JSON ones, lists may be comma-separated):

    -c glacier-cleanup:<setting>=<value>            the defaults layer (a target's own value still wins)
    -c glacier-cleanup:<target>:<setting>=<value>   one target
    -c glacier-cleanup:config_file=<path.json>      replace the whole cdk.json block with a JSON file
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from glacier_cleanup.inputs.limits import (
    ACCOUNT_ID_PATTERN,
    CONCURRENCY,
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_OLDER_THAN_HOURS,
    DEFAULT_TIME_MARGIN_SECONDS,
    GLACIER_ACCOUNT_ID_PATTERN,
    MAX_ABORTS,
    MAX_ATTEMPTS,
    OLDER_THAN_HOURS,
    PARENT_ID_PATTERN,
    REGION_PATTERN,
    ROLE_NAME_PATTERN,
    TIME_MARGIN_SECONDS,
    RetryMode,
    VaultName,
)
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from infra.powertools import AUTO, BUNDLED, LAYER_ARN, PUBLIC_PARAMETER

LAYER_SOURCES = (AUTO, PUBLIC_PARAMETER, BUNDLED)

CONTEXT_KEY = "glacier-cleanup"
CONFIG_FILE_KEY = "config_file"
DEFAULT_TARGET_NAME = "default"

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
# PutMetricAlarm limits on Period x EvaluationPeriods.
_MAX_ALARM_RANGE_MINUTES = 7 * 24 * 60
_MAX_SHORT_PERIOD_ALARM_RANGE_MINUTES = 24 * 60

_RATE = re.compile(r"^rate\((?P<value>[1-9]\d*) (?P<unit>minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*?,/#\-]+$")
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


class ConfigError(ValueError):
    """The deployment config is invalid; the message names every target and field at fault."""


def _split_list(value: Any) -> Any:
    """Accept a JSON list, or a comma-separated string (how `-c key=value` delivers lists)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


def _true_or_false(value: Any) -> Any:
    """The function's grammar for a switch (glacier_cleanup.inputs.settings): a JSON boolean, or the words
    true / false (how `-c key=value` delivers them). "no", "0", "off" are refused: for `dry_run`, a misread
    word would mean real aborts."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PydanticCustomError("true_or_false", "must be true or false")


def _empty_to_none(value: Any) -> Any:
    return None if value in ("", "null", "none", "None") else value


VaultPattern = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-*?\[\]!]{1,255}$")]
EmailAddress = Annotated[str, StringConstraints(pattern=r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")]
VaultNames = Annotated[tuple[VaultName, ...], BeforeValidator(_split_list)]
VaultPatterns = Annotated[tuple[VaultPattern, ...], BeforeValidator(_split_list)]
EmailAddresses = Annotated[tuple[EmailAddress, ...], BeforeValidator(_split_list)]
OptionalInt = Annotated[int | None, BeforeValidator(_empty_to_none)]
Switch = Annotated[bool, BeforeValidator(_true_or_false)]
OptionalTopicArn = Annotated[
    str | None,
    BeforeValidator(_empty_to_none),
    Field(pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$"),
]


_CONFLICT = "config_conflict"


def _conflict(field: str, message: str) -> PydanticCustomError:
    """A cross-field error that still names the one field the operator has to change."""
    return PydanticCustomError(_CONFLICT, "{message}", {"field": field, "message": message})


class CleanupSettings(BaseModel):
    """Every per-target setting; `defaults` and each target share these keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- Lambda settings (docs/design.md; one environment variable each) ---
    older_than_hours: float = Field(default=DEFAULT_OLDER_THAN_HOURS, **OLDER_THAN_HOURS.field)
    dry_run: Switch = True  # safe first deploy: review the dry-run report, then set false
    vaults: VaultNames = ()  # empty = every vault; also narrows the IAM resources
    exclude_vaults: VaultPatterns = ()
    protect_description_regex: str = ""
    concurrency: int = Field(default=DEFAULT_CONCURRENCY, **CONCURRENCY.field)
    max_aborts: OptionalInt = Field(default=None, **MAX_ABORTS.field)
    time_margin_seconds: float = Field(default=DEFAULT_TIME_MARGIN_SECONDS, **TIME_MARGIN_SECONDS.field)
    glacier_account_id: str = Field(default="-", pattern=GLACIER_ACCOUNT_ID_PATTERN)
    report_bytes: Switch = False  # adds glacier:ListParts
    max_attempts: int = Field(default=DEFAULT_MAX_ATTEMPTS, **MAX_ATTEMPTS.field)
    retry_mode: RetryMode = "standard"
    pacing: Switch = True  # glacier_cleanup.aws.pacing: once throttled, pace at the rate that succeeds
    service_name: str = Field(default="glacier-multipart-cleanup", pattern=r"^[A-Za-z0-9._\-]{1,255}$")
    metrics_namespace: str = Field(default="GlacierMultipartCleanup", pattern=r"^[A-Za-z0-9._/#:\-]{1,255}$")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    # --- function ---
    memory_mb: int = Field(default=256, ge=128, le=10240)
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

    # --- alarms ---
    alarm_emails: EmailAddresses = ()  # non-empty: a KMS-encrypted SNS topic receives every alarm
    # An existing SNS topic (a pager, a chat bridge) that receives every alarm too.
    alarm_topic_arn: OptionalTopicArn = None
    run_incomplete_alarm_runs: int = Field(default=2, ge=1, le=100)
    run_interval_minutes: OptionalInt = Field(default=None, ge=1)  # required with cron(); rate() implies it

    # --- Powertools source (infra/powertools.py): auto, public-parameter, bundled or a layer ARN ---
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
            raise _conflict("protect_description_regex", f"not a valid Python regex: {exc}") from exc
        if self.powertools_layer not in LAYER_SOURCES and not LAYER_ARN.match(self.powertools_layer):
            raise _conflict(
                "powertools_layer", f"must be one of {', '.join(LAYER_SOURCES)} or a Lambda layer version ARN"
            )
        if self.metrics_namespace.startswith("AWS/"):
            raise _conflict("metrics_namespace", "the AWS/ prefix is reserved for AWS services")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            allowed = ", ".join(str(days) for days in sorted(LOG_RETENTION_DAYS))
            raise _conflict("log_retention_days", f"must be one of {allowed}")
        if self.time_margin_seconds >= self.timeout_seconds:
            raise _conflict(
                "time_margin_seconds",
                f"must be less than timeout_seconds ({self.timeout_seconds}); the function stops starting "
                "new work this long before its timeout",
            )
        _check_time_zone(self.schedule_time_zone)
        interval = self._schedule_interval_minutes()
        if interval is None and self.run_interval_minutes is None:
            raise _conflict(
                "run_interval_minutes",
                "is required with a cron() schedule: the RunIncomplete alarm needs one run per period",
            )
        if self.flexible_window_minutes >= self.alarm_period_minutes:
            raise _conflict(
                "flexible_window_minutes",
                f"must be shorter than the time between runs ({self.alarm_period_minutes} min)",
            )
        self._check_alarm_range()
        return self

    def _schedule_interval_minutes(self) -> int | None:
        """Minutes between runs of a rate() schedule; None for cron(); raises for anything else."""
        rate = _RATE.match(self.schedule_expression)
        if rate:
            value, unit = int(rate["value"]), rate["unit"]
            if (value == 1) != (not unit.endswith("s")):
                raise _conflict("schedule_expression", "use the singular unit for 1 and the plural otherwise")
            return value * _UNIT_MINUTES[unit.rstrip("s")]
        cron = _CRON.match(self.schedule_expression)
        if cron:
            _check_cron_fields(cron["fields"].split())
            return None
        raise _conflict(
            "schedule_expression",
            f"{self.schedule_expression!r} is neither rate(<n> <unit>) nor cron(<6 fields>)",
        )

    def _check_alarm_range(self) -> None:
        period = self.alarm_period_minutes
        total = period * self.run_incomplete_alarm_runs
        limit = _MAX_SHORT_PERIOD_ALARM_RANGE_MINUTES if period < 60 else _MAX_ALARM_RANGE_MINUTES
        if total > limit:
            raise _conflict(
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


def _check_time_zone(name: str) -> None:
    if name in ("UTC", "Etc/UTC"):
        return  # valid even where the host has no time zone database
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise _conflict("schedule_time_zone", f"{name!r} is not an IANA time zone name") from exc


def _check_cron_fields(fields: Sequence[str]) -> None:
    if len(fields) != 6:
        raise _conflict(
            "schedule_expression",
            f"cron() needs 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}",
        )
    if not all(_CRON_FIELD.match(field) for field in fields):
        raise _conflict("schedule_expression", "cron() field contains characters Scheduler does not accept")
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise _conflict(
            "schedule_expression", "cron() needs '?' in exactly one of day-of-month and day-of-week"
        )


class TargetIdentity(BaseModel):
    """Where one stack goes. Account and region are unset only for the implicit `default` target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
    return _split_list(value)


class FanOut(BaseModel):
    """Where an organization run goes and how it fans out (the `organization` block's own keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="organization", pattern=r"^[A-Za-z][A-Za-z0-9\-]{0,40}$")
    hub_account: AccountId
    hub_region: RegionName
    organization_id: str = Field(pattern=r"^o-[a-z0-9]{10,32}$")
    organizational_units: Annotated[tuple[ParentId, ...], BeforeValidator(_split_list)] = Field(min_length=1)
    # A list, or "all": every region where Glacier exists (the SDK's list, resolved by the planner).
    regions: Annotated[tuple[RegionName, ...] | Literal["all"], BeforeValidator(_regions)]
    exclude_accounts: Annotated[tuple[AccountId, ...], BeforeValidator(_split_list)] = ()
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


class _RawConfig(BaseModel):
    """The block's outer shape; settings stay raw until merged per target."""

    model_config = ConfigDict(extra="forbid")

    defaults: dict[str, Any] = Field(default_factory=dict)
    targets: list[dict[str, Any]] = Field(default_factory=list)
    organization: dict[str, Any] | None = None


_IDENTITY_KEYS = frozenset(TargetIdentity.model_fields)


def load_config(
    context: Mapping[str, Any],
    *,
    default_account: str | None = None,
    default_region: str | None = None,
) -> AppConfig:
    """Validate the `glacier-cleanup` block (plus `-c` overrides) from the app's context.

    `context` is the app's full context (App.node.get_all_context()). Raises ConfigError with one message
    listing every problem, each naming the target (or `defaults`) and the field.
    """
    problems: list[str] = []
    raw_block = _read_block(context, problems)
    defaults_overrides, target_overrides = _cli_overrides(context)
    if problems:
        raise ConfigError(_format(problems))
    try:
        raw = _RawConfig.model_validate(raw_block)
    except ValidationError as exc:
        raise ConfigError(_format(_describe(exc, scope=CONTEXT_KEY))) from exc

    defaults = {**raw.defaults, **defaults_overrides}
    try:
        CleanupSettings.model_validate(defaults)
    except ValidationError as exc:
        # Every target inherits these values: report a bad value once, under `defaults`. A cross-field
        # conflict may be resolved by a target's own values, so those are reported per target.
        if any(error["type"] != _CONFLICT for error in exc.errors()):
            raise ConfigError(_format(_describe(exc, scope="defaults"))) from exc

    organization = None
    if raw.organization is not None:
        overrides = target_overrides.pop("organization", {})
        organization = _build_organization({**raw.organization, **overrides}, defaults, problems)
    # With only an organization, no implicit `default` target: the app is the hub (and member) stacks.
    implicit = not raw.targets and raw.organization is None
    raw_targets = raw.targets or (
        [{"name": DEFAULT_TARGET_NAME, "account": default_account, "region": default_region}]
        if implicit
        else []
    )
    names = [str(entry.get("name", f"#{index}")) for index, entry in enumerate(raw_targets)]
    for unknown in sorted(set(target_overrides) - set(names)):
        for setting in sorted(target_overrides[unknown]):
            problems.append(f"-c {CONTEXT_KEY}:{unknown}:{setting}: no target named {unknown!r}")

    targets: list[TargetConfig] = []
    for name, entry in zip(names, raw_targets, strict=True):
        merged = {**entry, **target_overrides.get(name, {})}
        target = _build_target(name, merged, defaults, problems, implicit=implicit)
        if target is not None:
            targets.append(target)
    problems.extend(_cross_target_problems(names, targets))
    if problems:
        raise ConfigError(_format(problems))
    return AppConfig(targets=tuple(targets), organization=organization)


_FAN_OUT_KEYS = frozenset(FanOut.model_fields)


def _build_organization(
    entry: Mapping[str, Any], defaults: Mapping[str, Any], problems: list[str]
) -> OrganizationConfig | None:
    """The `organization` block: its fan-out keys, and run settings over `defaults` like a target's."""
    scope = "organization"
    found = len(problems)
    fan_out = settings = None
    try:
        fan_out = FanOut.model_validate({k: v for k, v in entry.items() if k in _FAN_OUT_KEYS})
    except ValidationError as exc:
        problems.extend(_describe(exc, scope=scope))
    try:
        own = {k: v for k, v in entry.items() if k not in _FAN_OUT_KEYS}
        settings = CleanupSettings.model_validate({**defaults, **own})
    except ValidationError as exc:
        problems.extend(_describe(exc, scope=scope))
    if len(problems) > found or fan_out is None or settings is None:
        return None
    if settings.glacier_account_id != "-":
        problems.append(f"{scope}, field 'glacier_account_id': must be '-' (each member's own account)")
        return None
    return OrganizationConfig(fan_out=fan_out, settings=settings)


def _read_block(context: Mapping[str, Any], problems: list[str]) -> Any:
    config_file = context.get(f"{CONTEXT_KEY}:{CONFIG_FILE_KEY}")
    if config_file is None:
        block = context.get(CONTEXT_KEY, {})
        if not isinstance(block, str):
            return block
        try:  # `-c glacier-cleanup='{...}'` arrives as a JSON string
            return json.loads(block)
        except json.JSONDecodeError as exc:
            problems.append(f"{CONTEXT_KEY}: not JSON: {exc}")
            return {}
    try:
        return json.loads(Path(str(config_file)).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        problems.append(f"{CONFIG_FILE_KEY} {config_file!r}: {exc}")
        return {}


def _cli_overrides(context: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Split `glacier-cleanup:<setting>` and `glacier-cleanup:<target>:<setting>` context keys."""
    defaults: dict[str, Any] = {}
    per_target: dict[str, dict[str, Any]] = {}
    prefix = f"{CONTEXT_KEY}:"
    for key, value in context.items():
        if not key.startswith(prefix) or key == f"{prefix}{CONFIG_FILE_KEY}":
            continue
        parts = key[len(prefix) :].split(":")
        if len(parts) == 1:
            defaults[parts[0]] = value
        else:
            target, setting = parts[0], ":".join(parts[1:])
            per_target.setdefault(target, {})[setting] = value
    return defaults, per_target


def _build_target(
    name: str,
    entry: Mapping[str, Any],
    defaults: Mapping[str, Any],
    problems: list[str],
    *,
    implicit: bool,
) -> TargetConfig | None:
    scope = f"target {name!r}"
    found = len(problems)
    identity_values = {key: value for key, value in entry.items() if key in _IDENTITY_KEYS}
    setting_values = {key: value for key, value in entry.items() if key not in _IDENTITY_KEYS}
    if not implicit:
        problems.extend(
            f"{scope}, field {key!r}: required for a configured target"
            for key in ("account", "region")
            if identity_values.get(key) is None
        )
    identity = settings = None
    try:
        identity = TargetIdentity.model_validate(identity_values)
    except ValidationError as exc:
        problems.extend(_describe(exc, scope=scope))
    try:
        settings = CleanupSettings.model_validate({**defaults, **setting_values})
    except ValidationError as exc:
        problems.extend(_describe(exc, scope=scope))
    if len(problems) > found or identity is None or settings is None:
        return None
    return TargetConfig(identity=identity, settings=settings)


def _cross_target_problems(names: Sequence[str], targets: Sequence[TargetConfig]) -> list[str]:
    problems = [
        f"target {name!r}, field 'name': duplicate target name"
        for name in sorted({name for name in names if names.count(name) > 1})
    ]
    registry_owners: dict[tuple[str | None, str | None], str] = {}
    for target in targets:
        if not target.settings.test_events or target.settings.test_event_registry != "create":
            continue
        place = (target.identity.account, target.identity.region)
        if place in registry_owners:
            problems.append(
                f"target {target.identity.name!r}, field 'test_event_registry': target "
                f"{registry_owners[place]!r} already creates the registry in {place[0]}/{place[1]}"
            )
        registry_owners.setdefault(place, target.identity.name)
    return problems


def _describe(exc: ValidationError, *, scope: str) -> list[str]:
    lines = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"])
        got = f" (got {error['input']!r})"
        if not location:  # a model-level conflict names its field in the context
            location = str((error.get("ctx") or {}).get("field", "?"))
            given = error["input"] if isinstance(error["input"], dict) else {}
            got = f" (got {given[location]!r})" if location in given else ""
        if error["type"] == "extra_forbidden":
            lines.append(f"{scope}, field {location!r}: unknown key")
        else:
            lines.append(f"{scope}, field {location!r}: {error['msg']}{got}")
    return lines


def _format(problems: Sequence[str]) -> str:
    return f"invalid {CONTEXT_KEY} config: " + "; ".join(problems)
