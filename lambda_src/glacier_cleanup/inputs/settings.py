"""The function's settings: environment variables validated once into a typed, frozen model.

Names, types and defaults are fixed by docs/design.md (the CDK stack sets them). An invalid value raises
`SettingsError` naming the variable, the value and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from glacier_cleanup.core.descriptions import DEFAULT_DESCRIPTION_MODE, DescriptionMode
from glacier_cleanup.core.models import CleanupPlan
from glacier_cleanup.core.schedule_times import check_expression
from glacier_cleanup.inputs.limits import (
    BUCKET_NAME_PATTERN,
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
    ROLE_NAME_PATTERN,
    STORAGE_PRICE,
    TABLE_NAME_PATTERN,
    TIME_MARGIN_SECONDS,
    RetryMode,
)
from glacier_cleanup.inputs.types import VaultName

# Every setting is a variable with this prefix; any other variable with it is a mistake.
SETTINGS_PREFIX = "CLEANUP_"


class SettingsError(ValueError):
    """A setting (environment variable) has a value the function cannot run with."""


def split_list(value: object) -> object:
    """Comma-separated environment value -> tuple of non-empty, stripped items."""
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


class Settings(BaseModel):
    """Settings of the cleanup. Field descriptions are what error messages show as "allowed"."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    older_than_hours: float = Field(
        default=DEFAULT_OLDER_THAN_HOURS,
        alias="CLEANUP_OLDER_THAN_HOURS",
        **OLDER_THAN_HOURS.field,
        allow_inf_nan=False,
        description=f"a number of hours, {OLDER_THAN_HOURS.low:g} <= x <= {OLDER_THAN_HOURS.high:g}",
    )
    dry_run: bool = Field(default=True, alias="CLEANUP_DRY_RUN", description="true or false")
    vaults: tuple[VaultName, ...] = Field(
        default=(),
        alias="CLEANUP_VAULTS",
        description="comma-separated vault names (1-255 of a-zA-Z0-9_.-); empty for every vault",
    )
    exclude_vaults: tuple[str, ...] = Field(
        default=(), alias="CLEANUP_EXCLUDE_VAULTS", description="comma-separated vault names or fnmatch globs"
    )
    decommission_vaults: tuple[VaultName, ...] = Field(
        default=(),
        alias="CLEANUP_DECOMMISSION_VAULTS",
        description="comma-separated vault names to retire (docs/operations.md, Retiring a vault): every "
        "upload aborted whatever its age, the vault deleted once Glacier allows it; empty for none",
    )
    decommission_deny_writes: bool = Field(
        default=False,
        alias="CLEANUP_DECOMMISSION_DENY_WRITES",
        description="true or false (true: first add a Deny on new writes to each retired vault's policy)",
    )
    protect_description_regex: re.Pattern[str] | None = Field(
        default=None,
        alias="CLEANUP_PROTECT_DESCRIPTION_REGEX",
        description="a Python regular expression (re.search on ArchiveDescription); empty protects nothing",
    )
    concurrency: int = Field(
        default=DEFAULT_CONCURRENCY,
        alias="CLEANUP_CONCURRENCY",
        **CONCURRENCY.field,
        description=f"an integer {CONCURRENCY}",
    )
    max_aborts: int | None = Field(
        default=None,
        alias="CLEANUP_MAX_ABORTS",
        **MAX_ABORTS.field,
        description=f"an integer {MAX_ABORTS}; empty for no cap",
    )
    time_margin_seconds: float = Field(
        default=DEFAULT_TIME_MARGIN_SECONDS,
        alias="CLEANUP_TIME_MARGIN_SECONDS",
        **TIME_MARGIN_SECONDS.field,
        allow_inf_nan=False,
        description=f"a number of seconds {TIME_MARGIN_SECONDS}",
    )
    target: str = Field(
        default="default",
        alias="CLEANUP_TARGET",
        pattern=r"^[A-Za-z][A-Za-z0-9\-]{0,63}$",
        description="the deployment target's name (the `target` metric dimension the alarms use)",
    )
    account_id: str = Field(
        default="-",
        alias="CLEANUP_ACCOUNT_ID",
        pattern=GLACIER_ACCOUNT_ID_PATTERN,
        description="'-' or 12 digits",
    )
    report_bytes: bool = Field(default=False, alias="CLEANUP_REPORT_BYTES", description="true or false")
    max_attempts: int = Field(
        default=DEFAULT_MAX_ATTEMPTS,
        alias="CLEANUP_MAX_ATTEMPTS",
        **MAX_ATTEMPTS.field,
        description=f"an integer {MAX_ATTEMPTS}",
    )
    retry_mode: RetryMode = Field(
        default="standard", alias="CLEANUP_RETRY_MODE", description="standard or adaptive"
    )
    pacing: bool = Field(
        default=True,
        alias="CLEANUP_PACING",
        # Measured by `make bench` over a grid of token-bucket limits, latencies and concurrency, random
        # throttling and a neighbour sharing the bucket (docs/performance.md; bench/pacer_grid.py).
        description="true or false (once throttled, pace requests just below the rate that succeeds)",
    )
    max_requests_per_second: float | None = Field(
        default=None,
        alias="CLEANUP_MAX_REQUESTS_PER_SECOND",
        **MAX_REQUESTS_PER_SECOND.field,
        allow_inf_nan=False,
        description=f"a number {MAX_REQUESTS_PER_SECOND}; empty for no cap (Glacier requests per second)",
    )
    activity_check: bool = Field(
        default=True,
        alias="CLEANUP_ACTIVITY_CHECK",
        description=(
            "true or false (true: an old upload is aborted only after its parts stayed unchanged for "
            "CLEANUP_IDLE_HOURS; false: age alone decides)"
        ),
    )
    idle_hours: float = Field(
        default=DEFAULT_IDLE_HOURS,
        alias="CLEANUP_IDLE_HOURS",
        **IDLE_HOURS.field,
        allow_inf_nan=False,
        description=f"a number of hours, {IDLE_HOURS}",
    )
    observation_table: str | None = Field(
        default=None,
        alias="CLEANUP_OBSERVATION_TABLE",
        pattern=TABLE_NAME_PATTERN,
        description="the DynamoDB table of looks at old uploads (required with the activity check)",
    )
    storage_price_per_gb_month: float = Field(
        default=DEFAULT_STORAGE_PRICE_PER_GB_MONTH,
        alias="CLEANUP_STORAGE_PRICE_PER_GB_MONTH",
        **STORAGE_PRICE.field,
        allow_inf_nan=False,
        description=f"USD per GB-month of Glacier vault storage, {STORAGE_PRICE}",
    )
    log_descriptions: DescriptionMode = Field(
        default=DEFAULT_DESCRIPTION_MODE,
        alias="CLEANUP_LOG_DESCRIPTIONS",
        description="full, hashed or none: how archive descriptions appear in logs, results and listings",
    )
    event_may_loosen: bool = Field(
        default=False,
        alias="CLEANUP_EVENT_MAY_LOOSEN",
        description=(
            "true or false (false: an on-demand or target event may only make a run safer or smaller; "
            "inputs/guardrails.py)"
        ),
    )
    run_targets_bucket: str | None = Field(
        default=None,
        alias="CLEANUP_RUN_TARGETS_BUCKET",
        pattern=BUCKET_NAME_PATTERN,
        description="the organization's results bucket: a target event is refused unless the planner "
        "listed its account and region for its run (the hub sets it)",
    )
    records_bucket: str | None = Field(
        default=None,
        alias="CLEANUP_RECORDS_BUCKET",
        pattern=BUCKET_NAME_PATTERN,
        description="the bucket of the decision records (docs/records.md; the stack sets it); empty: none "
        "written",
    )
    # The schedule's own expression, for the notice of what its next run will abort (core/notice.py).
    schedule_expression: str | None = Field(
        default=None,
        alias="CLEANUP_SCHEDULE_EXPRESSION",
        description="EventBridge Scheduler's rate(<n> <unit>) or cron(<6 fields>) that starts the runs (the "
        "stack sets it); empty: no schedule, so no notice of the next run",
    )
    schedule_time_zone: str = Field(
        default="UTC",
        alias="CLEANUP_SCHEDULE_TIME_ZONE",
        pattern=r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$",
        description="the IANA time zone the cron() expression is read in",
    )
    schedule_window_minutes: int = Field(
        default=0,
        alias="CLEANUP_SCHEDULE_WINDOW_MINUTES",
        ge=0,
        le=1440,
        description="0-1440: the schedule's flexible window, within which Scheduler starts a run",
    )
    summary_always: bool = Field(
        default=False,
        alias="CLEANUP_SUMMARY_ALWAYS",
        description="true or false (false: a scheduled run's summary message is sent only when something "
        "happened or is due at the next run)",
    )
    member_role_name: str | None = Field(
        default=None,
        alias="CLEANUP_MEMBER_ROLE_NAME",
        pattern=ROLE_NAME_PATTERN,
        description="the IAM role name target events assume in each member account; empty refuses them",
    )

    @field_validator(
        "dry_run",
        "report_bytes",
        "pacing",
        "activity_check",
        "event_may_loosen",
        "summary_always",
        "decommission_deny_writes",
        mode="before",
    )
    @classmethod
    def _true_or_false(cls, value: object) -> object:
        # Only the two words: "yes", "1" or "on" are more likely mistakes than intent for a safety switch.
        if isinstance(value, str):
            lowered = value.lower()
            if lowered not in ("true", "false"):
                raise ValueError("must be true or false")
            return lowered == "true"
        return value

    @field_validator("schedule_expression")
    @classmethod
    def _readable_schedule(cls, value: str | None) -> str | None:
        if value is not None:
            check_expression(value)  # a ScheduleError is a ValueError: the message names the problem
        return value

    @field_validator("vaults", "exclude_vaults", "decommission_vaults", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return split_list(value)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Self:
        """Validate the settings; an empty variable counts as unset (its default applies).

        An unknown `CLEANUP_*` variable is an error: a typo such as CLEANUP_OLDER_THAN_HOUR=720 would
        otherwise run silently with the 168 h default and abort uploads the operator meant to keep.
        """
        return validate_environ(cls, environ, prefix=SETTINGS_PREFIX)

    def to_plan(
        self,
        *,
        dry_run: bool | None = None,
        older_than_hours: float | None = None,
        vaults: Sequence[str] | None = None,
        max_aborts: int | None = None,
        exclude_vaults: Sequence[str] = (),
        concurrency: int | None = None,
        activity_check: bool | None = None,
        idle_hours: float | None = None,
        log_descriptions: DescriptionMode | None = None,
    ) -> CleanupPlan:
        """The plan for one run: these settings, with each given override (already validated) taking over.

        Exclusions only add up: a request can never un-exclude a vault the settings exclude.
        """
        return CleanupPlan(
            dry_run=self.dry_run if dry_run is None else dry_run,
            older_than=timedelta(
                hours=self.older_than_hours if older_than_hours is None else older_than_hours
            ),
            vaults=tuple(self.vaults if vaults is None else vaults),
            exclude_vaults=(*self.exclude_vaults, *exclude_vaults),
            protect_description=self.protect_description_regex,
            max_aborts=self.max_aborts if max_aborts is None else max_aborts,
            report_bytes=self.report_bytes,
            concurrency=self.concurrency if concurrency is None else concurrency,
            time_margin=timedelta(seconds=self.time_margin_seconds),
            activity_check=self.activity_check if activity_check is None else activity_check,
            idle=timedelta(hours=self.idle_hours if idle_hours is None else idle_hours),
            price_per_gb_month=self.storage_price_per_gb_month,
            descriptions=self.log_descriptions if log_descriptions is None else log_descriptions,
        )


# A TypeVar, not PEP 695's `def f[M: BaseModel]`: the terminal tool supports Python 3.11.
M = TypeVar("M", bound=BaseModel)


def validate_environ(model: type[M], environ: Mapping[str, str], *, prefix: str) -> M:
    """`model` from the environment variables named by its field aliases; an empty variable counts as
    unset, and an unknown variable with `prefix` is an error naming the allowed ones."""
    known = {field.alias for field in model.model_fields.values() if field.alias}
    unknown = sorted(name for name in environ if name.startswith(prefix) and name not in known)
    if unknown:
        allowed = ", ".join(sorted(known))
        raise SettingsError(
            f"invalid settings: unknown variable(s) {', '.join(unknown)} (allowed: {allowed})"
        )
    values = {name: environ[name] for name in known if environ.get(name, "").strip()}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc, model)) from exc


def describe_errors(exc: ValidationError, model: type[BaseModel]) -> str:
    """One readable line per invalid variable: name, value given, what went wrong, what is allowed."""
    allowed = {field.alias: field.description for field in model.model_fields.values() if field.alias}
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "settings"
        given: Any = error.get("input")
        hint = allowed.get(name)
        lines.append(f"{name}={given!r}: {error['msg']}" + (f" (allowed: {hint})" if hint else ""))
    return "invalid settings: " + "; ".join(lines)
