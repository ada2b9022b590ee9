"""Each setting is declared once, in the function's `Settings` (inputs/settings.py) and the CDK config schema
(config/schema.py), and one test walks them field by field: every function setting reaches the deployed
environment, the config's defaults are the function's own, and both tables of the docs have a row for each,
with the default the code has. Generated from the models' fields: a new setting cannot miss any of them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from glacier_cleanup.inputs.settings import Settings
from glacier_cleanup_cdk.config.schema import CleanupSettings
from glacier_cleanup_cdk.function import lambda_environment

ROOT = Path(__file__).resolve().parents[2]
# Set by the stack, not by a config key: the target's name, its table, the hub's role and buckets.
STACK_SET = {"target", "observation_table", "member_role_name", "run_targets_bucket", "records_bucket"}
# Set from the config's schedule keys (schedule_expression, schedule_time_zone, flexible_window_minutes):
# unset, the function knows no schedule and gives no notice of the next run.
SCHEDULE_SET = {"schedule_expression", "schedule_time_zone", "schedule_window_minutes"}
SETTINGS = list(Settings.model_fields)


def deployed_environment() -> dict[str, str]:
    """The function's environment at the config's defaults, as the hub's function gets it (every key)."""
    return lambda_environment(
        CleanupSettings(),
        "target",
        member_role_name="GlacierCleanupMember",
        observation_table="observations",
        run_targets_bucket="results",
        records_bucket="records",
    )


def table_rows(doc: str) -> dict[str, str]:
    """`| \\`KEY\\` | ... |` rows of a markdown table: the key and the whole row."""
    rows = {}
    for line in (ROOT / doc).read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if match:
            rows[match.group(1)] = line
    return rows


def shown_default(value: Any) -> str:
    """How the docs write a default: numbers without trailing zeros, booleans in lower case, none as empty."""
    if value is None or value == ():
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float | int):
        return f"{value:g}"
    return str(value)


@pytest.mark.parametrize("name", SETTINGS)
def test_every_setting_reaches_the_deployed_environment(name: str) -> None:
    assert Settings.model_fields[name].alias in deployed_environment()


def test_the_configs_defaults_are_the_functions_defaults() -> None:
    deployed = Settings.from_environ(deployed_environment())
    unset = Settings.from_environ({})
    differ = {
        name: (getattr(deployed, name), getattr(unset, name))
        for name in SETTINGS
        if name not in STACK_SET | SCHEDULE_SET and getattr(deployed, name) != getattr(unset, name)
    }
    assert differ == {}


def test_the_function_knows_the_schedule_it_is_deployed_on_and_none_when_it_is_disabled() -> None:
    config = CleanupSettings(
        schedule_expression="cron(0 3 ? * MON-FRI *)",
        schedule_time_zone="Europe/Berlin",
        flexible_window_minutes=30,
        run_interval_minutes=1440,
    )
    deployed = Settings.from_environ(lambda_environment(config, "target"))
    assert (deployed.schedule_expression, deployed.schedule_time_zone) == (
        "cron(0 3 ? * MON-FRI *)",
        "Europe/Berlin",
    )
    assert deployed.schedule_window_minutes == 30
    disabled = CleanupSettings(schedule_enabled=False)
    assert Settings.from_environ(lambda_environment(disabled, "target")).schedule_expression is None


@pytest.mark.parametrize("name", SETTINGS)
def test_the_design_docs_settings_table_has_each_setting_with_its_default(name: str) -> None:
    field = Settings.model_fields[name]
    rows = table_rows("docs/design.md")
    assert field.alias in rows, f"docs/design.md has no row for {field.alias}"
    default_column = rows[field.alias].rstrip(" |").rsplit("|", 1)[-1]
    assert shown_default(field.default).strip("`") in default_column, (field.alias, default_column)


@pytest.mark.parametrize("name", list(CleanupSettings.model_fields))
def test_the_deploy_docs_config_reference_has_each_config_key(name: str) -> None:
    assert name in table_rows("docs/deploy.md"), f"docs/deploy.md's config reference has no row for {name}"


def test_the_table_reader_finds_rows_and_defaults() -> None:
    """The check itself reads what the tables write (a missing row would be caught)."""
    rows = table_rows("docs/design.md")
    assert "CLEANUP_OLDER_THAN_HOURS" in rows
    assert "CLEANUP_NO_SUCH_SETTING" not in rows
    assert shown_default(168.0) == "168"
    assert shown_default(None) == "empty"
    assert shown_default(False) == "`false`"
