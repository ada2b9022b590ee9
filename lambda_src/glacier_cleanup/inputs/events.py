"""The three events the function accepts, parsed with Powertools Parser (pydantic).

- Schedule payload (EventBridge Scheduler's input, passed on by the target's state machine with the round):
  {"trigger": "schedule", "schedule_arn": "...", "scheduled_time": "...", "round": 1}
  (continuation rounds add "aborts_before" and "resume_after": core/coverage.py)
- On-demand request (console test event, `aws lambda invoke`): every key optional, each overriding its setting
  for this run only: {"dry_run": bool, "older_than_hours": number, "vaults": [names], "max_aborts": int}.
- Target event (the organization mode's state machine, one per account and region):
  {"account": "111111111111", "region": "eu-west-1", "run_id": "...", "round": 1, "settings": {<on-demand>}}
  The function assumes the member role in that account and cleans that region.

Both are strict: unknown keys are rejected and nothing is coerced ("yes" is not true, "72" is not a number).
A bad event raises `InvalidEventError` naming the field, before any Glacier call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.utilities.parser import parse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from glacier_cleanup.core.coverage import CARRY_KEYS
from glacier_cleanup.inputs.limits import (
    ACCOUNT_ID_PATTERN,
    IDLE_HOURS,
    MAX_ABORTS_PER_REQUEST,
    OLDER_THAN_HOURS,
    REGION_PATTERN,
)
from glacier_cleanup.inputs.types import VaultName

# Glacier allows 1,000 vaults per account and region.
MAX_VAULTS_PER_REQUEST = 1000
# Continuation rounds of one scheduled run (the state machines' bound is configured lower).
MAX_ROUNDS = 100


def _from_the_first_vault(value: str | None) -> str | None:
    return value or None


# "" is read as None, from the first vault: a state machine's first round sends "" (a Pass state's parameters
# cannot hold a JSON null: CloudFormation drops it).
ResumeAfter = Annotated[VaultName | Literal[""] | None, AfterValidator(_from_the_first_vault)]


def _known_counts(counts: dict[str, int]) -> dict[str, int]:
    unknown = sorted(set(counts) - set(CARRY_KEYS))
    if unknown:
        raise ValueError(f"unknown count(s) {', '.join(unknown)} (allowed: {', '.join(CARRY_KEYS)})")
    return counts


# What the earlier rounds of this run counted (the state machine sums their `carry`): for the run's totals.
Earlier = Annotated[dict[str, Annotated[int, Field(ge=0)]], AfterValidator(_known_counts)]


class InvalidEventError(ValueError):
    """The invocation's event is not one the function accepts."""


class ScheduleEvent(BaseModel):
    """What the stack's EventBridge Scheduler schedule sends: a run with the settings as they are."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    trigger: Literal["schedule"]
    schedule_arn: str | None = None
    # Scheduler sends an ISO-8601 string: parsing it is the one coercion allowed.
    scheduled_time: datetime | None = Field(default=None, strict=False)
    # Which invocation of this scheduled run (the state machine continues an incomplete run).
    round: int = Field(default=1, ge=1, le=MAX_ROUNDS)
    # Aborts the earlier rounds of this run attempted: `max_aborts` caps the run, not each round.
    aborts_before: int = Field(default=0, ge=0)
    # The vault after which this round resumes: the earlier rounds finished every vault up to it.
    resume_after: ResumeAfter = None
    earlier: Earlier = Field(default_factory=dict)


class OnDemandRequest(BaseModel):
    """A manual run. Every key is optional; `{}` runs with the settings."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    dry_run: bool | None = None
    older_than_hours: float | None = Field(default=None, **OLDER_THAN_HOURS.field, allow_inf_nan=False)
    # An empty list is rejected rather than read as "every vault": omit the key for that.
    vaults: list[VaultName] | None = Field(default=None, min_length=1, max_length=MAX_VAULTS_PER_REQUEST)
    max_aborts: int | None = Field(default=None, **MAX_ABORTS_PER_REQUEST.field)
    # false: age alone decides for this run (an operator's explicit choice; docs/operations.md).
    activity_check: bool | None = None
    idle_hours: float | None = Field(default=None, **IDLE_HOURS.field, allow_inf_nan=False)

    def overrides(self) -> dict[str, Any]:
        """The keys the request sets, ready for `Settings.to_plan`."""
        return self.model_dump(exclude_none=True)


class TargetEvent(BaseModel):
    """One account and region of an organization run: clean it through the member role."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    account: str = Field(pattern=ACCOUNT_ID_PATTERN)
    region: str = Field(pattern=REGION_PATTERN)
    # The execution's name: it goes into the role session name, so CloudTrail ties calls to the run.
    run_id: str = Field(pattern=r"^[A-Za-z0-9_.@=,+-]{1,80}$")
    round: int = Field(default=1, ge=1, le=MAX_ROUNDS)
    # As for a schedule event: `max_aborts` caps the target's run across its rounds, which resume after
    # the last vault the earlier ones finished.
    aborts_before: int = Field(default=0, ge=0)
    resume_after: ResumeAfter = None
    earlier: Earlier = Field(default_factory=dict)
    settings: OnDemandRequest = Field(default_factory=OnDemandRequest)


CleanupEvent = ScheduleEvent | OnDemandRequest | TargetEvent


def parse_event(event: object) -> CleanupEvent:
    """Parse an invocation's event; raises InvalidEventError naming each bad field."""
    if not isinstance(event, dict):
        # Checked first: Powertools would read a string event as JSON text, and other types make no sense.
        raise InvalidEventError(f"invalid event: expected a JSON object, got {type(event).__name__}")
    model: type[ScheduleEvent] | type[OnDemandRequest] | type[TargetEvent] = OnDemandRequest
    if "trigger" in event:
        model = ScheduleEvent
    elif "account" in event:
        model = TargetEvent
    try:
        return parse(event=event, model=model)
    except ValidationError as exc:
        raise InvalidEventError(f"invalid {_kind(model)}: {describe(exc)}") from exc


def parse_request(**values: Any) -> OnDemandRequest:
    """An on-demand request from keyword values (None = not given), e.g. from the CLI's flags."""
    request = parse_event({key: value for key, value in values.items() if value is not None})
    assert isinstance(request, OnDemandRequest)  # no "trigger" key, so never a ScheduleEvent
    return request


def _kind(model: type[BaseModel]) -> str:
    return {ScheduleEvent: "schedule event", TargetEvent: "target event"}.get(model, "on-demand request")


def describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "event"
        if error["type"] == "extra_forbidden":
            problems.append(f"{field}: unknown key")
        else:
            problems.append(f"{field}: {error['msg']} (got {error.get('input')!r:.80})")
    return "; ".join(problems)
