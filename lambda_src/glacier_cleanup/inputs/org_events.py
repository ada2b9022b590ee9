"""The organization state machine's input, parsed by the planner (glacier_cleanup.org_handler).

Apart from events.py so that the cleanup function's cold start does not build these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.utilities.parser import parse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from glacier_cleanup.inputs.events import InvalidEventError, OnDemandRequest, describe
from glacier_cleanup.inputs.limits import ACCOUNT_ID_PATTERN, REGION_PATTERN

AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN)]
RegionName = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]


class OrganizationRunRequest(OnDemandRequest):
    """The organization state machine's input: the schedule's payload, or `{}` / a narrowed on-demand run,
    e.g. {"dry_run": true, "accounts": ["111111111111"], "regions": ["eu-west-1"]} (docs/organization.md)."""

    trigger: Literal["schedule"] | None = None
    schedule_arn: str | None = None
    scheduled_time: datetime | None = Field(default=None, strict=False)
    accounts: list[AccountId] | None = Field(default=None, min_length=1)
    regions: list[RegionName] | None = Field(default=None, min_length=1)

    def overrides(self) -> dict[str, Any]:
        """Only the run settings (what each target event carries), not the scope or the trigger."""
        return self.model_dump(exclude_none=True, include=set(OnDemandRequest.model_fields))


class PlannerEvent(BaseModel):
    """What the state machine's first step sends the planner: the execution's name and its input."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    run_id: str = Field(pattern=r"^[A-Za-z0-9_.@=,+-]{1,80}$")
    request: OrganizationRunRequest


def parse_planner_event(event: object) -> PlannerEvent:
    """Parse the planner's event; raises InvalidEventError naming each bad field."""
    if not isinstance(event, dict):
        raise InvalidEventError(
            f"invalid organization run: expected a JSON object, got {type(event).__name__}"
        )
    try:
        return parse(event=event, model=PlannerEvent)
    except ValidationError as exc:
        raise InvalidEventError(f"invalid organization run: {describe(exc)}") from exc
