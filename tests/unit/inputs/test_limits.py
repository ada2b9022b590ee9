"""One set of input limits (glacier_cleanup.inputs.limits): the function's settings, the on-demand event, the
CLI and the CDK config accept exactly the same values, edge by edge.

Each check feeds every entry point the edges of a limit and the values just outside it; a limit that one
entry point widened or narrowed on its own shows as a disagreement naming the entry point and the value.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any

import pytest
from glacier_cleanup import cli
from glacier_cleanup.inputs import limits
from glacier_cleanup.inputs.events import InvalidEventError, parse_request
from glacier_cleanup.inputs.settings import Settings, SettingsError
from glacier_cleanup_cdk.config import CleanupSettings, json_types
from pydantic import ValidationError

Accepts = Callable[[Any], bool]


def _settings(variable: str) -> Accepts:
    def accepts(value: Any) -> bool:
        try:
            Settings.from_environ({variable: str(value)})
        except SettingsError:
            return False
        return True

    return accepts


def _cdk(field: str) -> Accepts:
    def accepts(value: Any) -> bool:
        try:
            CleanupSettings.model_validate({field: value})
        except ValidationError:
            return False
        return True

    return accepts


def _cdk_text(field: str) -> Accepts:
    """The CDK config through a `-c glacier-cleanup:<field>=<text>` override."""

    def accepts(value: str) -> bool:
        return _cdk(field)(json_types.from_text(CleanupSettings.model_fields[field], value))

    return accepts


def _request(field: str) -> Accepts:
    def accepts(value: Any) -> bool:
        try:
            parse_request(**{field: value})
        except InvalidEventError:
            return False
        return True

    return accepts


def _cli_concurrency(value: Any) -> bool:
    try:
        cli._concurrency(str(value))
    except argparse.ArgumentTypeError:
        return False
    return True


def _edges(bounds: limits.Bounds, step: float) -> list[float]:
    values = [bounds.low - step, bounds.low, bounds.low + step]
    if bounds.high is not None:
        values += [bounds.high - step, bounds.high, bounds.high + step]
    return values


CASES = [
    ("older_than_hours", limits.OLDER_THAN_HOURS, 0.5, {
        "settings": _settings("CLEANUP_OLDER_THAN_HOURS"),
        "cdk": _cdk("older_than_hours"),
        "on-demand event": _request("older_than_hours"),
    }),
    ("concurrency", limits.CONCURRENCY, 1, {
        "settings": _settings("CLEANUP_CONCURRENCY"),
        "cdk": _cdk("concurrency"),
        "cli": _cli_concurrency,
    }),
    ("max_attempts", limits.MAX_ATTEMPTS, 1, {
        "settings": _settings("CLEANUP_MAX_ATTEMPTS"),
        "cdk": _cdk("max_attempts"),
    }),
    ("time_margin_seconds", limits.TIME_MARGIN_SECONDS, 0.5, {
        "settings": _settings("CLEANUP_TIME_MARGIN_SECONDS"),
        "cdk": _cdk("time_margin_seconds"),
    }),
    ("max_aborts", limits.MAX_ABORTS, 1, {
        "settings": _settings("CLEANUP_MAX_ABORTS"),
        "cdk": _cdk("max_aborts"),
    }),
    ("max_requests_per_second", limits.MAX_REQUESTS_PER_SECOND, 0.5, {
        "settings": _settings("CLEANUP_MAX_REQUESTS_PER_SECOND"),
        "cdk": _cdk("max_requests_per_second"),
    }),
    ("max_aborts (on demand)", limits.MAX_ABORTS_PER_REQUEST, 1, {
        "on-demand event": _request("max_aborts"),
    }),
]  # fmt: skip


@pytest.mark.parametrize(("name", "bounds", "step", "entry_points"), CASES, ids=[case[0] for case in CASES])
def test_every_entry_point_accepts_exactly_the_shared_range(
    name: str, bounds: limits.Bounds, step: float, entry_points: dict[str, Accepts]
) -> None:
    disagreements = []
    for value in _edges(bounds, step):
        number: float = int(value) if step == 1 else value
        expected = number in bounds
        for entry_point, accepts in entry_points.items():
            if accepts(number) is not expected:
                disagreements.append(f"{entry_point} {'refuses' if expected else 'accepts'} {name}={number}")
    assert disagreements == []


@pytest.mark.parametrize("name", ["a", "Backup_2024.v-1", "x" * 255, "x" * 256, "has space", "é", "a,b"])
def test_vault_names_agree_between_the_settings_the_event_and_the_cdk_config(name: str) -> None:
    expected = re.fullmatch(limits.VAULT_NAME_PATTERN.strip("^$"), name) is not None
    # The settings and a `-c` override read a comma-separated list: "a,b" is two good names there.
    listed = expected or "," in name
    assert _settings("CLEANUP_VAULTS")(name) is listed
    assert _cdk_text("vaults")(name) is listed
    assert _cdk("vaults")([name]) is expected
    assert _cdk("vaults")(name) is False  # a JSON string is not a list
    assert _request("vaults")([name]) is expected


@pytest.mark.parametrize("mode", ["standard", "adaptive", "legacy", "Standard"])
def test_retry_modes_agree_between_the_settings_and_the_cdk_config(mode: str) -> None:
    expected = mode in limits.RETRY_MODES
    assert _settings("CLEANUP_RETRY_MODE")(mode) is expected
    assert _cdk("retry_mode")(mode) is expected


@pytest.mark.parametrize(
    ("bounds", "text"),
    [(limits.CONCURRENCY, "1-64"), (limits.MAX_ABORTS, ">= 0"), (limits.MAX_ABORTS_PER_REQUEST, "0-1000000")],
)
def test_a_range_names_its_allowed_values_without_exponents(bounds: limits.Bounds, text: str) -> None:
    assert str(bounds) == text


def test_a_boolean_is_not_a_number_inside_a_range() -> None:
    assert True not in limits.CONCURRENCY
    assert 1 in limits.CONCURRENCY
    assert "1" not in limits.CONCURRENCY


def test_a_fractional_bound_is_named_as_written() -> None:
    assert str(limits.Bounds(0.5, 2.5)) == "0.5-2.5"
    assert str(limits.Bounds(24, 8760)) == "24-8760"
    assert str(limits.STORAGE_PRICE) == "0-1"


def test_a_whole_float_bound_is_named_without_its_decimal_point() -> None:
    assert str(limits.Bounds(1.0, 64.0)) == "1-64"
    assert str(limits.Bounds(0.0)) == ">= 0"
