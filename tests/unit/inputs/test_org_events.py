"""The organization run's input (glacier_cleanup.inputs.org_events): the schedule's payload or a narrowed
on-demand run, parsed by the planner before anything is listed; each bad field named."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from glacier_cleanup.inputs.events import InvalidEventError
from glacier_cleanup.inputs.org_events import parse_planner_event


def test_a_scheduled_run_carries_its_trigger_and_time() -> None:
    planned = parse_planner_event(
        {
            "run_id": "schedule-20261207T060000Z",
            "request": {
                "trigger": "schedule",
                "schedule_arn": "arn:aws:scheduler:eu-west-1:111111111111:schedule/default/org",
                "scheduled_time": "2026-12-07T06:00:00Z",
            },
        }
    )
    assert planned.run_id == "schedule-20261207T060000Z"
    assert planned.request.trigger == "schedule"
    assert planned.request.scheduled_time == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    assert planned.request.overrides() == {}


def test_only_the_run_settings_travel_to_the_targets() -> None:
    planned = parse_planner_event(
        {
            "run_id": "r",
            "request": {
                "dry_run": True,
                "max_aborts": 5,
                "accounts": ["111111111111"],
                "regions": ["eu-west-1"],
            },
        }
    )
    assert planned.request.overrides() == {"dry_run": True, "max_aborts": 5}
    assert (planned.request.accounts, planned.request.regions) == (["111111111111"], ["eu-west-1"])


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"run_id": "r", "request": {"accounts": []}}, "request.accounts"),
        ({"run_id": "r", "request": {"regions": ["Moon"]}}, "request.regions.0"),
        ({"run_id": "r", "request": {"trigger": "console"}}, "request.trigger"),
        ({"run_id": "has space", "request": {}}, "run_id"),
        ({"run_id": "r", "request": {}, "extra": 1}, "extra"),
    ],
)
def test_a_bad_field_is_named(event: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidEventError) as raised:
        parse_planner_event(event)
    assert str(raised.value).startswith("invalid organization run: ")
    assert field in str(raised.value)


def test_a_planner_event_that_is_not_an_object_is_named() -> None:
    with pytest.raises(InvalidEventError) as raised:
        parse_planner_event(["run"])
    assert str(raised.value) == "invalid organization run: expected a JSON object, got list"
