"""Settings (environment variables) and events (Powertools Parser models): valid shapes and clear errors."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import pytest
from glacier_cleanup.inputs.events import (
    InvalidEventError,
    OnDemandRequest,
    ScheduleEvent,
    parse_event,
    parse_request,
)
from glacier_cleanup.inputs.settings import Settings, SettingsError


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_environ({})

    assert settings.older_than_hours == 168
    assert settings.dry_run is True  # safe when unset
    assert settings.vaults == settings.exclude_vaults == ()
    assert settings.protect_description_regex is None
    assert settings.concurrency == 16
    assert settings.max_aborts is None
    assert settings.time_margin_seconds == 30
    assert settings.account_id == "-"
    assert settings.report_bytes is False
    assert settings.max_attempts == 10
    assert settings.retry_mode == "standard"


def test_every_variable_is_read() -> None:
    settings = Settings.from_environ(
        {
            "CLEANUP_OLDER_THAN_HOURS": "72.5",
            "CLEANUP_DRY_RUN": "FALSE",
            "CLEANUP_VAULTS": " backups, media ,",
            "CLEANUP_EXCLUDE_VAULTS": "prod-*,keep",
            "CLEANUP_PROTECT_DESCRIPTION_REGEX": "^keep:",
            "CLEANUP_CONCURRENCY": "64",
            "CLEANUP_MAX_ABORTS": "0",
            "CLEANUP_TIME_MARGIN_SECONDS": "1",
            "CLEANUP_ACCOUNT_ID": "123456789012",
            "CLEANUP_REPORT_BYTES": "true",
            "CLEANUP_MAX_ATTEMPTS": "20",
            "CLEANUP_RETRY_MODE": "adaptive",
            "UNRELATED": "ignored",
        }
    )

    assert settings.older_than_hours == 72.5
    assert settings.dry_run is False
    assert settings.vaults == ("backups", "media")
    assert settings.exclude_vaults == ("prod-*", "keep")
    assert settings.protect_description_regex == re.compile("^keep:")
    assert (settings.concurrency, settings.max_aborts, settings.time_margin_seconds) == (64, 0, 1)
    assert settings.account_id == "123456789012"
    assert settings.report_bytes is True
    assert (settings.max_attempts, settings.retry_mode) == (20, "adaptive")


def test_empty_variables_mean_unset() -> None:
    settings = Settings.from_environ({"CLEANUP_MAX_ABORTS": "", "CLEANUP_OLDER_THAN_HOURS": " "})

    assert settings.max_aborts is None
    assert settings.older_than_hours == 168


BAD_SETTINGS = [
    ("CLEANUP_OLDER_THAN_HOURS", "0.5", "greater than or equal to 1"),
    ("CLEANUP_OLDER_THAN_HOURS", "87601", "less than or equal to 87600"),
    ("CLEANUP_OLDER_THAN_HOURS", "nan", "finite"),
    ("CLEANUP_OLDER_THAN_HOURS", "inf", "finite"),
    ("CLEANUP_OLDER_THAN_HOURS", "-5", "greater than or equal to 1"),
    ("CLEANUP_OLDER_THAN_HOURS", "a week", "valid number"),
    ("CLEANUP_DRY_RUN", "yes", "true or false"),
    ("CLEANUP_DRY_RUN", "1", "true or false"),
    ("CLEANUP_VAULTS", "good,bad name", "pattern"),
    ("CLEANUP_VAULTS", "x" * 256, "pattern"),
    ("CLEANUP_PROTECT_DESCRIPTION_REGEX", "((", "regular expression"),
    ("CLEANUP_CONCURRENCY", "0", "greater than or equal to 1"),
    ("CLEANUP_CONCURRENCY", "65", "less than or equal to 64"),
    ("CLEANUP_CONCURRENCY", "8.5", "valid integer"),
    ("CLEANUP_MAX_ABORTS", "-1", "greater than or equal to 0"),
    ("CLEANUP_TIME_MARGIN_SECONDS", "0.5", "greater than or equal to 1"),
    ("CLEANUP_ACCOUNT_ID", "12345", "pattern"),
    ("CLEANUP_ACCOUNT_ID", "1234-5678-9012", "pattern"),
    ("CLEANUP_REPORT_BYTES", "on", "true or false"),
    ("CLEANUP_MAX_ATTEMPTS", "21", "less than or equal to 20"),
    ("CLEANUP_RETRY_MODE", "legacy", "'standard' or 'adaptive'"),
]


@pytest.mark.parametrize(("variable", "value", "problem"), BAD_SETTINGS)
def test_bad_settings_name_the_variable_the_value_and_what_is_allowed(
    variable: str, value: str, problem: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ({variable: value})

    message = str(raised.value)
    assert variable in message
    assert problem in message
    assert "allowed:" in message


def test_several_bad_settings_are_all_reported() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ({"CLEANUP_DRY_RUN": "maybe", "CLEANUP_CONCURRENCY": "100"})

    assert "CLEANUP_DRY_RUN" in str(raised.value)
    assert "CLEANUP_CONCURRENCY" in str(raised.value)


@pytest.mark.parametrize("typo", ["CLEANUP_OLDER_THAN_HOUR", "CLEANUP_DRYRUN", "CLEANUP_"])
def test_unknown_cleanup_variable_is_an_error_naming_it(typo: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_environ({typo: "720", "CLEANUP_DRY_RUN": "false"})

    assert typo in str(error.value)
    assert "CLEANUP_OLDER_THAN_HOURS" in str(error.value)  # the allowed names are listed


def test_variables_of_other_programs_are_not_settings() -> None:
    settings = Settings.from_environ({"CLEANUPX": "1", "MY_CLEANUP_OLDER": "2", "AWS_REGION": "eu-west-1"})

    assert settings.older_than_hours == 168


def test_plan_takes_request_overrides_and_keeps_settings_exclusions() -> None:
    settings = Settings.from_environ({"CLEANUP_EXCLUDE_VAULTS": "prod-*", "CLEANUP_MAX_ABORTS": "9"})

    plan = settings.to_plan(dry_run=False, older_than_hours=24, vaults=["a"], exclude_vaults=["b"])

    assert plan.dry_run is False
    assert plan.older_than == timedelta(hours=24)
    assert plan.vaults == ("a",)
    assert plan.exclude_vaults == ("prod-*", "b")
    assert plan.max_aborts == 9
    assert settings.to_plan().dry_run is True


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


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"CLEANUP_DRY_RUN": "maybe", "CLEANUP_CONCURRENCY": "0"},
            "invalid settings: CLEANUP_DRY_RUN='maybe': Value error, must be true or false (allowed: true or "
            "false); CLEANUP_CONCURRENCY='0': Input should be greater than or equal to 1 (allowed: an "
            "integer 1-64)",
        ),
        (
            {"CLEANUP_BOGUS": "1", "CLEANUP_DRYRUN": "x"},
            "invalid settings: unknown variable(s) CLEANUP_BOGUS, CLEANUP_DRYRUN (allowed: "
            "CLEANUP_ACCOUNT_ID, CLEANUP_ACTIVITY_CHECK, "
            "CLEANUP_CONCURRENCY, CLEANUP_DRY_RUN, CLEANUP_EVENT_MAY_LOOSEN, CLEANUP_EXCLUDE_VAULTS, "
            "CLEANUP_IDLE_HOURS, CLEANUP_LOG_DESCRIPTIONS, "
            "CLEANUP_MAX_ABORTS, CLEANUP_MAX_ATTEMPTS, CLEANUP_MAX_REQUESTS_PER_SECOND, "
            "CLEANUP_MEMBER_ROLE_NAME, CLEANUP_OBSERVATION_TABLE, CLEANUP_OLDER_THAN_HOURS, CLEANUP_PACING, "
            "CLEANUP_PROTECT_DESCRIPTION_REGEX, "
            "CLEANUP_REPORT_BYTES, CLEANUP_RETRY_MODE, CLEANUP_RUN_TARGETS_BUCKET, "
            "CLEANUP_STORAGE_PRICE_PER_GB_MONTH, CLEANUP_TARGET, "
            "CLEANUP_TIME_MARGIN_SECONDS, CLEANUP_VAULTS)",
        ),
    ],
)
def test_bad_settings_get_one_exact_line(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ(environ)
    assert str(raised.value) == message


def test_the_plan_carries_the_time_margin() -> None:
    plan = Settings.from_environ({"CLEANUP_TIME_MARGIN_SECONDS": "45"}).to_plan()
    assert plan.time_margin == timedelta(seconds=45)


def test_a_planner_event_that_is_not_an_object_is_named() -> None:
    from glacier_cleanup.inputs.org_events import parse_planner_event  # noqa: PLC0415

    with pytest.raises(InvalidEventError) as raised:
        parse_planner_event(["run"])
    assert str(raised.value) == "invalid organization run: expected a JSON object, got list"
