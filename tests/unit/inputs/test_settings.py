"""Settings from the environment (inputs/settings.py): defaults, every variable, bad values named before
any call."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
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
            "CLEANUP_CONCURRENCY, CLEANUP_DECOMMISSION_DENY_WRITES, CLEANUP_DECOMMISSION_VAULTS, "
            "CLEANUP_DRY_RUN, "
            "CLEANUP_EVENT_MAY_LOOSEN, CLEANUP_EXCLUDE_VAULTS, "
            "CLEANUP_IDLE_HOURS, CLEANUP_LOG_DESCRIPTIONS, "
            "CLEANUP_MAX_ABORTS, CLEANUP_MAX_ATTEMPTS, CLEANUP_MAX_REQUESTS_PER_SECOND, "
            "CLEANUP_MEMBER_ROLE_NAME, CLEANUP_OBSERVATION_TABLE, CLEANUP_OLDER_THAN_HOURS, CLEANUP_PACING, "
            "CLEANUP_PROTECT_DESCRIPTION_REGEX, CLEANUP_RECORDS_BUCKET, "
            "CLEANUP_REPORT_BYTES, CLEANUP_RETRY_MODE, CLEANUP_RUN_TARGETS_BUCKET, "
            "CLEANUP_SCHEDULE_EXPRESSION, CLEANUP_SCHEDULE_TIME_ZONE, CLEANUP_SCHEDULE_WINDOW_MINUTES, "
            "CLEANUP_STORAGE_PRICE_PER_GB_MONTH, CLEANUP_SUMMARY_ALWAYS, CLEANUP_TARGET, "
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
