"""Strict types, field by field, generated from the declarations (so a new field cannot escape): every key of
the CDK config refuses a value of the wrong JSON type at synth, naming the field and what it takes; every
function setting refuses text of the wrong type; every on-demand event key refuses the wrong JSON type.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from glacier_cleanup.inputs.events import InvalidEventError, OnDemandRequest, parse_event
from glacier_cleanup.inputs.settings import Settings, SettingsError
from glacier_cleanup_cdk.config import CONTEXT_KEY, ConfigError, json_types, load_config
from glacier_cleanup_cdk.config.schema import CleanupSettings, FanOut, TargetIdentity
from infra_helpers import REPO_ROOT
from pydantic import BaseModel

# One value of each JSON kind.
SAMPLES: dict[str, Any] = {
    json_types.BOOLEAN: True,
    json_types.INTEGER: 72,
    json_types.NUMBER: 72.5,
    json_types.STRING: "72",
    json_types.ARRAY: ["a"],
    json_types.NULL: None,
    "object": {"a": 1},
}
ORGANIZATION = json.loads(Path(REPO_ROOT, "infra/examples/organization.json").read_text())["organization"]


def wrong_values(model: type[BaseModel]) -> list[tuple[str, Any]]:
    """(field, a value of a JSON kind the field does not take), for every field of the model."""
    cases = []
    for name, field in model.model_fields.items():
        allowed = json_types.kinds(field)
        cases.extend((name, value) for kind, value in SAMPLES.items() if kind not in allowed)
    return cases


def context_with(model: type[BaseModel], name: str, value: Any) -> dict[str, Any]:
    """A config that is valid but for this one value, where the model's keys live."""
    if model is CleanupSettings:
        block: dict[str, Any] = {"defaults": {name: value}}
    elif model is TargetIdentity:
        block = {"targets": [{"name": "prod", "account": "111111111111", "region": "eu-west-1", name: value}]}
    else:
        block = {"organization": {**ORGANIZATION, name: value}}
    return {CONTEXT_KEY: block}


CONFIG_CASES = [
    pytest.param(model, name, value, id=f"{model.__name__}.{name}={value!r}")
    for model in (CleanupSettings, TargetIdentity, FanOut)
    for name, value in wrong_values(model)
]


@pytest.mark.parametrize(("model", "name", "value"), CONFIG_CASES)
def test_every_config_field_refuses_a_value_of_the_wrong_json_type(
    model: type[BaseModel], name: str, value: Any
) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(
            context_with(model, name, value), default_account="123456789012", default_region="us-east-1"
        )
    message = str(error.value)
    assert f"field {name!r}" in message
    allowed = json_types.describe(json_types.kinds(model.model_fields[name]))
    if name != "name" or model is not TargetIdentity:  # a target's name is read before its fields
        assert allowed in message, message


def test_the_cases_cover_every_field_of_every_config_model() -> None:
    covered = {(model, name) for model, name, _ in (case.values for case in CONFIG_CASES)}
    every = {
        (model, name) for model in (CleanupSettings, TargetIdentity, FanOut) for name in model.model_fields
    }
    assert covered == every


@pytest.mark.parametrize(
    ("key", "value"),
    [("older_than_hours", True), ("max_aborts", True), ("concurrency", False), ("vaults", "backups")],
)
def test_the_issues_examples_are_refused_with_the_allowed_values(key: str, value: Any) -> None:
    with pytest.raises(ConfigError) as error:
        load_config({CONTEXT_KEY: {"defaults": {key: value}}})
    assert f"field {key!r}: must be" in str(error.value)


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("older_than_hours", "72", 72),
        ("max_aborts", "", None),
        ("dry_run", "false", False),
        ("vaults", "a,b", ("a", "b")),
        ("vaults", '["a"]', ("a",)),
    ],
)
def test_command_line_overrides_are_read_as_the_fields_type(key: str, text: str, expected: Any) -> None:
    loaded = load_config({CONTEXT_KEY: {}, f"{CONTEXT_KEY}:{key}": text}, default_account="1" * 12)
    assert getattr(loaded.targets[0].settings, key) == expected


def test_a_command_line_override_that_is_not_its_type_is_refused_naming_the_field() -> None:
    with pytest.raises(ConfigError, match="field 'older_than_hours': must be a JSON number"):
        load_config({CONTEXT_KEY: {}, f"{CONTEXT_KEY}:older_than_hours": "true"})


# --- the function's settings (environment variables: text) --------------------------------------------
def wrong_texts(name: str) -> list[str]:
    field = Settings.model_fields[name]
    allowed = json_types.kinds(field)
    if json_types.BOOLEAN in allowed:
        return ["1", "yes", "72"]
    if allowed & {json_types.INTEGER, json_types.NUMBER}:
        texts = ["true", "abc"]
        return [*texts, "1.5"] if json_types.NUMBER not in allowed else texts
    return []  # text fields: their patterns are tested with their limits (tests/unit/inputs/test_limits.py)


SETTINGS_CASES = [
    pytest.param(field.alias, text, id=f"{field.alias}={text}")
    for name, field in Settings.model_fields.items()
    for text in wrong_texts(name)
]


@pytest.mark.parametrize(("variable", "text"), SETTINGS_CASES)
def test_every_typed_setting_refuses_text_of_the_wrong_type(variable: str, text: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_environ({variable: text, "CLEANUP_OBSERVATION_TABLE": "observations"})
    assert f"{variable}={text!r}" in str(error.value)
    assert "allowed:" in str(error.value)


# --- the on-demand event (JSON) ------------------------------------------------------------------------
EVENT_CASES = [
    pytest.param(name, value, id=f"{name}={value!r}")
    for name, value in wrong_values(OnDemandRequest)
    if value is not None  # null means "not given" in a request
]


@pytest.mark.parametrize(("key", "value"), EVENT_CASES)
def test_every_event_key_refuses_a_value_of_the_wrong_json_type(key: str, value: Any) -> None:
    with pytest.raises(InvalidEventError) as error:
        parse_event({key: value})
    assert key in str(error.value)
