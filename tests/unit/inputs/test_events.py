"""The function's events (inputs/events.py): the schedule's payload, on-demand requests, bad events named
field by field."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from glacier_cleanup.inputs.events import (
    InvalidEventError,
    OnDemandRequest,
    ScheduleEvent,
    parse_event,
    parse_request,
)


def test_schedule_payload() -> None:
    event = parse_event(
        {
            "trigger": "schedule",
            "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/cleanup",
            "scheduled_time": "2025-06-01T03:00:00Z",
        }
    )

    assert isinstance(event, ScheduleEvent)
    assert event.scheduled_time == datetime(2025, 6, 1, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({}, {}),
        ({"dry_run": False}, {"dry_run": False}),
        ({"older_than_hours": 72}, {"older_than_hours": 72.0}),
        ({"older_than_hours": 1}, {"older_than_hours": 1.0}),
        ({"vaults": ["backups", "a.b_c-1"]}, {"vaults": ["backups", "a.b_c-1"]}),
        ({"max_aborts": 0}, {"max_aborts": 0}),
        (
            {"dry_run": True, "older_than_hours": 87600, "vaults": ["x" * 255], "max_aborts": 1_000_000},
            {"dry_run": True, "older_than_hours": 87600.0, "vaults": ["x" * 255], "max_aborts": 1_000_000},
        ),
    ],
)
def test_on_demand_requests(event: dict[str, object], expected: dict[str, object]) -> None:
    request = parse_event(event)

    assert isinstance(request, OnDemandRequest)
    assert request.overrides() == expected


BAD_EVENTS = [
    pytest.param({"dry_run": "yes"}, "dry_run", id="dry_run-string"),
    pytest.param({"dry_run": 1}, "dry_run", id="dry_run-int"),
    pytest.param({"dry_run": None, "bogus": 1}, "bogus", id="unknown-key"),
    pytest.param({"older_than_hours": "72"}, "older_than_hours", id="hours-string"),
    pytest.param({"older_than_hours": True}, "older_than_hours", id="hours-bool"),
    pytest.param({"older_than_hours": math.nan}, "older_than_hours", id="hours-nan"),
    pytest.param({"older_than_hours": math.inf}, "older_than_hours", id="hours-inf"),
    pytest.param({"older_than_hours": -1}, "older_than_hours", id="hours-negative"),
    pytest.param({"older_than_hours": 0.99}, "older_than_hours", id="hours-below-floor"),
    pytest.param({"older_than_hours": 1e12}, "older_than_hours", id="hours-huge"),
    pytest.param({"vaults": "backups"}, "vaults", id="vaults-string"),
    pytest.param({"vaults": []}, "vaults", id="vaults-empty"),
    pytest.param({"vaults": ["ok", "not ok"]}, "vaults.1", id="vault-space"),
    pytest.param({"vaults": [""]}, "vaults.0", id="vault-empty-name"),
    pytest.param({"vaults": ["x" * 256]}, "vaults.0", id="vault-too-long"),
    pytest.param({"vaults": ["a/b"]}, "vaults.0", id="vault-slash"),
    pytest.param({"vaults": [1]}, "vaults.0", id="vault-number"),
    pytest.param({"max_aborts": 1.5}, "max_aborts", id="max-float"),
    pytest.param({"max_aborts": "10"}, "max_aborts", id="max-string"),
    pytest.param({"max_aborts": -1}, "max_aborts", id="max-negative"),
    pytest.param({"max_aborts": 10**30}, "max_aborts", id="max-huge"),
    pytest.param({"trigger": "manual"}, "trigger", id="trigger-unknown"),
    pytest.param({"trigger": "schedule", "dry_run": False}, "dry_run", id="schedule-with-override"),
    pytest.param({"trigger": "schedule", "scheduled_time": "soon"}, "scheduled_time", id="schedule-bad-time"),
    pytest.param("{}", "JSON object", id="string-payload"),
    pytest.param(["dry_run"], "JSON object", id="list-payload"),
    pytest.param(None, "JSON object", id="null-payload"),
    pytest.param(42, "JSON object", id="number-payload"),
]


@pytest.mark.parametrize(("event", "field"), BAD_EVENTS)
def test_bad_events_are_rejected_naming_the_field(event: object, field: str) -> None:
    with pytest.raises(InvalidEventError) as raised:
        parse_event(event)

    assert field in str(raised.value)


def test_parse_request_ignores_unset_values() -> None:
    assert parse_request(dry_run=None, vaults=["a"]).overrides() == {"vaults": ["a"]}


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([1], "invalid event: expected a JSON object, got list"),
        ({"trigger": "schedule", "bogus": 1}, "invalid schedule event: bogus: unknown key"),
        (
            {"account": "111111111111", "region": "eu-west-1", "run_id": "r", "extra": 1},
            "invalid target event: extra: unknown key",
        ),
        (
            {"older_than_hours": 0.1, "vaults": 5},
            "invalid on-demand request: older_than_hours: Input should be greater than or equal to 1 (got "
            "0.1); "
            "vaults: Input should be a valid list (got 5)",
        ),
    ],
)
def test_bad_events_get_one_exact_line_per_problem(event: object, message: str) -> None:
    with pytest.raises(InvalidEventError) as raised:
        parse_event(event)
    assert str(raised.value) == message
