"""One grammar for the safety switch everywhere: config file, -c, the function's environment, events, CLI.

A config file or block is JSON: a JSON boolean only (config/json_types.py). Text (a `-c` override, an
environment variable) takes the two words true and false, in any case."""

from __future__ import annotations

from typing import Any

import pytest
from glacier_cleanup.cli import build_parser
from glacier_cleanup.inputs.events import InvalidEventError, parse_event
from glacier_cleanup.inputs.settings import Settings, SettingsError
from glacier_cleanup_cdk.config import CONTEXT_KEY, ConfigError, load_config

ACCEPTED = [(True, True), (False, False), ("true", True), ("false", False), ("TRUE", True), ("False", False)]
JSON_ACCEPTED = [(value, expected) for value, expected in ACCEPTED if isinstance(value, bool)]
REFUSED = ["no", "yes", "0", "1", "off", "on", "", 0, 1, None, "f"]


def load(**defaults: Any) -> Any:
    block = {CONTEXT_KEY: {"defaults": defaults, "targets": []}}
    return load_config(block, default_account="123456789012", default_region="us-east-1").targets[0].settings


def load_cli(value: str) -> Any:
    context = {CONTEXT_KEY: {"defaults": {}, "targets": []}, f"{CONTEXT_KEY}:dry_run": value}
    return (
        load_config(context, default_account="123456789012", default_region="us-east-1").targets[0].settings
    )


@pytest.mark.parametrize(("value", "expected"), JSON_ACCEPTED)
def test_the_config_takes_json_booleans(value: Any, expected: bool) -> None:
    assert load(dry_run=value).dry_run is expected


@pytest.mark.parametrize(("value", "expected"), ACCEPTED)
def test_command_line_and_environment_accept_the_same_words(value: Any, expected: bool) -> None:
    assert load_cli(str(value)).dry_run is expected
    assert Settings.from_environ({"CLEANUP_DRY_RUN": str(value).lower()}).dry_run is expected


@pytest.mark.parametrize("value", ["true", "false", "TRUE"])
def test_a_word_in_the_config_file_is_not_a_boolean(value: str) -> None:
    with pytest.raises(ConfigError, match=r"field 'dry_run': must be a JSON boolean, not a JSON string"):
        load(dry_run=value)


@pytest.mark.parametrize("value", REFUSED)
def test_every_other_value_is_an_error_naming_the_field(value: Any) -> None:
    with pytest.raises(ConfigError, match=r"field 'dry_run': must be a JSON boolean"):
        load(dry_run=value)
    if isinstance(value, str):
        with pytest.raises(ConfigError, match=r"field 'dry_run': must be a JSON boolean"):
            load_cli(value)
        if value:  # an empty variable means "unset" (the default, a dry run) for the function
            with pytest.raises(SettingsError, match="CLEANUP_DRY_RUN"):
                Settings.from_environ({"CLEANUP_DRY_RUN": value})


@pytest.mark.parametrize("value", [*REFUSED, "true", "false"])
def test_events_take_json_booleans_only(value: Any) -> None:
    if value is None:
        assert parse_event({"dry_run": None}).overrides() == {}  # null means "the deployed setting"
        return
    with pytest.raises(InvalidEventError, match="dry_run"):
        parse_event({"dry_run": value})


def test_every_config_switch_uses_the_grammar() -> None:
    with pytest.raises(ConfigError, match=r"field 'report_bytes': must be a JSON boolean"):
        load(report_bytes="yes")
    with pytest.raises(ConfigError, match=r"field 'schedule_enabled': must be a JSON boolean"):
        load(schedule_enabled=0)


def test_cli_has_flags_not_words() -> None:
    assert build_parser().parse_args([]).dry_run is True
    assert build_parser().parse_args(["--apply"]).dry_run is False
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--dry-run=no"])
